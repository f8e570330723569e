#!/bin/sh
# colstate in CI: the same steps as github-actions.yml, for any CI system.
#
#   ci.sh plan            plan the configuration in the current directory;
#                         saves plan.json (for apply) and plan.md (the
#                         pull-request comment, marked <!-- colstate-plan -->)
#   ci.sh apply           apply exactly the saved plan.json
#   ci.sh backup [ID]     snapshot the managed collections to the bucket
#   ci.sh restore ID      restore a snapshot from the bucket
#
# main.hcl keeps the state, its lock and the snapshots in a bucket, so the
# jobs share nothing but the bucket. Credentials come from the environment
# only (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the runner's role).
#
# Environment:
#   COLSTATE               the colstate binary (default: colstate on PATH)
#   COLSTATE_LOCK_TIMEOUT  how long apply waits for another job's state lock
#                          (default 5m); past it apply fails naming the holder
set -eu

COLSTATE=${COLSTATE:-colstate}
LOCK_TIMEOUT=${COLSTATE_LOCK_TIMEOUT:-5m}
MARKER='<!-- colstate-plan -->'

case "${1:-}" in
plan)
	# -detailed-exitcode: 0 no changes, 2 changes, 1 error.
	rc=0
	"$COLSTATE" plan -no-color -out plan.json -detailed-exitcode >plan.txt || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
		cat plan.txt
		exit "$rc"
	fi
	cat plan.txt
	{
		echo "$MARKER"
		"$COLSTATE" plan -no-color -format=markdown
	} >plan.md
	;;
apply)
	if [ ! -f plan.json ]; then
		echo "ci.sh apply: no plan.json here; run ci.sh plan first (or download the plan artifact)" >&2
		exit 1
	fi
	"$COLSTATE" apply -no-color -lock-timeout "$LOCK_TIMEOUT" plan.json
	;;
backup)
	shift
	if [ $# -gt 0 ]; then
		"$COLSTATE" backup -no-color -auto-approve -lock-timeout "$LOCK_TIMEOUT" --id "$1"
	else
		"$COLSTATE" backup -no-color -auto-approve -lock-timeout "$LOCK_TIMEOUT"
	fi
	;;
restore)
	if [ $# -ne 2 ]; then
		echo "usage: ci.sh restore SNAPSHOT_ID (ids: colstate snapshot list)" >&2
		exit 2
	fi
	"$COLSTATE" restore -no-color -auto-approve "$2"
	;;
*)
	echo "usage: ci.sh plan | apply | backup [ID] | restore ID" >&2
	exit 2
	;;
esac
