#!/usr/bin/env bash
# A refresh that touches a file's days without changing its bytes (a row
# imported again as it was): opening the file at once, before the mount
# has caught up, reads it (it once failed with "Stale file handle" for a
# second, the kernel finding the same inode again); a file whose bytes did
# change reads its new bytes.
. "$TESTS_DIR/cli/lib.sh"
fuse_or_skip
"$COLLABFS" generate -q --people 20 --months 2 --seed 3 --csv csv
"$COLLABFS" import -q store.db csv
"$COLLABFS" keygen key >/dev/null
mount_fs store.db mnt -o "key=$T/key"
f=mnt/mails/2022-01/mails_2022-01.csv
before=$(md5sum <"$f")
sleep 1.5 # past the kernel's attribute time of the current period
mkdir refresh
awk 'NR == 1 {print; next} index($0, ",2022-01-") {print; exit}' csv/Mails.csv >refresh/Mails.csv
check "the refresh holds one January mail, as it was" test "$(wc -l <refresh/Mails.csv)" -eq 2
"$COLLABFS" import -q store.db refresh
bad=0
for _ in 1 2 3 4 5; do
	got=$(md5sum <"$f" 2>err.txt) || { bad=$((bad + 1)) && cat err.txt >&2; }
	[ "$got" = "$before" ] || bad=$((bad + 1))
	sleep 0.2
done
check "the touched, unchanged file opens and reads its bytes at once ($bad bad)" test "$bad" -eq 0

# a changed file: its new bytes (one more mail in January)
awk -F, 'NR == 1 {print; next} index($0, ",2022-01-") {sub(/^[^,]*/, "MNEW000000001"); print; exit}' \
	csv/Mails.csv >refresh/Mails.csv
"$COLLABFS" import -q store.db refresh
for _ in $(seq 30); do
	grep -q MNEW000000001 "$f" 2>/dev/null && break
	sleep 0.2
done
check "a changed file shows its new row" grep -q MNEW000000001 "$f"
unmount_fs mnt
finish
