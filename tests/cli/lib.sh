# Helpers for the command-line tests (sourced).  $COLLABFS is the binary
# under test (set by ctest); each test gets a private temp dir, removed at
# exit.
set -euo pipefail
: "${COLLABFS:?run through ctest, or set COLLABFS to the binary}"
T=$(mktemp -d /tmp/collabfs-test.XXXXXX)
cleanup_hooks=()
cleanup() {
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T"

fails=0
passes=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
pass() {
	passes=$((passes + 1))
}
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	local what=$1
	shift
	if "$@"; then pass; else fail "$what"; fi
}
# expect_error DESCRIPTION SUBSTRING COMMAND...: the command must fail
# (non-zero exit) and print SUBSTRING on stderr.
expect_error() {
	local what=$1 want=$2 rc=0
	shift 2
	"$@" >out.txt 2>err.txt || rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "$what: exit 0, expected an error"
	elif ! grep -qF -- "$want" err.txt; then
		fail "$what: stderr lacks '$want': $(cat err.txt)"
	elif ! grep -q '^collabfs' err.txt; then
		fail "$what: error not prefixed 'collabfs': $(cat err.txt)"
	else
		pass
	fi
}
# A logical dump of a store (schema and rows), to prove it unchanged.
dump() {
	sqlite3 "$1" .dump | sha256sum
}
finish() {
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}

# ---------------------------------------------------------------------
# Mount helpers, for tests/cli/mount_*.sh only.  Every mount made with
# mount_fs is unmounted at exit (fusermount3 -u, then -uz) and its daemon
# stopped, even when the test fails or is interrupted.
declare -A fs_pid=()  # mount point -> pid of its collabfs daemon
fs_mounts=()          # every mount point mount_fs was asked for
fs_err=0              # the status of the command that stopped the test

# fuse_or_skip: exit 77 (skip) without /dev/fuse or fusermount3.
fuse_or_skip() {
	if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
		echo "SKIP: needs /dev/fuse and fusermount3"
		exit 77
	fi
	# name a command that stops the test under set -e; run the EXIT trap
	# (and so the unmounts) on signals too
	set -E
	trap 'fs_err=$?; [ "${FUNCNAME[0]:-}" = finish ] ||
		echo "FAIL: ${BASH_SOURCE[0]##*/}:$LINENO: \"$BASH_COMMAND\" exited $fs_err" >&2' ERR
	trap 'exit 143' TERM
	trap 'exit 130' INT
	trap 'exit 129' HUP
	cleanup_hooks+=("fs_unmount_all")
}
# fs_mounted DIR: DIR is a mount point now.  Read from the kernel's table,
# so a dead FUSE mount ("Transport endpoint is not connected") counts.
fs_mounted() {
	local d
	d=$(realpath -m -- "$1")
	awk -v d="$d" '$5 == d { f = 1 } END { exit !f }' /proc/self/mountinfo
}
# fs_daemon_pids DIR: pids of the collabfs processes serving DIR (their
# command line is "collabfs mount STORE /abs/DIR ...": the helpers below
# pass the mount point's absolute path, which is unique to this test's
# temp dir, so tests running at the same time are never confused).
fs_daemon_pids() {
	local d
	d=$(realpath -m -- "$1")
	pgrep -f "collabfs mount [^ ]+ $d( |\$)" || true
}
# mount_fs STORE DIR [ARGS...]: mount in the background (daemon), as
# "collabfs mount STORE /abs/DIR ARGS...".  When the command fails, or returns
# before the file system is mounted, the test fails and ends there.  Sets
# FS_PID to the daemon's pid.
mount_fs() {
	local store=$1 dir=$2 rc=0
	shift 2
	mkdir -p "$dir"
	fs_mounts+=("$dir")
	FS_PID=
	timeout 30 "$COLLABFS" mount "$store" "$(realpath -m -- "$dir")" "$@" >mount.out 2>mount.err || rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "mount $store $dir $*: exit $rc: $(cat mount.err)"
		finish || exit 1 # nothing more to test without the mount
	fi
	if ! fs_mounted "$dir"; then
		fail "mount $dir $*: returned before the file system was mounted"
		for _ in $(seq 50); do fs_mounted "$dir" && break; sleep 0.1; done
		fs_mounted "$dir" || { finish || exit 1; }
	fi
	FS_PID=$(fs_daemon_pids "$dir" | tail -n 1)
	[ -n "$FS_PID" ] || fail "mount $dir: no 'collabfs mount' daemon process found"
	fs_pid[$dir]=$FS_PID
	pass
}
# unmount_fs DIR: fusermount3 -u (then -uz if busy); the mount must be gone
# and its daemon must exit within 5 s.
unmount_fs() {
	local dir=$1 pid=${fs_pid[$1]:-}
	if fs_mounted "$dir"; then
		fusermount3 -u "$dir" 2>/dev/null || {
			fail "fusermount3 -u $dir failed (busy?); lazy unmount"
			fusermount3 -uz "$dir" 2>/dev/null || true
		}
	fi
	fs_mounted "$dir" && fail "$dir still mounted after fusermount3 -u"
	if [ -n "$pid" ]; then
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then
			fail "daemon $pid still running 5 s after unmounting $dir"
			kill "$pid" 2>/dev/null || true
		fi
	fi
	fs_pid[$dir]=
	return 0
}
# At exit: unmount whatever is left (lazily if need be), stop our daemons.
fs_unmount_all() {
	local d pid
	for d in "${fs_mounts[@]}"; do
		if fs_mounted "$d"; then
			fusermount3 -u "$d" 2>/dev/null || fusermount3 -uz "$d" 2>/dev/null || umount -l "$d" 2>/dev/null || true
		fi
		pid=${fs_pid[$d]:-}
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			sleep 0.5
			kill "$pid" 2>/dev/null || true
		fi
	done
}
# expect_mount_error DESCRIPTION SUBSTRING STORE DIR [ARGS...]: the mount
# must fail with a non-zero exit and a one-line "collabfs: ..." error
# holding SUBSTRING, and leave nothing mounted (DIR is not created).
expect_mount_error() {
	local what=$1 want=$2 store=$3 dir=$4 rc=0
	shift 4
	fs_mounts+=("$dir")
	timeout 30 "$COLLABFS" mount "$store" "$(realpath -m -- "$dir")" "$@" >out.txt 2>err.txt || rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "$what: exit 0, expected an error"
	elif ! grep -qF -- "$want" err.txt; then
		fail "$what: stderr lacks '$want': $(cat err.txt)"
	elif [[ "$(head -n 1 err.txt)" != collabfs* ]]; then
		fail "$what: error not prefixed 'collabfs': $(cat err.txt)"
	elif [ "$(wc -l <err.txt)" -ne 1 ]; then
		fail "$what: error is not one line: $(cat err.txt)"
	else
		pass
	fi
	if fs_mounted "$dir"; then
		fail "$what: $dir was left mounted"
		fusermount3 -u "$dir" 2>/dev/null || fusermount3 -uz "$dir" 2>/dev/null || true
		sleep 1
	fi
	if [ -n "$(fs_daemon_pids "$dir")" ]; then
		fail "$what: a collabfs daemon for $dir is still running"
	fi
}
# ---------------------------------------------------------------------
