#!/usr/bin/env bash
# The binary: --version, --help of every command, usage errors.
. "$TESTS_DIR/cli/lib.sh"

check "--version prints the version" \
	bash -c '"$COLLABFS" --version | grep -qE "^collabfs [0-9]+\.[0-9]+\.[0-9]+$"'
for cmd in generate import info keygen tables; do
	check "$cmd --help exits 0 and shows usage" \
		bash -c "\"\$COLLABFS\" $cmd --help | grep -q '^usage: collabfs $cmd'"
done
check "--help lists the commands" \
	bash -c '"$COLLABFS" --help | grep -q "^  import"'
rc=0
"$COLLABFS" frobnicate 2>err.txt || rc=$?
[ "$rc" -eq 2 ] && grep -q "not a collabfs command" err.txt && pass ||
	fail "unknown command: rc=$rc $(cat err.txt)"
rc=0
"$COLLABFS" import only-a-store.db 2>err.txt || rc=$?
[ "$rc" -eq 2 ] && pass || fail "import without PATH should exit 2, got $rc"
rc=0
"$COLLABFS" generate --people abc x.db 2>err.txt || rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--people: "abc"' err.txt && pass ||
	fail "bad --people: rc=$rc $(cat err.txt)"
[ ! -e x.db ] && pass || fail "a usage error must not create the store"
# docs/tables.md is generated from the one definition.
check "docs/tables.md matches 'collabfs tables'" \
	bash -c '"$COLLABFS" tables | diff -u "$TESTS_DIR/../docs/tables.md" -'
finish
