#!/usr/bin/env bash
# Benchmarks, each run side by side with its peer in the same run, printing
# ratios (machines here are shared and noisy: compare within one run only).
#
#   scripts/bench.sh import    our import vs sqlite3 .import, same CSV files
#   scripts/bench.sh generate  generate's rows/s (1,000 people x 12 months)
#   scripts/bench.sh rss       peak RSS of importing one 2 GB file
#   scripts/bench.sh mount     a 1M-row file through the mount vs sqlite3
#                              -csv, warm vs a regular file and the FUSE
#                              ceiling, the daemon's peak RSS
#   scripts/bench.sh tree      ls -lR of a 1,000 x 12 store's tree
#   scripts/bench.sh activity  the user view of one month of that store vs
#                              its raw meeting_participants file
#   scripts/bench.sh partition a partition's files vs the whole
#                              population's, same month
#   scripts/bench.sh audit     reading every file of the daily tree with
#                              the audit trail on vs off
#   scripts/bench.sh sync      our sync vs parallel curl and rclone on the
#                              same files, into the same Azurite; a no-change
#                              re-sync of a 10,000-file tree
#   scripts/bench.sh sync-large  one 1.09 GB file through blocks: RSS, MD5
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

# pyread FILE [N]: read it as the FUSE ceiling does (unbuffered 1 MiB
# reads), N times (default 1); prints bytes and MB/s of the fastest read,
# as fuse-ceiling.sh reports its warm read (best of 5).
pyread() {
	/usr/bin/python3 -c '
import sys, time
def once(p):
    t = time.perf_counter(); n = 0
    with open(p, "rb", buffering=0) as f:
        while True:
            b = f.read(1 << 20)
            if not b: break
            n += len(b)
    return n, time.perf_counter() - t
runs = [once(sys.argv[1]) for _ in range(int(sys.argv[2]))]
n, dt = min(runs, key=lambda r: r[1])
print(n, "%.1f" % (n / dt / 1e6))' "$1" "${2:-1}"
}

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

mount_tree() { # STORE MNT OPTIONS: mount, print the daemon's pid
	"$cf" mount "$1" "$2" -o "$3"
	pgrep -n -f "collabfs mount $1 $2"
}

bench_mount() {
	local p=${MOUNT_PEOPLE:-16000}
	local st=$work/mount-$p.db mnt=$work/mnt
	local key=$work/key pol=$work/policy.txt opts pid f size
	echo "== mount: $p people x 1 month; meeting_participants through the mount"
	[ -s "$st" ] || "$cf" generate -q --people "$p" --months 1 --seed 1 "$st"
	[ -s "$key" ] || "$cf" keygen "$key" >/dev/null
	printf '%s\n' 'MeetingParticipants.PersonHistoricalId = hash' \
		'PersonHistorical.PersonHistoricalId = hash' >"$pol"
	opts="key=$key,policy=$pol"
	rm -rf "$st.cache"
	mkdir -p "$mnt"
	fusermount3 -u "$mnt" 2>/dev/null || true
	pid=$(mount_tree "$st" "$mnt" "$opts")
	f=$mnt/meeting_participants/2022-01/meeting_participants_2022-01.csv
	timed "first stat (renders once to size)" stat "$f"
	size=$(stat -c %s "$f")
	echo "  $(($(wc -l <"$f") - 1)) rows, $size bytes"
	fusermount3 -u "$mnt"
	pid=$(mount_tree "$st" "$mnt" "$opts")
	drop_caches
	cat "$st" >/dev/null # the store warm, as the peer's database is
	read -r _ cold < <(pyread "$f")
	read -r _ warm < <(pyread "$f" 5)
	echo "  daemon peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/"$pid"/status)"
	cp "$f" "$work/plain.csv"
	fusermount3 -u "$mnt"
	rm -f "$work/peer.db"
	sqlite3 "$work/peer.db" ".mode csv" ".import $work/plain.csv t"
	local peer_bytes
	peer_bytes=$(sqlite3 -csv "$work/peer.db" "SELECT * FROM t" | wc -c)
	timed "sqlite3 -csv, same rows" sqlite3 -csv "$work/peer.db" "SELECT * FROM t"
	local peer_secs=$SECS
	read -r _ plain < <(pyread "$work/plain.csv" 5)
	local ceil ceil_warm
	ceil=$("$top/../shared/tools/fuse-ceiling.sh" "$size" | tail -1)
	echo "  ceiling: $ceil"
	ceil_warm=$(sed -n 's/.*warm_MBps=\([0-9]*\).*/\1/p' <<<"$ceil")
	awk -v c="$cold" -v w="$warm" -v pl="$plain" -v pb="$peer_bytes" \
		-v ps="$peer_secs" -v cw="$ceil_warm" 'BEGIN {
		peer = pb / ps / 1e6
		printf "  cold read %.0f MB/s, sqlite3 -csv %.0f MB/s: ratio %.2f (goal >= 1.0)\n", c, peer, c / peer
		printf "  warm re-read (best of 5) %.0f MB/s, regular file %.0f MB/s: ratio %.2f (goal >= 0.8)\n", w, pl, w / pl
		printf "  warm re-read vs the FUSE ceiling'"'"'s warm read %.0f MB/s: ratio %.2f (the limit: aim >= 0.9)\n", cw, w / cw }'
	rm -f "$work/plain.csv" "$work/peer.db"
}

bench_tree() {
	local p=${TREE_PEOPLE:-1000} m=${TREE_MONTHS:-12}
	local st=$work/tree-$p-$m.db
	local mnt=$work/mnt opts
	echo "== tree: ls -lR of $p people x $m months (goal: < 0.5 s after first touch and after a remount)"
	[ -s "$st" ] || "$cf" generate -q --people "$p" --months "$m" --seed 1 "$st"
	[ -s "$work/key" ] || "$cf" keygen "$work/key" >/dev/null
	opts="key=$work/key"
	rm -rf "$st.cache"
	mkdir -p "$mnt"
	fusermount3 -u "$mnt" 2>/dev/null || true
	mount_tree "$st" "$mnt" "$opts" >/dev/null
	timed "ls -lR, first touch (sizes every file)" ls -lR "$mnt"
	timed "ls -lR, again" ls -lR "$mnt"
	fusermount3 -u "$mnt"
	mount_tree "$st" "$mnt" "$opts" >/dev/null
	timed "ls -lR, after a remount" ls -lR "$mnt"
	echo "  $(find "$mnt" -type f | wc -l) files"
	fusermount3 -u "$mnt"
}

# Azurite on loopback for bench_sync, through the tests' helpers.
sync_setup() {
	collabfs_install_node
	T=$work/az
	rm -rf "$T"
	mkdir -p "$T"
	cleanup_hooks=()
	trap 'for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done' EXIT
	TESTS_DIR=$top/tests
	. "$top/tests/azure/lib.sh"
	azurite_start
}

# curl_cfgs SAS DIR: DIR/J.cfg for each of $jobs curl processes, each
# PUTting its share of the files named in $work/names.txt
curl_cfgs() {
	rm -rf "$2"
	/usr/bin/python3 - "$work/names.txt" "$jobs" "$1" "$2" <<'PY'
import os, sys
names = open(sys.argv[1]).read().split()
jobs, sas, out = int(sys.argv[2]), sys.argv[3], sys.argv[4]
base, q = sas.split("?", 1)
os.makedirs(out, exist_ok=True)
for j in range(jobs):
    with open(f"{out}/{j}.cfg", "w") as f:
        f.write("\nnext\n".join(
            f'upload-file = "{name}"\nurl = "{base}/{name}?{q}"\n'
            'header = "x-ms-blob-type: BlockBlob"\n'
            'header = "Content-Type: text/csv; charset=utf-8"\n'
            'header = "Expect:"\nsilent\nshow-error\nfail\n'
            'output = "/dev/null"' for name in names[j::jobs]) + "\n")
PY
}

best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }

bench_activity() {
	local p=${TREE_PEOPLE:-1000} m=${TREE_MONTHS:-12}
	local st=$work/tree-$p-$m.db mnt=$work/mnt opts r
	local dir=$mnt/activity/2022-03 mp=$mnt/meeting_participants/2022-03
	echo "== activity: the user view of one month of $p people vs the raw meeting_participants file of it"
	[ -s "$st" ] || "$cf" generate -q --people "$p" --months "$m" --seed 1 "$st"
	[ -s "$work/key" ] || "$cf" keygen "$work/key" >/dev/null
	opts="key=$work/key"
	mkdir -p "$mnt"
	fusermount3 -u "$mnt" 2>/dev/null || true
	# A B, three rounds, best of each; each cat on a fresh cache (the
	# first stat renders the file for its size, the read renders it again)
	local user=999 raw=999 dept=999
	for r in 1 2 3; do
		rm -rf "$st.cache"
		mount_tree "$st" "$mnt" "$opts" >/dev/null
		timed "cat activity_by_user_2022-03" cat "$dir/activity_by_user_2022-03.csv"
		user=$(best "$user" "$SECS")
		timed "cat meeting_participants_2022-03" cat "$mp/meeting_participants_2022-03.csv"
		raw=$(best "$raw" "$SECS")
		timed "cat activity_by_department_2022-03" cat "$dir/activity_by_department_2022-03.csv"
		dept=$(best "$dept" "$SECS")
		fusermount3 -u "$mnt"
	done
	awk -v u="$user" -v r="$raw" -v d="$dept" 'BEGIN {
		printf "  user view %.2f s, department view %.2f s, meeting_participants %.2f s: user / raw %.2f (goal: comparable)\n", u, d, r, u / r }'
}

bench_partition() {
	local p=${TREE_PEOPLE:-1000} m=${TREE_MONTHS:-12}
	local st=$work/tree-$p-$m.db mnt=$work/mnt parts=$work/parts.ini
	local files="mails/2022-03/mails_2022-03.csv
mail_participants/2022-03/mail_participants_2022-03.csv
calls/2022-03/calls_2022-03.csv
person_historical/2022-03/person_historical_2022-03.csv
activity/2022-03/activity_by_user_2022-03.csv"
	local f side order part r key
	echo "== partition: files of one month of $p people, a partition's vs the whole population's"
	[ -s "$st" ] || "$cf" generate -q --people "$p" --months "$m" --seed 1 "$st"
	[ -s "$work/key" ] || "$cf" keygen "$work/key" >/dev/null
	printf '[na]\nRegion = NA\n[emea]\nRegion = EMEA\n' >"$parts"
	mkdir -p "$mnt"
	fusermount3 -u "$mnt" 2>/dev/null || true
	declare -A best_t
	# per partition: whole, part / part, whole, three times (alternating);
	# each cat on a fresh cache (stat renders for the size, cat again)
	for part in na emea; do
		for order in "whole $part" "$part whole" "whole $part" "$part whole" "whole $part" "$part whole"; do
			for side in $order; do
				rm -rf "$st.cache"
				if [ "$side" = whole ]; then
					mount_tree "$st" "$mnt" "key=$work/key,audit=off" >/dev/null
				else
					mount_tree "$st" "$mnt" "key=$work/key,audit=off,partitions=$parts,partition=$side" >/dev/null
				fi
				for f in $files; do
					timed "$side $(basename "$f")" cat "$mnt/$f"
					key="$part $side $f"
					best_t[$key]=$(best "${best_t[$key]:-999}" "$SECS")
				done
				fusermount3 -u "$mnt"
			done
		done
	done
	echo "  best of three, seconds; ratio = partition / whole (goal <= 1.0)"
	for part in na emea; do
		echo "  partition [$part] ($(sqlite3 "$st" "select count(*) from person_historical where Region = '${part^^}'") of $(sqlite3 "$st" 'select count(*) from person_historical') HR rows):"
		for f in $files; do
			awk -v f="$(basename "$f")" -v w="${best_t[$part whole $f]}" -v p="${best_t[$part $part $f]}" 'BEGIN {
				printf "    %-38s whole %6.2f  partition %6.2f  ratio %.2f\n", f, w, p, (w > 0 ? p / w : 0) }'
		done
	done
}

bench_audit() {
	local p=${TREE_PEOPLE:-1000} m=${TREE_MONTHS:-12}
	local st=$work/tree-$p-$m.db mnt=$work/mnt opts order mode n
	local on=999 off=999 big_on=999 big_off=999
	local big=meeting_participants/2022-03/meeting_participants_2022-03.csv
	echo "== audit: every file of the daily tree of $p people x $m months, read with the trail on vs off"
	[ -s "$st" ] || "$cf" generate -q --people "$p" --months "$m" --seed 1 "$st"
	[ -s "$work/key" ] || "$cf" keygen "$work/key" >/dev/null
	opts="key=$work/key,interval=day"
	rm -f "$st.audit" "$st.audit.head"
	mkdir -p "$mnt"
	fusermount3 -u "$mnt" 2>/dev/null || true
	mount_tree "$st" "$mnt" "$opts,audit=off" >/dev/null
	n=$(find "$mnt" -type f | wc -l) # the facts cached, for both sides
	fusermount3 -u "$mnt"
	echo "  $n files (each opened once per round: $n audit entries with it on)"

	# on off, off on, on off, off on: best of four each (the order
	# alternates: a machine warming up over the run favours neither); a
	# fresh mount per side
	for order in "on off" "off on" "on off" "off on"; do
		for mode in $order; do
			mount_tree "$st" "$mnt" "$opts,audit=$mode" >/dev/null
			timed "cat every file, audit=$mode" \
				sh -c "cd '$mnt' && find . -type f -print0 | xargs -0 cat"
			if [ "$mode" = on ]; then on=$(best "$on" "$SECS"); else off=$(best "$off" "$SECS"); fi
			fusermount3 -u "$mnt"
			mount_tree "$st" "$mnt" "key=$work/key,audit=$mode" >/dev/null
			timed "cat meeting_participants_2022-03, audit=$mode" cat "$mnt/$big"
			if [ "$mode" = on ]; then big_on=$(best "$big_on" "$SECS"); else big_off=$(best "$big_off" "$SECS"); fi
			fusermount3 -u "$mnt"
		done
	done
	sleep 1 # the last daemon's final batch
	echo "  trail: $(wc -l <"$st.audit") entries; $("$cf" audit "$st" --verify)"
	awk -v a="$on" -v b="$off" -v c="$big_on" -v d="$big_off" 'BEGIN {
		printf "  every file: on %.2f s, off %.2f s: off / on %.3f (goal >= 0.95)\n", a, b, b / a
		printf "  one large file: on %.2f s, off %.2f s: off / on %.3f (goal >= 0.95)\n", c, d, d / c }'
}

bench_sync() {
	local p=${SYNC_PEOPLE:-300} m=${SYNC_MONTHS:-2} jobs=${SYNC_JOBS:-4}
	local st=$work/sync-$p-$m.db files=$work/sync-files mnt=$work/mnt
	echo "== sync: $p people x $m months, $jobs at a time, into Azurite"
	[ -s "$st" ] || "$cf" generate -q --people "$p" --months "$m" --seed 1 "$st"
	[ -s "$work/key" ] || "$cf" keygen "$work/key" >/dev/null
	sync_setup
	# the same files as plain files for the peers (from the mount)
	mkdir -p "$mnt"
	fusermount3 -u "$mnt" 2>/dev/null || true
	"$cf" mount "$st" "$mnt" -o "key=$work/key"
	rm -rf "$files"
	cp -r "$mnt" "$files"
	fusermount3 -u "$mnt"
	local bytes n
	bytes=$(du -sb "$files" | cut -f1)
	n=$(find "$files" -type f | wc -l)
	echo "  $n files, $((bytes / 1000000)) MB"
	# facts cached (as after a mount or an earlier sync): the timed run
	# renders and sends, like the peers send
	"$cf" sync "$st" "$(az_sas warm w)" -o "key=$work/key" --dry-run >/dev/null
	(cd "$files" && find . -type f | sed 's|^\./||' | sort) >"$work/names.txt"
	# A B C, three rounds, best of each (the machine is shared and noisy):
	# ours; the peer, $jobs curl processes each PUTting its share of the
	# files over one kept-alive connection; and the floor for any tool that
	# must render and send here: our renderer (a fresh mount, $jobs
	# readers) and the same curl upload at once, sharing the 2 cores with
	# Azurite as ours does
	local ours=999 peer=999 floor=999 r
	for r in 1 2 3; do
		az create "ours$r" >/dev/null
		rm -rf "$st.sync"
		timed "collabfs sync" "$cf" sync "$st" "$(az_sas "ours$r" w)" -o "key=$work/key" --jobs "$jobs"
		ours=$(best "$ours" "$SECS")
		az create "curl$r" >/dev/null
		curl_cfgs "$(az_sas "curl$r" w)" "$work/curl"
		timed "parallel curl PUT (same files)" bash -c "cd '$files' && for f in '$work'/curl/*.cfg; do curl -K \"\$f\" & done; wait"
		peer=$(best "$peer" "$SECS")
		az create "floor$r" >/dev/null
		curl_cfgs "$(az_sas "floor$r" w)" "$work/curl"
		"$cf" mount "$st" "$mnt" -o "key=$work/key"
		timed "floor: render || curl, at once" bash -c "cd '$files' && for f in '$work'/curl/*.cfg; do curl -K \"\$f\" & done; (cd '$mnt' && find . -type f -print0 | xargs -0 -P '$jobs' -n 1 cat >/dev/null) & wait"
		floor=$(best "$floor" "$SECS")
		fusermount3 -u "$mnt"
	done
	echo "  curl stored $(az list curl3 | wc -l) of $n files; ours $(az list ours3 | wc -l)"
	az create rcl >/dev/null
	local conf
	conf=$(rclone_conf rcl "$(az_sas rcl racwl)")
	timed "rclone copy --transfers $jobs" rclone --config "$conf" copy "$files" az:rcl --transfers "$jobs"
	local rcl=$SECS
	awk -v b="$bytes" -v o="$ours" -v c="$peer" -v r="$rcl" -v f="$floor" 'BEGIN {
		printf "  ours %.1f MB/s, curl %.1f MB/s, rclone %.1f MB/s: ours / best peer %.2f (goal >= 1.0)\n",
			b / o / 1e6, b / c / 1e6, b / r / 1e6, (c < r ? c : r) / o
		printf "  floor (render and send at once) %.1f MB/s: ours / floor %.2f\n", b / f / 1e6, f / o }'
	timed "collabfs sync again (nothing changed)" "$cf" sync "$st" "$(az_sas ours3 w)" -o "key=$work/key"
	# no facts cached (every file new or changed, as after a refresh):
	# the plan renders each file once and sends the whole ones at once
	az create cold >/dev/null
	rm -rf "$st.sync" "$st.cache"
	timed "collabfs sync, no facts cached" "$cf" sync "$st" "$(az_sas cold w)" -o "key=$work/key" --jobs "$jobs"
	awk -v b="$bytes" -v s="$SECS" -v f="$floor" 'BEGIN {
		printf "  no facts cached: %.1f MB/s, / floor %.2f\n", b / s / 1e6, f / s }'
	# a tree of about 10,000 files: days
	local dst=$work/sync-days.db
	[ -s "$dst" ] || "$cf" generate -q --people 10 --months 34 --seed 1 "$dst"
	rm -rf "$dst.sync"
	az create days >/dev/null
	local dsas
	dsas=$(az_sas days w)
	timed "daily tree, first sync" "$cf" sync "$dst" "$dsas" -o "key=$work/key,interval=day" --jobs 8
	echo "  $("$cf" sync "$dst" "$dsas" -o "key=$work/key,interval=day" | tail -1)"
	timed "daily tree, no change (goal: 0 PUT, < 2 s)" "$cf" sync "$dst" "$dsas" -o "key=$work/key,interval=day"
}

# One large file through blocks: the mail tables of the mount bench's
# store (a 1.09 GB mail_participants file): time, peak RSS (goal < 100 MB),
# and the blob's MD5 against the file's through a mount.
bench_sync_large() {
	local p=${MOUNT_PEOPLE:-16000}
	local st=$work/mount-$p.db mnt=$work/mnt opts="key=$work/key,scope=mail"
	echo "== sync: one large file ($p people x 1 month, scope=mail)"
	[ -s "$st" ] || "$cf" generate -q --people "$p" --months 1 --seed 1 "$st"
	[ -s "$work/key" ] || "$cf" keygen "$work/key" >/dev/null
	sync_setup
	az create big >/dev/null
	"$cf" sync "$st" "$(az_sas big w)" -o "$opts" --dry-run | tail -1
	rm -rf "$st.sync"
	timed "collabfs sync (goal: RSS < 100 MB)" "$cf" sync "$st" "$(az_sas big w)" -o "$opts"
	local f=mail_participants/2022-01/mail_participants_2022-01.csv
	mkdir -p "$mnt"
	"$cf" mount "$st" "$mnt" -o "$opts"
	echo "  $f: $(stat -c %s "$mnt/$f") bytes; MD5 stored $(az list big | awk -v f="$f" '$1 == f {print $3}'), read $(md5_b64 "$mnt/$f")"
	fusermount3 -u "$mnt"
}

case "${1:-all}" in
import) bench_import ;;
generate) bench_generate ;;
rss) bench_rss ;;
mount) bench_mount ;;
tree) bench_tree ;;
activity) bench_activity ;;
partition) bench_partition ;;
audit) bench_audit ;;
sync) bench_sync ;;
sync-large) bench_sync_large ;;
all) bench_import && bench_generate && bench_rss && bench_mount && bench_tree && bench_activity && bench_partition && bench_audit ;;
*) echo "usage: scripts/bench.sh [import|generate|rss|mount|tree|activity|partition|audit|sync|sync-large|all]" >&2; exit 2 ;;
esac
