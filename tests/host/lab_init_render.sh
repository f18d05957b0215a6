#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# traces/render_init.py (make lab-init, chapter 1) on a trace written by
# hand in traces/init.bt's format (tests/host/data/lab-init-trace.txt: the
# lab's commands and the events they should fire): it renders the summary
# and the timeline, its checker passes the trace and the SVG, and fails
# doctored copies: a socket opened outside the birth namespace, a device
# never destroyed, an SVG cut short, an SVG that does not name a lane. The
# same trace exports to Chrome trace-event JSON whose check passes, with the
# device's life as a flow. The steps are tests/lib/lab_render.sh's.
# shellcheck disable=SC2154 # sample and tmp: lab_render_setup's
. "$(dirname "$0")/../lib/lab_render.sh"

lab_render_setup traces/render_init.py tests/host/data/lab-init-trace.txt
ktap_plan 8
expect_renders timeline.svg
expect_output "the summary says where the sockets were opened: the birth namespace" \
	'^  wg0: born in wgt-a; lived in wgt-a -> wgt-b; destroyed$' \
	'opened 4 times, in wgt-a: its birth namespace, wherever it lived$'
expect ok "the checker passes the trace and its timeline" "$sample" --check "$tmp/r/timeline.svg"
# wg0's sockets, opened when it came up in wgt-b, said to be made in wgt-b.
awk '$1 >= 42320000000 && $5 == "socket_open" { sub(/netns=4026532281$/, "netns=4026532343") } { print }' \
	"$sample" > "$tmp/astray.txt"
expect fail "the checker fails a trace whose sockets open outside the birth namespace" \
	"$tmp/astray.txt" --check
grep -v " device_destroy " "$sample" > "$tmp/alive.txt"
expect fail "the checker fails a trace whose devices are never destroyed" "$tmp/alive.txt" --check
head -c 3000 "$tmp/r/timeline.svg" > "$tmp/cut.svg"
expect fail "the checker fails an SVG cut short (not well-formed)" "$sample" --check "$tmp/cut.svg"
sed 's/wgt-b/wgt-X/g' "$tmp/r/timeline.svg" > "$tmp/unnamed.svg"
expect fail "the checker fails an SVG that does not name the lane wgt-b" "$sample" --check "$tmp/unnamed.svg"
python3 traces/chrome.py "$sample" -o "$tmp/trace.json" | sed 's/^/# /'
ktap_check "the trace exports to trace-event JSON that passes chrome.py --check, devices as flows" \
	'python3 traces/chrome.py --check "$tmp/trace.json" > /dev/null &&
	 grep -q "\"paths\": \"device\"" "$tmp/trace.json"'
ktap_finish
