#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a trace of traces/peers.bt into a summary and pictures (chapter 2).

usage: traces/render_peers.py TRACE [--out DIR] [--tries BEFORE AFTER]
       traces/render_peers.py TRACE --check [SVG...] [--tries BEFORE AFTER]

TRACE is what traces/peers.bt printed (traces/rx.bt's format, read by
traces/render.py's parser). BEFORE and AFTER are two dumps of
/sys/kernel/debug/wgtour/allowedips that the lab took, before and after
it removed a peer (default: trie-before.txt and trie-after.txt beside
TRACE); traces/trie_dot.py reads them.

The trace is cut into rounds by its netlink_set events, one per "wg set":
the lookups after the Nth belong to round N. For each lookup (an
allowedips_lookup line and the allowedips_lookup_done of the same tid)
the renderer also works out the answer itself, from the trace alone: the
longest prefix holding the address, among those the allowedips_insert and
allowedips_remove events had given to a peer by then. The trie must agree.

The default prints the configuration events in order, then a table: a row
per address looked up, a column per round, the peer that owns it (the
first four bytes of its public key) and the prefix that matched, or
"none". With --out it writes DIR/lookups.svg (that table, each peer in the
colour trie_dot.py gives it) and, from the dumps, DIR/trie-before.dot,
.svg and DIR/trie-after.dot, .svg (graphviz's dot).

--check exits 1 unless at least two peers were created, a peer removal
took away exactly the prefixes that peer held, there were lookups in two
rounds or more, one found a peer and one did not, and every answer agrees
with the trace's own longest-prefix match; and each SVG given is
well-formed XML naming every address looked up (lookups.svg) or every
prefix of its dump (trie-*.svg).
"""
import html
import ipaddress
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render  # noqa: E402  traces/render.py: the parser, SVG and checker pieces
import trie_dot  # noqa: E402  traces/trie_dot.py: the dump's reader, the trie as DOT

CONFIG = ("command", "netlink_set", "peer_create", "peer_remove",
          "allowedips_insert", "allowedips_remove")


def prefix(e):
    """An allowedips event's prefix, IPv4 back from its IPv6 mapping."""
    return ipaddress.ip_network(render.prefix(e.f))


class Lookup:
    def __init__(self, e, done, round_no, owners):
        self.event, self.done, self.round = e, done, round_no
        self.addr = ipaddress.ip_address(e.f.get("addr"))
        found = done is not None and done.f.get("found") == "1"
        self.peer = done.f.get("peer") if found else None
        self.answered = done is not None
        # the longest prefix holding addr, of those a peer holds now
        holding = [(net.prefixlen, net, who) for net, who in owners.items()
                   if net.version == self.addr.version and self.addr in net]
        best = max(holding, key=lambda h: h[0]) if holding else None
        self.expected = best[2] if best else None
        self.matched = best[1] if best else None

    def agrees(self):
        return self.answered and self.peer == self.expected


class Rounds:
    """The configuration and the lookups, round by round."""

    def __init__(self, events):
        self.lookups, self.removals, self.labels = [], [], ["before any wg set"]
        self.peers_at = [set()]     # per round, the peers then
        owners, peers, pending, removing, owned = {}, set(), {}, {}, {}
        last_command, n = None, 0
        for e in events:
            f = e.f
            if e.name == "command":
                last_command = render.command_text(e)
            elif e.name == "peer_create":
                peers.add(f.get("peer"))
            elif e.name == "allowedips_insert":
                owners[prefix(e)] = f.get("peer")
            elif e.name == "allowedips_remove":
                if f.get("peer") not in removing:
                    # what the peer held when its removal began
                    owned[f.get("peer")] = {p for p, w in owners.items() if w == f.get("peer")}
                if owners.get(prefix(e)) == f.get("peer"):
                    del owners[prefix(e)]
                removing.setdefault(f.get("peer"), []).append(prefix(e))
            elif e.name == "peer_remove":
                peers.discard(f.get("peer"))
                held = sorted(removing.pop(f.get("peer"), []), key=str)
                self.removals.append((e, held, set(held) == owned.pop(f.get("peer"), set())))
            elif e.name == "netlink_set":
                n += 1
                self.labels.append(last_command or "wg set")
                self.peers_at.append(set(peers))
            elif e.name == "allowedips_lookup":
                pending[f.get("tid")] = (e, n, dict(owners))
            elif e.name == "allowedips_lookup_done" and f.get("tid") in pending:
                start, round_no, then = pending.pop(f.get("tid"))
                self.lookups.append(Lookup(start, e, round_no, then))
        for start, round_no, then in pending.values():
            self.lookups.append(Lookup(start, None, round_no, then))
        self.created = sum(1 for e in events if e.name == "peer_create")

    def used(self):
        """The rounds that have lookups, and the addresses, in order."""
        rounds = sorted({lk.round for lk in self.lookups})
        addrs = []
        for lk in self.lookups:
            if lk.addr not in addrs:
                addrs.append(lk.addr)
        return rounds, addrs

    def cell(self, r, addr):
        for lk in self.lookups:
            if lk.round == r and lk.addr == addr:
                return lk
        return None


def who(peer, names):
    """A peer as the trie pictures name it (trie_dot.py: "peer UCHhf/Gt..."),
    or by the key's first bytes in hex when the dumps do not name it."""
    return "peer %s..." % names[peer][:8] if peer in names else peer


def short(command):
    """A command line with its public keys cut to 8 characters."""
    return re.sub(r"([A-Za-z0-9+/]{8})[A-Za-z0-9+/]{35}=", r"\1...", command)


def answer(lk, names=None):
    if lk is None:
        return "-"
    if not lk.answered:
        return "no answer traced"
    names = names or {}
    if not lk.agrees():
        return "%s, NOT the owner of the longest prefix: %s" % (
            who(lk.peer, names) if lk.peer else "none",
            "%s (%s)" % (who(lk.expected, names), lk.matched) if lk.expected else "none")
    return "%s (%s)" % (who(lk.peer, names), lk.matched) if lk.peer else "none"


def summary(events, rounds, names, out):
    t0 = events[0].ts
    out.append("The configuration, in order (ms since the first event):")
    for e in events:
        if e.name == "command":
            out.append("  %9.1f  $ %s" % ((e.ts - t0) / 1e6, render.command_text(e)))
        elif e.name in CONFIG:
            what = "%s %s" % (e.f.get("peer", ""), prefix(e)) if e.name.startswith("allowedips") \
                else render.other_detail(e, ("dev", "peer", "peers_now", "changed", "peers", "err"))
            out.append("  %9.1f    %-17s %s" % ((e.ts - t0) / 1e6, e.name, what))
    out.append("")
    used, addrs = rounds.used()
    out.append("Lookups in the allowed-IPs trie (wgt_allowedips_lookup), a column per round; "
               "the owner, and the prefix that matched:")
    width = 34
    out.append("  %-14s" % "address" + "".join("  %-*s" % (width, "round %d" % r) for r in used))
    for r in used:
        out.append("    round %d: after %s" % (r, short(rounds.labels[r])))
    for a in addrs:
        out.append("  %-14s" % a + "".join("  %-*s" % (width, answer(rounds.cell(r, a)))
                                           for r in used))
    bad = [lk for lk in rounds.lookups if not lk.agrees()]
    out.append("  %d lookups; %d agree with the longest-prefix match worked out from the "
               "trace's own inserts and removals" % (len(rounds.lookups),
                                                     len(rounds.lookups) - len(bad)))
    for e, held, exact in rounds.removals:
        out.append("  %s removed: %s went with it: %s" % (
            e.f.get("peer"), "every prefix it held" if exact else "NOT exactly what it held",
            " ".join(str(p) for p in held) or "none"))
    drops = render.count_drops(events, "tx_drop")
    render.drop_lines(drops, "Packets wgtour did not send, by reason (tx_drop):", out)
    if names:
        out.append("")
        out.append("The peers' keys: " + ", ".join("%s = %s..." % (k, v[:8])
                                                  for k, v in sorted(names.items())))


# ---- the pictures ----

def lookups_svg(rounds, names, title):
    """Plain SVG text: the table of summary(), each owner in its colour."""
    used, addrs = rounds.used()
    left, top, col, row = 150, 110, 330, 30
    width = left + col * len(used) + 20
    height = top + row * len(addrs) + 70
    s = render.svg_start(width, height, 12, title)
    s.append('<text x="10" y="42" fill="#555">a row per address looked up, a column per '
             'round (after each wg set); each peer in its colour of the trie pictures</text>')
    for i, r in enumerate(used):
        x = left + col * i
        peers = ", ".join(who(p, names) for p in sorted(rounds.peers_at[r])) or "none"
        s.append('<text x="%d" y="70" font-weight="bold">round %d: %d peers</text>'
                 % (x, r, len(rounds.peers_at[r])))
        s.append('<text x="%d" y="86" fill="#555" font-size="10">%s</text>'
                 % (x, html.escape(peers)))
        s.append('<text x="%d" y="100" fill="#777" font-size="9">after: %s</text>'
                 % (x, html.escape(short(rounds.labels[r])[:64])))
    for j, a in enumerate(addrs):
        y = top + row * j
        s.append('<text x="10" y="%d" font-family="monospace">%s</text>' % (y + 19, a))
        for i, r in enumerate(used):
            lk, x = rounds.cell(r, a), left + col * i
            if lk is None:
                continue
            fill = trie_dot.colour(lk.peer) if lk.peer else "#ffffff"
            stroke = "#c0392b" if not lk.agrees() else "#999"
            s.append('<rect x="%d" y="%d" width="%d" height="%d" rx="5" fill="%s" '
                     'stroke="%s"%s/>' % (x, y + 3, col - 14, row - 6, fill, stroke,
                                          "" if lk.peer else ' stroke-dasharray="4 3"'))
            s.append('<text x="%d" y="%d">%s</text>' % (x + 8, y + 19,
                                                         html.escape(answer(lk, names))))
    s.append('<text x="10" y="%d" fill="#555">none: no prefix holds the address; wgtour '
             'drops the packet (tx_drop "no peer for destination") and the sender gets an '
             'ICMP error</text>' % (height - 20))
    s.append('</svg>')
    return "\n".join(s) + "\n"


def read_dump(path):
    """(devices, owner names, every prefix) of a dump, or None."""
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        devices, names = trie_dot.parse(f)
    nets = [str(n.net) for _, _, roots in devices for root in roots
            for n in trie_dot.walk(root)]
    return devices, names, nets


def write_tries(outdir, dumps):
    written = []
    for which, path in dumps:
        dump = read_dump(path)
        if dump is None:
            print("render_peers.py: no dump %s: no trie-%s picture" % (path, which),
                  file=sys.stderr)
            continue
        devices, names, _ = dump
        dot = os.path.join(outdir, "trie-%s.dot" % which)
        with open(dot, "w") as f:
            f.write(trie_dot.to_dot(devices, names, "drawn by traces/render_peers.py from %s"
                                    % os.path.basename(path),
                                    "the allowed-IPs tries %s the peer was removed" % which))
        subprocess.run(["dot", "-Tsvg", dot, "-o", dot[:-4] + ".svg"], check=True)
        written.append("trie-%s.svg" % which)
    return written


# ---- the checker ----

def check(rounds, dumps, svgs):
    result = render.Verdicts()
    result(rounds.created >= 2, "at least two peers were created (%d)" % rounds.created)
    exact = [e for e, held, ok in rounds.removals if ok and held]
    result(bool(exact) and len(exact) == len(rounds.removals),
           "a peer removal took away exactly the prefixes that peer held (%d removals: %s)" % (
               len(rounds.removals), "; ".join("%s: %d prefixes%s" % (
                   e.f.get("peer"), len(held), "" if ok else ", not what it held")
                   for e, held, ok in rounds.removals) or "none"))
    used, addrs = rounds.used()
    found = [lk for lk in rounds.lookups if lk.peer]
    none = [lk for lk in rounds.lookups if lk.answered and not lk.peer]
    result(len(used) >= 2 and found and none, "lookups in two rounds or more, some found a "
           "peer, some none (%d rounds, %d found, %d none)" % (len(used), len(found), len(none)))
    bad = [lk for lk in rounds.lookups if not lk.agrees()]
    result(bool(rounds.lookups) and not bad, "every lookup's answer is the longest prefix's "
           "owner (%d of %d agree%s)" % (len(rounds.lookups) - len(bad), len(rounds.lookups),
                                         "; " + "; ".join("%s: %s" % (lk.addr, answer(lk))
                                                          for lk in bad[:3]) if bad else ""))
    for svg in svgs:
        which = os.path.basename(svg)
        if which.startswith("trie-"):
            dump = read_dump(dict(dumps).get(which[len("trie-"):-len(".svg")]))
            result.svgs([svg], dump[2] if dump else ["(no dump)"], "prefix of its dump")
        else:
            result.svgs([svg], [str(a) for a in addrs], "address looked up")
    return result.status()


def flows(events):
    """For traces/chrome.py: each lookup, from the call to its answer."""
    pending, out = {}, []
    for e in events:
        if e.name == "allowedips_lookup":
            pending[e.f.get("tid")] = e
        elif e.name == "allowedips_lookup_done" and e.f.get("tid") in pending:
            out.append([pending.pop(e.f.get("tid")), e])
    return out


def main():
    a = render.control_arguments(__doc__, "lookups.svg and the tries' pictures", lambda ap: (
        ap.add_argument("--tries", nargs=2, metavar=("BEFORE", "AFTER"),
                        help="the dumps (default: trie-before.txt, trie-after.txt beside TRACE)")))
    here = os.path.dirname(a.trace)
    paths = a.tries or [os.path.join(here, "trie-before.txt"), os.path.join(here, "trie-after.txt")]
    dumps = list(zip(("before", "after"), paths))
    events, notes = render.parse(a.trace)
    rounds = Rounds(events)
    if a.check is not None:
        return check(rounds, dumps, a.check)
    if not events:
        print("render_peers.py: no event in %s" % a.trace, file=sys.stderr)
        return 1
    names = {}
    for _, path in dumps:
        dump = read_dump(path)
        if dump:
            names.update(dump[1])
    out = []
    summary(events, rounds, names, out)
    render.trace_notes(notes, "lookups", out)
    print("\n".join(out))
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "lookups.svg"), "w") as f:
            f.write(lookups_svg(rounds, names, "Lookups in the allowed-IPs trie, round by round"))
        written = ["lookups.svg"] + write_tries(a.out, dumps)
        print("\nWritten: %s/ %s, trace.txt (raw)" % (a.out.rstrip("/"), ", ".join(written)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
