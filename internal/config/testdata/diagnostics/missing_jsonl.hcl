data "jsonl" "items" {
  path = "nowhere/items.jsonl"
}
collection "Item" {
  property "sku" { data_type = "text" }
  content { from = data.jsonl.items }
}
