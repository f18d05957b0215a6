#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write a lab's trace as Chrome trace-event JSON, which Perfetto
(ui.perfetto.dev, "Open trace file") and chrome://tracing open.

usage: traces/chrome.py TRACE [-o OUT.json]
       traces/chrome.py --check OUT.json

TRACE is what one of the labs' bpftrace scripts printed (read by
render.py's parser; which script, the events say). One track ("thread")
per CPU: every event a short slice on the track of the CPU it ran on,
named after the event, its fields as arguments. Every packet is a flow,
drawn as arrows from slice to slice and from CPU to CPU: a received packet
as render.py follows it (from rx_udp, with the NAPI polls that delivered
it), a transmitted datagram as render_tx.py does (a GSO segment starts at
its parent's tx_xmit). The control-path labs' flows are what their
renderers follow: a device's life (render_init.py), a lookup in the
allowed-IPs trie (render_peers.py), a handshake (render_handshake.py).
The flow's id is its number in that order, not an skb address, which the
kernel reuses. Times are microseconds since the trace's first event.

A slice lasts until the next event on its CPU, at most SLICE_US, so that
slices on one track never overlap (the viewers nest overlapping slices)
and each flow point binds to the slice it starts in ("bp": "e").

--check exits 1 unless OUT.json is valid trace-event JSON as this script
means to write it: a traceEvents list; per track, slices in time order that
do not overlap; every flow with one start ("s") first and one end ("f")
last, and every flow point inside a slice of its track.
"""
import argparse
import importlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render  # noqa: E402  the parser and rx's packets
import render_tx  # noqa: E402  tx's datagrams

SLICE_US = 1.0
PID = 1


# The control-path labs: an event only its script prints, its renderer
# (whose flows() gives the paths), and what one path is.
CONTROL = [("handshake_send", "render_handshake", "handshake"),
           ("allowedips_lookup", "render_peers", "lookup"),
           ("device_create", "render_init", "device")]


def packets(events):
    """The packets of the trace (or the paths of a control-path lab's),
    each a list of events in time order, and what they are."""
    names = {e.name for e in events}
    if "tx_xmit" in names and "rx_udp" not in names:
        return [d.events for d in render_tx.group(events)[1]], "tx packet"
    for event, module, what in CONTROL:
        if event in names:
            return importlib.import_module(module).flows(events), what
    return [p.events for p in render.packets_of(events)], "rx packet"


def export(events, title):
    """The trace-event JSON object."""
    if not events:
        return {"traceEvents": [], "displayTimeUnit": "ns"}
    t0 = events[0].ts
    out = [{"ph": "M", "pid": PID, "name": "process_name", "args": {"name": title}}]
    for cpu in sorted({e.cpu for e in events}):
        out.append({"ph": "M", "pid": PID, "tid": cpu, "name": "thread_name",
                    "args": {"name": "CPU %d" % cpu}})
        out.append({"ph": "M", "pid": PID, "tid": cpu, "name": "thread_sort_index",
                    "args": {"sort_index": cpu}})
    start = {}          # id(event) -> its slice's start, in us
    by_cpu = {}
    for e in events:
        by_cpu.setdefault(e.cpu, []).append(e)
    for cpu, evs in by_cpu.items():
        for i, e in enumerate(evs):
            ts = (e.ts - t0) / 1000
            nxt = (evs[i + 1].ts - t0) / 1000 if i + 1 < len(evs) else ts + SLICE_US
            start[id(e)] = ts
            args = dict(e.f, context=e.ctx, task=e.comm)
            out.append({"ph": "X", "pid": PID, "tid": cpu, "name": e.name, "cat": "wgtour",
                        "ts": ts, "dur": min(SLICE_US, nxt - ts), "args": args})
    paths, what = packets(events)
    for n, path in enumerate(p for p in paths if len(p) > 1):
        for i, e in enumerate(path):
            ph = "s" if i == 0 else "f" if i == len(path) - 1 else "t"
            out.append({"ph": ph, "pid": PID, "tid": e.cpu, "id": n, "bp": "e",
                        "name": what, "cat": "packet",
                        "ts": start[id(e)]})
    return {"traceEvents": out, "displayTimeUnit": "ns",
            "otherData": {"source": "wgtour traces/chrome.py", "paths": what}}


def problems(doc):
    """Why DOC is not what export() means to write (an empty list if it is)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return ["no traceEvents list"]
    out, slices, flows = [], {}, {}
    for ev in doc["traceEvents"]:
        if ev.get("ph") == "X":
            slices.setdefault(ev.get("tid"), []).append((ev["ts"], ev["ts"] + ev["dur"]))
        elif ev.get("ph") in ("s", "t", "f"):
            flows.setdefault(ev.get("id"), []).append(ev)
    for tid, spans in slices.items():
        for (a0, a1), (b0, _) in zip(spans, spans[1:]):
            if b0 < a0:
                out.append("track %s: a slice at %s us comes after one at %s us" % (tid, b0, a0))
            elif b0 < a1:
                out.append("track %s: slices overlap at %s us" % (tid, b0))
    for fid, points in flows.items():
        phases = "".join(p["ph"] for p in sorted(points, key=lambda p: p["ts"]))
        if len(points) < 2 or phases[0] != "s" or phases[-1] != "f" or \
                phases.count("s") != 1 or phases.count("f") != 1:
            out.append("flow %s: its points are %s, not one s first and one f last" % (
                fid, phases))
        for p in points:
            if not any(a <= p["ts"] <= b for a, b in slices.get(p["tid"], [])):
                out.append("flow %s: a point at %s us on track %s is in no slice" % (
                    fid, p["ts"], p["tid"]))
    if not flows:
        out.append("no flow: no packet went through two events")
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trace", nargs="?")
    ap.add_argument("-o", "--out", help="the JSON file (default: TRACE with .json)")
    ap.add_argument("--check", metavar="JSON", help="check a file this script wrote")
    a = ap.parse_args(argv)
    if a.check:
        try:
            with open(a.check) as f:
                doc = json.load(f)
        except (OSError, ValueError) as err:
            print("not ok - %s is JSON (%s)" % (a.check, err))
            return 1
        bad = problems(doc)
        for p in bad[:10]:
            print("# " + p)
        print("%s - %s: %d events, trace-event JSON with whole flows" % (
            "not ok" if bad else "ok", a.check, len(doc.get("traceEvents", []))))
        return 1 if bad else 0
    if not a.trace:
        ap.error("a TRACE, or --check JSON")
    events, _ = render.parse(a.trace)
    out = a.out or os.path.splitext(a.trace)[0] + ".json"
    doc = export(events, "wgtour: %s" % os.path.basename(a.trace))
    with open(out, "w") as f:
        json.dump(doc, f)
    flows = len({ev["id"] for ev in doc["traceEvents"] if ev.get("ph") == "s"})
    print("%s: %d events on %d CPUs, %d paths as flows (%s; open it in ui.perfetto.dev "
          "or chrome://tracing)" % (out, len(events), len({e.cpu for e in events}), flows,
                                    doc.get("otherData", {}).get("paths", "none")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
