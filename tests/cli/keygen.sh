#!/usr/bin/env bash
# collabfs keygen: a private 65-byte key file, never an overwrite, clear
# errors.
. "$TESTS_DIR/cli/lib.sh"

out=$("$COLLABFS" keygen key.txt)
[ "$out" = "key.txt" ] && pass || fail "keygen should print the path, got '$out'"
[ "$(stat -c %a key.txt)" = 600 ] && pass || fail "mode $(stat -c %a key.txt), expected 600"
[ "$(stat -c %s key.txt)" = 65 ] && pass || fail "size $(stat -c %s key.txt), expected 65"
check "64 lowercase hex digits and a newline" grep -qxE '[0-9a-f]{64}' key.txt
check "the file ends with a newline" bash -c '[ "$(tail -c 1 key.txt | od -An -c | tr -d " ")" = "\n" ]'

# the mode is 0600 whatever the umask
(umask 000 && "$COLLABFS" keygen open.txt >/dev/null)
[ "$(stat -c %a open.txt)" = 600 ] && pass || fail "umask 000: mode $(stat -c %a open.txt)"

# two keys differ
"$COLLABFS" keygen key2.txt >/dev/null
cmp -s key.txt key2.txt && fail "two keys are equal" || pass

# never overwrite: the key is unchanged
before=$(sha256sum key.txt)
expect_error "existing key file" "key file 'key.txt' already exists" \
	"$COLLABFS" keygen key.txt
[ "$(sha256sum key.txt)" = "$before" ] && pass || fail "keygen changed an existing key"
echo "notes" >other.txt
expect_error "existing other file" "'other.txt' already exists" \
	"$COLLABFS" keygen other.txt
[ "$(cat other.txt)" = notes ] && pass || fail "keygen overwrote a file"
ln -s nowhere dangling
expect_error "dangling symlink" "'dangling' already exists" \
	"$COLLABFS" keygen dangling
[ ! -e nowhere ] && pass || fail "keygen followed a dangling symlink"

# a missing directory
expect_error "missing directory" \
	"cannot create key file 'nodir/key.txt': No such file or directory" \
	"$COLLABFS" keygen nodir/key.txt
[ ! -e nodir ] && pass || fail "keygen created a directory"

# an unwritable directory (root writes anywhere: skip then)
if [ "$(id -u)" -ne 0 ]; then
	mkdir ro && chmod 0500 ro
	expect_error "unwritable directory" \
		"cannot create key file 'ro/key.txt': Permission denied" \
		"$COLLABFS" keygen ro/key.txt
	chmod 0700 ro
fi

# usage errors exit 2
for args in "" "a b" "--frob k"; do
	rc=0
	# shellcheck disable=SC2086
	"$COLLABFS" keygen $args 2>err.txt >/dev/null || rc=$?
	[ "$rc" -eq 2 ] && grep -q "^collabfs keygen: " err.txt && pass ||
		fail "keygen '$args': rc=$rc $(cat err.txt)"
done
[ ! -e a ] && [ ! -e b ] && [ ! -e k ] && pass || fail "a usage error created a file"
check "keygen --help" bash -c '"$COLLABFS" keygen --help | grep -q "^usage: collabfs keygen KEYFILE"'
finish
