#!/usr/bin/env bash
# collabfs mount, the activity views (docs/activity.md): the user,
# department and organization files of /activity/<period>/ for a tiny
# hand-made store (tests/cli/data/activity/), every metric of every person
# against a value computed BY HAND from docs/activity.md (the arithmetic is
# in the comments of activity.py below); who is counted (measured people
# only, an HR change mid-month counted per event for the department its HR
# row names); the minimum group size and its complementary suppression;
# scope; pseudonyms under the default policy; byte identity and exact sizes.
#
# The data (tests/cli/data/activity/*.csv), periods 2022-02 and 2022-03:
#   Engineering (-05:00): ann H01, bob H02, cat H03, dan H04, eve H05
#   Legal       (-05:00): lee H08
#   Sales       (+01:00): sam H09, sue H10, sid H11, sol H12, sky H13
#                         (sky's PopulationType is empty: measured)
#   mo: H07 Legal until 2022-03-15, then H06 Engineering from 2022-03-16
#       (same EmailAddress, two PersonHistoricalIds)
#   xena H99: ExternalCollaborator, Organization Engineering: in M1, M5, E1,
#       F4; never counted (Engineering would have 7 people if she were)
#   H404: no such HR row (a participant of M8, file event F5): not counted
#   cat, dan, eve, sue, sid, sol, sky start on 2022-03-02, so February has
#   5 people: ann, bob, mo (H07, Legal), lee, sam.
# March: Engineering 6 people (ann bob cat dan eve mo), Legal 2 (mo lee),
# Sales 5.  min_group 5: Legal (2) is hidden; alone it could be rebuilt as
# organization minus shown rows, so the smallest shown department, Sales
# (5), is hidden too; hidden together 7 >= 5: Engineering (6) is shown.
# min_group 6: Sales and Legal are hidden by size (7 together), Engineering
# shown; February (5 people) loses its organization row.
. "$TESTS_DIR/cli/lib.sh"
fuse_or_skip
PY=/usr/bin/python3 # Debian's python3, which has pandas
DATA="$TESTS_DIR/cli/data/activity"

"$COLLABFS" import -q store.db "$DATA"
"$COLLABFS" keygen key >/dev/null
# A policy that hashes nothing (no key needed), so that PersonId is the
# plain e-mail address; FunctionType let out, Region not.
cat >raw.policy <<'EOF'
PersonHistorical.EmailAddress = raw
PersonHistorical.ExternalCollaboratorId = exclude
Meetings.ICalUid = raw
PersonHistorical.FunctionType = raw
EOF
store_before=$(dump store.db)

cat >activity.py <<'PY'
"""Check the activity views of a mount against hand-computed values.

usage: activity.py MNT MODE [KEYFILE]
MODE: raw (raw.policy, min_group 5), keyed (built-in policy + key),
meetings (raw.policy, scope=meetings), mailchat (raw.policy,
scope=mail+chat), mg6 (raw.policy, min_group=6).

Times below: "Z" is UTC; every person's local offset is the one their rows
carry (-05:00 for Engineering and Legal, +01:00 for Sales).  2022-03-08 is
a Tuesday, 03-12 a Saturday, 03-13 a Sunday.  Working hours are
08:00-17:00 local, Monday to Friday.
"""
import csv, hashlib, hmac, io, os, re, sys

import pandas as pd

mnt, mode = sys.argv[1], sys.argv[2]
keyfile = sys.argv[3] if len(sys.argv) > 3 else None
MG = 6 if mode == "mg6" else 5
SCOPE = {"meetings": {"meetings"}, "mailchat": {"mail", "chat"}}.get(
    mode, {"meetings", "mail", "calls", "chat", "files"})
TOL = 1e-3
fails = []


def fail(msg):
    fails.append(msg)
    if len(fails) <= 40:
        print("FAIL [%s]: %s" % (mode, msg), flush=True)


# The metric columns in the documented order, with the area that brings
# each one and its kind (h: hours, 4 decimals; n: count; b: TRUE/FALSE).
METRICS = [
    ("Collaboration_hours", "all", "h"),
    ("Meeting_hours", "meetings", "h"),
    ("Meetings", "meetings", "n"),
    ("Email_hours", "mail", "h"),
    ("Emails_sent", "mail", "n"),
    ("Chat_hours", "chat", "h"),
    ("Chats_sent", "chat", "n"),
    ("Call_hours", "calls", "h"),
    ("Calls", "calls", "n"),
    ("After_hours_collaboration_hours", "all", "h"),
    ("Conflicting_meeting_hours", "meetings", "h"),
    ("File_events", "files", "n"),
    ("IsActive", "mail|chat", "b"),
]
KIND = {m: k for m, _, k in METRICS}
COLS = [m for m, a, _ in METRICS if a == "all" or set(a.split("|")) & SCOPE]
NUM = [m for m in COLS if m != "IsActive"]
HRCOLS = ["Organization", "LevelDesignation"] + ([] if mode == "keyed" else ["FunctionType"])

# ---------------------------------------------------------------------------
# The user view, March 2022, scope all.  Metrics not named are 0 (FALSE).
# ---------------------------------------------------------------------------
MAR = {
    "ann@contoso.test": dict(
        # attended: M1 [15:00,16:00)Z, M2 [15:30,16:30)Z (03-08), M5 22:00Z
        # 60 min (03-10, Response NoResponse: not Declined, so attended);
        # M3 canceled and M4 declined do not count
        Meetings=3,
        # union: [15:00,16:30) = 1.5 + M5 1.0 = 2.5
        Meeting_hours=2.5,
        # M1 and M2 both: [15:30,16:00) = 0.5
        Conflicting_meeting_hours=0.5,
        # C1 09:00-09:30-05:00 (03-11), C2 11:15-11:45-05:00 (03-08),
        # C3 with no end (a call of no time)
        Calls=3,
        Call_hours=1.0,  # 0.5 + 0.5 (disjoint), C3 0
        # E1 sender, minutes 6, hours empty: 0.1; E2 sender, hours 0.5
        # (minutes 99 ignored: hours win when given); E3 recipient,
        # minutes 24: 0.4.  0.1 + 0.5 + 0.4 = 1.0
        Emails_sent=2,
        Email_hours=1.0,
        # I1 12 min + I2 24 min = 36 min = 0.6
        Chats_sent=2,
        Chat_hours=0.6,
        File_events=2,  # F1, F2
        # U = meetings + calls: 03-08 [15:00,16:45)Z (M1, M2, C2) = 1.75,
        # 03-10 M5 [22:00,23:00)Z = 1.0, 03-11 C1 [14:00,14:30)Z = 0.5;
        # |U| = 3.25.  Stretches outside U: E1 [15:39,15:45)Z 03-08 inside
        # M1/M2: 0; E2 [13:30,14:00)Z 03-12: 0.5; E3 reading
        # [21:48,22:12)Z 03-09: 0.4; I1 [12:54,13:06)Z 03-09: 0.2;
        # I2 [13:48,14:12)Z 03-11, C1 covers [14:00,14:12): 0.2.
        # 3.25 + 0 + 0.5 + 0.4 + 0.2 + 0.2 = 4.55
        Collaboration_hours=4.55,
        # local -05:00: U pieces: 03-08 10:00-11:45 Tue: 0; M5 17:00-18:00
        # Thu: 1.0; C1 09:00-09:30 Fri: 0.  E2 08:30-09:00 Saturday: 0.5;
        # E3 16:48-17:12 Wed: 17:00-17:12 = 0.2; I1 07:54-08:06 Wed:
        # 07:54-08:00 = 0.1; I2's piece 08:48-09:00 Fri: 0.
        # 1.0 + 0.5 + 0.2 + 0.1 = 1.8
        After_hours_collaboration_hours=1.8,
        IsActive=True),
    "bob@contoso.test": dict(
        Meetings=2,  # M1 [15:00,16:00)Z 03-08, M4 [15:00,15:30)Z 03-10 (M3 canceled)
        Meeting_hours=1.5,  # 1.0 + 0.5, no overlap
        # E3 sender, minutes 18: 0.3; E1 recipient, hours 0.05: 0.05
        Emails_sent=1,
        Email_hours=0.35,
        # I1: bob is a recipient: no Chats_sent, no Chat_hours (the time
        # column is the sender's)
        File_events=1,  # F3
        # |U| = 1.5; E1 reading [15:45,15:48)Z inside M1: 0; E3 writing
        # [21:30,21:48)Z 03-09: 0.3.  1.5 + 0.3 = 1.8
        Collaboration_hours=1.8,
        # M1 10:00-11:00, M4 10:00-10:30, E3 16:30-16:48 local: all in hours
        After_hours_collaboration_hours=0.0,
        IsActive=True),
    "cat@contoso.test": dict(
        Meetings=1,  # M2, Response Tentative: attended
        Meeting_hours=1.0,
        Chats_sent=1,  # I3, Sunday 03-13 10:00-05:00, 6 min
        Chat_hours=0.1,
        Collaboration_hours=1.1,  # 1.0 + 0.1
        After_hours_collaboration_hours=0.1,  # I3 09:54-10:00 on a Sunday
        IsActive=True),
    "dan@contoso.test": dict(
        # C1 09:00-09:30, C5 09:15-09:45 (-05:00, 03-11), C4 ends before it
        # starts (no time); I2 and I3 received only
        Calls=3,
        Call_hours=0.75,  # union [09:00,09:45) = 0.75, C4 0
        Collaboration_hours=0.75,
        After_hours_collaboration_hours=0.0,  # Friday 09:00-09:45 local
        IsActive=False),  # sent nothing
    "eve@contoso.test": dict(
        Meetings=1,  # M7 [15:30,16:00)Z 03-16
        Meeting_hours=0.5,
        # E5 sender (hours 0.2) 2022-03-17T22:00-05:00; E4 recipient
        # (minutes 6) 0.1.  0.2 + 0.1 = 0.3
        Emails_sent=1,
        Email_hours=0.3,
        Collaboration_hours=0.8,  # 0.5 + E4 [14:00,14:06)Z 0.1 + E5 0.2
        # E5 writing 21:48-22:00 local Thursday: 0.2; E4 09:00-09:06: 0
        After_hours_collaboration_hours=0.2,
        IsActive=True),
    "mo@contoso.test": dict(
        # H07 (Legal): M6 [15:00,16:00)Z 03-14, I4 sent (6 min) 03-15;
        # H06 (Engineering): M7 [15:30,16:00)Z 03-16, E4 sent (hours 0.1)
        Meetings=2,
        Meeting_hours=1.5,  # 1.0 + 0.5 (no overlap)
        Emails_sent=1,
        Email_hours=0.1,
        Chats_sent=1,
        Chat_hours=0.1,
        Collaboration_hours=1.7,  # 1.5 + E4 0.1 + I4 0.1, all outside U
        After_hours_collaboration_hours=0.0,  # all between 08:54 and 11:00 local, Mon-Thu
        IsActive=True),
    "lee@contoso.test": dict(
        Meetings=1, Meeting_hours=1.0,  # M6; I4 received only
        Collaboration_hours=1.0, IsActive=False),
    "sam@contoso.test": dict(
        # M1 declined: not counted; M8 [09:00,10:00)Z 03-22
        Meetings=1, Meeting_hours=1.0,
        Email_hours=0.2,  # E2 recipient, minutes 12
        Chats_sent=1, Chat_hours=0.1,  # I5, 6 min
        # E2 reading [14:00,14:12)Z 03-12: 0.2; I5 [09:24,09:30)Z inside
        # M8: 0.  1.0 + 0.2 + 0 = 1.2
        Collaboration_hours=1.2,
        # E2 read 15:00-15:12+01:00 on a Saturday: 0.2; M8 10:00-11:00 Tue: 0
        After_hours_collaboration_hours=0.2,
        IsActive=True),
    "sue@contoso.test": dict(Meetings=1, Meeting_hours=1.0, Collaboration_hours=1.0,
                             IsActive=False),  # M8; I5 received only
    "sid@contoso.test": dict(Meetings=1, Meeting_hours=1.0, Collaboration_hours=1.0,
                             IsActive=False),  # M8
    "sol@contoso.test": dict(
        Meetings=1, Meeting_hours=1.0,  # M8
        Email_hours=0.1,  # E5 recipient, minutes 6
        Collaboration_hours=1.1,  # 1.0 + 0.1
        # E5 read [03:00,03:06)Z = 04:00-04:06+01:00 Friday: 0.1
        After_hours_collaboration_hours=0.1,
        IsActive=False),
    "sky@contoso.test": dict(Meetings=1, Meeting_hours=1.0, Collaboration_hours=1.0,
                             IsActive=False),  # M8; PopulationType empty = measured
}
# February: M9 [14:00,15:00)Z 02-15 (09:00-10:00-05:00, Tuesday), ann and
# bob; the people of February are those with an HR row valid in it.
FEB = {
    "ann@contoso.test": dict(Meetings=1, Meeting_hours=1.0, Collaboration_hours=1.0),
    "bob@contoso.test": dict(Meetings=1, Meeting_hours=1.0, Collaboration_hours=1.0),
    "mo@contoso.test": dict(),
    "lee@contoso.test": dict(),
    "sam@contoso.test": dict(),
}
# With a smaller scope only Collaboration_hours and After_hours change
# (each area's own metrics stay as they are).
# scope=meetings: U is the meetings alone: Collaboration_hours =
# Meeting_hours; after hours: ann's M5 (17:00-18:00 local) only.
MEETINGS_ONLY = {e: dict(Collaboration_hours=MAR[e].get("Meeting_hours", 0.0),
                         After_hours_collaboration_hours=0.0) for e in MAR}
MEETINGS_ONLY["ann@contoso.test"]["After_hours_collaboration_hours"] = 1.0
# scope=mail+chat: U is empty, so Collaboration_hours = Email_hours +
# Chat_hours, and after hours counts whole stretches:
MAILCHAT_ONLY = {
    # 1.0 + 0.6 = 1.6; E2 0.5 + E3 0.2 + I1 0.1 (E1 10:39-10:45 Tue and
    # I2 08:48-09:12 Fri in hours) = 0.8
    "ann@contoso.test": (1.6, 0.8),
    "bob@contoso.test": (0.35, 0.0),  # 0.05 + 0.3, in hours
    "cat@contoso.test": (0.1, 0.1),   # I3 on a Sunday
    "dan@contoso.test": (0.0, 0.0),
    "eve@contoso.test": (0.3, 0.2),   # 0.1 + 0.2; E5 at 21:48-22:00 local
    "mo@contoso.test": (0.2, 0.0),    # E4 0.1 + I4 0.1
    "lee@contoso.test": (0.0, 0.0),
    "sam@contoso.test": (0.3, 0.2),   # E2 0.2 (Saturday) + I5 0.1 (10:24-10:30 Tue)
    "sue@contoso.test": (0.0, 0.0),
    "sid@contoso.test": (0.0, 0.0),
    "sol@contoso.test": (0.1, 0.1),   # E5 read at 04:00 local
    "sky@contoso.test": (0.0, 0.0),
}
MAILCHAT_ONLY = {e: dict(Collaboration_hours=c, After_hours_collaboration_hours=a)
                 for e, (c, a) in MAILCHAT_ONLY.items()}

# HR attributes of the row in force at the end of the period
ENG = ("Engineering", "Senior", "Software Engineering")
HR_MAR = {
    "ann@contoso.test": ENG,
    "bob@contoso.test": ("Engineering", "Junior", "Software Engineering"),
    "cat@contoso.test": ("Engineering", "Junior", "Design"),
    "dan@contoso.test": ENG,
    "eve@contoso.test": ("Engineering", "Junior", "Design"),
    "mo@contoso.test": ("Engineering", "Manager", "Software Engineering"),  # H06
    "lee@contoso.test": ("Legal", "Senior", "Counsel"),
    "sam@contoso.test": ("Sales", "Senior", "Account Management"),
}
for e in ("sue", "sid", "sol", "sky"):
    HR_MAR[e + "@contoso.test"] = ("Sales", "Junior", "Account Management")
HR_FEB = {e: HR_MAR[e] for e in FEB}
HR_FEB["mo@contoso.test"] = ("Legal", "Senior", "Counsel")  # H07: H06 is not valid in February

# ---------------------------------------------------------------------------
# Department and organization rows, March 2022, scope all: People,
# Active_people and the totals (averages are total / People).
# ---------------------------------------------------------------------------
DEPT_MAR = {
    # ann, bob, cat, dan, eve and mo's H06 part (M7 0.5 h, E4 sent 0.1 h:
    # Collaboration 0.6); xena (external) is not one of them
    "Engineering": dict(
        People=6,
        Active_people=5,  # ann bob cat eve mo (mo sent E4 as H06); dan did not
        Collaboration_hours=9.6,  # 4.55 + 1.8 + 1.1 + 0.75 + 0.8 + 0.6
        Meeting_hours=6.0,        # 2.5 + 1.5 + 1.0 + 0 + 0.5 + 0.5
        Meetings=8,               # 3 + 2 + 1 + 0 + 1 + 1
        Email_hours=1.75,         # 1.0 + 0.35 + 0 + 0 + 0.3 + 0.1
        Emails_sent=5,            # 2 + 1 + 0 + 0 + 1 + 1
        Chat_hours=0.7,           # ann 0.6 + cat 0.1 (mo's I4 was as H07)
        Chats_sent=3,             # 2 + 1
        Call_hours=1.75,          # ann 1.0 + dan 0.75
        Calls=6,                  # 3 + 3
        After_hours_collaboration_hours=2.1,  # 1.8 + cat 0.1 + eve 0.2
        Conflicting_meeting_hours=0.5,        # ann
        File_events=3),           # ann 2 + bob 1 (xena's F4, H404's F5 not counted)
    # hidden (2 people: mo's H07 part and lee): M6 1.0 h each, I4 0.1 h
    "Legal": dict(People=2, Active_people=1, Collaboration_hours=2.1,  # 1.1 + 1.0
                  Meeting_hours=2.0, Meetings=2, Chat_hours=0.1, Chats_sent=1),
    # hidden by complementary suppression (5 people)
    "Sales": dict(People=5, Active_people=1,  # sam (I5)
                  Collaboration_hours=5.3,    # 1.2 + 1.0 + 1.0 + 1.1 + 1.0
                  Meeting_hours=5.0, Meetings=5,  # M8 x 5 (H404 not counted)
                  Email_hours=0.3,            # sam 0.2 + sol 0.1
                  Chat_hours=0.1, Chats_sent=1,
                  After_hours_collaboration_hours=0.3),  # sam 0.2 + sol 0.1
}
ORG_MAR = dict(
    People=12,  # distinct people: mo once (Engineering 6 + Legal 2 + Sales 5 = 13 rows' worth)
    Active_people=6,  # ann bob cat eve mo sam
    Collaboration_hours=17.0,  # 9.6 + 2.1 + 5.3; = 4.55+1.8+1.1+0.75+0.8+1.7+1+1.2+1+1+1.1+1
    Meeting_hours=13.0,        # 6.0 + 2.0 + 5.0
    Meetings=15,               # 8 + 2 + 5
    Email_hours=2.05,          # 1.75 + 0 + 0.3
    Emails_sent=5,
    Chat_hours=0.9,            # 0.7 + 0.1 + 0.1
    Chats_sent=5,              # 3 + 1 + 1
    Call_hours=1.75,
    Calls=6,
    After_hours_collaboration_hours=2.4,  # 2.1 + 0 + 0.3
    Conflicting_meeting_hours=0.5,
    File_events=3)
SHOWN_MAR = {"Engineering"}  # with min_group 5 and with 6 (see the script's header)
HIDDEN_MAR = {"Legal", "Sales"}
# February: 5 people (ann, bob, mo as H07, lee, sam); Engineering 2, Legal
# 2, Sales 1: every department hidden, the organization row shown for
# min_group 5 (5 >= 5), not for 6.
ORG_FEB = dict(People=5, Active_people=0, Collaboration_hours=2.0, Meeting_hours=2.0,
               Meetings=2)  # M9: ann 1 h + bob 1 h
# Smaller scopes: Engineering and organization rows (same people).
SCOPED = {
    # Collaboration = Meeting_hours: Engineering 2.5+1.5+1.0+0+0.5+0.5 = 6.0,
    # organization 13.0; after hours: ann's M5, 1.0
    "meetings": ({"Collaboration_hours": 6.0, "After_hours_collaboration_hours": 1.0,
                  "Meetings": 8, "Meeting_hours": 6.0},
                 {"Collaboration_hours": 13.0, "After_hours_collaboration_hours": 1.0,
                  "Meetings": 15}),
    # Engineering: 1.6 + 0.35 + 0.1 + 0 + 0.3 + mo's E4 0.1 = 2.45, after
    # hours 0.8 + 0.1 + 0.2 = 1.1; organization: 2.45 + mo's I4 0.1 + sam
    # 0.3 + sol 0.1 = 2.95, after hours 1.1 + 0.2 + 0.1 = 1.4
    "mailchat": ({"Collaboration_hours": 2.45, "After_hours_collaboration_hours": 1.1,
                  "Email_hours": 1.75, "Chat_hours": 0.7},
                 {"Collaboration_hours": 2.95, "After_hours_collaboration_hours": 1.4,
                  "Emails_sent": 5, "Chats_sent": 5}),
}

# ---------------------------------------------------------------------------
if mode == "keyed":
    KEY = bytes.fromhex(open(keyfile).read().strip())

    def pid(e):
        return hmac.new(KEY, e.encode(), hashlib.sha256).hexdigest()[:32]
else:
    def pid(e):
        return e

H4 = re.compile(r"^\d+\.\d{4}$")
INT = re.compile(r"^\d+$")


def read(path, what):
    """(header, rows as dicts) via the csv module, after the byte-level and
    pandas checks; None if the file is missing."""
    if not os.path.isfile(path):
        fail("%s: %s is missing" % (what, path))
        return None
    data = open(path, "rb").read()
    if not data.endswith(b"\r\n") or data.count(b"\n") != data.count(b"\r\n"):
        fail("%s: records do not all end in CRLF" % what)
    if data.startswith(b"\xef\xbb\xbf"):
        fail("%s: starts with a BOM" % what)
    recs = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header, body = recs[0], recs[1:]
    try:
        df = pd.read_csv(path)
        if list(df.columns) != header or len(df) != len(body):
            fail("%s: pandas reads columns %s and %d rows; the file has %s and %d"
                 % (what, list(df.columns), len(df), header, len(body)))
    except Exception as ex:  # noqa: BLE001
        fail("%s: pandas.read_csv: %s" % (what, ex))
    for i, r in enumerate(body):
        if len(r) != len(header):
            fail("%s: record %d has %d fields for %d columns" % (what, i + 2, len(r), len(header)))
    return header, [dict(zip(header, r)) for r in body]


def close(got, want):
    try:
        return abs(float(got) - float(want)) <= TOL
    except ValueError:
        return False


def check_user(period, expect, hr, override=None):
    what = "activity_by_user_%s" % period
    f = read("%s/activity/%s/%s.csv" % (mnt, period, what), what)
    if f is None:
        return
    header, rows = f
    want_header = ["PersonId", "MetricDate"] + COLS + HRCOLS
    if header != want_header:
        fail("%s: header %s, want %s" % (what, header, want_header))
    for bad in ("Region", "EmailAddress", "PersonHistoricalId"):
        if bad in header:
            fail("%s: column %s should not be there" % (what, bad))
    ids = [r.get("PersonId") for r in rows]
    if ids != sorted(ids):
        fail("%s: rows not ordered by PersonId: %s" % (what, ids))
    by_pid = {pid(e): e for e in expect}
    if set(ids) != set(by_pid) or len(ids) != len(by_pid):
        fail("%s: PersonIds %s, want one row for each of %s (the external "
             "collaborator and unknown HR rows never)" % (what, ids, sorted(by_pid)))
    for r in rows:
        e = by_pid.get(r.get("PersonId"))
        if e is None:
            continue
        want = dict(expect[e])
        if override:
            want.update(override[e])
        if r.get("MetricDate") != period + "-01":
            fail("%s: %s: MetricDate %r, want %s-01" % (what, e, r.get("MetricDate"), period))
        for m in COLS:
            got, w, k = r.get(m), want.get(m, False if KIND[m] == "b" else 0), KIND[m]
            if got is None:
                continue
            if k == "b":
                if got != ("TRUE" if w else "FALSE"):
                    fail("%s: %s: %s = %r, want %s" % (what, e, m, got, "TRUE" if w else "FALSE"))
            elif k == "n":
                if not INT.match(got) or int(got) != w:
                    fail("%s: %s: %s = %r, want %d" % (what, e, m, got, w))
            else:
                if not H4.match(got):
                    fail("%s: %s: %s = %r is not hours with four decimals" % (what, e, m, got))
                if not close(got, w):
                    fail("%s: %s: %s = %r, want %.4f" % (what, e, m, got, w))
        for c, w in zip(HRCOLS, hr[e]):
            if c in r and r[c] != w:
                fail("%s: %s: %s = %r, want %r" % (what, e, c, r[c], w))


def group_header(dept):
    base = ["MetricDate"] + (["Organization"] if dept else []) + ["People", "Active_people"]
    return base + ["%s_%s" % (m, s) for m in NUM for s in ("total", "avg")]


def check_group_row(what, r, want):
    people = want["People"]
    for c in ("People", "Active_people"):
        if c in r and (not INT.match(r[c]) or int(r[c]) != want[c]):
            fail("%s: %s = %r, want %d" % (what, c, r[c], want[c]))
    for m in NUM:
        t, a = want.get(m, 0), want.get(m, 0) / people
        got_t, got_a = r.get(m + "_total"), r.get(m + "_avg")
        if got_t is None or got_a is None:
            continue  # the header check names the missing column
        if KIND[m] == "n" and not INT.match(got_t):
            fail("%s: %s_total = %r is not an integer" % (what, m, got_t))
        if not close(got_t, t):
            fail("%s: %s_total = %r, want %.4f" % (what, m, got_t, t))
        if not close(got_a, a):
            fail("%s: %s_avg = %r, want %.4f (total / %d people)" % (what, m, got_a, a, people))


def read_group(period, kind):
    what = "activity_by_%s_%s" % (kind, period)
    f = read("%s/activity/%s/%s.csv" % (mnt, period, what), what)
    if f is None:
        return what, None, []
    header, rows = f
    want = group_header(kind == "department")
    # IsActive is a metric column of the user view; whether it also gets a
    # total and an average beside Active_people is not said: both accepted.
    if header != want and header != want + ["IsActive_total", "IsActive_avg"]:
        fail("%s: header %s, want %s" % (what, header, want))
    for r in rows:
        if r.get("MetricDate") != period + "-01":
            fail("%s: MetricDate %r, want %s-01" % (what, r.get("MetricDate"), period))
        if "IsActive_total" in r and not close(r["IsActive_total"], r.get("Active_people", "x")):
            fail("%s: IsActive_total %r is not Active_people %r"
                 % (what, r["IsActive_total"], r.get("Active_people")))
    return what, header, rows


def check_groups_all_scope():
    # March: Engineering alone, with its values
    what, _, rows = read_group("2022-03", "department")
    shown = {r.get("Organization"): r for r in rows}
    if set(shown) != SHOWN_MAR or len(rows) != len(SHOWN_MAR):
        fail("%s: departments %s, want exactly %s (min_group %d: Legal has 2 people; "
             "Sales, 5, hidden with it so that the organization row minus the shown "
             "rows never describes Legal alone)"
             % (what, [r.get("Organization") for r in rows], sorted(SHOWN_MAR), MG))
    for d, r in shown.items():
        if d in DEPT_MAR:
            check_group_row("%s: %s" % (what, d), r, DEPT_MAR[d])
        if d in shown and int(r.get("People", "0") or 0) < MG:
            fail("%s: %s shown with %s people (< %d)" % (what, d, r.get("People"), MG))
    owhat, _, orows = read_group("2022-03", "organization")
    if len(orows) != 1:
        fail("%s: %d rows, want 1" % (owhat, len(orows)))
    else:
        org = orows[0]
        check_group_row(owhat, org, ORG_MAR)
        # No hidden department can be rebuilt as organization - shown rows.
        cols = ["People", "Active_people"] + [m + "_total" for m in NUM]
        try:
            diff = {c: float(org[c]) - sum(float(r[c]) for r in shown.values()) for c in cols}
        except (KeyError, ValueError) as ex:
            fail("%s: cannot subtract the shown rows: %s" % (owhat, ex))
            diff = None
        if diff is not None:
            for d in HIDDEN_MAR:
                vec = {c: DEPT_MAR[d].get(c.replace("_total", ""), 0) for c in cols}
                if all(abs(diff[c] - vec[c]) <= TOL for c in cols):
                    fail("organization minus the shown departments gives %s's totals "
                         "exactly: %s" % (d, diff))
    # February: every department under min_group, so none; the organization
    # row needs min_group people (5)
    what, _, rows = read_group("2022-02", "department")
    if rows:
        fail("%s: departments %s shown; each has under %d people (Engineering 2, "
             "Legal 2, Sales 1)" % (what, [r.get("Organization") for r in rows], MG))
    owhat, _, orows = read_group("2022-02", "organization")
    if MG <= 5:
        if len(orows) != 1:
            fail("%s: %d rows, want 1 (5 people >= min_group %d)" % (owhat, len(orows), MG))
        else:
            check_group_row(owhat, orows[0], ORG_FEB)
    elif orows:
        fail("%s: organization row written for 5 people with min_group %d: %s"
             % (owhat, MG, orows))


def check_groups_scoped():
    dept_want, org_want = SCOPED[mode]
    gone = {"meetings": ("Email", "Chat", "Call", "File"),
            "mailchat": ("Meeting", "Conflicting", "Call", "File")}[mode]
    for kind, want in (("department", dept_want), ("organization", org_want)):
        what, header, rows = read_group_loose("2022-03", kind)
        if header is None:
            continue
        bad = [c for c in header if c.startswith(gone)]
        if bad:
            fail("%s: columns outside scope: %s" % (what, bad))
        if kind == "department":
            rows = [r for r in rows if r.get("Organization") == "Engineering"]
            if [r.get("Organization") for r in rows] != ["Engineering"]:
                fail("%s: no Engineering row" % what)
                continue
        if len(rows) != 1:
            fail("%s: %d rows, want 1" % (what, len(rows)))
            continue
        for m, t in want.items():
            got = rows[0].get(m + "_total")
            if got is None or not close(got, t):
                fail("%s: %s_total = %r, want %.4f" % (what, m, got, t))


def read_group_loose(period, kind):
    what = "activity_by_%s_%s" % (kind, period)
    f = read("%s/activity/%s/%s.csv" % (mnt, period, what), what)
    return (what, None, []) if f is None else (what,) + f


# --- the folders ------------------------------------------------------------
want_periods = ["2022-03"] if mode == "mailchat" else ["2022-02", "2022-03"]
got_periods = sorted(os.listdir(os.path.join(mnt, "activity"))) \
    if os.path.isdir(os.path.join(mnt, "activity")) else None
if got_periods != want_periods:
    fail("activity/: periods %s, want %s" % (got_periods, want_periods))
for p in got_periods or []:
    names = sorted(os.listdir(os.path.join(mnt, "activity", p)))
    want = sorted("activity_by_%s_%s.csv" % (k, p) for k in ("department", "organization", "user"))
    if names != want:
        fail("activity/%s: %s, want %s" % (p, names, want))

if mode in ("raw", "keyed", "mg6"):
    check_user("2022-03", MAR, HR_MAR)
    check_user("2022-02", FEB, HR_FEB)
    check_groups_all_scope()
elif mode == "meetings":
    check_user("2022-03", MAR, HR_MAR, MEETINGS_ONLY)
    check_groups_scoped()
elif mode == "mailchat":
    check_user("2022-03", MAR, HR_MAR, MAILCHAT_ONLY)
    check_groups_scoped()

if mode == "keyed":
    # PersonId is the value person_historical of the same folder shows in
    # EmailAddress for the measured people, under the same key
    for p, people in (("2022-03", MAR), ("2022-02", FEB)):
        ph = read("%s/person_historical/%s/person_historical_%s.csv" % (mnt, p, p), "person_historical_" + p)
        u = read("%s/activity/%s/activity_by_user_%s.csv" % (mnt, p, p), "activity_by_user_" + p)
        if ph is None or u is None:
            continue
        measured = {r["EmailAddress"] for r in ph[1]
                    if r.get("PopulationType") in ("MeasuredEmployee", "")}
        ids = {r.get("PersonId") for r in u[1]}
        if ids != measured:
            fail("%s: PersonIds differ from person_historical's EmailAddress pseudonyms: "
                 "%d only in the view, %d only in person_historical"
                 % (p, len(ids - measured), len(measured - ids)))
        if measured != {pid(e) for e in people}:
            fail("%s: person_historical's EmailAddress are not the keyed HMAC of the "
                 "addresses" % p)

print("%s: %d problems" % (mode, len(fails)))
sys.exit(1 if fails else 0)
PY

# run_check MNT MODE [KEY]: activity.py, one pass or one fail (with its lines)
run_check() {
	if "$PY" activity.py "$@" >"check_$2.out" 2>&1; then pass; else
		fail "activity views, $2 (see below)"
		head -n 45 "check_$2.out" >&2
	fi
}
# same_bytes MNT: every activity file reads the same bytes twice, and its
# size (stat, before the reads) is the number of bytes read
same_bytes() {
	local f size n=0
	if [ ! -d "$1/activity" ]; then
		fail "$1: no activity folder"
		return 0
	fi
	while IFS= read -r f; do
		n=$((n + 1))
		size=$(stat -c %s "$f")
		cat "$f" >read1.bin
		cat "$f" >read2.bin
		cmp -s read1.bin read2.bin && pass || fail "$f: two reads differ"
		[ "$size" -eq "$(stat -c %s read1.bin)" ] && pass ||
			fail "$f: stat says $size bytes, read $(stat -c %s read1.bin)"
	done < <(find "$1/activity" -type f -name '*.csv' | sort)
	[ "$n" -gt 0 ] && pass || fail "$1: no activity files"
}

# --- PersonId written raw, min_group 5 (the default) ---------------------------
mount_fs store.db m_raw -o policy=raw.policy
same_bytes m_raw
run_check m_raw raw
grep -rqsF xena m_raw/activity && fail "the external collaborator appears in an activity view" || pass
# the raw tables are there as before
check "raw tables next to activity" test -f m_raw/meetings/2022-03/meetings_2022-03.csv
unmount_fs m_raw

# --- the built-in policy with a key: PersonId is the hashed e-mail address -----
mount_fs store.db m_key -o "key=$T/key"
same_bytes m_key
run_check m_key keyed "$T/key"
grep -rqsF '@' m_key/activity && fail "an e-mail address in clear under the built-in policy" || pass
unmount_fs m_key

# --- scope ------------------------------------------------------------------------
mount_fs store.db m_meet -o policy=raw.policy,scope=meetings
same_bytes m_meet
run_check m_meet meetings
unmount_fs m_meet
mount_fs store.db m_mail -o policy=raw.policy,scope=mail+chat
same_bytes m_mail
run_check m_mail mailchat
unmount_fs m_mail

# --- min_group: never under 5; 6 shows less ---------------------------------------
mkdir bad
for v in 4 0 x; do
	expect_mount_error "-o min_group=$v" "min_group" store.db bad -o "policy=raw.policy,min_group=$v"
done
mount_fs store.db m_mg6 -o policy=raw.policy,min_group=6
same_bytes m_mg6
run_check m_mg6 mg6
unmount_fs m_mg6

[ "$(dump store.db)" = "$store_before" ] && pass || fail "the store changed"
finish
