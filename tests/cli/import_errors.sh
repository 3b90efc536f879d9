#!/usr/bin/env bash
# Every class of bad input: a clear message naming file, line, column and
# value, a non-zero exit, and the store exactly as it was.
. "$TESTS_DIR/cli/lib.sh"

mkdir good
printf 'PersonHistoricalId,EmailAddress,StartDate,PopulationType,Region\r\nH1,a@x.example,2021-01-01,MeasuredEmployee,EMEA\r\n' >good/PersonHistorical.csv
printf 'MeetingId,StartTime,Subject\r\nM1,2022-01-10T09:00:00Z,Kick-off\r\n' >good/Meetings.csv
printf 'MeetingId,PersonHistoricalId,Response\r\nM1,H1,Accepted\r\n' >good/MeetingParticipants.csv
"$COLLABFS" import -q store.db good
before=$(dump store.db)

# bad NAME CONTENT EXPECTED-MESSAGE: import a one-file folder.
bad() {
	local name=$1 content=$2 want=$3
	rm -rf case && mkdir case
	printf "$content" >"case/$name"
	expect_error "$name: $want" "$want" "$COLLABFS" import store.db "case/$name"
	[ "$(dump store.db)" = "$before" ] && pass || fail "$want: store changed"
}

M='MeetingId,StartTime,Subject,IsRecurring,DurationMinutes\r\n'
bad Meetings.csv "${M}M2,2022-01-11T09:00:00Z,a,True\r\n" \
	'case/Meetings.csv:2: 4 fields, but the header has 5 columns'
bad Meetings.csv "${M}M2,2022-01-11T09:00:00Z,\"open,True,30\r\n" \
	'case/Meetings.csv:2: Subject: unterminated quoted field'
bad Meetings.csv "${M}M2,2022-01-11T09:00:00Z,caf\xc3,True,30\r\n" \
	'case/Meetings.csv:2: Subject: invalid UTF-8 at byte 4 of the field'
bad Meetings.csv "${M}M2,2022-01-11T09:00:00Z,a,Yes,30\r\n" \
	'case/Meetings.csv:2: IsRecurring: "Yes" is not a Boolean'
bad Meetings.csv "${M}M2,2022-01-11T09:00:00Z,a,True,30.5\r\n" \
	'case/Meetings.csv:2: DurationMinutes: "30.5" is not an integer'
bad Meetings.csv "${M}M2,2022-01-11T09:00:00Z,a,True,30\r\nM3,2022-13-45,b,False,30\r\n" \
	'case/Meetings.csv:3: StartTime: "2022-13-45" is not'
bad Meetings.csv "${M}M2,31/01/2022,a,True,30\r\n" \
	'case/Meetings.csv:2: StartTime: "31/01/2022" is not an ISO 8601 datetime'
bad MeetingParticipants.csv 'MeetingId,PersonHistoricalId,Response\r\nM1,H1,Maybe\r\n' \
	'case/MeetingParticipants.csv:2: Response: "Maybe" is not one of'
bad MeetingParticipants.csv 'MeetingId,PersonHistoricalId,DurationMinutesAdjusted\r\nM1,H1,abc\r\n' \
	'DurationMinutesAdjusted: "abc" is not a number'
bad Meetings.csv 'MeetingId,StartTime,Room\r\nM2,2022-01-11T09:00:00Z,B12\r\n' \
	'case/Meetings.csv:1: unknown column "Room"'
bad Meetings.csv 'StartTime,Subject\r\n2022-01-11T09:00:00Z,a\r\n' \
	'case/Meetings.csv:1: missing key column MeetingId'
bad Meetings.csv "${M},2022-01-11T09:00:00Z,a,True,30\r\n" \
	'case/Meetings.csv:2: MeetingId: key value is missing'
bad Meetings.csv "${M}M2,2022-01-11T09:00:00Z,a,True,30\r\nM2,2022-01-12T09:00:00Z,b,True,30\r\n" \
	'case/Meetings.csv:3: duplicate key MeetingId "M2"'
bad MeetingParticipants.csv 'MeetingId,PersonHistoricalId\r\nM404,H1\r\n' \
	'case/MeetingParticipants.csv:2: MeetingId: "M404" has no row in Meetings'
bad Meeting.csv "${M}" 'case/Meeting.csv: not a table file'
bad Meetings.csv '' 'case/Meetings.csv: empty file'
bad Meetings.csv "${M}M2,2022-01-11T09:00:00Z,a\"b,True,30\r\n" \
	'case/Meetings.csv:2: Subject: a quote inside an unquoted field'
bad Meetings.csv "${M}M2,2022-01-11T09:00:00Z,a,True,30\r\n\r\nM3,2022-01-11T09:00:00Z,a,True,30\r\n" \
	'case/Meetings.csv:3: blank line'
bad PersonHistorical.csv 'PersonHistoricalId,StartDte,Region\r\nH9,2022-01-01,EMEA\r\n' \
	'case/PersonHistorical.csv:1: unknown column "StartDte" (did you mean StartDate?'
bad PersonHistorical.csv 'PersonHistoricalId,_secret\r\nH9,x\r\n' \
	'case/PersonHistorical.csv:1: "_secret" cannot be an HR attribute name'

# A good file and a bad one together: all or nothing.
rm -rf case && mkdir case
printf 'MeetingId,StartTime\r\nM7,2022-02-01T09:00:00Z\r\n' >case/Meetings.csv
printf 'MeetingId,PersonHistoricalId\r\nM7,H1\r\nM8,H1\r\n' >case/MeetingParticipants.csv
expect_error "all or nothing" 'MeetingParticipants.csv:3: MeetingId: "M8"' \
	"$COLLABFS" import store.db case
[ "$(dump store.db)" = "$before" ] && pass || fail "all or nothing: store changed"

# The first import into a new store loads in bulk (participant key indexes
# are built after the rows): a repeated participant is still caught at its
# line, and no store is left behind.
rm -rf case && mkdir case
printf 'MeetingId,StartTime\r\nM1,2022-01-10T09:00:00Z\r\n' >case/Meetings.csv
printf 'MeetingId,PersonHistoricalId\r\nM1,H1\r\nM1,H2\r\nM1,H1\r\n' >case/MeetingParticipants.csv
expect_error "bulk load, repeated participant" \
	'case/MeetingParticipants.csv:4: duplicate key MeetingId "M1", PersonHistoricalId "H1"' \
	"$COLLABFS" import bulk.db case
[ ! -e bulk.db ] && pass || fail "failed bulk import left bulk.db"
# ... and a key repeated with another time is found when the key index is
# built after the rows; the importer reads the file again to name the line.
rm -rf case && mkdir case
printf 'MeetingId,StartTime\r\nM1,2022-01-10T09:00:00Z\r\nM2,2022-01-11T09:00:00Z\r\nM1,2022-02-10T09:00:00Z\r\n' >case/Meetings.csv
expect_error "bulk load, repeated meeting" \
	'case/Meetings.csv:4: duplicate key MeetingId "M1"' \
	"$COLLABFS" import bulk.db case
[ ! -e bulk.db ] && pass || fail "failed bulk import left bulk.db"
# ... also when a later line has another error: the first error by line wins
printf 'M3,notadate\r\n' >>case/Meetings.csv
expect_error "bulk load, repeat before a bad line" \
	'case/Meetings.csv:4: duplicate key MeetingId "M1"' \
	"$COLLABFS" import bulk.db case

# A path that does not exist.
expect_error "missing path" 'nope.csv: no such file or folder' \
	"$COLLABFS" import store.db nope.csv

# Stores that are not collabfs stores, or too new.
echo "just text" >text.db
expect_error "text file as store" 'text.db: not a collabfs store' \
	"$COLLABFS" import text.db good
sqlite3 other.db 'CREATE TABLE t(a)'
expect_error "foreign SQLite file" 'other.db: not a collabfs store' \
	"$COLLABFS" import other.db good
cp store.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 99'
expect_error "newer store" 'made by a newer collabfs' \
	"$COLLABFS" import newer.db good
expect_error "newer store, info" 'made by a newer collabfs' \
	"$COLLABFS" info newer.db

# A failed import into a new store leaves no store behind.
rm -rf case && mkdir case && printf "${M}M2,x,a,True,30\r\n" >case/Meetings.csv
expect_error "new store, bad row" 'StartTime: "x"' "$COLLABFS" import fresh.db case
[ ! -e fresh.db ] && [ ! -e fresh.db-wal ] && pass || fail "failed import left fresh.db"

# A read-only store file.
cp store.db ro.db
chmod 0444 ro.db
ro_before=$(dump ro.db)
expect_error "read-only store file" 'ro.db: the store file is read-only' \
	"$COLLABFS" import ro.db good
[ "$(dump ro.db)" = "$ro_before" ] && pass || fail "read-only store changed"

# A full disk and a read-only file system (needs root to mount a tmpfs).
if [ "$(id -u)" -eq 0 ] && mkdir small && mount -t tmpfs -o size=1m tmpfs small 2>/dev/null; then
	cleanup_hooks+=("umount $T/small")
	cp store.db small/store.db
	small_before=$(dump small/store.db)
	mkdir big
	{
		printf 'MeetingId,StartTime,Subject\r\n'
		seq 1 60000 | awk '{printf "M%08d,2022-03-01T09:00:00Z,subject of meeting number %d padded to be long enough\r\n", $1, $1}'
	} >big/Meetings.csv
	expect_error "full disk" 'disk full' "$COLLABFS" import small/store.db big
	[ "$(dump small/store.db)" = "$small_before" ] && pass || fail "full disk: store changed"
	mount -o remount,ro small
	expect_error "read-only file system" 'read-only' "$COLLABFS" import small/store.db good
	mount -o remount,rw small # SQLite cannot read a WAL store on a ro fs
	[ "$(dump small/store.db)" = "$small_before" ] && pass || fail "ro fs: store changed"
else
	echo "skipping full-disk and read-only fs cases (needs root and tmpfs)"
fi
finish
