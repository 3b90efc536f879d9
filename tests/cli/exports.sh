#!/usr/bin/env bash
# Saved exports (docs/exports.md), end to end against Azurite, written from
# the documentation alone.  Two exports, both addressed through the fault
# proxy (whose log says which blobs each run PUT, per container):
#   A "emea.analysts": a write-only SAS given as @FILE (0600), the [emea]
#     partition, a policy file, the key; saved with relative paths from $T
#     and run from another directory;
#   B "whole_arch-2": the path-style URL with the account key from a
#     connection string (later replaced with AZURE_STORAGE_KEY), the whole
#     population, the key.
# What is checked (every expected value is worked out here, from mounts of
# the same options, never taken from the implementation):
#  1. save sends nothing; list and --json show both, with absolute paths, no
#     secret; the first `export run` sends every file of each tree: each
#     container equals a mount of the export's options (rclone --download);
#  2. an import of a refresh touching one month: exit 0, one run per export
#     in the history with its name, each container gets exactly the files
#     whose bytes changed in its mount (the proxy's PUTs), all of that month;
#  3. import --no-export: no run, no request; the next export run delivers;
#  4. one destination failing (the proxy answers 403 for A's container):
#     import exits 4, the refresh is committed (info, the mount), B is
#     delivered, A is Failed with an error in the history and the list;
#     export run exits 1 while it fails; once fixed, `export run A` sends
#     what A missed, and the container equals the mount;
#  5. A's policy lets one more HR attribute out: the next run sends exactly
#     the files whose bytes changed (person_historical ...), not the others;
#  6. no SAS signature or account key in any output, the history, the list,
#     the audit trail, the store or STORE.sync/; STORE.secrets is 0600 and
#     holds them; the audit trail names the export;
#  7. refusals: bad names, destinations, options, policy, key, partition, a
#     second export to a destination, a missing store, unknown names for run
#     and remove, a secrets file others may read (nothing sent); the list and
#     the secrets file unchanged after each refused save; `replaced`;
#  8. export remove: gone from the list and the secrets file, its history
#     and blobs stay, the next import runs the other export alone.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/azure/lib.sh"
fuse_or_skip
PY=/usr/bin/python3
unset AZURE_STORAGE_KEY AZURE_STORAGE_CONNECTION_STRING
azurite_start
ST=$T/store.db
A=emea.analysts
B=whole_arch-2

# cf ARGS...: collabfs; its stdout and stderr also go to all.log, which is
# searched for secrets at the end (so run every collabfs command with it)
cf() {
	local rc=0
	"$COLLABFS" "$@" >"$T/cf.out" 2>"$T/cf.err" || rc=$?
	cat "$T/cf.out" "$T/cf.err" >>"$T/all.log"
	cat "$T/cf.out"
	cat "$T/cf.err" >&2
	return "$rc"
}
# rc_of COMMAND...: prints the exit status (output to last.out / last.err)
rc_of() {
	local rc=0
	"$@" >"$T/last.out" 2>"$T/last.err" || rc=$?
	echo "$rc"
}
# expect_refused DESCRIPTION SUBSTRING COMMAND...: as expect_error, the
# substring matched without case
expect_refused() {
	local what=$1 want=$2 rc=0
	shift 2
	"$@" >out.txt 2>err.txt || rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "$what: exit 0, expected an error"
	elif ! grep -qiF -- "$want" err.txt; then
		fail "$what: stderr lacks '$want': $(cat err.txt)"
	elif ! grep -q '^collabfs' err.txt; then
		fail "$what: error not prefixed 'collabfs': $(cat err.txt)"
	else
		pass
	fi
}
not_in() { ! grep -qaF -- "$1" "$2"; }
# same_lines DESCRIPTION GOT WANT: two sorted lists, equal (diff shown if not)
same_lines() {
	if [ "$2" = "$3" ]; then
		pass
	else
		fail "$1"
		diff <(echo "$2") <(echo "$3") | sed 's/^/    /' >&2 || true
	fi
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# snap TAG OPTS: mount the store with OPTS at m.TAG (left mounted) and write
# "SHA256  PATH" of every file to TAG.sums
snap() {
	mount_fs "$ST" "m.$1" -o "$2"
	(cd "m.$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
		sed 's|  \./|  |' >"$1.sums"
}
files_of() { awk '{print $2}' "$1" | LC_ALL=C sort; }
# changed OLD.sums NEW.sums: the files of NEW that are new or differ
changed() {
	awk 'NR == FNR { h[$2] = $1; next } h[$2] != $1 { print $2 }' "$1" "$2" | LC_ALL=C sort
}
# the proxy log: mark, then the blobs PUT to a container since the mark
mark() { wc -l <"$PROXY_LOG"; }
puts_since() {
	tail -n +$(($1 + 1)) "$PROXY_LOG" | awk -F'\t' -v c="/$AZ_ACCOUNT/$2/" '
		$1 == "PUT" && $3 ~ /^2/ && index($2, c) == 1 { p = substr($2, length(c) + 1); sub(/\?.*/, "", p); print p }' |
		LC_ALL=C sort -u
}
requests_since() { tail -n +$(($1 + 1)) "$PROXY_LOG" | wc -l; }
# container_is MOUNT CONTAINER: the container holds the mounted tree's bytes
container_is() {
	check "$2 equals the mount $1 (rclone check --download)" rclone_check "$1" "$2" --download ||
		sed 's/^/    /' "$T/rclone-check.out" >&2
}

# history as TSV, one run a line: id, export (its name, the member "export"
# of docs/sync.md, "-" for null), status, files_sent, error ("-" if none);
# every run must have the member "export"
cat >hist.py <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))
for r in runs:
    if "export" not in r:
        sys.exit("history --json: run %s has no member \"export\"" % r.get("id"))
    err = (r.get("error") or "").replace("\t", " ").replace("\n", " ")
    print("\t".join([str(r["id"]), r["export"] or "-", r["status"], str(r.get("files_sent")), err or "-"]))
PY
hist() {
	cf history "$ST" --json >hist.json
	"$PY" hist.py hist.json "$A" "$B" >hist.tsv
}
nruns() { hist && wc -l <hist.tsv; }
# run_of NAME: the last run of that export: "STATUS FILES_SENT ERROR"
run_of() { awk -F'\t' -v n="$1" '$2 == n { l = $3 "\t" $4 "\t" $5 } END { print l }' hist.tsv; }
refreshes() { cf info "$ST" | awk '/^refreshes:/ { f = 1; next } f && $1 ~ /^[0-9]+$/ { n++ } END { print n + 0 }'; }

# newmeeting ID YYYY-MM DIR: DIR/Meetings.csv and MeetingParticipants.csv,
# a copy under a new id of the month's first meeting with an EMEA member
# among its participants (so both trees change, in that month only)
cat >newmeeting.py <<'PY'
import csv, os, sys
mid, month, out = sys.argv[1:4]
emea = {r["PersonHistoricalId"] for r in csv.DictReader(open("csv/PersonHistorical.csv", newline=""))
        if r.get("Region") == "EMEA"}
parts = {}
with open("csv/MeetingParticipants.csv", newline="") as f:
    rd = csv.reader(f)
    phead = next(rd)
    for r in rd:
        parts.setdefault(r[0], []).append(r)
with open("csv/Meetings.csv", newline="") as f:
    rd = csv.reader(f)
    mhead = next(rd)
    st = mhead.index("StartTime")
    for m in rd:
        ps = parts.get(m[0], [])
        if m[st].startswith(month + "-") and any(p[1] in emea for p in ps):
            break
    else:
        sys.exit("no meeting with an EMEA member in " + month)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "Meetings.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(mhead)
    w.writerow([mid] + m[1:])
with open(os.path.join(out, "MeetingParticipants.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(phead)
    for p in ps:
        w.writerow([mid] + p[1:])
PY
newmeeting() { "$PY" newmeeting.py "$@"; }

# ---------------------------------------------------------------------------
# The store, the key, the partitions and policy files; two containers.
"$COLLABFS" generate -q --people 80 --months 2 --seed 21 --csv csv
cf import -q "$ST" csv
cf keygen key >/dev/null
printf '[emea]\nRegion = EMEA\n[na]\nRegion = NA\n' >parts.ini
printf '# what the EMEA analysts may see\nPersonHistorical.Region = raw\n' >emea.policy
AOPTS_REL="key=key,policy=emea.policy,partitions=parts.ini,partition=emea"
AOPTS="key=$T/key,policy=$T/emea.policy,partitions=$T/parts.ini,partition=emea"
BOPTS="key=$T/key"
az create emea >/dev/null
az create archive >/dev/null
proxy_start
esas=$(proxy_url "$(az_sas emea w)") # write-only, as the seed's exporter gets
esig=$(sed -n 's/.*sig=\([^&]*\).*/\1/p' <<<"$esas")
check "the SAS has a signature" test -n "$esig"
printf '%s\n' "$esas" >emea-sas.txt
chmod 600 emea-sas.txt
ADISP="http://127.0.0.1:$PROXY_PORT/$AZ_ACCOUNT/emea"
BDISP="http://127.0.0.1:$PROXY_PORT/$AZ_ACCOUNT/archive"
cs="DefaultEndpointsProtocol=http;AccountName=$AZ_ACCOUNT;AccountKey=$AZ_KEY;BlobEndpoint=$PROXY_ENDPOINT;"
with_cs() { AZURE_STORAGE_CONNECTION_STRING=$cs cf "$@"; }
with_key() { AZURE_STORAGE_KEY=$AZ_KEY cf "$@"; }

# --- 1. save, list, the first delivery ----------------------------------------
check "export save $A (@FILE SAS, partition, policy; relative paths)" \
	cf export save store.db "$A" @emea-sas.txt -o "$AOPTS_REL"
check "export save $B (URL + connection string from the environment)" \
	with_cs export save "$ST" "$B" "$BDISP" -o "$BOPTS"
check "save sent nothing (no request at the proxy)" test "$(mark)" -eq 0
check "save sent nothing (containers empty)" test -z "$(az list emea)$(az list archive)"
check "the secrets file exists" test -f store.db.secrets
check "the secrets file is mode 0600" test "$(stat -c %a store.db.secrets)" = 600
check "the secrets file holds A's SAS signature" grep -qF "$esig" store.db.secrets
check "the secrets file holds B's account key" grep -qF "$AZ_KEY" store.db.secrets
check "the secrets file has a section [$A]" grep -qxF "[$A]" store.db.secrets
check "the secrets file has a section [$B]" grep -qxF "[$B]" store.db.secrets
rm emea-sas.txt # "a later run needs neither the file nor the variables"

cf export list "$ST" >list0.txt
check "export list: a line for $A with its destination (no secret)" \
	grep -qE "^$A .*$ADISP" list0.txt
check "export list: a line for $B with its destination" grep -qE "^$B .*$BDISP" list0.txt
check "export list: no signature" not_in "$esig" list0.txt
check "export list: no '?' query string" not_in "$ADISP?" list0.txt
cf export list "$ST" --json >list0.json
cat >listcheck.py <<'PY'
import json, sys
lst = json.load(open(sys.argv[1]))
a, b, adisp, bdisp, t, state = sys.argv[2:8]
names = [e["name"] for e in lst]
assert names == sorted([a, b]), names
e = {x["name"]: x for x in lst}
for n, d in ((a, adisp), (b, bdisp)):
    assert e[n]["destination"].rstrip("/") == d, (n, e[n]["destination"])
    assert e[n].get("created"), (n, "no created")
    for k in ("name", "destination", "options", "created", "last_run"):
        assert k in e[n], (n, k)
# paths saved absolute (A was saved with relative ones)
for p in ("key=%s/key" % t, "policy=%s/emea.policy" % t, "partitions=%s/parts.ini" % t, "partition=emea"):
    assert p in e[a]["options"], (p, e[a]["options"])
assert "key=%s/key" % t in e[b]["options"], e[b]["options"]
if state == "never":
    assert all(x["last_run"] is None for x in lst), [x["last_run"] for x in lst]
else:  # "NAME=STATUS:FILES,..." e.g. A=Completed:12
    for item in state.split(","):
        n, want = item.split("=")
        st, files = want.split(":")
        lr = e[n]["last_run"]
        assert lr and lr["status"] == st, (n, lr)
        for k in ("id", "requested", "finished", "status", "error", "files_sent", "bytes_sent", "skipped"):
            assert k in lr, (n, k, lr)
        if files != "*":
            assert lr["files_sent"] == int(files), (n, lr)
text = json.dumps(lst)
for s in sys.argv[8:]:
    assert s not in text, "a secret in export list --json"
PY
listcheck() { "$PY" listcheck.py "$1" "$A" "$B" "$ADISP" "$BDISP" "$T" "$2" "$esig" "$AZ_KEY"; }
check "export list --json: both, display destinations, absolute paths, never run, no secret" \
	listcheck list0.json never

mkdir elsewhere
m=$(mark)
rc=$(cd elsewhere && rc_of cf export run "$ST")
check "the first export run, from another directory, no key in the environment: exit 0 ($rc: $(cat last.err))" \
	test "$rc" -eq 0
snap A0 "$AOPTS"
snap B0 "$BOPTS"
same_lines "$A: the first run PUT every file of its tree" "$(puts_since "$m" emea)" "$(files_of A0.sums)"
same_lines "$B: the first run PUT every file of its tree" "$(puts_since "$m" archive)" "$(files_of B0.sums)"
check "the partition's tree is smaller than the whole (the options were applied)" \
	test "$(sha m.A0/meetings/2022-01/meetings_2022-01.csv)" != "$(sha m.B0/meetings/2022-01/meetings_2022-01.csv)"
container_is m.A0 emea
container_is m.B0 archive
unmount_fs m.A0
unmount_fs m.B0
hist
check "history: two runs, one per export, Completed, every file sent" test \
	"$(cut -f2-4 hist.tsv | LC_ALL=C sort | tr '\t\n' ' |')" = \
	"$(printf '%s Completed %s|%s Completed %s|' "$A" "$(wc -l <A0.sums)" "$B" "$(wc -l <B0.sums)")"
cf history "$ST" >hist0.txt
check "history (table) shows 'export $A:'" grep -qF "export $A:" hist0.txt
check "history (table) shows 'export $B:'" grep -qF "export $B:" hist0.txt
cf export list "$ST" --json >list1.json
check "export list --json: last runs Completed with the files sent" \
	listcheck list1.json "$A=Completed:$(wc -l <A0.sums),$B=Completed:$(wc -l <B0.sums)"
cf export list "$ST" >list1.txt
check "export list: each line shows Completed" test "$(grep -cE "^($A|$B) .*Completed" list1.txt)" -eq 2
check "export run -q prints nothing (nothing to send)" test -z "$(cf export run "$ST" -q 2>&1)"
m=$(mark)
check "export run with nothing changed: exit 0" cf export run "$ST" "$A" "$B"
check "... and no PUT" test -z "$(puts_since "$m" emea)$(puts_since "$m" archive)"

# --- 2. an import of a refresh of one month runs both ---------------------------
newmeeting MNEW00000001 2022-02 r1
n0=$(nruns)
m=$(mark)
rc=$(rc_of cf import -q "$ST" r1)
check "import of a February refresh: exit 0 ($rc: $(cat last.err))" test "$rc" -eq 0
hist
check "the import recorded one run per export" test "$(wc -l <hist.tsv)" -eq $((n0 + 2))
check "... one of $A, one of $B, both Completed" test \
	"$(tail -n 2 hist.tsv | cut -f2,3 | LC_ALL=C sort | tr '\t\n' ' |')" = "$A Completed|$B Completed|"
snap A1 "$AOPTS"
snap B1 "$BOPTS"
# refresh_delivered TAG CONTAINER NAME: what the import sent there
refresh_delivered() {
	local ch
	ch=$(changed "${1}0.sums" "${1}1.sums")
	check "$2: the refresh changed some files" test -n "$ch"
	check "$2: every changed file is February's" test -z "$(grep -v 2022-02 <<<"$ch" || true)"
	same_lines "$2: the import sent exactly the changed files" "$(puts_since "$m" "$2")" "$ch"
	check "$2: history's files_sent is their number" \
		test "$(run_of "$3" | cut -f2)" -eq "$(wc -l <<<"$ch")"
}
refresh_delivered A emea "$A"
refresh_delivered B archive "$B"
check "the new meeting is in the mount" grep -q MNEW00000001 m.B1/meetings/2022-02/meetings_2022-02.csv
container_is m.A1 emea
container_is m.B1 archive
unmount_fs m.A1
unmount_fs m.B1

# --- 3. import --no-export, then export run ------------------------------------
newmeeting MNEW00000002 2022-01 r2
cf export list "$ST" --json >list1.json
n0=$(nruns)
r0=$(refreshes)
m=$(mark)
rc=$(rc_of cf import --no-export -q "$ST" r2)
check "import --no-export: exit 0 ($rc: $(cat last.err))" test "$rc" -eq 0
check "import --no-export committed the refresh" test "$(refreshes)" -eq $((r0 + 1))
check "import --no-export ran no export (history unchanged)" test "$(nruns)" -eq "$n0"
check "import --no-export sent no request" test "$(requests_since "$m")" -eq 0
cf export list "$ST" --json >list2.json
check "export list unchanged by --no-export" cmp -s list1.json list2.json
check "export run after --no-export: exit 0" cf export run "$ST"
snap A2 "$AOPTS"
snap B2 "$BOPTS"
same_lines "emea: export run sent what --no-export skipped" "$(puts_since "$m" emea)" "$(changed A1.sums A2.sums)"
same_lines "archive: export run sent what --no-export skipped" "$(puts_since "$m" archive)" "$(changed B1.sums B2.sums)"
check "... January's files" grep -q 2022-01 <<<"$(puts_since "$m" archive)"
container_is m.A2 emea
container_is m.B2 archive
unmount_fs m.A2
unmount_fs m.B2

# --- 4. one destination fails: import exits 4, committed; catching up ----------
proxy_rules '{"match": "/'"$AZ_ACCOUNT"'/emea", "action": "status", "status": 403, "code": "AuthenticationFailed"}'
newmeeting MNEW00000003 2022-02 r3
n0=$(nruns)
r0=$(refreshes)
m=$(mark)
rc=$(rc_of cf import -q "$ST" r3)
check "import with $A's destination failing: exit 4 ($rc: $(cat last.err))" test "$rc" -eq 4
check "... the export's error is on stderr (403)" grep -q 403 last.err
check "... the import committed (info: one more refresh)" test "$(refreshes)" -eq $((r0 + 1))
check "... $A's destination refused it (the proxy's 403 was given)" \
	test "$(tail -n +$((m + 1)) "$PROXY_LOG" | awk -F'\t' '$3 == 403 && $4 == "status"' | wc -l)" -ge 1
hist
check "... one run per export" test "$(wc -l <hist.tsv)" -eq $((n0 + 2))
check "... $A Failed with an error" grep -qE $'^Failed\t[0-9]+\t[^-]' <<<"$(run_of "$A")"
check "... $B Completed after $A failed (one that fails does not stop the next)" \
	grep -q $'^Completed\t' <<<"$(run_of "$B")"
check "... the error holds no signature" not_in "$esig" hist.tsv
snap B3 "$BOPTS"
check "the new meeting is in a mount (committed)" grep -q MNEW00000003 m.B3/meetings/2022-02/meetings_2022-02.csv
same_lines "archive got the refresh's files" "$(puts_since "$m" archive)" "$(changed B2.sums B3.sums)"
check "emea got nothing" test -z "$(puts_since "$m" emea)"
container_is m.B3 archive
unmount_fs m.B3
cf export list "$ST" >list3.txt
check "export list: $A's last run Failed" grep -qE "^$A .*Failed" list3.txt
check "export list: $B's last run Completed" grep -qE "^$B .*Completed" list3.txt
cf export list "$ST" --json >list3.json
check "export list --json: $A Failed, $B Completed" listcheck list3.json "$A=Failed:*,$B=Completed:*"
check "export list --json: $A's error is given" "$PY" -c '
import json, sys
e = {x["name"]: x for x in json.load(open(sys.argv[1]))}
assert e[sys.argv[2]]["last_run"]["error"], e[sys.argv[2]]' list3.json "$A"
rc=$(rc_of cf export run "$ST")
check "export run while $A still fails: exit 1 ($rc)" test "$rc" -eq 1
check "... $B still ran, Completed" test "$(nruns)" -eq $((n0 + 4)) -a "$(run_of "$B" | cut -f1,2)" = $'Completed\t0'
proxy_rules # the destination is back
m=$(mark)
check "export run $A once its destination is back: exit 0" cf export run "$ST" "$A"
check "... only $A ran" test "$(nruns)" -eq $((n0 + 5)) -a "$(tail -n 1 hist.tsv | cut -f2,3)" = "$A"$'\tCompleted'
snap A3 "$AOPTS"
same_lines "emea: the catch-up sent exactly what the failed run missed" \
	"$(puts_since "$m" emea)" "$(changed A2.sums A3.sums)"
check "archive: nothing" test -z "$(puts_since "$m" archive)"
container_is m.A3 emea
unmount_fs m.A3

# --- 5. the policy lets one more HR attribute out -------------------------------
echo 'PersonHistorical.FunctionType = raw' >>emea.policy
m=$(mark)
n0=$(nruns)
check "export run $A after its policy changed: exit 0" cf export run "$ST" "$A"
snap A4 "$AOPTS"
ch=$(changed A3.sums A4.sums)
check "the policy changed person_historical files" grep -q '^person_historical/' <<<"$ch"
check "and not every file (meetings unchanged)" test -z "$(grep '^meetings/' <<<"$ch" || true)"
same_lines "emea: the run after the policy change sent exactly the files whose bytes changed" \
	"$(puts_since "$m" emea)" "$ch"
check "... history: one run, its files_sent" \
	test "$(nruns)" -eq $((n0 + 1)) -a "$(run_of "$A" | cut -f1,2)" = "Completed"$'\t'"$(wc -l <<<"$ch")"
check "the mount shows FunctionType (the test's premise)" \
	grep -q FunctionType "m.A4/person_historical/2022-01/person_historical_2022-01.csv"
container_is m.A4 emea
unmount_fs m.A4

# --- overlap: A's destination busy with a plain sync: A fails at once ----------
newmeeting MNEW00000006 2022-02 r6
cf import --no-export -q "$ST" r6
osas=$(proxy_url "$(az_sas emea w)") # A's destination, another SAS
osig=$(sed -n 's/.*sig=\([^&]*\).*/\1/p' <<<"$osas")
proxy_rules '{"match": "PUT", "action": "delay", "seconds": 4, "times": 1}'
heads=$(proxy_count HEAD)
"$COLLABFS" sync "$ST" "$osas" -o "$AOPTS" >busy.out 2>&1 &
busy=$!
for _ in $(seq 50); do # its probe (a HEAD) comes once it holds the lock
	[ "$(proxy_count HEAD)" -gt "$heads" ] && break
	sleep 0.1
done
n0=$(nruns)
SECONDS=0
rc=$(rc_of cf export run "$ST" "$A")
took=$SECONDS
check "export run while a sync to its destination runs: exit 1 ($rc: $(cat last.err))" test "$rc" -eq 1
check "... at once (${took}s)" test "$took" -lt 3
check "... 'another sync to ... is running'" grep -q 'another sync to .* is running' last.err
check "... recorded as Failed with that error" test "$(nruns)" -eq $((n0 + 1)) -a \
	"$(run_of "$A" | cut -f1)" = Failed -a -n "$(run_of "$A" | cut -f3 | grep 'another sync to' || true)"
check "the plain sync completes" wait "$busy"
cat busy.out >>all.log
hist
check "the plain sync's run is in the history with \"export\": null" \
	test "$(awk -F'\t' '$2 == "-"' hist.tsv | wc -l)" -eq 1
proxy_rules
m=$(mark)
check "the next export run catches up: exit 0" cf export run "$ST" "$A"
check "... nothing left to send (the plain sync sent the same files)" test -z "$(puts_since "$m" emea)"

# --- 7. refusals ------------------------------------------------------------------
cf export list "$ST" >list_before.txt
secrets_before=$(sha store.db.secrets)
# refused_save DESCRIPTION SUBSTRING ARGS-OF-EXPORT-SAVE...: refused, and the
# list and the secrets file are unchanged
refused_save() {
	local what=$1 want=$2
	shift 2
	expect_refused "$what" "$want" cf export save "$@"
	cf export list "$ST" >list_after.txt 2>&1 || true
	cmp -s list_before.txt list_after.txt || fail "$what: export list changed"
	[ "$(sha store.db.secrets)" = "$secrets_before" ] || fail "$what: the secrets file changed"
}
dsas=$(proxy_url "$(az_sas emea w)") # another SAS of A's container: same destination
dsig=$(sed -n 's/.*sig=\([^&]*\).*/\1/p' <<<"$dsas")
ok_dest=$(proxy_url "$(az_sas archive w)")
okname=newone
az create spare >/dev/null
spare=$(proxy_url "$(az_sas spare w)")
refused_save "a name with /" "bad/name" "$ST" bad/name "$spare" -o "$BOPTS"
refused_save "a name with a space" "name" "$ST" "a b" "$spare" -o "$BOPTS"
refused_save "an empty name" "name" "$ST" "" "$spare" -o "$BOPTS"
refused_save "a name of 65 characters" "name" "$ST" "$(printf 'n%.0s' $(seq 65))" "$spare" -o "$BOPTS"
refused_save "an ftp:// destination" "destination" "$ST" "$okname" "ftp://127.0.0.1/devstoreaccount1/spare" -o "$BOPTS"
refused_save "a bad container name" "container name" "$ST" "$okname" \
	"http://127.0.0.1:$AZ_PORT/devstoreaccount1/ab?sv=2021-08-06&sp=w&sig=SECRETSIGxyz" -o "$BOPTS"
check "... the error does not quote the signature" not_in SECRETSIGxyz err.txt
printf '%s\n' "$spare" >open-sas.txt
chmod 644 open-sas.txt
refused_save "an @FILE others may read" "chmod 600" "$ST" "$okname" @open-sas.txt -o "$BOPTS"
refused_save "an @FILE that does not exist" "nosuch-sas.txt" "$ST" "$okname" @nosuch-sas.txt -o "$BOPTS"
refused_save "env:NAME not set" "NOSUCHVAR" "$ST" "$okname" env:NOSUCHVAR -o "$BOPTS"
refused_save "azure:// with no key in the environment" "AZURE_STORAGE_KEY" "$ST" "$okname" \
	azure://devstoreaccount1/spare -o "$BOPTS"
refused_save "an unknown tree option" "colour" "$ST" "$okname" "$spare" -o "$BOPTS,colour=red"
refused_save "a policy file that does not exist" "nosuch.policy" "$ST" "$okname" "$spare" \
	-o "$BOPTS,policy=$T/nosuch.policy"
printf 'Meetings.Subjct = raw\n' >bad.policy
refused_save "a policy that does not parse" "bad.policy:1:" "$ST" "$okname" "$spare" -o "$BOPTS,policy=bad.policy"
refused_save "a key file that does not exist" "nosuch.key" "$ST" "$okname" "$spare" -o "key=$T/nosuch.key"
refused_save "no key for the built-in policy" "key" "$ST" "$okname" "$spare"
refused_save "a partition not in the file" "no partition [latam]" "$ST" "$okname" "$spare" \
	-o "$BOPTS,partitions=parts.ini,partition=latam"
refused_save "a partitions file that does not exist" "nosuch.ini" "$ST" "$okname" "$spare" \
	-o "$BOPTS,partitions=nosuch.ini,partition=emea"
refused_save "a second export to $A's destination (another SAS), naming $A" "$A" \
	"$ST" "$okname" "$dsas" -o "$BOPTS"
check "... the error does not quote that SAS's signature" not_in "$dsig" err.txt
refused_save "a second export to $B's destination (a SAS of it), naming $B" "$B" \
	"$ST" "$okname" "$ok_dest" -o "$AOPTS"
refused_save "a store that does not exist" "nosuch.db" "$T/nosuch.db" "$okname" "$spare" -o "$BOPTS"
check "... no store was created" test ! -e nosuch.db
check "... no secrets file was created" test ! -e nosuch.db.secrets
rc=$(rc_of cf export save "$ST" "$okname" "$spare" -o "$BOPTS" --frobnicate)
check "export save with an unknown flag: exit 2 ($rc)" test "$rc" -eq 2
cmp -s list_before.txt <(cf export list "$ST") || fail "the unknown flag changed the list"
expect_refused "export list of a store that does not exist" "nosuch.db" cf export list "$T/nosuch.db"
expect_refused "export run of a store that does not exist" "nosuch.db" cf export run "$T/nosuch.db"
n0=$(nruns)
m=$(mark)
expect_refused "export run of an unknown name, naming it" "nosuch-export" cf export run "$ST" nosuch-export
rc=$(rc_of cf export run "$ST" "$A" nosuch-export)
check "export run A nosuch-export: exit 1 ($rc)" test "$rc" -eq 1
check "... naming it" grep -qF nosuch-export last.err
check "... nothing ran (history unchanged, no request)" test "$(nruns)" -eq "$n0" -a "$(requests_since "$m")" -eq 0
expect_refused "export remove of an unknown name, naming it" "nosuch-export" cf export remove "$ST" nosuch-export
check "... listing the saved ones" grep -qF "$A" err.txt
grep -qF "$B" err.txt || fail "export remove of an unknown name does not list $B: $(cat err.txt)"
cmp -s list_before.txt <(cf export list "$ST") || fail "a refused remove changed the list"

# an import that fails: exit 1, no export runs
mkdir badimp
printf 'MeetingId,StartTime\nMBAD1,notadate\n' >badimp/Meetings.csv
n0=$(nruns)
m=$(mark)
rc=$(rc_of cf import -q "$ST" badimp)
check "a failing import: exit 1 ($rc)" test "$rc" -eq 1
check "... no export ran (history unchanged, no request)" test "$(nruns)" -eq "$n0" -a "$(requests_since "$m")" -eq 0

# a secrets file others may read: export run refuses it, sends nothing
newmeeting MNEW00000004 2022-01 r4
cf import --no-export -q "$ST" r4
chmod 640 store.db.secrets
m=$(mark)
n0=$(nruns)
expect_refused "export run with a group-readable secrets file, naming it" "store.db.secrets" cf export run "$ST"
check "... nothing was sent (no request)" test "$(requests_since "$m")" -eq 0
chmod 600 store.db.secrets
check "export run once it is 0600 again" cf export run "$ST"
check "... sent the pending files to both" test -n "$(puts_since "$m" emea)" -a -n "$(puts_since "$m" archive)"

# saving a name that exists replaces it (here: the key from AZURE_STORAGE_KEY)
m=$(mark)
check "export save of an existing name" with_key export save "$ST" "$B" "$BDISP" -o "$BOPTS" >replace.out
check "... says replaced" grep -qi replaced replace.out
check "... still two exports" test "$(cf export list "$ST" --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 2
check "... the replaced export runs (new credential), nothing to send" cf export run "$ST" "$B"
check "... and sent nothing" test -z "$(puts_since "$m" archive)"

# the final state: both containers equal their mounts
snap A5 "$AOPTS"
snap B5 "$BOPTS"
container_is m.A5 emea
container_is m.B5 archive
unmount_fs m.A5
unmount_fs m.B5

# --- 8. export remove -------------------------------------------------------------------
hist
runs_b=$(awk -F'\t' -v n="$B" '$2 == n' hist.tsv | wc -l)
blobs_b=$(az list archive | wc -l)
check "export remove $B" cf export remove "$ST" "$B"
cf export list "$ST" --json >list8.json
check "... gone from the list" test "$("$PY" -c 'import json,sys; print(" ".join(e["name"] for e in json.load(open(sys.argv[1]))))' list8.json)" = "$A"
check "... its section gone from the secrets file" not_in "[$B]" store.db.secrets
check "... its key gone from the secrets file" not_in "$AZ_KEY" store.db.secrets
check "... $A's credential kept" grep -qF "$esig" store.db.secrets
check "... the secrets file still 0600" test "$(stat -c %a store.db.secrets)" = 600
hist
check "... its runs stay in the history, with its name ($runs_b)" \
	test "$(awk -F'\t' -v n="$B" '$2 == n' hist.tsv | wc -l)" -eq "$runs_b" -a "$runs_b" -gt 0
check "... its blobs stay" test "$(az list archive | wc -l)" -eq "$blobs_b"
expect_refused "export run of the removed export" "$B" cf export run "$ST" "$B"
newmeeting MNEW00000005 2022-02 r5
n0=$(nruns)
m=$(mark)
check "an import after the removal: exit 0" cf import -q "$ST" r5
check "... ran $A alone" test "$(nruns)" -eq $((n0 + 1)) -a "$(tail -n 1 hist.tsv | cut -f2,3)" = "$A"$'\tCompleted'
check "... nothing to the removed export's container" test -z "$(puts_since "$m" archive)"

# --- 6. no secret anywhere --------------------------------------------------------------
cf history "$ST" >/dev/null
cf history "$ST" --json >/dev/null
cf export list "$ST" >/dev/null
cf export list "$ST" --json >/dev/null
cf audit "$ST" >audit.txt
cf audit "$ST" --json >audit.json
# audit_runs NAME: the run ids of the "sync" entries of the audit trail
# with "export": NAME, one a line
audit_runs() {
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l) if l.strip() else {}
    if e.get("event") == "sync" and e.get("export") == sys.argv[2]:
        print(e["run"])' audit.json "$1" | sort -n
}
hist
for n in "$A" "$B"; do
	check "the audit trail has sync entries with \"export\": \"$n\"" test -n "$(audit_runs "$n")"
	same_lines "the audit trail has a sync entry for every run of $n in the history (run ids)" \
		"$(audit_runs "$n")" "$(awk -F'\t' -v n="$n" '$2 == n { print $1 }' hist.tsv | sort -n)"
done
for s in "$esig" "$AZ_KEY" "$dsig" "$osig" SECRETSIGxyz; do
	check "secret ${s:0:6}...: not in any command's output" not_in "$s" all.log
	for f in store.db store.db-wal store.db.audit*; do
		if [ -f "$f" ]; then check "secret ${s:0:6}...: not in $f" not_in "$s" "$f"; fi
	done
	check "secret ${s:0:6}...: not in store.db.sync/" \
		bash -c '! grep -raqF -- "$0" store.db.sync' "$s"
done
check "the audit trail exists (store.db.audit)" test -f store.db.audit

finish
