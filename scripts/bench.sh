#!/usr/bin/env bash
# Benchmarks, each run side by side with its peer in the same run, printing
# ratios (machines here are shared and noisy: compare within one run only).
#
#   scripts/bench.sh import    our import vs sqlite3 .import, same CSV files
#   scripts/bench.sh generate  generate's rows/s (1,000 people x 12 months)
#   scripts/bench.sh rss       peak RSS of importing one 2 GB file
#   scripts/bench.sh           all of them
#
# Sizes: BENCH_PEOPLE / BENCH_MONTHS for the import data (default 300 x 4),
# GEN_PEOPLE / GEN_MONTHS for generate (default 1000 x 12), RSS_GB (2).
# Work files go to BENCH_DIR (default /tmp/collabfs-bench).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/deps.sh
collabfs_install_deps
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" >/dev/null
cf=$top/build/release/collabfs
work=${BENCH_DIR:-/tmp/collabfs-bench}
mkdir -p "$work"

# timed LABEL CMD...: run, print wall seconds and peak RSS; sets SECS, RSS_KB.
timed() {
	local label=$1
	shift
	/usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" >/dev/null
	read -r SECS RSS_KB <"$work/time.txt"
	printf '  %-34s %8.2f s  %8d KB peak RSS\n' "$label" "$SECS" "$RSS_KB"
}

rows_in() { # the data rows of the CSV files of a folder (records - headers)
	/usr/bin/python3 -c '
import csv, os, sys
n = 0
for f in os.listdir(sys.argv[1]):
    with open(os.path.join(sys.argv[1], f), newline="", encoding="utf-8") as fh:
        n += sum(1 for _ in csv.reader(fh)) - 1
print(n)' "$1"
}

bench_import() {
	local p=${BENCH_PEOPLE:-300} m=${BENCH_MONTHS:-4} csv=$work/csv
	echo "== import: $p people x $m months, generated CSV, vs sqlite3 .import"
	rm -rf "$csv"
	"$cf" generate -q --people "$p" --months "$m" --seed 1 --csv "$csv"
	local rows bytes
	rows=$(rows_in "$csv")
	bytes=$(du -sb "$csv" | cut -f1)
	echo "  $rows rows, $((bytes / 1000000)) MB of CSV"
	cat "$csv"/*.csv >/dev/null # warm the page cache for both
	for round in 1 2; do
		rm -f "$work/ours.db"* "$work/peer.db"*
		timed "collabfs import (round $round)" "$cf" import -q "$work/ours.db" "$csv"
		local ours=$SECS
		local peer_cmds=()
		for f in "$csv"/*.csv; do
			peer_cmds+=(".import $f $(basename "$f" .csv)")
		done
		timed "sqlite3 .import (round $round)" sqlite3 "$work/peer.db" ".mode csv" "${peer_cmds[@]}"
		local peer=$SECS
		awk -v r="$rows" -v a="$ours" -v b="$peer" 'BEGIN {
			printf "  rows/s: collabfs %.0f, sqlite3 %.0f, ratio %.2f\n", r / a, r / b, b / a }'
	done
	rm -f "$work/ours.db"* "$work/peer.db"*
}

bench_generate() {
	local p=${GEN_PEOPLE:-1000} m=${GEN_MONTHS:-12}
	echo "== generate: $p people x $m months into a store (goal: < 180 s)"
	rm -f "$work/gen.db"*
	/usr/bin/time -f '  %e s, %M KB peak RSS' "$cf" generate --people "$p" --months "$m" --seed 1 "$work/gen.db"
	echo "  as CSV (no store):"
	rm -rf "$work/gencsv"
	"$cf" generate --people "$p" --months "$m" --seed 1 --csv "$work/gencsv" | sed 's/^/  /'
	rm -rf "$work/gencsv" "$work/gen.db"*
}

bench_rss() {
	local gb=${RSS_GB:-2} f=$work/rss/Meetings.csv
	echo "== rss: import of one ${gb} GB Meetings.csv (goal: < 100 MB peak RSS)"
	mkdir -p "$work/rss"
	if [ ! -s "$f" ] || [ "$(stat -c %s "$f")" -lt $((gb * 1000000000)) ]; then
		awk -v limit=$((gb * 1000000000)) 'BEGIN {
			printf "MeetingId,ICalUid,Subject,IsRecurring,IsCanceled,StartTime,DurationMinutes,TotalAccept,TotalAttendees\r\n"
			n = 0; bytes = 0
			while (bytes < limit) {
				t = 1640995200 + n * 3
				line = sprintf("M%012x,U%012x,\"Weekly sync, team %d\",True,False,%s,30,3,4\r\n", n, int(n / 7), n % 97, strftime("%Y-%m-%dT%H:%M:%SZ", t, 1))
				printf "%s", line
				bytes += length(line); n++
			}
		}' >"$f"
	fi
	echo "  $(($(stat -c %s "$f") / 1000000)) MB"
	rm -f "$work/rss.db"*
	timed "collabfs import" "$cf" import -q "$work/rss.db" "$work/rss"
	rm -f "$work/rss.db"*
}

case "${1:-all}" in
import) bench_import ;;
generate) bench_generate ;;
rss) bench_rss ;;
all) bench_import && bench_generate && bench_rss ;;
*) echo "usage: scripts/bench.sh [import|generate|rss|all]" >&2; exit 2 ;;
esac
