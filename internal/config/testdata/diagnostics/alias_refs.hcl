collection "Article" {
  property "title" { data_type = "text" }
}

alias "Current" { collection = collection.Article }
alias "CURRENT" { collection = collection.Article }
alias "News" { collection = collection.article }
alias "Article" { collection = collection.Article }
alias "Chained" { collection = collection.Current }
alias "Current" { collection = collection.Article }
