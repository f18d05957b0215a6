#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a trace of traces/handshake.bt into a summary and pictures (chapter 3).

usage: traces/render_handshake.py TRACE [--out DIR]
       traces/render_handshake.py TRACE --check [SVG...]

TRACE is what traces/handshake.bt printed (traces/rx.bt's format, read by
traces/render.py's parser) for two wgtour devices that are each other's
peer (make lab-handshake: wga in netns wgt-a, wgb in wgt-b). A device is
known to the other by its public key's first four bytes, the peer= of the
other's events.

A handshake is put together from the indices, which tie its messages
together (chapter 3): the initiator X sends an initiation with its sender
index I (handshake_send type=1), the responder Y receives it, makes its
keypair (keypair_create index=R remote_index=I initiator=0) and sends its
response with sender index R; X receives it and makes its keypair (index=I
remote_index=R initiator=1). A receive is the one on that device right
before its keypair_create. A cookie reply names the message it answers:
cookie_send's receiver_index is that message's sender index; the
initiator's next cookie_receive is its arrival.

The default prints each handshake (who initiated, the indices, the time
each message took, whether a cookie came first), the messages nothing
answered, the timers that fired, the time under load and what answered
the flood (the counts bpftrace printed at its exit). With --out it writes
DIR/sequence.svg (a message sequence diagram: a lane per device, time
downwards, an arrow per message from its send to its arrival, keypairs,
timers and the time under load on the lanes) and DIR/timers.svg (time
across, a row per device: each timer that fired, each keypair made, the
time under load).

--check exits 1 unless there are two devices that are each other's peer,
two handshakes or more were complete, every keypair an initiator made
pairs with a response the other device sent, a cookie reply answered one
of the traced messages and reached its sender (cookie_receive ok=1) while
the other device was under load, and a timer fired; and each SVG given is
well-formed XML naming both devices and every timer that fired.
"""
import html
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render  # noqa: E402  traces/render.py: the parser, SVG and checker pieces

TYPE = {"1": "initiation", "2": "response"}
TIMER_COLOR = {"retransmit_handshake": "#d62728", "send_keepalive": "#2ca02c",
               "new_handshake": "#ff7f0e", "zero_key_material": "#7f7f7f",
               "persistent_keepalive": "#17becf", "handshake_give_up": "#8c564b"}
SHOWN = ("command", "handshake_send", "handshake_receive", "handshake_reject",
         "cookie_send", "cookie_receive", "under_load", "keypair_create",
         "keypair_destroy", "keys_zeroed", "timer_fired", "tx_handshake_wait",
         "rx_keepalive")


class Handshake:
    def __init__(self, send1, recv1, kp_resp, send2, recv2, kp_init):
        self.send1, self.recv1, self.kp_resp = send1, recv1, kp_resp
        self.send2, self.recv2, self.kp_init = send2, recv2, kp_init
        self.cookie = None          # (cookie_send, cookie_receive) before it

    def events(self):
        return [self.send1, self.recv1, self.kp_resp, self.send2, self.recv2, self.kp_init]

    def complete(self):
        ev = self.events()
        return all(ev) and all(a.ts <= b.ts for a, b in zip(ev, ev[1:]))


class Trace:
    """The devices, the handshakes, the cookies and the arrows to draw."""

    def __init__(self, events):
        self.events = [e for e in events if e.name in SHOWN]
        self.devices = []
        for e in events:
            if e.f.get("dev") and e.f["dev"] not in self.devices:
                self.devices.append(e.f["dev"])
        peers = {d: {e.f.get("peer") for e in events if e.f.get("dev") == d and "peer" in e.f}
                 for d in self.devices}
        # a device's key: what the other device calls its peer
        self.key = {}
        if len(self.devices) == 2:
            a, b = self.devices
            self.key = {a: "/".join(sorted(peers[b])), b: "/".join(sorted(peers[a]))}
        sends = {(e.f.get("dev"), e.f.get("type"), e.f.get("sender_index")): e
                 for e in events if e.name == "handshake_send"}
        self.handshakes, self.arrows, self.unpaired = [], [], []
        for kp in [e for e in events if e.name == "keypair_create"]:
            if kp.f.get("initiator") != "0":
                continue
            y, i, r = kp.f.get("dev"), kp.f.get("remote_index"), kp.f.get("index")
            x = self.other(y)
            init_kp = next((e for e in events if e.name == "keypair_create" and
                            e.f.get("dev") == x and e.f.get("index") == i and
                            e.f.get("remote_index") == r and e.f.get("initiator") == "1"), None)
            self.handshakes.append(Handshake(
                sends.get((x, "1", i)), self.receive_before(events, y, "1", kp), kp,
                sends.get((y, "2", r)),
                self.receive_before(events, x, "2", init_kp) if init_kp else None, init_kp))
        # an initiator's keypair names a response the other device sent
        for kp in events:
            if kp.name == "keypair_create" and kp.f.get("initiator") == "1":
                if (self.other(kp.f.get("dev")), "2", kp.f.get("remote_index")) not in sends:
                    self.unpaired.append(kp)
        self.cookies = []
        for c in [e for e in events if e.name == "cookie_send"]:
            msg = next((s for (d, t, idx), s in sends.items()
                        if idx == c.f.get("receiver_index") and s.ts <= c.ts), None)
            got = next((e for e in events if e.name == "cookie_receive" and msg and
                        e.f.get("dev") == msg.f.get("dev") and e.ts >= c.ts), None)
            self.cookies.append((msg, c, got))
            for h in self.handshakes:
                if msg and h.send1 and h.send1.f.get("dev") == msg.f.get("dev") and \
                        h.send1.ts > msg.ts and h.cookie is None:
                    h.cookie = (c, got)
                    break
        for h in self.handshakes:
            for s, r in ((h.send1, h.recv1), (h.send2, h.recv2)):
                if s and r:
                    self.arrows.append((s, r, "message"))
        answered = {id(a) for a, _, _ in self.arrows}
        for msg, c, got in self.cookies:
            if msg:
                self.arrows.append((msg, c, "cookied"))
                answered.add(id(msg))
            if got:
                self.arrows.append((c, got, "cookie"))
        self.lost = [e for e in events if e.name == "handshake_send" and id(e) not in answered]

    def other(self, dev):
        return next((d for d in self.devices if d != dev), None)

    @staticmethod
    def receive_before(events, dev, typ, kp):
        """The handshake_receive of TYP on DEV last before keypair KP."""
        found = None
        for e in events:
            if e is kp:
                break
            if e.name == "handshake_receive" and e.f.get("dev") == dev and e.f.get("type") == typ:
                found = e
        return found

    def loads(self):
        """(device, on event, off event or None) per time under load."""
        spans, on = [], {}
        for e in self.events:
            if e.name == "under_load":
                if e.f.get("on") == "1":
                    on.setdefault(e.f.get("dev"), e)
                elif e.f.get("dev") in on:
                    spans.append((e.f.get("dev"), on.pop(e.f.get("dev")), e))
        spans += [(d, e, None) for d, e in on.items()]
        return spans

    def under_load_at(self, dev, ts):
        return any(d == dev and on.ts <= ts and (off is None or ts <= off.ts)
                   for d, on, off in self.loads())


def ms(e, t0):
    return (e.ts - t0) / 1e6


def detail(e):
    f = e.f
    if e.name in ("handshake_send", "handshake_receive"):
        return "%s %s%s" % (TYPE.get(f.get("type"), "type " + f.get("type", "?")),
                            "sender_index=%s" % f["sender_index"] if "sender_index" in f else "",
                            " err=%s" % f["err"] if f.get("err", "0") != "0" else "")
    if e.name == "command":
        return "$ " + render.command_text(e)
    keep = ("peer", "what", "index", "remote_index", "initiator", "receiver_index", "ok",
            "on", "type", "reason", "queued", "counter", "err")
    return render.other_detail(e, keep)


def summary(trace, notes, out):
    ev = trace.events
    t0 = ev[0].ts
    names = ", ".join("%s (known to the other as %s)" % (d, trace.key.get(d, "?"))
                      for d in trace.devices)
    out.append("Devices: %s" % names)
    out.append("")
    full = [h for h in trace.handshakes if h.complete()]
    out.append("Handshakes: %d complete (ms since the first event; the time each message "
               "took to be received):" % len(full))
    for n, h in enumerate(trace.handshakes, 1):
        if not h.complete():
            out.append("  %d. incomplete: responder keypair %s at %.1f ms" % (
                n, h.kp_resp.f.get("index"), ms(h.kp_resp, t0)))
            continue
        x, y = h.send1.f.get("dev"), h.recv1.f.get("dev")
        out.append("  %d. %s -> %s at %.1f ms: initiation %s, received after %.1f ms; "
                   "response %s, received after %.1f ms; keypairs %s (%s) and %s (%s)%s" % (
                       n, x, y, ms(h.send1, t0), h.send1.f.get("sender_index"),
                       (h.recv1.ts - h.send1.ts) / 1e6, h.send2.f.get("sender_index"),
                       (h.recv2.ts - h.send2.ts) / 1e6, h.kp_init.f.get("index"), x,
                       h.kp_resp.f.get("index"), y,
                       "; a cookie reply came first (%.1f ms)" % ms(h.cookie[0], t0)
                       if h.cookie else ""))
    for msg, c, got in trace.cookies:
        out.append("  cookie: %s answered %s's %s %s with a cookie reply at %.1f ms (%s); %s" % (
            c.f.get("dev"), msg.f.get("dev") if msg else "?",
            TYPE.get(msg.f.get("type")) if msg else "message", c.f.get("receiver_index"),
            ms(c, t0), "under load" if trace.under_load_at(c.f.get("dev"), c.ts)
            else "NOT under load", "received, ok=%s" % got.f.get("ok") if got else
            "never received"))
    for e in trace.lost:
        out.append("  unanswered: %s's %s %s at %.1f ms (dropped, refused or still queued)" % (
            e.f.get("dev"), TYPE.get(e.f.get("type"), "?"), e.f.get("sender_index"),
            ms(e, t0)))
    out.append("")
    out.append("Timers that fired:")
    fired = [e for e in ev if e.name == "timer_fired"]
    for e in fired:
        out.append("  %9.1f ms  %s, peer %s: %s" % (ms(e, t0), e.f.get("dev"), e.f.get("peer"),
                                                  e.f.get("what")))
    if not fired:
        out.append("  none")
    out.append("")
    for dev, on, off in trace.loads():
        out.append("%s under load from %.1f ms %s" % (
            dev, ms(on, t0), "to %.1f ms" % ms(off, t0) if off else "to the end of the trace"))
    flood = render.map_counts(notes, "flood_cookie_replies")
    for (dev,), n in flood.items():
        out.append("  %s sent %d cookie replies to the flood (messages no traced device sent)"
                   % (dev, n))
    for key, n in render.map_counts(notes, "rejected").items():
        out.append("  %s refused %d %ss: %s" % (key[0], n, TYPE.get(key[1], "message"),
                                                trace.reasons.get(key[2], key[2])))
    for key, n in render.map_counts(notes, "rx_dropped").items():
        out.append("  %s dropped %d received datagrams: %s" % (
            key[0], n, trace.reasons.get(key[1], key[1])))
    out.append("")
    for d in trace.devices:
        made = sum(1 for e in ev if e.name == "keypair_create" and e.f.get("dev") == d)
        gone = sum(1 for e in ev if e.name == "keypair_destroy" and e.f.get("dev") == d)
        out.append("%s: %d keypairs made, %d destroyed" % (d, made, gone))


# ---- the message sequence diagram ----

def label(e):
    f = e.f
    if e.name == "handshake_send":
        return "sends %s %s" % (TYPE.get(f.get("type"), "?"), f.get("sender_index"))
    if e.name == "handshake_receive":
        return "receives %s" % TYPE.get(f.get("type"), "?")
    if e.name == "handshake_reject":
        return "refuses %s: %s" % (TYPE.get(f.get("type"), "?"), f.get("reason"))
    if e.name == "cookie_send":
        return "cookie reply for %s" % f.get("receiver_index")
    if e.name == "cookie_receive":
        return "cookie received, ok=%s" % f.get("ok")
    if e.name == "keypair_create":
        return "keypair %s (%s)" % (f.get("index"), "initiator" if f.get("initiator") == "1"
                                    else "responder")
    if e.name == "keypair_destroy":
        return "keypair %s destroyed" % f.get("index")
    if e.name == "timer_fired":
        return "timer: %s" % f.get("what")
    if e.name == "under_load":
        return "under load" if f.get("on") == "1" else "no longer under load"
    if e.name == "tx_handshake_wait":
        return "a packet waits for a session"
    if e.name == "rx_keepalive":
        return "keepalive received"
    return e.name


def sequence_svg(trace, title):
    """Plain SVG text: a lane per device, time downwards (a row per event:
    by order, not to scale; the milliseconds are on the left)."""
    ev = trace.events
    t0 = ev[0].ts
    row, top, left = 22, 96, 90
    lane_x = {d: 330 + 420 * i for i, d in enumerate(trace.devices[:2])}
    width, height = 1180, top + row * len(ev) + 40
    y = {id(e): top + row * i for i, e in enumerate(ev)}
    s = render.svg_start(width, height, 11, title, [
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/>'
        '</marker></defs>'])
    s.append('<text x="10" y="42" fill="#555">time runs downwards, a row per event (not to '
             'scale: milliseconds on the left); arrows: handshake messages (solid), cookie '
             'replies (dashed), messages answered with a cookie (dotted)</text>')
    for d, x in lane_x.items():
        s.append('<text x="%d" y="74" text-anchor="middle" font-size="14" font-weight="bold">'
                 '%s</text>' % (x, html.escape(d)))
        s.append('<text x="%d" y="88" text-anchor="middle" fill="#777">known to the other as '
                 '%s</text>' % (x, html.escape(trace.key.get(d, "?"))))
        s.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#bbb" stroke-width="2"/>'
                 % (x, top - 6, x, height - 30))
    for d, on, off in trace.loads():
        if d in lane_x:
            y2 = y[id(off)] if off else height - 30
            s.append('<rect x="%d" y="%d" width="36" height="%d" fill="#f6d5d5" stroke="#c0392b">'
                     '<title>under load</title></rect>' % (lane_x[d] - 18, y[id(on)], y2 - y[id(on)]))
    for a, b, kind in trace.arrows:
        if a.f.get("dev") in lane_x and b.f.get("dev") in lane_x:
            dash = {"cookie": ' stroke-dasharray="6 4"', "cookied": ' stroke-dasharray="2 3"'}
            color = "#e8873a" if kind == "cookie" else "#3a78c2"
            s.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.6"%s '
                     'marker-end="url(#arrow)"/>' % (lane_x[a.f["dev"]], y[id(a)],
                                                     lane_x[b.f["dev"]], y[id(b)], color,
                                                     dash.get(kind, "")))
    for e in trace.lost:
        if e.f.get("dev") in lane_x:
            x, x2 = lane_x[e.f["dev"]], (lane_x[e.f["dev"]] + lane_x[trace.other(e.f["dev"])]) / 2
            s.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#c0392b" stroke-width="1.6" '
                     'stroke-dasharray="3 3"/><text x="%d" y="%d" fill="#c0392b">?</text>'
                     % (x, y[id(e)], x2, y[id(e)] + 10, x2 + 4, y[id(e)] + 14))
    for e in ev:
        yy = y[id(e)]
        s.append('<text x="%d" y="%d" text-anchor="end" fill="#777">%.1f ms</text>'
                 % (left - 10, yy + 4, ms(e, t0)))
        if e.name == "command":
            s.append('<text x="%d" y="%d" font-family="monospace" fill="#555">%s</text>'
                     % (left, yy + 4, html.escape(detail(e))[:150]))
            continue
        d = e.f.get("dev")
        if d not in lane_x:
            continue
        x = lane_x[d]
        color = TIMER_COLOR.get(e.f.get("what"), "#333") if e.name == "timer_fired" else \
            "#8e5ec2" if e.name.startswith("keypair") else "#333"
        shape = '<rect x="%d" y="%d" width="10" height="10" fill="%s"/>' % (x - 5, yy - 5, color) \
            if e.name.startswith("keypair") or e.name == "timer_fired" else \
            '<circle cx="%d" cy="%d" r="4" fill="%s"/>' % (x, yy, color)
        s.append(shape)
        right = d == trace.devices[-1]
        s.append('<text x="%d" y="%d" text-anchor="%s" fill="%s">%s<title>%s</title></text>'
                 % (x + 14 if right else x - 14, yy + 4, "start" if right else "end", color,
                    html.escape(label(e)), html.escape("%s %s" % (e.name, detail(e)))))
    s.append('</svg>')
    return "\n".join(s) + "\n"


# ---- the timers, on a time axis ----

def timers_svg(trace, title):
    """Plain SVG text: time across (linear), a row per device."""
    ev = trace.events
    t0, t1 = ev[0].ts, ev[-1].ts
    span = max(t1 - t0, 1)
    left, plot_w, top, row_h = 130, 1000, 80, 90
    rows = {d: top + row_h * i for i, d in enumerate(trace.devices)}
    commands = [e for e in ev if e.name == "command"]
    legend_y = top + row_h * len(rows) + 40
    width = left + plot_w + 40
    height = legend_y + 22 * (len(TIMER_COLOR) // 3 + 2) + 18 * len(commands) + 40

    def px(e):
        return left + plot_w * (e.ts - t0) / span

    s = render.svg_start(width, height, 11, title)
    s.append('<text x="10" y="42" fill="#555">time runs left to right (linear, %.1f s in all); '
             'a row per device: the timers that fired (labelled), keypairs made (purple ticks), '
             'under load (red band)</text>' % (span / 1e9))
    for i, (d, y) in enumerate(rows.items()):
        s.append('<rect x="0" y="%d" width="%d" height="%d" fill="%s"/>'
                 % (y, width, row_h, "#f4f4f4" if i % 2 else "#fbfbfb"))
        s.append('<text x="10" y="%d" font-size="14" font-weight="bold">%s</text>'
                 % (y + 50, html.escape(d)))
    for d, on, off in trace.loads():
        if d in rows:
            x2 = px(off) if off else left + plot_w
            s.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#f6d5d5"/>'
                     % (px(on), rows[d] + 4, x2 - px(on), row_h - 8))
    for k in range(11):
        x = left + plot_w * k / 10
        s.append('<text x="%.1f" y="%d" fill="#777" text-anchor="middle">%.1f s</text>'
                 % (x, top + row_h * len(rows) + 16, span * k / 10 / 1e9))
    render.svg_command_marks(s, [px(e) for e in commands], top - 8, top + row_h * len(rows))
    for n, e in enumerate(ev):
        d = e.f.get("dev")
        if d not in rows:
            continue
        y = rows[d]
        if e.name == "keypair_create":
            s.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#8e5ec2" stroke-width="3">'
                     '<title>%s</title></line>' % (px(e), y + 60, px(e), y + 80,
                                                   html.escape(label(e))))
        elif e.name == "timer_fired":
            what = e.f.get("what")
            s.append('<circle cx="%.1f" cy="%d" r="6" fill="%s"><title>%s at %.1f ms</title>'
                     '</circle>' % (px(e), y + 40, TIMER_COLOR.get(what, "#333"),
                                    html.escape(what), ms(e, t0)))
            s.append('<text x="%.1f" y="%d" fill="%s" text-anchor="middle">%s</text>'
                     % (px(e), y + (24 if n % 2 else 58), TIMER_COLOR.get(what, "#333"),
                        html.escape(what)))
    for i, (what, color) in enumerate(TIMER_COLOR.items()):
        x, y = 20 + 300 * (i % 3), legend_y + 22 * (i // 3)
        s.append('<circle cx="%d" cy="%d" r="6" fill="%s"/><text x="%d" y="%d">%s</text>'
                 % (x, y - 4, color, x + 12, y, what))
    render.svg_command_legend(s, commands, legend_y + 22 * (len(TIMER_COLOR) // 3 + 1))
    s.append('</svg>')
    return "\n".join(s) + "\n"


# ---- the checker ----

def check(trace, svgs):
    result = render.Verdicts()
    pair = len(trace.devices) == 2 and all("/" not in k and k for k in trace.key.values())
    result(pair, "two devices, each the other's one peer (%s)" % ", ".join(
        "%s=%s" % (d, trace.key.get(d, "?")) for d in trace.devices))
    full = [h for h in trace.handshakes if h.complete()]
    result(len(full) >= 2, "two handshakes or more complete, their indices tied together "
           "(%d of %d)" % (len(full), len(trace.handshakes)))
    initiated = [e for e in trace.events if e.name == "keypair_create"
                 and e.f.get("initiator") == "1"]
    result(bool(initiated) and not trace.unpaired, "every initiator's keypair names a response "
           "the other device sent (%d keypairs%s)" % (len(initiated), ", not: %s" % " ".join(
               e.f.get("index") for e in trace.unpaired) if trace.unpaired else ""))
    good = [(m, c, g) for m, c, g in trace.cookies if m and g and g.f.get("ok") == "1"
            and trace.under_load_at(c.f.get("dev"), c.ts)]
    result(bool(good), "a cookie reply answered a traced message under load and reached its "
           "sender, ok=1 (%d of %d cookie replies)" % (len(good), len(trace.cookies)))
    fired = sorted({e.f.get("what") for e in trace.events if e.name == "timer_fired"})
    result(bool(fired), "a timer fired (%s)" % (", ".join(fired) or "none"))
    result.svgs(svgs, trace.devices + fired, "device and timer that fired")
    return result.status()


def flows(events):
    """For traces/chrome.py: each complete handshake, message by message."""
    return [sorted(h.events(), key=lambda e: e.ts)
            for h in Trace(events).handshakes if h.complete()]


def main():
    a = render.control_arguments(__doc__, "sequence.svg and timers.svg")
    tables = {"wgtour_drop_reason": {}}
    events, notes = render.parse(a.trace, tables)
    trace = Trace(events)
    trace.reasons = tables["wgtour_drop_reason"]
    if a.check is not None:
        return check(trace, a.check)
    if not trace.events:
        print("render_handshake.py: no event in %s" % a.trace, file=sys.stderr)
        return 1
    out = []
    summary(trace, notes, out)
    render.trace_notes([n for n in notes if not render.MAP_LINE.match(n)], "handshakes", out)
    print("\n".join(out))
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "sequence.svg"), "w") as f:
            f.write(sequence_svg(trace, "Handshakes between %s, message by message"
                                 % " and ".join(trace.devices)))
        with open(os.path.join(a.out, "timers.svg"), "w") as f:
            f.write(timers_svg(trace, "The protocol's timers, device by device"))
        print("\nWritten: %s/ sequence.svg, timers.svg, trace.txt (raw)" % a.out.rstrip("/"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
