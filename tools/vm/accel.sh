# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # ACCEL* are read by the sourcing script
#
# Sourced by both QEMU launchers (tools/vm/run.sh, tools/bench/vm.sh):
# choose QEMU's accelerator for booting kernel image $1.
#
#   jmod_accel VMLINUZ
#
# KVM when it is usable, TCG otherwise.  "Usable" is proved, not assumed:
# /dev/kvm must open for reading and writing, and that very kernel must
# boot under KVM to its "no init" panic within 30 s (a nested or
# restricted KVM can have a /dev/kvm that starts a vCPU and then never
# gets a kernel past real mode).  The answer is kept per host boot and
# image in ${TMPDIR:-/tmp}/jmod-accel-*, so only the first launch pays.
# JMOD_ACCEL=tcg|kvm forces one; kvm when it is not usable is an error,
# never a silent TCG run.  Sets:
#   ACCEL        kvm or tcg
#   ACCEL_ARGS   the QEMU options for it (-machine q35,accel=... -cpu max)
#   ACCEL_NAME   KVM or TCG, for the log line
# Under TCG, time is emulated: only ratios measured in one boot mean
# anything (the benchmarks say so).

# jmod_kvm_boots VMLINUZ: 0 if KVM boots it (cached), 1 if not.
jmod_kvm_boots() {
	local img=$1 boot key cache log rc=0

	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	{ exec 8<>/dev/kvm; } 2>/dev/null || return 1
	exec 8>&-
	[ -f "$img" ] || return 1
	boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo none)
	key=$({ echo "$boot"; readlink -f "$img"; stat -c '%s %Y' "$img"; } |
		sha256sum | cut -c1-16)
	cache=${TMPDIR:-/tmp}/jmod-accel-$key
	if [ -f "$cache" ]; then
		[ "$(cat "$cache")" = kvm ]
		return
	fi
	log=$(mktemp)
	# -m 256 and no initramfs: the kernel finds no init and panics;
	# panic=-1 with -no-reboot turns that into QEMU exiting.
	# shellcheck disable=SC2054 # commas belong to QEMU options
	timeout --kill-after=5 30 qemu-system-x86_64 -machine q35,accel=kvm \
		-cpu max -m 256 -nodefaults -display none -no-reboot \
		-monitor none -kernel "$img" -serial "file:$log" \
		-append "console=ttyS0 panic=-1 rdinit=/jmod-no-init root=/dev/jmod-none" \
		</dev/null >/dev/null 2>&1 || rc=$?
	if [ "$rc" != 124 ] && [ "$rc" != 137 ] && grep -q 'Kernel panic' "$log"; then
		echo kvm >"$cache"
	else
		echo tcg >"$cache"
	fi
	rm -f "$log"
	[ "$(cat "$cache")" = kvm ]
}

jmod_accel() {
	local img=${1:-} want=${JMOD_ACCEL:-auto}

	case $want in
	auto)
		if jmod_kvm_boots "$img"; then ACCEL=kvm; else ACCEL=tcg; fi ;;
	kvm)
		jmod_kvm_boots "$img" || {
			echo "JMOD_ACCEL=kvm, but KVM cannot boot $img here" \
			     "(no usable /dev/kvm)" >&2
			return 2
		}
		ACCEL=kvm ;;
	tcg) ACCEL=tcg ;;
	*) echo "JMOD_ACCEL must be auto, kvm or tcg (not '$want')" >&2
	   return 2 ;;
	esac
	# -cpu max: every feature the accelerator offers (under KVM, the
	# host's CPU); the same option for both keeps the guest's view alike.
	ACCEL_ARGS=(-machine "q35,accel=$ACCEL" -cpu max)
	if [ "$ACCEL" = kvm ]; then ACCEL_NAME=KVM; else ACCEL_NAME=TCG; fi
}
