#!/usr/bin/env bash
# The README's run command: installs what is missing, builds collabfs,
# generates a demo store, mounts it and shows the tree with ls, head and
# pandas, unmounts, then syncs the same tree to a local Azure Blob emulator
# (Azurite, started here on loopback and stopped at the end) and lists the
# container with the official SDK.
#   scripts/demo.sh [DIR]     (default: ./demo)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/deps.sh
collabfs_install_deps
collabfs_install_node

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
echo "== collabfs keygen + collabfs mount (built-in policy: e-mail addresses hashed)"
[ -s "$dir/key" ] || "$cf" keygen "$dir/key"
mnt=$dir/mnt
mkdir -p "$mnt"
fusermount3 -u "$mnt" 2>/dev/null || true
"$cf" mount "$dir/demo.db" "$mnt" -o key="$dir/key"
trap 'fusermount3 -u "$mnt" 2>/dev/null || true' EXIT
echo "mounted at $mnt"
echo
echo "== ls $mnt; ls -l $mnt/meetings/*"
ls "$mnt"
ls -l "$mnt"/meetings/*
echo
echo "== head -3 $mnt/person_historical/2022-01/person_historical_2022-01.csv"
head -3 "$mnt/person_historical/2022-01/person_historical_2022-01.csv"
echo
echo "== pandas.read_csv on the mount"
/usr/bin/python3 - "$mnt" <<'PY'
import glob, sys
import pandas as pd
root = sys.argv[1]
mp = pd.concat(pd.read_csv(f) for f in sorted(glob.glob(root + "/meeting_participants/*/*.csv")))
print(len(mp), "meeting participant rows over", mp["MeetingId"].nunique(), "meetings")
print(mp.groupby("Response").size().to_string())
PY
echo
fusermount3 -u "$mnt"
trap - EXIT
echo "unmounted.  Mount it yourself with:"
echo "  $cf mount $dir/demo.db $mnt -o key=$dir/key"
echo "  ls $mnt; fusermount3 -u $mnt"

echo
echo "== collabfs sync to a local Azure Blob emulator (Azurite on 127.0.0.1)"
T=$(mktemp -d /tmp/collabfs-demo.XXXXXX)
cleanup_hooks=()
demo_cleanup() {
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
	rm -rf "$T"
}
trap demo_cleanup EXIT
TESTS_DIR=$top/tests
. "$top/tests/azure/lib.sh"
azurite_start
az create demo >/dev/null
az_sas demo w >"$dir/sas.txt" # a write-only SAS, as an exporter is given
chmod 600 "$dir/sas.txt"
rm -rf "$dir/demo.db.sync" # the emulator starts empty each time
"$cf" sync "$dir/demo.db" @"$dir/sas.txt" -o key="$dir/key"
echo "== again, nothing changed: nothing is sent"
"$cf" sync "$dir/demo.db" @"$dir/sas.txt" -o key="$dir/key"
echo
echo "== the container, listed with the official SDK (name, size, MD5)"
az list demo | head -8
echo "..."
echo
echo "== with the account key: links that expire in 1 hour"
AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$AZ_ACCOUNT;AccountKey=$AZ_KEY;BlobEndpoint=$AZ_BLOB_ENDPOINT;" \
	"$cf" sync "$dir/demo.db" azure://"$AZ_ACCOUNT"/demo -o key="$dir/key" --links 1h
url=$(awk -F, 'NR == 2 {print $4}' "$dir"/demo.db.sync/links-*.csv | tail -n 1)
echo "curl one of them: HTTP $(curl -s -o /dev/null -w '%{http_code}' "$url")"
echo
echo "== a saved export: configured once, run after every import (docs/exports.md)"
az create demo-meetings >/dev/null
az_sas demo-meetings w >"$dir/sas-meetings.txt"
chmod 600 "$dir/sas-meetings.txt"
rm -f "$dir/demo.db.secrets"
"$cf" export save "$dir/demo.db" meetings @"$dir/sas-meetings.txt" -o key="$dir/key",scope=meetings
"$cf" export run "$dir/demo.db"
"$cf" export list "$dir/demo.db"
echo
echo "== collabfs history"
"$cf" history "$dir/demo.db"
echo
echo "== collabfs audit (the last entries) and --verify"
"$cf" audit "$dir/demo.db" | tail -n 4
"$cf" audit "$dir/demo.db" --verify
