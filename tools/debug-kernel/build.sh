#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the jmod debug kernel (KASAN, kmemleak, lockdep, fault
# injection) from linux-source-6.1 as kernel line "debug".  Options: --help.
set -euo pipefail

usage() {
	cat <<'EOT'
Usage: tools/debug-kernel/build.sh [--force]

Build (once) the jmod debug kernel: Debian's linux-source-6.1, `make
tinyconfig` + tools/debug-kernel/debug.config (KASAN, kmemleak, lockdep,
fault injection, ...), out of tree in
  $JMOD_CACHE/debug-kernel/<key>/        (O= build dir, also the KDIR)
where <key> hashes the fragment, the linux-source version and the
compiler.  The source is extracted once per version into
  $JMOD_CACHE/debug-kernel/src-<version>/
The result is described like the Debian lines, by tools/kdir-line.sh, in
  $JMOD_CACHE/kernels/debug/env           (KLINE, KVER, KDIR, VMLINUZ)
so `tools/vm/run.sh --kernel debug` and `make build/debug/jmalloc.ko`
work.  A second run with nothing changed only rewrites the env file.

  --force   build again even when the build is up to date
  JMOD_CACHE (default /var/cache/jmod), JOBS (default nproc).
Needs tools/setup.sh first (linux-source-6.1, flex, bison, bc, ...).
EOT
}

here=$(cd "$(dirname "$0")" && pwd)
JMOD_CACHE=${JMOD_CACHE:-/var/cache/jmod}
JOBS=${JOBS:-$(nproc)}
frag=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
localversion=-jmod-debug
force=0

case "$*" in
'') ;;
--force) force=1 ;;
-h|--help) usage; exit 0 ;;
*) echo "debug-kernel: unknown argument(s) $*" >&2; usage >&2; exit 2 ;;
esac

log() { echo "debug-kernel: $*" >&2; }
die() { echo "debug-kernel: error: $*" >&2; exit 1; }

[ -f "$tarball" ] || die "$tarball missing (tools/setup.sh installs linux-source-6.1)"
for tool in flex bison bc gcc make perl; do
	command -v "$tool" >/dev/null || die "$tool missing (run tools/setup.sh)"
done
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	die "linux-source-6.1 is not installed"
base=$JMOD_CACHE/debug-kernel
mkdir -p "$base" "$JMOD_CACHE/kernels/debug"

# One build at a time (make check and a manual run may race).
exec 9>"$base/.lock"
flock 9

key=$({ cat "$frag"; echo "src=$ver"; echo "local=$localversion";
	gcc --version | head -n1; } | sha256sum | cut -c1-16)
src=$base/src-$ver
out=$base/$key
stamp=$out/.jmod-built

# The same description as any user's tree (make check KDIR=...).
write_env() {
	JMOD_CACHE=$JMOD_CACHE "$here/../kdir-line.sh" "$out" debug
	log "ready: KDIR=$out"
}

if [ "$force" = 0 ] && [ -f "$stamp" ] && [ -f "$out/arch/x86/boot/bzImage" ] &&
   [ -f "$out/Module.symvers" ]; then
	log "$key up to date (fragment + linux-source $ver)"
	write_env
	exit 0
fi

if [ ! -f "$src/.jmod-extracted" ]; then
	log "extracting $tarball into $src"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.jmod-extracted"
	mv "$src.tmp" "$src"
fi

start=$(date +%s)
rm -rf "$out"
mkdir -p "$out"
kmake() {
	make -C "$src" O="$out" LOCALVERSION="$localversion" "$@"
}
log "configuring $out (tinyconfig + $(basename "$frag"))"
kmake -s tinyconfig >"$out/config.log" 2>&1 ||
	{ tail -n 40 "$out/config.log" >&2; die "make tinyconfig failed"; }
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$out/.config" "$frag") >>"$out/config.log" 2>&1 ||
	{ tail -n 40 "$out/config.log" >&2; die "merge_config.sh failed"; }
kmake -s olddefconfig >>"$out/config.log" 2>&1 ||
	{ tail -n 40 "$out/config.log" >&2; die "make olddefconfig failed"; }

# Every option the fragment sets must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) ;;
	*) continue ;;
	esac
	if ! grep -qxF "$line" "$out/.config"; then
		got=$(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || true)
		echo "debug-kernel: wanted $line, .config has: ${got:-nothing}" >&2
		missing=$((missing + 1))
	fi
done <"$frag"
[ "$missing" = 0 ] || die "$missing option(s) of $frag did not make it into $out/.config"

log "building bzImage and modules (-j$JOBS), log $out/build.log"
if ! kmake -j"$JOBS" bzImage modules >"$out/build.log" 2>&1; then
	tail -n 60 "$out/build.log" >&2
	die "kernel build failed (full log $out/build.log)"
fi
[ -f "$out/arch/x86/boot/bzImage" ] || die "no bzImage after the build"
[ -f "$out/Module.symvers" ] || die "no Module.symvers after the build"
touch "$stamp"
log "built in $(($(date +%s) - start))s"
# Older builds of other fragments are dead weight (a few GiB each).
for d in "$base"/*/; do
	d=${d%/}
	case $(basename "$d") in
	"$key"|src-*) ;;
	*) [ -f "$d/.jmod-built" ] && [ -f "$d/Makefile" ] && rm -rf "$d" ;;
	esac
done
write_env
