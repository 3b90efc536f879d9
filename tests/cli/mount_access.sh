#!/usr/bin/env bash
# collabfs mount -o allow_other,gid=G (and uid=U): every file 0440 and
# folder 0550 owned by G, the kernel checking: a member of G reads every
# file, a user outside it gets EACCES on every file and folder, root's view
# is unchanged, and the audit trail records the reader's uid.  Real users,
# made here and removed at the end.
. "$TESTS_DIR/cli/lib.sh"
fuse_or_skip
PY=/usr/bin/python3
if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null; then
	echo "SKIP: needs root and useradd"
	exit 77
fi

grp=cfsg$$ member=cfsm$$ outsider=cfso$$
cleanup_hooks+=("userdel $member 2>/dev/null; userdel $outsider 2>/dev/null; groupdel $grp 2>/dev/null")
groupadd "$grp"
useradd -M -N -g "$grp" -s /bin/sh "$member"
useradd -M -N -s /bin/sh "$outsider"
chmod 755 "$T" # the mount points are reached through it

"$COLLABFS" generate -q --people 30 --months 2 --seed 4 store.db
"$COLLABFS" keygen key >/dev/null

# what root sees without the option: names, sizes, bytes
mount_fs store.db plain -o key=key
(cd plain && find . -printf '%p %y %s\n' | sort) >plain.list
(cd plain && find . -type f -print0 | sort -z | xargs -0 md5sum) >plain.md5
unmount_fs plain

mount_fs store.db mnt -o "key=key,allow_other,gid=$grp"
gid=$(getent group "$grp" | cut -d: -f3)
nfiles=$(grep -c ' f ' plain.list)
ndirs=$(grep -c ' d ' plain.list)
check "the tree has files and folders" test "$nfiles" -gt 20 -a "$ndirs" -gt 5

# --- modes and owners ----------------------------------------------------------
(cd mnt && find . -printf '%p %y %s\n' | sort) >mnt.list
check "root sees the same names and sizes" cmp -s plain.list mnt.list
(cd mnt && find . -type f -print0 | sort -z | xargs -0 md5sum) >mnt.md5
check "root reads the same bytes" cmp -s plain.md5 mnt.md5
bad_modes=$(cd mnt && find . \( -type f ! -perm 0440 \) -o \( -type d ! -perm 0550 \) | wc -l)
check "every file is 0440 and every folder 0550 ($bad_modes are not)" test "$bad_modes" -eq 0
bad_group=$(cd mnt && find . ! -gid "$gid" | wc -l)
check "everything belongs to group $grp ($bad_group does not)" test "$bad_group" -eq 0
check "the root folder is 0550 too" test "$(stat -c %a mnt)" = 550

# --- the member reads everything ------------------------------------------------
su "$member" -c "cd '$T/mnt' && find . -type f -print0 | sort -z | xargs -0 md5sum" >member.md5 2>member.err || true
check "the member reads every file, byte for byte ($(head -c 300 member.err))" cmp -s plain.md5 member.md5

# --- the outsider gets EACCES on every file and folder ---------------------------
cat >probe.py <<'EOF'
import errno, os, sys
root, listing = sys.argv[1], sys.argv[2]
wrong = []
n = 0
for line in open(listing):
    path, kind = line.split(" ")[:2]
    full = os.path.normpath(os.path.join(root, path))
    n += 1
    try:
        if kind == "d":
            os.listdir(full)
        else:
            with open(full, "rb") as f:
                f.read(1)
        wrong.append(path + ": readable")
    except OSError as e:
        if e.errno != errno.EACCES:
            wrong.append("%s: %s" % (path, os.strerror(e.errno)))
print(n, len(wrong))
for w in wrong[:5]:
    print(w)
EOF
chmod 644 probe.py plain.list
su "$outsider" -c "$PY '$T/probe.py' '$T/mnt' '$T/plain.list'" >outsider.txt 2>&1 || true
read -r probed wrong <outsider.txt || true
check "the outsider was refused ($(tail -n +2 outsider.txt | tr '\n' ' '))" test "${wrong:-x}" = 0
check "... on all $((nfiles + ndirs)) files and folders (probed ${probed:-0})" test "${probed:-0}" -eq $((nfiles + ndirs))
if su "$outsider" -c "cat '$T/mnt/README.txt'" >/dev/null 2>outsider.err; then
	fail "the outsider read README.txt"
else
	check "cat says Permission denied" grep -q "Permission denied" outsider.err
fi

# --- the audit trail names the member's uid ---------------------------------------
unmount_fs mnt # the trail is written by the end
muid=$(id -u "$member")
n_member=$("$COLLABFS" audit store.db --json | $PY -c '
import json, sys
uid = int(sys.argv[1])
print(sum(1 for l in sys.stdin if json.loads(l).get("event") == "open" and json.loads(l).get("uid") == uid))' "$muid")
check "the audit trail records the member's $nfiles opens with uid $muid (has $n_member)" test "$n_member" -eq "$nfiles"

# --- uid= -----------------------------------------------------------------------------
mount_fs store.db owned -o "key=key,allow_other,uid=$member"
check "uid=: the owner is the member" test "$(stat -c %U owned/README.txt)" = "$member"
check "uid=: the owner reads" su "$member" -c "cat '$T/owned/README.txt' >/dev/null"
if su "$outsider" -c "ls '$T/owned'" >/dev/null 2>&1; then
	fail "uid=: the outsider listed the root folder"
else
	pass
fi
unmount_fs owned

# --- bad values ------------------------------------------------------------------------
expect_mount_error "gid of no group" "option gid: 'nosuch$$' is no group" \
	store.db bad -o "key=key,gid=nosuch$$"
expect_mount_error "an empty uid" "option uid: '' is no user" \
	store.db bad -o "key=key,uid="
finish
