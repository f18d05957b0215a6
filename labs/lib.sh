# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154 # out, lab and lab_* are the caller's
#
# What the traced labs (labs/init, peers, handshake, rx, tx) share,
# sourced by their scripts.
#
# On the host, labs/KIND/run.sh (make lab-KIND) calls lab_host_main.
#
# In the VM, labs/KIND/guest.sh sources labs/topo/two-peers.sh (or
# netns.sh) and this file, sets out (the output directory) and these
# variables:
#   lab          its name in messages: lab-rx
#   lab_bt       the bpftrace command line, an array: (traces/rx.bt)
#   lab_header   the line the script's BEGIN prints once every probe is attached
#   lab_render   the renderer: traces/render.py
#   lab_render_mode  "host" when the caller renders (WGT_RX_RENDER=host)
# defines these steps:
#   banner       the first line of the summary
#   traffic      what is traced
#   explain      how to read what follows
# may redefine these, whose defaults below are the two-peer labs':
#   before_trace  before bpftrace starts (a module parameter to set)
#   topology     built while bpftrace compiles; on failure, return 1
#   peers_up     once bpftrace is attached, before the traffic; on
#                failure, say why and return 1
#   after_trace  once bpftrace has stopped, before the teardown
#   teardown     remove what the lab built (also run first: leftovers)
# and calls lab_guest_main. Commands the trace should show run through
# "run" (labs/lab-cmd), which the chapter 1-3 scripts print.

# ---- in the VM ----

# lab_define KIND RENDERER [OUTDIR]: the variables above for labs/KIND
# (chapters 1-3): its script traces/KIND.bt, whose BEGIN prints "# wgtour
# KIND trace"; OUTDIR, default build/labs/KIND; the rendering left to the
# caller when WGT_<KIND>_RENDER (in capitals) is "host".
lab_define()
{
	local mode
	mode=WGT_$(echo "$1" | tr '[:lower:]' '[:upper:]')_RENDER
	lab=lab-$1
	out=${3:-build/labs/$1}
	lab_bt=("traces/$1.bt")
	lab_header="# wgtour $1 trace"
	lab_render=$2
	lab_render_mode=${!mode:-}
}

# step TEXT: a progress line, with the seconds since the lab started.
step()
{
	printf '\033[1m==> [%5.1f s] %s\033[0m\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$*"
}

# loaded MODULE: yes or no.
loaded()
{
	[ -d "/sys/module/$1" ] && echo yes || echo no
}

# peers_set: wgt-a and wgt-b know each other (their devices are named by
# two-peers.sh's TOPO_DEV_A and TOPO_DEV_B).
peers_set()
{
	local pa pb
	pa=$(cat /tmp/topo-a.pub) pb=$(cat /tmp/topo-b.pub)
	step "peers: wgt-a knows wgt-b at 192.0.2.2:51821 and the other way round"
	ip netns exec wgt-a wg set "$TOPO_DEV_A" peer "$pb" allowed-ips 10.0.0.2/32,fd00::2/128 \
		endpoint 192.0.2.2:51821 || return 1
	ip netns exec wgt-b wg set "$TOPO_DEV_B" peer "$pa" allowed-ips 10.0.0.1/32,fd00::1/128 \
		endpoint 192.0.2.1:51820 || return 1
}

# run COMMAND...: show it and run it through labs/lab-cmd, which execs it:
# the trace scripts of chapters 1-3 print every command started by a
# process named lab-cmd (and nothing else the lab runs: date, sed, ...).
run()
{
	printf '    $ %s\n' "$*"
	"$WGTOUR_ROOT/labs/lab-cmd" "$@"
}

# The steps a lab may redefine (see the top of this file).
before_trace() { :; }
after_trace() { :; }
teardown() { topo_down; }
peers_up() { :; }
topology()
{
	step "topology: netns wgt-a (10.0.0.1, wgtour $TOPO_DEV_A) and wgt-b (10.0.0.2, wgtour $TOPO_DEV_B), a veth between"
	topo_up > /dev/null
}

# ping_b PING_OPTIONS...: ping wgt-b from wgt-a; print the totals only.
ping_b()
{
	ip netns exec wgt-a ping "$@" 10.0.0.2 | sed -n 's/^/    /; /packets transmitted/p; /rtt/p'
}

# iperf3_b SECONDS RATE TEXT: unless SECONDS is 0, step TEXT and a TCP
# stream from wgt-a to wgt-b; print the totals only.
iperf3_b()
{
	[ "$1" = 0 ] && return 0
	step "$3"
	ip netns exec wgt-b iperf3 -s -1 -D -B 10.0.0.2
	sleep 0.5
	ip netns exec wgt-a iperf3 -c 10.0.0.2 -t "$1" -b "$2" -f m |
		sed -n 's/^/    /; /sender$/p; /receiver$/p'
}

# bpftrace compiles the script with LLVM, which is slow under QEMU's TCG:
# it starts first and the topology is built while it compiles.
trace_start()
{
	step "starting bpftrace ${lab_bt[*]} in the background (compiling takes a while under QEMU)"
	# The drop reasons by number: the renderers print them by name.
	"$WGTOUR_ROOT/traces/reasons.sh" > "$out/trace.txt"
	# A large perf buffer (pages per CPU): the TCP stream comes in bursts
	# faster than bpftrace's userspace, slowed down by TCG, prints them.
	BPFTRACE_PERF_RB_PAGES=2048 bpftrace "${lab_bt[@]}" >> "$out/trace.txt" \
		2> "$out/bpftrace.err" &
	bt_pid=$!
}

trace_wait()
{
	local i
	# BEGIN prints the header once every probe is attached.
	for i in $(seq 1500); do
		if grep -q "^$lab_header" "$out/trace.txt"; then
			step "bpftrace is attached: tracing"
			return 0
		fi
		kill -0 "$bt_pid" 2>/dev/null || break
		[ $((i % 50)) = 0 ] && step "still waiting for bpftrace to attach"
		sleep 0.2
	done
	echo "$lab: bpftrace did not start:"
	cat "$out/bpftrace.err"
	return 1
}

trace_stop()
{
	local size=-1 now i=0
	# bpftrace's userspace prints far slower than the kernel traces under
	# TCG, and on SIGINT it drops what it has not printed yet: wait until
	# the trace stops growing first.
	step "waiting for bpftrace to print everything it traced"
	while now=$(stat -c %s "$out/trace.txt") && [ "$now" != "$size" ]; do
		size=$now
		i=$((i + 1))
		[ $((i % 5)) = 0 ] && step "bpftrace is still printing: $(grep -c . "$out/trace.txt") lines so far"
		sleep 1
	done
	step "stopping bpftrace"
	kill -INT "$bt_pid"
	wait "$bt_pid"
	grep -v '^#' "$out/trace.txt" | grep -c . | sed 's/^/    events traced: /'
	grep -h '^Lost [0-9]* events' "$out/trace.txt" |
		awk '{ n += $2 } END { if (n) print "    bpftrace lost " n " events (its buffer overflowed)" }'
}

# lab_guest_main: the whole lab; what it prints is also written, without
# the colours, to $out/summary.txt. Exits with the lab's status.
lab_guest_main()
{
	local rc
	mkdir -p "$out"
	rm -f "$out"/trace.txt "$out"/summary.txt "$out"/*.svg "$out"/*.dot
	start=$(date +%s.%N)
	{
		banner
		teardown	# a namespace left over from an earlier run
		before_trace || exit 1
		trace_start
		topology || { echo "$lab: building the topology failed"; exit 1; }
		trace_wait || exit 1
		peers_up || exit 1
		traffic
		trace_stop
		after_trace
		teardown
		explain
		# Python is slow under TCG: make lab-rx and lab-tx render on the host.
		if [ "$lab_render_mode" != host ]; then
			step "rendering: python3 $lab_render"
			python3 "$lab_render" "$out/trace.txt" --out "$out" || exit 1
		fi
	} 2>&1 | tee >(sed 's/\x1b\[[0-9;]*m//g' > "$out/summary.txt")
	rc=${PIPESTATUS[0]}
	wait $! 2> /dev/null	# the sed writing summary.txt
	exit "$rc"
}

# ---- on the host ----

# lab_host_main KIND RENDERER RENDER_ENV [PICTURES]: make lab-KIND. Boot
# the lab VM with labs/KIND/guest.sh, RENDER_ENV=host telling it to leave
# the rendering to us (Python is slow under QEMU), then render
# build/labs/KIND/trace.txt with RENDERER and add what it prints to
# summary.txt. PICTURES names what RENDERER writes (default: rx's and
# tx's), which RENDERER --check must then pass, and the last line lists.
# Exits with the lab's status: 0 only when all of it worked.
lab_host_main()
{
	local kind=$1 renderer=$2 render_env=$3 pictures=${4:-swimlane.svg, stages.svg}
	local root out start rc p svgs=()
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	out=$root/build/labs/$kind
	start=$(date +%s)
	echo "lab-$kind: booting the lab VM (QEMU) ..."
	"$root/labs/vm/run" --name "lab-$kind" --timeout 600 -- \
		env "$render_env=host" "labs/$kind/guest.sh"
	rc=$?
	if [ "$rc" = 0 ]; then
		python3 "$root/$renderer" "$out/trace.txt" --out "$out" | tee -a "$out/summary.txt"
		rc=${PIPESTATUS[0]}
	fi
	# The pictures as drawn: well-formed, naming what the lab is about.
	if [ "$rc" = 0 ]; then
		for p in ${pictures//,/ }; do
			svgs+=("$out/$p")
		done
		python3 "$root/$renderer" "$out/trace.txt" --check "${svgs[@]}"
		rc=$?
	fi
	# The same trace for the standard viewers (Perfetto, chrome://tracing).
	if [ "$rc" = 0 ]; then
		python3 "$root/traces/chrome.py" "$out/trace.txt" -o "$out/trace.json"
		rc=$?
	fi
	echo "lab-$kind: $(( $(date +%s) - start )) s; results in build/labs/$kind/:" \
		"summary.txt, trace.txt, $pictures, trace.json (Perfetto)" \
		"(VM logs: build/vm/runs/lab-$kind/)"
	exit "$rc"
}
