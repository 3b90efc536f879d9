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
)

collabfs_install_deps() {
	local missing=()
	for p in "${COLLABFS_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	collabfs_install_deps
fi
