collection "Article" {
  property "title" { data_type = "text" }
}

alias "current" { collection = collection.Article }
alias "bad-name" { collection = collection.Article }
alias "Quoted" { collection = "Article" }
alias "Other" { collection = snapshot.Article }
alias "Empty" {}
