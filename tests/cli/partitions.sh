#!/usr/bin/env bash
# collabfs mount and sync with -o partitions=FILE,partition=NAME
# (docs/partitions.md), written from the documentation alone.
#
# What is checked:
#  - a hand-made store (below) with known answers: an HR change in the
#    middle of February moves mo from NA (PH-mo-1) into EMEA (PH-mo-2); his
#    events under PH-mo-1 are out of [emea], those under PH-mo-2 in; a
#    meeting, mail, call and message with members and non-members is kept
#    whole with the members' participant rows only; one with no member is
#    gone; January has activity of non-members only, so [emea] has no
#    January folder anywhere;
#  - partcheck.py: every partition tree equals the whole population's tree
#    of the same store and options, filtered by the member HR rows (which
#    this script works out itself from the CSV files or with sqlite3),
#    ManagerId emptied, periods without rows gone; no value of a non-member
#    (raw id, e-mail, pseudonyms of the whole tree) anywhere in the tree;
#  - a partition with no members shows README.txt alone;
#  - each error of the partitions file, refused at start by mount and sync
#    with the file name and line;
#  - sync to Azurite gives the mount's bytes; stat sizes equal bytes read;
#  - activity views of a generated store: the members' PersonIds, People of
#    the organization row, department rows and min_group, per-user metrics
#    of members equal to the whole population's;
#  - two partitions mounted at once differ; the whole population's mount
#    is unchanged; a changed section does not reuse cached facts;
#  - refreshes that move people into and out of the partition (corrected HR
#    rows) show in a live mount (folders appear and vanish, sizes exact) and
#    in an incremental sync (--delete), which again equals the mount.
# Membership is never taken from collabfs: it is worked out here from the
# CSV files (hand-made store) or with sqlite3 (generated store).
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/azure/lib.sh"
fuse_or_skip
PY=/usr/bin/python3 # Debian's python3, which has pandas
azurite_start

# ---------------------------------------------------------------------------
# The hand-made store.  Months 2022-01 .. 2022-03 (interval month).
#   ann  PH-ann   EMEA  Engineering
#   bob  PH-bob   EMEA  Sales
#   cat  PH-cat   NA    Engineering
#   dan  PH-dan   APAC  Engineering
#   mo   PH-mo-1  NA    Sales  until 2022-02-14T23:59:59Z (EndDate inclusive)
#        PH-mo-2  EMEA  Sales  from  2022-02-15 (same e-mail: one person)
#   xena PH-xt    external collaborator, no e-mail, Region empty
# [emea] members (HR rows): PH-ann PH-bob PH-mo-2.
# January: MT-jan, ML-jan, CL-jan, IM-jan, FA-jan: cat and dan only.
# February:
#   MT-mix ann, cat, PH-mo-1, xena   -> kept, ann's row only
#   MT-out cat, dan, PH-mo-1         -> gone (mo's event before the move)
#   MT-mo2 PH-mo-2, cat              -> kept, PH-mo-2's row only
#   ML-old PH-mo-1 -> cat            -> gone
#   ML-new PH-mo-2 -> ann, dan       -> kept, PH-mo-2 and ann
#   CL-mix ann, dan                  -> kept, ann
#   CL-out cat, dan                  -> gone
#   CL-edge cat from 2022-02-28T23:50Z, ann from 2022-03-01T00:05Z: placed
#          in February by its earliest start (cat's) -> kept, in February,
#          with ann's row (in February: participants sit in their parent's
#          period)
#   IM-old PH-mo-1 -> cat            -> gone
#   IM-bob bob -> dan                -> kept, bob
#   FA-old PH-mo-1, FA-cat cat       -> gone; FA-new PH-mo-2 -> kept
# March: MT-mar ann, bob             -> kept, both
mkdir hand
cat >hand/PersonHistorical.csv <<'EOF'
PersonHistoricalId,EmailAddress,StartDate,EndDate,PopulationType,ManagerId,LevelDesignation,Organization,IsInternal,ExternalCollaboratorId,FunctionType,Region
PH-ann,ann@corp.test,2020-01-01T00:00:00Z,,MeasuredEmployee,MGR-1,Senior,Engineering,True,,Software Engineering,EMEA
PH-bob,bob@corp.test,2020-01-01T00:00:00Z,,MeasuredEmployee,MGR-1,Junior,Sales,True,,Account Management,EMEA
PH-cat,cat@corp.test,2020-01-01T00:00:00Z,,MeasuredEmployee,MGR-2,Senior,Engineering,True,,Software Engineering,NA
PH-dan,dan@corp.test,2020-01-01T00:00:00Z,,MeasuredEmployee,MGR-2,Junior,Engineering,True,,Design,APAC
PH-mo-1,mo@corp.test,2020-01-01T00:00:00Z,2022-02-14T23:59:59Z,MeasuredEmployee,MGR-2,Junior,Sales,True,,Account Management,NA
PH-mo-2,mo@corp.test,2022-02-15T00:00:00Z,,MeasuredEmployee,MGR-1,Senior,Sales,True,,Account Management,EMEA
PH-xt,,2021-06-01T00:00:00Z,,ExternalCollaborator,,,,False,xena@partner.test,,
EOF
cat >hand/Meetings.csv <<'EOF'
MeetingId,ICalUid,Subject,IsRecurring,IsCanceled,StartTime,DurationMinutes,TotalAccept,TotalAttendees
MT-jan,UID-jan,January,False,False,2022-01-12T15:00:00Z,30,2,2
MT-mix,UID-mix,Mixed,False,False,2022-02-10T15:00:00Z,60,4,4
MT-out,UID-out,Outsiders,False,False,2022-02-10T17:00:00Z,30,3,3
MT-mo2,UID-mo2,After the move,False,False,2022-02-20T15:00:00Z,30,2,2
MT-mar,UID-mar,March,False,False,2022-03-03T15:00:00Z,30,2,2
EOF
cat >hand/MeetingParticipants.csv <<'EOF'
MeetingId,PersonHistoricalId,LocalStartTime,IsOrganizer,IsDoubleBooked,Response
MT-jan,PH-cat,2022-01-12T10:00:00-05:00,True,False,Accepted
MT-jan,PH-dan,2022-01-12T23:00:00+08:00,False,False,Accepted
MT-mix,PH-ann,2022-02-10T16:00:00+01:00,True,False,Accepted
MT-mix,PH-cat,2022-02-10T10:00:00-05:00,False,False,Accepted
MT-mix,PH-mo-1,2022-02-10T10:00:00-05:00,False,False,Accepted
MT-mix,PH-xt,2022-02-10T15:00:00Z,False,False,Accepted
MT-out,PH-cat,2022-02-10T12:00:00-05:00,True,False,Accepted
MT-out,PH-dan,2022-02-11T01:00:00+08:00,False,False,Accepted
MT-out,PH-mo-1,2022-02-10T12:00:00-05:00,False,False,Accepted
MT-mo2,PH-mo-2,2022-02-20T16:00:00+01:00,True,False,Accepted
MT-mo2,PH-cat,2022-02-20T10:00:00-05:00,False,False,Accepted
MT-mar,PH-ann,2022-03-03T16:00:00+01:00,True,False,Accepted
MT-mar,PH-bob,2022-03-03T16:00:00+01:00,False,False,Accepted
EOF
cat >hand/Mails.csv <<'EOF'
MailId,ConversationId,Subject,SentTime,SenderTimeSpentinMinutes,NumberOfRecipients
ML-jan,CV-1,January,2022-01-13T10:00:00Z,6,1
ML-old,CV-2,Before,2022-02-05T10:00:00Z,6,1
ML-new,CV-3,After,2022-02-21T10:00:00Z,6,2
EOF
cat >hand/MailParticipants.csv <<'EOF'
MailId,PersonHistoricalId,IsSender,LocalSentTime,PersonTimeSpentInHours,PersonTimeSpentInMinutes
ML-jan,PH-cat,True,2022-01-13T05:00:00-05:00,0.1,
ML-jan,PH-dan,False,2022-01-13T18:00:00+08:00,0.1,
ML-old,PH-mo-1,True,2022-02-05T05:00:00-05:00,0.1,
ML-old,PH-cat,False,2022-02-05T05:00:00-05:00,0.1,
ML-new,PH-mo-2,True,2022-02-21T11:00:00+01:00,0.1,
ML-new,PH-ann,False,2022-02-21T11:00:00+01:00,0.1,
ML-new,PH-dan,False,2022-02-21T18:00:00+08:00,0.1,
EOF
cat >hand/Calls.csv <<'EOF'
CallRecordId,MeetingId,AppName,IsScheduledCall,TotalParticipants,InteractionType
CL-jan,,Teams,False,2,Joined
CL-mix,,Teams,False,2,Joined
CL-out,,Teams,False,2,Joined
CL-edge,,Teams,False,2,Joined
EOF
cat >hand/CallParticipants.csv <<'EOF'
CallRecordId,PersonHistoricalId,IsOrganizer,LocalStartTime,LocalEndTime
CL-jan,PH-cat,True,2022-01-14T05:00:00-05:00,2022-01-14T05:30:00-05:00
CL-jan,PH-dan,False,2022-01-14T18:00:00+08:00,2022-01-14T18:30:00+08:00
CL-mix,PH-ann,True,2022-02-11T11:00:00+01:00,2022-02-11T11:30:00+01:00
CL-mix,PH-dan,False,2022-02-11T18:00:00+08:00,2022-02-11T18:30:00+08:00
CL-out,PH-cat,True,2022-02-12T05:00:00-05:00,2022-02-12T05:30:00-05:00
CL-out,PH-dan,False,2022-02-12T18:00:00+08:00,2022-02-12T18:30:00+08:00
CL-edge,PH-cat,True,2022-02-28T18:50:00-05:00,2022-02-28T19:30:00-05:00
CL-edge,PH-ann,False,2022-03-01T01:05:00+01:00,2022-03-01T01:30:00+01:00
EOF
cat >hand/InstantMessages.csv <<'EOF'
InstantMessageId,AppName,SentTime,InteractionType,TotalParticipants
IM-jan,Teams,2022-01-15T10:00:00Z,OneOnOneChat,2
IM-old,Teams,2022-02-13T10:00:00Z,OneOnOneChat,2
IM-bob,Teams,2022-02-22T10:00:00Z,OneOnOneChat,2
EOF
cat >hand/InstantMessageParticipants.csv <<'EOF'
InstantMessageId,PersonHistoricalId,isAfterHours,IsSender,LocalSentTime,SenderTimeSpentInMinutes
IM-jan,PH-cat,False,True,2022-01-15T05:00:00-05:00,6
IM-jan,PH-dan,True,False,2022-01-15T18:00:00+08:00,6
IM-old,PH-mo-1,False,True,2022-02-13T05:00:00-05:00,6
IM-old,PH-cat,False,False,2022-02-13T05:00:00-05:00,6
IM-bob,PH-bob,False,True,2022-02-22T11:00:00+01:00,6
IM-bob,PH-dan,True,False,2022-02-22T18:00:00+08:00,6
EOF
cat >hand/FileActivities.csv <<'EOF'
FileActivityId,FileId,PersonHistoricalId,Action,AppName,LocalTime
FA-jan,DOC-1,PH-cat,Created,Word,2022-01-16T10:00:00-05:00
FA-old,DOC-2,PH-mo-1,Edited,Excel,2022-02-09T10:00:00-05:00
FA-new,DOC-2,PH-mo-2,Viewed,Excel,2022-02-23T10:00:00+01:00
FA-cat,DOC-1,PH-cat,Viewed,Word,2022-02-23T10:00:00-05:00
EOF
"$COLLABFS" import -q h.db hand
"$COLLABFS" keygen key >/dev/null
K="key=$T/key"
hand_before=$(dump h.db)

# The partitions file: comments, spacing, section names with - _ .
cat >parts.ini <<'EOF'
# Partitions for the test.  Comments start with # or ;
; a second comment

[emea]
Region = EMEA

[emea-eng]
Region = EMEA
Organization = Engineering

[emea_spaced.v1]
   Region    =    EMEA   

[emea-lower]
Region = emea

[nobody]
Region = Atlantis

[quote]
Region = EMEA' OR '1'='1

[noregion]
Region =

[external]
IsInternal = False

[since-feb15]
StartDate = 2022-02-15T00:00:00Z

[apac]
Region = APAC

[na]
Region = NA
EOF
# members SECTION: the member HR rows of a section of parts.ini, worked out
# here from hand/PersonHistorical.csv (every line must match, exactly, the
# value as the CSV file writes it; an empty value matches an empty field)
members() {
	"$PY" - "$1" <<'PY'
import csv, sys
sec, rules, cur = sys.argv[1], {}, None
for line in open("parts.ini"):
    line = line.strip()
    if not line or line[0] in "#;":
        continue
    if line.startswith("["):
        cur = line[1:-1]
        rules[cur] = {}
    else:
        a, v = line.split("=", 1)
        rules[cur][a.strip()] = v.strip()
for r in csv.DictReader(open("hand/PersonHistorical.csv", newline="")):
    if all(r[a] == v for a, v in rules[sec].items()):
        print(r["PersonHistoricalId"])
PY
}
for s in emea emea-eng emea_spaced.v1 emea-lower nobody quote noregion external since-feb15 apac na; do
	members "$s" >"members.$s"
done
check "hand-made data: [emea] members are PH-ann PH-bob PH-mo-2" \
	test "$(sort members.emea | tr '\n' ' ')" = "PH-ann PH-bob PH-mo-2 "
check "hand-made data: [noregion] and [external] are xena's row" \
	test "$(cat members.noregion members.external | tr '\n' ' ')" = "PH-xt PH-xt "

cat >partcheck.py <<'PY'
"""A partition's tree against the whole population's, per docs/partitions.md.

usage: partcheck.py WHOLE CHECK...   where CHECK is one of
       tree:PART:MEMBERS
           the tree PART equals the tree WHOLE (same store and options, no
           partition) filtered by the member HR rows (MEMBERS: a file, one
           PersonHistoricalId a line): participant and file rows of members,
           parent rows in which a member took part (whole), members' HR rows
           with ManagerId empty, a period folder only where rows are left,
           the activity folder where a raw table has a period; no value
           tied to a non-member anywhere in PART.
       activity:PART:MEMBERS:MIN_GROUP
           the activity views of PART: PersonIds, the organization and
           department rows (People, min_group, complementary suppression),
           and each whole member's row equal to the whole population's.
"""
import csv, io, os, sys

whole = sys.argv[1]
fails = []


def fail(msg):
    fails.append(msg)
    if len(fails) <= 40:
        print("FAIL:", msg, flush=True)


PARENT = {"meeting_participants": ("meetings", "MeetingId"),
          "mail_participants": ("mails", "MailId"),
          "call_participants": ("calls", "CallRecordId"),
          "instant_message_participants": ("instant_messages", "InstantMessageId")}
RAW = ["person_historical", "meetings", "meeting_participants", "mails", "mail_participants",
       "calls", "call_participants", "instant_messages", "instant_message_participants",
       "file_activities"]


def load(mnt):
    """{folder: {period: {file: bytes}}}, and the root's plain files."""
    tree, root = {}, {}
    for e in sorted(os.listdir(mnt)):
        d = os.path.join(mnt, e)
        if not os.path.isdir(d):
            root[e] = open(d, "rb").read()
            continue
        tree[e] = {}
        for p in sorted(os.listdir(d)):
            tree[e][p] = {f: open(os.path.join(d, p, f), "rb").read()
                          for f in sorted(os.listdir(os.path.join(d, p)))}
    return tree, root


def parse(b):
    return list(csv.reader(io.StringIO(b.decode("utf-8"), newline="")))


def ser(rows):
    s = io.StringIO()
    csv.writer(s, lineterminator="\r\n").writerows(rows)
    return s.getvalue().encode("utf-8")


def one(tree, folder, p):
    return tree[folder][p]["%s_%s.csv" % (folder, p)]


W, WROOT = load(whole)
WP = {}  # parsed files of the whole tree, on demand


def wrows(folder, p):
    if (folder, p) not in WP:
        b = one(W, folder, p)
        rows = parse(b)
        if ser(rows) != b:
            fail("%s/%s: the whole tree's file is not re-written byte for byte by "
                 "Python's csv module; the comparison below would be wrong" % (folder, p))
        WP[folder, p] = rows
    return WP[folder, p]


def expected(members):
    """{folder: {period: bytes}} of the partition, from the whole tree."""
    exp, kept_keys = {}, {}
    for folder in list(PARENT) + ["file_activities"]:
        for p in W.get(folder, {}):
            rows = wrows(folder, p)
            i = rows[0].index("PersonHistoricalId")
            keep = [r for r in rows[1:] if r[i] in members]
            if keep:
                exp.setdefault(folder, {})[p] = ser([rows[0]] + keep)
            if folder in PARENT:
                kept_keys.setdefault(folder, set()).update(r[0] for r in keep)
    for child, (parent, key) in PARENT.items():
        keys = kept_keys.get(child, set())
        for p in W.get(parent, {}):
            rows = wrows(parent, p)
            i = rows[0].index(key)
            keep = [r for r in rows[1:] if r[i] in keys]
            if keep:
                exp.setdefault(parent, {})[p] = ser([rows[0]] + keep)
    periods = set()
    for folder in exp:
        periods |= set(exp[folder])
    for p in sorted(periods):
        if p not in W.get("person_historical", {}):
            continue
        rows = wrows("person_historical", p)
        i, m = rows[0].index("PersonHistoricalId"), rows[0].index("ManagerId")
        keep = [r[:m] + [""] + r[m + 1:] for r in rows[1:] if r[i] in members]
        if keep:
            exp.setdefault("person_historical", {})[p] = ser([rows[0]] + keep)
    return exp, periods


def first_diff(a, b):
    la, lb = a.split(b"\r\n"), b.split(b"\r\n")
    for n, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return "line %d: got %r, want %r" % (n + 1, x[:160], y[:160])
    return "got %d lines, want %d" % (len(la), len(lb))


def tokens(b):
    out = set()
    try:
        for r in parse(b):
            out.update(r)
    except Exception:
        pass
    out.update(b.decode("utf-8", "replace").split())
    return out


def check_tree(part, members):
    P, PROOT = load(part)
    exp, periods = expected(members)
    if set(PROOT) != {"README.txt"}:
        fail("%s: root files %s, want README.txt" % (part, sorted(PROOT)))
    want_folders = set(exp) | ({"activity"} if periods else set())
    if set(P) != want_folders:
        fail("%s: folders %s, want %s" % (part, sorted(P), sorted(want_folders)))
    for folder in RAW:
        got, want = P.get(folder, {}), exp.get(folder, {})
        if set(got) != set(want):
            fail("%s/%s: periods %s, want %s" % (part, folder, sorted(got), sorted(want)))
        for p in set(got) & set(want):
            files = sorted(got[p])
            if files != ["%s_%s.csv" % (folder, p)]:
                fail("%s/%s/%s: files %s" % (part, folder, p, files))
                continue
            if one(P, folder, p) != want[p]:
                fail("%s/%s/%s: not the whole tree's rows of the members: %s"
                     % (part, folder, p, first_diff(one(P, folder, p), want[p])))
    if set(P.get("activity", {})) != periods:
        fail("%s/activity: periods %s, want those of the raw tables %s"
             % (part, sorted(P.get("activity", {})), sorted(periods)))
    for p, files in P.get("activity", {}).items():
        want = sorted("activity_by_%s_%s.csv" % (v, p) for v in ("department", "organization", "user"))
        if sorted(files) != want:
            fail("%s/activity/%s: files %s, want %s" % (part, p, sorted(files), want))
    # no value tied to a non-member: raw HR ids, pseudonyms (as the whole
    # tree writes them) of their e-mail and external id, ManagerIds, and
    # keys of parent rows without a member (but a kept call names its
    # meeting, whoever took part in that: Calls.MeetingId is not scanned)
    member_mail, forbidden, meeting_keys = set(), {}, set()
    hr = {}
    for p in W.get("person_historical", {}):
        rows = wrows("person_historical", p)
        h = rows[0]
        for r in rows[1:]:
            hr[r[h.index("PersonHistoricalId")]] = dict(zip(h, r))
    for i, r in hr.items():
        if i in members and r["EmailAddress"]:
            member_mail.add(r["EmailAddress"])
    for i, r in hr.items():
        if r["ManagerId"] and r["ManagerId"] not in members:
            forbidden[r["ManagerId"]] = "a ManagerId"
        if i in members:
            continue
        forbidden[i] = "the HR id of a non-member row"
        if r["EmailAddress"] and r["EmailAddress"] not in member_mail:
            forbidden[r["EmailAddress"]] = "the e-mail pseudonym of %s" % i
        if r["ExternalCollaboratorId"]:
            forbidden[r["ExternalCollaboratorId"]] = "the external id of %s" % i
    kept_uids = set()
    for p in exp.get("meetings", {}):
        rows = parse(exp["meetings"][p])
        kept_uids.update(r[rows[0].index("ICalUid")] for r in rows[1:])
    for child, (parent, key) in PARENT.items():
        kept = set()
        for p in exp.get(parent, {}):
            kept.update(r[0] for r in parse(exp[parent][p])[1:])
        for p in W.get(parent, {}):
            rows = wrows(parent, p)
            for r in rows[1:]:
                if r[0] not in kept:
                    forbidden[r[0]] = "the key of a %s row without member" % parent
                    if parent == "meetings":
                        meeting_keys.add(r[0])
                    for c, v in zip(rows[0], r):
                        # occurrences of one recurring meeting share it
                        if c == "ICalUid" and v and v not in kept_uids:
                            forbidden[v] = "the ICalUid pseudonym of %s" % r[0]
    forbidden.pop("", None)
    for folder, ps in P.items():
        for p, files in ps.items():
            for f, b in files.items():
                found = tokens(b) & set(forbidden)
                if folder == "calls":
                    found -= meeting_keys
                for v in sorted(found):
                    fail("%s/%s/%s/%s holds %r, %s" % (part, folder, p, f, v, forbidden[v]))
    for f, b in PROOT.items():
        for v in sorted(tokens(b) & set(forbidden)):
            fail("%s/%s holds %r, %s" % (part, f, v, forbidden[v]))
    return len(forbidden)


def mg_shown(people, mg):
    """docs/activity.md: the departments shown, after complementary suppression."""
    shown = {d for d, n in people.items() if n >= mg}
    hidden = sum(n for d, n in people.items() if d not in shown)
    while 0 < hidden < mg and shown:
        d = min(shown, key=lambda d: (people[d], d))
        shown.discard(d)
        hidden += people[d]
    return shown


def check_activity(part, members, mg):
    P, _ = load(part)
    whole_rows_compared = 0
    for p in sorted(P.get("activity", {})):
        hrp = wrows("person_historical", p)
        h = hrp[0]
        rows = [dict(zip(h, r)) for r in hrp[1:]]
        measured = [r for r in rows if r["PopulationType"] in ("MeasuredEmployee", "")]

        def person(r):
            return r["EmailAddress"] or r["PersonHistoricalId"]
        people = {person(r) for r in measured if r["PersonHistoricalId"] in members}
        whole_members = {person(r) for r in measured} - {
            person(r) for r in measured if r["PersonHistoricalId"] not in members}
        files = P["activity"][p]
        user = parse(files["activity_by_user_%s.csv" % p])
        ids = [r[0] for r in user[1:]]
        if sorted(ids) != sorted(people):
            fail("%s/activity/%s: user view has %d PersonIds, want the %d measured members; "
                 "%d unexpected, %d missing" % (part, p, len(ids), len(people),
                                                len(set(ids) - people), len(people - set(ids))))
        # the same set as the partition's own person_historical file
        if "person_historical" in P and p in P["person_historical"]:
            ph = parse(one(P, "person_historical", p))
            own = {r[ph[0].index("EmailAddress")] or r[0] for r in ph[1:]
                   if r[ph[0].index("PopulationType")] in ("MeasuredEmployee", "")}
            if own != set(ids):
                fail("%s/activity/%s: PersonIds differ from the measured e-mails of the "
                     "partition's person_historical/%s" % (part, p, p))
        # a person all of whose HR rows of the period are members: the same
        # row as in the whole population's view
        wu = parse(W["activity"][p]["activity_by_user_%s.csv" % p])
        if wu[0] != user[0]:
            fail("%s/activity/%s: user view header differs from the whole one's" % (part, p))
        wmap = {r[0]: r for r in wu[1:]}
        for r in user[1:]:
            if r[0] in whole_members:
                whole_rows_compared += 1
                if wmap.get(r[0]) != r:
                    fail("%s/activity/%s: member %s: %s, whole population: %s"
                         % (part, p, r[0], r, wmap.get(r[0])))
        org = parse(files["activity_by_organization_%s.csv" % p])
        if len(people) >= mg:
            if len(org) != 2 or org[1][org[0].index("People")] != str(len(people)):
                fail("%s/activity/%s: organization view %s, want one row with People %d"
                     % (part, p, org[1:], len(people)))
        elif len(org) != 1:
            fail("%s/activity/%s: %d people < min_group %d, but the organization view "
                 "has rows: %s" % (part, p, len(people), mg, org[1:]))
        dept = {}
        for r in measured:
            if r["PersonHistoricalId"] in members:
                dept.setdefault(r["Organization"], set()).add(person(r))
        dcount = {d: len(s) for d, s in dept.items()}
        shown = mg_shown(dcount, mg)
        dv = parse(files["activity_by_department_%s.csv" % p])
        got = {r[1]: int(r[2]) for r in dv[1:]}
        if got != {d: dcount[d] for d in shown}:
            fail("%s/activity/%s: department rows (Organization: People) %s, want %s"
                 % (part, p, got, {d: dcount[d] for d in shown}))
    return whole_rows_compared


n = 0
for arg in sys.argv[2:]:
    a = arg.split(":")
    members = {l.strip() for l in open(a[2]) if l.strip()}
    if a[0] == "tree":
        n = check_tree(a[1], members)
        print("%s: %d members, %d forbidden values looked for" % (a[1], len(members), n))
    else:
        n = check_activity(a[1], members, int(a[3]))
        print("%s: %d members' user rows equal the whole population's" % (a[1], n))
        if n == 0:
            fail("%s: no member's user row compared with the whole population's" % a[1])
sys.exit(1 if fails else 0)
PY
# partcheck WHOLE tree:PART:MEMBERS|activity:PART:MEMBERS:MG...: one pass or
# one fail (with its lines)
partcheck() {
	local out=partcheck.$((++pc_n)).out
	if "$PY" partcheck.py "$@" >"$out" 2>&1; then pass; else
		fail "partcheck $* (see below)"
		head -n 40 "$out" >&2
	fi
}
pc_n=0
# sizes_ok DIR: for every file, stat's size (taken before any read) is the
# number of bytes read
sizes_ok() {
	local f size got bad=0 n=0
	while IFS= read -r f; do
		n=$((n + 1))
		size=$(stat -c %s "$f")
		got=$(wc -c <"$f")
		[ "$size" -eq "$got" ] || { bad=$((bad + 1)) && echo "  $f: stat $size, read $got" >&2; }
	done < <(find "$1" -type f | sort)
	check "$1: stat size = bytes read for all $n files" test "$bad" -eq 0 -a "$n" -gt 0
}
not() { ! "$@"; }
# sums DIR: the SHA-256 of every file of the tree, by path
sums() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}
# field DIR FOLDER PERIOD COLUMN: that column of every row (in order), one a line
field() {
	local f=$1/$2/$3/$2_$3.csv
	[ -f "$f" ] || return 0
	"$PY" -c 'import csv, sys
r = list(csv.reader(open(sys.argv[1], newline="")))
i = r[0].index(sys.argv[2])
print("\n".join(x[i] for x in r[1:]))' "$f" "$4"
}
# pairs DIR FOLDER PERIOD: "key/PersonHistoricalId" of every row, space-separated
pairs() {
	local f=$1/$2/$3/$2_$3.csv
	[ -f "$f" ] || return 0
	tail -n +2 "$f" | tr -d '\r' | cut -d, -f1,2 | tr ',\n' '/ '
}

# unmount_together DIR...: unmount_fs for each, their daemons exiting in
# parallel (each takes about a second to go)
unmount_together() {
	local d
	for d in "$@"; do fusermount3 -u "$d" 2>/dev/null || true; done
	for d in "$@"; do unmount_fs "$d"; done
}

# ---------------------------------------------------------------------------
# 1, 2, 3: the hand-made store, the whole population and [emea]
P="partitions=parts.ini,partition" # relative file name: resolved at start
mount_fs h.db whole -o "$K"
sums whole >whole.sums
sizes_ok whole
# the whole tree is what the data says, so that the checks below can fail
check "whole: January exists" test -d whole/meetings/2022-01
check "whole: ManagerId written" test "$(field whole person_historical 2022-02 ManagerId | sort -u | tr '\n' ' ')" = " MGR-1 MGR-2 "
mount_fs h.db emea -o "$K,$P=emea"
sizes_ok emea

# 1: mo's HR change on 2022-02-15 moves him into [emea]
check "emea: person_historical/2022-02 holds PH-ann PH-bob PH-mo-2 (not PH-mo-1)" \
	test "$(field emea person_historical 2022-02 PersonHistoricalId | tr '\n' ' ')" = "PH-ann PH-bob PH-mo-2 "
check "emea: mo's file event before the move (FA-old) is out, after (FA-new) in" \
	test "$(field emea file_activities 2022-02 FileActivityId | tr '\n' ' ')" = "FA-new "
check "emea: mo's meeting before the move with no member (MT-out) is gone, after (MT-mo2) kept" \
	test "$(field emea meetings 2022-02 MeetingId | tr '\n' ' ')" = "MT-mix MT-mo2 "
check "emea: mo's mail before the move (ML-old) is gone, after (ML-new) kept" \
	test "$(field emea mails 2022-02 MailId | tr '\n' ' ')" = "ML-new "
check "emea: mo's message before the move (IM-old) is gone; bob's (IM-bob) kept" \
	test "$(field emea instant_messages 2022-02 InstantMessageId | tr '\n' ' ')" = "IM-bob "
# 2: members' participant rows only; parents with no member gone
check "emea: meeting_participants/2022-02 = ann in MT-mix, PH-mo-2 in MT-mo2" \
	test "$(pairs emea meeting_participants 2022-02)" = "MT-mix/PH-ann MT-mo2/PH-mo-2 "
check "emea: meeting MT-mix kept whole (TotalAttendees 4, as the source wrote it)" \
	test "$(field emea meetings 2022-02 TotalAttendees | head -n 1)" = 4
check "emea: mail_participants/2022-02 = ML-new's PH-mo-2 and ann (not dan)" \
	test "$(pairs emea mail_participants 2022-02 | tr ' ' '\n' | sort | tr '\n' ' ')" = "ML-new/PH-ann ML-new/PH-mo-2 "
check "emea: calls/2022-02 = CL-mix and CL-edge (placed by cat's earlier start); CL-out gone" \
	test "$(field emea calls 2022-02 CallRecordId | sort | tr '\n' ' ')" = "CL-edge CL-mix "
check "emea: call_participants/2022-02 = ann's rows of CL-mix and CL-edge" \
	test "$(pairs emea call_participants 2022-02 | tr ' ' '\n' | sort | tr '\n' ' ')" = "CL-edge/PH-ann CL-mix/PH-ann "
check "emea: no call_participants/2022-03 (ann's CL-edge row sits in its call's period)" \
	test ! -e emea/call_participants/2022-03
check "emea: instant_message_participants/2022-02 = bob's row of IM-bob" \
	test "$(pairs emea instant_message_participants 2022-02)" = "IM-bob/PH-bob "
check "emea: meeting_participants/2022-03 = ann and bob in MT-mar" \
	test "$(pairs emea meeting_participants 2022-03)" = "MT-mar/PH-ann MT-mar/PH-bob "
# 4: January holds non-members' activity only: no January folder anywhere
check "emea: no folder for 2022-01 ($(cd emea && find . -name '2022-01*' | tr '\n' ' '))" \
	test -z "$(cd emea && find . -name '2022-01*')"
check "emea: periods 2022-02 and 2022-03 in activity" \
	test "$(ls emea/activity | tr '\n' ' ')" = "2022-02 2022-03 "
# 3: ManagerId empty; no non-member value, raw or hashed
check "emea: ManagerId is empty in every person_historical row" \
	test "$(cat <(field emea person_historical 2022-02 ManagerId) <(field emea person_historical 2022-03 ManagerId) | sort -u | tr '\n' ' ')" = " "
leaks=(PH-cat PH-dan PH-mo-1 PH-xt cat@corp.test dan@corp.test xena@partner.test MGR-1 MGR-2
	MT-jan MT-out ML-jan ML-old CL-jan CL-out IM-jan IM-old FA-jan FA-old FA-cat UID-)
# pseudonyms of non-members' values as the whole population's tree writes them
hid() { awk -F, -v id="$2" '$1 == id { print $c }' c="$3" "$1" | tr -d '\r'; }
wph=whole/person_historical/2022-02/person_historical_2022-02.csv
hashes=("$(hid "$wph" PH-cat 2)" "$(hid "$wph" PH-dan 2)" "$(hid "$wph" PH-xt 10)"
	"$(hid whole/meetings/2022-01/meetings_2022-01.csv MT-jan 2)"
	"$(hid whole/meetings/2022-02/meetings_2022-02.csv MT-out 2)")
bad=0
for h in "${hashes[@]}"; do [[ $h =~ ^[0-9a-f]{32}$ ]] || bad=1; done
check "whole: 5 non-member pseudonyms found (${hashes[*]})" test "$bad" -eq 0
for v in "${leaks[@]}" "${hashes[@]}"; do
	if grep -rlF -- "$v" emea >grep.out; then
		fail "emea: non-member value '$v' in $(tr '\n' ' ' <grep.out)"
	else pass; fi
done
# the same, for every partition below, by partcheck.py (the whole tree
# filtered by the members, and a scan of every value of every file)
partcheck whole tree:emea:members.emea activity:emea:members.emea:5
# mo's activity in February under [emea] counts his PH-mo-2 events alone:
# MT-mo2 (0.5 h), ML-new sent, FA-new; the whole population's has MT-mix,
# MT-out and MT-mo2, ML-old and ML-new, IM-old, FA-old and FA-new.
mo=$(hid "$wph" PH-mo-2 2)
ucol() { # ucol DIR PERSONID COLUMN: the user view of 2022-02
	"$PY" -c 'import csv, sys
r = list(csv.reader(open(sys.argv[1], newline="")))
print(" ".join(x[r[0].index(sys.argv[3])] for x in r[1:] if x[0] == sys.argv[2]))' \
		"$1/activity/2022-02/activity_by_user_2022-02.csv" "$2" "$3"
}
check "emea: mo's February Meetings, Emails_sent, Chats_sent, File_events = 1 1 0 1" \
	test "$(for c in Meetings Emails_sent Chats_sent File_events Meeting_hours; do ucol emea "$mo" $c; done | tr '\n' ' ')" = "1 1 0 1 0.5000 "
check "whole: mo's February Meetings, Emails_sent, Chats_sent, File_events = 3 2 1 2" \
	test "$(for c in Meetings Emails_sent Chats_sent File_events Meeting_hours; do ucol whole "$mo" $c; done | tr '\n' ' ')" = "3 2 1 2 2.0000 "
check "emea: February's user view: ann, bob, mo (3 rows); organization row hidden (3 < 5)" \
	test "$(($(wc -l <emea/activity/2022-02/activity_by_user_2022-02.csv) - 1)) $(wc -l <emea/activity/2022-02/activity_by_organization_2022-02.csv)" = "3 1"

# spacing around attribute and value is ignored; partitions with no member
# show README.txt alone: a value in another case (values compare exactly),
# an unknown value, a value with quotes; the other sections of the file,
# each against the whole tree.  All mounted at once, with whole and emea.
others=(emea-eng noregion external since-feb15 na)
mount_fs h.db spaced -o "$K,$P=emea_spaced.v1"
for s in emea-lower nobody quote; do mount_fs h.db "none-$s" -o "$K,$P=$s"; done
for s in "${others[@]}"; do mount_fs h.db "p-$s" -o "$K,$P=$s"; done
check "[emea_spaced.v1] (spaces around) gives [emea]'s files" diff -r -x README.txt emea spaced
for s in emea-lower nobody quote; do
	check "[$s] has no member: README.txt alone ($(ls "none-$s" | tr '\n' ' '))" \
		test "$(ls -A "none-$s")" = README.txt
	check "[$s]: README.txt readable, size exact" \
		test "$(stat -c %s "none-$s/README.txt")" -eq "$(wc -c <"none-$s/README.txt")"
done
checks=()
for s in "${others[@]}"; do
	sizes_ok "p-$s"
	checks+=("tree:p-$s:members.$s")
done
partcheck whole "${checks[@]}"
check "[emea-eng] is ann alone: no PH-bob" \
	test "$(field p-emea-eng person_historical 2022-02 PersonHistoricalId | tr '\n' ' ')" = "PH-ann "
check "[noregion] (Region = empty) holds xena's row: one meeting participant row" \
	test "$(pairs p-noregion meeting_participants 2022-02)" = "MT-mix/PH-xt "
check "[external] (IsInternal = False) gives [noregion]'s files" diff -r -x README.txt p-noregion p-external
check "[since-feb15] (a datetime as the CSV writes it) is PH-mo-2 alone" \
	test "$(field p-since-feb15 person_historical 2022-02 PersonHistoricalId | tr '\n' ' ')" = "PH-mo-2 "
# mo leaves [na] on 2022-02-15: his FA-old (02-09) in, FA-new out
check "[na]: mo's FA-old in, FA-new out" \
	test "$(field p-na file_activities 2022-02 FileActivityId | tr '\n' ' ')" = "FA-old FA-cat "
# his February user row under [na] is "computed from the members' HR rows
# alone": the HR attributes of PH-mo-1 (Junior), not of PH-mo-2 (Senior),
# the row in force at the end of February in the whole population's view
check "[na]: mo's February user row has his member row's LevelDesignation (Junior)" \
	test "$(ucol p-na "$mo" LevelDesignation) $(ucol whole "$mo" LevelDesignation)" = "Junior Senior"

# ---------------------------------------------------------------------------
# 8: two partitions of one file mounted at once (absolute file name); the
# whole mount unchanged
mount_fs h.db apac -o "key=$T/key,partitions=$T/parts.ini,partition=apac"
sizes_ok apac
partcheck whole tree:apac:members.apac
check "[apac] and [emea], mounted together, differ" not diff -rq emea apac >/dev/null
check "[apac] has dan's January" test -f apac/meetings/2022-01/meetings_2022-01.csv
check "the whole mount is unchanged with partitions mounted" cmp -s whole.sums <(sums whole)
unmount_together apac spaced none-emea-lower none-nobody none-quote "${others[@]/#/p-}" whole
mount_fs h.db whole -o "$K"
check "a new whole mount (after the partitions) gives the same files" cmp -s whole.sums <(sums whole)

# a changed section does not reuse the facts cached for the old one: [emea]
# redefined as APAC, same cache, same paths
sed 's/^Region = EMEA$/Region = APAC/' parts.ini >parts2.ini
check "parts2.ini: [emea] redefined" grep -qx 'Region = APAC' <(sed -n '/^\[emea\]/,/^$/p' parts2.ini)
mount_fs h.db redef -o "$K,partitions=parts2.ini,partition=emea"
sizes_ok redef
partcheck whole tree:redef:members.apac

# ---------------------------------------------------------------------------
# 6: sync of [emea] to Azurite: the mount's bytes
az create part >/dev/null
check "sync [emea] to Azurite" "$COLLABFS" sync h.db "$(az_sas part w)" -o "$K,$P=emea" >>sync.out
# cmp_container DIR CONTAINER: one blob per file, each with the file's size and MD5
cmp_container() {
	local name size md5 bad=0 n
	n=$(cd "$1" && find . -type f | wc -l)
	az list "$2" >list.txt
	check "$2: one blob per file of $1 ($n)" test "$(wc -l <list.txt)" -eq "$n"
	while IFS=$'\t' read -r name size md5; do
		[ -f "$1/$name" ] && [ "$(stat -c %s "$1/$name")" = "$size" ] &&
			[ "$(md5_b64 "$1/$name")" = "$md5" ] || {
			bad=$((bad + 1))
			echo "  differs: $name" >&2
		}
	done <list.txt
	check "$2: every blob has the mounted file's size and MD5" test "$bad" -eq 0
	check "$2: rclone check --download: the container's bytes are the mount's" \
		rclone_check "$1" "$2" --download
}
cmp_container emea part
unmount_together emea whole redef

# ---------------------------------------------------------------------------
# 5: errors of the partitions file, refused at start with file and line
mkdir bad
# bad_file NAME WANT_LINE TEXT PARTITION CONTENT: mount and sync are refused
# with "NAME:WANT_LINE:" and TEXT
bad_file() {
	local name=$1 want=$2 text=$3 part=$4
	printf '%s' "$5" >"$name"
	expect_mount_error "$name ($text)" "$want" h.db bad -o "$K,partitions=$name,partition=$part"
	grep -qF -- "$text" err.txt && pass || fail "$name: mount error lacks '$text': $(cat err.txt)"
}
bad_file b_malformed.ini "b_malformed.ini:4:" "\"Region EMEA\": expected '[name]' or 'Attribute = value'" emea \
	$'# a comment\n[emea]\nRegion = EMEA\nRegion EMEA\n'
bad_file b_outside.ini "b_outside.ini:2:" "a line outside any section" emea \
	$'; comment first\nRegion = EMEA\n[emea]\nRegion = EMEA\n'
bad_file b_empty.ini "b_empty.ini:4:" "section [empty] is empty" emea \
	$'[emea]\nRegion = EMEA\n\n[empty]\n\n; nothing here\n[apac]\nRegion = APAC\n'
bad_file b_empty_last.ini "b_empty_last.ini:3:" "section [last] is empty" emea \
	$'[emea]\nRegion = EMEA\n[last]\n'
bad_file b_twice.ini "b_twice.ini:5:" "\"[emea]\": a section of that name came before" apac \
	$'[emea]\nRegion = EMEA\n[apac]\nRegion = APAC\n[emea]\nRegion = NA\n'
bad_file b_attr_twice.ini "b_attr_twice.ini:4:" "Region" emea \
	$'[emea]\nRegion = EMEA\nOrganization = Sales\nRegion = NA\n'
bad_file b_unknown.ini "b_unknown.ini:3:" \
	"Regoin is neither a column of PersonHistorical nor an HR attribute of the store" emea \
	$'[emea]\n# a typo below\nRegoin = EMEA\n'
# the store's own bookkeeping columns are not columns of PersonHistorical
bad_file b_internal.ini "b_internal.ini:2:" "_refresh is neither a column" emea \
	$'[emea]\n_refresh = 1\n'
bad_file b_name.ini "b_name.ini:3:" "b_name.ini:3:" emea \
	$'[emea]\nRegion = EMEA\n[em ea/x]\nRegion = NA\n'
bad_file b_undefined.ini "b_undefined.ini: no partition [apac] (2 defined)" "no partition [apac]" apac \
	$'[emea]\nRegion = EMEA\n[na]\nRegion = NA\n'
expect_mount_error "partition= without partitions=" \
	"option partition=emea needs the partitions file: -o partitions=FILE" h.db bad -o "$K,partition=emea"
expect_mount_error "partitions= without partition=" "partition=" h.db bad -o "$K,partitions=parts.ini"
expect_mount_error "a partitions file that does not exist" "nosuch.ini" h.db bad \
	-o "$K,partitions=nosuch.ini,partition=emea"
# an unknown attribute in another section than the chosen one is not checked
printf '[emea]\nRegion = EMEA\n[typo]\nRegoin = NA\n' >other_typo.ini
mount_fs h.db typo -o "$K,partitions=other_typo.ini,partition=emea"
check "a typo in a section not chosen: the mount works, [emea]'s people" \
	test "$(field typo person_historical 2022-02 PersonHistoricalId | tr '\n' ' ')" = "PH-ann PH-bob PH-mo-2 "
unmount_fs typo
# sync: refused before anything is sent, dry run or not
az create refused >/dev/null
rsas=$(az_sas refused w)
expect_error "sync --dry-run with a malformed partitions file" "b_malformed.ini:4:" \
	"$COLLABFS" sync h.db "$rsas" -o "$K,partitions=b_malformed.ini,partition=emea" --dry-run
expect_error "sync with an empty section" "b_empty.ini:4:" \
	"$COLLABFS" sync h.db "$rsas" -o "$K,partitions=b_empty.ini,partition=emea"
expect_error "sync with an unknown attribute" "b_unknown.ini:3:" \
	"$COLLABFS" sync h.db "$rsas" -o "$K,partitions=b_unknown.ini,partition=emea"
expect_error "sync with an undefined partition" "no partition [apac]" \
	"$COLLABFS" sync h.db "$rsas" -o "$K,partitions=b_undefined.ini,partition=apac"
expect_error "sync: partition= without partitions=" "needs the partitions file" \
	"$COLLABFS" sync h.db "$rsas" -o "$K,partition=emea"
# and without a server: the file is read before any connection
expect_error "sync to nowhere with a malformed file: the file's error, not the network's" \
	"b_malformed.ini:4:" "$COLLABFS" sync h.db \
	"http://127.0.0.1:9/devstoreaccount1/nowhere?sv=2021-08-06&sp=w&sig=AAAA" \
	-o "$K,partitions=b_malformed.ini,partition=emea" --dry-run
check "nothing was sent by the refused syncs" test -z "$(az list refused)"
check "the store is unchanged" test "$(dump h.db)" = "$hand_before"

# ---------------------------------------------------------------------------
# 7: the activity views of a generated store
"$COLLABFS" generate -q --people 200 --months 1 g.db
cat >gparts.ini <<'EOF'
[emea]
Region = EMEA
[latam]
Region = LATAM
[apac-mkt]
Region = APAC
Organization = Marketing
EOF
# the member HR rows, and the measured people with a member row, by sqlite3
gmembers() {
	sqlite3 g.db "SELECT PersonHistoricalId FROM person_historical WHERE $1" >"gmembers.$2"
	sqlite3 g.db "SELECT count(DISTINCT coalesce(EmailAddress, PersonHistoricalId)) FROM person_historical
		WHERE ($1) AND coalesce(PopulationType, 'MeasuredEmployee') = 'MeasuredEmployee'"
}
n_emea=$(gmembers "Region = 'EMEA'" emea)
n_latam=$(gmembers "Region = 'LATAM'" latam)
n_apac=$(gmembers "Region = 'APAC' AND Organization = 'Marketing'" apac-mkt)
check "generated: [emea] $n_emea people (>= 5), [latam] $n_latam (5..7), [apac-mkt] $n_apac (1..4)" \
	test "$n_emea" -ge 5 -a "$n_latam" -ge 5 -a "$n_latam" -lt 8 -a "$n_apac" -ge 1 -a "$n_apac" -lt 5
mount_fs g.db gwhole -o "$K"
mount_fs g.db gemea -o "$K,partitions=gparts.ini,partition=emea"
mount_fs g.db glatam -o "$K,partitions=gparts.ini,partition=latam,min_group=8"
mount_fs g.db gapac -o "$K,partitions=gparts.ini,partition=apac-mkt"
sizes_ok gemea
sizes_ok glatam
sizes_ok gapac
partcheck gwhole tree:gemea:gmembers.emea tree:glatam:gmembers.latam tree:gapac:gmembers.apac-mkt \
	activity:gemea:gmembers.emea:5 activity:glatam:gmembers.latam:8 activity:gapac:gmembers.apac-mkt:5
# the same with pandas: activity_by_user's PersonIds are the measured
# EmailAddress values of the partition's person_historical of the period
cat >pandas_check.py <<'PY'
import os, sys
import pandas as pd
mnt, people = sys.argv[1], int(sys.argv[2])
p = sorted(os.listdir(mnt + "/activity"))[0]
u = pd.read_csv("%s/activity/%s/activity_by_user_%s.csv" % (mnt, p, p))
ph = pd.read_csv("%s/person_historical/%s/person_historical_%s.csv" % (mnt, p, p))
measured = set(ph.loc[ph.PopulationType.fillna("MeasuredEmployee") == "MeasuredEmployee", "EmailAddress"])
org = pd.read_csv("%s/activity/%s/activity_by_organization_%s.csv" % (mnt, p, p))
ok = set(u.PersonId) == measured and len(u) == people and \
    (list(org.People) == [people] if people >= int(sys.argv[3]) else len(org) == 0)
print(mnt, p, len(u), len(measured), list(org.People))
sys.exit(0 if ok else 1)
PY
check "pandas: [emea] user view = person_historical's $n_emea people; organization People $n_emea" \
	"$PY" pandas_check.py gemea "$n_emea" 5
check "pandas: [latam] user view = person_historical's $n_latam people; no organization row (min_group 8)" \
	"$PY" pandas_check.py glatam "$n_latam" 8
check "pandas: [apac-mkt] user view = person_historical's $n_apac people; no organization row" \
	"$PY" pandas_check.py gapac "$n_apac" 5
# sync of the generated [emea]: the mount's bytes
az create gpart >/dev/null
check "sync generated [emea] to Azurite" \
	"$COLLABFS" sync g.db "$(az_sas gpart w)" -o "$K,partitions=gparts.ini,partition=emea" >>sync.out
cmp_container gemea gpart
unmount_together gwhole gemea glatam gapac

# ---------------------------------------------------------------------------
# Refreshes that correct HR rows, moving people into and out of [emea],
# seen by a live mount ("a refresh that changes HR rows re-checks every file
# of the periods it touched") and by an incremental sync of the partition.
#   refresh 1: cat's row now EMEA: cat's events come in, January too
#   refresh 2: cat back to NA, bob to NA: January goes again, and IM-bob
#              (bob's only message) with the instant message folders
"$COLLABFS" import -q r.db hand
mount_fs r.db live -o "$K,$P=emea"
mount_fs r.db rwhole -o "$K"
sums live >/dev/null # every file's facts taken
az create live >/dev/null
lsas=$(az_sas live racwdl)
check "sync [emea] of r.db" "$COLLABFS" sync r.db "$lsas" -o "$K,$P=emea" >>sync.out
check "live: no January before the refreshes" test ! -e live/meetings/2022-01
# hr_fix DIR ID NEWREGION...: a PersonHistorical.csv of those rows, Region changed
hr_fix() {
	local dir=$1
	shift
	mkdir -p "$dir"
	head -n 1 hand/PersonHistorical.csv >"$dir/PersonHistorical.csv"
	while [ $# -gt 0 ]; do
		grep "^$1," hand/PersonHistorical.csv | sed "s/,[A-Z]*\$/,$2/" >>"$dir/PersonHistorical.csv"
		shift 2
	done
}
# wait_for COMMAND...: up to 5 s
wait_for() {
	for _ in $(seq 50); do "$@" && return 0; sleep 0.1; done
	return 1
}
hr_fix fix1 PH-cat EMEA
check "fix1: cat's row, now EMEA" test "$(tail -n 1 fix1/PersonHistorical.csv | cut -d, -f1,12)" = PH-cat,EMEA
"$COLLABFS" import -q r.db fix1
(cat members.emea && echo PH-cat) >members.r1
check "live: January appears after refresh 1" wait_for test -e live/meetings/2022-01/meetings_2022-01.csv
sleep 1.5 # "changes visible within about a second"
sizes_ok live
partcheck rwhole tree:live:members.r1
check "sync after refresh 1" "$COLLABFS" sync r.db "$lsas" -o "$K,$P=emea" --delete >>sync.out
cmp_container live live

hr_fix fix2 PH-cat NA PH-bob NA
"$COLLABFS" import -q r.db fix2
echo PH-ann >members.r2
echo PH-mo-2 >>members.r2
check "live: January gone after refresh 2" wait_for test ! -e live/meetings/2022-01
sleep 1.5
check "live: instant_messages gone after refresh 2 (IM-bob's bob left)" test ! -e live/instant_messages
sizes_ok live
partcheck rwhole tree:live:members.r2
check "sync --delete after refresh 2" "$COLLABFS" sync r.db "$lsas" -o "$K,$P=emea" --delete >>sync.out
cmp_container live live
unmount_together live rwhole

finish
