#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Cut make lab-tx's trace down to chapter 5's sample.

usage: traces/samples/ch5-lab-tx-cut.py [TRACE] > traces/samples/ch5-lab-tx-trace.txt
       (TRACE defaults to build/labs/tx/trace.txt)

Keeps the comment lines, every tx_drop, and the whole paths of: the first
packet (the ping that waited for the handshake, with tx_handshake_wait),
the GSO packet traces/render_tx.py shows by default, and the two packets
handed to wgtour after it. tests/host/lab_tx_render.sh checks the result.
Chapter 5 shows what the lab's renderer makes of it; after cutting a new
trace, render it again (tests/host/book.sh checks that the two agree):

    python3 traces/render_tx.py traces/samples/ch5-lab-tx-trace.txt \
        > traces/samples/ch5-lab-tx-summary.txt
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import render  # noqa: E402
import render_tx  # noqa: E402

path = sys.argv[1] if len(sys.argv) > 1 else "build/labs/tx/trace.txt"
events, _ = render.parse(path)
xmits, _ = render_tx.group(events)
best = render_tx.pick(xmits)
i = xmits.index(best)
keep = set()
for x in [xmits[0]] + xmits[i:i + 3]:
    for e in x.head + x.tail + [e for d in x.datagrams() for e in d.events]:
        keep.add((e.ts, e.cpu, e.name))
print("# make lab-tx's trace, cut by traces/samples/ch5-lab-tx-cut.py: the ping, "
      "one GSO packet and the two after it (%d of %d packets)" % (
          len({id(x) for x in [xmits[0]] + xmits[i:i + 3]}), len(xmits)))
with open(path, errors="replace") as f:
    for line in f:
        p = line.split(" ", 5)
        if line.startswith("# drop_reason"):
            continue
        if line.startswith("#") or len(p) < 5 or not p[0].isdigit():
            if line.startswith("#"):
                sys.stdout.write(line)
            continue
        if p[4] == "tx_drop" or (int(p[0]), int(p[1]), p[4]) in keep:
            sys.stdout.write(line)
