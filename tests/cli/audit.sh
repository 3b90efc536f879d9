#!/usr/bin/env bash
# The audit trail (docs/audit.md): opens through a mount, mounts and
# unmounts, syncs and the blobs they sent, recorded in STORE.audit as a
# hash chain; `collabfs audit` listing, --since, --json and --verify, which
# must catch edited, deleted, inserted, cut-off, re-hashed and garbage
# lines; no SAS in the trail; -o audit=off; a log that cannot be written.
# Expectations come from docs/audit.md, not from collabfs's own output.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/azure/lib.sh"
fuse_or_skip
azurite_start
PY=/usr/bin/python3 # Debian's python3, which has pandas
t0=$(date -u +%s)

"$COLLABFS" generate -q --people 40 --months 2 --seed 3 --csv csv
"$COLLABFS" import -q store.db csv
"$COLLABFS" keygen key >/dev/null
opts="key=$T/key"

# wellformed.py LOG JSON HEAD T0: the trail as docs/audit.md describes it.
cat >wellformed.py <<'PY'
import hashlib, json, re, sys, time, calendar
log, js, head, t0 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
bad = []
E = []
for i, line in enumerate(open(js, encoding="utf-8"), 1):
    try:
        E.append(json.loads(line))
    except ValueError:
        bad.append("--json line %d is not JSON: %r" % (i, line[:80]))
seqs = [e.get("seq") for e in E]
if seqs != list(range(1, len(E) + 1)):
    bad.append("seq is not 1..%d without gaps: %s" % (len(E), seqs))
for e in E:
    k = list(e)
    if k[:3] != ["seq", "time", "event"] or k[-2:] != ["prev", "hash"]:
        bad.append("seq %s: members %s, want seq, time, event, ..., prev, hash" % (e.get("seq"), k))
    t = e.get("time", "")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t):
        bad.append("seq %s: time %r is not UTC with milliseconds" % (e.get("seq"), t))
    elif not t0 - 60 <= calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) <= time.time() + 60:
        bad.append("seq %s: time %s is not now in UTC" % (e.get("seq"), t))
prev = "0" * 64
lines = open(log, encoding="utf-8").read().splitlines()
for i, line in enumerate(lines, 1):
    cut = line.find(',"hash":')
    h = hashlib.sha256(line[:cut].encode()).hexdigest()
    e = json.loads(line)
    if cut < 0 or e["hash"] != h or e["prev"] != prev:
        bad.append("line %d: hash or prev wrong (hash of the text before ,\"hash\": %s)" % (i, h))
    prev = e["hash"]
if len(lines) != len(E):
    bad.append("--json printed %d entries, the log holds %d" % (len(E), len(lines)))
if E and not {str(E[-1]["seq"]), E[-1]["hash"]} <= set(open(head).read().split()):
    bad.append("%s does not hold the last seq and hash: %r" % (head, open(head).read()))
for b in bad[:10]:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
# trail DESCRIPTION: dump `audit --json` to audit.json and check it whole.
trail() {
	"$COLLABFS" audit store.db --json >audit.json
	if "$PY" wellformed.py store.db.audit audit.json store.db.audit.head "$t0" >wf.out 2>&1; then
		pass
	else
		fail "$1: the trail is not well formed:"
		cat wf.out >&2
	fi
}
# q EXPR: a Python expression over E (the entries of audit.json); a list is
# printed one item a line.
q() {
	"$PY" -c 'import json, sys
E = [json.loads(l) for l in open("audit.json")]
r = eval(sys.argv[1])
print("\n".join(map(str, r)) if isinstance(r, list) else r)' "$1"
}

# --- a mount: two cat, one head -c, one pandas; the pid of each reader -------
A=meetings/2022-01/meetings_2022-01.csv B=calls/2022-02/calls_2022-02.csv
C=README.txt D=mails/2022-01/mails_2022-01.csv
mount_fs store.db mnt -o "$opts"
mpid=$FS_PID mdir=$(realpath mnt)
sh -c 'echo $$ >pid.a; exec cat "$1"' sh "mnt/$A" >/dev/null
sh -c 'echo $$ >pid.b; exec cat "$1"' sh "mnt/$B" >/dev/null
sh -c 'echo $$ >pid.c; exec head -c 100 "$1"' sh "mnt/$C" >/dev/null
"$PY" -c 'import os, sys, pandas as pd
open("pid.d", "w").write(str(os.getpid()))
pd.read_csv(sys.argv[1])' "mnt/$D"
unmount_fs mnt
check "STORE.audit has mode 0600" test "$(stat -c %a store.db.audit)" = 600
trail "first mount"
check "events: mount, four opens, unmount" test "$(q '" ".join(e["event"] for e in E)')" = \
	"mount open open open open unmount"
for ev in mount unmount; do
	check "$ev: uid, user, daemon pid, mountpoint, options, audit" \
		test "$(q "[(e['uid'], e['user'], e['pid'], e['mountpoint'], e['options'], e['audit']) for e in E if e['event'] == '$ev']")" = \
		"(0, 'root', $mpid, '$mdir', '$opts', 'on')"
done
printf '%s\n' "$A cat $(cat pid.a) 0" "$B cat $(cat pid.b) 0" "$C head $(cat pid.c) 0" \
	"$D python3 $(cat pid.d) 0" >opens.want
q '["%s %s %s %s" % (e["path"].lstrip("/"), e["process"], e["pid"], e["uid"]) for e in E if e["event"] == "open"]' >opens.got
check "one open per read: path, process, pid, uid 0" diff opens.want opens.got

# --- listing and --since ------------------------------------------------------
"$COLLABFS" audit store.db >list.txt
check "listing: one line per entry (6)" test "$(wc -l <list.txt)" -eq 6
for f in "$A" "$B" "$C" "$D"; do check "listing names $f" grep -qF "$f" list.txt; done
check "listing names the readers" grep -q 'python3' list.txt
"$COLLABFS" audit store.db --since 2099-01-01 >since.txt
check "--since a future day: nothing" test ! -s since.txt
"$COLLABFS" audit store.db --since 1h >since.txt
check "--since 1h: every entry" test "$(wc -l <since.txt)" -eq 6
"$COLLABFS" audit store.db --since "$(q 'E[0]["time"][:10]')" >since.txt
check "--since the first entry's day: every entry" test "$(wc -l <since.txt)" -eq 6
rc=0
"$COLLABFS" audit store.db --since yesterday >out.txt 2>err.txt || rc=$?
[ "$rc" -eq 2 ] && [[ $(head -n 1 err.txt) == collabfs*--since* ]] &&
	[ "$(grep -vc '^Try ' err.txt)" -eq 1 ] && [ ! -s out.txt ] && pass ||
	fail "--since yesterday: exit $rc (want 2), $(cat err.txt)"
expect_error "a store that does not exist" "nope.db" "$COLLABFS" audit nope.db
check "... in one line" test "$(wc -l <err.txt)" -eq 1
check "... and nothing created" test ! -e nope.db -a ! -e nope.db.audit

# --- --verify: intact, then each kind of tampering on a fresh copy -------------
last=$(q 'E[-1]["hash"]')
rc=0
"$COLLABFS" audit store.db --verify >verify.txt 2>&1 || rc=$?
[ "$rc" -eq 0 ] && grep -qw 6 verify.txt && grep -qF "$last" verify.txt && pass ||
	fail "--verify, intact: exit $rc, want 0 with 6 entries and head $last: $(cat verify.txt)"
cp store.db.audit log.bak
cp store.db.audit.head head.bak
restore() { cp log.bak store.db.audit && cp head.bak store.db.audit.head; }
# tampered DESCRIPTION REGEX: --verify exits 1 and says REGEX; then restore.
tampered() {
	local rc=0
	"$COLLABFS" audit store.db --verify >verify.txt 2>&1 || rc=$?
	if [ "$rc" -ne 1 ]; then
		fail "$1: --verify exit $rc, want 1: $(cat verify.txt)"
	elif ! grep -Eqi -- "$2" verify.txt; then
		fail "$1: --verify does not say /$2/: $(cat verify.txt)"
	else
		pass
	fi
	restore
}
# rehash.py N: edit line N's path and recompute its hash as docs/audit.md says.
cat >rehash.py <<'PY'
import hashlib, sys
n = int(sys.argv[1])
L = open("store.db.audit").read().split("\n")
s = L[n - 1].replace("/calls/", "/callz/")
s = s[:s.index(',"hash":')]
L[n - 1] = s + ',"hash":"%s"}' % hashlib.sha256(s.encode()).hexdigest()
open("store.db.audit", "w").write("\n".join(L))
PY
sed -i '3s#/calls/#/callz/#' store.db.audit
tampered "a path edited in line 3" 'line 3[^0-9].*edited'
sed -i '4d' store.db.audit
tampered "line 4 deleted" 'missing|deleted'
sed -i '3p' store.db.audit
tampered "a copy of line 3 inserted" 'line [34][^0-9].*inserted'
sed -i '$d' store.db.audit
tampered "the last line deleted" 'missing|deleted'
"$PY" rehash.py 3
tampered "line 3 edited and re-hashed" 'line 4[^0-9].*(replaced|chain)'
sed -i '3s/.*/garbage/' store.db.audit
tampered "line 3 replaced by garbage" 'line 3[^0-9]'
sed -i '3s/.*/garbage/' store.db.audit
expect_error "listing stops at a garbage line, naming it" "line 3" "$COLLABFS" audit store.db
restore
check "--verify passes again once restored" "$COLLABFS" audit store.db --verify

# --- sync, with a mount reading at the same time; no SAS in the trail ----------
az create mirror >/dev/null
az_sas mirror w >sas.txt # write-only, as in sync_basic.sh
chmod 600 sas.txt
sig=$(sed -n 's/.*sig=\([^&]*\).*/\1/p' sas.txt)
n0=$(wc -l <store.db.audit)
mount_fs store.db mnt -o "$opts"
nfiles=$(find mnt -type f | wc -l)
check "first sync" "$COLLABFS" sync store.db @sas.txt -o "$opts"
(cd mnt && find . -type f -printf '%P\0' | xargs -0 sha256sum) | awk '{print $2, $1}' | LC_ALL=C sort >sums.txt
check "second sync (nothing changed)" "$COLLABFS" sync store.db @sas.txt -o "$opts"
# (the mount appends its opens meanwhile: count the sync's entries only)
syncs() { grep -cE '"event":"(sync|sent|deleted)"' store.db.audit; }
n1=$(syncs)
check "a dry run" "$COLLABFS" sync store.db @sas.txt -o "$opts" --dry-run
check "a dry run records nothing" test "$(syncs)" -eq "$n1"
unmount_fs mnt
trail "mount and syncs interleaved"
"$COLLABFS" history store.db --json >hist.json
check "two sync entries: Completed, $nfiles then 0 files sent" \
	test "$(q '["%s %s" % (e["status"], e["files_sent"]) for e in E if e["event"] == "sync"]')" = \
	"$(printf 'Completed %s\nCompleted 0' "$nfiles")"
check "sync: run, destination as in history, bytes_sent = sum of sent sizes" "$PY" -c '
import json
E = [json.loads(l) for l in open("audit.json")]
H = {r["id"]: r for r in json.load(open("hist.json"))}
S = [e for e in E if e["event"] == "sync"]
for e in S:
    sent = [x for x in E if x["event"] == "sent" and x["run"] == e["run"]]
    assert e["destination"] and e["destination"] == H[e["run"]]["destination"], e
    assert all(x["destination"] == e["destination"] for x in sent), e
    assert e["bytes_sent"] == sum(x["size"] for x in sent) and len(sent) == e["files_sent"], e
    assert e["uid"] == 0 and e["user"] == "root" and e["pid"] > 0 and "options" in e, e
assert S[0]["run"] != S[1]["run"]'
az list mirror | cut -f1,2 | tr '\t' ' ' | LC_ALL=C sort >blobs.txt
check "one blob per file ($nfiles)" test "$(wc -l <blobs.txt)" -eq "$nfiles"
LC_ALL=C join blobs.txt sums.txt >sent.want
q '["%s %s %s" % (e["blob"], e["size"], e["sha256"]) for e in E if e["event"] == "sent"]' |
	LC_ALL=C sort >sent.got
check "one sent entry per blob: the blob's size, sha256 of the mounted file" diff sent.want sent.got
check "the mount's reads during the syncs: one open each, by sha256sum" test \
	"$(q 'len([e for e in E[int('"$n0"'):] if e["event"] == "open" and e["process"] == "sha256sum"])')" -eq "$nfiles"
usig=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$sig")
"$COLLABFS" audit store.db >list.txt
no_sig() { [ -n "$sig" ] && ! grep -qF -e "$sig" -e "$usig" -e 'sig=' "$1"; }
for f in store.db.audit list.txt; do check "no SAS signature in $f" no_sig "$f"; done
check "--verify after mounts and syncs" "$COLLABFS" audit store.db --verify

# --- -o audit=off: no opens, but the mount says so; a bad value is refused -------
n=$(wc -l <store.db.audit)
mount_fs store.db mnt -o "$opts,audit=off"
cat "mnt/$A" "mnt/$C" >/dev/null
unmount_fs mnt
trail "audit=off"
check "audit=off: only mount and unmount, both \"audit\":\"off\"" \
	test "$(q "[(e['event'], e['audit']) for e in E[$n:]]")" = "$(printf "('mount', 'off')\n('unmount', 'off')")"
n=$(wc -l <store.db.audit)
mkdir bad
expect_mount_error "-o audit=maybe" "audit" store.db bad -o "$opts,audit=maybe"
check "a refused mount records nothing" test "$(wc -l <store.db.audit)" -eq "$n"

# --- a log that cannot be written: the mount is refused, naming it --------------
"$COLLABFS" import -q s2.db csv
mkdir s2.db.audit # not a file: no one, not even root, can append to it
expect_mount_error "STORE.audit cannot be written" "s2.db.audit" s2.db bad -o "$opts"
check "the trail of store.db is intact at the end" "$COLLABFS" audit store.db --verify
finish
