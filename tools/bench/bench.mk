# SPDX-License-Identifier: GPL-2.0
#
# Benchmark and trace targets, included by the top-level Makefile
# (-include tools/bench/bench.mk).
#
#   make bench          for each kernel of BENCH_KERNELS: boot QEMU with
#                       1, 2 and 4 vCPUs (BENCH_SMP), run every workload on
#                       every back end in the same boot (tools/bench/run.sh)
#                       under init_on_alloc=1, and once more with
#                       init_on_alloc=0 (main set and replay, BENCH_MAIN_SMP),
#                       write bench/<kernel>/{results.json,RESULTS.md,
#                       results.png}; then bench/results.json and
#                       bench/RESULTS.md over all kernels
#   make bench-report   rebuild the reports from build/bench/<kernel>
#                       without booting
#   make trace          re-capture bench/traces/debian61-workload.ops: a
#                       Debian 6.1 guest records kmem:kmalloc/kfree while
#                       tools/trace/capture.sh runs a workload; the raw
#                       trace is kept as debian61-workload.trace.gz; ops
#                       format v1 (no CPU, no atomic flag: the bench replay
#                       stays unpinned, and jmodctl replay reads v1)
#
#   make whatif TRACE=FILE [KERNEL=6.1|6.12|7.3|7.3-rt] [SMP=2]
#                       `jmodctl whatif FILE` (computed per site), then FILE
#                       replayed in QEMU on kmalloc and on jmod with each
#                       event's CPU and gfp kept (tools/bench/whatif.sh):
#                       pages at the peak, after the run and after a purge,
#                       and the time ratio.  WHATIF_ROUNDS=3 replays per
#                       back end, WHATIF_COPIES=1 interleaved copies
#
#   BENCH_KERNELS="6.1 6.12 7.3"  BENCH_SMP="1 2 4"  BENCH_MAIN_SMP=2
#   BENCH_SCALE=1 (multiplies every op count; 0.2 for a quick look)
#   BENCH_ROUNDS=3 (median shown)  BENCH_TRACE=bench/traces/...ops
#   BENCH_COPIES=200 (interleaved copies of the trace in the replay)
#   BENCH_NOINIT=1 (a second boot per kernel with init_on_alloc=0: the
#   main set and the replay without the kernel's zeroing; 0: skip it)
#   BENCH_GROUPS="scaling main prof whatif replay" (jmod-bench groups to
#   run; a subset's report has no data for the other groups' targets)

BENCH_KERNELS ?= 6.1 6.12 7.3
BENCH_SMP ?= 1 2 4
BENCH_MAIN_SMP ?= 2
BENCH_SCALE ?= 1
BENCH_ROUNDS ?= 3
BENCH_TRACE ?= $(CURDIR)/bench/traces/debian61-workload.ops
BENCH_COPIES ?= 200
BENCH_NOINIT ?= 1
BENCH_GROUPS ?= scaling main prof whatif replay
BENCH_OUT := $(CURDIR)/bench
BENCH_DRIVER := $(BUILD)/bench/jmod-bench

WHATIF_ROUNDS ?= 3
WHATIF_COPIES ?= 1

.PHONY: bench bench-report bench-deps trace whatif

# jmod-bench links every tools/lib/*.c (the device, debugfs and result
# formats it shares with jmodctl and the selftests).
BENCH_LIB_C := $(wildcard tools/lib/*.c)
$(BENCH_DRIVER): tools/bench/jmod-bench.c $(BENCH_LIB_C) $(wildcard tools/lib/*.h) \
		$(UAPI_INC)/linux/jmod.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -static -I$(UAPI_INC) -Itools/lib -Iinclude -o $@ $< $(BENCH_LIB_C)

# A fresh machine gets what the benchmark needs (as make check does):
# the packages and kernels of tools/setup.sh, plus gnuplot.
bench-deps:
	@if ! command -v gnuplot >/dev/null || ! command -v python3 >/dev/null || \
	    ! [ -f $(JMOD_CACHE)/kernels/6.1/env ]; then \
		$(SETUP) --bench; \
	fi

bench: bench-deps $(BENCH_DRIVER) \
		$(foreach k,$(BENCH_KERNELS),$(BUILD)/$(k)/$(JMOD_KO).ko)
	@set -e; for k in $(BENCH_KERNELS); do \
		echo "bench: kernel $$k, vCPUs $(BENCH_SMP), scale $(BENCH_SCALE), rounds $(BENCH_ROUNDS)"; \
		tools/bench/run.sh --kernel $$k --driver $(BENCH_DRIVER) \
			--module $(BUILD)/$$k/$(JMOD_KO).ko --smp "$(BENCH_SMP)" \
			--main-smp $(BENCH_MAIN_SMP) --scale $(BENCH_SCALE) \
			--rounds $(BENCH_ROUNDS) --trace $(BENCH_TRACE) \
			--copies $(BENCH_COPIES) --noinit $(BENCH_NOINIT) \
			--groups "$(BENCH_GROUPS)" \
			--raw $(BUILD)/bench/$$k --out $(BENCH_OUT)/$$k; \
	done
	python3 tools/bench/report.py --combine $(BENCH_OUT) \
		$(foreach k,$(BENCH_KERNELS),$(BENCH_OUT)/$(k))

bench-report: bench-deps
	@set -e; for k in $(BENCH_KERNELS); do \
		tools/bench/run.sh --kernel $$k --report-only \
			--raw $(BUILD)/bench/$$k --out $(BENCH_OUT)/$$k; \
	done
	python3 tools/bench/report.py --combine $(BENCH_OUT) \
		$(foreach k,$(BENCH_KERNELS),$(BENCH_OUT)/$(k))

trace: | $(JMOD_CACHE)/kernels/6.1/env
	@mkdir -p $(BUILD)/trace bench/traces
	tools/bench/vm.sh --kernel 6.1 --smp 2 --job tools/trace/capture.sh \
		--out $(BUILD)/trace/capture.out --timeout 900 --label trace
	. $(JMOD_CACHE)/kernels/6.1/env && \
	python3 tools/trace/trace2ops.py --format v1 \
		--raw-out bench/traces/debian61-workload.trace.gz \
		--source "Debian $$KVER, QEMU TCG 2 vCPUs, tools/trace/capture.sh 40 iterations" \
		-o bench/traces/debian61-workload.ops $(BUILD)/trace/capture.out

ifneq ($(filter whatif,$(MAKECMDGOALS)),)
ifeq ($(TRACE),)
$(error whatif: TRACE=FILE is required (a kmem trace: README, "Would my subsystem save memory?"))
endif
endif

whatif: $(BENCH_DRIVER) $(BUILD)/$(KERNEL)/$(JMOD_KO).ko tools
	tools/bench/whatif.sh --trace $(TRACE) --kernel $(KERNEL) --smp $(SMP) \
		--driver $(BENCH_DRIVER) --module $(BUILD)/$(KERNEL)/$(JMOD_KO).ko \
		--jmodctl $(BUILD)/tools/jmodctl --rounds $(WHATIF_ROUNDS) \
		--copies $(WHATIF_COPIES) --out $(BUILD)/whatif/$(KERNEL)
