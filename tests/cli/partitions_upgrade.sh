#!/usr/bin/env bash
# A partition's parent files (meetings, mails, calls, messages) read by the
# parents' lists of who took part (docs/store.md, "Who took part") are
# the bytes of the older way, reading the participant rows:
#  - a generated store: [na] and [emea] trees equal the same trees of a
#    copy in the older layout (no lists: _who columns, person_number and
#    the mark removed), where collabfs falls back to the older way; the
#    whole population's tree too;
#  - the older copy's next import (one mail participant: an [emea] member
#    added to a mail no member took part in) brings the layout back (the
#    lists, the numbers, the mark), the mail appears in [emea]'s mails, and
#    the tree again equals the fallback's of the same data;
#  - a store last written by an older collabfs (the mark behind the last
#    refresh) is read the older way, with the same bytes;
#  - reads from the middle of a partition's mails file over 1 MiB (resumed
#    at a checkpoint of the lists' scan) give the bytes of the whole read.
. "$TESTS_DIR/cli/lib.sh"
fuse_or_skip
not() { ! "$@"; }

"$COLLABFS" keygen key >/dev/null
K="key=$T/key,audit=off"
printf '[na]\nRegion = NA\n[emea]\nRegion = EMEA\n' >parts.ini
P="partitions=$T/parts.ini,partition"
"$COLLABFS" generate -q --people 60 --months 2 --seed 3 g.db

# sums DIR: the SHA-256 of every file of the tree, by path
sums() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}
# tree_sums STORE NAME OPTIONS: mount, take the sums into NAME.sums, unmount
tree_sums() {
	mount_fs "$1" "$2" -o "$3"
	sums "$2" >"$2.sums"
	unmount_fs "$2"
}
# older STORE: the layout of a collabfs before the lists
older() {
	sqlite3 "$1" "ALTER TABLE meetings DROP COLUMN _who;
		ALTER TABLE mails DROP COLUMN _who;
		ALTER TABLE calls DROP COLUMN _who;
		ALTER TABLE instant_messages DROP COLUMN _who;
		DROP TABLE person_number;
		DELETE FROM meta WHERE key = 'who_refresh'"
}
# current STORE: the mark names the last refresh, every parent has a list
current() {
	[ "$(sqlite3 "$1" "SELECT (SELECT value FROM meta WHERE key = 'who_refresh') = (SELECT max(id) FROM refresh)")" = 1 ] &&
		[ "$(sqlite3 "$1" "SELECT count(*) FROM mails WHERE _who IS NULL")" = 0 ]
}

check "a new store has the lists" current g.db
cp g.db old.db
older old.db
check "the older copy has no lists" not current old.db 2>/dev/null
for side in na emea; do
	tree_sums g.db "new-$side" "$K,$P=$side"
	tree_sums old.db "old-$side" "$K,$P=$side"
	check "[$side]: $(wc -l <"new-$side.sums") files" test "$(wc -l <"new-$side.sums")" -gt 10
	check "[$side]: the lists give the older way's bytes" cmp -s "new-$side.sums" "old-$side.sums"
done
tree_sums g.db new-whole "$K"
tree_sums old.db old-whole "$K"
check "whole: the same bytes" cmp -s new-whole.sums old-whole.sums

# A mail with no [emea] member, and an [emea] member's HR row of its time.
mail=$(sqlite3 old.db "SELECT MailId FROM mails m WHERE NOT EXISTS (SELECT 1
	FROM mail_participants p JOIN person_historical h USING (PersonHistoricalId)
	WHERE p.MailId = m.MailId AND h.Region = 'EMEA') ORDER BY _t LIMIT 1 OFFSET 50")
member=$(sqlite3 old.db "SELECT PersonHistoricalId FROM person_historical
	WHERE Region = 'EMEA' AND _t_end IS NULL LIMIT 1")
month=$(sqlite3 old.db "SELECT strftime('%Y-%m', _t, 'unixepoch') FROM mails WHERE MailId = '$mail'")
check "a mail ($mail) and a member ($member)" test -n "$mail" -a -n "$member" -a -n "$month"
emea_mails() {
	mount_fs "$1" emea -o "$K,$P=emea"
	cut -d, -f1 "emea/mails/$month/mails_$month.csv" >emea.ids
	unmount_fs emea
	grep -qx "$mail" emea.ids
}
check "[emea]: $mail not kept before" not emea_mails old.db
mkdir add
printf 'MailId,PersonHistoricalId,IsSender\r\n%s,%s,False\r\n' "$mail" "$member" >add/MailParticipants.csv
"$COLLABFS" import -q old.db add
check "the import upgraded the older copy" current old.db
check "[emea]: $mail kept after" emea_mails old.db
cp old.db fallback.db
sqlite3 fallback.db "DELETE FROM meta WHERE key = 'who_refresh'"
for side in na emea; do
	tree_sums old.db "up-$side" "$K,$P=$side"
	tree_sums fallback.db "fb-$side" "$K,$P=$side"
	check "[$side] after the upgrade: the lists give the older way's bytes" cmp -s "up-$side.sums" "fb-$side.sums"
done
check "[emea]: the added participant changed a file" not cmp -s up-emea.sums old-emea.sums

# An older collabfs imported last: its refresh is after the mark.
sqlite3 g.db "INSERT INTO refresh SELECT max(id) + 1, 'import', 0, 0, 0, 0, 'old' FROM refresh"
check "an older writer's store is read the older way" not current g.db
tree_sums g.db older-writer-na "$K,$P=na"
check "[na] after an older writer: the same bytes" cmp -s new-na.sums older-writer-na.sums

"$COLLABFS" generate -q --people 200 --months 1 --seed 3 big.db
mount_fs big.db big -o "$K,$P=na"
f=$(find big/mails -name '*.csv' | head -n 1)
size=$(stat -c %s "$f") # renders it once: its size and checkpoints
cat "$f" >whole.csv
check "[na] mails file over 1 MiB ($size bytes)" test "$size" -gt 1200000
unmount_fs big # a new daemon: it reads from the middle at a checkpoint
mount_fs big.db big -o "$K,$P=na"
check "tail -c from the middle: the whole read's bytes" cmp -s <(tail -c +1100001 "$f") <(tail -c +1100001 whole.csv)
check "dd at 1.1 MB: the whole read's bytes" cmp -s <(dd if="$f" bs=4096 skip=270 count=3 status=none) <(dd if=whole.csv bs=4096 skip=270 count=3 status=none)
unmount_fs big
finish
