#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One name per trace field (appendix "Reading the traces"): a field of
# module/trace.h is printed under its own name by its event's TP_printk()
# and by every bpftrace script of the labs and of the book's recordings,
# and the renderers, the course's checks and the chapters use only labels
# something prints, and where they say which event they read, labels that
# event prints (tests/lib/trace_names.py). Copies of the sources doctored
# one way each must fail: a TP_printk() label that is not its field's
# name, a value printed bare, a script that prints skbaddr as skb=, a
# script that prints one event's line under another's name, a renderer
# that reads a label nothing prints, two renderers that read a label
# another event prints, a chapter that shows a label nothing prints,
# a chapter's table that gives a label to the wrong event.
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ktap_plan 10

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
sed -i 's/"cookie reply for %s" % f.get("receiver_index")/"cookie reply for %s" % f.get("sender_index")/' \
	"$tmp/root/traces/render_handshake.py"
ktap_check "a renderer that reads another event's label fails (doctored render_handshake.py: cookie_send's sender_index=)" \
	'[ "$(verdict)" = fail ] && grep -q "reads sender_index= of cookie_send" "$tmp/out"'
copy
sed -i 's/first("tx_nonce").f.get("counter"/first("tx_nonce").f.get("encrypt_cpu"/' "$tmp/root/traces/render_tx.py"
ktap_check "a renderer that reads tx_nonce's encrypt_cpu= fails (doctored render_tx.py)" \
	'[ "$(verdict)" = fail ] && grep -q "reads encrypt_cpu= of tx_nonce" "$tmp/out"'
copy
sed -i 's/%d tx_route skbaddr=/%d tx_nonce skbaddr=/' "$tmp/root/traces/tx.bt"
ktap_check "a script that prints tx_route's line as tx_nonce fails (doctored tx.bt)" \
	'[ "$(verdict)" = fail ] && grep -q "tx_route prints its line as tx_nonce" "$tmp/out"'
copy
echo 'The packet is `skb=0xffff8e26c2286300`.' >> "$tmp/root/chapters/05-transmission.md"
ktap_check "a chapter that shows a label nothing prints fails (doctored chapter 5: skb=)" \
	'[ "$(verdict)" = fail ] && grep -q "shows skb=" "$tmp/out"'
copy
sed -i 's/^| `encrypt_cpu=` | `tx_encrypt_enqueue` |/| `encrypt_cpu=` | `tx_encrypt` |/' "$tmp/root/chapters/05-transmission.md"
ktap_check "a chapter's table that gives encrypt_cpu= to tx_encrypt fails (doctored chapter 5)" \
	'[ "$(verdict)" = fail ] && grep -q "shows encrypt_cpu= of tx_encrypt" "$tmp/out"'
ktap_finish
