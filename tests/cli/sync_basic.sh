#!/usr/bin/env bash
# collabfs sync against a real Blob endpoint (Azurite on loopback), checked
# with clients we did not write (rclone, the official SDK) and through a
# fault-injecting proxy: same bytes as the mount, incremental, blocks for
# large files, retries, clear failures, the lock, history, no secrets.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/azure/lib.sh"
fuse_or_skip
azurite_start
not_grep() { ! grep -qF -- "$1" "$2"; }
not_grep_file() { ! grep -qaF -- "$1" "$2"; }
count() { awk -v re="$1" '$0 ~ re {n++} END {print n + 0}' "$2"; }
# new_meeting ID YYYY-MM: refresh/Meetings.csv with a copy of that month's
# first meeting under a new id (an import of it touches that month only).
new_meeting() {
	awk -F, -v id="$1" -v m="$2" 'NR == 1 {print; next}
		index($6, m "-") == 1 {sub(/^[^,]*/, id); print; exit}' \
		csv/Meetings.csv >refresh/Meetings.csv
}

# A store of two months; a mail_participants file over 4 MiB (blocks).
"$COLLABFS" generate -q --people 120 --months 2 --seed 5 --csv csv
"$COLLABFS" import -q store.db csv
"$COLLABFS" keygen key >/dev/null
opts="key=$T/key"

az create mirror >/dev/null
az_sas mirror w >sas.txt # write-only, as the seed's exporter gets
chmod 600 sas.txt
sas=$(cat sas.txt)
sig=$(sed -n 's/.*sig=\([^&]*\).*/\1/p' sas.txt)
proxy_start
printf '%s\n' "$(proxy_url "$sas")" >psas.txt
chmod 600 psas.txt

# --- first sync: every file, the mount's bytes -----------------------------
check "first sync (files over 1 MiB as blocks)" \
	"$COLLABFS" sync store.db @psas.txt -o "$opts" --upload-cutoff 1
mount_fs store.db mnt -o "$opts"
nfiles=$(cd mnt && find . -type f | wc -l)
az list mirror >list.txt
check "one blob per file ($nfiles)" test "$(wc -l <list.txt)" -eq "$nfiles"
bad=0
while IFS=$'\t' read -r name size md5; do
	[ -f "mnt/$name" ] && [ "$(stat -c %s "mnt/$name")" = "$size" ] &&
		[ "$(md5_b64 "mnt/$name")" = "$md5" ] || {
		bad=$((bad + 1))
		echo "differs: $name" >&2
	}
done <list.txt
check "every blob: the mount's size and MD5 (stored by the service)" test "$bad" -eq 0
check "rclone check: the container equals the mounted tree" \
	rclone_check mnt mirror --download
big=$(awk -F'\t' '$2 > 4194304 {print $1; exit}' list.txt)
check "a file over 4 MiB (several blocks) exists" test -n "$big"
check "it was sent as several committed blocks" \
	grep -Eq "committed=([2-9]|[1-9][0-9]+) " <(az blocks mirror "$big")
az get mirror "$big" got.csv
check "its bytes equal the mount's" cmp -s got.csv "mnt/$big"
check "content type text/csv" grep -q 'text/csv; charset=utf-8' \
	<(az props mirror meetings/2022-01/meetings_2022-01.csv)
unmount_fs mnt

# --- facts worked out by a mount (no MD5 in them): the sync hashes itself --
az create mirror2 >/dev/null
mount_fs store.db mnt -o "$opts,cache=$T/cache2"
ls -lR mnt >/dev/null # the facts of every file, by the mount
unmount_fs mnt
check "sync with the mount's facts (whole files and blocks)" \
	"$COLLABFS" sync store.db "$(az_sas mirror2 w)" -o "$opts,cache=$T/cache2" \
	--upload-cutoff 1
az list mirror2 >list2.txt
check "the stored MD5s equal those of the first sync" \
	cmp -s <(sort list.txt) <(sort list2.txt)

# --- nothing changed: no PUT -----------------------------------------------
before=$(proxy_count PUT)
check "second sync" "$COLLABFS" sync store.db @psas.txt -o "$opts"
check "a second sync with nothing changed sends no PUT" \
	test "$(proxy_count PUT)" -eq "$before"
"$COLLABFS" sync store.db @psas.txt -o "$opts" --dry-run >dry.txt
check "dry run with nothing changed lists nothing" \
	test "$(count '^would send' dry.txt)" -eq 0

# --- a refresh touching February: only February's files go -----------------
mkdir refresh
new_meeting MNEW00000001 2022-02
"$COLLABFS" import -q store.db refresh
before=$(proxy_count PUT)
"$COLLABFS" sync store.db @psas.txt -o "$opts" --dry-run >dry.txt
check "dry run names the changed file" \
	grep -q '^would send meetings/2022-02/meetings_2022-02.csv' dry.txt
check "the dry run sent nothing" test "$(proxy_count PUT)" -eq "$before"
"$COLLABFS" sync store.db @psas.txt -o "$opts" -v >sent.txt
sent_names=$(sed -n 's/^sent \([^ ]*\).*/\1/p' sent.txt | sort | tr '\n' ' ')
check "after the refresh only February's meetings file is sent ($sent_names)" \
	test "$sent_names" = "meetings/2022-02/meetings_2022-02.csv "
check "one PUT for it" test "$(($(proxy_count PUT) - before))" -eq 1

# --- faults: retried, then clear failures -----------------------------------
new_meeting MNEW00000002 2022-01
"$COLLABFS" import -q store.db refresh
proxy_rules '{"match": "PUT", "action": "status", "status": 503, "times": 2, "retry_after": 1}'
check "two 503s are retried and the sync completes" \
	"$COLLABFS" sync store.db @psas.txt -o "$opts"
check "the 503s were seen" test "$(count $'\t503\t' "$PROXY_LOG")" -ge 2
new_meeting MNEW00000003 2022-01
"$COLLABFS" import -q store.db refresh
proxy_rules '{"match": "PUT", "action": "reset", "times": 1}'
check "a reset connection is retried" \
	"$COLLABFS" sync store.db @psas.txt -o "$opts"
proxy_rules '{"match": "PUT", "action": "status", "status": 500, "times": -1}'
new_meeting MNEW00000004 2022-01
"$COLLABFS" import -q store.db refresh
expect_error "500 forever: fails after the last attempt" "3 attempts" \
	"$COLLABFS" sync store.db @psas.txt -o "$opts" --retries 3
proxy_rules
check "the next sync sends what was missed" \
	"$COLLABFS" sync store.db @psas.txt -o "$opts"
"$COLLABFS" sync store.db @psas.txt -o "$opts" -v >again.txt
check "and then nothing" test "$(count '^sent' again.txt)" -eq 0

# --- bad destinations ---------------------------------------------------------
badsas=$(sed 's/sig=[^&]*/sig=AAAA/' sas.txt)
expect_error "a wrong signature is refused" "refused" \
	"$COLLABFS" sync store.db "$badsas" -o "$opts"
check "the message shows no signature" not_grep "$sig" err.txt
nocont="http://127.0.0.1:$AZ_PORT/devstoreaccount1/nosuch?$(cut -d'?' -f2 sas.txt)"
expect_error "another container's SAS is refused" "403" \
	"$COLLABFS" sync store.db "$nocont" -o "$opts"
expect_error "a container name too short" "container name" \
	"$COLLABFS" sync store.db "http://127.0.0.1:$AZ_PORT/devstoreaccount1/ab?sv=1&sig=x" -o "$opts"
expect_error "no SAS and no key" "AZURE_STORAGE_KEY" \
	env -u AZURE_STORAGE_KEY -u AZURE_STORAGE_CONNECTION_STRING \
	"$COLLABFS" sync store.db azure://devstoreaccount1/mirror -o "$opts"
chmod 644 sas.txt
expect_error "a SAS file others may read is refused" "chmod 600" \
	"$COLLABFS" sync store.db @sas.txt -o "$opts"
chmod 600 sas.txt
expect_error "an unknown tree option" "unknown tree option" \
	"$COLLABFS" sync store.db @sas.txt -o "$opts,colour=red"

# --- Shared Key, via a connection string, to a prefix -----------------------
cs="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZ_KEY;BlobEndpoint=$AZ_BLOB_ENDPOINT;"
check "azure:// with a connection string, to a prefix" \
	env AZURE_STORAGE_CONNECTION_STRING="$cs" \
	"$COLLABFS" sync store.db azure://devstoreaccount1/mirror/backup/v1 -o "$opts"
check "the prefix holds the tree" \
	test "$(az list mirror backup/v1/ | wc -l)" -eq "$nfiles"

# --- one sync per destination -------------------------------------------------
new_meeting MNEW00000005 2022-02
"$COLLABFS" import -q store.db refresh
proxy_rules '{"match": "PUT", "action": "delay", "seconds": 4, "times": 1}'
heads=$(proxy_count HEAD)
"$COLLABFS" sync store.db @psas.txt -o "$opts" >first.txt 2>&1 &
first=$!
for _ in $(seq 50); do # its probe (a HEAD) comes once it holds the lock
	[ "$(proxy_count HEAD)" -gt "$heads" ] && break
	sleep 0.1
done
expect_error "a second sync to the same destination is refused" \
	"another sync to" "$COLLABFS" sync store.db @psas.txt -o "$opts"
rc=0
"$COLLABFS" sync store.db @psas.txt -o "$opts" >/dev/null 2>&1 || rc=$?
check "with exit status 3 ($rc)" test "$rc" -eq 3
check "the first one completes" wait "$first"
proxy_rules

# --- kill -9 mid-sync, then resume without resending ------------------------
"$COLLABFS" generate -q --people 60 --months 3 --seed 9 other.db
az create resume >/dev/null
rsas=$(proxy_url "$(az_sas resume w)")
proxy_rules '{"match": "meetings_2022-03", "action": "delay", "seconds": 30, "times": 1}'
"$COLLABFS" sync other.db "$rsas" -o "$opts" --jobs 1 >/dev/null 2>&1 &
victim=$!
for _ in $(seq 100); do
	grep -q "meetings_2022-03" "$PROXY_LOG" && break
	sleep 0.1
done
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
done_before=$(az list resume | wc -l)
proxy_rules
"$COLLABFS" sync other.db "$rsas" -o "$opts" -v >resume.txt
total=$(az list resume | wc -l)
resent=$(count '^sent' resume.txt)
check "killed after $done_before blobs: the next run sends only the rest ($resent of $total)" \
	test "$resent" -eq $((total - done_before))

# --- --check and --delete (they need list permission) -----------------------
full=$(az_sas mirror racwdl)
pxfull=$(proxy_url "$full") # the destination the state knows (via the proxy)
az delete mirror meetings/2022-01/meetings_2022-01.csv # drift behind our back
az put mirror extra/old.csv csv/Meetings.csv >/dev/null
expect_error "--delete with a write-only SAS" "list permission" \
	"$COLLABFS" sync store.db @sas.txt -o "$opts" --delete
"$COLLABFS" sync store.db "$pxfull" -o "$opts" -v >plain.txt
check "without --check the deleted blob is not noticed" \
	test "$(count '^sent' plain.txt)" -eq 0
"$COLLABFS" sync store.db "$pxfull" -o "$opts" --check -v >check.txt
check "--check resends the blob deleted behind our back" \
	grep -q '^sent meetings/2022-01/meetings_2022-01.csv' check.txt
check "and nothing else" test "$(count '^sent' check.txt)" -eq 1
pfull=$(sed 's|/mirror?|/mirror/backup/v1?|' <<<"$full")
az put mirror backup/v1/stale.csv csv/Meetings.csv >/dev/null
"$COLLABFS" sync store.db "$pfull" -o "$opts" --delete --dry-run >dd.txt
check "--delete --dry-run names the stale blob" grep -qx 'would delete stale.csv' dd.txt
check "and deletes nothing" grep -q stale.csv <(az list mirror backup/v1/)
"$COLLABFS" sync store.db "$pfull" -o "$opts" --delete -v >del.txt
check "--delete removes the blob under the prefix that is not in the tree" \
	not_grep stale.csv <(az list mirror backup/v1/)
check "it said so" grep -qx 'deleted stale.csv' del.txt
check "blobs outside the prefix are untouched" grep -q '^extra/old.csv' <(az list mirror)
check "the tree under the prefix stays whole" \
	test "$(az list mirror backup/v1/ | wc -l)" -eq "$nfiles"

# --- history, and no secret anywhere -----------------------------------------
"$COLLABFS" history store.db >hist.txt
check "history shows Completed runs" grep -q Completed hist.txt
check "history shows the Failed run with its error" grep -q 'Failed.*attempts' hist.txt
"$COLLABFS" history store.db --json >hist.json
check "history --json is JSON with statuses" /usr/bin/python3 -c '
import json, sys
runs = json.load(open(sys.argv[1]))
st = {r["status"] for r in runs}
assert {"Completed", "Failed"} <= st, st
assert all("sig=" not in json.dumps(r) for r in runs)
assert any(r["files_sent"] > 0 for r in runs)' hist.json
check "no signature in the sync state" not_grep_file "$sig" store.db.sync/state.db
check "no account key in the sync state" not_grep_file "$AZ_KEY" store.db.sync/state.db
check "no signature in the proxy's view of our errors" not_grep "$sig" hist.txt
check "sync state is private" test "$(stat -c %a store.db.sync)" = 700

finish
