#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare a Debian 12 machine (as root) for building and testing jmod:
# host packages and the kernel cache.  Options: --help.
set -euo pipefail

usage() {
	cat <<'EOT'
Usage: tools/setup.sh [--tools-only|--kernels-only] [--dkms] [--bench]

Prepare a Debian 12 machine (as root) for building and testing jmod:

  * host tools from apt (qemu, busybox-static, sparse, compilers, ...)
  * two Debian 12 kernels, never installed on the host: their headers,
    kbuild and unsigned images are `apt-get download`-ed and `dpkg -x`-ed
    into
      $JMOD_CACHE/kernels/<line>/root          (line = 6.1 or 6.12)
    with $JMOD_CACHE/kernels/<line>/env holding KLINE=, KVER=, KDIR=,
    VMLINUZ= (make- and shell-readable)
  * Linux 7.3 from Debian 13's trixie-backports (lines 7.3 and 7.3-rt,
    PREEMPT_RT): its headers need gcc-14 and a Debian 13 userland, so a
    debootstrap'ed minbase chroot $JMOD_CACHE/chroot-trixie gets the
    compiler and the headers (apt, versions from the meta-packages
    linux-image-amd64 / linux-image-rt-amd64 there); the unsigned
    image's vmlinuz goes to $JMOD_CACHE/kernels/<line>/, and the env
    file adds CHROOT= (KDIR is then a path inside the chroot; build
    with tools/chroot-make.sh).  /proc is mounted in the chroot only
    while apt runs, in a private mount namespace.
  * a few files from linux-source-6.1 (kselftest harness, checkpatch) in
      $JMOD_CACHE/src-6.1/

Idempotent: stamps are keyed by the resolved kernel ABI (and by the
linux-source version, and the chroot's CHROOT_REV), so a second run
only asks apt-cache and returns.

  --bench also installs what `make bench` needs (gnuplot for the charts).
  JMOD_CACHE (default /var/cache/jmod), JMOD_LINES (default
  "6.1 6.12 7.3 7.3-rt").
EOT
}

JMOD_CACHE=${JMOD_CACHE:-/var/cache/jmod}
JMOD_LINES=${JMOD_LINES-"6.1 6.12 7.3 7.3-rt"}
export DEBIAN_FRONTEND=noninteractive

do_tools=1
do_kernels=1
want_dkms=0
want_bench=0
for arg in "$@"; do
	case $arg in
	--tools-only) do_kernels=0 ;;
	--kernels-only) do_tools=0 ;;
	--dkms) want_dkms=1 ;;
	--bench) want_bench=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "setup: unknown argument $arg" >&2; exit 2 ;;
	esac
done

log() { echo "setup: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get, dpkg -x into $JMOD_CACHE)"

# Host packages.  Never linux-image-* or linux-headers-*: kernels only go
# into the cache.  linux-source-6.1 only ships a tarball in /usr/src.
PKGS=(qemu-system-x86 busybox-static cpio sparse linux-source-6.1 gcc gcc-12
      make libc6-dev libelf1 libssl3 dwarves kmod python3 xz-utils perl
      gzip)
# The debug kernel (tools/debug-kernel/build.sh) is built from
# linux-source-6.1: kbuild's own build dependencies.
PKGS+=(flex bison bc libelf-dev libssl-dev util-linux)
# make check lints every shell script; tools/ksft-intree.sh installs the
# in-tree kselftests with 6.1 lib.mk's rsync.
PKGS+=(shellcheck rsync)

apt_updated=0
apt_update() {
	if [ "$apt_updated" = 0 ]; then
		log "apt-get update"
		apt-get update -qq >&2
		apt_updated=1
	fi
}

install_pkgs() {
	local missing
	# One dpkg-query for all: unknown packages print nothing on stdout.
	missing=$(comm -23 <(printf '%s\n' "$@" | sort -u) \
		<(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" \
			2>/dev/null | awk '$2 == "installed" { print $1 }' | sort -u))
	[ -z "$missing" ] && return 0
	apt_update
	log "apt-get install" "${missing//$'\n'/ }"
	# shellcheck disable=SC2086 # word splitting of package names wanted
	apt-get install -y -qq --no-install-recommends $missing >&2
}

# apt-cache needs package lists; on a fresh machine there are none.
# Prints "pkg dependency" pairs for all the packages given (one call: each
# apt-cache run costs a second or two).
apt_depends() {
	local out
	out=$(apt-cache depends "$@" 2>/dev/null || true)
	if ! grep -q Depends: <<<"$out" && [ "$apt_updated" = 0 ]; then
		apt_update
		out=$(apt-cache depends "$@" 2>/dev/null || true)
	fi
	awk '/^[^ ]/ { p = $1 } /^ *\|?Depends:/ { print p, $2 }' <<<"$out"
}

# First dependency of package $2 matching the ERE $3 in apt_depends output $1.
dep_matching() {
	awk -v p="$2" -v re="^$3\$" '$1 == p && $2 ~ re { print $2; exit }' <<<"$1"
}

if [ "$do_tools" = 1 ]; then
	[ "$want_dkms" = 1 ] && PKGS+=(dkms dpkg-dev patch)
	[ "$want_bench" = 1 ] && PKGS+=(gnuplot-nox)
	install_pkgs "${PKGS[@]}"
fi

# ---------------------------------------------------------------- kernels
meta_pkg() {
	case $1 in
	6.1) echo linux-image-amd64 ;;
	6.12) echo linux-image-6.12-amd64 ;;
	*) die "unknown kernel line $1 (want 6.1, 6.12, 7.3 or 7.3-rt)" ;;
	esac
}

# apt-get download into $1; on failure (stale lists) update and retry once.
download() {
	local dir=$1; shift
	mkdir -p "$dir"
	if ! (cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$@" >&2); then
		[ "$apt_updated" = 1 ] && return 1
		apt_update
		(cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$@" >&2)
	fi
}

# keep_cached LINE WHAT: apt could not resolve WHAT (offline, no lists):
# keep whatever the cache already has for LINE, or fail.
keep_cached() {
	local env=$JMOD_CACHE/kernels/$1/env
	[ -f "$env" ] || die "$1: cannot resolve $2"
	log "$1: cannot resolve $2, keeping cached $(grep ^KVER= "$env")"
}

# up_to_date LINE ABI [FILE]: LINE's cache holds ABI (and FILE exists).
up_to_date() {
	local dir=$JMOD_CACHE/kernels/$1
	[ -f "$dir/.stamp-$2" ] && [ -f "$dir/env" ] && [ -f "${3:-$dir/env}" ] ||
		return 1
	log "$1: $2 up to date"
}

setup_kernel() {
	local line=$1 meta img abi hdr deps common kbuild dir stamp root new kdir vmlinuz
	meta=$(meta_pkg "$line")
	dir=$JMOD_CACHE/kernels/$line
	img=$(dep_matching "$META_DEPS" "$meta" 'linux-image-[0-9].*-amd64')
	if [ -z "$img" ]; then
		keep_cached "$line" "$meta with apt-cache"
		return 0
	fi
	abi=${img#linux-image-}
	stamp=$dir/.stamp-$abi
	up_to_date "$line" "$abi" && return 0
	hdr=linux-headers-$abi
	deps=$(apt_depends "$hdr")
	common=$(dep_matching "$deps" "$hdr" 'linux-headers-.*-common')
	kbuild=$(dep_matching "$deps" "$hdr" 'linux-kbuild-.*')
	{ [ -n "$common" ] && [ -n "$kbuild" ]; } ||
		die "$line: cannot resolve common/kbuild packages of $hdr"
	log "$line: fetching $img-unsigned $hdr $common $kbuild"
	rm -rf "$dir/debs"
	download "$dir/debs" "$img-unsigned" "$hdr" "$common" "$kbuild" ||
		die "$line: apt-get download failed"

	# Extract next to the live tree and swap, so a concurrent build
	# against the old tree never sees a half-extracted one.
	root=$dir/root
	new=$dir/root.new
	rm -rf "$new"
	mkdir -p "$new"
	local deb
	for deb in "$dir"/debs/*.deb; do
		dpkg -x "$deb" "$new"
	done
	# The image's modules are not needed (the guest boots from an
	# initramfs with built-in drivers only): save ~400 MiB.
	rm -rf "$new/lib/modules/$abi/kernel"
	rm -rf "$dir/debs"

	kdir=$root/usr/src/$hdr
	vmlinuz=$root/boot/vmlinuz-$abi
	[ -f "$new/usr/src/$hdr/Makefile" ] || die "$line: no $hdr/Makefile"
	[ -f "$new/boot/vmlinuz-$abi" ] || die "$line: no vmlinuz-$abi"
	# Debian's arch Makefile includes /usr/src/linux-headers-*-common
	# by absolute path; point it into the cache.  The scripts/ and tools/
	# symlinks are relative and already resolve inside root/.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$new/usr/src/$hdr/Makefile"

	if [ -d "$root" ]; then
		mv "$root" "$dir/root.old"
	fi
	mv "$new" "$root"
	rm -rf "$dir/root.old"
	rm -f "$dir"/.stamp-*
	cat >"$dir/env.tmp" <<-EOF
	KLINE=$line
	KVER=$abi
	KDIR=$kdir
	VMLINUZ=$vmlinuz
	EOF
	mv "$dir/env.tmp" "$dir/env"
	touch "$stamp"
	log "$line: ready, KDIR=$kdir"
}

# ---------------------------------------------------- linux-source extracts
SRC_FILES=(tools/testing/selftests/kselftest_harness.h
	   tools/testing/selftests/kselftest.h
	   scripts/checkpatch.pl
	   scripts/spelling.txt
	   scripts/const_structs.checkpatch)

setup_src() {
	local tarball=/usr/src/linux-source-6.1.tar.xz ver dir stamp tmp f
	[ -f "$tarball" ] || die "$tarball missing (apt-get install linux-source-6.1)"
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo unknown)
	dir=$JMOD_CACHE/src-6.1
	stamp=$dir/.stamp-$ver
	if [ -f "$stamp" ]; then
		log "src-6.1: $ver up to date"
		return 0
	fi
	log "src-6.1: extracting ${#SRC_FILES[@]} files from $tarball"
	tmp=$(mktemp -d "$JMOD_CACHE/src.XXXXXX")
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 \
		"${SRC_FILES[@]/#/linux-source-6.1/}"
	for f in "${SRC_FILES[@]}"; do
		[ -f "$tmp/$f" ] || die "src-6.1: $f not in $tarball"
	done
	chmod +x "$tmp/scripts/checkpatch.pl"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	chmod 755 "$dir"
	touch "$stamp"
}

# ------------------------------------------------- the Debian 13 chroot
# Linux 7.3 comes from trixie-backports; its headers want gcc-14 and a
# Debian 13 userland, so those lines build inside a minbase chroot
# (tools/chroot-make.sh).  The chroot's apt prefers trixie-backports for
# linux-* only, so the meta-packages resolve to 7.3.x there.
CHROOT=$JMOD_CACHE/chroot-trixie
MIRROR=http://deb.debian.org/debian
CHROOT_PKGS=(gcc-14 make libc6-dev libelf-dev libssl-dev kmod bc)
# Bump when the chroot's configuration or package list changes.
CHROOT_REV=1

in_chroot() {
	chroot "$CHROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"
}

# apt-get/apt-cache in the chroot with /proc mounted only while it runs,
# in a private mount namespace (so no mount outlives it, even on kill).
chroot_apt() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private /bin/sh -c '
		c=$1; shift
		trap "umount $c/proc 2>/dev/null || true" EXIT
		mount -t proc proc "$c/proc"
		chroot "$c" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"' \
		sh "$CHROOT" "$@"
}

chroot_updated=0
chroot_update() {
	if [ "$chroot_updated" = 0 ]; then
		log "chroot: apt-get update"
		chroot_apt apt-get update -qq >&2
		chroot_updated=1
	fi
}

setup_chroot() {
	local stamp=$CHROOT/.stamp-jmod-$CHROOT_REV new
	install_pkgs debootstrap
	if [ ! -f "$stamp" ]; then
		if [ ! -x "$CHROOT/usr/bin/apt-get" ]; then
			new=$CHROOT.new
			rm -rf "$new"
			log "chroot: debootstrap --variant=minbase trixie $new"
			debootstrap --variant=minbase trixie "$new" "$MIRROR" >&2 ||
				die "chroot: debootstrap failed (log: $new/debootstrap/debootstrap.log)"
			rm -rf "$CHROOT"
			mv "$new" "$CHROOT"
		fi
		cat >"$CHROOT/etc/apt/sources.list" <<-EOF
		deb $MIRROR trixie main
		deb $MIRROR trixie-updates main
		deb $MIRROR trixie-backports main
		EOF
		cat >"$CHROOT/etc/apt/preferences.d/jmod-backports" <<-EOF
		Package: linux-*
		Pin: release n=trixie-backports
		Pin-Priority: 900
		EOF
		# No daemons may start in the chroot.
		printf '#!/bin/sh\nexit 101\n' >"$CHROOT/usr/sbin/policy-rc.d"
		chmod 755 "$CHROOT/usr/sbin/policy-rc.d"
		cp /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
		chroot_update
		log "chroot: apt-get install ${CHROOT_PKGS[*]}"
		chroot_apt apt-get install -y -qq --no-install-recommends \
			"${CHROOT_PKGS[@]}" >&2 || die "chroot: apt-get install failed"
		rm -f "$CHROOT"/.stamp-jmod-*
		touch "$stamp"
	fi
}

# apt-cache depends inside the chroot, as apt_depends does on the host.
chroot_depends() {
	local out
	out=$(in_chroot apt-cache depends "$@" 2>/dev/null || true)
	if ! grep -q Depends: <<<"$out" && [ "$chroot_updated" = 0 ]; then
		chroot_update
		out=$(in_chroot apt-cache depends "$@" 2>/dev/null || true)
	fi
	awk '/^[^ ]/ { p = $1 } /^ *\|?Depends:/ { print p, $2 }' <<<"$out"
}

# One chroot line: 7.3 (linux-image-amd64) or 7.3-rt (linux-image-rt-amd64)
# of trixie-backports.  The headers are installed in the chroot (KDIR is a
# path inside it); the unsigned image's vmlinuz is extracted into
# $JMOD_CACHE/kernels/<line>/.
setup_chroot_kernel() {
	local line=$1 flavour meta deps img abi unsigned dir stamp hdr tmp deb member
	case $line in
	7.3) flavour=amd64 ;;
	7.3-rt) flavour=rt-amd64 ;;
	*) die "unknown chroot kernel line $line" ;;
	esac
	meta=linux-image-$flavour
	dir=$JMOD_CACHE/kernels/$line
	deps=$(chroot_depends "$meta")
	img=$(dep_matching "$deps" "$meta" "linux-image-7[.]3[.].*-$flavour(-unsigned)?")
	if [ -z "$img" ]; then
		keep_cached "$line" "$meta to a 7.3 image in trixie-backports"
		return 0
	fi
	abi=${img#linux-image-}
	abi=${abi%-unsigned}
	stamp=$dir/.stamp-$abi
	up_to_date "$line" "$abi" "$CHROOT/usr/src/linux-headers-$abi/Makefile" &&
		return 0
	hdr=linux-headers-$abi
	unsigned=$(chroot_unsigned "$abi")
	[ -n "$unsigned" ] || die "$line: no unsigned image package for $abi"
	log "$line: installing $hdr in the chroot, fetching $unsigned"
	chroot_apt apt-get install -y -qq --no-install-recommends "$hdr" >&2 ||
		die "$line: apt-get install $hdr failed"
	[ -f "$CHROOT/usr/src/$hdr/Makefile" ] || die "$line: no $hdr/Makefile"

	mkdir -p "$dir"
	tmp=$CHROOT/tmp/jmod-$line
	rm -rf "$tmp"
	mkdir -p "$tmp"
	chmod 777 "$tmp"
	chroot_apt sh -c "cd /tmp/jmod-$line && apt-get download -q \
		-o APT::Sandbox::User=root $unsigned" >&2 ||
		die "$line: apt-get download $unsigned failed"
	deb=$(ls "$tmp"/*.deb)
	# Only the image itself (./boot/vmlinuz-<abi>, or in the 7.x
	# linux-binary-unsigned-* packages
	# ./usr/lib/modules/<abi>/vmlinuz.unsigned): the guest boots from an
	# initramfs with built-in drivers, the image's modules are not needed.
	member=$(dpkg-deb -c "$deb" | awk -v abi="$abi" '{
		f = $6
		if (f == "./boot/vmlinuz-" abi ||
		    f ~ "^[.]/usr/lib/modules/[^/]+/vmlinuz([.]unsigned)?$") {
			print f; exit
		} }')
	[ -n "$member" ] || die "$line: no vmlinuz in $deb"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "$member"
	mv "$tmp/$member" "$dir/vmlinuz-$abi.new"
	mv "$dir/vmlinuz-$abi.new" "$dir/vmlinuz-$abi"
	find "$dir" -maxdepth 1 -name 'vmlinuz-*' ! -name "vmlinuz-$abi" -delete
	rm -rf "$tmp"
	rm -f "$dir"/.stamp-*
	cat >"$dir/env.tmp" <<-EOF
	KLINE=$line
	KVER=$abi
	KDIR=/usr/src/$hdr
	VMLINUZ=$dir/vmlinuz-$abi
	CHROOT=$CHROOT
	EOF
	mv "$dir/env.tmp" "$dir/env"
	touch "$stamp"
	log "$line: ready, KDIR=$CHROOT/usr/src/$hdr"
}

# The package holding the unsigned image of ABI $1: Debian has called it
# linux-image-<abi>-unsigned; newer source packages may name it
# linux-binary-unsigned-<abi> or similar, so ask apt-cache.
chroot_unsigned() {
	local p
	for p in "linux-image-$1-unsigned" "linux-binary-unsigned-$1" \
		 "linux-binary-$1-unsigned"; do
		if in_chroot apt-cache show --no-all-versions "$p" >/dev/null 2>&1; then
			echo "$p"
			return 0
		fi
	done
	in_chroot apt-cache search --names-only "unsigned" 2>/dev/null |
		awk -v abi="$1" 'index($1, abi) && $1 ~ /unsigned/ { print $1; exit }'
}

if [ "$do_kernels" = 1 ]; then
	mkdir -p "$JMOD_CACHE/kernels"
	metas=() chroot_lines=()
	for line in $JMOD_LINES; do
		case $line in
		7.3|7.3-rt) chroot_lines+=("$line") ;;
		*) metas+=("$(meta_pkg "$line")") ;;
		esac
	done
	if [ "${#metas[@]}" -gt 0 ]; then
		META_DEPS=$(apt_depends "${metas[@]}")
		for line in $JMOD_LINES; do
			case $line in 7.3|7.3-rt) continue ;; esac
			setup_kernel "$line"
		done
	fi
	if [ "${#chroot_lines[@]}" -gt 0 ]; then
		setup_chroot
		for line in "${chroot_lines[@]}"; do
			setup_chroot_kernel "$line"
		done
	fi
	setup_src
fi
log "done (cache: $JMOD_CACHE)"
