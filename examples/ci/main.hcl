# colstate in CI: state, its lock and the snapshots live in a bucket, so a
# fresh runner needs nothing but this directory and the bucket's credentials
# in the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the
# runner's role). Never put credentials in these URLs: colstate refuses them.
#
#   COLSTATE_STATE_URL     e.g. s3://my-bucket/colstate/prod.json?region=eu-west-1
#   COLSTATE_SNAPSHOT_URL  e.g. s3://my-bucket/colstate/snapshots?region=eu-west-1
#   WEAVIATE_URL           e.g. http://weaviate:8080

weaviate { url = env("WEAVIATE_URL") }

state { url = env("COLSTATE_STATE_URL") }

snapshot_store "ci" { url = env("COLSTATE_SNAPSHOT_URL") }

collection "CiArticle" {
  description = "articles, managed from CI"
  property "title" { data_type = "text" }
  property "body" { data_type = "text" }
}
