# SPDX-License-Identifier: GPL-2.0
#
# Both the Kbuild file of this directory (when the kernel's build system
# reads it) and the entry point for people: run "make help".

ifneq ($(KERNELRELEASE),)
# ---------------------------------------------------------------- Kbuild ---

# Out-of-tree builds have no Kconfig: build everything as modules. In a
# kernel tree, Kconfig decides (the sample and the selftests' canary are
# out-of-tree only).
ifneq ($(KBUILD_EXTMOD),)
CONFIG_RUST_9P ?= m
CONFIG_RUST_FINGERD ?= m
CONFIG_RKS_SELFTESTS ?= m
CONFIG_SAMPLE_RUST_ECHO_ASYNC ?= m
endif

# A module is a Rust crate root NAME.rs plus its C glue NAME_glue.c. Kbuild
# cannot name a part of a composite object after the module itself, so the
# crate is compiled to NAME_rs.o by an explicit rule.
define rust_module
$(1)-y := $(1)_rs.o $(1)_glue.o
$$(obj)/$(1)_rs.o: $$(src)/$(1).rs FORCE
	+$$(call if_changed_rule,rustc_o_rs)
endef

obj-$(CONFIG_RUST_9P) += rust_9p.o
$(eval $(call rust_module,rust_9p))
rust_9p-y += rust_9p/vfs/vfs.o rust_9p/vfs/modify.o rust_9p/vfs/creator.o
obj-$(CONFIG_RUST_FINGERD) += rust_fingerd.o
$(eval $(call rust_module,rust_fingerd))
obj-$(CONFIG_SAMPLE_RUST_ECHO_ASYNC) += samples/rust_echo_async.o
$(eval $(call rust_module,samples/rust_echo_async))

# Modules used only by the selftests and make bench.
obj-$(CONFIG_RKS_SELFTESTS) += selftests/canary/
obj-$(CONFIG_RKS_SELFTESTS) += selftests/null9p/rust_null9p.o
$(eval $(call rust_module,selftests/null9p/rust_null9p))

else
# ---------------------------------------------------------------- people ---

SHELL := /bin/bash
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
# Kernel flavour: "release" (no debug options) or "test" (KASAN, kmemleak,
# lockdep, ...).
FLAVOUR ?= release
# Extra arguments for the VM runner, e.g. VM_ARGS=--kvm.
VM_ARGS ?=

.PHONY: all kernel modules run check check-full bench fuzz test unit fmt fmt-check clippy clean help setup

all: modules

help:
	@echo "make                build the $(FLAVOUR) kernel (cached) and the modules"
	@echo "make run            boot the release kernel with both modules and a sample export"
	@echo "                    (9P on host port 5640, finger on 7979; PORT9P=, PORTFINGER=)"
	@echo "make check          the full test suite: host unit tests, then selftests in a"
	@echo "                    VM under the test kernel (TESTS='a.sh b.sh' runs some)"
	@echo "make check-full     the 9P selftests under the release kernel, comparing the"
	@echo "                    whole tree (every one of 5000 entries stat'ed and read),"
	@echo "                    and the write workload at 18 mount variants"
	@echo "make bench          benchmarks on the release kernel: rust_9p against diod,"
	@echo "                    virtio-9p and local (reads and writes), rust_fingerd against netkit"
	@echo "                    fingerd and an epoll baseline (BENCH_ARGS='--reps 5')"
	@echo "make fuzz           libFuzzer on the pure-logic sources, FUZZ_SECS per target"
	@echo "                    (default 900 for passwd, 300 for the others); merges new"
	@echo "                    inputs into host/fuzz/corpus; then"
	@echo "                    the in-guest 9P fuzzer for FUZZ_GUEST_SECS (600; 0: not)"
	@echo "make unit           host-side cargo tests of the pure-logic sources"
	@echo "make fmt            rustfmt the Rust sources (fmt-check: only check)"
	@echo "make clippy         build the modules with CLIPPY=1"
	@echo "make setup          install missing packages and tools"
	@echo "make clean          remove build/ (the kernel cache stays)"
	@echo "FLAVOUR=test|release selects the kernel (default release; check uses test)"

setup:
	@scripts/setup.sh

kernel: setup
	@scripts/kernel.sh build $(FLAVOUR)

modules: kernel
	@scripts/modules.sh $(FLAVOUR)

clippy: kernel
	@scripts/modules.sh $(FLAVOUR) CLIPPY=1

run:
	@scripts/setup.sh
	@scripts/kernel.sh build release
	@scripts/modules.sh release
	@scripts/run.sh $(VM_ARGS)

check:
	@scripts/check.sh $(VM_ARGS)

test: check

# Under the test kernel a 9P round trip costs ~20 ms (TCG, KASAN), so "make
# check" compares the 5000-entry directory by names; this compares it all,
# and runs the write workload at every msize, cache mode and access mode.
check-full:
	@scripts/setup.sh
	@scripts/kernel.sh build release
	@scripts/modules.sh release
	@scripts/vm.sh --flavour release --tests "p9_mount.sh p9_clients.sh p9_users.sh p9_write_matrix.sh" $(VM_ARGS)

# A benchmark, not a test: never part of "make check".
BENCH_ARGS ?=
bench:
	@scripts/bench.sh $(BENCH_ARGS)

# Not a test either: "make check" replays the corpora (host unit tests).
# Empty: each target its default (scripts/fuzz.sh).
FUZZ_SECS ?=
FUZZ_GUEST_SECS ?= 600
fuzz:
	@FUZZ_GUEST_SECS=$(FUZZ_GUEST_SECS) scripts/fuzz.sh $(FUZZ_SECS)

unit:
	@cargo test --quiet --manifest-path host/Cargo.toml

fmt:
	@rustfmt --edition 2021 $$(git -C $(TOP) ls-files '*.rs')

fmt-check:
	@rustfmt --edition 2021 --check $$(git -C $(TOP) ls-files '*.rs')

clean:
	rm -rf build host/target

endif
