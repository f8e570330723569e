// Package compattest holds the cross-version tests `make compat` runs:
// snapshots taken by the colstate CLI on older weaviate-server releases
// restore into the release colstate is built against (weaviateproc.Version)
// identically, and snapshots taken there restore into the older releases
// where their schemas allow and are refused before any write where they
// do not. The older servers are named by COLSTATE_COMPAT_SERVERS (comma-
// separated binary paths); without it the tests skip, so `make test` does
// not run them. docs/compat.md has the matrix they measured.
package compattest
