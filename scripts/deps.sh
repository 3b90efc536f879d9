#!/usr/bin/env bash
# Install the Debian packages collabfs needs to build, test and demo, if any
# is missing.  Sourced by scripts/test.sh and scripts/demo.sh; also runnable.
set -euo pipefail

COLLABFS_PACKAGES=(
	build-essential cmake pkg-config
	libsqlite3-dev sqlite3 libssl-dev libfuse3-dev fuse3 rsync procps
	libcurl4-openssl-dev
	clang libclang-rt-14-dev clang-format clang-tidy cppcheck
	python3 python3-pandas valgrind time
	rclone curl
)
# The Azure sync tests (tests/azure) run Azurite and the official SDK under
# Node.js, from the npm registry, pinned.  Both declare node >= 22 but run
# on the node 20 these machines have.
COLLABFS_NODE_PACKAGES=(azurite@3.37.0 @azure/storage-blob@12.34.0)

collabfs_install_deps() {
	local missing=()
	for p in "${COLLABFS_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	# Debian's nodejs and npm only where there is no node at all: a machine's
	# own (nodesource) nodejs conflicts with Debian's npm, and brings npm.
	command -v node >/dev/null || missing+=(nodejs)
	command -v npm >/dev/null || missing+=(npm)
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Install COLLABFS_NODE_PACKAGES into build/node (ignored by git), unless the
# last complete install there was of that same list.
collabfs_install_node() {
	local dir stamp
	dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/node
	stamp=$dir/installed.txt
	[ "$(cat "$stamp" 2>/dev/null)" = "${COLLABFS_NODE_PACKAGES[*]}" ] && return 0
	echo "installing into $dir: ${COLLABFS_NODE_PACKAGES[*]}"
	mkdir -p "$dir"
	rm -f "$stamp"
	npm install --prefix "$dir" --no-audit --no-fund --save-exact --loglevel=error \
		"${COLLABFS_NODE_PACKAGES[@]}"
	echo "${COLLABFS_NODE_PACKAGES[*]}" >"$stamp"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	collabfs_install_deps
	collabfs_install_node
fi
