#!/usr/bin/env bash
# Static analysis of src/: clang-tidy (the project's .clang-tidy, warnings
# are errors) and cppcheck.  Needs a build dir with compile_commands.json.
#   scripts/tidy.sh [BUILD_DIR]      (default build/release)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${1:-build/release}
[ -f "$build/compile_commands.json" ] || {
	echo "tidy: no $build/compile_commands.json (build first)" >&2
	exit 2
}
echo "clang-tidy: src/*.c"
ls src/*.c | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet 2>/dev/null
echo "cppcheck: src/"
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	--std=c11 --inline-suppr --suppress=missingIncludeSystem \
	-D_DEFAULT_SOURCE -DCOLLABFS_VERSION='"0"' -Iinclude src/
