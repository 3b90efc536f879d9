#!/usr/bin/env bash
# The main paths leak nothing and touch no uninitialized memory under
# valgrind: generate into a store, generate CSV, import it.
. "$TESTS_DIR/cli/lib.sh"
command -v valgrind >/dev/null || { echo "no valgrind"; exit 77; }
if nm "$COLLABFS" 2>/dev/null | grep __asan_init >/dev/null; then # not -q: pipefail
	echo "sanitizer build: valgrind does not run it"
	exit 77
fi
vg() {
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible "$@"
}
opts="--people 12 --months 1 --seed 3"
check "generate STORE under valgrind" vg "$COLLABFS" generate -q $opts gen.db
check "generate --csv under valgrind" vg "$COLLABFS" generate -q $opts --csv csv
check "import under valgrind" vg "$COLLABFS" import -q imp.db csv
check "import error path under valgrind" bash -c '
	mkdir bad && printf "MeetingId,StartTime\r\nM1,nope\r\n" >bad/Meetings.csv
	valgrind -q --error-exitcode=99 --leak-check=full "$COLLABFS" import -q imp.db bad 2>err.txt
	[ $? -eq 1 ]'
check "info under valgrind" vg "$COLLABFS" info imp.db
finish
