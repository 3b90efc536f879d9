# Helpers for the command-line tests (sourced).  $COLLABFS is the binary
# under test (set by ctest); each test gets a private temp dir, removed at
# exit.
set -euo pipefail
: "${COLLABFS:?run through ctest, or set COLLABFS to the binary}"
T=$(mktemp -d /tmp/collabfs-test.XXXXXX)
cleanup_hooks=()
cleanup() {
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T"

fails=0
passes=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
pass() {
	passes=$((passes + 1))
}
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	local what=$1
	shift
	if "$@"; then pass; else fail "$what"; fi
}
# expect_error DESCRIPTION SUBSTRING COMMAND...: the command must fail
# (non-zero exit) and print SUBSTRING on stderr.
expect_error() {
	local what=$1 want=$2 rc=0
	shift 2
	"$@" >out.txt 2>err.txt || rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "$what: exit 0, expected an error"
	elif ! grep -qF -- "$want" err.txt; then
		fail "$what: stderr lacks '$want': $(cat err.txt)"
	elif ! grep -q '^collabfs' err.txt; then
		fail "$what: error not prefixed 'collabfs': $(cat err.txt)"
	else
		pass
	fi
}
# A logical dump of a store (schema and rows), to prove it unchanged.
dump() {
	sqlite3 "$1" .dump | sha256sum
}
finish() {
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
