#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# jmod's selftests built the way the kernel builds kselftests: inside a
# kernel tree as tools/testing/selftests/jmod.  Also the host check that
# every selftest binary skips (exit 4) without /dev/jmod.  Options: --help.
set -euo pipefail

usage() {
	cat <<'EOT'
Usage: tools/ksft-intree.sh              in-tree build, install, gen_tar
       tools/ksft-intree.sh --host-skip DIR
       tools/ksft-intree.sh -h|--help

Without arguments: builds jmod's selftests inside a kernel tree, the way
the kernel builds its kselftests, and checks the result.
 1. Extracts from /usr/src/linux-source-6.1.tar.xz (Debian's
    linux-source-6.1, which tools/setup.sh installs) what the build needs:
    Makefile, scripts/, include/, arch/x86/, tools/ and usr/ (about 140 MB),
    into build/ksft/linux-source-6.1, once per package version.
 2. Copies jmod in where an upstream jmod would live: selftests/ to
    tools/testing/selftests/jmod/, tools/lib/*.[ch] and include/jmod_*.h
    to .../jmod/lib/ (JMOD_LIB of selftests/Makefile) and
    include/uapi/linux/jmod.h to include/uapi/linux/.
 3. make headers: exports the uapi headers, jmod.h among them, to
    usr/include (the selftests' KHDR_INCLUDES).  6.1's selftests Makefile
    has no khdr step of its own any more; `headers` is one of the kernel's
    no-.config targets, so no configured kernel is needed, only gcc and
    make (it builds scripts/basic/fixdep and scripts/unifdef).
 4. make -C tools/testing/selftests TARGETS=jmod, then the same with
    install INSTALL_PATH=build/ksft/install and gen_tar.
 5. Checks that every test binary was built, is static and installed with
    config and settings, that kselftest-list.txt and the tarball list it,
    and runs the installed run_kselftest.sh on the host: each test must be
    reported SKIP (the host has no /dev/jmod; nothing is loaded).
6.1's lib.mk installs with rsync, which tools/setup.sh installs.  On a host
set up by hand without rsync, a cp(1) stand-in for the one form lib.mk uses
(rsync -a[q] --copy-unsafe-links FILE... DIR/) is put first on PATH.

--host-skip DIR: runs every jmod_*_test binary in DIR (build/selftests, the
ones the VM runs use) on the host and requires exit status 4 (KSFT_SKIP)
from each; one per selftests/jmod_*_test.c must be there.

Environment: KSFT_SRC (/usr/src/linux-source-6.1.tar.xz),
KSFT_BUILD (build/ksft).
EOT
}

die() { echo "ksft-intree: $*" >&2; exit 1; }
log() { echo "ksft-intree: $*"; }

top=$(cd "$(dirname "$0")/.." && pwd)

# Every selftests/jmod_*_test.c names one test binary.
test_names() {
	local c

	for c in "$top"/selftests/jmod_*_test.c; do
		c=${c##*/}
		echo "${c%.c}"
	done
}

host_skip() {
	local dir=$1 t rc bad=0 n=0

	[ -d "$dir" ] || die "$dir: no such directory (make selftests)"
	[ ! -e /dev/jmod ] || die "/dev/jmod exists on this host: the skip cannot be checked"
	for t in $(test_names); do
		if [ ! -x "$dir/$t" ]; then
			echo "not ok - $t: $dir/$t missing"
			bad=1
			continue
		fi
		rc=0
		"$dir/$t" >/dev/null 2>&1 || rc=$?
		n=$((n + 1))
		if [ "$rc" = 4 ]; then
			echo "ok - $t exits 4 (KSFT_SKIP) without /dev/jmod"
		else
			echo "not ok - $t exits $rc without /dev/jmod, not 4 (KSFT_SKIP)"
			bad=1
		fi
	done
	[ "$n" -gt 0 ] || die "no selftests/jmod_*_test.c"
	return "$bad"
}

# The kernel tree, extracted once per linux-source-6.1 version.
extract() {
	local tarball=$1 dir=$2 ver stamp tmp

	[ -f "$tarball" ] || die "$tarball missing (tools/setup.sh installs linux-source-6.1)"
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo unknown)
	stamp=$dir/.stamp-$ver
	if [ -f "$stamp" ]; then
		log "kernel tree: $dir ($ver) cached"
		return 0
	fi
	log "kernel tree: extracting $tarball ($ver) into $dir"
	tmp=$dir.tmp
	rm -rf "$tmp" "$dir"
	mkdir -p "$tmp"
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 \
		linux-source-6.1/Makefile linux-source-6.1/scripts \
		linux-source-6.1/include linux-source-6.1/arch/x86 \
		linux-source-6.1/tools linux-source-6.1/usr
	[ -f "$tmp/tools/testing/selftests/lib.mk" ] || die "no lib.mk in $tarball"
	mv "$tmp" "$dir"
	touch "$stamp"
}

# lib.mk's one rsync form, on a hand-set host without rsync (setup.sh
# installs it).
rsync_standin() {
	local bin=$1

	mkdir -p "$bin"
	cat >"$bin/rsync" <<'EOT'
#!/bin/sh
# Stand-in for `rsync -a[q] --copy-unsafe-links FILE... DIR/` (6.1 lib.mk),
# written by tools/ksft-intree.sh because rsync is not installed.
while [ $# -gt 0 ]; do
	case $1 in
	-a|-aq|-qa|--copy-unsafe-links) shift ;;
	-*) echo "rsync stand-in: option $1 not supported" >&2; exit 1 ;;
	*) break ;;
	esac
done
exec cp -RL --preserve=mode,timestamps "$@"
EOT
	chmod +x "$bin/rsync"
	PATH=$bin:$PATH
}

# No program interpreter: statically linked
is_static() {
	local hdr

	hdr=$(readelf -lW "$1") || return 1
	! grep -q 'Requesting program interpreter' <<<"$hdr"
}

intree() {
	local build=$1 tarball=$2 ksrc jdir inst tarf make t bad=0 out list

	ksrc=$build/linux-source-6.1
	jdir=$ksrc/tools/testing/selftests/jmod
	inst=$build/install
	tarf=$inst/kselftest-packages/kselftest.tar.gz
	make=(make --no-print-directory -j"$(nproc)")

	extract "$tarball" "$ksrc"
	command -v rsync >/dev/null || {
		log "rsync not installed: lib.mk's install uses a cp stand-in"
		rsync_standin "$build/bin"
	}

	log "copying selftests/, tools/lib and linux/jmod.h into the tree"
	rm -rf "$jdir" "$inst"
	mkdir -p "$jdir/lib"
	cp -p "$top"/selftests/{Makefile,config,settings,*.c,*.h} "$jdir/"
	cp -p "$top"/tools/lib/*.[ch] "$top"/include/jmod_*.h "$jdir/lib/"
	cp -p "$top/include/uapi/linux/jmod.h" "$ksrc/include/uapi/linux/jmod.h"

	log "make headers"
	"${make[@]}" -s -C "$ksrc" headers
	[ -f "$ksrc/usr/include/linux/jmod.h" ] || die "make headers did not export linux/jmod.h"

	log "make -C tools/testing/selftests TARGETS=jmod"
	"${make[@]}" -C "$ksrc/tools/testing/selftests" TARGETS=jmod FORCE_TARGETS=1
	log "make ... install INSTALL_PATH=$inst"
	"${make[@]}" -C "$ksrc/tools/testing/selftests" TARGETS=jmod FORCE_TARGETS=1 \
		install INSTALL_PATH="$inst"
	log "make ... gen_tar"
	"${make[@]}" -C "$ksrc/tools/testing/selftests" TARGETS=jmod FORCE_TARGETS=1 \
		gen_tar INSTALL_PATH="$inst"
	list=$(tar -tzf "$tarf")

	for t in $(test_names); do
		if [ ! -x "$jdir/$t" ]; then
			echo "not ok - $t not built in $jdir"
			bad=1
		elif ! is_static "$jdir/$t"; then
			echo "not ok - $t is not static"
			bad=1
		elif [ ! -x "$inst/jmod/$t" ]; then
			echo "not ok - $t not installed in $inst/jmod"
			bad=1
		elif ! grep -qx "jmod:$t" "$inst/kselftest-list.txt"; then
			echo "not ok - $t not in kselftest-list.txt"
			bad=1
		elif ! grep -qx "./jmod/$t" <<<"$list"; then
			echo "not ok - $t not in $tarf"
			bad=1
		else
			echo "ok - $t built (static), installed, listed, in the tarball"
		fi
	done
	for t in config settings; do
		if cmp -s "$top/selftests/$t" "$inst/jmod/$t"; then
			echo "ok - $t installed"
		else
			echo "not ok - $t not installed in $inst/jmod"
			bad=1
		fi
	done

	log "run_kselftest.sh on the host (no /dev/jmod): every test must skip"
	[ ! -e /dev/jmod ] || die "/dev/jmod exists on this host: the skip cannot be checked"
	out=$("$inst/run_kselftest.sh" 2>&1) || true
	printf '%s\n' "$out" | sed 's/^/# /'
	for t in $(test_names); do
		if grep -Eq "^ok [0-9]+ selftests: jmod: $t # SKIP\$" <<<"$out"; then
			echo "ok - run_kselftest.sh: $t skipped"
		else
			echo "not ok - run_kselftest.sh: $t not reported SKIP"
			bad=1
		fi
	done
	return "$bad"
}

case ${1:-} in
-h|--help) usage; exit 0 ;;
--host-skip)
	[ $# = 2 ] || { usage >&2; exit 2; }
	host_skip "$2"
	;;
'')
	intree "${KSFT_BUILD:-$top/build/ksft}" \
		"${KSFT_SRC:-/usr/src/linux-source-6.1.tar.xz}"
	;;
*) usage >&2; exit 2 ;;
esac
