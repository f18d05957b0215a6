#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# traces/render_peers.py (make lab-peers, chapter 2) on a trace written by
# hand in traces/peers.bt's format (tests/host/data/lab-peers-trace.txt:
# chapter 2's three peers, lookups of eight addresses, the second peer
# removed, the lookups again) with the trie dumps recorded for chapter 2
# (traces/samples/ch2-trie.txt, ch2-trie-removed.txt: the same peers). It
# renders the summary and the pictures; its checker passes them, and fails
# doctored copies: a lookup answered by another peer than the longest
# prefix's owner, a removal that leaves a prefix of the peer behind, an SVG
# cut short, a trie picture missing a prefix of its dump. The same trace
# exports to Chrome trace-event JSON whose check passes. The steps are
# tests/lib/lab_render.sh's.
# shellcheck disable=SC2154 # sample and tmp: lab_render_setup's
. "$(dirname "$0")/../lib/lab_render.sh"

lab_render_setup traces/render_peers.py tests/host/data/lab-peers-trace.txt
tries=(--tries traces/samples/ch2-trie.txt traces/samples/ch2-trie-removed.txt)
ktap_plan 9
expect ok "render_peers.py renders the sample: summary, lookups.svg, trie-before.svg, trie-after.svg" \
	"$sample" --out "$tmp/r" "${tries[@]}"
expect_output "the summary gives each address's owner before and after the removal" \
	'^  10.1.2.9        c794f3d6 (10.1.2.0/24)  *5021e17f (10.1.0.0/16) *$' \
	'^  192.168.7.7     c794f3d6 (192.168.0.0/16)  *none *$' \
	'16 lookups; 16 agree with the longest-prefix match'
expect ok "the checker passes the trace and the three pictures" "$sample" "${tries[@]}" \
	--check "$tmp/r/lookups.svg" "$tmp/r/trie-before.svg" "$tmp/r/trie-after.svg"
# 10.1.2.9 answered by the first peer while the second, with a /24, owned it.
awk '$5 == "allowedips_lookup_done" && $6 == "tid=912" && ++n == 2 { $8 = "peer=5021e17f" } { print }' \
	"$sample" > "$tmp/wrong.txt"
expect fail "the checker fails a lookup not answered by the longest prefix's owner" \
	"$tmp/wrong.txt" "${tries[@]}" --check
grep -v 'allowedips_remove peer=c794f3d6 family=2 addr=::ffff:192.168.0.0 cidr=16' "$sample" > "$tmp/left.txt"
expect fail "the checker fails a removal that leaves one of the peer's prefixes behind" \
	"$tmp/left.txt" "${tries[@]}" --check
head -c 2500 "$tmp/r/lookups.svg" > "$tmp/cut.svg"
expect fail "the checker fails an SVG cut short (not well-formed)" "$sample" "${tries[@]}" \
	--check "$tmp/cut.svg"
sed 's|10.1.2.7/32|10.1.2.8/32|g' "$tmp/r/trie-before.svg" > "$tmp/trie-before.svg"
expect fail "the checker fails a trie picture that does not name a prefix of its dump" \
	"$sample" "${tries[@]}" --check "$tmp/trie-before.svg"
ktap_check "the trie pictures' DOT renders with graphviz" \
	'dot -Tsvg "$tmp/r/trie-after.dot" -o /dev/null'
python3 traces/chrome.py "$sample" -o "$tmp/trace.json" | sed 's/^/# /'
ktap_check "the trace exports to trace-event JSON that passes chrome.py --check, lookups as flows" \
	'python3 traces/chrome.py --check "$tmp/trace.json" > /dev/null &&
	 grep -q "\"paths\": \"lookup\"" "$tmp/trace.json"'
ktap_finish
