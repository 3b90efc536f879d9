#!/usr/bin/env bash
# The README's run command: installs what is missing, builds collabfs,
# generates a demo store and shows what is in it.
#   scripts/demo.sh [DIR]     (default: ./demo)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/deps.sh
collabfs_install_deps

cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" >/dev/null
cf=$top/build/release/collabfs
dir=${1:-$top/demo}
mkdir -p "$dir"
rm -f "$dir/demo.db" "$dir/demo.db-wal" "$dir/demo.db-shm"

echo "== collabfs generate: 200 people, 3 months"
"$cf" generate --people 200 --months 3 --start 2022-01 --seed 1 "$dir/demo.db"
echo
echo "== collabfs info"
"$cf" info "$dir/demo.db"
echo
echo "== the same organization as seed-format CSV files"
rm -rf "$dir/csv"
"$cf" generate --people 200 --months 3 --start 2022-01 --seed 1 --csv "$dir/csv"
ls -l "$dir/csv"
echo
echo "== head -3 $dir/csv/MeetingParticipants.csv"
head -3 "$dir/csv/MeetingParticipants.csv"
echo
echo "== importing them into a second store (one refresh)"
rm -f "$dir/imported.db"*
"$cf" import "$dir/imported.db" "$dir/csv"
echo
echo "The demo store is $dir/demo.db; try: $cf info $dir/demo.db"
