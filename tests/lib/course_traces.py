#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Doctored copies of the recorded sample traces, for the course's host
tests (tests/host/course_*.sh): what a trace check must pass or fail.

usage: course_traces.py replay SAMPLE OUT refused|delivered|undropped
       course_traces.py edit SAMPLE OUT EVENT N FIELD=VALUE...
       course_traces.py shift SAMPLE OUT EVENT N NANOSECONDS

replay  SAMPLE (a traces/rx.bt trace) with, after its last event, one more
        copy of the first delivered data packet's message, as
        labs/course/replay.py sends it: a new skb with the same session
        and counter, refused (rx_replay_check fresh=0, rx_drop "replayed
        counter", kfree_skb: what the module does), delivered (fresh=1,
        rx_deliver: a replay window that lets it through), or undropped
        (fresh=0, then freed without an rx_drop)
edit    the Nth (from 0) EVENT line of SAMPLE with FIELD set to VALUE
shift   the Nth EVENT line moved by NANOSECONDS (negative: earlier)
"""
import re
import sys


def events(lines):
    """(index, fields) of the event lines: "TS CPU COMM CTX EVENT k=v..." ."""
    return [(i, line.split(" ")) for i, line in enumerate(lines)
            if line[:1].isdigit() and len(line.split(" ")) > 4]


def replay(lines, how):
    evs = events(lines)
    first = {}
    for _, f in evs:
        if f[4] in ("rx_data_enqueue", "rx_napi_schedule", "rx_deliver"):
            skb = re.search(r"skbaddr=(\S+)", " ".join(f)).group(1)
            first.setdefault((f[4], skb), " ".join(f))
    delivered = [skb for (name, skb) in first if name == "rx_deliver"]
    skb = delivered[0]
    enq = first[("rx_data_enqueue", skb)]
    index = re.search(r"index=(\S+)", enq).group(1)
    counter = re.search(r"counter=(\d+)", enq).group(1)
    napi = re.search(r"napi=(\S+)", first[("rx_napi_schedule", skb)]).group(1)
    t = max(int(f[0]) for _, f in evs) + 1000000
    new = "0xffffdead00000100"
    steps = [
        "0 ksoftirqd/0 1 rx_udp skbaddr=%s dev=wg0 len=128 from=192.0.2.1:40000" % new,
        "0 ksoftirqd/0 1 rx_classify skbaddr=%s type=4 len=128" % new,
        "0 ksoftirqd/0 1 rx_data_enqueue skbaddr=%s index=%s counter=%s decrypt_cpu=0"
        % (new, index, counter),
        "0 kworker/0:1 0 rx_decrypt skbaddr=%s ok=1 counter=%s len=84 family=2 "
        "saddr=::ffff:10.0.0.1 daddr=::ffff:10.0.0.2" % (new, counter),
        "0 kworker/0:1 0 rx_napi_schedule skbaddr=%s napi=%s" % (new, napi),
        "0 kworker/0:1 1 rx_napi_poll_begin napi=%s budget=64 queued=1" % napi,
        "0 kworker/0:1 1 rx_replay_check skbaddr=%s counter=%s fresh=%d"
        % (new, counter, how == "delivered"),
    ]
    if how == "refused":
        steps.append('0 kworker/0:1 1 rx_drop skbaddr=%s dev=wg0 reason="replayed counter"' % new)
    if how == "delivered":
        steps.append("0 kworker/0:1 1 rx_deliver skbaddr=%s dev=wg0 gro_result=3 len=84 family=2 "
                     "saddr=::ffff:10.0.0.1 daddr=::ffff:10.0.0.2" % new)
    steps.append("0 kworker/0:1 1 rx_napi_poll_end napi=%s work_done=1 complete=1" % napi)
    if how != "delivered":
        steps.append("0 kworker/0:1 1 kfree_skb skbaddr=%s reason=2 location=wgt_rx_drop" % new)
    return lines + ["%d %s" % (t + 1000 * n, s) for n, s in enumerate(steps)]


def nth(lines, name, n):
    return [i for i, f in events(lines) if f[4] == name][n]


def edit(lines, name, n, sets):
    i = nth(lines, name, n)
    for s in sets:
        key, value = s.split("=", 1)
        lines[i], count = re.subn(r"\b%s=(\"[^\"]*\"|\S+)" % key, "%s=%s" % (key, value),
                                  lines[i])
        if not count:
            raise SystemExit("course_traces.py: no %s= in %s" % (key, lines[i]))
    return lines


def shift(lines, name, n, ns):
    i = nth(lines, name, n)
    ts, rest = lines[i].split(" ", 1)
    lines[i] = "%d %s" % (int(ts) + ns, rest)
    return lines


def main(argv):
    cmd, sample, out = argv[:3]
    with open(sample) as f:
        lines = f.read().split("\n")
    if cmd == "replay":
        lines = replay(lines, argv[3])
    elif cmd == "edit":
        lines = edit(lines, argv[3], int(argv[4]), argv[5:])
    elif cmd == "shift":
        lines = shift(lines, argv[3], int(argv[4]), int(argv[5]))
    else:
        raise SystemExit(__doc__)
    with open(out, "w") as f:
        f.write("\n".join(line for line in lines if line) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
