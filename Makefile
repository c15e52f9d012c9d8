# SPDX-License-Identifier: GPL-2.0
#
# jmod top-level driver.  The module itself is described by Kbuild; every
# build happens out of tree in build/<dir>/ (a copy of Kbuild, *.c, *.h and
# include/), so the kernel lines never clobber each other.  The targets:
# `make help` (JMOD_HELP below is their one list).
#
# The module is never loaded on the host, only in QEMU guests.

# The module's name: $(JMOD_KO).ko (Kbuild's obj-m), rmmod $(JMOD_KO).
# "jmod" is the device, debugfs and project name.  Exported: the scripts
# (tools/vm/lib.sh) read it.
JMOD_KO := jmalloc
export JMOD_KO

define JMOD_HELP
jmod: make [target] [VAR=value]

  make [modules]      build/kdir/$(JMOD_KO).ko against KDIR (default: the
                      running kernel's /lib/modules/$$(uname -r)/build if
                      present, else the cached Debian 6.1 headers)
  make modules_install, make install
                      that module into $$(DESTDIR)$$(INSTALL_MOD_PATH)/lib/
                      modules/<kver>/$$(INSTALL_MOD_DIR)/ (default extra/)
                      by kbuild's modules_install, then depmod
  make setup          tools/setup.sh: host packages + kernel cache
  make kernels        build/<line> with W=1, zero warnings, for every
                      line of KERNELS (6.1 6.12 7.3 7.3-rt)
  make debug-kernel   the cached debug kernel (tools/debug-kernel/build.sh)
  make lint           checkpatch (--strict for the module) + sparse (C=2)
  make selftests      selftests/ -> build/selftests/ (static binaries)
  make tools          tools/jmodctl -> build/tools/
  make vm             one QEMU run: KERNEL=6.1|6.12|7.3|7.3-rt|debug|kdir
                      (kdir: the tree KDIR=, see tools/kdir-line.sh)
                      TESTS=a,b|none
                      MODULE_ARGS="decay_ms=100" SMP=2 MODE=test|demo
                      VM_ARGS="--numa --timeout 900 ..."
  make demo           VM demo (KERNEL=6.1 by default): jmodctl demo,
                      debugfs stats, jmodctl whatif --live over a
                      busybox workload (top sites and totals)
  make test-runner    tools/vm/tests/run.sh: the runner catches a WARN, a
                      crash, a hang, a suite that skipped everything
  make dkms           dkms build against the cached 6.1 headers
                      (DKMS_LINE=)
  make bench, trace   benchmarks and trace capture (tools/bench/bench.mk)
  make whatif TRACE=FILE
                      jmodctl whatif FILE (computed), then FILE replayed in
                      QEMU (KERNEL=, SMP=) on kmalloc and jmod, CPUs and gfp
                      kept: pages at the peak and after, time ratio
  make check          all of the above (tools/check.sh), as CI runs it
  make check KDIR=T   the same on your own built kernel tree T: build
                      against it, boot its bzImage, run the suite
  make clean
  make help           this list
endef

JMOD_CACHE ?= /var/cache/jmod
export JMOD_CACHE

# 7.3 and 7.3-rt (trixie-backports) build in the Debian 13 chroot that
# tools/setup.sh prepares: their env file names it (CHROOT=), and
# tools/chroot-make.sh runs kbuild there.
KERNELS ?= 6.1 6.12 7.3 7.3-rt
BUILD := $(CURDIR)/build
SETUP := $(CURDIR)/tools/setup.sh
KSFT_DIR := $(JMOD_CACHE)/src-6.1/tools/testing/selftests
CHECKPATCH := $(JMOD_CACHE)/src-6.1/scripts/checkpatch.pl
UAPI_INC := $(CURDIR)/include/uapi

# Module sources (never the *.mod.c of an in-tree build).
MOD_C := $(filter-out %.mod.c,$(wildcard *.c test/*.c))
MOD_H := $(wildcard *.h test/*.h) $(shell find include -name '*.h' 2>/dev/null)
MOD_SRC := Kbuild dkms.conf $(MOD_C) $(MOD_H)
# Userspace C: checked by checkpatch without --strict.
USER_C := $(wildcard selftests/*.c selftests/*.h tools/jmodctl/*.c tools/jmodctl/*.h \
		    tools/jmodctl/tests/*.c \
		    tools/bench/*.c tools/bench/*.h \
		    tools/lib/*.c tools/lib/*.h)

# KDIR of a cached kernel line, read when a recipe runs (after setup).
kdir_of = $(shell sed -n 's/^KDIR=//p' $(JMOD_CACHE)/kernels/$(1)/env 2>/dev/null)
# CHROOT of a cached kernel line (empty: build on the host).
chroot_of = $(shell sed -n 's/^CHROOT=//p' $(JMOD_CACHE)/kernels/$(1)/env 2>/dev/null)
# kbuild for line $(1) on module dir $(2): on the host, or in the chroot.
kbuild = $(if $(call chroot_of,$(1)),$(CURDIR)/tools/chroot-make.sh $(1) $(2),\
	$(MAKE) -C $(call kdir_of,$(1)) M=$(2))
# build/<line>[-warn] -> <line> (7.3-rt is a line of its own)
line_of = $(patsubst %-warn,%,$(1))

HOST_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(origin KDIR),undefined)
ifneq ($(wildcard $(HOST_KDIR)/Makefile),)
KDIR := $(HOST_KDIR)
endif
endif

# Copy the module sources into $(1), touching only files that changed (so
# kbuild's timestamps stay meaningful).
define sync_src
	@mkdir -p $(1)
	@for f in $(MOD_SRC); do \
		mkdir -p $(1)/$$(dirname $$f); \
		cmp -s $$f $(1)/$$f || cp $$f $(1)/$$f; \
	done
endef

.PHONY: all modules modules_install install help setup kernels lint \
	checkpatch sparse selftests tools vm demo test-runner dkms check clean \
	debug-kernel FORCE

all: modules

help:
	$(info $(JMOD_HELP))
	@:

setup:
	$(SETUP)

$(JMOD_CACHE)/kernels/%/env:
	$(SETUP)

# The debug line (KASAN, lockdep, kmemleak, fault injection): a kernel
# built from linux-source-6.1 and cached by tools/debug-kernel/build.sh,
# so build/debug/$(JMOD_KO).ko and `make vm KERNEL=debug` work.
debug-kernel:
	tools/debug-kernel/build.sh

$(JMOD_CACHE)/kernels/debug/env:
	tools/debug-kernel/build.sh

# The user's own kernel build tree as line "kdir" (make check KDIR=...,
# make vm KERNEL=kdir KDIR=...): tools/kdir-line.sh checks the tree and
# describes it, every time (KDIR may point elsewhere than last time).
ifneq ($(filter command line environment,$(origin KDIR)),)
$(JMOD_CACHE)/kernels/kdir/env: FORCE
	tools/kdir-line.sh $(KDIR)
endif

$(CHECKPATCH) $(KSFT_DIR)/kselftest_harness.h:
	$(SETUP)

ifeq ($(KDIR),)
modules: | $(JMOD_CACHE)/kernels/6.1/env
endif
modules:
	$(call sync_src,$(BUILD)/kdir)
	$(MAKE) -C $(or $(KDIR),$(call kdir_of,6.1)) M=$(BUILD)/kdir modules
	@echo "built $(BUILD)/kdir/$(JMOD_KO).ko"

# Install what `make modules` built, DKMS-style, into
# $(DESTDIR)$(INSTALL_MOD_PATH)/lib/modules/<kver>/$(INSTALL_MOD_DIR)/ by
# kbuild's modules_install.  Only $(JMOD_KO).ko: jmod_ext_test.ko is a
# test module, and kbuild installs all that a build dir's modules.order
# lists, so it runs on build/kdir-install holding the one module.  Then
# depmod, when the target has the kernel's module tree (kbuild's own
# depmod needs a System.map, which headers packages lack).
INSTALL_MOD_DIR ?= extra
INSTALL_KDIR = $(or $(KDIR),$(call kdir_of,6.1))
INSTALL_ROOT = $(DESTDIR)$(INSTALL_MOD_PATH)
# Signed as kbuild signs (CONFIG_MODULE_SIG_ALL) when the tree has its
# key; a headers package has none, and sign-file would only complain.
install_sig_key = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"/\1/p' \
	$(INSTALL_KDIR)/include/config/auto.conf 2>/dev/null)
install_nosign = $(if $(wildcard $(addprefix $(INSTALL_KDIR)/,$(install_sig_key)) \
	$(filter /%,$(install_sig_key))),,CONFIG_MODULE_SIG_ALL=)
modules_install: modules
	@rm -rf $(BUILD)/kdir-install && mkdir -p $(BUILD)/kdir-install
	cp $(BUILD)/kdir/$(JMOD_KO).ko $(BUILD)/kdir-install/
	grep -E '(^|/)$(JMOD_KO)\.k?o$$' $(BUILD)/kdir/modules.order | \
		sed 's|^$(BUILD)/kdir/|$(BUILD)/kdir-install/|' \
		>$(BUILD)/kdir-install/modules.order
	$(MAKE) -C $(INSTALL_KDIR) M=$(BUILD)/kdir-install \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(INSTALL_ROOT),INSTALL_MOD_PATH=$(INSTALL_ROOT)) \
		$(install_nosign) modules_install
	@kver=$$(modinfo -F vermagic $(BUILD)/kdir/$(JMOD_KO).ko | cut -d' ' -f1) && \
	if [ -f $(INSTALL_ROOT)/lib/modules/$$kver/modules.builtin ] && \
	   command -v depmod >/dev/null; then \
		depmod $(if $(INSTALL_ROOT),-b $(INSTALL_ROOT)) -a $$kver; \
	else \
		echo "no kernel module tree in $(INSTALL_ROOT)/lib/modules/$$kver: depmod not run"; \
	fi && \
	echo "installed" $(INSTALL_ROOT)/lib/modules/$$kver/$(INSTALL_MOD_DIR)/$(JMOD_KO).ko*

install: modules_install

# build/<line>/$(JMOD_KO).ko (6.1, 6.12, 7.3, 7.3-rt); build/<line>-warn/ is the
# JMOD_TEST_WARN variant (module init WARNs) used by tools/vm/tests; "y"
# because Kbuild reads it as ccflags-$(JMOD_TEST_WARN).
.SECONDEXPANSION:
$(BUILD)/%/$(JMOD_KO).ko: FORCE | $(JMOD_CACHE)/kernels/$$(call line_of,$$*)/env
	$(call sync_src,$(BUILD)/$*)
	+$(call kbuild,$(call line_of,$*),$(BUILD)/$*) \
		$(if $(findstring -warn,$*),JMOD_TEST_WARN=y) modules
build/%/$(JMOD_KO).ko: $(BUILD)/%/$(JMOD_KO).ko ;
.PRECIOUS: $(BUILD)/%/$(JMOD_KO).ko

# W=1 from scratch (so no warning hides behind an up-to-date object); the
# log is kept in build/<line>/build.log and must not contain "warning:".
kernels: $(foreach k,$(KERNELS),$(JMOD_CACHE)/kernels/$(k)/env)
	@set -e; for k in $(KERNELS); do \
		env=$(JMOD_CACHE)/kernels/$$k/env; \
		kdir=$$(sed -n 's/^KDIR=//p' $$env); \
		chroot=$$(sed -n 's/^CHROOT=//p' $$env); \
		if [ -n "$$chroot" ]; then \
			km="$(CURDIR)/tools/chroot-make.sh $$k $(BUILD)/$$k --no-print-directory"; \
		else \
			km="$(MAKE) --no-print-directory -C $$kdir M=$(BUILD)/$$k"; \
		fi; \
		$(MAKE) --no-print-directory -s sync-$$k; \
		$$km clean >/dev/null; \
		echo "  W=1 build for $$k ($${chroot:+$$chroot:}$$kdir)"; \
		rc=0; $$km W=1 modules >$(BUILD)/$$k/build.log 2>&1 || rc=$$?; \
		cat $(BUILD)/$$k/build.log; \
		if [ $$rc != 0 ]; then echo "kernels: $$k build failed" >&2; exit 1; fi; \
		if grep -q 'warning:' $(BUILD)/$$k/build.log; then \
			echo "kernels: $$k build has warnings:" >&2; \
			grep 'warning:' $(BUILD)/$$k/build.log >&2; exit 1; \
		fi; \
	done

sync-%:
	$(call sync_src,$(BUILD)/$*)

lint: checkpatch sparse

checkpatch: $(CHECKPATCH)
	$(CHECKPATCH) --strict --no-tree --terse --file $(MOD_C) $(MOD_H)
ifneq ($(USER_C),)
	$(CHECKPATCH) --no-tree --terse --file $(USER_C)
endif

# sparse through kbuild (C=2 checks every file, rebuilt or not); any
# sparse "warning:"/"error:" fails.
# SPARSE_LINE: a line built on the host (Debian's 7.3 headers lack
# scripts/checker-valid.sh, so kbuild refuses C=2 there).
SPARSE_LINE ?= 6.1
sparse: $(JMOD_CACHE)/kernels/$(SPARSE_LINE)/env
	$(call sync_src,$(BUILD)/sparse)
	@rc=0; $(MAKE) --no-print-directory -C $(call kdir_of,$(SPARSE_LINE)) \
		M=$(BUILD)/sparse C=2 modules >$(BUILD)/sparse/sparse.log 2>&1 \
		|| rc=$$?; \
	cat $(BUILD)/sparse/sparse.log; \
	if [ $$rc != 0 ]; then echo "sparse: build failed" >&2; exit 1; fi; \
	if grep -E -q '(warning|error):' $(BUILD)/sparse/sparse.log; then \
		echo "sparse: reported problems" >&2; exit 1; fi; \
	echo "sparse: clean"

selftests: $(KSFT_DIR)/kselftest_harness.h
	$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests KSFT_DIR=$(KSFT_DIR) \
		UAPI_INC=$(UAPI_INC)

tools:
	@if [ -f tools/jmodctl/Makefile ]; then \
		$(MAKE) -C tools/jmodctl OUTPUT=$(BUILD)/tools UAPI_INC=$(UAPI_INC); \
	else \
		echo "tools: tools/jmodctl/Makefile not there yet, skipping"; \
	fi

KERNEL ?= 6.1
SMP ?= 2
MODE ?= test
TESTS ?=
MODULE_ARGS ?=
VM_ARGS ?=

vm: $(BUILD)/$(KERNEL)/$(JMOD_KO).ko selftests tools
	tools/vm/run.sh --kernel $(KERNEL) --smp $(SMP) --mode $(MODE) \
		$(if $(TESTS),--tests "$(TESTS)") \
		$(if $(MODULE_ARGS),--module-args "$(MODULE_ARGS)") $(VM_ARGS)

demo: $(BUILD)/$(KERNEL)/$(JMOD_KO).ko tools
	tools/vm/run.sh --kernel $(KERNEL) --smp $(SMP) --mode demo \
		$(if $(MODULE_ARGS),--module-args "$(MODULE_ARGS)") $(VM_ARGS)

test-runner:
	tools/vm/tests/run.sh

# dkms build against the cached 6.1 headers, in private dkms/source trees
# under build/dkms (nothing is added to /usr/src or /var/lib/dkms; dkms
# may create its module signing key /var/lib/dkms/mok.key).
DKMS_VER = $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_DIRS = --sourcetree $(BUILD)/dkms/src --dkmstree $(BUILD)/dkms/tree
DKMS_LINE ?= 6.1
dkms: $(JMOD_CACHE)/kernels/$(DKMS_LINE)/env
	@command -v dkms >/dev/null || \
		{ echo "dkms: not installed (tools/setup.sh --dkms)" >&2; exit 1; }
	rm -rf $(BUILD)/dkms
	$(call sync_src,$(BUILD)/dkms/src/jmod-$(DKMS_VER))
	cp Makefile dkms.conf $(BUILD)/dkms/src/jmod-$(DKMS_VER)/
	mkdir -p $(BUILD)/dkms/tree
	dkms add -m jmod -v $(DKMS_VER) $(DKMS_DIRS)
	. $(JMOD_CACHE)/kernels/$(DKMS_LINE)/env && \
	dkms build -m jmod -v $(DKMS_VER) -k $$KVER --kernelsourcedir $$KDIR \
		$(DKMS_DIRS) && \
	ls $(BUILD)/dkms/tree/jmod/$(DKMS_VER)/$$KVER/*/module/$(JMOD_KO).ko*

check:
	tools/check.sh

clean:
	rm -rf $(BUILD)
	rm -f *.o *.ko *.mod *.mod.c .*.cmd Module.symvers modules.order

FORCE:

-include tools/bench/bench.mk
