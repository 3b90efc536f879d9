#!/usr/bin/env bash
# The test command: installs what is missing, checks the sources (format,
# banned functions), builds a normal and an ASan+UBSan build (and, with
# clang, the libFuzzer target), and runs the whole suite with ctest in each.
#   scripts/test.sh            everything
#   scripts/test.sh -R regex   only matching tests (passed to ctest)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/deps.sh
collabfs_install_deps
collabfs_install_node

jobs=$(nproc)
scripts/lint.sh

build() { # dir, extra cmake args...
	local dir=$1
	shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_COMPILE_WARNING_AS_ERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j "$jobs" >/dev/null
}

build build/release
build build/asan -DCOLLABFS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
scripts/tidy.sh build/release

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

echo "== release build"
ctest --test-dir build/release --output-on-failure -j "$jobs" "$@"
echo "== asan build"
ctest --test-dir build/asan --output-on-failure -j "$jobs" "$@"

if command -v clang >/dev/null && [ $# -eq 0 ]; then
	echo "== fuzz build (libFuzzer, bounded time)"
	CC=clang build build/fuzz -DCOLLABFS_FUZZ=ON -DCOLLABFS_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug
	ctest --test-dir build/fuzz --output-on-failure -R '^fuzz\.run'
fi
