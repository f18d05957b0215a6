#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# count-events (traces/count/: make bench's variants rawtp, tpbtf and
# tpcount, and
# tests/vm/tracepoints.sh, run it in the lab VM) on the host, where
# wgtour.ko cannot be loaded: it builds from clean through the Makefile's
# rule without a warning; its usage errors exit 2; and, in a private mount
# namespace (root, unshare), it fails with a message naming what is
# missing when there is no tracefs, no such system (tracefs found at its
# fallback path, /sys/kernel/debug/tracing), or an event it cannot attach
# to: a made-up wgtour system whose rx_udp the host kernel has no
# tracepoint, nor BTF type, for, and tracefs no id. Then it counts for real, when the host
# lets it load BPF programs: every event of the host kernel's sched
# system, raw_tp, tp_btf and tracepoint, while 20 processes are started
# (sched_process_exec at least 20 times; "total" the sum of the counts).
# shellcheck disable=SC2034 # rc and others are read in ktap_check's expressions
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ktap_plan 11

make --no-print-directory COUNT_OUT="$tmp" "$tmp/count-events" > "$tmp/build.log" 2>&1
rc=$?
grep -i -e warning -e error "$tmp/build.log" | sed 's/^/# /'
ktap_check "make builds count-events from clean (clang -target bpf, bpftool, cc -Wall -Wextra), no warning" \
	'[ "$rc" = 0 ] && [ -x "$tmp/count-events" ] && ! grep -qi warning "$tmp/build.log"'
ce=$tmp/count-events

"$ce" > "$tmp/out" 2>&1
rc=$?
ktap_check "no arguments: exit 2 and the usage" \
	'[ "$rc" = 2 ] && grep -q "^usage: count-events raw_tp|tp_btf|tracepoint \[SYSTEM\]" "$tmp/out"'
"$ce" kprobe wgtour > "$tmp/out" 2>&1
rc=$?
ktap_check "an unknown mode: exit 2, naming it" \
	'[ "$rc" = 2 ] && grep -q "unknown mode .kprobe." "$tmp/out"'

# The namespace's side: "ns.sh SETUP OUT ARG..." lays out the tracefs
# paths as SETUP says, then runs count-events ARG..., its output in OUT;
# exit 100 when the layout cannot be made. SETUP: none (empty directories
# at both tracefs paths), fake (a made-up wgtour system at the fallback
# path only) or real (the kernel's tracefs; count-events is stopped after
# 20 processes have started, its output in OUT either way).
cat > "$tmp/ns.sh" <<'EOF'
setup=$1 ce=$2 out=$3
shift 3
t=/sys/kernel/tracing d=/sys/kernel/debug
mount -t tmpfs nodev "$d" && mkdir -p "$t" || exit 100
case $setup in
none)	mount -t tmpfs nodev "$t" || exit 100 ;;
fake)	mount -t tmpfs nodev "$t" || exit 100
	mkdir -p "$d/tracing/events/wgtour/rx_udp" "$d/tracing/events/wgtour/tx_xmit"
	touch "$d/tracing/events/wgtour/enable" "$d/tracing/events/wgtour/filter" ;;
real)	mount -t tracefs nodev "$t" || exit 100
	find "$t/events/${*: -1}" -mindepth 1 -maxdepth 1 -type d | wc -l > "$out.events"
	. "$WGTOUR_ROOT/tests/lib/wait.sh"
	wgt_start_ready "$out" 'count-events: attached' 30 "$ce" "$@"
	for _ in $(seq 20); do
		/bin/true
	done
	wgt_interrupt "$wgt_ready_pid"
	exit ;;
esac
exec "$ce" "$@" > "$out" 2>&1
EOF
# in_ns SETUP ARG... - count-events ARG... in a private mount namespace
# laid out as SETUP says; its status, its output in $tmp/out
in_ns()
{
	local setup=$1
	shift
	unshare -m bash "$tmp/ns.sh" "$setup" "$ce" "$tmp/out" "$@"
}

if ! unshare -m bash -c 'mount -t tmpfs nodev /sys/kernel/debug' 2> "$tmp/unshare.txt"; then
	sed 's/^/# /' "$tmp/unshare.txt"
	for d in "no tracefs: exit 1, saying so" "no such system" "raw_tp on an event it cannot attach to" \
		"tracepoint on an event it cannot attach to" "tp_btf on an event with no BTF type" \
		"counts the host's sched events (raw_tp)" \
		"counts the host's sched events (tp_btf)" "counts the host's sched events (tracepoint)"; do
		ktap_skip "$d" "no private mount namespace here (root and unshare needed)"
	done
	ktap_finish
fi

in_ns none raw_tp
rc=$?
sed 's/^/# /' "$tmp/out"
ktap_check "no tracefs: exit 1, saying so, naming the system (wgtour by default)" \
	'[ "$rc" = 1 ] && grep -q "system .wgtour.: no tracefs at /sys/kernel/tracing or /sys/kernel/debug/tracing" "$tmp/out"'

in_ns fake raw_tp no_such_system
rc=$?
sed 's/^/# /' "$tmp/out"
ktap_check "no such system: exit 1, naming it and where it looked (tracefs at its fallback path)" \
	'[ "$rc" = 1 ] &&
	 grep -q "no tracepoint system .no_such_system.: cannot open /sys/kernel/debug/tracing/events/no_such_system" "$tmp/out"'

# The events are taken in name order: rx_udp is the first to fail. raw_tp
# finds no tracepoint of that name in the host kernel; a tracepoint program
# goes through perf, which wants the event's id file, and the made-up
# system has none.
for mode in raw_tp tracepoint; do
	in_ns fake $mode
	rc=$?
	sed 's/^/# /' "$tmp/out"
	ktap_check "$mode on an event it cannot attach to: exit 1, naming wgtour:rx_udp and why" \
		'[ "$rc" = 1 ] && grep -q "^count-events: cannot attach $mode to wgtour:rx_udp: [A-Z]" "$tmp/out" &&
		 ! grep -q "^count-events: attached" "$tmp/out"'
done

in_ns fake tp_btf
rc=$?
sed 's/^/# /' "$tmp/out"
ktap_check "tp_btf on an event with no BTF type: exit 1 (no crash), saying the BTF is missing" \
	'[ "$rc" = 1 ] && { grep -q "no BTF type btf_trace_rx_udp" "$tmp/out" ||
	 grep -q "tp_btf needs the kernel.s BTF" "$tmp/out"; }'

# live MODE - count sched's events in MODE: 0 when the counts hold, 1 when
# not, 2 when the host does not let us load BPF programs
live()
{
	local ce_rc n
	in_ns real "$1" sched
	ce_rc=$?
	sed 's/^/# /' "$tmp/out" | grep -v '^# sched_[a-z_]* [0-9]*$'
	grep -q "Operation not permitted" "$tmp/out" && return 2
	n=$(cat "$tmp/out.events")
	echo "# sched has $n events; sched_process_exec: $(grep '^sched_process_exec ' "$tmp/out")"
	[ "$ce_rc" = 0 ] && grep -qx "count-events: attached $n programs ($1)" "$tmp/out" &&
		awk '$1 == "sched_process_exec" { exec = $2 }
		     /^sched_[a-z_]* [0-9]+$/ { sum += $2 }
		     $1 == "total" { total = $2 }
		     END { exit !(exec >= 20 && total == sum && sum > 0) }' "$tmp/out"
}
for mode in raw_tp tp_btf tracepoint; do
	live $mode
	rc=$?
	if [ "$rc" = 2 ]; then
		ktap_skip "counts the host's sched events ($mode)" "the host does not let us load BPF programs"
	else
		ktap_check "counts the host's sched events ($mode): all attached, sched_process_exec >= 20, total the sum" \
			'[ "$rc" = 0 ]'
	fi
done
ktap_finish
