#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a trace of traces/tx.bt into a summary and pictures (chapter 5).

usage: traces/render_tx.py TRACE [--out DIR] [--xmit N]
       traces/render_tx.py TRACE --dot OUT.dot [--title TEXT]
       traces/render_tx.py TRACE --check [SVG...]

TRACE is what traces/tx.bt printed, in traces/rx.bt's format (one event a
line, "TS_NS CPU COMM CTX EVENT key=value ..."); it is read by
traces/render.py's parser, and the per-stage numbers use its statistics.
What is not about transmission (the tables' and pictures' layout, writing
the files, the checker's verdicts, the command line) is render.py's too.

A datagram's path: for a packet the stack handed over whole, its own events
from tx_xmit on; for a segment of a GSO packet, its parent's tx_xmit,
tx_route and tx_gso_split, then its own events from tx_gso_segment on
(tx.bt prints the parent with every segment). tx_handshake_wait, which names
no skb, goes to the packets staged on its CPU before it and given their
nonce after it.

The default prints one GSO packet's journey (the one cut into the most
segments that all went through every stage; --xmit N picks the Nth packet
handed to wgtour instead): tx_xmit, tx_route, tx_gso_split, then every
segment's stages with CPU, context, task and microseconds since tx_xmit,
and on which CPUs its segments were encrypted. Then a table over every
datagram (per stage: count, median and 99th percentile of the time since
its previous stage, where it ran), GSO in numbers, and drops by reason.
With --out it writes DIR/swimlane.svg (that GSO packet: a lane per CPU, a
row per segment, time across), DIR/stages.dot and DIR/stages.svg (graphviz).

--check exits 1 unless a GSO packet was cut into at least 2 segments and
at least one of them went through GSO_CORE below in order, and each SVG
given is well-formed XML naming every stage of GSO_CORE.
"""
import collections
import html
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render  # noqa: E402  traces/render.py

STAGES = [
    ("tx_xmit", "stack hands it over (ndo_start_xmit)"),
    ("tx_route", "cryptokey routing: the peer"),
    ("tx_gso_split", "GSO packet cut into segments"),
    ("tx_gso_segment", "one segment of it"),
    ("tx_stage", "staged on the peer's queue"),
    ("tx_handshake_wait", "no session: wait for a handshake"),
    ("tx_nonce", "nonce (message counter)"),
    ("tx_encrypt_enqueue", "encrypt ring, a CPU picked"),
    ("tx_encrypt", "encrypted in place (kworker)"),
    ("net_dev_queue", "outer UDP queued on the veth (kernel)"),
    ("tx_send", "UDP send returned, in order"),
    ("tx_drop", "dropped by wgtour"),
    ("consume_skb", "freed after use (kernel)"),
    ("kfree_skb", "freed by kfree_skb (kernel)"),
]
WORDS = dict(STAGES)
ORDER = {name: i for i, (name, _) in enumerate(STAGES)}
# Every datagram that is sent passes these, in this order.
CORE = ["tx_xmit", "tx_route", "tx_stage", "tx_nonce", "tx_encrypt_enqueue",
        "tx_encrypt", "tx_send"]
# And a segment of a GSO packet these.
GSO_CORE = ["tx_xmit", "tx_route", "tx_gso_split", "tx_gso_segment", "tx_stage",
            "tx_nonce", "tx_encrypt_enqueue", "tx_encrypt", "tx_send"]
KERNEL = ("net_dev_queue", "consume_skb", "kfree_skb")
HEAD = ("tx_xmit", "tx_route", "tx_gso_split")


class Datagram(render.Packet):
    """One datagram's path: a whole packet, or one segment of a GSO packet."""
    order = ORDER

    def __init__(self, skb, xmit, n=None):
        super().__init__(skb)
        self.xmit, self.n = xmit, n


class Xmit:
    """What the stack handed to wgtour: a packet, maybe a GSO one."""

    def __init__(self, event):
        self.skb = event.f.get("skbaddr")
        self.event = event
        self.head = [event]         # tx_xmit, tx_route, tx_gso_split
        self.tail = []              # the parent's own end (consume_skb)
        self.segs = []              # Datagram per segment (GSO)
        self.whole = None           # the Datagram when not cut

    def split(self):
        for e in self.head:
            if e.name == "tx_gso_split":
                return e
        return None

    def datagrams(self):
        return self.segs if self.split() else [self.whole]

    def inner(self):
        f = self.event.f
        return "%s -> %s" % (render.addr(f.get("saddr", "?")), render.addr(f.get("daddr", "?")))


def group(events):
    """The xmits, each with its datagrams, and every datagram."""
    xmits, current = [], {}     # skb -> Datagram or Xmit (before its split)
    parents = {}                # skb -> the last Xmit of that address
    waits = []
    for e in events:
        if e.name == "tx_handshake_wait":
            waits.append(e)
            continue
        skb = e.f.get("skbaddr")
        if skb is None:
            continue
        if e.name == "tx_xmit":
            x = Xmit(e)
            xmits.append(x)
            x.whole = Datagram(skb, x)
            x.whole.events.append(e)
            current[skb] = parents[skb] = x
            continue
        if e.name == "tx_gso_segment":
            parent = parents.get(e.f.get("parent"))
            if not isinstance(parent, Xmit):
                continue
            d = Datagram(skb, parent, int(e.f.get("seg", len(parent.segs))))
            d.events.append(e)
            parent.segs.append(d)
            current[skb] = d
            continue
        owner = current.get(skb)
        if isinstance(owner, Xmit):
            if e.name in HEAD:
                owner.head.append(e)
                owner.whole.events.append(e)
            elif owner.split():
                owner.tail.append(e)    # the parent freed after the split
                current.pop(skb, None)
            else:
                owner.whole.events.append(e)
                current[skb] = owner.whole
        elif owner is not None:
            owner.events.append(e)
        if e.name in ("tx_send", "consume_skb", "kfree_skb") and not isinstance(owner, Xmit):
            current.pop(skb, None)
    grams = []
    for x in xmits:
        if x.split():
            for d in x.segs:
                d.events[:0] = x.head
                grams.append(d)
        else:
            grams.append(x.whole)
    for w in waits:
        for d in grams:
            st, nonce = d.first("tx_stage"), d.first("tx_nonce")
            if st and st.cpu == w.cpu and st.ts <= w.ts and (not nonce or nonce.ts >= w.ts):
                d.events.append(w)
    for d in grams:
        d.sort()
    return xmits, grams


def enc_cpus(x):
    """Per CPU, the segments it encrypted."""
    c = collections.Counter()
    for d in x.datagrams():
        e = d.first("tx_encrypt")
        if e:
            c[e.cpu] += 1
    return c


def pick(xmits, n=None):
    if n is not None:
        return xmits[n] if 0 <= n < len(xmits) else None
    gso = [x for x in xmits if x.split() and x.segs]

    def score(x):
        full = sum(1 for d in x.segs if render.in_order(d, GSO_CORE))
        return (full == len(x.segs), len(enc_cpus(x)) > 1, full)
    if gso:
        return max(gso, key=score)
    return xmits[0] if xmits else None


def detail(e):
    f = e.f
    if e.name == "tx_xmit":
        return "len=%s gso_segs=%s %s -> %s" % (f.get("len"), f.get("gso_segs"),
                                                render.addr(f.get("saddr", "")),
                                                render.addr(f.get("daddr", "")))
    if e.name == "tx_gso_split":
        return "segs=%s first=%s" % (f.get("segs"), f.get("first"))
    if e.name == "tx_gso_segment":
        return "seg=%s skbaddr=%s len=%s" % (f.get("seg"), f.get("skbaddr"), f.get("len"))
    # name: net_dev_queue's device (the kernel's field), dev: ours
    keep = ("peer", "len", "queued", "remote_index", "counter", "encrypt_cpu", "ok", "dev",
            "name", "to", "err", "reason")
    return render.other_detail(e, keep)


# The event and stage columns' widths in the tables.
WIDTHS = (18, 36)


def line(e, t0, indent="  "):
    return render.event_line(e, t0, WORDS, detail(e), WIDTHS, indent)


def show_xmit(x, out):
    t0 = x.event.ts
    split = x.split()
    if split:
        out.append("One GSO packet's journey: skb %s, %s bytes of %s, cut into %s "
                   "segments (gso_segs=%s)" % (x.skb, x.event.f.get("len"), x.inner(),
                                               split.f.get("segs"), x.event.f.get("gso_segs")))
    else:
        out.append("One packet's journey: skb %s, %s bytes of %s (not GSO)"
                   % (x.skb, x.event.f.get("len"), x.inner()))
    out.append(render.event_header(WIDTHS))
    head = set(id(e) for e in x.head)
    for e in sorted(x.head + x.tail, key=lambda e: e.ts):
        out.append(line(e, t0))
    for d in x.datagrams():
        if split:
            out.append("    segment %s: skb %s" % (d.n, d.skb))
        for e in d.events:
            if id(e) not in head:
                out.append(line(e, t0, "    " if split else "  "))
    cpus = enc_cpus(x)
    grams = x.datagrams()
    sent = [d for d in grams if d.first("tx_send")]
    if grams and sent:
        last = max(d.first("tx_send").ts for d in sent)
        out.append("  %d of %d datagrams sent, the last %.1f us after tx_xmit; encrypted on: %s"
                   % (len(sent), len(grams), (last - t0) / 1000,
                      ", ".join("CPU %d (%d)" % kv for kv in sorted(cpus.items())) or "-"))
    order = [int(d.first("tx_nonce").f.get("counter", -1)) for d in
             sorted(sent, key=lambda d: d.first("tx_send").ts) if d.first("tx_nonce")]
    if order:
        out.append("  counters in the order they were sent: %s%s" % (
            " ".join(map(str, order)),
            " (nonce order)" if order == sorted(order) else " (NOT in nonce order)"))


def table(xmits, grams, events, out):
    delta, _, where = render.stats(grams)
    gso = [x for x in xmits if x.split()]
    segs = [d for x in gso for d in x.segs]
    full = [d for d in grams if render.in_order(d, CORE)]
    out.append("All packets: %d handed to wgtour (%d GSO, cut into %d segments, %s per "
               "packet at most); %d datagrams, %d went through every core stage in order."
               % (len(xmits), len(gso), len(segs),
                  max((len(x.segs) for x in gso), default=0), len(grams), len(full)))
    cpus = collections.Counter(e.cpu for e in events if e.name == "tx_encrypt")
    spread = [len(enc_cpus(x)) for x in gso]
    out.append("  encrypted per CPU: %s; GSO packets whose segments were encrypted on "
               "more than one CPU: %d of %d" % (
                   ", ".join("CPU %d %d" % kv for kv in sorted(cpus.items())) or "none",
                   sum(1 for n in spread if n > 1), len(gso)))
    kicked = [(d.first("tx_encrypt_enqueue"), d.first("tx_encrypt")) for d in grams]
    kicked = [(q, e) for q, e in kicked if q and e]
    other = sum(1 for q, e in kicked if str(e.cpu) != q.f.get("encrypt_cpu"))
    out.append("  encrypt_cpu names the worker that was woken; the encrypt ring is the "
               "device's, shared: %d of %d" % (other, len(kicked)))
    out.append("  datagrams were encrypted by another CPU's worker than the one woken for them.")
    out.append("")
    render.stage_table(STAGES, delta, where, out, WIDTHS)
    out.append("  (per datagram; a segment counts its parent's tx_xmit, tx_route and "
               "tx_gso_split; median and p99: microseconds since its previous stage)")
    render.drop_lines(render.count_drops(events, "tx_drop"),
                      "Drops by reason (tx_drop, every wgtour device; kfree_skb of our skbs):",
                      out)


# ---- the swimlane: one GSO packet, a lane per CPU, a row per segment ----

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
           "#843c39", "#7b4173"]
COLOR = {name: PALETTE[i % len(PALETTE)] for i, (name, _) in enumerate(STAGES)}


def swimlane(x, cpus, title):
    """Plain SVG text. x: time, linear, from tx_xmit to the last event; y: a
    lane per CPU, in it a row for the parent and one per segment. Each
    datagram's stages are joined by a line (which crosses lanes where
    another CPU takes over); dots coloured by stage (legend below)."""
    grams = x.datagrams()
    rows = [("parent" if x.split() else "packet", x.head + x.tail)] + \
        [("seg %s" % d.n, [e for e in d.events if e.name not in HEAD]) for d in grams
         if x.split()]
    if not x.split():
        rows = [("packet", grams[0].events)]
    allev = [e for _, evs in rows for e in evs]
    t0, t1 = x.event.ts, max(e.ts for e in allev)
    span = max(t1 - t0, 1)
    row_h, left, top, plot_w = 13, 150, 80, 1100
    lane_h = row_h * len(rows) + 24
    lane = {c: top + lane_h * i for i, c in enumerate(cpus)}
    legend_y = top + lane_h * len(cpus) + 40
    names = [n for n, _ in STAGES if any(e.name == n for e in allev)]
    width = left + plot_w + 60
    height = legend_y + 22 * ((len(names) + 1) // 2) + 30

    def px(e):
        return left + plot_w * (e.ts - t0) / span

    def py(e, r):
        return lane[e.cpu] + 16 + row_h * r

    s = render.svg_start(width, height, 11, title)
    s.append('<text x="10" y="42" fill="#555">time runs left to right (linear, %.0f \u00b5s in '
             'all); a lane per CPU, in it a row per segment; a line joins one datagram\'s '
             'stages (it changes lane where another CPU takes over)</text>' % (span / 1000))
    for i, c in enumerate(cpus):
        s.append('<rect x="0" y="%d" width="%d" height="%d" fill="%s"/>'
                 % (lane[c], width, lane_h, "#f2f2f2" if i % 2 else "#fbfbfb"))
        s.append('<text x="10" y="%d" font-size="14" font-weight="bold">CPU %d</text>'
                 % (lane[c] + 18, c))
        for r, (label, _) in enumerate(rows):
            s.append('<text x="%d" y="%d" fill="#999" font-size="9" text-anchor="end">%s</text>'
                     % (left - 8, lane[c] + 19 + row_h * r, html.escape(label)))
    for k in range(0, 11):
        xx = left + plot_w * k / 10
        s.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
                 % (xx, top - 6, xx, top + lane_h * len(cpus)))
        s.append('<text x="%.1f" y="%d" fill="#777" text-anchor="middle">%.0f \u00b5s</text>'
                 % (xx, top - 10, span * k / 10 / 1000))
    for r, (label, evs) in enumerate(rows):
        pts = [(px(e), py(e, r)) for e in evs]
        if r and x.split():
            # from the split, on the parent's row, to the segment's first stage
            sp = x.split()
            pts.insert(0, (px(sp), py(sp, 0)))
        if len(pts) > 1:
            s.append('<polyline points="%s" fill="none" stroke="#888" stroke-width="0.8"/>'
                     % " ".join("%.1f,%.1f" % p for p in pts))
        for e in evs:
            s.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s</title></circle>'
                     % (px(e), py(e, r), COLOR.get(e.name, "#000"), html.escape(
                         "%s (%s) +%.1f \u00b5s, CPU %d, %s, %s" % (
                             e.name, label, (e.ts - t0) / 1000, e.cpu, e.ctx, e.comm))))
    for i, n in enumerate(names):
        lx, ly = 20 + 560 * (i % 2), legend_y + 22 * (i // 2)
        s.append('<circle cx="%d" cy="%d" r="6" fill="%s"/>' % (lx, ly - 4, COLOR[n]))
        s.append('<text x="%d" y="%d"><tspan font-weight="bold">%s</tspan> '
                 '<tspan fill="#555">%s</tspan></text>'
                 % (lx + 14, ly, n, html.escape(WORDS[n])))
    s.append('</svg>')
    return "\n".join(s) + "\n"


def stage_dot(grams, title, generated_by=None):
    """The stage graph of the datagrams (render.stage_graph)."""
    fill = {"tx_gso_split": "#e6f0d8", "tx_gso_segment": "#e6f0d8",
            "tx_encrypt": "#dbe7f5", "tx_encrypt_enqueue": "#dbe7f5",
            "tx_drop": "#f6d5d5", "kfree_skb": "#f6d5d5"}
    return render.stage_graph(grams, title, generated_by, "tx_stages", STAGES, fill, KERNEL)


def check(xmits, grams, svgs):
    result = render.Verdicts()
    gso = [x for x in xmits if x.split() and len(x.segs) >= 2]
    result(bool(gso), "a GSO packet was cut into 2 segments or more (%d such, at most %d)"
           % (len(gso), max((len(x.segs) for x in gso), default=0)))
    full = [d for x in gso for d in x.segs if render.in_order(d, GSO_CORE)]
    result(bool(full), "a segment went through %s in order (%d of %d segments)"
           % (" -> ".join(GSO_CORE), len(full), sum(len(x.segs) for x in gso)))
    if not full:
        result.paths([d for x in gso for d in x.segs] or grams)
    result.svgs(svgs, GSO_CORE, "GSO stage")
    return result.status()


def main():
    a = render.arguments(__doc__, "--xmit", "wgtour transmission: the stages of a datagram")

    events, notes = render.parse(a.trace)
    xmits, grams = group(events)
    if a.check is not None:
        return check(xmits, grams, a.check)
    if a.dot:
        render.write_dot(a, "traces/render_tx.py", lambda gen: stage_dot(grams, a.title, gen))
        return 0
    x = pick(xmits, a.xmit)
    if x is None:
        print("render_tx.py: no packet in %s" % a.trace, file=sys.stderr)
        return 1

    out = []
    show_xmit(x, out)
    out.append("")
    table(xmits, grams, events, out)
    render.trace_notes(notes, "datagrams", out)
    print("\n".join(out))

    if a.out:
        mine = x.head + x.tail + [e for d in x.datagrams() for e in d.events]
        cpus = sorted({e.cpu for e in events} | {e.cpu for e in mine})
        what = ("One GSO packet (%s, %s bytes) cut into %d datagrams, encrypted on CPUs %s"
                % (x.inner(), x.event.f.get("len"), len(x.segs),
                   ", ".join(str(c) for c in sorted(enc_cpus(x))))) if x.split() else \
            "One packet (%s), stage by stage" % x.inner()
        render.write_pictures(a.out, swimlane(x, cpus, what),
                              stage_dot(grams, "%s (%d datagrams)" % (a.title, len(grams))),
                              "datagrams")
    return 0


if __name__ == "__main__":
    sys.exit(main())
