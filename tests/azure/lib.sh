# shellcheck shell=bash
# Helpers for tests that talk to a real Blob endpoint: Azurite on loopback,
# and a fault-injecting proxy in front of it.  Sourced after tests/cli/lib.sh
# (it uses $T, cleanup_hooks, fail).  It lives outside tests/cli because every
# tests/cli/*.sh is a test.  Azurite and the SDK come from build/node
# (scripts/deps.sh: collabfs_install_node); without them a test is skipped.
#
#   azurite_start [PORT]          exports AZ_PORT AZ_ACCOUNT AZ_KEY AZ_BLOB_ENDPOINT;
#                                 again with "$AZ_PORT": a restart, same port and data
#   az CMD ARGS...                tests/azure/az.mjs (create, sas, list, get,
#                                 put, delete, blocks, props)
#   az_sas CONTAINER PERMS [SECONDS]   prints a container SAS URL (1 h)
#   md5_b64 FILE                  its MD5 in base64, as Content-MD5 and az list show it
#   sas_blob_url SASURL BLOB      the URL of BLOB in that container, with the SAS
#   rclone_conf CONTAINER SASURL  writes an rclone config (remote "az"), prints its path
#   rclone_check DIR CONTAINER[/PREFIX] [RCLONE_ARGS...]
#                                 rclone check, output in $T/rclone-check.out
#   proxy_start [RULE...]         exports PROXY_PORT PROXY_ENDPOINT PROXY_LOG (one proxy
#                                 at a time: it stops the one before)
#   proxy_rules [RULE...]         replaces the rules (a RULE is one JSON object)
#   proxy_url URL                 the same URL through the proxy
#   proxy_count METHOD            how many METHOD requests the proxy saw
#   proxy_stop, azurite_stop      (also done at exit)
# Processes started here are killed if the test's shell dies, even by SIGKILL,
# so start them from the test's own shell, not from a subshell.

: "${TESTS_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
AZ_LIB_DIR=$(cd "$TESTS_DIR/azure" && pwd)
AZ_NODE_DIR=${AZ_NODE_DIR:-$(cd "$TESTS_DIR/.." && pwd)/build/node}
export AZ_NODE_DIR
AZ_PID='' PROXY_PID=''

# bg_start LOG COMMAND...: run COMMAND in the background in a session (and
# process group) of its own, so that it and its children can be stopped
# together; it gets SIGKILL when this shell dies.  Sets BG_PID.
bg_start() {
	local out=$1
	shift
	/usr/bin/python3 -c 'import ctypes, os, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' "$@" >"$out" 2>&1 </dev/null &
	BG_PID=$!
}
# bg_stop PID [DONE_COMMAND]: SIGTERM to its process group, SIGKILL when it
# has not exited within 3 s, or as soon as DONE_COMMAND succeeds.
bg_stop() {
	local pid=$1 done=${2:-false}
	[ -n "$pid" ] || return 0
	kill -TERM -- "-$pid" 2>/dev/null || return 0
	for _ in $(seq 30); do
		pgrep -g "$pid" >/dev/null || break
		$done && break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# free_port: a loopback port nothing listens on, outside the range the
# kernel hands out for outgoing connections.
free_port() {
	/usr/bin/python3 -c 'import random, socket, sys
lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
for _ in range(1000):
    p = random.randint(20000, 65000)
    if lo <= p <= hi:
        continue
    try:
        socket.create_server(("127.0.0.1", p)).close()
        sys.exit(print(p))
    except OSError:
        pass
sys.exit("free_port: found none")'
}

azurite_start() {
	local bin=$AZ_NODE_DIR/node_modules/.bin/azurite-blob try
	if [ ! -x "$bin" ] || [ ! -d "$AZ_NODE_DIR/node_modules/@azure/storage-blob" ] ||
		! command -v node >/dev/null; then
		echo "SKIP: needs node, and Azurite and @azure/storage-blob in $AZ_NODE_DIR" \
			"(scripts/deps.sh: collabfs_install_node)"
		exit 77
	fi
	# run the EXIT trap (and so the cleanup hooks) on signals too
	trap 'exit 143' TERM
	trap 'exit 130' INT
	trap 'exit 129' HUP
	cleanup_hooks+=("azurite_stop")
	azurite_stop
	mkdir -p "$T/azurite"
	for try in 1 2 3; do # another server may take the port first
		AZ_PORT=${1:-$(free_port)}
		bg_start "$T/azurite.log" "$bin" --blobHost 127.0.0.1 --blobPort "$AZ_PORT" \
			--location "$T/azurite" --silent --skipApiVersionCheck --loose
		AZ_PID=$BG_PID
		# its own line proves that this Azurite, not another, has the port
		for _ in $(seq 200); do
			grep -q "listens on http://127.0.0.1:$AZ_PORT" "$T/azurite.log" && break
			kill -0 "$AZ_PID" 2>/dev/null || break
			sleep 0.1
		done
		if grep -q "listens on" "$T/azurite.log" &&
			[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
				"http://127.0.0.1:$AZ_PORT/devstoreaccount1?comp=list")" != 000 ]; then
			break
		fi
		echo "azurite_start: try $try on port $AZ_PORT failed: $(tail -n 3 "$T/azurite.log")" >&2
		azurite_stop
		[ "$try" -lt 3 ] || { echo "FAIL: Azurite did not start" >&2 && exit 1; }
	done
	export AZ_PORT AZ_ACCOUNT=devstoreaccount1
	# the public key of Azurite's development account, the same everywhere
	export AZ_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
	export AZ_BLOB_ENDPOINT=http://127.0.0.1:$AZ_PORT/$AZ_ACCOUNT
}
# Azurite closes its server and database at once on SIGTERM, then lingers
# (20 s and more here, 70 s seen elsewhere): kill it once it says it closed.
azurite_stop() {
	bg_stop "$AZ_PID" azurite_closed
	AZ_PID=
}
azurite_closed() {
	grep -q "successfully closed" "$T/azurite.log"
}

az() {
	node "$AZ_LIB_DIR/az.mjs" "$@"
}
az_sas() {
	az sas "$1" "$2" "${3:-3600}"
}

md5_b64() {
	/usr/bin/python3 -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.md5(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}
sas_blob_url() {
	echo "${1%%\?*}/$2?${1#*\?}"
}

rclone_conf() {
	local conf=$T/rclone-$1.conf
	printf '[az]\ntype = azureblob\nsas_url = %s\n' "$2" >"$conf"
	echo "$conf"
}
# rclone_check: rclone needs list and read permissions, so it gets its own
# SAS.  It compares sizes and MD5s, and fails on a blob without an MD5
# (rclone alone would pass it on its size); --download compares the bytes.
rclone_check() {
	local dir=$1 target=$2 c=${2%%/*} conf out=$T/rclone-check.out
	shift 2
	conf=$(rclone_conf "check-$c" "$(az_sas "$c" rl 600)")
	rclone --config "$conf" check "$dir" "az:$target" "$@" >"$out" 2>&1 &&
		! grep -q "hashes could not be checked" "$out"
}

proxy_rules() {
	local IFS=,
	printf '[%s]\n' "$*" >"$PROXY_RULES.new"
	/usr/bin/python3 -m json.tool "$PROXY_RULES.new" >/dev/null ||
		{ fail "proxy_rules: not JSON: $*" && return 1; }
	mv "$PROXY_RULES.new" "$PROXY_RULES" # whole, as the proxy reads it
}
proxy_start() {
	: "${AZ_PORT:?azurite_start first}"
	export PROXY_RULES=$T/proxy-rules.json PROXY_LOG=$T/proxy.log
	proxy_rules "$@"
	: >"$PROXY_LOG"
	cleanup_hooks+=("proxy_stop")
	proxy_stop
	bg_start "$T/proxy.out" /usr/bin/python3 "$AZ_LIB_DIR/faultproxy.py" \
		"$AZ_PORT" "$PROXY_RULES" "$PROXY_LOG"
	PROXY_PID=$BG_PID
	for _ in $(seq 100); do # it prints its port once it listens
		PROXY_PORT=$(head -n 1 "$T/proxy.out")
		[[ $PROXY_PORT =~ ^[0-9]+$ ]] && break
		sleep 0.1
	done
	[[ $PROXY_PORT =~ ^[0-9]+$ ]] || { echo "FAIL: faultproxy did not start: $(cat "$T/proxy.out")" >&2 && exit 1; }
	export PROXY_PORT PROXY_ENDPOINT=http://127.0.0.1:$PROXY_PORT/$AZ_ACCOUNT
}
proxy_stop() {
	bg_stop "$PROXY_PID"
	PROXY_PID=
}
proxy_url() {
	echo "${1/#http:\/\/127.0.0.1:$AZ_PORT\//http://127.0.0.1:$PROXY_PORT/}"
}
proxy_count() {
	awk -F '\t' -v m="$1" '$1 == m { n++ } END { print n + 0 }' "$PROXY_LOG"
}
