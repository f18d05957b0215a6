#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# traces/render_handshake.py (make lab-handshake, chapter 3) on a trace
# written by hand in traces/handshake.bt's format
# (tests/host/data/lab-handshake-trace.txt: two handshakes, a flood
# that puts wgb under load, a cookie reply and the retry, the timers, and
# the counts bpftrace prints at its exit). It renders the summary and both
# pictures; its checker passes them, and fails doctored copies: an
# initiator's keypair naming no response, no handshake complete, the
# cookie reply never received, an SVG cut short, an SVG that does not name
# a timer that fired. The same trace exports to Chrome trace-event JSON
# whose check passes. The steps are tests/lib/lab_render.sh's.
# shellcheck disable=SC2154 # sample and tmp: lab_render_setup's
. "$(dirname "$0")/../lib/lab_render.sh"

lab_render_setup traces/render_handshake.py tests/host/data/lab-handshake-trace.txt
ktap_plan 9
expect_renders "sequence.svg, timers.svg"
expect_output "the summary ties each handshake's indices together, the cookie reply and the flood's counts" \
	'^Handshakes: 3 complete' \
	'^  3\. wga -> wgb at .*keypairs 3c4d5e6f (wga) and 7b8c9dae (wgb); a cookie reply came first' \
	'^  cookie: wgb answered wga.s initiation 2b3c4d5e with a cookie reply at .* (under load); received, ok=1$' \
	'^  wgb refused 812 initiations: static key does not decrypt$' \
	'^  wgb dropped 3021 received datagrams: handshake queue full$'
expect ok "the checker passes the trace and both pictures" "$sample" \
	--check "$tmp/r/sequence.svg" "$tmp/r/timers.svg"
# wga's second keypair names a response index wgb never sent.
sed '/keypair_create dev=wga .* index=1c2d3e4f /s/remote_index=6a7b8c9d/remote_index=6a7b8c9e/' \
	"$sample" > "$tmp/unpaired.txt"
expect fail "the checker fails an initiator's keypair that names no response" "$tmp/unpaired.txt" --check
grep -v ' handshake_receive dev=wga .* type=2$' "$sample" > "$tmp/noresponse.txt"
expect fail "the checker fails a trace where no response was received" "$tmp/noresponse.txt" --check
grep -v ' cookie_receive ' "$sample" > "$tmp/nocookie.txt"
expect fail "the checker fails a cookie reply that never arrives" "$tmp/nocookie.txt" --check
head -c 3000 "$tmp/r/sequence.svg" > "$tmp/cut.svg"
expect fail "the checker fails an SVG cut short (not well-formed)" "$sample" --check "$tmp/cut.svg"
sed 's/retransmit_handshake/retransmit_XXXXXXXXX/g' "$tmp/r/timers.svg" > "$tmp/unnamed.svg"
expect fail "the checker fails an SVG that does not name a timer that fired" \
	"$sample" --check "$tmp/unnamed.svg"
python3 traces/chrome.py "$sample" -o "$tmp/trace.json" | sed 's/^/# /'
ktap_check "the trace exports to trace-event JSON that passes chrome.py --check, handshakes as flows" \
	'python3 traces/chrome.py --check "$tmp/trace.json" > /dev/null &&
	 grep -q "\"paths\": \"handshake\"" "$tmp/trace.json"'
ktap_finish
