#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Chapter 4's sample trace: the reception lab (labs/rx/guest.sh) with
# 3 pings and no TCP stream, so the trace stays small: the handshake that
# the first ping starts, then the pings and their replies, each received
# by one of the two wgtour devices and traced by traces/rx.bt. Runs on the
# host (it boots the lab VM):
#
#   make module && traces/samples/ch4-rx.sh
#
# Writes traces/samples/ch4-rx-trace.txt (the raw trace),
# traces/samples/ch4-rx-summary.txt (traces/render.py's terminal view of it)
# and chapters/figures/ch4-stages.dot (the stage graph the book renders).
# Addresses, CPUs and timings change from run to run.
set -u
cd "$(dirname "$0")/../.." || exit 1
out=build/traces/ch4-rx
labs/vm/run --name ch4-rx --timeout 600 -- env WGT_RX_RENDER=host labs/rx/guest.sh "$out" 3 0 || exit 1
{
	echo "# chapter 4: a received packet's path (recorded by traces/samples/ch4-rx.sh on $(labs/vm/kver))"
	cat "$out/trace.txt"
} > traces/samples/ch4-rx-trace.txt
python3 traces/render.py traces/samples/ch4-rx-trace.txt > traces/samples/ch4-rx-summary.txt || exit 1
python3 traces/render.py traces/samples/ch4-rx-trace.txt --dot chapters/figures/ch4-stages.dot \
	--title "wgtour reception: the stages of a packet (chapter 4's sample trace)"
