#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run kbuild for a kernel line whose headers live in the Debian 13 chroot
# (7.3, 7.3-rt).  Options: --help.
set -euo pipefail

usage() {
	cat <<'EOT'
Usage: tools/chroot-make.sh LINE BUILDDIR [make arguments...]

Run kbuild for a kernel line whose headers live in the Debian 13 chroot
(tools/setup.sh: 7.3, 7.3-rt): runs `make -C $KDIR M=/jmod/build ARGS`
inside $CHROOT with BUILDDIR bind-mounted on /jmod/build and /proc
mounted (objtool reads it), so the objects and the module land in
BUILDDIR on the host.  Both mounts live in a private mount namespace and
are unmounted on exit: none outlives the build, even when it is killed.
EOT
}

case ${1:-} in -h|--help) usage; exit 0 ;; esac
[ $# -ge 2 ] || { usage >&2; exit 2; }
line=$1 build=$2
shift 2
JMOD_CACHE=${JMOD_CACHE:-/var/cache/jmod}
envfile=$JMOD_CACHE/kernels/$line/env
[ -f "$envfile" ] || { echo "chroot-make: $envfile missing (make setup)" >&2; exit 2; }
KDIR='' CHROOT=''
# shellcheck source=/dev/null
. "$envfile"
[ -n "$CHROOT" ] || { echo "chroot-make: $line has no CHROOT" >&2; exit 2; }
[ -d "$build" ] || { echo "chroot-make: no $build" >&2; exit 2; }
build=$(cd "$build" && pwd)

if [ "${JMOD_IN_NS:-}" != 1 ]; then
	JMOD_IN_NS=1 exec unshare --mount --propagation private "$0" \
		"$line" "$build" "$@"
fi

mnt=$CHROOT/jmod/build
mkdir -p "$mnt"
# shellcheck disable=SC2317 # called through the trap
cleanup() {
	umount "$mnt" 2>/dev/null || true
	umount "$CHROOT/proc" 2>/dev/null || true
}
trap cleanup EXIT
mount -t proc proc "$CHROOT/proc"
mount --bind "$build" "$mnt"
# A clean environment: the host make's MAKEFLAGS would name a jobserver
# that does not exist in the chroot (and make warns about it).
rc=0
chroot "$CHROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	LC_ALL=C make -j"$(nproc)" -C "$KDIR" M=/jmod/build "$@" || rc=$?
exit "$rc"
