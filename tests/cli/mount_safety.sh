#!/usr/bin/env bash
# collabfs mount, safety: every kind of write gets EROFS and changes
# nothing; missing paths get ENOENT; a refresh (import) while mounted shows
# up within seconds, while a file opened before it reads its old bytes to
# the end; only changed files change size/mtime (rsync copies just them);
# kill -9 of the daemon leaves no dead mount; -f stays in the foreground.
. "$TESTS_DIR/cli/lib.sh"
fuse_or_skip
PY=/usr/bin/python3

opts="--people 30 --months 2 --start 2022-01 --seed 2"
"$COLLABFS" generate -q $opts --csv csv
"$COLLABFS" import -q store.db csv
"$COLLABFS" keygen key >/dev/null
store_before=$(dump store.db)

mount_fs store.db mnt -o key=key
F=mnt/meetings/2022-01/meetings_2022-01.csv
check "the month's meetings file exists" test -s "$F"
cat "$F" >meet.before
find mnt -printf '%P %y %s %T@ %m\n' | sort >tree.before

# --- writes: EROFS, and nothing changes ---------------------------------------
# erofs DESCRIPTION COMMAND...: fails with "Read-only file system".
erofs() {
	local what=$1 rc=0
	shift
	"$@" >out.txt 2>err.txt || rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "$what: succeeded on the read-only mount"
	elif ! grep -F "Read-only file system" err.txt >/dev/null; then
		fail "$what: not EROFS: $(cat err.txt)"
	else
		pass
	fi
}
echo "outside" >outside.txt
erofs "> an existing file" bash -c "echo x >$F"
erofs ">> an existing file" bash -c "echo x >>$F"
erofs "> a new file at the root" bash -c "echo x >mnt/new.csv"
erofs "> a new file in a period" bash -c "echo x >mnt/meetings/2022-01/new.csv"
erofs "touch an existing file" touch "$F"
erofs "touch -d an existing file" touch -d 2001-01-01 "$F"
erofs "touch a new file" touch mnt/meetings/new.csv
erofs "mkdir at the root" mkdir mnt/newdir
erofs "mkdir a period" mkdir mnt/meetings/2030-01
erofs "rm a file" rm -f "$F"
erofs "rm README.txt" rm -f mnt/README.txt
erofs "rmdir a period" rmdir mnt/meetings/2022-02
erofs "rm -rf a table folder" rm -rf mnt/calls
erofs "mv a file" mv "$F" mnt/meetings/2022-01/renamed.csv
erofs "mv a folder" mv mnt/meetings mnt/meetings2
erofs "mv a file in" mv outside.txt mnt/meetings/2022-01/
erofs "cp a file in" cp outside.txt mnt/
erofs "chmod a file" chmod 0600 "$F"
erofs "chmod a folder" chmod 0700 mnt/meetings
erofs "chown a file" chown 1:1 "$F"
erofs "truncate -s 0" truncate -s 0 "$F"
erofs "truncate -s 1M" truncate -s 1M "$F"
erofs "ln -s" ln -s README.txt mnt/link
erofs "ln" ln "$F" mnt/meetings/2022-01/hard.csv
erofs "dd conv=notrunc" dd if=outside.txt of="$F" conv=notrunc status=none
cat >writes.py <<'PY'
import errno, os, sys
f, mnt = sys.argv[1:3]
bad = []
def erofs(what, fn, *a):
    try:
        r = fn(*a)
    except OSError as e:
        if e.errno != errno.EROFS:
            bad.append("%s: %s, not EROFS" % (what, e))
        return
    if isinstance(r, int) and what.startswith("open"):
        os.close(r)
    bad.append("%s: succeeded" % what)
erofs("open O_WRONLY", os.open, f, os.O_WRONLY)
erofs("open O_RDWR", os.open, f, os.O_RDWR)
erofs("open O_WRONLY|O_APPEND", os.open, f, os.O_WRONLY | os.O_APPEND)
erofs("open O_RDONLY|O_TRUNC", os.open, f, os.O_RDONLY | os.O_TRUNC)
erofs("open O_WRONLY|O_CREAT new", os.open, os.path.join(mnt, "py.csv"), os.O_WRONLY | os.O_CREAT, 0o644)
erofs("open O_CREAT|O_EXCL new", os.open, os.path.join(mnt, "meetings", "py.csv"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
erofs("mkdir", os.mkdir, os.path.join(mnt, "pydir"))
erofs("remove", os.remove, f)
erofs("rmdir", os.rmdir, os.path.dirname(f))
erofs("rename", os.rename, f, f + ".old")
erofs("chmod", os.chmod, f, 0o666)
erofs("truncate", os.truncate, f, 10)
erofs("utime", os.utime, f, (0, 0))
erofs("symlink", os.symlink, "README.txt", os.path.join(mnt, "pylink"))
erofs("mknod fifo", os.mkfifo, os.path.join(mnt, "pyfifo"))
for line in bad:
    print("FAIL:", line)
sys.exit(1 if bad else 0)
PY
if "$PY" writes.py "$F" mnt >writes.out 2>&1; then pass; else
	fail "python writes:"
	cat writes.out >&2
fi
[ -f outside.txt ] && [ "$(cat outside.txt)" = outside ] && pass || fail "mv into the mount lost outside.txt"
find mnt -printf '%P %y %s %T@ %m\n' | sort >tree.after
check "writes changed nothing in the tree" diff tree.before tree.after
check "writes changed no byte" cmp meet.before "$F"
bad=$(find mnt -perm /0222 | head -n 3)
[ -z "$bad" ] && pass || fail "files or folders with write permission bits: $bad"
[ "$(dump store.db)" = "$store_before" ] && pass || fail "the store changed"

# --- missing paths: ENOENT -----------------------------------------------------
enoent() {
	local what=$1 rc=0
	shift
	"$@" >out.txt 2>err.txt || rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "$what: exists"
	elif ! grep -F "No such file or directory" err.txt >/dev/null; then
		fail "$what: not ENOENT: $(cat err.txt)"
	else
		pass
	fi
}
enoent "a file at the root" cat mnt/nope.csv
enoent "a folder at the root" ls mnt/nope
enoent "a table in other case" ls mnt/Meetings
enoent "a month without data" ls mnt/meetings/2030-01
enoent "a month before the data" ls mnt/meetings/2021-06
enoent "a day in a monthly tree" ls mnt/meetings/2022-01-03
enoent "a malformed month" ls mnt/meetings/2022-1
enoent "another period's file name" stat mnt/meetings/2022-01/meetings_2022-02.csv
enoent "another table's file name" stat mnt/meetings/2022-01/mails_2022-01.csv
enoent "a file name without .csv" stat mnt/meetings/2022-01/meetings_2022-01
enoent "a file in a missing period" cat mnt/calls/2030-01/calls_2030-01.csv
"$PY" -c '
import errno, os, sys
try:
    open(sys.argv[1])
except OSError as e:
    sys.exit(0 if e.errno == errno.ENOENT else 1)
sys.exit(1)' mnt/meetings/2022-01/x.csv && pass || fail "python open of a missing file: not ENOENT"

# --- a refresh while mounted -------------------------------------------------------
# One January meeting gets another DurationMinutes of the same width (so
# the file keeps its size: only its mtime can tell rsync), and a meeting
# with one participant arrives in a new month, 2022-05.
"$PY" - csv change <<'PY'
import csv, os, sys, datetime as dt
src, out = sys.argv[1:3]
os.makedirs(out)
with open(os.path.join(src, "Meetings.csv"), newline="") as f:
    r = csv.DictReader(f)
    cols, rows = r.fieldnames, list(r)
def utc(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
m = next(x for x in rows if utc(x["StartTime"]).strftime("%Y-%m") == "2022-01"
         and utc(x["StartTime"]).day > 3 and len(x["DurationMinutes"]) == 2)
m["DurationMinutes"] = str(10 + (int(m["DurationMinutes"]) + 7) % 90)
new = dict.fromkeys(cols, "")
new.update(MeetingId="MNEW0001", StartTime="2022-05-10T09:00:00Z", IsRecurring="False",
           IsCanceled="False", DurationMinutes="30", Subject="New, in May")
with open(os.path.join(out, "Meetings.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, cols, lineterminator="\r\n")
    w.writeheader()
    w.writerows([m, new])
with open(os.path.join(src, "PersonHistorical.csv"), newline="") as f:
    person = next(r for r in csv.DictReader(f) if not r["EndDate"])["PersonHistoricalId"]
with open(os.path.join(out, "MeetingParticipants.csv"), "w", newline="") as f:
    f.write("MeetingId,PersonHistoricalId,IsOrganizer,Response\r\nMNEW0001,%s,True,Accepted\r\n" % person)
with open("changed.txt", "w") as f:
    f.write("%s %s\n" % (m["MeetingId"], m["DurationMinutes"]))
PY
read -r changed_id changed_minutes <changed.txt
if command -v rsync >/dev/null; then rsync -a mnt/ mirror/; fi

# Two handles opened before the import: one has read 1000 bytes, one none.
cat >hold.py <<'PY'
import os, sys, time
path, out, ready, go, first = sys.argv[1:6]
with open(path, "rb", buffering=0) as f:
    data = f.read(int(first)) if int(first) else b""
    open(ready, "w").close()
    for _ in range(600):
        if os.path.exists(go):
            break
        time.sleep(0.05)
    while True:
        b = f.read(3000)  # small reads, many requests
        if not b:
            break
        data += b
with open(out, "wb") as f:
    f.write(data)
PY
"$PY" hold.py "$F" held1.out ready1 go 1000 &
h1=$!
"$PY" hold.py "$F" held2.out ready2 go 0 &
h2=$!
for _ in $(seq 100); do [ -e ready1 ] && [ -e ready2 ] && break; sleep 0.1; done
check "the holders opened the file" test -e ready1 -a -e ready2
sleep 1.1 # the refresh commits in a later second than the first import
old_stat=$(stat -c '%s %Y %i' "$F")
"$COLLABFS" import -q store.db change

# the mount shows it within 5 s
seen=0
for _ in $(seq 50); do
	if [ -d mnt/meetings/2022-05 ] && ! cmp -s meet.before "$F"; then
		seen=1
		break
	fi
	sleep 0.1
done
[ "$seen" -eq 1 ] && pass || fail "5 s after the import the mount still shows the old data"
touch go
rc1=0 rc2=0
wait "$h1" || rc1=$?
wait "$h2" || rc2=$?
[ "$rc1" -eq 0 ] && cmp -s held1.out meet.before && pass ||
	fail "a handle opened (and partly read) before the import: rc $rc1, $(wc -c <held1.out 2>/dev/null) bytes, not the old bytes"
[ "$rc2" -eq 0 ] && cmp -s held2.out meet.before && pass ||
	fail "a handle opened (not read) before the import: rc $rc2, $(wc -c <held2.out 2>/dev/null) bytes, not the old bytes"

# the new bytes: the one field changed, size exact, a new mtime
cat "$F" >meet.after
new_stat=$(stat -c '%s %Y %i' "$F")
[ "$(stat -c %s "$F")" = "$(wc -c <meet.after)" ] && pass || fail "after the refresh: stat size $(stat -c %s "$F"), read $(wc -c <meet.after)"
"$PY" - meet.before meet.after "$changed_id" "$changed_minutes" <<'PY' && pass || fail "after the refresh: meetings_2022-01 is not the old file with one field changed"
import csv, sys
a, b, mid, minutes = sys.argv[1:5]
old = list(csv.reader(open(a, newline="")))
new = list(csv.reader(open(b, newline="")))
i = old[0].index("DurationMinutes")
k = [n for n, r in enumerate(old) if r[0] == mid]
ok = len(old) == len(new) and old[0] == new[0] and len(k) == 1
if ok:
    want = [list(r) for r in old]
    want[k[0]][i] = minutes
    ok = new == want
if not ok:
    print("FAIL: rows differ beyond %s.DurationMinutes = %s" % (mid, minutes))
sys.exit(0 if ok else 1)
PY
[ "${old_stat%% *}" = "${new_stat%% *}" ] && pass || fail "the change was meant to keep the size: $old_stat -> $new_stat"
old_mtime=$(echo "$old_stat" | cut -d' ' -f2)
new_mtime=$(echo "$new_stat" | cut -d' ' -f2)
[ "$new_mtime" -gt "$old_mtime" ] && pass || fail "changed file kept its mtime ($old_mtime -> $new_mtime): rsync's quick check would miss it"
# new period folders for the new month
for d in meetings meeting_participants person_historical; do
	[ -f "mnt/$d/2022-05/${d}_2022-05.csv" ] && pass || fail "no $d/2022-05 after the import"
done
grep -F MNEW0001 mnt/meetings/2022-05/meetings_2022-05.csv >/dev/null && pass || fail "meetings_2022-05 lacks MNEW0001"
grep -F MNEW0001 mnt/meeting_participants/2022-05/meeting_participants_2022-05.csv >/dev/null && pass ||
	fail "meeting_participants_2022-05 lacks MNEW0001"
"$PY" -c 'import pandas, sys; d = pandas.read_csv(sys.argv[1]); sys.exit(0 if len(d) == 1 and "Subject" not in d.columns else 1)' \
	mnt/meetings/2022-05/meetings_2022-05.csv && pass || fail "pandas: meetings_2022-05 is not one row without Subject"
# every other file keeps its size and mtime (the activity views of
# 2022-01 count the meeting's new length)
find mnt -printf '%P %y %s %T@ %m\n' | sort >tree.refreshed
grep -v -e '^meetings/2022-01/meetings_2022-01.csv ' -e '2022-05' -e '^README.txt ' -e ' d ' \
	-e '^activity/2022-01/' tree.before >keep.before
grep -v -e '^meetings/2022-01/meetings_2022-01.csv ' -e '2022-05' -e '^README.txt ' -e ' d ' \
	-e '^activity/2022-01/' tree.refreshed >keep.after
check "untouched files keep their size and mtime" diff keep.before keep.after
if command -v rsync >/dev/null; then
	rsync -a --itemize-changes mnt/ mirror/ >items.txt
	grep '^>f' items.txt | awk '{print $2}' | grep -v -e '^README.txt$' -e '^activity/2022-01/' |
		sort >sent.txt || true
	printf '%s\n' activity/2022-05/activity_by_department_2022-05.csv \
		activity/2022-05/activity_by_organization_2022-05.csv \
		activity/2022-05/activity_by_user_2022-05.csv \
		meeting_participants/2022-05/meeting_participants_2022-05.csv \
		meetings/2022-01/meetings_2022-01.csv meetings/2022-05/meetings_2022-05.csv \
		person_historical/2022-05/person_historical_2022-05.csv >sent.want
	check "rsync after the refresh sends just the changed and new files" diff sent.want sent.txt
	check "the mirror equals the mount" diff -r mnt mirror
fi

# --- kill -9 of the daemon: the mount goes away by itself ------------------------
pid=$FS_PID
if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -F "collabfs mount store.db $T/mnt" >/dev/null; then
	kill -9 "$pid"
	# the helper unmounts once the dead daemon's /dev/fuse is closed: at
	# once on a quiet machine, but a sanitizer build's exit (its shadow
	# memory unmapped) on a loaded one has taken over 3 s
	for _ in $(seq 150); do fs_mounted mnt || break; sleep 0.1; done
	if fs_mounted mnt; then
		fail "15 s after kill -9 the mount is still there: $(ls mnt 2>&1 | head -n 1 || true)"
	else
		pass
	fi
	rc=0
	ls mnt >out.txt 2>err.txt || rc=$?
	[ "$rc" -eq 0 ] && ! grep -F "not connected" err.txt >/dev/null && pass ||
		fail "after kill -9: ls mnt: $(cat err.txt)"
	unset 'fs_pid[mnt]' # (the daemon is gone)
	# and the mount point can be used again
	mount_fs store.db mnt -o key=key
	check "remount after kill -9" test -d mnt/meetings/2022-05
	unmount_fs mnt
else
	fail "no daemon pid for mnt"
fi

# --- -f: stays in the foreground until unmounted ------------------------------------
mkdir -p fg
fs_mounts+=(fg)
"$COLLABFS" mount store.db fg -o key=key -f >fg.out 2>&1 &
fgpid=$!
for _ in $(seq 50); do fs_mounted fg && break; sleep 0.1; done
fs_mounted fg && kill -0 "$fgpid" 2>/dev/null && pass || fail "-f: not mounted, or the command returned: $(cat fg.out)"
check "-f: the tree is there" test -f fg/README.txt
fusermount3 -u fg || fail "-f: fusermount3 -u failed"
for _ in $(seq 100); do kill -0 "$fgpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$fgpid" 2>/dev/null; then
	fail "-f: still running 10 s after fusermount3 -u"
	kill "$fgpid"
fi
rc=0
wait "$fgpid" || rc=$?
[ "$rc" -eq 0 ] && pass || fail "-f: exit status $rc after fusermount3 -u: $(cat fg.out)"
finish
