# colstate quickstart: two collections on a Weaviate colstate starts itself.
#
#   colstate -chdir examples/quickstart plan
#   colstate -chdir examples/quickstart apply

weaviate {
  # Start a local weaviate-server with its data under .colstate/.
  # Set embedded = false and url = "http://your-weaviate:8080" for a real cluster.
  embedded = true
  api_key  = env("WEAVIATE_API_KEY", "")
}

state {
  path = ".colstate/state.json"
}

# What Article should contain: one object a line; ids derive from slug.
data "jsonl" "articles" {
  path = "articles.jsonl"
  key  = ["slug"]
}

# Keep a snapshot of the articles at most a day old (and after every change).
snapshot "daily" {
  collections = [collection.Article]
  max_age     = "24h"
}

collection "Article" {
  description = "News articles"
  vectorizer  = "none"

  vector_index "hnsw" {
    distance = "cosine"
    ef       = 128
  }

  property "slug" {
    data_type    = "text"
    tokenization = "field"
  }
  property "title" {
    data_type    = "text"
    tokenization = "word"
  }
  property "body" {
    data_type = "text"
  }
  property "tags" {
    data_type    = "text[]"
    tokenization = "field"
  }
  property "published" {
    data_type = "date"
  }
  property "author" {
    data_type = "Author"
  }

  replication {
    factor = 1
  }

  content {
    from = data.jsonl.articles
    mode = "exact" # also delete objects the file does not hold (after a snapshot)
  }
}

collection "Author" {
  description = "People who write articles"

  vector_index "flat" {
    distance = "dot"
  }

  property "name" {
    data_type        = "text"
    index_searchable = true
  }
  property "articles_written" {
    data_type = "int"
  }
}
