#!/usr/bin/env bash
# collabfs mount, field privacy: pseudonyms are the keyed HMAC of
# docs/privacy.md, the same for one value in every table, file and mount
# with one key (so joins inside a period folder work), different under
# another key; a policy lets columns and HR attributes out or hashes them;
# a key is required while anything is hashed, and must be private; every
# bad policy line refuses the mount, naming the file and line.
. "$TESTS_DIR/cli/lib.sh"
fuse_or_skip
PY=/usr/bin/python3 # Debian's python3, which has pandas

opts="--people 30 --months 2 --start 2022-01 --seed 1"
"$COLLABFS" generate -q $opts --csv csv
"$COLLABFS" import -q store.db csv
"$COLLABFS" keygen k1.key >/dev/null
"$COLLABFS" keygen k2.key >/dev/null
store_before=$(dump store.db)
mkdir mnt

# --- the key ----------------------------------------------------------------
# The built-in policy hashes e-mail addresses: no key, no mount.
expect_mount_error "built-in policy without key=" "key" store.db mnt
expect_mount_error "key file that does not exist" "nokey.key" store.db mnt -o key=nokey.key
cp k1.key open.key
chmod 0644 open.key
expect_mount_error "key file of mode 0644" "is open to other users" store.db mnt -o key=open.key
grep -F open.key err.txt >/dev/null && pass || fail "mode 0644: message does not name open.key: $(cat err.txt)"
grep -f k1.key err.txt >/dev/null && fail "the error message shows the key" || pass
printf 'not a key at all\n' >junk.key
chmod 0600 junk.key
expect_mount_error "key file that is not a key" "junk.key" store.db mnt -o key=junk.key
expect_mount_error "key= a folder" "csv" store.db mnt -o key=csv

# --- policy errors: each bad line is line 3 of its file ----------------------
# bad_policy NAME LINE EXPECTED: the mount is refused with "NAME:3:" and
# EXPECTED in a one-line message, and nothing is mounted.
bad_policy() {
	local name=$1 line=$2 want=$3
	printf '# analysts, team A\nPersonHistorical.Organization = raw\n%s\nMeetings.IsRecurring = raw\n' \
		"$line" >"$name"
	expect_mount_error "policy line '$line'" "$name:3:" store.db mnt -o "key=k1.key,policy=$name"
	grep -F -- "$want" err.txt >/dev/null && pass ||
		fail "policy line '$line': message lacks '$want': $(cat err.txt)"
}
bad_policy p_table.txt 'Meeting.Subject = raw' 'Meeting'
bad_policy p_column.txt 'Meetings.Subjct = raw' 'Subjct'
bad_policy p_value.txt 'Meetings.Subject = hidden' 'hidden'
bad_policy p_malformed.txt 'Meetings.Subject raw' 'expected'
bad_policy p_nodot.txt 'Subject = raw' 'expected'
bad_policy p_key.txt 'Meetings.MeetingId = exclude' 'MeetingId'
bad_policy p_pkey.txt 'MeetingParticipants.PersonHistoricalId = exclude' 'PersonHistoricalId'
bad_policy p_mkey.txt 'Mails.MailId = exclude' 'MailId'
bad_policy p_twice.txt 'PersonHistorical.Organization = hash' 'twice'
expect_mount_error "policy file that does not exist" "nopolicy.txt" store.db mnt \
	-o key=k1.key,policy=nopolicy.txt

# --- pseudonyms ---------------------------------------------------------------
# PersonHistoricalId hashed in every table that has it; subjects and one HR
# attribute let out; everything else as the built-in policy says.
cat >pseudo.txt <<'EOF'
# every PersonHistoricalId hashed, so the files still join
PersonHistorical.PersonHistoricalId = hash
MeetingParticipants.PersonHistoricalId = hash
MailParticipants.PersonHistoricalId = hash
CallParticipants.PersonHistoricalId = hash
InstantMessageParticipants.PersonHistoricalId = hash
FileActivities.PersonHistoricalId = hash
PersonHistorical.Region = raw   # an HR attribute
Meetings.Subject = raw
Mails.Subject = raw
EOF
# the same policy with a BOM, CRLF line ends, other case and spacing
printf '\xef\xbb\xbf' >pseudo_crlf.txt
sed -e 's/ = /\t=\t/; s/hash$/HASH/; s/^PersonHistorical\./personhistorical./' -e 's/$/\r/' \
	pseudo.txt >>pseudo_crlf.txt

mount_fs store.db m1 -o key=k1.key,policy=pseudo.txt
mount_fs store.db m1day -o key=k1.key,policy=pseudo.txt,interval=day
mount_fs store.db m2 -o key=k2.key,policy=pseudo.txt
mount_fs store.db m1crlf -o key=k1.key,policy=pseudo_crlf.txt

cat >privacy.py <<'PY'
"""The pseudonyms in three mounts of one store (m1 and m1day under key 1,
m2 under key 2) against the seed files."""
import csv, hashlib, hmac, io, os, re, sys
from collections import Counter, defaultdict

csvdir, k1, k2, m1, m1day, m2 = sys.argv[1:7]
fails = []


def fail(msg):
    fails.append(msg)
    if len(fails) <= 30:
        print("FAIL:", msg)


def key(path):
    return bytes.fromhex(open(path).read().strip())


def mac(k, v):
    return hmac.new(k, v.encode(), hashlib.sha256).hexdigest()[:32]


K1, K2 = key(k1), key(k2)
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def seed(t):
    with open(os.path.join(csvdir, t + ".csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def tree(mnt):
    """folder -> period -> (header, rows as dicts)"""
    out = defaultdict(dict)
    for folder in os.listdir(mnt):
        d = os.path.join(mnt, folder)
        if not os.path.isdir(d) or folder == "activity":  # views: mount_activity.sh
            continue
        for p in os.listdir(d):
            with open(os.path.join(d, p, "%s_%s.csv" % (folder, p)), newline="", encoding="utf-8") as f:
                recs = list(csv.reader(f))
            out[folder][p] = (recs[0], [dict(zip(recs[0], r)) for r in recs[1:]])
    return out


HR = seed("PersonHistorical")
raw_ids = {r["PersonHistoricalId"] for r in HR}
T1, TD, T2 = tree(m1), tree(m1day), tree(m2)

# headers: the seed's columns, Subject let out, Region appended, the other
# HR attributes left out
want_hr = ["PersonHistoricalId", "EmailAddress", "StartDate", "EndDate", "PopulationType",
           "ManagerId", "LevelDesignation", "Organization", "IsInternal",
           "ExternalCollaboratorId", "Region"]
for p, (h, _) in T1["person_historical"].items():
    if h != want_hr:
        fail("person_historical/%s: header %s, want %s" % (p, h, want_hr))
for p, (h, _) in T1["meetings"].items():
    if h[:3] != ["MeetingId", "ICalUid", "Subject"]:
        fail("meetings/%s: Subject not let out in its place: %s" % (p, h))
for p, (h, _) in T1["mails"].items():
    if h[:3] != ["MailId", "ConversationId", "Subject"]:
        fail("mails/%s: Subject not let out in its place: %s" % (p, h))

PARTS = {"meeting_participants": ("MeetingParticipants", "MeetingId"),
         "mail_participants": ("MailParticipants", "MailId"),
         "call_participants": ("CallParticipants", "CallRecordId"),
         "instant_message_participants": ("InstantMessageParticipants", "InstantMessageId"),
         "file_activities": ("FileActivities", "FileActivityId")}


def ids_in(T, folder):
    return [r["PersonHistoricalId"] for _, rows in T[folder].values() for r in rows]


for name, T, K in (("key 1", T1, K1), ("key 1, interval=day", TD, K1), ("key 2", T2, K2)):
    # every id is a pseudonym: 32 hex digits, never a raw id, the HMAC of it
    for folder in ["person_historical"] + list(PARTS):
        ids = ids_in(T, folder)
        if not ids:
            fail("%s: no rows in %s" % (name, folder))
        bad = [v for v in ids if not HEX32.match(v)]
        if bad:
            fail("%s: %s: PersonHistoricalId not hashed: %s" % (name, folder, bad[:3]))
        leaked = set(ids) & raw_ids
        if leaked:
            fail("%s: %s: raw ids %s" % (name, folder, sorted(leaked)[:3]))
    # person_historical: the HMAC of each HR row's id and address, Region raw
    want = {(mac(K, r["PersonHistoricalId"]), mac(K, r["EmailAddress"]), r["Region"]) for r in HR}
    got = {(r["PersonHistoricalId"], r["EmailAddress"], r.get("Region"))
           for _, rows in T["person_historical"].values() for r in rows}
    extra = got - want
    if extra:
        fail("%s: person_historical rows whose id, e-mail or Region is not the keyed HMAC "
             "of a seed row's: %s" % (name, list(extra)[:2]))
    # participant and file rows: the same pseudonym for the same person
    for folder, (t, k) in PARTS.items():
        want = Counter((r[k], mac(K, r["PersonHistoricalId"])) for r in seed(t))
        got = Counter((r[k], r["PersonHistoricalId"]) for _, rows in T[folder].values() for r in rows)
        if got != want:
            fail("%s: %s: (%s, pseudonym) pairs differ from the seed's under the key: "
                 "%d missing, %d unexpected" % (name, folder, k, len(want - got), len(got - want)))
    # joins inside each period folder: every participant is in person_historical
    for folder in PARTS:
        for p, (_, rows) in T[folder].items():
            hr = T["person_historical"].get(p)
            if hr is None:
                fail("%s: %s/%s has no person_historical/%s" % (name, folder, p, p))
                continue
            known = {r["PersonHistoricalId"] for r in hr[1]}
            lost = {r["PersonHistoricalId"] for r in rows} - known
            if lost:
                fail("%s: %s/%s: %d participants not in person_historical/%s, e.g. %s"
                     % (name, folder, p, len(lost), p, sorted(lost)[0]))

# subjects let out: exactly the seed's text (quotes, commas and all)
for folder, t, k in (("meetings", "Meetings", "MeetingId"), ("mails", "Mails", "MailId")):
    want = {r[k]: r["Subject"] for r in seed(t)}
    got = {r[k]: r["Subject"] for _, rows in T1[folder].values() for r in rows}
    bad = [k_ for k_ in want if got.get(k_) != want[k_]]
    if bad:
        fail("%s: Subject differs for %d rows, e.g. %s: %r, want %r"
             % (folder, len(bad), bad[0], got.get(bad[0]), want[bad[0]]))

# one key, one pseudonym, whatever the mount; another key, other pseudonyms
s1 = set(ids_in(T1, "person_historical"))
sd = set(ids_in(TD, "person_historical"))
s2 = set(ids_in(T2, "person_historical"))
if s1 != sd:
    fail("key 1: the monthly and the daily mount give other pseudonyms (%d vs %d ids, %d shared)"
         % (len(s1), len(sd), len(s1 & sd)))
if s1 & s2:
    fail("keys 1 and 2 share %d pseudonyms" % len(s1 & s2))
if len(s1) != len(raw_ids) or len(s2) != len(raw_ids):
    fail("%d raw ids, but %d pseudonyms under key 1 and %d under key 2" % (len(raw_ids), len(s1), len(s2)))
# keyed, not a bare hash of the value
bare = {hashlib.sha256(v.encode()).hexdigest()[:32] for v in raw_ids}
bare |= {hashlib.md5(v.encode()).hexdigest() for v in raw_ids}
if (s1 | s2) & bare:
    fail("pseudonyms are bare hashes of the ids")
print("%d ids checked in 3 mounts; %d problems" % (len(raw_ids), len(fails)))
sys.exit(1 if fails else 0)
PY
if "$PY" privacy.py csv k1.key k2.key m1 m1day m2 >privacy.out 2>&1; then pass; else
	fail "pseudonyms:"
	head -n 30 privacy.out >&2
fi
# A value has no other pseudonym in another file: a participant's pseudonym
# is found verbatim in the same period's person_historical file.
p=$(head -n 2 m1/meeting_participants/2022-01/meeting_participants_2022-01.csv | tail -n 1 | cut -d, -f2)
[ ${#p} -eq 32 ] && grep -F "$p" m1/person_historical/2022-01/person_historical_2022-01.csv >/dev/null && pass ||
	fail "meeting participant '$p' of 2022-01 is not in person_historical/2022-01"
grep -F "$p" m2/person_historical/2022-01/person_historical_2022-01.csv >/dev/null &&
	fail "key 2 gives the same pseudonym $p" || pass
# the same policy written otherwise (BOM, CRLF, case, tabs) gives the same bytes
check "policy with BOM, CRLF, other case: same files" diff -r -x README.txt m1 m1crlf
for m in m1 m1day m2 m1crlf; do unmount_fs $m; done

# --- a policy that hashes nothing needs no key ---------------------------------
cat >nohash.txt <<'EOF'
PersonHistorical.EmailAddress = raw
PersonHistorical.ExternalCollaboratorId = exclude
Meetings.ICalUid = raw
EOF
mount_fs store.db mnt -o policy=nohash.txt
f=mnt/person_historical/2022-01/person_historical_2022-01.csv
head -n 1 "$f" | grep '^PersonHistoricalId,EmailAddress,StartDate,EndDate,PopulationType,ManagerId,LevelDesignation,Organization,IsInternal'$'\r''$' >/dev/null &&
	pass || fail "nohash policy: person_historical header $(head -n 1 "$f")"
grep -F "$(sed -n 2p csv/PersonHistorical.csv | cut -d, -f2)" "$f" >/dev/null && pass ||
	fail "EmailAddress = raw: the address is not in $f"
unmount_fs mnt
# ... but a policy that hashes one column does
echo 'Meetings.ICalUid = hash' >onehash.txt
printf 'PersonHistorical.EmailAddress = raw\nPersonHistorical.ExternalCollaboratorId = exclude\n' >>onehash.txt
expect_mount_error "a policy that hashes, without key=" "key" store.db mnt -o policy=onehash.txt

[ "$(dump store.db)" = "$store_before" ] && pass || fail "the store changed"
finish
