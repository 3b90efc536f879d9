#!/usr/bin/env bash
# The activity tallies kept in the store (include/activity_tally.h,
# src/activity_tally.c, store_tally_* in src/store.c): per (interval,
# period start, HR row) sums that the activity views (docs/activity.md) read
# instead of the event rows when the meta record activity_tally is
# "1 <max(refresh.id)>" and the view's period is a whole period.
#
# What is checked, on a generated store (60 people, 2022-01 .. 2022-02):
#  1. generate keeps tallies for months, weeks and days (every period with
#     event rows) and stamps them current; the views of mounts with
#     interval=month/week/day, scope=mail+chat, scope=meetings+calls, a
#     partition, a from/to range and a month cut to one day (whole day: day
#     tallies) equal, byte for byte (diff -r), those of
#     the same mounts once the stamp is stale (computed from the rows); a
#     real import brings the stamp back and rebuilds the same tallies;
#  2. an import that corrects one mail participant row (one day) changes the
#     tallies of exactly that day, its week and its month for that HR row,
#     stamps "1 <new refresh>", the views equal the computed ones, the
#     changed periods' views (and only theirs) differ from before, and a
#     live mount shows the new bytes; a correction that moves a mail to
#     another month moves its tallies (none left behind); a run of touched
#     days over two weeks updates both; a meeting canceled by a correction
#     of its Meetings row alone updates its attendees' tallies; a call
#     moved to the month before by a new, earlier participant moves its
#     participants' tallies;
#  3. a store made before tallies (no table, no stamp): views computed and
#     unchanged; the next import rebuilds every tally;
#  4. a refresh made by a collabfs that keeps no tallies (a refresh row and
#     a changed event row written with sqlite3, stamp left behind): views
#     computed from the rows (the change shows); the next real import, which
#     touches no event day, rebuilds everything (the change is in the
#     tallies, the views equal the computed ones);
#  5. damaged tally blobs (month, week, day): reading a view of that period
#     fails with EIO and the mount's log names the HR row; the other periods
#     and the raw tables still read; the store is not changed; with a stale
#     stamp the same blobs are not read at all;
#  6. a failed import (a malformed row, a missing parent, a failure inside
#     the tally step) leaves the store, its tallies and the stamp as they
#     were;
#  7. docs/activity.md, "overlaps are removed within each HR row's part":
#     two overlapping meetings across a promotion (two HR rows of one
#     person and department) count on both sides, kept or computed.
# sqlite3 is only used to look at the store (which rows, which people) and
# to make the states above; the expected views are another rendering path
# (rows vs tallies, or the same store before a change), never a computation
# of our own (but for the hand-computed values of 7).
. "$TESTS_DIR/cli/lib.sh"
fuse_or_skip
PY=/usr/bin/python3 # Debian's python3

sq() { sqlite3 -batch "$@"; }
day() { date -u -d "$1" +%s; }
JAN=$(day 2022-01-01) FEB=$(day 2022-02-01)
D1=$(day 2022-01-19) W1=$(day 2022-01-16) # a Wednesday and its Sunday
D2=$(day 2022-02-16) W2=$(day 2022-02-13)
D3=$(day 2022-01-26)

# tallies DB: one line per tally, "interval start hr HEX"
tallies() {
	sq "$1" "SELECT interval || ' ' || start || ' ' || hr || ' ' || hex(tally)
		 FROM activity_tally ORDER BY interval, start, hr"
}
stamp() { sq "$1" "SELECT value FROM meta WHERE key = 'activity_tally'"; }
maxref() { sq "$1" "SELECT max(id) FROM refresh"; }
# changed A B: the (interval start hr) keys whose lines differ between two
# tally listings (changed, added or removed), sorted
changed() {
	comm -3 <(sort "$1") <(sort "$2") | awk '{ print $1, $2, $3 }' | sort -u
}
# copy_store SRC DST: a copy made by SQLite (the store is in WAL mode)
copy_store() {
	rm -f "$2" "$2-wal" "$2-shm"
	sq "$1" ".backup '$2'"
}
make_stale() { sq "$1" "UPDATE meta SET value = '1 0' WHERE key = 'activity_tally'"; }

"$COLLABFS" keygen key >/dev/null
K="key=$T/key"
GEN=(--people 60 --months 2 --seed 7)
"$COLLABFS" generate -q "${GEN[@]}" s.db
"$COLLABFS" generate -q "${GEN[@]}" --csv gen

# The row the incremental import corrects: a mail a measured person of the
# largest department sent on 2022-01-19 (UTC day of the mail: where its
# participant rows are placed).
IFS=, read -r MAIL1 HR1 ORG1 < <(sq s.db "
	SELECT mp.MailId || ',' || mp.PersonHistoricalId || ',' || ph.Organization
	FROM mail_participants mp JOIN person_historical ph USING (PersonHistoricalId)
	WHERE mp._t >= $D1 AND mp._t < $D1 + 86400 AND mp.IsSender = 1
	  AND ph.PopulationType = 'MeasuredEmployee'
	ORDER BY (SELECT count(*) FROM person_historical p2
		  WHERE p2.Organization = ph.Organization) DESC, mp.MailId LIMIT 1")
check "data: a mail sent on 2022-01-19 by a measured person ($MAIL1 $HR1 $ORG1)" test -n "$HR1"
cat >parts.ini <<EOF
[dept]
Organization = $ORG1
EOF
check "data: the partition [dept] has members" \
	test "$(sq s.db "SELECT count(*) FROM person_historical WHERE Organization = '$ORG1'")" -ge 5
# One unchanged HR row: an import that is valid and touches no event table.
head -n 2 gen/PersonHistorical.csv >hr1.csv
mkdir hrimp && cp hr1.csv hrimp/PersonHistorical.csv

# The mounts compared (NAME:OPTIONS, besides the key and a private cache).
CONFIGS=(
	"month:interval=month"
	"week:interval=week"
	"day:interval=day"
	"mailchat:scope=mail+chat"
	"meetcalls:scope=meetings+calls"
	"part:partitions=$T/parts.ini,partition=dept"
	"range:from=2022-01-10,to=2022-02-12"
	"oneday:from=2022-01-19,to=2022-01-19"
)
ncache=0
# unmount_all DIR...: fusermount3 -u now; the daemons' exit is checked at
# the end (reap_all): a daemon takes a second or two to exit, and waiting
# for each in turn would double the test's time
pending=()
unmount_all() {
	local d
	for d in "$@"; do
		fusermount3 -u "$d" || fail "fusermount3 -u $d failed"
		fs_mounted "$d" && fail "$d still mounted after fusermount3 -u"
		pending+=("$d")
	done
}
# reap_all: every mount unmounted by unmount_all is gone, its daemon too
reap_all() {
	local d
	for d in "${pending[@]}"; do unmount_fs "$d"; done
	pending=()
}
# snap_all "STORE:PREFIX..." [NAME...]: mount each STORE once per config
# (or the ones named), all at once, each with a fresh facts cache; copy
# each activity folder to PREFIX.<name>; unmount
snap_all() {
	local pairs=$1 c n i sp store prefix dirs=() outs=()
	shift
	for sp in $pairs; do
		store=${sp%%:*} prefix=${sp#*:}
		for c in "${CONFIGS[@]}"; do
			n=${c%%:*}
			if [ $# -gt 0 ] && [[ " $* " != *" $n "* ]]; then continue; fi
			ncache=$((ncache + 1))
			mount_fs "$store" "mnt.$ncache" -o "$K,cache=$T/cache.$ncache,${c#*:}"
			dirs+=("mnt.$ncache")
			outs+=("$prefix.$n")
		done
	done
	for i in "${!dirs[@]}"; do
		rm -rf "${outs[i]}"
		if [ -d "${dirs[i]}/activity" ]; then cp -r "${dirs[i]}/activity" "${outs[i]}"; else mkdir "${outs[i]}"; fi
		[ "$(find "${outs[i]}" -name 'activity_by_user_*.csv' | wc -l)" -gt 0 ] && pass ||
			fail "${outs[i]}: no activity_by_user file"
	done
	unmount_all "${dirs[@]}"
}
# same_trees A B WHAT [NAME...]: A.<name> and B.<name> are identical trees
same_trees() {
	local a=$1 b=$2 what=$3 c n
	shift 3
	for c in "${CONFIGS[@]}"; do
		n=${c%%:*}
		if [ $# -gt 0 ] && [[ " $* " != *" $n "* ]]; then continue; fi
		if diff -r "$a.$n" "$b.$n" >diff.out 2>&1; then pass; else
			fail "$what, mount $n (${c#*:}): the trees differ: $(head -c 600 diff.out)"
		fi
	done
}

# ---------------------------------------------------------------------------
# 1. After generate: tallies of the three intervals, a current stamp; kept
#    and computed views identical.
# ---------------------------------------------------------------------------
check "generate: one refresh" test "$(maxref s.db)" = 1
check "generate: the stamp is '1 1' (got '$(stamp s.db)')" test "$(stamp s.db)" = "1 1"
# The periods with event rows (rows are placed by their _t, UTC seconds).
sq s.db "SELECT DISTINCT _t - _t % 86400 FROM (
	SELECT _t FROM meetings UNION ALL SELECT _t FROM meeting_participants
	UNION ALL SELECT _t FROM call_participants UNION ALL SELECT _t FROM mail_participants
	UNION ALL SELECT _t FROM instant_message_participants
	UNION ALL SELECT _t FROM file_activities) ORDER BY 1" >days.want
sq s.db "SELECT DISTINCT CAST(strftime('%s', d, 'unixepoch', 'start of month') AS INTEGER)
	 FROM (SELECT CAST(column1 AS INTEGER) AS d FROM (VALUES $(sed 's/.*/(&)/' days.want | paste -sd,)))
	 ORDER BY 1" >months.want
# the week of a day: back to its Sunday (1970-01-01 was a Thursday)
awk '{ d = $1 / 86400; printf "%d\n", $1 - ((d + 4) % 7) * 86400 }' days.want | sort -un >weeks.want
for iv in 0:months 1:days 2:weeks; do
	sq s.db "SELECT DISTINCT start FROM activity_tally WHERE interval = ${iv%%:*} ORDER BY 1" >"got.${iv#*:}"
	check "generate: a tally for every ${iv#*:} with event rows (interval ${iv%%:*}: got $(wc -l <"got.${iv#*:}"), want $(wc -l <"${iv#*:}.want"))" \
		cmp -s "got.${iv#*:}" "${iv#*:}.want"
done
check "generate: 2 months with event rows at least" test "$(wc -l <months.want)" -ge 2
check "generate: no tally row of an unknown interval" \
	test "$(sq s.db "SELECT count(*) FROM activity_tally WHERE interval NOT IN (0, 1, 2)")" = 0
check "generate: the person of the test has tallies of 2022-01-19, its week and month" \
	test "$(sq s.db "SELECT count(*) FROM activity_tally WHERE hr = '$HR1' AND
		((interval = 0 AND start = $JAN) OR (interval = 1 AND start = $D1) OR (interval = 2 AND start = $W1))")" = 3
tallies s.db >t0

snap_all s.db:k0
make_stale s.db
store_stale=$(dump s.db)
snap_all s.db:c0
same_trees k0 c0 "after generate: kept tallies vs computed (stale stamp)"
check "mounts do not write the store (stale stamp left as it was)" test "$(dump s.db)" = "$store_stale"
# the range mount cuts January and February: partial periods, still equal
check "the from/to mount shows two periods" test "$(ls k0.range | wc -l)" = 2
# a real import restores the stamp, rebuilding the same tallies
"$COLLABFS" import -q s.db hrimp
check "after the stale stamp, an import stamps '1 2' (got '$(stamp s.db)')" test "$(stamp s.db)" = "1 2"
tallies s.db >t1
check "the rebuild gives the same tallies as generate" cmp -s t0 t1

# ---------------------------------------------------------------------------
# 2. An incremental import that changes one day.
# ---------------------------------------------------------------------------
line=$(grep -m 1 "^$MAIL1,$HR1," gen/MailParticipants.csv)
check "the CSV row of $MAIL1/$HR1 is there" test -n "$line"
mkdir inc1
head -n 1 gen/MailParticipants.csv >inc1/MailParticipants.csv
# the sender's time spent: 1.75 h (105 min) instead of a few minutes
awk -F, -v OFS=, '{ $5 = "1.75"; $6 = "105"; print }' <<<"$line" >>inc1/MailParticipants.csv
check "the correction changes the time spent" test "$(echo "$line" | cut -d, -f5)" != 1.75

mount_fs s.db live -o "$K,cache=$T/cache.live"
LIVE_JAN=live/activity/2022-01/activity_by_user_2022-01.csv
check "live mount: January's user view before the import" cmp -s "$LIVE_JAN" k0.month/2022-01/activity_by_user_2022-01.csv
ref_before=$(maxref s.db)
"$COLLABFS" import -q s.db inc1
tallies s.db >t2
check "import: one more refresh" test "$(maxref s.db)" = $((ref_before + 1))
check "import: the stamp is '1 $((ref_before + 1))' (got '$(stamp s.db)')" \
	test "$(stamp s.db)" = "1 $((ref_before + 1))"
changed t1 t2 >changed.got
printf '%s\n' "0 $JAN $HR1" "1 $D1 $HR1" "2 $W1 $HR1" | sort >changed.want
check "import: exactly the tallies of $HR1 for 2022-01-19, its week and its month changed (got: $(tr '\n' ';' <changed.got))" \
	cmp -s changed.got changed.want
copy_store s.db c2.db
make_stale c2.db
snap_all "s.db:k2 c2.db:c2"
same_trees k2 c2 "after an incremental import: kept tallies vs computed"
# what changed in the views, against the views before the import
for c in month:2022-01 week:2022-01-16 day:2022-01-19; do
	n=${c%%:*} p=${c#*:}
	f="$p/activity_by_user_$p.csv"
	cmp -s "k0.$n/$f" "k2.$n/$f" && fail "import: $n view $f unchanged (the correction does not show)" || pass
	# every other period's files are the same bytes
	(diff -rq "k0.$n" "k2.$n" || true) | grep -v -e "k0\.$n/$p/" -e "k[02]\.$n/$p:" >other.diff || true
	check "import: $n views of other periods than $p unchanged: $(head -c 300 other.diff)" test ! -s other.diff
done
# the live mount shows the new bytes within a few seconds
wait_changed() {
	for _ in $(seq 60); do
		cmp -s "$LIVE_JAN" k2.month/2022-01/activity_by_user_2022-01.csv && return 0
		sleep 0.1
	done
	return 1
}
check "live mount: January's user view is the new one after the import" wait_changed
check "live mount: the whole activity tree equals a new mount's" diff -r live/activity k2.month
unmount_all live

# ---------------------------------------------------------------------------
# 2b. Rows that move (on a copy): a new person's only mail, 2022-01-20, then
#     a correction of the mail's SentTime alone (Mails.csv) to 2022-02-03,
#     which moves its participant rows: their tallies leave the old day,
#     week and month (none left behind) and enter the new ones.
# ---------------------------------------------------------------------------
copy_store s.db m.db
D20=$(day 2022-01-20) D33=$(day 2022-02-03) W33=$(day 2022-01-30)
mkdir mv1 mv2
cat >mv1/PersonHistorical.csv <<EOF
PersonHistoricalId,EmailAddress,StartDate,EndDate,PopulationType,ManagerId,LevelDesignation,Organization,IsInternal,ExternalCollaboratorId
HNEW,new.person@contoso.example,2022-01-01T00:00:00Z,,MeasuredEmployee,,Junior,$ORG1,True,
EOF
printf 'MailId,ConversationId,Subject,SentTime,SenderTimeSpentinMinutes,NumberOfRecipients\nMV-1,CV-MV,Moved,2022-01-20T14:00:00Z,30,1\n' >mv1/Mails.csv
cat >mv1/MailParticipants.csv <<EOF
MailId,PersonHistoricalId,IsSender,LocalSentTime,PersonTimeSpentInHours,PersonTimeSpentInMinutes
MV-1,HNEW,True,2022-01-20T15:00:00+01:00,0.5,
MV-1,$HR1,False,2022-01-20T09:00:00-05:00,0.25,
EOF
printf 'MailId,ConversationId,Subject,SentTime,SenderTimeSpentinMinutes,NumberOfRecipients\nMV-1,CV-MV,Moved,2022-02-03T14:00:00Z,30,1\n' >mv2/Mails.csv
"$COLLABFS" import -q m.db mv1
tallies m.db >tm1
changed t2 tm1 >changed.got
printf '%s\n' "0 $JAN HNEW" "1 $D20 HNEW" "2 $W1 HNEW" "0 $JAN $HR1" "1 $D20 $HR1" "2 $W1 $HR1" | sort >changed.want
check "new mail: the tallies of its two people for 2022-01-20, its week and month (got: $(tr '\n' ';' <changed.got))" \
	cmp -s changed.got changed.want
"$COLLABFS" import -q m.db mv2
check "moved mail: the stamp follows ('$(stamp m.db)')" test "$(stamp m.db)" = "1 $(maxref m.db)"
tallies m.db >tm2
changed tm1 tm2 >changed.got
printf '%s\n' "0 $JAN HNEW" "1 $D20 HNEW" "2 $W1 HNEW" "0 $FEB HNEW" "1 $D33 HNEW" "2 $W33 HNEW" \
	"0 $JAN $HR1" "1 $D20 $HR1" "2 $W1 $HR1" "0 $FEB $HR1" "1 $D33 $HR1" "2 $W33 $HR1" | sort >changed.want
check "moved mail: the tallies of the old and the new day, week and month (got: $(tr '\n' ';' <changed.got))" \
	cmp -s changed.got changed.want
check "moved mail: the new person's tallies are those of February alone" \
	test "$(grep ' HNEW ' tm2 | awk '{ print $1, $2 }' | tr '\n' ';')" = "0 $FEB;1 $D33;2 $W33;"
check "moved mail: the new person's day tally moved unchanged (same bytes, new day)" \
	test "$(grep "^1 $D20 HNEW " tm1 | cut -d' ' -f4)" = "$(grep "^1 $D33 HNEW " tm2 | cut -d' ' -f4)"
# Two mails on a Saturday and the Sunday after (2022-02-05, 02-06): one run
# of touched days over two weeks.
mkdir mv3
printf 'MailId,ConversationId,Subject,SentTime,SenderTimeSpentinMinutes,NumberOfRecipients\nMV-2,CV-MV,Sat,2022-02-05T14:00:00Z,30,1\nMV-3,CV-MV,Sun,2022-02-06T14:00:00Z,30,1\n' >mv3/Mails.csv
cat >mv3/MailParticipants.csv <<EOF
MailId,PersonHistoricalId,IsSender,LocalSentTime,PersonTimeSpentInHours,PersonTimeSpentInMinutes
MV-2,HNEW,True,2022-02-05T15:00:00+01:00,0.5,
MV-2,$HR1,False,2022-02-05T09:00:00-05:00,0.25,
MV-3,HNEW,True,2022-02-06T15:00:00+01:00,0.5,
MV-3,$HR1,False,2022-02-06T09:00:00-05:00,0.25,
EOF
"$COLLABFS" import -q m.db mv3
tallies m.db >tm3
changed tm2 tm3 >changed.got
D35=$(day 2022-02-05) D36=$(day 2022-02-06) # a Saturday, a Sunday
for h in HNEW "$HR1"; do
	printf '%s\n' "0 $FEB $h" "1 $D35 $h" "1 $D36 $h" "2 $W33 $h" "2 $D36 $h"
done | sort >changed.want
check "weekend mails: the tallies of both days, both weeks and the month (got: $(tr '\n' ';' <changed.got))" \
	cmp -s changed.got changed.want
# A meeting of 2022-02-09 canceled by a correction of its Meetings row
# alone: its attendees' tallies of that day, week and month change.
D39=$(day 2022-02-09)
MT=$(sq m.db "SELECT m.MeetingId FROM meetings m WHERE m._t >= $D39 AND m._t < $D39 + 86400
	AND m.IsCanceled = 0 ORDER BY (SELECT count(*) FROM meeting_participants p
	WHERE p.MeetingId = m.MeetingId AND p.Response <> 'Declined') DESC, m.MeetingId LIMIT 1")
mkdir mv4
"$PY" - "$MT" gen/Meetings.csv mv4/Meetings.csv <<'PY'
import csv, sys
mt, src, dst = sys.argv[1:]
rows = list(csv.reader(open(src, newline="")))
out = [rows[0]] + [r for r in rows[1:] if r[0] == mt]
i = rows[0].index("IsCanceled")
assert len(out) == 2 and out[1][i] == "False", out
out[1][i] = "True"
csv.writer(open(dst, "w", newline="")).writerows(out)
PY
"$COLLABFS" import -q m.db mv4
tallies m.db >tm4
changed tm3 tm4 >changed.got
sq m.db "SELECT DISTINCT PersonHistoricalId FROM meeting_participants
	 WHERE MeetingId = '$MT' AND Response <> 'Declined'" >attendees
while read -r h; do printf '%s\n' "0 $FEB $h" "1 $D39 $h" "2 $D36 $h"; done <attendees | sort >changed.want
check "canceled meeting $MT: the tallies of its $(wc -l <attendees) attendees for 2022-02-09, its week and month (got $(wc -l <changed.got) keys, want $(wc -l <changed.want))" \
	cmp -s changed.got changed.want
check "canceled meeting: more than one attendee" test "$(wc -l <attendees)" -ge 2
# A call of 2022-02-01 gets a participant who started on 2022-01-28: the
# call and all its participant rows move to January (placed by the earliest
# participant).
DF1=$(day 2022-02-01) W31=$(day 2022-01-30) D28=$(day 2022-01-28) W28=$(day 2022-01-23)
CALL=$(sq m.db "SELECT CallRecordId FROM calls WHERE _t >= $DF1 AND _t < $DF1 + 86400
	ORDER BY (SELECT count(*) FROM call_participants p WHERE p.CallRecordId = calls.CallRecordId) DESC,
	CallRecordId LIMIT 1")
sq m.db "SELECT DISTINCT PersonHistoricalId FROM call_participants WHERE CallRecordId = '$CALL'" >callers
mkdir mv5
printf 'CallRecordId,PersonHistoricalId,IsOrganizer,LocalStartTime,LocalEndTime\n%s,HNEW,False,2022-01-28T10:00:00Z,2022-01-28T10:30:00Z\n' "$CALL" >mv5/CallParticipants.csv
"$COLLABFS" import -q m.db mv5
tallies m.db >tm5
changed tm4 tm5 >changed.got
{
	while read -r h; do printf '%s\n' "0 $FEB $h" "1 $DF1 $h" "2 $W31 $h" "0 $JAN $h" "1 $D28 $h" "2 $W28 $h"; done <callers
	printf '%s\n' "0 $JAN HNEW" "1 $D28 HNEW" "2 $W28 HNEW"
} | sort >changed.want
check "call $CALL moved to January: the tallies of its $(wc -l <callers) participants in both days, weeks and months, and the new one's (got $(wc -l <changed.got) keys, want $(wc -l <changed.want))" \
	cmp -s changed.got changed.want
check "moved call: more than one participant before" test "$(wc -l <callers)" -ge 2
copy_store m.db mc.db
make_stale mc.db
snap_all "m.db:km mc.db:cm" month week day
same_trees km cm "after a mail moved to another month: kept vs computed" month week day

# ---------------------------------------------------------------------------
# 3. A store made before tallies: no table, no stamp.
# ---------------------------------------------------------------------------
copy_store s.db o.db
sq o.db "DROP TABLE activity_tally; DELETE FROM meta WHERE key = 'activity_tally'"
snap_all o.db:o3 month day part
same_trees k2 o3 "a store without the tally table" month day part
"$COLLABFS" import -q o.db hrimp
check "older store: the import stamps it (got '$(stamp o.db)', want '1 $(maxref o.db)')" \
	test "$(stamp o.db)" = "1 $(maxref o.db)"
tallies o.db >t3
check "older store: the import rebuilds every tally ($(wc -l <t3) rows, want $(wc -l <t2))" cmp -s t2 t3
snap_all o.db:o3b month
same_trees k2 o3b "older store after its first import" month

# ---------------------------------------------------------------------------
# 4. A refresh by a collabfs that keeps no tallies: it corrected a mail
#    participant row of 2022-02-16 and recorded itself, stamp left behind.
# ---------------------------------------------------------------------------
copy_store s.db f.db
IFS=, read -r MAIL2 HR2 < <(sq f.db "
	SELECT mp.MailId || ',' || mp.PersonHistoricalId
	FROM mail_participants mp JOIN person_historical ph USING (PersonHistoricalId)
	WHERE mp._t >= $D2 AND mp._t < $D2 + 86400 AND mp.IsSender = 1
	  AND ph.PopulationType = 'MeasuredEmployee' ORDER BY mp.MailId LIMIT 1")
check "data: a mail sent on 2022-02-16 by a measured person ($MAIL2 $HR2)" test -n "$HR2"
stamp_f=$(stamp f.db)
fref=$(($(maxref f.db) + 1))
sq f.db "
	BEGIN;
	UPDATE mail_participants SET PersonTimeSpentInHours = 2.5,
		PersonTimeSpentInMinutes = 150, _refresh = $fref
	 WHERE MailId = '$MAIL2' AND PersonHistoricalId = '$HR2';
	INSERT INTO refresh (id, kind, started, committed, rows, files, version)
	 VALUES ($fref, 'import', strftime('%s', 'now'), strftime('%s', 'now'), 1, 1, '0.0.9');
	INSERT INTO refresh_touch VALUES ($fref, 'mail_participants', $D2 / 86400, $D2 / 86400);
	INSERT INTO refresh_touch VALUES ($fref, 'mails', $D2 / 86400, $D2 / 86400);
	COMMIT;"
check "foreign refresh: the stamp is left behind" test "$(stamp f.db)" = "$stamp_f"
check "foreign refresh: the tallies are left as they were" cmp -s t2 <(tallies f.db)
copy_store f.db f4c.db
make_stale f4c.db
snap_all "f.db:f4 f4c.db:f4c" month week day
for c in month:2022-02 week:2022-02-13 day:2022-02-16; do
	n=${c%%:*} p=${c#*:}
	f="$p/activity_by_user_$p.csv"
	cmp -s "k2.$n/$f" "f4.$n/$f" &&
		fail "foreign refresh: $n view $f unchanged: the (outdated) kept tallies were read" || pass
done
check "foreign refresh: January's views unchanged" diff -r k2.month/2022-01 f4.month/2022-01
same_trees f4 f4c "after a foreign refresh: views computed either way" month week day
"$COLLABFS" import -q f.db hrimp
check "foreign refresh: the next import stamps '1 $((fref + 1))' (got '$(stamp f.db)')" \
	test "$(stamp f.db)" = "1 $((fref + 1))"
tallies f.db >t4
changed t2 t4 >changed.got
printf '%s\n' "0 $FEB $HR2" "1 $D2 $HR2" "2 $W2 $HR2" | sort >changed.want
check "foreign refresh: the next import (no event day touched) rebuilt the tallies: those of $HR2 for 2022-02-16, its week and month now differ (got: $(tr '\n' ';' <changed.got))" \
	cmp -s changed.got changed.want
snap_all f.db:f4b month week day
same_trees f4b f4c "after the import that follows a foreign refresh: kept vs computed" month week day

# ---------------------------------------------------------------------------
# 5. Damaged tally blobs: January (month), the week of 2022-01-16 and the
#    day 2022-01-19, each of HR1.
# ---------------------------------------------------------------------------
copy_store s.db d.db
sq d.db "
	UPDATE activity_tally SET tally = x'ff' WHERE interval = 0 AND start = $JAN AND hr = '$HR1';
	UPDATE activity_tally SET tally = tally || x'00' WHERE interval = 2 AND start = $W1 AND hr = '$HR1';
	UPDATE activity_tally SET tally = x'' WHERE interval = 1 AND start = $D1 AND hr = '$HR1';"
printf '%s\n' "0 $JAN $HR1" "1 $D1 $HR1" "2 $W1 $HR1" | sort >changed.want.d
check "damaged: three blobs changed" cmp -s <(changed t2 <(tallies d.db)) changed.want.d
d_before=$(dump d.db)
# a mount in the foreground, its log (stderr) to fg.log
mkdir -p fg
fs_mounts+=(fg)
"$COLLABFS" mount d.db "$T/fg" -o "$K,cache=$T/cache.fg" -f >fg.log 2>&1 &
fgpid=$!
fs_pid[fg]=$fgpid
for _ in $(seq 100); do fs_mounted fg && break; sleep 0.1; done
check "damaged: the foreground mount is up: $(cat fg.log)" fs_mounted fg
# read_fails WHAT FILE: cat FILE fails with EIO
read_fails() {
	local rc=0
	cat "$2" >read.out 2>read.err || rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "$1: cat $2 succeeded ($(wc -c <read.out) bytes); expected EIO"
	elif ! grep -q 'Input/output error' read.err; then
		fail "$1: cat $2 failed, but not with EIO: $(cat read.err)"
	else
		pass
	fi
}
# read_same WHAT FILE REF: cat FILE succeeds and gives REF's bytes
read_same() {
	if cat "$2" >read.out 2>read.err; then
		cmp -s read.out "$3" && pass || fail "$1: $2 differs from $3"
	else
		fail "$1: cat $2 failed: $(cat read.err)"
	fi
}
A=fg/activity
read_fails "damaged month tally" $A/2022-01/activity_by_user_2022-01.csv
read_fails "damaged month tally, again" $A/2022-01/activity_by_user_2022-01.csv
read_fails "damaged month tally, the department view" $A/2022-01/activity_by_department_2022-01.csv
read_fails "damaged month tally, the organization view" $A/2022-01/activity_by_organization_2022-01.csv
for p in 2022-02 2022-03; do
	[ -d "k2.month/$p" ] || continue
	for v in user department organization; do
		read_same "damaged January: $p $v still reads" "$A/$p/activity_by_${v}_$p.csv" "k2.month/$p/activity_by_${v}_$p.csv"
	done
done
check "damaged January: the raw tables of January still read" \
	cat fg/mail_participants/2022-01/mail_participants_2022-01.csv fg/meetings/2022-01/meetings_2022-01.csv >/dev/null
check "damaged January: README.txt reads" cat fg/README.txt >/dev/null
check "damaged: the daemon keeps serving" kill -0 "$fgpid"
check "damaged: the log names the damaged tally of $HR1: $(head -c 400 fg.log)" \
	grep -q "$HR1.*damaged\|damaged.*$HR1" fg.log
unmount_all fg
# week and day mounts read their own tallies
mount_fs d.db dw -o "$K,cache=$T/cache.dw,interval=week"
mount_fs d.db dd -o "$K,cache=$T/cache.dd,interval=day"
read_fails "damaged week tally" dw/activity/2022-01-16/activity_by_user_2022-01-16.csv
read_same "damaged week: the week before reads" dw/activity/2022-01-09/activity_by_user_2022-01-09.csv \
	k2.week/2022-01-09/activity_by_user_2022-01-09.csv
read_same "damaged week: the week after reads" dw/activity/2022-01-23/activity_by_user_2022-01-23.csv \
	k2.week/2022-01-23/activity_by_user_2022-01-23.csv
read_fails "damaged day tally (empty blob)" dd/activity/2022-01-19/activity_by_user_2022-01-19.csv
read_same "damaged day: the day before reads" dd/activity/2022-01-18/activity_by_user_2022-01-18.csv \
	k2.day/2022-01-18/activity_by_user_2022-01-18.csv
unmount_all dw dd
check "damaged: reading did not change the store" test "$(dump d.db)" = "$d_before"
# with a stale stamp the damaged tallies are not read at all
copy_store d.db d2.db
make_stale d2.db
snap_all d2.db:d5 month week day
same_trees k2 d5 "damaged tallies under a stale stamp: computed from the rows" month week day

# ---------------------------------------------------------------------------
# 6. Failed imports leave the tallies and the stamp as they were.
# ---------------------------------------------------------------------------
s_before=$(dump s.db)
tallies s.db >t6
st6=$(stamp s.db)
# a good correction of another day (2022-01-26), then a malformed row
line3=$(sq s.db "SELECT MailId || ',' || PersonHistoricalId FROM mail_participants
	WHERE _t >= $D3 AND _t < $D3 + 86400 ORDER BY MailId LIMIT 1")
mkdir bad1
head -n 1 gen/MailParticipants.csv >bad1/MailParticipants.csv
grep -m 1 "^$line3," gen/MailParticipants.csv | awk -F, -v OFS=, '{ $5 = "3.5"; $6 = ""; print }' >>bad1/MailParticipants.csv
echo "$MAIL1,$HR1,True" >>bad1/MailParticipants.csv
check "bad1 has a good row first" test "$(wc -l <bad1/MailParticipants.csv)" = 3
expect_error "import with a malformed row" "MailParticipants.csv:3" "$COLLABFS" import -q s.db bad1
# a new meeting with its participant, then a participant of no meeting
mkdir bad2
printf 'MeetingId,ICalUid,Subject,IsRecurring,IsCanceled,StartTime,DurationMinutes\r\nMT-new,U-new,New,False,False,2022-01-26T15:00:00Z,30\r\n' >bad2/Meetings.csv
printf 'MeetingId,PersonHistoricalId,LocalStartTime,IsOrganizer,IsDoubleBooked,Response\r\nMT-new,%s,2022-01-26T15:00:00Z,True,False,Accepted\r\nMT-404,%s,2022-01-26T15:00:00Z,False,False,Accepted\r\n' "$HR1" "$HR1" >bad2/MeetingParticipants.csv
expect_error "import with a participant of no meeting" "MT-404" "$COLLABFS" import -q s.db bad2
check "failed imports: the store is unchanged" test "$(dump s.db)" = "$s_before"
check "failed imports: the tallies are unchanged" cmp -s t6 <(tallies s.db)
check "failed imports: the stamp is unchanged ($st6)" test "$(stamp s.db)" = "$st6"
# a failure inside the tally step itself (simulated: the table refuses a
# write): the rows of the import are not committed either
copy_store s.db x.db
sq x.db "CREATE TRIGGER no_tally BEFORE INSERT ON activity_tally BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;"
x_before=$(dump x.db)
rc=0
"$COLLABFS" import -q x.db inc1 >x.out 2>x.err || rc=$?
check "failed tally step: import fails with 1 (got $rc: $(cat x.err))" test "$rc" = 1
check "failed tally step: one-line 'collabfs: ' error" grep -q '^collabfs: ' x.err
check "failed tally step: the store is unchanged" test "$(dump x.db)" = "$x_before"
# after the failures a good import is still incremental: bad1's good row
mkdir good3
head -n 2 bad1/MailParticipants.csv >good3/MailParticipants.csv
"$COLLABFS" import -q s.db good3
check "after failed imports: the stamp follows the refreshes ('$(stamp s.db)')" \
	test "$(stamp s.db)" = "1 $(maxref s.db)"
hr3=$(echo "$line3" | cut -d, -f2)
changed t6 <(tallies s.db) >changed.got
printf '%s\n' "0 $JAN $hr3" "1 $D3 $hr3" "2 $(day 2022-01-23) $hr3" | sort >changed.want
check "after failed imports: the next import changes its day, week and month only (got: $(tr '\n' ';' <changed.got))" \
	cmp -s changed.got changed.want

# ---------------------------------------------------------------------------
# 7. docs/activity.md: "overlaps are removed within each HR row's part, so
#    a meeting overlapping another across the change counts on both sides".
#    ann is promoted in Engineering at 12:00Z on 2022-03-10 (H1 Junior ->
#    H2 Senior, one department): meeting M1 [11:30, 12:30)Z names H1, M2
#    [12:00, 12:30)Z names H2.  Two parts: Meeting_hours = 1.0 + 0.5 = 1.5,
#    Meetings 2, Conflicting_meeting_hours 0 (no overlap within a part),
#    Collaboration_hours 1.5.  (Before the tallies, one (person,
#    department) part: 1.0, 2, 0.5 and 1.0.)
# ---------------------------------------------------------------------------
mkdir promo
cat >promo/PersonHistorical.csv <<'EOF'
PersonHistoricalId,EmailAddress,StartDate,EndDate,PopulationType,ManagerId,LevelDesignation,Organization,IsInternal,ExternalCollaboratorId
H1,ann@c.test,2020-01-01T00:00:00Z,2022-03-10T11:59:59Z,MeasuredEmployee,,Junior,Engineering,True,
H2,ann@c.test,2022-03-10T12:00:00Z,,MeasuredEmployee,,Senior,Engineering,True,
H3,bob@c.test,2020-01-01T00:00:00Z,,MeasuredEmployee,,Junior,Engineering,True,
EOF
cat >promo/Meetings.csv <<'EOF'
MeetingId,ICalUid,Subject,IsRecurring,IsCanceled,StartTime,DurationMinutes
M1,U1,Before,False,False,2022-03-10T11:30:00Z,60
M2,U2,After,False,False,2022-03-10T12:00:00Z,30
EOF
cat >promo/MeetingParticipants.csv <<'EOF'
MeetingId,PersonHistoricalId,LocalStartTime,IsOrganizer,IsDoubleBooked,Response
M1,H1,2022-03-10T11:30:00Z,True,False,Accepted
M1,H3,2022-03-10T11:30:00Z,False,False,Accepted
M2,H2,2022-03-10T12:00:00Z,True,True,Accepted
EOF
"$COLLABFS" import -q p.db promo
cat >raw.policy <<'EOF'
PersonHistorical.EmailAddress = raw
PersonHistorical.ExternalCollaboratorId = exclude
Meetings.ICalUid = raw
EOF
check "promotion store: tallies kept and current" test "$(stamp p.db)" = "1 $(maxref p.db)"
copy_store p.db pc.db
make_stale pc.db
mount_fs p.db pm -o "policy=$T/raw.policy,cache=$T/cache.pm"
mount_fs pc.db pmc -o "policy=$T/raw.policy,cache=$T/cache.pmc"
cp pm/activity/2022-03/activity_by_user_2022-03.csv promo_user.csv
check "promotion: kept and computed views equal" diff -r pm/activity pmc/activity
unmount_all pm pmc
# Collaboration_hours, Meeting_hours, Meetings, ..., Conflicting_meeting_hours
ann=$(grep '^ann@c.test,' promo_user.csv | cut -d, -f3,4,5,13)
check "promotion within a department: ann's Collaboration_hours, Meeting_hours, Meetings, Conflicting_meeting_hours are 1.5000,1.5000,2,0.0000 (one part per HR row); got $ann" \
	test "$ann" = "1.5000,1.5000,2,0.0000"
bob=$(grep '^bob@c.test,' promo_user.csv | cut -d, -f3,4,5,13)
check "promotion: bob's are 1.0000,1.0000,1,0.0000; got $bob" test "$bob" = "1.0000,1.0000,1,0.0000"

reap_all
finish
