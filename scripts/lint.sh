#!/usr/bin/env bash
# Source checks that need no build: clang-format and banned functions.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null ||
	find src include tests -name '*.c' -o -name '*.h')
status=0
if command -v clang-format >/dev/null; then
	for f in $files; do
		[ -f "$f" ] || continue
		clang-format --dry-run --Werror "$f" 2>/dev/null || {
			echo "lint: $f is not clang-formatted (run clang-format -i $f)"
			status=1
		}
	done
fi
banned='\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gmtime|localtime|strerror)[[:space:]]*\('
if grep -nE "$banned" $(echo "$files" | grep -v '^tests/') 2>/dev/null; then
	echo "lint: banned function (use snprintf, strtoll, gmtime_r, strerror_r)"
	status=1
fi
exit $status
