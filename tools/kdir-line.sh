#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Describe a kernel build tree as a jmod kernel line (make check KDIR=,
# make vm KERNEL=kdir).  Options: --help.
set -euo pipefail

usage() {
	cat <<'EOT'
Usage: tools/kdir-line.sh KDIR [NAME]

Describe a kernel build tree as a jmod kernel line, so that make check,
make vm and tools/vm/run.sh build against it and boot it: writes
$JMOD_CACHE/kernels/NAME/env (NAME defaults to "kdir") with
  KLINE=NAME  KVER=<the tree's kernel release>  KDIR=<KDIR>
  VMLINUZ=<KDIR>/arch/x86/boot/bzImage
after checking that KDIR is a tree jmod can build against and the QEMU
runner can boot: a configured, built x86 tree (Module.symvers, the
kernel release, bzImage) with modules, and with what the runner's
busybox initramfs needs built in (an 8250 serial console, initramfs,
devtmpfs, procfs, sysfs, debugfs).  The debug kernel
(tools/debug-kernel/build.sh) is described by this script too.

Exit status: 0 done, 2 the tree is not usable (the reason on stderr).
EOT
}

die() { echo "kdir-line: $*" >&2; exit 2; }

case ${1:-} in -h|--help) usage; exit 0 ;; esac
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage >&2
	exit 2
fi
name=${2:-kdir}
[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "bad line name '$name'"
[ -d "$1" ] || die "KDIR $1 is not a directory"
kdir=$(cd "$1" && pwd)
JMOD_CACHE=${JMOD_CACHE:-/var/cache/jmod}

[ -f "$kdir/Makefile" ] || die "$kdir has no Makefile: not a kernel tree"
[ -f "$kdir/.config" ] || die "$kdir has no .config: configure and build it first"
[ -f "$kdir/Module.symvers" ] ||
	die "$kdir has no Module.symvers: build it first (make bzImage modules)"
[ -f "$kdir/include/config/kernel.release" ] ||
	die "$kdir has no include/config/kernel.release: build it first"
vmlinuz=$kdir/arch/x86/boot/bzImage
[ -f "$vmlinuz" ] || die "$vmlinuz missing: an x86 bzImage is what QEMU boots"
kver=$(cat "$kdir/include/config/kernel.release")
[ -n "$kver" ] || die "$kdir: empty kernel release"

# What jmod and the runner's initramfs cannot do without.
missing=()
for opt in MODULES MODULE_UNLOAD SERIAL_8250_CONSOLE BLK_DEV_INITRD \
	   DEVTMPFS PROC_FS SYSFS DEBUG_FS; do
	grep -q "^CONFIG_$opt=y" "$kdir/.config" || missing+=("CONFIG_$opt=y")
done
[ "${#missing[@]}" = 0 ] || die "$kdir/.config lacks ${missing[*]}"

dir=$JMOD_CACHE/kernels/$name
mkdir -p "$dir"
cat >"$dir/env.tmp" <<EOF
KLINE=$name
KVER=$kver
KDIR=$kdir
VMLINUZ=$vmlinuz
EOF
mv "$dir/env.tmp" "$dir/env"
echo "kdir-line: $name: KVER=$kver KDIR=$kdir" >&2
