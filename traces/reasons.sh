#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Drop reasons by number. bpftrace prints a reason field as the number it
# is stored as; the names are in the events' format files, where the
# kernel's TRACE_DEFINE_ENUM and __print_symbolic put them (wgtour's list
# is module/drop_reason.h). Run in the lab VM with wgtour loaded.
#
#   traces/reasons.sh        comment lines for a trace file, which the
#                            renderers (traces/render.py) read:
#                              # drop_reason N NAME         the kernel's (skb:kfree_skb)
#                              # wgtour_drop_reason N TEXT  wgtour's (rx_drop,
#                                                           tx_drop, handshake_reject)
#   traces/reasons.sh --sed  a sed script that names wgtour's reasons in
#                            bpftrace's output: "reason=N" at the end of a
#                            line, and a count map "@drops[N]"
set -euo pipefail
events=/sys/kernel/tracing/events

# "N TEXT" for each { N, "TEXT" } of the event's print format.
symbols()
{
	grep -o '{ [0-9]*, "[^"]*" }' "$events/$1/format" |
		sed 's/^{ \([0-9]*\), "\(.*\)" }$/\1 \2/'
}

if [ "${1:-}" = --sed ]; then
	symbols wgtour/rx_drop | while read -r num text; do
		echo "s/reason=$num\$/reason=$text/; s/^@drops\\[$num\\]/@drops[$text]/"
	done
	exit 0
fi
symbols skb/kfree_skb | sed 's/^/# drop_reason /'
symbols wgtour/rx_drop | sed 's/^/# wgtour_drop_reason /'
