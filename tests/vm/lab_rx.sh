#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lab-rx, shortened (3 pings, no TCP stream), inside make check's
# VM: the lab finishes, and its trace shows at least one packet through
# every core stage of reception in order (rx_udp -> rx_classify ->
# rx_data_enqueue -> rx_decrypt -> rx_napi_schedule -> rx_napi_poll_begin
# -> rx_replay_check -> rx_deliver); both SVGs are well-formed XML naming
# every one of those stages. The checker itself is tested on broken traces
# by tests/host/lab_rx_render.sh.
. "$(dirname "$0")/../lib/vm.sh"

cd "$WGTOUR_ROOT" || exit 1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

ktap_plan 6
wgt_load
# Pings only: enough packets for the checker, and little for Python to
# render under TCG (the TCP stream is make lab-rx's).
if labs/rx/guest.sh "$out" 3 0 > "$out/lab.log" 2>&1; then
	ktap_result ok "labs/rx/guest.sh runs to the end"
else
	ktap_result fail "labs/rx/guest.sh runs to the end"
fi
sed 's/\x1b\[[0-9;]*m//g; s/^/  /' "$out/lab.log" | tail -n 45
# The checker prints one "ok"/"not ok" line per verdict: pass them on.
python3 traces/render.py "$out/trace.txt" --check "$out/swimlane.svg" "$out/stages.svg" \
	> "$out/check.txt" 2>&1
verdicts=0
while read -r verdict rest; do
	case $verdict in
	ok) ktap_result ok "${rest#- }"; verdicts=$((verdicts + 1)) ;;
	not) ktap_result fail "${rest#ok - }"; verdicts=$((verdicts + 1)) ;;
	*) echo "  $verdict $rest" ;;
	esac
done < "$out/check.txt"
# A checker that crashed printed fewer verdicts than planned.
while [ "$verdicts" -lt 5 ]; do
	ktap_result fail "traces/render.py --check gave its verdict"
	verdicts=$((verdicts + 1))
done
ktap_finish
