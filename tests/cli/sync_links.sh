#!/usr/bin/env bash
# collabfs sync --links, collabfs link, history statuses (Completed, Expired,
# Failed) and --notify, from docs/sync.md, against Azurite on loopback and
# checked with clients we did not write (curl, the SDK through az, a python
# receiver): read-only URLs that expire, a manifest that matches the
# container and the mount, no secret in history, state, manifest or hook.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/azure/lib.sh"
fuse_or_skip
azurite_start
unset AZURE_STORAGE_KEY AZURE_STORAGE_CONNECTION_STRING
cs="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZ_KEY;BlobEndpoint=$AZ_BLOB_ENDPOINT;"
keyenc=$(/usr/bin/python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' "$AZ_KEY")
# ck ARGS: collabfs with the account key (connection string); nk: without.
ck() { env AZURE_STORAGE_CONNECTION_STRING="$cs" "$COLLABFS" "$@"; }
nk() { "$COLLABFS" "$@"; }
not_grep() { ! grep -qaF -- "$1" "$2"; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
# jq_py EXPR FILE: evaluate a python expression over the JSON in FILE (as j).
jq_py() { /usr/bin/python3 -c 'import json, sys; j = json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2"; }
history_json() { "$COLLABFS" history store.db --json >hist.json; }
# run_field ID FIELD: one field of one run, from the history's JSON.
run_field() { history_json && jq_py "[r for r in j if r['id'] == $1][0]['$2']" hist.json; }
last_run() { history_json && jq_py "j[-1]['id']" hist.json; }
# sleep_past ISO: sleep until 1.5 s after that UTC time.
sleep_past() {
	sleep "$(/usr/bin/python3 -c 'import sys, time, calendar
t = calendar.timegm(time.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%SZ"))
print(max(0, t - time.time() + 1.5))' "$1")"
}
# se_of URL: its expiry (the se= parameter, decoded).
se_of() { sed -n 's/.*[?&]se=\([^&]*\).*/\1/p' <<<"$1" | sed 's/%3A/:/g'; }

"$COLLABFS" generate -q --people 30 --months 2 --seed 4 --csv csv
"$COLLABFS" import -q store.db csv
"$COLLABFS" keygen key >/dev/null
opts="key=$T/key"
az create links >/dev/null
dest=azure://devstoreaccount1/links/pre/v1

# --- 1. --links 7d: a manifest of read-only URLs --------------------------------
t0=$(date +%s)
ck sync store.db "$dest" -o "$opts" --links 7d >sync1.out
man=$(sed -n 's/^links: \(.*\) (until \(.*\))$/\1/p' sync1.out)
until1=$(sed -n 's/^links: .* (until \(.*\))$/\1/p' sync1.out)
run1=$(last_run)
check "the summary names the manifest store.db.sync/links-$run1.csv ($man)" \
	test "$man" = "store.db.sync/links-$run1.csv"
check "the manifest exists, mode 600" test "$(stat -c %a "$man" 2>&1)" = 600
check "its header: path,size,sha256,url,expires" test "$(head -n 1 "$man")" = "path,size,sha256,url,expires"
exp7=$(date -d "$until1" +%s 2>/dev/null || echo 0)
check "links expire in 7 days ($until1)" test $((exp7 - t0 - 7 * 86400)) -ge -5 -a $((exp7 - t0 - 7 * 86400)) -le 120
az list links pre/v1/ | sed 's|^pre/v1/||' | cut -f1,2 | LC_ALL=C sort >blobs.txt
tail -n +2 "$man" | awk -F, '{print $1 "\t" $2}' | LC_ALL=C sort >rows.txt
check "one row per blob, each with the blob's size ($(wc -l <blobs.txt) blobs)" \
	cmp -s blobs.txt rows.txt
check "every row expires at the summary's time" \
	test "$(tail -n +2 "$man" | cut -d, -f5 | sort -u)" = "$until1"
mount_fs store.db mnt -o "$opts"
check "one row per file of the mounted tree" \
	test "$(cd mnt && find . -type f | wc -l)" -eq "$(wc -l <rows.txt)"
bad=0 n=0
mkdir dl
while IFS=, read -r path size sha url _; do
	n=$((n + 1))
	code=$(curl -s -o "dl/$n" -w '%{http_code}' --max-time 10 "$url")
	[ "$code" = 200 ] && [ "$(stat -c %s "dl/$n")" = "$size" ] &&
		[ "$(sha256sum <"dl/$n" | cut -d' ' -f1)" = "$sha" ] &&
		cmp -s "dl/$n" "mnt/$path" || {
		bad=$((bad + 1))
		echo "bad link: $path ($code)" >&2
	}
done < <(tail -n +2 "$man")
check "every URL answers 200 with the row's size and SHA-256, the mount's bytes ($n)" \
	test "$bad" -eq 0 -a "$n" -gt 5
unmount_fs mnt
url=$(awk -F, 'NR == 2 {print $4}' "$man")
check "sp=r exactly" grep -Eq '[?&]sp=r(&|$)' <<<"$url"
check "sr=b exactly" grep -Eq '[?&]sr=b(&|$)' <<<"$url"
check "no account key in the manifest" not_grep "$AZ_KEY" "$man"
check "nor URL-encoded" not_grep "$keyenc" "$man"
check "a PUT to a URL is refused (403)" test "$(http_code -X PUT -H 'x-ms-blob-type: BlockBlob' \
	--data-binary @csv/Meetings.csv "$url")" = 403
check "and the blob is unchanged" cmp -s dl/1 <(curl -s "$url")
"$COLLABFS" history store.db >hist.txt
check "history: the run is Completed with its expiry" grep -Eq "^$run1 .*Completed +$until1" hist.txt
check "--json: expires and links" test "$(run_field "$run1" status) $(run_field "$run1" expires) $(run_field "$run1" links)" = "Completed $until1 $man"
ck sync store.db "$dest" -o "$opts" --links 1h >sync1b.out
man1b=$(sed -n 's/^links: \(.*\) (until .*)$/\1/p' sync1b.out)
check "nothing changed: 0 sent" grep -q ' 0 sent (0 bytes)' sync1b.out
check "yet the manifest lists every file" cmp -s rows.txt \
	<(tail -n +2 "$man1b" | awk -F, '{print $1 "\t" $2}' | LC_ALL=C sort)

# --- 2. --links 3s: the links expire, the run shows Expired ----------------------
ck sync store.db "$dest-short" -o "$opts" --links 3s >sync2.out
run2=$(last_run)
man2=$(sed -n 's/^links: \(.*\) (until .*)$/\1/p' sync2.out)
until2=$(sed -n 's/^links: .* (until \(.*\))$/\1/p' sync2.out)
url2=$(grep -m1 '^README.txt,' "$man2" | cut -d, -f4)
check "a 3 s link works at once" test "$(http_code "$url2")" = 200
check "run $run2 is Completed before expiry" test "$(run_field "$run2" status)" = Completed
sleep_past "$until2"
check "after expiry it answers 403" test "$(http_code "$url2")" = 403
check "history --json: the 3 s run is Expired" test "$(run_field "$run2" status)" = Expired
check "the 7 d run stays Completed" test "$(run_field "$run1" status)" = Completed
check "the table says Expired" grep -Eq "^$run2 .*Expired" <("$COLLABFS" history store.db)
check "the files stay in the container" test "$(az list links pre/v1-short/ | wc -l)" -eq "$n"

# --- 3. collabfs link -------------------------------------------------------------
blob=meetings/2022-01/meetings_2022-01.csv
lurl=$(ck link "$dest" "$blob" --expires 7d)
az get links "pre/v1/$blob" sdk.csv
check "link prints one URL with sp=r" grep -Eq '^http://127\.0\.0\.1:[0-9]+/.*[?&]sp=r(&|$)' <<<"$lurl"
check "it downloads the blob's bytes" cmp -s sdk.csv <(curl -sf "$lurl")
check "it holds no account key" not_grep "$keyenc" <(echo "$lurl")
lurl2=$(ck link "$dest" "$blob" --expires 2s)
check "a 2 s link works at once" test "$(http_code "$lurl2")" = 200
sleep_past "$(se_of "$lurl2")"
check "and not after expiry (403)" test "$(http_code "$lurl2")" = 403
expect_error "link --expires x" "--expires" ck link "$dest" "$blob" --expires x
rc=0; ck link "$dest" "$blob" --expires x >/dev/null 2>&1 || rc=$?
check "exits 2 ($rc)" test "$rc" -eq 2
rsas=$(az_sas links rl)
rsig=$(sed -n 's/.*sig=\([^&]*\).*/\1/p' <<<"$rsas")
expect_error "link with a SAS destination" "account key" nk link "$rsas" "$blob"
check "a one-line error" test "$(wc -l <err.txt)" -eq 1
check "without the SAS's sig" not_grep "$rsig" err.txt
az create empty >/dev/null
wsas=$(az_sas empty w)
wsig=$(sed -n 's/.*sig=\([^&]*\).*/\1/p' <<<"$wsas")
expect_error "sync --links with a write-only SAS" "account key" \
	nk sync store.db "$wsas" -o "$opts" --links 7d
check "a one-line error" test "$(wc -l <err.txt)" -eq 1
check "without the sig" not_grep "$wsig" err.txt
check "nothing was sent" test "$(az list empty | wc -l)" -eq 0

# --- 4. Failed runs, and no secret anywhere --------------------------------------
nosas="http://127.0.0.1:$AZ_PORT/devstoreaccount1/nosuch?${wsas#*\?}"
printf '%s\n' "$nosas" >nosas.txt && chmod 600 nosas.txt
expect_error "sync to a container that does not exist" "nosuch" nk sync store.db @nosas.txt -o "$opts"
run4=$(last_run)
check "history: Failed" test "$(run_field "$run4" status)" = Failed
check "with an error text" test -n "$(run_field "$run4" error | grep -v '^None$')"
proxy_start '{"match": "PUT", "action": "status", "status": 500, "times": -1}'
pcs="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZ_KEY;BlobEndpoint=$PROXY_ENDPOINT;"
az create faulty >/dev/null
rc=0
env AZURE_STORAGE_CONNECTION_STRING="$pcs" "$COLLABFS" sync store.db azure://devstoreaccount1/faulty \
	-o "$opts" --retries 2 --links 7d >fault.out 2>fault.err || rc=$?
run4b=$(last_run)
check "every PUT failing: non-zero exit ($rc)" test "$rc" -ne 0
check "history: Failed, with the error" test "$(run_field "$run4b" status)" = Failed -a \
	-n "$(run_field "$run4b" error | grep -v '^None$')"
check "a failed run has no links" test "$(run_field "$run4b" links)" = None -a \
	! -e "store.db.sync/links-$run4b.csv"
proxy_stop
"$COLLABFS" history store.db >hist.txt
history_json
for f in hist.txt hist.json store.db.sync/state.db "$man" "$man2" fault.err; do
	check "no sig= value in $f" not_grep "$wsig" "$f"
	check "no account key in $f" not_grep "$AZ_KEY" "$f"
	check "no URL-encoded account key in $f" not_grep "$keyenc" "$f"
done
check "the table shows Failed with an error" grep -Eq "^$run4 .*Failed.*nosuch.*: .+" hist.txt

# --- 5. --notify: one JSON POST, no secret; failures are only warnings -----------
cat >receiver.py <<'EOF'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with open(sys.argv[1], "a") as f:
            f.write(json.dumps({"path": self.path, "type": self.headers.get("Content-Type"),
                                "body": body.decode()}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
: >posts.jsonl
bg_start receiver.out /usr/bin/python3 receiver.py "$T/posts.jsonl"
RECV_PID=$BG_PID
cleanup_hooks+=("bg_stop $RECV_PID")
for _ in $(seq 50); do grep -Eq '^[0-9]+$' receiver.out && break; sleep 0.1; done
hook="http://127.0.0.1:$(head -n 1 receiver.out)/hook"
ck sync store.db "$dest-n" -o "$opts" --notify "$hook?token=t0k3n" >n1.out
runn=$(last_run)
read -r sent bytes < <(sed -n 's/.* files, \([0-9]*\) sent (\([0-9]*\) bytes).*/\1 \2/p' n1.out)
check "one POST for a completed sync" test "$(wc -l <posts.jsonl)" -eq 1
check "POST: path, JSON, Completed, run $runn, $sent files / $bytes bytes" /usr/bin/python3 -c '
import json, sys
p = json.loads(open(sys.argv[1]).readline())
b = json.loads(p["body"])
assert p["path"] == "/hook?token=t0k3n", p["path"]
assert p["type"].startswith("application/json"), p["type"]
assert b["event"] == "sync" and b["status"] == "Completed", b
assert b["run"] == int(sys.argv[2]), b
assert (b["files_sent"], b["bytes_sent"]) == (int(sys.argv[3]), int(sys.argv[4])), b
assert b["destination"].endswith("/links/pre/v1-n"), b' posts.jsonl "$runn" "${sent:-x}" "${bytes:-x}"
expect_error "a failing sync, notified" "nosuch" nk sync store.db @nosas.txt -o "$opts" --notify "$hook"
check "it POSTs Failed with an error" /usr/bin/python3 -c '
import json, sys
b = json.loads(json.loads(open(sys.argv[1]).readlines()[1])["body"])
assert b["status"] == "Failed" and b["error"], b' posts.jsonl
check "no sig= in what was posted" not_grep "sig=" posts.jsonl
check "nor the sig's value" not_grep "$wsig" posts.jsonl
check "no account key in what was posted" not_grep "$AZ_KEY" posts.jsonl
check "nor URL-encoded" not_grep "$keyenc" posts.jsonl
dead="http://127.0.0.1:$(free_port)/hook"
rc=0
ck sync store.db "$dest" -o "$opts" --notify "$dead?token=t0k3n" >n3.out 2>n3.err || rc=$?
check "a hook not listening: the sync still exits 0 ($rc)" test "$rc" -eq 0
check "with a warning naming the hook" grep -qF "$dead" <(grep '^collabfs: warning:' n3.err)
check "without its token" not_grep t0k3n n3.err
check "nor on stdout" not_grep t0k3n n3.out
posts=$(wc -l <posts.jsonl)
expect_error "--notify ftp://x is refused" "--notify" nk sync store.db "$wsas" -o "$opts" --notify ftp://x
# an option's bad value is bad usage: exit status 2 (docs/sync.md, as --expires x)
rc=0; nk sync store.db "$wsas" -o "$opts" --notify ftp://x >/dev/null 2>&1 || rc=$?
check "as bad usage, exit 2 ($rc)" test "$rc" -eq 2
check "at start: nothing sent" test "$(az list empty | wc -l)" -eq 0
check "nothing posted" test "$(wc -l <posts.jsonl)" -eq "$posts"

finish
