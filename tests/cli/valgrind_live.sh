#!/usr/bin/env bash
# The mount and the sync leak nothing and touch no uninitialized memory
# under valgrind: a mount in the foreground read whole and at random
# offsets, then unmounted; a sync (whole files and parallel blocks) into
# Azurite, a second one with nothing to send, and history; a saved export
# saved, run after an import, and removed.
. "$TESTS_DIR/cli/lib.sh"
. "$TESTS_DIR/azure/lib.sh"
command -v valgrind >/dev/null || { echo "no valgrind"; exit 77; }
if nm "$COLLABFS" 2>/dev/null | grep __asan_init >/dev/null; then # not -q: pipefail
	echo "sanitizer build: valgrind does not run it"
	exit 77
fi
fuse_or_skip
vg=(valgrind -q --error-exitcode=99 --leak-check=full
	--show-leak-kinds=definite,indirect,possible
	--errors-for-leak-kinds=definite,indirect,possible)

"$COLLABFS" generate -q --people 40 --months 2 --seed 4 store.db
"$COLLABFS" keygen key >/dev/null
opts="key=$T/key"

# --- the mount, in the foreground under valgrind ------------------------------
mkdir -p mnt
"${vg[@]}" --log-file=vg-mount.txt "$COLLABFS" mount store.db "$T/mnt" -o "$opts" -f &
vpid=$!
cleanup_hooks+=("fusermount3 -uz '$T/mnt' 2>/dev/null")
for _ in $(seq 300); do # valgrind starts slowly
	fs_mounted mnt && break
	sleep 0.1
done
check "mounted under valgrind" fs_mounted mnt
big=$(find mnt -type f -size +1M | head -n 1)
nfiles=$(find mnt -type f | wc -l)
check "every file reads whole" bash -c 'find mnt -type f -exec cat {} + >/dev/null'
check "a large file reads from the middle and the end ($big)" \
	bash -c "tail -c 1000 '$big' >/dev/null && dd if='$big' bs=4096 skip=100 count=3 status=none >/dev/null"
check "stat and ls -lR" bash -c 'ls -lR mnt >/dev/null'
fusermount3 -u mnt
rc=0
wait "$vpid" || rc=$?
check "the daemon exits 0 with no valgrind error after unmount (exit $rc: $(head -c 600 vg-mount.txt))" \
	test "$rc" -eq 0 -a ! -s vg-mount.txt

# --- the sync into Azurite, under valgrind ------------------------------------
azurite_start
az create vgsync >/dev/null
az_sas vgsync w >sas.txt
chmod 600 sas.txt
check "sync (blocks in parallel) under valgrind" \
	"${vg[@]}" "$COLLABFS" sync store.db @sas.txt -o "$opts" --upload-cutoff 1 --jobs 3
check "the container holds the tree ($nfiles files)" test "$(az list vgsync | wc -l)" -eq "$nfiles"
check "a second sync, nothing to send, under valgrind" \
	"${vg[@]}" "$COLLABFS" sync store.db @sas.txt -o "$opts"
check "history under valgrind" "${vg[@]}" "$COLLABFS" history store.db
check "a refused SAS under valgrind (error path)" bash -c '
	sed "s/sig=[^&]*/sig=AAAA/" sas.txt >bad.txt && chmod 600 bad.txt
	valgrind -q --error-exitcode=99 --leak-check=full "$COLLABFS" sync store.db @bad.txt -o "'"$opts"'" 2>err.txt
	[ $? -eq 1 ]'

# --- saved exports: save, list, run after an import, remove -------------------
az create vgexport >/dev/null
az_sas vgexport w >esas.txt
chmod 600 esas.txt
check "export save under valgrind" "${vg[@]}" "$COLLABFS" export save store.db vg @esas.txt -o "$opts"
check "export list --json under valgrind" "${vg[@]}" "$COLLABFS" export list store.db --json
"$COLLABFS" generate -q --people 40 --months 2 --seed 4 --csv csv
check "import running the export under valgrind" "${vg[@]}" "$COLLABFS" import -q store.db csv/Meetings.csv
check "the export delivered the tree ($nfiles files)" test "$(az list vgexport | wc -l)" -eq "$nfiles"
check "export run (nothing to send) under valgrind" "${vg[@]}" "$COLLABFS" export run -q store.db vg
check "export remove under valgrind" "${vg[@]}" "$COLLABFS" export remove store.db vg
finish
