#!/usr/bin/env bash
# collabfs mount, the tree: its shape for each interval (month, day, week),
# scope and from/to; every file against the seed CSV files the store was
# made from (columns, order, rows, placement, privacy defaults, RFC 4180,
# pandas); exact sizes before reading; cp -r and rsync -a; random access
# (tail, dd, pread, mmap, pandas memory_map); identical listings across
# remounts; bad option values refused.  Expectations come from the
# contract (PRODUCT.md, docs/tables.md, docs/privacy.md), not from
# collabfs's own output.
. "$TESTS_DIR/cli/lib.sh"
fuse_or_skip
PY=/usr/bin/python3 # Debian's python3, which has pandas
MD="$TESTS_DIR/../docs/tables.md"
if ! command -v rsync >/dev/null; then
	echo "note: rsync is not installed: its checks are skipped"
fi

# Seed 1 has an HR change inside the range (an EndDate in January), meetings
# at 23:30 UTC on a month's last day and local times on the next day.
opts="--people 30 --months 2 --start 2022-01 --seed 1"
"$COLLABFS" generate -q $opts --csv csv
"$COLLABFS" import -q store.db csv
"$COLLABFS" keygen key >/dev/null
store_before=$(dump store.db)

# The tree against the seed files: see its docstring.
cat >check_tree.py <<'PY'
"""Check a mounted collabfs tree against the seed CSV files it was made from.

usage: check_tree.py MNT CSVDIR TABLES_MD KEYFILE INTERVAL FROM TO SCOPE
(FROM, TO: YYYY-MM-DD or '-'; SCOPE: all or a+b+c).  Prints one FAIL line
per problem (a few per kind) and exits 1 if any.  Expectations come from
the contract: docs/tables.md (columns, order, default privacy, folders,
scopes), the placement rules (own instant, parent's, earliest participant's
start, HR span) and docs/privacy.md (pseudonym = first 32 hex digits of
HMAC-SHA256 under the key).
"""
import csv, datetime as dt, hashlib, hmac, io, os, re, sys
from collections import Counter, defaultdict

import pandas as pd

mnt, csvdir, tables_md, keyfile, interval, frm, to, scope = sys.argv[1:9]
fails = []


def fail(msg):
    fails.append(msg)
    if len(fails) <= 40:
        print("FAIL:", msg, flush=True)


# --- the schema, from docs/tables.md --------------------------------------
schema = {}  # table -> {folder, scope, cols: [(name, type, priv)]}
cur = None
for line in open(tables_md, encoding="utf-8"):
    m = re.match(r"^## (\w+)\s*$", line)
    if m:
        cur = schema[m.group(1)] = {"folder": None, "scope": None, "cols": []}
        continue
    if cur is None:
        continue
    m = re.match(r"^Folder `([a-z_]+)/`", line)
    if m:
        cur["folder"] = m.group(1)
        s = re.search(r"scope `(\w+)`", line)
        cur["scope"] = s.group(1) if s else None
        continue
    m = re.match(r"^\| `([^`]+)` \|\s*(.*?)\s*\|\s*(.*?)\s*\|\s*(raw|hash|exclude)\s*\|", line)
    if m:
        cur["cols"].append((m.group(1), m.group(2), m.group(4)))
assert len(schema) == 10 and all(t["folder"] and t["cols"] for t in schema.values()), schema
assert [c[0] for c in schema["Meetings"]["cols"]][:3] == ["MeetingId", "ICalUid", "Subject"], schema
folder_of = {t: s["folder"] for t, s in schema.items()}
HR = "PersonHistorical"

key = bytes.fromhex(open(keyfile).read().strip())


def pseudo(v):
    return hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


PSEUDO_EMPTY = pseudo("")
HEX32 = re.compile(r"^[0-9a-f]{32}$")

# --- time ---------------------------------------------------------------
DT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
UTC = dt.timezone.utc


def instant(s):
    m = DT.match(s)
    if not m:
        raise ValueError("not a datetime: %r" % s)
    y, mo, d, h, mi, se, ms, z = m.groups()
    t = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(se or 0),
                    int((ms or "0").ljust(3, "0")) * 1000, tzinfo=UTC)
    if z and z != "Z":
        sign = -1 if z[0] == "-" else 1
        digits = z[1:].replace(":", "")
        off = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        t -= sign * off
    return t


def period_of(t):
    d = t.date()
    if interval == "month":
        return "%04d-%02d" % (d.year, d.month)
    if interval == "week":
        d -= dt.timedelta(days=(d.weekday() + 1) % 7)  # back to Sunday
    return d.isoformat()


def bounds(p):
    if interval == "month":
        y, m = map(int, p.split("-"))
        s = dt.datetime(y, m, 1, tzinfo=UTC)
        e = dt.datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=UTC)
    else:
        s = dt.datetime.fromisoformat(p).replace(tzinfo=UTC)
        e = s + dt.timedelta(days=1 if interval == "day" else 7)
    return s, e


lo = None if frm == "-" else dt.datetime.fromisoformat(frm).replace(tzinfo=UTC)
hi = None if to == "-" else dt.datetime.fromisoformat(to).replace(tzinfo=UTC) + dt.timedelta(days=1)
all_scopes = {s["scope"] for s in schema.values() if s["scope"]}
want_scopes = all_scopes if scope == "all" else set(scope.split("+"))
in_scope = [t for t, s in schema.items() if t != HR and s["scope"] in want_scopes]

# --- the seed rows and where each belongs --------------------------------
seed = {}
for t in schema:
    with open(os.path.join(csvdir, t + ".csv"), newline="", encoding="utf-8") as f:
        seed[t] = list(csv.DictReader(f))

own = {"Meetings": "StartTime", "Mails": "SentTime", "InstantMessages": "SentTime",
       "FileActivities": "LocalTime"}
parent = {"MeetingParticipants": ("Meetings", "MeetingId"),
          "MailParticipants": ("Mails", "MailId"),
          "CallParticipants": ("Calls", "CallRecordId"),
          "InstantMessageParticipants": ("InstantMessages", "InstantMessageId")}
when = {}  # (table, key) -> UTC instant of parents
for t, c in own.items():
    keycol = schema[t]["cols"][0][0]
    for r in seed[t]:
        when[(t, r[keycol])] = instant(r[c])
for r in seed["CallParticipants"]:
    t0 = instant(r["LocalStartTime"])
    k = ("Calls", r["CallRecordId"])
    if k not in when or t0 < when[k]:
        when[k] = t0


def row_instant(t, r):
    if t in own or t == "Calls":
        return when.get((t, r[schema[t]["cols"][0][0]]))
    p, c = parent[t]
    return when.get((p, r[c]))


def in_range(x):
    return (lo is None or x >= lo) and (hi is None or x < hi)


expect = defaultdict(lambda: defaultdict(list))  # folder -> period -> rows
for t in in_scope:
    for r in seed[t]:
        x = row_instant(t, r)
        if x is not None and in_range(x):
            expect[folder_of[t]][period_of(x)].append(r)
periods = set()
for t in in_scope:
    periods |= set(expect[folder_of[t]])


def hr_span(r):
    s = instant(r["StartDate"]) if r.get("StartDate") else dt.datetime(1, 1, 1, tzinfo=UTC)
    e = instant(r["EndDate"]) if r.get("EndDate") else None
    return s, e


def overlaps(r, ws, we):
    s, e = hr_span(r)
    return s < we and (e is None or e >= ws)


hr_must = {}  # period -> HR rows valid in the period's part inside from..to
hr_may = {}  # period -> HR rows valid at any time in the whole period
for p in periods:
    ps, pe = bounds(p)
    ws, we = max(ps, lo) if lo else ps, min(pe, hi) if hi else pe
    hr_must[p] = [r for r in seed[HR] if overlaps(r, ws, we)]
    hr_may[p] = [r for r in seed[HR] if overlaps(r, ps, pe)]

# --- what a file's rows must be -------------------------------------------
def header_of(t):
    return [c for c, _, priv in schema[t]["cols"] if priv != "exclude"]


def canon(t, header, row, from_seed):
    """A row as comparable text: doubles as floats, hashed fields as the
    pseudonym the key gives (an empty field may stay empty or be hashed)."""
    types = {c: ty for c, ty, _ in schema[t]["cols"]}
    privs = {c: pv for c, _, pv in schema[t]["cols"]}
    out = []
    for c, v in zip(header, row):
        if from_seed and privs[c] == "hash" and v != "":
            v = pseudo(v)
        elif not from_seed and privs[c] == "hash" and v == PSEUDO_EMPTY:
            v = ""
        if types[c] == "double" and v != "":
            try:
                v = repr(float(v))
            except ValueError:
                pass
        out.append(v)
    return tuple(out)


def show(rows):
    return "; ".join(",".join(r) for r in rows[:3])


# --- the tree -------------------------------------------------------------
root = set(os.listdir(mnt))
folders_in = {folder_of[t] for t in in_scope} | {folder_of[HR]}
if "README.txt" not in root:
    fail("no /README.txt")
for t in schema:
    f = folder_of[t]
    has = bool(periods) if t == HR else bool(expect[f])
    if f in folders_in and has and f not in root:
        fail("/%s missing (scope %s)" % (f, scope))
    if f not in folders_in and f in root:
        fail("/%s present, but out of scope %s" % (f, scope))
    if f in folders_in and not has and f in root:
        fail("/%s present, but it has no rows in the range" % f)
extra = root - set(folder_of.values()) - {"README.txt", "activity"}
if extra:
    fail("unexpected entries at the root: %s" % sorted(extra))

nfiles = nrows = 0
seen_rows = defaultdict(Counter)  # table -> all rows read, over its periods


def check_file(path, t=None):
    """Size before reading, whole-second mtime, RFC 4180 text, pandas; returns
    the records."""
    global nfiles
    nfiles += 1
    st = os.stat(path)
    with open(path, "rb") as f:
        data = f.read()
    if st.st_size != len(data):
        fail("%s: stat size %d, but %d bytes read" % (path, st.st_size, len(data)))
    if st.st_mtime_ns % 1000000000:
        fail("%s: mtime %d ns is not whole seconds" % (path, st.st_mtime_ns))
    if os.stat(path).st_mtime_ns != st.st_mtime_ns:
        fail("%s: mtime changed by reading" % path)
    if t is None:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        fail("%s: starts with a byte order mark" % path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("%s: not UTF-8: %s" % (path, e))
        return None
    recs = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(recs)
    if out.getvalue() != text:
        a, b = out.getvalue(), text
        i = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        fail("%s: not RFC 4180 with CRLF and minimal quoting at char %d: got %r, want %r"
             % (path, i, b[max(0, i - 20):i + 20], a[max(0, i - 20):i + 20]))
    if not recs:
        fail("%s: empty file" % path)
        return None
    hdr = recs[0]
    bad = [i + 2 for i, r in enumerate(recs[1:]) if len(r) != len(hdr)]
    if bad:
        fail("%s: records %s do not have %d fields" % (path, bad[:5], len(hdr)))
    df = pd.read_csv(path)
    if list(df.columns) != hdr:
        fail("%s: pandas columns %s, header %s" % (path, list(df.columns), hdr))
    if len(df) != len(recs) - 1:
        fail("%s: pandas read %d rows, the file has %d records" % (path, len(df), len(recs) - 1))
    return recs


for t in schema:
    f = folder_of[t]
    if f not in folders_in or f not in root:
        continue
    want_periods = sorted(periods) if t == HR else sorted(expect[f])
    got_periods = sorted(os.listdir(os.path.join(mnt, f)))
    if got_periods != want_periods:
        fail("/%s: periods %s, want %s (missing %s, extra %s)" % (
            f, got_periods, want_periods, sorted(set(want_periods) - set(got_periods)),
            sorted(set(got_periods) - set(want_periods))))
    hdr_want = header_of(t)
    for p in got_periods:
        d = os.path.join(mnt, f, p)
        names = os.listdir(d)
        fname = "%s_%s.csv" % (f, p)
        if names != [fname]:
            fail("/%s/%s holds %s, want [%s]" % (f, p, names, fname))
        if fname not in names:
            continue
        path = os.path.join(d, fname)
        recs = check_file(path, t)
        if recs is None:
            continue
        if recs[0] != hdr_want:
            fail("%s: header %s, want %s" % (path, recs[0], hdr_want))
            continue
        nrows += len(recs) - 1
        got = Counter(canon(t, hdr_want, r, False) for r in recs[1:])
        seen_rows[t].update(got)
        if t == HR:
            must = Counter(canon(t, hdr_want, [r.get(c, "") for c in hdr_want], True) for r in hr_must.get(p, []))
            may = Counter(canon(t, hdr_want, [r.get(c, "") for c in hdr_want], True) for r in hr_may.get(p, []))
            miss = list((must - got).elements())
            extra = list((got - may).elements())
            if miss:
                fail("%s: lacks %d HR rows valid in the period: %s" % (path, len(miss), show(miss)))
            if extra:
                fail("%s: %d HR rows not valid in the period: %s" % (path, len(extra), show(extra)))
            if got != must and not miss and not extra:
                print("note: %s also holds HR rows valid only outside from..to" % path)
            dups = [r for r, n in got.items() if n > 1]
            if dups:
                fail("%s: repeated HR rows: %s" % (path, show(dups)))
        else:
            want = Counter(canon(t, hdr_want, [r.get(c, "") for c in hdr_want], True) for r in expect[f].get(p, []))
            miss = list((want - got).elements())
            extra = list((got - want).elements())
            if miss or extra:
                fail("%s: %d rows missing (%s), %d unexpected (%s)" % (
                    path, len(miss), show(miss), len(extra), show(extra)))
        # hashed columns: 32 lowercase hex digits, never the raw value
        for i, (c, _, pv) in enumerate((c for c in schema[t]["cols"] if c[2] != "exclude")):
            if pv != "hash":
                continue
            badv = [r[i] for r in recs[1:] if r[i] != "" and not HEX32.match(r[i])]
            if badv:
                fail("%s: %s is hashed, but holds %r" % (path, c, badv[:3]))
        if t == HR and "EmailAddress" in hdr_want:
            i = hdr_want.index("EmailAddress")
            raw = [r[i] for r in recs[1:] if "@" in r[i]]
            if raw:
                fail("%s: raw e-mail addresses %s" % (path, raw[:3]))

# the periods' files of a table, together, are the seed's rows in range
for t in in_scope:
    hdr = header_of(t)
    want = Counter()
    for p, rows in expect[folder_of[t]].items():
        want.update(canon(t, hdr, [r.get(c, "") for c in hdr], True) for r in rows)
    inrange = sum(1 for r in seed[t] if (lambda x: x is not None and in_range(x))(row_instant(t, r)))
    if sum(want.values()) != inrange or seen_rows[t] != want:
        fail("%s: its files together hold %d rows, not the seed's %d rows in range" % (
            folder_of[t], sum(seen_rows[t].values()), inrange))
    if lo is None and hi is None and sum(seen_rows[t].values()) != len(seed[t]):
        fail("%s: %d rows in the tree, %d in %s.csv" % (folder_of[t], sum(seen_rows[t].values()), len(seed[t]), t))

if "README.txt" in root:
    check_file(os.path.join(mnt, "README.txt"))
    if os.path.getsize(os.path.join(mnt, "README.txt")) == 0:
        fail("README.txt is empty")

print("checked %d files, %d rows; %d problems" % (nfiles, nrows, len(fails)))
sys.exit(1 if fails else 0)
PY

cat >random_access.py <<'PY'
"""Random access to one file of the mount equals its sequential read.
usage: random_access.py MOUNTED_FILE SEQUENTIAL_COPY"""
import mmap, os, random, sys, threading

import pandas as pd

path, ref_path = sys.argv[1:3]
ref = open(ref_path, "rb").read()
n = len(ref)
bad = []


def expect(what, got, want):
    if got != want:
        bad.append("%s: %d bytes differ from the sequential read (%d bytes, want %d)"
                   % (what, sum(1 for a, b in zip(got, want) if a != b), len(got), len(want)))


if os.stat(path).st_size != n:
    bad.append("size %d, sequential read %d" % (os.stat(path).st_size, n))
rnd = random.Random(1)
fd = os.open(path, os.O_RDONLY)
offsets = [0, 1, n // 2, n - 1, n, n + 10, 4095, 4096, 4097, 65535, 65536, 131071, 131072]
offsets += [rnd.randrange(max(n, 1)) for _ in range(150)]
for off in offsets:
    for size in (1, 100, 4096, 70000):
        expect("pread(%d, %d)" % (size, off), os.pread(fd, size, off), ref[off:off + size])
# backwards, chunk by chunk
chunks = []
off = n
while off > 0:
    start = max(0, off - 10007)
    chunks.append(os.pread(fd, off - start, start))
    off = start
expect("backwards", b"".join(reversed(chunks)), ref)
os.close(fd)
# seek and read to the end, then seek back
with open(path, "rb", buffering=0) as f:
    f.seek(n // 3)
    expect("seek(n/3) + read", f.read(), ref[n // 3:])
    f.seek(-min(n, 5000), os.SEEK_END)
    expect("seek from the end", f.read(), ref[-min(n, 5000):])
    f.seek(7)
    expect("seek back", f.read(100), ref[7:107])
# mmap
with open(path, "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    expect("mmap whole", m[:], ref)
    for _ in range(50):
        a = rnd.randrange(n)
        b = min(n, a + rnd.randrange(1, 20000))
        expect("mmap[%d:%d]" % (a, b), m[a:b], ref[a:b])
    m.close()
# four threads reading at once, each its own descriptor
def reader(seed):
    r = random.Random(seed)
    fd = os.open(path, os.O_RDONLY)
    for _ in range(100):
        a = r.randrange(n)
        s = r.choice((1, 512, 4096, 33333))
        expect("thread %d pread(%d, %d)" % (seed, s, a), os.pread(fd, s, a), ref[a:a + s])
    os.close(fd)


ts = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
# pandas with memory_map=True
a = pd.read_csv(path, memory_map=True)
b = pd.read_csv(ref_path)
if not a.equals(b):
    bad.append("pandas memory_map=True gives another DataFrame than the sequential copy")
for line in bad[:10]:
    print("FAIL: %s: %s" % (path, line))
sys.exit(1 if bad else 0)
PY

# check_tree DESCRIPTION DIR INTERVAL FROM TO SCOPE: the whole tree against
# the seed files (FROM, TO: YYYY-MM-DD or -).
check_tree() {
	local what=$1 dir=$2
	shift 2
	if "$PY" check_tree.py "$dir" csv "$MD" key "$@" >check.out 2>&1; then
		pass
	else
		fail "$what: the tree differs from the seed files:"
		grep -v '^checked' check.out | head -n 25 >&2
	fi
	grep '^note:' check.out || true
}
# sizes_match DESCRIPTION DIR: for every file, stat -c %s == wc -c of cat.
sizes_match() {
	local what=$1 f s n bad=0 count=0
	while IFS= read -r -d '' f; do
		s=$(stat -c %s "$f")
		# shellcheck disable=SC2002 # the bytes cat reads, as asked
		n=$(cat "$f" | wc -c)
		count=$((count + 1))
		if [ "$s" != "$n" ]; then
			[ "$bad" -lt 5 ] && echo "  $f: stat -c %s says $s, cat | wc -c reads $n" >&2
			bad=$((bad + 1))
		fi
	done < <(find "$2" -type f -print0)
	[ "$count" -gt 0 ] || { fail "$what: no files"; return; }
	[ "$bad" -eq 0 ] && pass || fail "$what: $bad of $count files with a wrong stat size"
}
# snapshot DIR COPY: every file read sequentially (cat) into COPY.
snapshot() {
	local f rc=0
	rm -rf "$2"
	while IFS= read -r -d '' f; do
		mkdir -p "$2/$(dirname "$f")"
		cat "$1/$f" >"$2/$f" || rc=1
	done < <(cd "$1" && find . -type f -print0)
	return $rc
}
listing() { # DIR: names, modes, sizes and mtimes of the whole tree
	(cd "$1" && ls -lR --time-style=+%s . | sed '/^total /d')
}

# --- usage and refused options, before anything is mounted ---------------
rc=0
"$COLLABFS" mount --help >help.txt 2>&1 || rc=$?
[ "$rc" -eq 0 ] && grep '^usage: collabfs mount' help.txt >/dev/null && pass ||
	fail "mount --help: rc=$rc $(head -n 3 help.txt)"
rc=0
"$COLLABFS" mount store.db >/dev/null 2>err.txt || rc=$?
[ "$rc" -eq 2 ] && pass || fail "mount without a mount point: exit $rc, want 2 (usage)"
mkdir bad
for o in interval=year interval= from=2022-13-01 from=2022-02-30 from=01/02/2022 \
	to=tomorrow scope=foo scope=meetings+foo scope=mail+ scope=; do
	name=${o%%=*}
	expect_mount_error "-o $o" "$name" store.db bad -o "key=key,$o"
done
expect_mount_error "a store that does not exist" "nope.db" nope.db bad -o key=key
[ ! -e nope.db ] && pass || fail "mount created the missing store nope.db"
expect_mount_error "a mount point that does not exist" "nodir" store.db nodir -o key=key
[ ! -e nodir ] && pass || fail "mount created the missing mount point"
echo "not a store" >text.db
expect_mount_error "a file that is not a store" "text.db" text.db bad -o key=key
# a misspelled option is not silently ignored
rc=0
timeout 30 "$COLLABFS" mount store.db bad -o key=key,intervall=day >/dev/null 2>err.txt || rc=$?
[ "$rc" -ne 0 ] && grep intervall err.txt >/dev/null && pass ||
	fail "-o intervall=day: exit $rc, $(cat err.txt)"
fs_mounted bad && { fail "-o intervall=day left a mount"; fusermount3 -uz bad; }

# --- month (the default), all tables, a fresh cache; relative store and key --
rm -rf store.db.cache # (a failed mount above may have made it)
mount_fs store.db mnt -o "key=key,cache=$T/cacheA"
find mnt -type f -printf '%P %s\n' | sort >sizes.before # before any read
[ -s sizes.before ] && pass || fail "month: no files in the tree"
check "month: /README.txt" test -f mnt/README.txt
for d in meetings meeting_participants mails mail_participants calls call_participants \
	instant_messages instant_message_participants file_activities person_historical; do
	[ -f "mnt/$d/2022-01/${d}_2022-01.csv" ] && [ -f "mnt/$d/2022-02/${d}_2022-02.csv" ] && pass ||
		fail "month: no $d/2022-01/${d}_2022-01.csv and $d/2022-02/..."
done
check_tree "month, all" mnt month - - all
sizes_match "month: stat -c %s vs cat | wc -c" mnt
find mnt -type f -printf '%P %s\n' | sort >sizes.after
check "month: sizes before reading = after" diff sizes.before sizes.after
[ -d cacheA ] && [ ! -e store.db.cache ] && pass ||
	fail "cache=$T/cacheA: cacheA $(test -d cacheA && echo exists || echo missing), store.db.cache $(test -e store.db.cache && echo exists || echo absent)"
head -n 1 mnt/meetings/2022-01/meetings_2022-01.csv >head.txt
grep '^MeetingId,ICalUid,IsRecurring,' head.txt >/dev/null && ! grep Subject head.txt >/dev/null && pass ||
	fail "meetings header: $(cat head.txt)"

# cp -r and rsync -a give the bytes of a sequential read
check "cat of every file" snapshot mnt seq
check "cp -r of the tree" cp -r mnt cpcopy
check "cp -r of the tree = sequential reads" diff -r seq cpcopy
if command -v rsync >/dev/null; then
	check "rsync -a of the tree" rsync -a mnt/ rs/
	check "rsync -a of the tree = sequential reads" diff -r seq rs
	rsync -a --itemize-changes mnt/ rs/ >items.txt || fail "second rsync -a failed"
	[ ! -s items.txt ] && pass || fail "second rsync -a copied again: $(head -n 5 items.txt)"
fi

# random access: the two largest files and a small one
big=$(find mnt -name '*.csv' -printf '%s %P\n' | sort -n | tail -n 2 | cut -d' ' -f2)
small=$(find mnt -name '*.csv' -printf '%s %P\n' | sort -n | head -n 1 | cut -d' ' -f2)
for f in $big $small; do
	n=$(stat -c %s "seq/$f")
	for k in 1 100 5000 $((n / 2)) "$n"; do
		cmp -s <(tail -c "$k" "mnt/$f") <(tail -c "$k" "seq/$f") && pass ||
			fail "tail -c $k $f differs"
	done
	cmp -s <(head -c 333 "mnt/$f") <(head -c 333 "seq/$f") && pass || fail "head -c 333 $f differs"
	cmp -s <(dd if="mnt/$f" bs=4096 skip=3 count=5 status=none) <(dd if="seq/$f" bs=4096 skip=3 count=5 status=none) &&
		pass || fail "dd bs=4096 skip=3 count=5 of $f differs"
	cmp -s <(dd if="mnt/$f" bs=1 skip=$((n / 3)) count=777 status=none) <(tail -c +$((n / 3 + 1)) "seq/$f" | head -c 777) &&
		pass || fail "dd bs=1 skip=$((n / 3)) count=777 of $f differs"
	cmp -s <(dd if="mnt/$f" bs=65536 iflag=skip_bytes skip=$((n - 70000 > 0 ? n - 70000 : 0)) status=none) \
		<(tail -c 70000 "seq/$f") && pass || fail "dd iflag=skip_bytes to the end of $f differs"
	if "$PY" random_access.py "mnt/$f" "seq/$f" >ra.out 2>&1; then pass; else
		fail "random access to $f:"
		head -n 10 ra.out >&2
	fi
done

# remount: the same names, modes, sizes, mtimes and bytes
listing mnt >ls.1
grep -E ' [0-9]{10} ' ls.1 >/dev/null && pass || fail "ls -l shows no mtimes: $(head -n 3 ls.1)"
unmount_fs mnt
mount_fs store.db mnt -o "key=key,cache=$T/cacheA"
listing mnt >ls.2
check "remount: same ls -lR (names, sizes, mtimes)" diff ls.1 ls.2
check "remount: same bytes" diff -r seq mnt
if command -v rsync >/dev/null; then
	rsync -a --itemize-changes mnt/ rs/ >items.txt || fail "rsync -a after a remount failed"
	[ ! -s items.txt ] && pass || fail "rsync -a after a remount copied again: $(head -n 5 items.txt)"
fi
unmount_fs mnt
# ... and with a cache of its own: mtimes come from the data, not the cache
mount_fs store.db mnt -o "key=key,cache=$T/cacheB"
listing mnt >ls.3
check "new cache: same ls -lR (names, sizes, mtimes)" diff ls.1 ls.3
unmount_fs mnt
# ... and scope listed in full is scope=all; no cache= puts it in STORE.cache
mount_fs store.db mnt -o key=key,scope=meetings+mail+calls+chat+files
listing mnt | grep -v README.txt >ls.4
check "scope with every name = scope=all" diff <(grep -v README.txt ls.1) ls.4
cat mnt/meetings/2022-01/meetings_2022-01.csv >/dev/null
[ -e store.db.cache ] && pass || fail "no cache= option: no store.db.cache after reading"
cp mnt/README.txt readme.month
unmount_fs mnt

# --- day, two scopes, from/to inside months --------------------------------
mount_fs store.db mnt -o key=key,interval=day,scope=meetings+chat,from=2022-01-10,to=2022-02-05
ls mnt >root.txt
printf '%s\n' README.txt instant_message_participants instant_messages meeting_participants \
	meetings person_historical >root.want
check "day, meetings+chat: root folders" diff root.want <(grep -v '^activity$' root.txt)
ls mnt/meetings >days.txt
head -n 1 days.txt | grep -E '^2022-01-1[0-9]$' >/dev/null && tail -n 1 days.txt | grep -E '^2022-0(1-[23][0-9]|2-0[1-5])$' >/dev/null &&
	pass || fail "day: meetings periods $(head -n 1 days.txt)..$(tail -n 1 days.txt), want within 2022-01-10..2022-02-05"
check_tree "day, meetings+chat, 2022-01-10..2022-02-05" mnt day 2022-01-10 2022-02-05 meetings+chat
sizes_match "day: stat -c %s vs cat | wc -c" mnt
cmp -s readme.month mnt/README.txt && fail "README.txt is the same for other options" || pass
unmount_fs mnt

# --- week, three scopes -----------------------------------------------------
mount_fs store.db mnt -o key=key,interval=week,scope=calls+files+mail
bad=0
for d in mnt/*/*/; do
	p=$(basename "$d")
	[ "$(date -u -d "$p" +%w 2>/dev/null)" = 0 ] || { bad=1; echo "  $d is not a Sunday" >&2; }
done
[ "$bad" -eq 0 ] && pass || fail "week: period folders that are not Sundays"
[ ! -e mnt/meetings ] && [ ! -e mnt/instant_messages ] && [ -d mnt/calls ] && [ -d mnt/person_historical ] &&
	pass || fail "week, calls+files+mail: wrong folders: $(ls mnt | tr '\n' ' ')"
check_tree "week, calls+files+mail" mnt week - - calls+files+mail
sizes_match "week: stat -c %s vs cat | wc -c" mnt
unmount_fs mnt

# --- month, from/to cutting both months ------------------------------------
mount_fs store.db mnt -o key=key,from=2022-01-20,to=2022-02-10
check_tree "month, 2022-01-20..2022-02-10" mnt month 2022-01-20 2022-02-10 all
sizes_match "month, from/to: stat -c %s vs cat | wc -c" mnt
n1=$(($(wc -l <mnt/meetings/2022-01/meetings_2022-01.csv) - 1))
n0=$(($(wc -l <seq/meetings/2022-01/meetings_2022-01.csv) - 1))
[ "$n1" -gt 0 ] && [ "$n1" -lt "$n0" ] && pass ||
	fail "from=2022-01-20: meetings_2022-01 has $n1 rows, the whole month $n0"
unmount_fs mnt

# --- CSV text: quoting, line breaks, offsets, placement by the UTC instant ----
# A small store of hand-made rows whose bytes are known in advance.
mkdir tricky
"$PY" - tricky <<'PY'
import sys
d = sys.argv[1]
def w(name, text):
    with open("%s/%s" % (d, name), "w", newline="", encoding="utf-8") as f:
        f.write(text)
w("PersonHistorical.csv",
  "PersonHistoricalId,EmailAddress,StartDate,Organization\r\n"
  "H1,a@x.example,2021-01-01,\"Sales, EMEA\"\r\n")
w("Meetings.csv",
  "MeetingId,ICalUid,Subject,IsRecurring,StartTime,DurationMinutes\r\n"
  "T1,U1,\"Plan, budget\",true,2022-03-10T08:00:00,45\r\n"
  "T2,U1,\"Say \"\"hi\"\"\",FALSE,2022-03-01T09:00:00-00:00,30\r\n"
  "T3,,\"two\r\nlines\",False,2022-04-01T00:30:00+02:00,\r\n"
  "T4,U4,\"lf\nonly\",False,2022-03-31T23:30:00-02:00,60\r\n"
  "T5,U5,caf\u00e9 \u2615 \u65e5\u672c,True,2022-03-15T12:00:00+05:30,15\r\n"
  "T6,U6,,True,2022-03-16T12:00:00Z,15\r\n"
  "T7,U7,  padded  ,False,2022-03-17T12:00:00+0100,15\r\n")
w("MeetingParticipants.csv",
  "MeetingId,PersonHistoricalId,LocalStartTime,Response,DurationMinutesAdjusted\r\n"
  "T3,H1,2022-04-01T00:30:00+02:00,accepted,1.50\r\n"
  "T4,H1,2022-03-31T23:30:00-02:00,Declined,1e3\r\n")
PY
"$COLLABFS" import -q tricky.db tricky
printf 'Meetings.Subject = raw\nPersonHistorical.Organization = raw\n' >subject.txt
mount_fs tricky.db tmnt -o key=key,policy=subject.txt
cat >tricky.py <<'PY'
import csv, hashlib, hmac, io, sys
import pandas as pd
mnt, keyfile = sys.argv[1:3]
K = bytes.fromhex(open(keyfile).read().strip())
h = lambda v: hmac.new(K, v.encode(), hashlib.sha256).hexdigest()[:32]
cols = ["MeetingId", "ICalUid", "Subject", "IsRecurring", "IsCanceled", "StartTime",
        "DurationMinutes", "TotalAccept", "TotalDecline", "TotalNoResponse",
        "TotalTentativelyAccepted", "TotalAttendees", "TotalDoubleBooked",
        "TotalEmailsDuringMeeting"]
def row(mid, ical, subject, rec, start, dur):
    return [mid, ical and h(ical), subject, rec, "", start, dur] + [""] * 7
# placed by the UTC instant: T3 is local April 1st but UTC March 31st;
# T4 local March 31st but UTC April 1st.  No zone is written back as Z,
# -00:00 as +00:00, +0100 as +01:00; other offsets as they came.
want = {
    "2022-03": [row("T1", "U1", "Plan, budget", "True", "2022-03-10T08:00:00Z", "45"),
                row("T2", "U1", 'Say "hi"', "False", "2022-03-01T09:00:00+00:00", "30"),
                row("T3", "", "two\r\nlines", "False", "2022-04-01T00:30:00+02:00", ""),
                row("T5", "U5", "caf\u00e9 \u2615 \u65e5\u672c", "True", "2022-03-15T12:00:00+05:30", "15"),
                row("T6", "U6", "", "True", "2022-03-16T12:00:00Z", "15"),
                row("T7", "U7", "  padded  ", "False", "2022-03-17T12:00:00+01:00", "15")],
    "2022-04": [row("T4", "U4", "lf\nonly", "False", "2022-03-31T23:30:00-02:00", "60")],
}
bad = []
for p, rows in want.items():
    path = "%s/meetings/%s/meetings_%s.csv" % (mnt, p, p)
    data = open(path, "rb").read()
    text = data.decode("utf-8")
    recs = list(csv.reader(io.StringIO(text, newline="")))
    if recs[0] != cols:
        bad.append("%s: header %s" % (path, recs[0]))
    if sorted(recs[1:]) != sorted(rows):
        bad.append("%s: records\n  %s\nwant\n  %s" % (path, sorted(recs[1:]), sorted(rows)))
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([cols] + recs[1:])
    if out.getvalue() != text:
        bad.append("%s: not RFC 4180 (CRLF, minimal quoting): %r" % (path, text))
    df = pd.read_csv(path)
    if list(df.columns) != cols or len(df) != len(rows):
        bad.append("%s: pandas: %s columns, %d rows" % (path, list(df.columns), len(df)))
    elif sorted(df["Subject"].fillna("")) != sorted(r[2] for r in rows):
        bad.append("%s: pandas Subjects %s" % (path, list(df["Subject"])))
# participants sit in their meeting's period, not their local date's
for p, mid, resp, minutes in (("2022-03", "T3", "Accepted", 1.5), ("2022-04", "T4", "Declined", 1000.0)):
    path = "%s/meeting_participants/%s/meeting_participants_%s.csv" % (mnt, p, p)
    recs = list(csv.reader(open(path, newline="")))
    d = [dict(zip(recs[0], r)) for r in recs[1:]]
    if [(r["MeetingId"], r["PersonHistoricalId"], r["Response"]) for r in d] != [(mid, "H1", resp)] \
            or float(d[0]["DurationMinutesAdjusted"]) != minutes:
        bad.append("%s: %s" % (path, recs))
for p in ("2022-03", "2022-04"):
    path = "%s/person_historical/%s/person_historical_%s.csv" % (mnt, p, p)
    recs = list(csv.reader(open(path, newline="")))
    d = dict(zip(recs[0], recs[1])) if len(recs) == 2 else {}
    if d.get("Organization") != "Sales, EMEA" or d.get("EmailAddress") != h("a@x.example") \
            or d.get("StartDate") != "2021-01-01T00:00:00Z":
        bad.append("%s: %s" % (path, recs))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
if "$PY" tricky.py tmnt key >tricky.out 2>&1; then pass; else
	fail "hand-made rows:"
	cat tricky.out >&2
fi
check "hand-made rows: periods" diff <(printf '2022-03\n2022-04\n') <(ls tmnt/meetings)
unmount_fs tmnt

[ "$(dump store.db)" = "$store_before" ] && pass || fail "mounting and reading changed the store"
finish
