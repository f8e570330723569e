#!/usr/bin/env bash
# cover.sh — coverage of colstate's unit and end-to-end tests together
# (make cover; not part of make test: it runs the whole suite under -cover,
# 31 minutes on a shared, heavily loaded 2-core machine).
#
# Two go test runs, each writing Go's binary coverage data (go help
# testflag: -test.gocoverdir) into its own directory:
#   unit  every package but cmd/colstate (many of these tests start a real
#         weaviate-server too; "unit" means "not through the CLI")
#   e2e   cmd/colstate: the testscript files and the fault/round-trip tests.
#         testscript runs the test binary itself as the `colstate` command, one
#         process per command; that binary is built with -cover, so each of
#         those processes writes its counters to $GOCOVERDIR on exit.
#         go test sets GOCOVERDIR to a directory of its own, which it deletes;
#         -exec 'env GOCOVERDIR=...' points it (and so every child) at ours.
# -coverpkg counts every package under internal/ and cmd/ in both runs, so a
# package is credited for what any test reaches, not only its own tests.
# The two are merged with go tool covdata; the output directory keeps the raw
# data and a text profile for `go tool cover -html=$COVER_OUT/cover.out`.
set -uo pipefail
cd "$(dirname "$0")/.."

out=${COVER_OUT:-.cover}
export CI=${CI:-true} # a missing weaviate-server fails instead of skipping

# COVER_REPORT_ONLY=1 prints the figures of the data already in $out again.
if [ -z "${COVER_REPORT_ONLY:-}" ]; then
	rm -rf "$out"
fi
mkdir -p "$out/unit" "$out/e2e"
out=$(cd "$out" && pwd)

status=0
runtests() { # runtests DIR COVERPKG PACKAGES...
	local dir=$1 coverpkg=$2
	shift 2
	echo "== go test -cover ($(basename "$dir")): $*"
	go test -count=1 -timeout 60m -cover -coverpkg="$coverpkg" \
		-exec "env GOCOVERDIR=$dir" "$@" -args -test.gocoverdir="$dir" || status=$?
}
if [ -z "${COVER_REPORT_ONLY:-}" ]; then
	runtests "$out/unit" ./internal/... $(go list ./... | grep -v '/cmd/colstate$')
	runtests "$out/e2e" ./internal/...,./cmd/... ./cmd/colstate
fi

rm -rf "$out/merged" && mkdir "$out/merged"
go tool covdata merge -i="$out/unit,$out/e2e" -o="$out/merged"
go tool covdata textfmt -i="$out/merged" -o="$out/cover.out"

# percent prints "pkg<TAB>NN.N" per package for the given data directories.
percent() {
	go tool covdata percent -i="$1" | awk '$1 ~ /^github.com/ { p = $1; sub(/^github.com\/colstate\/colstate\//, "", p); v = $3; sub(/%$/, "", v); print p "\t" v }'
}
# total ALL PROFILE prints the share of ALL's statements that PROFILE covers,
# over every block as covdata percent counts them (go tool cover -func counts
# only blocks inside declared functions, so its total can differ by a tenth).
# A unit-test profile lacks the packages no unit test links (cmd/colstate):
# they count as uncovered, not as absent.
total() {
	awk 'FNR == 1 { f++; next } # "mode: set"
	     f == 1 { n[$1] = $2; next }
	     $3 > 0 { hit[$1] = 1 }
	     END { for (k in n) { all += n[k]; if (k in hit) c += n[k] }; printf "%.1f\n", all ? 100 * c / all : 0 }' "$1" "$2"
}
go tool covdata textfmt -i="$out/unit" -o="$out/unit.out"
go tool covdata textfmt -i="$out/e2e" -o="$out/e2e.out"
percent "$out/unit" >"$out/unit.pct"
percent "$out/e2e" >"$out/e2e.pct"
percent "$out/merged" >"$out/merged.pct"

echo
echo "coverage of statements (unit: tests outside cmd/colstate; e2e: cmd/colstate's CLI tests; -: no such test links the package)"
printf '%-28s %7s %7s %9s\n' package unit e2e together
awk -F'\t' 'FILENAME ~ /unit.pct$/ { u[$1] = $2 "%"; next }
	FILENAME ~ /e2e.pct$/ { e[$1] = $2 "%"; next }
	{ printf "%-28s %7s %7s %8s%%\n", $1, ($1 in u) ? u[$1] : "-", ($1 in e) ? e[$1] : "-", $2 }' \
	"$out/unit.pct" "$out/e2e.pct" "$out/merged.pct"
printf '%-28s %6s%% %6s%% %8s%%\n' TOTAL "$(total "$out/cover.out" "$out/unit.out")" \
	"$(total "$out/cover.out" "$out/e2e.out")" "$(total "$out/cover.out" "$out/cover.out")"
echo "profile: $out/cover.out (go tool cover -html=$out/cover.out)"
if [ "$status" -ne 0 ]; then
	echo "cover: some tests failed (exit $status); the figures above count what ran" >&2
fi
exit "$status"
