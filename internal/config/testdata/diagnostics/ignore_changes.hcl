collection "Article" {
  description = "News"
  property "title" { data_type = "text" }
  property "meta" {
    data_type = "object"
    property "source" { data_type = "text" }
  }
  lifecycle {
    ignore_changes = [
      description,
      descriptionx,
      vector_index.ef,
      vector_index.eff,
      property.title.description,
      property.titel.description,
      property.meta.nested.source.description,
      property.title,
      module_config.generative-openai.model,
      inverted_index,
      "replication.factor",
      vector.body.index.ef,
    ]
  }
}

collection "Named" {
  vector "body" {}
  lifecycle { ignore_changes = [vector.body.index.ef, vector.bodyy.index.ef, vector_index.ef] }
}
