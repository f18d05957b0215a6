#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a trace of traces/init.bt into a summary and a timeline (chapter 1).

usage: traces/render_init.py TRACE [--out DIR]
       traces/render_init.py TRACE --check [SVG...]

TRACE is what traces/init.bt printed (traces/rx.bt's format, read by
traces/render.py's parser), with the lab's "# netns INUM NAME" lines,
which name the namespaces by their inode numbers.

Every event happens in a namespace, its lane:
  - a device's events (device_create, _up, _down, _destroy) in the
    device's namespace at that moment, which the event records;
  - a socket's opening in the namespace the socket was made in (recorded
    too: socket_open's netns), its closing where it was opened;
  - rtnetlink's newlink in the namespace the request came from, dellink
    and dev_move where the device was, netns_pre_exit in the dying one;
  - generic-netlink requests (genl_request, dump_start) in the
    requester's namespace, and what a request did (set_device_done,
    dump_part, dump_done) in its lane;
  - netlink_set, peer and allowed-IPs events in the lane of their device.
A command of the lab (labs/lab-cmd) is a mark across all lanes.

The default prints the events in order (milliseconds since the first, the
lane, the event, its details) and what they show: where each device was
born, where it lived, where its sockets were opened. With --out it writes
DIR/timeline.svg: a lane per namespace, the events in order left to right,
the device's life as a bar in the lane it lived in (thick while up), each
socket's as a bar in the lane it was made in, a move as an arrow.

--check exits 1 unless a device was created in the namespace its request
came from, every socket was opened in its device's birth namespace, a
device came up in another namespace than its birth one with its sockets
opened in the birth one, every device created was destroyed, and each SVG
given is well-formed XML naming every lane and those events.
"""
import html
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render  # noqa: E402  traces/render.py: the parser, SVG and checker pieces

WORDS = {
    "command": "a command of the lab",
    "newlink": "rtnetlink: create a device of our kind",
    "dellink": "rtnetlink: delete it",
    "dev_move": "the core moves the device to another namespace",
    "netns_pre_exit": "a namespace is going away",
    "genl_request": "a generic-netlink request",
    "set_device_done": "WG_CMD_SET_DEVICE applied",
    "dump_start": "WG_CMD_GET_DEVICE: a dump starts",
    "dump_part": "one message of the dump",
    "dump_done": "the dump ends",
    "device_create": "device registered",
    "device_up": "device up",
    "device_down": "device down",
    "device_destroy": "device freed",
    "socket_open": "a UDP socket opened",
    "socket_close": "a UDP socket closed",
    "netlink_set": "what the wg set changed",
    "peer_create": "a peer added",
    "peer_remove": "a peer removed",
    "allowedips_insert": "an allowed IP inserted",
    "allowedips_remove": "an allowed IP removed",
}
KIND = {"device_create": "device", "device_up": "device", "device_down": "device",
        "device_destroy": "device", "socket_open": "socket", "socket_close": "socket",
        "newlink": "rtnetlink", "dellink": "rtnetlink", "dev_move": "rtnetlink",
        "netns_pre_exit": "rtnetlink", "peer_create": "peer", "peer_remove": "peer",
        "allowedips_insert": "peer", "allowedips_remove": "peer"}
COLOR = {"device": "#3a78c2", "socket": "#e8873a", "rtnetlink": "#2a7f8f",
         "genl": "#3a9a5b", "peer": "#8e5ec2"}
CATEGORY = {"device": "the device (wgtour's events)", "socket": "its UDP sockets",
            "rtnetlink": "rtnetlink and the core (ip link)",
            "genl": "generic netlink (wg)", "peer": "peers and allowed IPs"}
FAMILY = {"2": "ipv4", "10": "ipv6"}
GENL_CTRL = "16"
# The events --check wants each picture to name.
NAMED = ["device_create", "socket_open", "device_up", "dev_move", "device_destroy"]


def kind(e):
    return KIND.get(e.name, "genl")


class Lives:
    """Where each event happened (its lane), and what the devices and
    their sockets did, read from the events in order."""

    def __init__(self, events):
        self.lane = {}          # id(event) -> netns inode, or None (a command)
        self.birth = {}         # device -> the namespace it was created in
        self.homes = {}         # device -> [namespaces it lived in, in order]
        self.opened = []        # (socket_open event, its device's birth netns)
        self.ups = []           # (device_up event, sockets opened just before)
        self.created, self.destroyed = [], []
        dev_ns, sock_ns, peer_dev = {}, {}, {}
        request_ns = newlink_ns = None
        pending = []            # socket_open events since the device's last up
        for e in events:
            f, ns = e.f, None
            dev = f.get("dev") or peer_dev.get(f.get("peer"))
            if e.name == "command":
                ns = None
            elif e.name == "newlink":
                ns = newlink_ns = f.get("src_netns")
            elif e.name in ("dellink", "netns_pre_exit"):
                ns = f.get("netns")
            elif e.name == "dev_move":
                ns = f.get("from")
                dev_ns[dev] = f.get("to")
                self.homes.setdefault(dev, []).append(f.get("to"))
            elif e.name in ("genl_request", "dump_start"):
                ns = request_ns = f.get("netns")
            elif e.name in ("set_device_done", "dump_part", "dump_done"):
                ns = request_ns
            elif e.name.startswith("device_"):
                ns = dev_ns[dev] = f.get("netns")
                if e.name == "device_create":
                    self.birth[dev] = newlink_ns or ns
                    self.homes[dev] = [ns]
                    self.created.append(e)
                    newlink_ns = None
                elif e.name == "device_up":
                    self.ups.append((e, [p for p in pending if p.f.get("dev") == dev]))
                    pending = [p for p in pending if p.f.get("dev") != dev]
                elif e.name == "device_destroy":
                    self.destroyed.append(e)
            elif e.name == "socket_open":
                ns = f.get("netns")
                sock_ns[(dev, f.get("family"), f.get("port"))] = ns
                self.opened.append((e, self.birth.get(dev)))
                pending.append(e)
            elif e.name == "socket_close":
                ns = sock_ns.get((dev, f.get("family"), f.get("port")), self.birth.get(dev))
            else:
                if e.name == "peer_create":
                    peer_dev[f.get("peer")] = f.get("dev")
                ns = dev_ns.get(dev, request_ns)
            self.lane[id(e)] = ns

    def lanes(self, events):
        """The namespaces, in the order they first appear."""
        order = []
        for e in events:
            ns = self.lane[id(e)]
            if ns is not None and ns not in order:
                order.append(ns)
            if e.name == "dev_move" and e.f.get("to") not in order:
                order.append(e.f.get("to"))
        return order


def detail(e, names):
    f = e.f
    if e.name in ("newlink", "dellink", "dev_move", "netns_pre_exit"):
        where = {"src_netns": "request from", "netns": "in", "from": "from", "to": "to"}
        return " ".join([("dev=%s" % f["dev"]) if "dev" in f else ""] + [
            "%s %s" % (w, ns_name(names, f[k])) for k, w in where.items() if k in f]).strip()
    if e.name == "command":
        return "$ " + render.command_text(e)
    if e.name == "genl_request":
        what = "controller: family lookup" if f.get("type") == GENL_CTRL else \
            "wireguard: %s" % {"0": "get", "1": "set"}.get(f.get("cmd"), "cmd " + f.get("cmd", "?"))
        dump = ", dump" if int(f.get("flags", "0"), 16) & 0x300 == 0x300 else ""
        return "type=%s cmd=%s (%s%s)" % (f.get("type"), f.get("cmd"), what, dump)
    if e.name.startswith("socket_"):
        return "dev=%s %s port %s" % (f.get("dev"), FAMILY.get(f.get("family"), "?"),
                                      f.get("port"))
    if e.name.startswith("allowedips_"):
        return "peer=%s %s" % (f.get("peer"), render.prefix(f))
    keep = ("dev", "ifindex", "peer", "peers_now", "changed", "peers", "err", "bytes")
    return render.other_detail(e, keep) + (
        " (in %s)" % ns_name(names, f["netns"]) if e.name.startswith("device_") else "")


def label(e):
    """A few words for the picture."""
    f = e.f
    if e.name == "genl_request":
        if f.get("type") == GENL_CTRL:
            return "genl: which family?"
        return "genl: wireguard %s" % {"0": "get", "1": "set"}.get(f.get("cmd"), "?")
    if e.name.startswith("socket_"):
        return "%s %s:%s" % (e.name, FAMILY.get(f.get("family"), "?"), f.get("port"))
    if e.name.startswith("device_") or e.name in ("dellink", "dev_move"):
        return "%s %s" % (e.name, f.get("dev"))
    if e.name.startswith("allowedips_"):
        return "%s %s" % (e.name.replace("allowedips_", "allowedip "),
                          render.addr(f.get("addr", "")))
    return e.name


def ns_name(names, ns):
    return names.get(ns, "netns %s" % ns) if ns is not None else "-"


def summary(events, lives, names, out):
    t0 = events[0].ts
    out.append("The events in order (ms since the first; the lane is the namespace the "
               "event happened in):")
    for e in events:
        lane = lives.lane[id(e)]
        if e.name == "command":
            out.append("  %9.1f  %s" % ((e.ts - t0) / 1e6, detail(e, names)))
            continue
        out.append("  %9.1f  %-8s  %-17s %s" % ((e.ts - t0) / 1e6, ns_name(names, lane),
                                                e.name, detail(e, names)))
    out.append("")
    out.append("What the trace shows:")
    for dev, birth in lives.birth.items():
        homes = " -> ".join(ns_name(names, n) for n in lives.homes.get(dev, []))
        socks = [(e, b) for e, b in lives.opened if e.f.get("dev") == dev]
        where = sorted({ns_name(names, e.f.get("netns")) for e, _ in socks})
        gone = any(e.f.get("dev") == dev for e in lives.destroyed)
        out.append("  %s: born in %s; lived in %s; %s" % (
            dev, ns_name(names, birth), homes, "destroyed" if gone else "still there"))
        if socks:
            out.append("    its UDP sockets were opened %d times, in %s%s" % (
                len(socks), ", ".join(where),
                ": its birth namespace, wherever it lived" if where == [ns_name(names, birth)]
                else ""))
    pre = [e for e in events if e.name == "netns_pre_exit"]
    for e in pre:
        # Destroyed by the task that ran the namespace's exit: not through
        # dellink (no request asked), but the module's own netns exit.
        later = [d.f.get("dev") for d in events if d.name == "device_destroy"
                 and d.ts >= e.ts and d.comm == e.comm]
        out.append("  %s went away; wgtour deleted the devices born there: %s" % (
            ns_name(names, e.f.get("netns")), ", ".join(later) or "none"))
    genl = [e for e in events if e.name == "genl_request"]
    sets = [e for e in events if e.name == "set_device_done"]
    parts = [e for e in events if e.name == "dump_part"]
    out.append("  generic netlink: %d requests, %d to the controller (a family looked up by "
               "name), %d set (err %s), %d dump messages (%s bytes)" % (
                   len(genl), sum(1 for e in genl if e.f.get("type") == GENL_CTRL), len(sets),
                   ",".join(e.f.get("err", "?") for e in sets) or "-", len(parts),
                   "+".join(e.f.get("bytes", "?") for e in parts) or "0"))


# ---- the timeline: a lane per namespace, the events in order ----

def timeline(events, lives, names, title):
    """Plain SVG text: the events in order, left to right (by order, not by
    time: the gaps between commands are the lab's, not the module's)."""
    lanes = lives.lanes(events)
    step, left, top, lane_h = 30, 190, 80, 170
    xs = {id(e): left + 20 + step * i for i, e in enumerate(events)}
    width = left + 60 + step * len(events)
    commands = [e for e in events if e.name == "command"]
    legend_y = top + lane_h * len(lanes) + 40
    height = legend_y + 22 * ((len(CATEGORY) + 2) // 3) + 18 * len(commands) + 40
    y_of = {ns: top + lane_h * i for i, ns in enumerate(lanes)}
    dot_dy, dev_dy, sock_dy = 112, 132, 150
    s = render.svg_start(width, height, 11, title, [
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="#2a7f8f"/>'
        '</marker></defs>'])
    s.append('<text x="10" y="42" fill="#555">the events in order, left to right; a lane '
             'per network namespace. Bars: the device where it lives (thick while up), '
             'each UDP socket where it was made.</text>')
    for i, ns in enumerate(lanes):
        y = y_of[ns]
        s.append('<rect x="0" y="%d" width="%d" height="%d" fill="%s"/>'
                 % (y, width, lane_h, "#f4f4f4" if i % 2 else "#fbfbfb"))
        s.append('<text x="10" y="%d" font-size="14" font-weight="bold">%s</text>'
                 % (y + dot_dy + 5, html.escape(ns_name(names, ns))))
        s.append('<text x="10" y="%d" fill="#777">netns %s</text>' % (y + dot_dy + 21, ns))
    bars(s, events, lives, xs, y_of, dev_dy, sock_dy, step)
    render.svg_command_marks(s, [xs[id(e)] for e in commands], top - 14,
                             top + lane_h * len(lanes))
    for e in events:
        ns = lives.lane[id(e)]
        if e.name == "command" or ns is None:
            continue
        x, y = xs[id(e)], y_of[ns] + dot_dy
        if e.name == "dev_move" and e.f.get("to") in y_of:
            s.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#2a7f8f" stroke-width="2" '
                     'marker-end="url(#arrow)"/>' % (x, y, x, y_of[e.f["to"]] + dev_dy - 6))
        s.append('<circle cx="%d" cy="%d" r="6" fill="%s"><title>%s</title></circle>'
                 % (x, y, COLOR[kind(e)], html.escape("%s: %s" % (e.name, detail(e, names)))))
        s.append('<text transform="translate(%d,%d) rotate(-60)" fill="#222">%s</text>'
                 % (x + 3, y - 10, html.escape(label(e))))
    legend(s, commands, legend_y)
    s.append('</svg>')
    return "\n".join(s) + "\n"


def bars(s, events, lives, xs, y_of, dev_dy, sock_dy, step):
    """The devices' lives and the sockets', as bars in their lanes."""
    end = max(xs.values()) + step // 2
    dev_at, up_at, sock_at = {}, {}, {}

    def bar(ns, x1, x2, dy, width, color, what):
        if ns in y_of:
            s.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="%d" '
                     'stroke-linecap="round"><title>%s</title></line>'
                     % (x1, y_of[ns] + dy, x2, y_of[ns] + dy, color, width, html.escape(what)))

    for e in events:
        f, x, ns = e.f, xs[id(e)], lives.lane[id(e)]
        dev = f.get("dev")
        if e.name == "device_create":
            dev_at[dev] = (ns, x)
        elif e.name == "dev_move" and dev in dev_at:
            bar(dev_at[dev][0], dev_at[dev][1], x, dev_dy, 3, COLOR["device"], dev)
            dev_at[dev] = (f.get("to"), x)
        elif e.name == "device_destroy" and dev in dev_at:
            bar(dev_at[dev][0], dev_at[dev][1], x, dev_dy, 3, COLOR["device"], dev)
            del dev_at[dev]
        elif e.name == "device_up":
            up_at[dev] = (ns, x)
        elif e.name == "device_down" and dev in up_at:
            bar(up_at[dev][0], up_at[dev][1], x, dev_dy, 9, COLOR["device"], dev + " up")
            del up_at[dev]
        elif e.name == "socket_open":
            sock_at[(dev, f.get("family"), f.get("port"))] = (ns, x)
        elif e.name == "socket_close":
            key = (dev, f.get("family"), f.get("port"))
            if key in sock_at:
                ns0, x0 = sock_at.pop(key)
                dy = sock_dy + (6 if f.get("family") == "10" else 0)
                bar(ns0, x0, x, dy, 4, COLOR["socket"], "%s socket %s" % (dev, label(e)))
    for dev, (ns, x) in dev_at.items():
        bar(ns, x, end, dev_dy, 3, COLOR["device"], dev)
    for dev, (ns, x) in up_at.items():
        bar(ns, x, end, dev_dy, 9, COLOR["device"], dev + " up")
    for (dev, family, port), (ns, x) in sock_at.items():
        bar(ns, x, end, sock_dy + (6 if family == "10" else 0), 4, COLOR["socket"],
            "%s socket" % dev)


def legend(s, commands, y):
    for i, (k, words) in enumerate(CATEGORY.items()):
        x = 20 + 300 * (i % 3)
        yy = y + 22 * (i // 3)
        s.append('<circle cx="%d" cy="%d" r="6" fill="%s"/>' % (x, yy - 4, COLOR[k]))
        s.append('<text x="%d" y="%d">%s</text>' % (x + 12, yy, html.escape(words)))
    render.svg_command_legend(s, commands, y + 22 * ((len(CATEGORY) + 2) // 3) + 12)


# ---- the checker ----

def check(events, lives, names, svgs):
    result = render.Verdicts()
    born = [e for e in lives.created if lives.birth.get(e.f.get("dev")) == e.f.get("netns")]
    result(bool(born), "a device was created in the namespace its request came from "
           "(%d of %d created)" % (len(born), len(lives.created)))
    astray = [e for e, birth in lives.opened if e.f.get("netns") != birth]
    result(bool(lives.opened) and not astray,
           "every socket was opened in its device's birth namespace (%d sockets%s)" % (
               len(lives.opened), ", %d elsewhere: %s" % (
                   len(astray), " ".join("%s in %s" % (label(e), ns_name(names, e.f.get("netns")))
                                         for e in astray[:3])) if astray else ""))
    moved = [(up, socks) for up, socks in lives.ups
             if up.f.get("netns") != lives.birth.get(up.f.get("dev")) and socks
             and all(p.f.get("netns") == lives.birth.get(up.f.get("dev")) for p in socks)]
    result(bool(moved), "a device came up outside its birth namespace, its sockets opened "
           "in the birth one (%d such)" % len(moved))
    alive = {e.f.get("dev") for e in lives.created} - {e.f.get("dev") for e in lives.destroyed}
    result(bool(lives.created) and not alive, "every device created was destroyed%s" % (
        " (not: %s)" % ", ".join(sorted(alive)) if alive else ""))
    lanes = [ns_name(names, ns) for ns in lives.lanes(events)]
    result.svgs(svgs, lanes + NAMED, "lane and event")
    return result.status()


def flows(events):
    """For traces/chrome.py: each device's events, a flow."""
    by_dev, peer_dev = {}, {}
    for e in events:
        if e.name == "peer_create":
            peer_dev[e.f.get("peer")] = e.f.get("dev")
        dev = e.f.get("dev") or peer_dev.get(e.f.get("peer"))
        if dev:
            by_dev.setdefault(dev, []).append(e)
    return list(by_dev.values())


def main():
    a = render.control_arguments(__doc__, "timeline.svg")
    tables = {"netns": {}}
    events, notes = render.parse(a.trace, tables)
    lives = Lives(events)
    if a.check is not None:
        return check(events, lives, tables["netns"], a.check)
    if not events:
        print("render_init.py: no event in %s" % a.trace, file=sys.stderr)
        return 1
    out = []
    summary(events, lives, tables["netns"], out)
    render.trace_notes(notes, "devices", out)
    print("\n".join(out))
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "timeline.svg"), "w") as f:
            f.write(timeline(events, lives, tables["netns"],
                             "The life of a wgtour device, a lane per network namespace"))
        print("\nWritten: %s/ timeline.svg, trace.txt (raw)" % a.out.rstrip("/"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
