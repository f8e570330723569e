collection "article" {}

collection "Post" {
  property "Title" { data_type = "text" }
  property "id" { data_type = "text" }
  property "Id" { data_type = "int" }
  property "_additional" { data_type = "text" }
  property "_id" { data_type = "text" }
  property "body" { data_type = "text" }
  property "Body" { data_type = "text" }
  property "meta" {
    data_type = "object"
    property "Source" { data_type = "text" }
    property "id" { data_type = "text" }
    property "2x" { data_type = "int" }
  }
  property "my-prop" { data_type = "text" }
  vector "my-vec" {}
}

collection "POST" {}

collection "Bad-Name" {}

collection "Other" {
  property "Id" { data_type = "text" }
}

collection "Refs" {
  property "author" { data_type = "author" }
  property "either" { data_type = "Author|post" }
}
collection "Raft" {}
