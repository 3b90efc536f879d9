#!/usr/bin/env bash
# collabfs sync under faults, from its contract (docs/sync.md), against a
# real Blob endpoint (Azurite on loopback) behind the fault-injecting proxy,
# checked with clients we did not write (the SDK through az, rclone): the
# blocks of one large file in parallel, throttling, a stall past --timeout,
# truncated and lost answers, refused and unreachable destinations, the
# account key, the progress line, and failed runs that leave every blob
# whole.  (The first, incremental and resumed syncs, 503s, resets, the lock,
# --check, --delete and history are sync_basic.sh's.)
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/azure/lib.sh"
fuse_or_skip
azurite_start
unset AZURE_STORAGE_KEY AZURE_STORAGE_CONNECTION_STRING
differ() { ! cmp -s "$1" "$2"; }
# lt A B: the number A is less than B.
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# count_fixed TEXT FILE: how many lines of FILE hold TEXT.
count_fixed() { awk -v s="$1" 'index($0, s) {n++} END {print n + 0}' "$2"; }
# sent FILE: the names a -v run says it sent, one a line.
sent() { sed -n 's/^sent \([^ ]*\) .*/\1/p' "$1"; }
# sync_out NAME ARGS...: collabfs sync ARGS, its stdout and stderr kept in
# NAME.out and NAME.err (all searched for secrets at the end); its exit
# status in $rc, its wall time in $secs.
sync_out() {
	local name=$1 t0=$EPOCHREALTIME
	shift
	rc=0
	"$COLLABFS" sync "$@" >"$name.out" 2>"$name.err" || rc=$?
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
}
# sas_for CONTAINER PERMS [SECONDS]: create the container, print a SAS URL
# for it through the proxy; its signature goes to sigs.txt.
sas_for() {
	local url
	az create "$1" >/dev/null
	url=$(az_sas "$@")
	sed -n 's/.*[?&]sig=\([^&]*\).*/\1/p' <<<"$url" >>sigs.txt
	proxy_url "$url"
}
# retried ACTION: each request the proxy faulted with ACTION came again and
# was then answered 2xx, unfaulted.
retried() {
	awk -F'\t' -v a="$1" '$4 == a { want[$2]; n++ }
		$4 == "-" && $3 ~ /^2/ && ($2 in want) { ok[$2] }
		END { for (k in want) if (!(k in ok)) { print "not retried: " k; bad++ }
			exit !(n && !bad) }' "$PROXY_LOG" >&2
}
# same_as_tree CONTAINER: rclone finds the same names as the mounted tree
# and, downloading every blob, the same bytes.
same_as_tree() {
	rclone_check "$tree" "$1" --download
}
# whole_blobs CONTAINER DIR: every blob in the container is a file of DIR
# with the same bytes (rclone, one way: files missing there are fine).
whole_blobs() {
	local conf
	conf=$(rclone_conf "whole-$1" "$(az_sas "$1" rl 600)")
	rclone --config "$conf" check "az:$1" "$2" --one-way --download \
		>"$T/rclone-whole.out" 2>&1
}

# A store of two months (generated as CSV, so that a refresh can follow);
# its mail and chat participants files are over 1 MiB.
"$COLLABFS" generate -q --people 60 --months 2 --seed 11 --csv csv
"$COLLABFS" import -q store.db csv
"$COLLABFS" keygen key >/dev/null
opts="key=$T/key"
mount_fs store.db mnt -o "$opts"
tree=mnt
proxy_start
# the files that --upload-cutoff 1 sends as blocks, largest first
big=$(cd mnt && find . -type f -size +1048576c -printf '%s %P\n' | sort -rn | cut -d' ' -f2)
largest=$(head -n 1 <<<"$big")
check "the tree has files over 1 MiB ($(wc -l <<<"$big"))" test "$(wc -l <<<"$big")" -ge 2

# --- the blocks of one large file go in parallel ----------------------------
p=$(sas_for blocks w)
: >"$PROXY_LOG"
proxy_rules '{"match": ["PUT", "comp=block&"], "action": "delay", "seconds": 0.3}'
sync_out blocks store.db "$p" -o "$opts" --upload-cutoff 1 --jobs 4
check "a sync in blocks of 1 MiB, 4 jobs ($rc: $(cat blocks.err))" test "$rc" -eq 0
check "rclone: the container equals the tree" same_as_tree blocks
bad=0
for f in $big; do
	[ "$(awk -F'\t' -v t="/devstoreaccount1/blocks/$f?comp=blocklist&" \
		'$1 == "PUT" && index($2, t) == 1 && $3 == 201' "$PROXY_LOG" | wc -l)" -eq 1 ] || {
		bad=$((bad + 1))
		echo "not one Put Block List: $f" >&2
	}
done
check "each file over 1 MiB went as blocks and one Put Block List" test "$bad" -eq 0
# The largest alone again (deleted behind our back; --check sends it anew):
# besides the probe and the listing, every request of this run is for it,
# so two requests in flight at once are two of its blocks.
az delete blocks "$largest"
p=$(sas_for blocks wl)
proxy_rules '{"match": ["PUT", "comp=block&"], "action": "delay", "seconds": 0.5}'
: >"$PROXY_LOG"
sync_out blocks-again store.db "$p" -o "$opts" --upload-cutoff 1 --jobs 4 --check -v
check "--check sends the deleted large file again ($rc: $(cat blocks-again.err))" test "$rc" -eq 0
check "and only it ($(sent blocks-again.out | tr '\n' ' '))" \
	test "$(sent blocks-again.out)" = "$largest"
awk -F'\t' '$1 == "PUT" && $2 ~ /comp=block&/' "$PROXY_LOG" >put-block.log
nput=$(wc -l <put-block.log)
check "as blocks ($nput Put Block)" test "$nput" -ge 2
check "every Put Block of the run is one of its blocks" \
	test "$(count_fixed "/blocks/$largest?comp=block&" put-block.log)" -eq "$nput"
inflight=$(awk -F'\t' '$5 > m {m = $5} END {print m + 0}' put-block.log)
check "blocks of that one file were in flight together (up to $inflight)" test "$inflight" -ge 2
check "they were committed as one list of several blocks" \
	grep -Eq '^committed=([2-9]|[1-9][0-9]+) uncommitted=0$' <(az blocks blocks "$largest")
az get blocks "$largest" got.csv
check "its bytes, read back with the SDK, are the mount's" cmp -s got.csv "mnt/$largest"
check "its stored MD5 is theirs" \
	test "$(cut -f3 <(az props blocks "$largest"))" = "$(md5_b64 "mnt/$largest")"

# --- throttled: 429 with Retry-After ----------------------------------------
p=$(sas_for throttled w)
: >"$PROXY_LOG"
proxy_rules '{"match": "PUT", "action": "status", "status": 429, "retry_after": 1, "times": 2}'
sync_out throttled store.db "$p" -o "$opts"
check "two 429s: retried, the sync completes ($rc: $(cat throttled.err))" test "$rc" -eq 0
check "the proxy answered 429 twice" test "$(awk -F'\t' '$3 == 429' "$PROXY_LOG" | wc -l)" -eq 2
check "each throttled PUT came again and succeeded" retried status
check "not before the Retry-After of 1 s (the run took $secs s)" lt 0.99 "$secs"
check "rclone: the container equals the tree" same_as_tree throttled

# --- a stall past --timeout -------------------------------------------------
p=$(sas_for stalled w)
: >"$PROXY_LOG"
proxy_rules '{"match": ["PUT", "/stalled/README.txt"], "action": "delay", "seconds": 6, "times": 1}'
sync_out stalled store.db "$p" -o "$opts" --timeout 2
check "a PUT stalled 6 s, --timeout 2: the sync completes ($rc: $(cat stalled.err))" \
	test "$rc" -eq 0
check "without waiting out the stall (it took $secs s)" lt "$secs" 5.5
check "the stalled PUT timed out and was sent again" \
	grep -q $'^PUT\t/devstoreaccount1/stalled/README.txt?[^\t]*\t201\t-\t' "$PROXY_LOG"
check "rclone: the container equals the tree" same_as_tree stalled

# --- lost answers: the request took effect, the client cannot know it -------
# An answer's head cut after its status line (libcurl takes the status as
# given): a Put Blob, a Put Block, a Put Block List.
p=$(sas_for truncated w)
: >"$PROXY_LOG"
proxy_rules '{"match": ["PUT", "comp=blocklist"], "action": "truncate", "times": 1}' \
	'{"match": ["PUT", "comp=block&"], "action": "truncate", "times": 1}' \
	'{"match": ["PUT", "/truncated/README.txt"], "action": "truncate", "times": 1}'
sync_out truncated store.db "$p" -o "$opts" --upload-cutoff 1
check "truncated answers: the sync completes ($rc: $(cat truncated.err))" test "$rc" -eq 0
check "the proxy truncated three answers" \
	test "$(awk -F'\t' '$4 == "truncate"' "$PROXY_LOG" | wc -l)" -eq 3
check "rclone: the container equals the tree" same_as_tree truncated
proxy_rules
: >"$PROXY_LOG"
sync_out truncated-again store.db "$p" -o "$opts" --upload-cutoff 1
check "the next sync completes ($rc: $(cat truncated-again.err))" test "$rc" -eq 0
check "and sends nothing: what the cut answers acknowledged is recorded" \
	test "$(proxy_count PUT)" -eq 0
# The connection reset once the service acted, on a kept-alive connection
# (each worker's second request on): a Put Block, a Put Blob, and a Put
# Block List, which the retry sends again after it committed.
p=$(sas_for lost w)
: >"$PROXY_LOG"
proxy_rules '{"match": ["PUT", "comp=blocklist"], "action": "reset", "forward_first": true, "times": 1}' \
	'{"match": ["PUT", "comp=block&"], "action": "reset", "forward_first": true, "times": 1}' \
	'{"match": ["PUT", "/lost/meetings/"], "action": "reset", "forward_first": true, "times": 1}'
sync_out lost store.db "$p" -o "$opts" --upload-cutoff 1
check "answers lost to a reset: the sync completes ($rc: $(cat lost.err))" test "$rc" -eq 0
check "the proxy reset three connections after the service acted" \
	test "$(awk -F'\t' '$4 == "reset"' "$PROXY_LOG" | wc -l)" -eq 3
check "each of those requests came again and succeeded" retried reset
check "rclone: the container equals the tree" same_as_tree lost
proxy_rules

# --- refused and unreachable destinations -----------------------------------
p=$(sas_for expired w -60) # expired a minute ago
: >"$PROXY_LOG"
sync_out expired store.db "$p" -o "$opts"
check "an expired SAS: exit status 1 ($rc)" test "$rc" -eq 1
check "it says the SAS was refused (403): $(cat expired.err)" \
	grep -q '^collabfs: .*403.*refused' expired.err
check "at once ($secs s)" lt "$secs" 3
check "no PUT was tried" test "$(proxy_count PUT)" -eq 0
check "nothing was written" test -z "$(az list expired)"

p=$(sas_for readonly rl)
: >"$PROXY_LOG"
sync_out readonly store.db "$p" -o "$opts" --jobs 4
check "a read and list SAS: exit status 1 ($rc)" test "$rc" -eq 1
check "it says the SAS lacks the permission (403): $(cat readonly.err)" \
	grep -q '^collabfs: .*403.*lacks the permission' readonly.err
check "it stops early: one PUT per job at most ($(proxy_count PUT))" test "$(proxy_count PUT)" -le 4
check "nothing was written" test -z "$(az list readonly)"

port=$(free_port)
p=$(sas_for nowhere w)
sync_out unreachable store.db "${p/127.0.0.1:$PROXY_PORT/127.0.0.1:$port}" -o "$opts" --retries 2
check "nothing listens at the endpoint: exit status 1 ($rc)" test "$rc" -eq 1
check "within seconds ($secs s)" lt "$secs" 5
check "it says it could not connect to that endpoint: $(cat unreachable.err)" \
	grep -q "^collabfs: .*connect.*127\.0\.0\.1:$port/" unreachable.err
check "after 2 attempts" grep -q '2 attempts' unreachable.err

# --- the account key (Shared Key) -------------------------------------------
# AZURE_STORAGE_KEY alone: azure://ACCOUNT is the public endpoint, which
# Azurite is not (a dry run names it, and sends nothing).
AZURE_STORAGE_KEY=$AZ_KEY \
	sync_out keyed-dry store.db azure://devstoreaccount1/keyed -o "$opts" --dry-run
check "AZURE_STORAGE_KEY alone: azure://ACCOUNT/C is ACCOUNT.blob.core.windows.net ($rc)" \
	grep -q '^dry run: https://devstoreaccount1\.blob\.core\.windows\.net/keyed: ' keyed-dry.out
# with the endpoint from a connection string that holds no key
az create keyed >/dev/null
AZURE_STORAGE_KEY=$AZ_KEY AZURE_STORAGE_CONNECTION_STRING="BlobEndpoint=$PROXY_ENDPOINT" \
	sync_out keyed store.db azure://devstoreaccount1/keyed -o "$opts"
check "AZURE_STORAGE_KEY, BlobEndpoint from the connection string ($rc: $(cat keyed.err))" \
	test "$rc" -eq 0
check "rclone: the container equals the tree" same_as_tree keyed
# AccountKey in a connection string, to a whole container (no prefix)
cs_with() {
	echo "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$1;"\
"BlobEndpoint=$PROXY_ENDPOINT;"
}
az create keyed-cs >/dev/null
AZURE_STORAGE_CONNECTION_STRING=$(cs_with "$AZ_KEY") \
	sync_out keyed-cs store.db azure://devstoreaccount1/keyed-cs -o "$opts"
check "a connection string with AccountKey, a whole container ($rc: $(cat keyed-cs.err))" \
	test "$rc" -eq 0
check "rclone: the container equals the tree" same_as_tree keyed-cs
wrong=$(/usr/bin/python3 -c 'import base64, os; print(base64.b64encode(os.urandom(64)).decode())')
az create keyed-bad >/dev/null
AZURE_STORAGE_CONNECTION_STRING=$(cs_with "$wrong") \
	sync_out keyed-bad store.db azure://devstoreaccount1/keyed-bad -o "$opts"
check "a wrong AccountKey: exit status 1 ($rc)" test "$rc" -eq 1
check "it says the key was refused (403): $(cat keyed-bad.err)" \
	grep -q '^collabfs: .*403.*refused' keyed-bad.err
AZURE_STORAGE_KEY=$wrong AZURE_STORAGE_CONNECTION_STRING="BlobEndpoint=$PROXY_ENDPOINT" \
	sync_out keyed-bad2 store.db azure://devstoreaccount1/keyed-bad -o "$opts"
check "a wrong AZURE_STORAGE_KEY: exit status 1 ($rc)" test "$rc" -eq 1
check "it says the key was refused (403): $(cat keyed-bad2.err)" \
	grep -q '^collabfs: .*403.*refused' keyed-bad2.err
check "nothing was written with a wrong key" test -z "$(az list keyed-bad)"

# --- the progress line: on a terminal, not into a file, not with -v ---------
# (each PUT slowed a little, so that each run lasts a few half seconds)
proxy_rules '{"match": "PUT", "action": "delay", "seconds": 0.25}'
PSAS=$(sas_for progress-tty w)
export PSAS # env:PSAS keeps the SAS out of script's command line
rc=0
script -qfec "$(printf '%q ' "$COLLABFS" sync store.db env:PSAS -o "$opts")" /dev/null \
	</dev/null >tty-progress.txt || rc=$?
check "on a terminal: the sync completes ($rc)" test "$rc" -eq 0
check "with a progress line (files, MB/s, ETA)" grep -aq 'files.*MB/s.*ETA' tty-progress.txt
PSAS=$(sas_for progress-file w)
sync_out progress-file store.db env:PSAS -o "$opts"
check "stderr to a file: the sync completes ($rc)" test "$rc" -eq 0
check "no progress line in the file" test "$(count_fixed MB/s progress-file.err)" -eq 0
check "no carriage return either" test "$(count_fixed $'\r' progress-file.err)" -eq 0
PSAS=$(sas_for progress-verbose w)
rc=0
script -qfec "$(printf '%q ' "$COLLABFS" sync store.db env:PSAS -o "$opts" -v)" /dev/null \
	</dev/null >tty-verbose.txt || rc=$?
check "-v on a terminal: the sync completes ($rc)" test "$rc" -eq 0
check "a line per file sent" test "$(awk '/^sent /' tty-verbose.txt | wc -l)" -ge 20
check "and no progress line" test "$(count_fixed MB/s tty-verbose.txt)" -eq 0
unset PSAS
proxy_rules

# --- a failed run leaves every blob whole -----------------------------------
# Into an empty container: every Put Block takes effect but is answered 500,
# for good, so no list of blocks is committed; one Put Blob takes effect but
# is answered 500, for good.
p=$(sas_for halfway w)
proxy_rules '{"match": ["PUT", "comp=block&"], "action": "status", "status": 500, "forward_first": true}' \
	'{"match": ["PUT", "/halfway/meetings/2022-01/"], "action": "status", "status": 500, "forward_first": true}'
sync_out halfway-1 store.db "$p" -o "$opts" --upload-cutoff 1 --retries 2
check "500 for good: the run fails (exit status $rc)" test "$rc" -eq 1
check "after the last attempt: $(cat halfway-1.err)" grep -q '^collabfs: .*2 attempts' halfway-1.err
check "rclone: every blob in the container is a whole file of the tree" whole_blobs halfway mnt
az list halfway >list.txt
bad=0
for f in $big; do
	if [ "$(count_fixed "$f"$'\t' list.txt)" -ne 0 ]; then
		bad=$((bad + 1))
		echo "there, though its blocks failed: $f" >&2
	fi
done
check "no file sent as blocks is there" test "$bad" -eq 0
check "though its blocks reached the service (uncommitted)" \
	grep -Eq '^committed=0 uncommitted=[1-9]' <(az blocks halfway "$largest")
check "the Put Blob that took effect left a whole blob" \
	grep -q '^meetings/2022-01/meetings_2022-01\.csv' list.txt
proxy_rules
sync_out halfway-2 store.db "$p" -o "$opts" --upload-cutoff 1
check "the next sync completes ($rc: $(cat halfway-2.err))" test "$rc" -eq 0
check "rclone: the container equals the tree" same_as_tree halfway

# A refresh changes a large file (a new participant of a January mail) and a
# small one (a new January meeting); a run whose blocks all fail leaves the
# large file's old blob, whole, and the small one's new blob.
mp=mail_participants/2022-01/mail_participants_2022-01.csv
mt=meetings/2022-01/meetings_2022-01.csv
check "$mp is sent as blocks" grep -qx "$mp" <<<"$big"
mkdir refresh
awk -F, 'NR == 1 {print; next}
	index($6, "2022-01-") == 1 {sub(/^[^,]*/, "MNEW00000001"); print; exit}' \
	csv/Meetings.csv >refresh/Meetings.csv
awk -F, -v OFS=, 'FNR == 1 {next}
	FILENAME ~ /Mail/ && !mail && index($4, "2022-01-1") == 1 {mail = $1}
	FILENAME ~ /Mail/ && $1 == mail {in_mail[$2]}
	FILENAME ~ /Person/ && !($1 in in_mail) && !who {who = $1}
	END {print "MailId,PersonHistoricalId,IsSender,LocalSentTime," \
			"PersonTimeSpentInHours,PersonTimeSpentInMinutes"
		print mail, who, "False", "2022-01-10T10:00:00Z", "0.1", "6"}' \
	csv/MailParticipants.csv csv/PersonHistorical.csv >refresh/MailParticipants.csv
cp "mnt/$mp" old-mp.csv
cp "mnt/$mt" old-mt.csv
unmount_fs mnt
"$COLLABFS" import -q store.db refresh
mount_fs store.db mnt2 -o "$opts" # a fresh mount: no name cached from before
tree=mnt2
check "the refresh changed $mp" differ old-mp.csv "mnt2/$mp"
check "and $mt" differ old-mt.csv "mnt2/$mt"
cp -r --no-preserve=mode mnt2 expect
cp old-mp.csv "expect/$mp"
proxy_rules '{"match": ["PUT", "comp=block&"], "action": "status", "status": 500, "forward_first": true}'
sync_out halfway-3 store.db "$p" -o "$opts" --upload-cutoff 1 --retries 2
check "the refreshed large file fails: the run fails (exit status $rc)" test "$rc" -eq 1
check "rclone: the old $mp and the new $mt are there, whole, and all else as before" \
	rclone_check expect halfway --download
proxy_rules
sync_out halfway-4 store.db "$p" -o "$opts" --upload-cutoff 1 -v
check "the next sync completes ($rc: $(cat halfway-4.err))" test "$rc" -eq 0
check "it sends what failed, only ($(sent halfway-4.out | tr '\n' ' '))" \
	test "$(sent halfway-4.out)" = "$mp"
check "rclone: the container equals the refreshed tree" same_as_tree halfway
unmount_fs mnt2

# --- no signature or key in anything collabfs printed -----------------------
"$COLLABFS" history store.db >history.out
{
	cat sigs.txt
	/usr/bin/python3 -c 'import sys, urllib.parse
for s in sys.stdin: print(urllib.parse.unquote(s.strip()))' <sigs.txt
	printf '%s\n' "$AZ_KEY" "$wrong"
} | sort -u >secrets.txt
leaks=0
while IFS= read -r s; do
	for f in *.out *.err tty-*.txt; do
		if grep -qaF -- "$s" "$f"; then
			leaks=$((leaks + 1))
			echo "a secret in $f" >&2
		fi
	done
done <secrets.txt
check "no SAS signature or account key in any output ($(wc -l <secrets.txt) secrets)" \
	test "$leaks" -eq 0

finish
