# SPDX-License-Identifier: GPL-2.0
#
# wgtour: the one entry point. "make help" lists every target.
# Targets that need packages run "setup" first; setup is quiet when nothing
# is missing.

SHELL := /bin/bash
ROOT := $(CURDIR)
KVER = $(shell labs/vm/kver 2>/dev/null)
KDIR = /lib/modules/$(KVER)/build
SETUP_STAMP := build/.setup-done

.DEFAULT_GOAL := help

help: ## list the targets
	@echo "wgtour - WireGuard in the Linux kernel, written to be read and traced"
	@echo
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk -F':.*## ' '{ printf "  make %-14s %s\n", $$1, $$2 }'

setup: ## install missing Debian packages, unpack kernel tools (idempotent)
	@scripts/setup.sh

# WGTOUR_KERNEL=debug: the VM boots the debug kernel (labs/vm/run --kernel),
# and the module is built against it, into build/debug-kernel/module/.
module: setup ## build module/wgtour.ko against the lab kernel's headers (W=1), with BTF
ifeq ($(WGTOUR_KERNEL),debug)
	@labs/vm/debug-kernel.sh module
else
	@$(MAKE) --no-print-directory -C $(KDIR) M=$(ROOT)/module W=1 modules
	@scripts/module-btf.sh
endif

debug-kernel: ## build the lab VM's debug kernel (KASAN, UBSAN, lockdep, kmemleak, ...); WGTOUR_KERNEL=debug make shell boots it
	@labs/vm/debug-kernel.sh

lint: setup ## checkpatch --strict and sparse (C=2) on the module
	@tests/host/lint.sh

book: setup ## build the book: build/book/pages/index.html (a page per chapter), build/book/index.html (one page), build/book/wgtour.epub
	@docs/book/build.sh

shell: module ## interactive root shell in the lab VM, wgtour.ko loaded
	@labs/vm/run --name shell --timeout $${WGTOUR_SHELL_TIMEOUT:-86400} --shell

check: module count-events ## the whole test suite: lint, book, then the VM tests (TAP)
	@tests/check.sh

check-debug: count-events ## the VM tests on the debug kernel (make debug-kernel first): any KASAN, UBSAN, lockdep, RCU, kmemleak or hung-task report fails; hours
	@WGTOUR_KERNEL=debug $(MAKE) --no-print-directory module
	@tests/check.sh debug

check-long: module ## the slow tests (tests/vm-long): the protocol timers at their real durations, and config_errors.sh beside the stock module, about 14 minutes
	@tests/check.sh long

fuzz: module ## the fuzzers' long runs in one VM boot: a million datagrams at a live tunnel, 100,000 netlink requests
	@tests/check.sh fuzz

mutate: module ## mutation testing: each bug in tests/mutants/ alone, its tests in the lab VM; killed or survived
	@tests/mutate.sh $(MUTANTS)

lab-init: module ## the device's life (ch. 1): created, configured, moved to another namespace, deleted
	@labs/init/run.sh

lab-peers: module ## peers and cryptokey routing (ch. 2): the trie before and after a removal, lookups traced
	@labs/peers/run.sh

lab-handshake: module ## handshakes (ch. 3): a handshake, a fresh start, a cookie exchange under load, the timers
	@labs/handshake/run.sh

lab-rx: module ## the reception lab: two namespaces, a wireguard device in each
	@labs/rx/run.sh

lab-tx: module ## the transmission lab: GSO packets cut, encrypted on several CPUs, sent
	@labs/tx/run.sh

labs: ## list the labs (one per chapter) and the coding assignments
	@echo "The labs, in course order (make lab-NAME):"
	@python3 labs/course/course.py labs
	@echo
	@echo "The coding assignments (make lab-start LAB=ID, then make grade LAB=ID):"
	@python3 labs/course/course.py assignments

lab-start: ## a student copy of an assignment: make lab-start LAB=ID (build/course/ID/module; FORCE=1 remakes it)
	@[ -n "$(LAB)" ] || { echo "usage: make lab-start LAB=ID (make labs lists them)"; exit 2; }
	@python3 labs/course/course.py start $(LAB) $(if $(FORCE),--force)

grade: setup ## grade an assignment in the lab VM: make grade LAB=ID [SRC=DIR]; points, build/course/ID/grade.json
	@[ -n "$(LAB)" ] || { echo "usage: make grade LAB=ID [SRC=DIR] (make labs lists them)"; exit 2; }
	@labs/course/grade.sh $(LAB) $(SRC)

check-labs: setup ## the course's own tests: every skeleton and reference builds (W=1); VM=1 grades both too
	@labs/course/check-labs.sh $(if $(VM),--vm) $(LAB)

bench: module ## wgtour.ko vs stock wireguard.ko (and wireguard-go, the tracepoints' cost): paired ratios with 95 % intervals; QUICK=1 for a short run
	@$(if $(filter 1,$(QUICK)),BENCH_QUICK=1 )labs/bench/run.sh

# count-events (traces/count/): a raw_tp, tp_btf or tracepoint BPF program
# on every event of a tracepoint system, counting; make bench's variants
# rawtp, tpbtf and tpcount and tests/vm/tracepoints.sh run it in the lab
# VM, which sees build/.
# The BPF object needs only the uapi headers (linux/bpf.h, and asm/ from
# the multiarch directory, which clang -target bpf does not search).
# COUNT_OUT=DIR builds DIR/count-events instead (tests/host/count_events.sh).
COUNT_OUT ?= build
count-events: setup $(COUNT_OUT)/count-events ## build build/count-events: count a tracepoint system's events with raw_tp, tp_btf or tracepoint programs (libbpf)

$(COUNT_OUT)/count/count.bpf.o: traces/count/count.bpf.c
	@mkdir -p $(@D)
	clang -O2 -g -Wall -Wextra -target bpf \
		-I/usr/include/$(shell $(CC) -print-multiarch) -c $< -o $@

$(COUNT_OUT)/count/count.skel.h: $(COUNT_OUT)/count/count.bpf.o
	bpftool gen skeleton $< name count_bpf > $@.tmp
	@mv $@.tmp $@

$(COUNT_OUT)/count-events: traces/count/count-events.c $(COUNT_OUT)/count/count.skel.h
	$(CC) -O2 -g -Wall -Wextra -I$(COUNT_OUT)/count $< -lbpf -o $@

profile: module ## where the time goes: perf flame graphs of wgtour.ko and stock wireguard.ko under one TCP stream, a table per data-path stage (build/profile/)
	@labs/bench/profile.sh

clean: ## remove build outputs (build/ and the module's objects)
	@if [ -d $(KDIR) ]; then $(MAKE) --no-print-directory -C $(KDIR) M=$(ROOT)/module clean; fi
	rm -rf build

.PHONY: help setup module debug-kernel lint book shell check check-long fuzz mutate lab-init \
	lab-peers lab-handshake lab-rx lab-tx labs lab-start grade check-labs bench profile \
	count-events clean
