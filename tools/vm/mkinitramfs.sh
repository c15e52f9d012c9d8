#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the jmod test guest's initramfs (gzip'ed newc cpio):
#   /bin/busybox (static) + applet symlinks, /init (tools/vm/init),
#   /etc/jmod.conf, /jmalloc.ko (and /jmod_ext_test.ko if built beside
#   it), /selftests/<binaries>, /bin/jmodctl.
#
# Usage: mkinitramfs.sh --out FILE --module KO [--selftests DIR]
#          [--tests "a b"] [--jmodctl BIN] [--mode test|demo]
#          [--module-args ARGS] [--mem-tolerance KB]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out='' module='' selftests='' tests='' jmodctl='' mode=test module_args='' tolerance=8192

die() { echo "mkinitramfs: error: $*" >&2; exit 1; }
warn() { echo "mkinitramfs: warning: $*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift ;;
	--module) module=$2; shift ;;
	--selftests) selftests=$2; shift ;;
	--tests) tests=$2; shift ;;
	--jmodctl) jmodctl=$2; shift ;;
	--mode) mode=$2; shift ;;
	--module-args) module_args=$2; shift ;;
	--mem-tolerance) tolerance=$2; shift ;;
	*) die "unknown argument $1" ;;
	esac
	shift
done
[ -n "$out" ] || die "--out is required"
[ -f "$module" ] || die "module '$module' not found"

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found (apt-get install busybox-static)"
if readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter'; then
	die "$busybox is dynamically linked (apt-get install busybox-static)"
fi

is_static() {
	! readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'
}

stage=$(mktemp -d "${TMPDIR:-/tmp}/jmod-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,selftests}
cp "$busybox" "$stage/bin/busybox"
# Applet symlinks (bin/ls, sbin/insmod, ...), never over busybox itself.
while read -r applet; do
	applet=${applet#/}
	[ -e "$stage/$applet" ] || [ -L "$stage/$applet" ] ||
		ln -s /bin/busybox "$stage/$applet"
done < <("$busybox" --list-full)
# The kernel opens /dev/console before /init runs; devtmpfs comes later.
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
fi
install -m 755 "$here/init" "$stage/init"
cp "$module" "$stage/$(basename "$module")"
# The external user of the API (jmod_ext_test.ko) built with the module:
# jmod_extmod_test loads it from /.
ext=$(dirname "$module")/jmod_ext_test.ko
[ -f "$ext" ] && cp "$ext" "$stage/jmod_ext_test.ko"

# Selftests: every executable regular file, or only the named ones.
if [ -n "$tests" ] && [ "$tests" != none ]; then
	[ -d "$selftests" ] || die "--tests given but selftests dir '$selftests' missing"
	for t in ${tests//,/ }; do
		{ [ -x "$selftests/$t" ] && [ -f "$selftests/$t" ]; } ||
			die "selftest '$t' not found in $selftests"
		cp "$selftests/$t" "$stage/selftests/"
	done
elif [ -z "$tests" ] && [ -n "$selftests" ] && [ -d "$selftests" ]; then
	for f in "$selftests"/*; do
		{ [ -f "$f" ] && [ -x "$f" ]; } || continue
		cp "$f" "$stage/selftests/"
	done
fi
for f in "$stage"/selftests/*; do
	[ -f "$f" ] || continue
	is_static "$f" || warn "$(basename "$f") is not static: it cannot run in the guest"
done

if [ -n "$jmodctl" ]; then
	[ -x "$jmodctl" ] || die "jmodctl '$jmodctl' not executable"
	is_static "$jmodctl" || warn "$jmodctl is not static: it cannot run in the guest"
	cp "$jmodctl" "$stage/bin/jmodctl"
fi

modname=$(basename "$module" .ko)
{
	printf 'MODE=%q\n' "$mode"
	printf 'MODULE=%q\n' "/$(basename "$module")"
	printf 'MODULE_NAME=%q\n' "${modname//-/_}"
	printf 'MODULE_ARGS=%q\n' "$module_args"
	printf 'MEM_TOLERANCE_KB=%q\n' "$tolerance"
} >"$stage/etc/jmod.conf"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
