#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One name per trace field (appendix "Reading the traces"): a field of
# module/trace.h is printed under its own name by its event's TP_printk()
# and by every bpftrace script of the labs and of the book's recordings,
# and the renderers, the course's checks and the chapters use only labels
# something prints (tests/lib/trace_names.py). Copies of the sources
# doctored one way each must fail: a TP_printk() label that is not its
# field's name, a value printed bare, a script that prints skbaddr as
# skb=, a renderer that reads a label nothing prints, a chapter that
# shows one.
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ktap_plan 6

# copy: a fresh copy of what trace_names.py reads, as $tmp/root
copy()
{
	rm -rf "$tmp/root"
	mkdir -p "$tmp/root/module" "$tmp/root/labs/course" "$tmp/root/tests/lib" \
		"$tmp/root/traces/samples" "$tmp/root/chapters"
	cp module/trace.h "$tmp/root/module/"
	cp traces/*.bt traces/*.py "$tmp/root/traces/"
	cp traces/samples/*.sh "$tmp/root/traces/samples/"
	cp -L chapters/*.md "$tmp/root/chapters/"
	cp labs/course/*.py "$tmp/root/labs/course/"
	cp tests/lib/course_traces.py "$tmp/root/tests/lib/"
}

# verdict: what trace_names.py says of $tmp/root, "pass" or "fail"
verdict()
{
	python3 tests/lib/trace_names.py "$tmp/root" > "$tmp/out" 2>&1
	case $? in
	0) echo pass ;;
	1) echo fail ;;
	*) echo crashed ;;
	esac
	sed 's/^/# /' "$tmp/out" >&2
}

copy
ktap_check "every label is its field's name; renderers and chapters use printed labels" \
	'[ "$(verdict)" = pass ]'
copy
sed -i 's/decrypt_cpu=%d", __entry->skbaddr/cpu=%d", __entry->skbaddr/' "$tmp/root/module/trace.h"
ktap_check "a TP_printk() label other than its field's name fails (doctored: cpu=)" \
	'[ "$(verdict)" = fail ] && grep -q "label cpu= prints field decrypt_cpu" "$tmp/out"'
copy
sed -i 's/"dev=%s peer=%\*phN... what=%s"/"dev=%s peer=%*phN... %s"/' "$tmp/root/module/trace.h"
ktap_check "a field printed without a label fails (doctored: timer_fired's what)" \
	'[ "$(verdict)" = fail ] && grep -q "what printed without a label" "$tmp/out"'
copy
sed -i '/rx_classify/s/skbaddr=0x%lx/skb=0x%lx/' "$tmp/root/traces/rx.bt"
ktap_check "a script that prints skbaddr as skb= fails (doctored rx.bt)" \
	'[ "$(verdict)" = fail ] && grep -q "label skb= prints field skbaddr" "$tmp/out"'
copy
sed -i 's/f.get("seg", /f.get("n", /' "$tmp/root/traces/render_tx.py"
ktap_check "a renderer that reads a label nothing prints fails (doctored render_tx.py: n=)" \
	'[ "$(verdict)" = fail ] && grep -q "reads n=" "$tmp/out"'
copy
echo 'The packet is `skb=0xffff8e26c2286300`.' >> "$tmp/root/chapters/05-transmission.md"
ktap_check "a chapter that shows a label nothing prints fails (doctored chapter 5: skb=)" \
	'[ "$(verdict)" = fail ] && grep -q "shows skb=" "$tmp/out"'
ktap_finish
