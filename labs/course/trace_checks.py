#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Trace-based checks of the course's grader: how the module behaves on the
path, read from its own tracepoints.

usage: labs/course/trace_checks.py TRACE CHECK[:ARG=VALUE,...]...
       labs/course/trace_checks.py --list

TRACE is what traces/rx.bt or traces/tx.bt printed (the labs' format, read
by traces/render.py's parser). Each CHECK is a function below, over the
parsed events; it returns (ok, detail). Prints one TAP line per check and
exits 1 when any failed. make grade runs them on the host, on the traces its
scenarios recorded in the lab VM (Python is slow under QEMU); the host tests
run them on traces/samples/ and on doctored copies that must fail.

Every check also fails when the trace holds nothing it could judge (no
packet delivered, no replay, nothing to pad): a scenario that did not
exercise the code must not pass for it.
"""
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "traces"))
import render  # noqa: E402  traces/render.py: the parser, rx packets
import render_tx  # noqa: E402  traces/render_tx.py: tx datagrams

# module/messages.h: a data message is a 16-byte header, the padded
# plaintext, a 16-byte tag; the plaintext is padded to a multiple of 16.
DATA_OVERHEAD = 32
PADDING_MULTIPLE = 16


def _rx_data(events):
    """The received data packets (render.py's grouping), each with its
    session (receiver index) and counter."""
    out = []
    for p in render.packets_of(events):
        enq = p.first("rx_data_enqueue")
        if enq:
            out.append((p, enq.f.get("index"), int(enq.f.get("counter", -1))))
    return out


def delivered_in_counter_order(events):
    """Packets reach the stack (rx_deliver) in counter order, per session:
    NAPI takes them from the front of the peer's queue only, and the replay
    window keeps an old counter out."""
    delivered = sorted(((p.first("rx_deliver").ts, index, counter)
                        for p, index, counter in _rx_data(events)
                        if p.first("rx_deliver")))
    if not delivered:
        return False, "no data packet was delivered: nothing to judge"
    last = {}
    for ts, index, counter in delivered:
        if index in last and counter <= last[index]:
            return False, ("session %s: counter %d delivered after counter %d (at %d ns)"
                           % (index, counter, last[index], ts))
        last[index] = counter
    return True, "%d packets of %d sessions delivered in counter order" % (
        len(delivered), len(last))


def replays_refused(events):
    """A counter seen before is refused: its rx_replay_check says fresh=0,
    it is dropped as "replayed counter" and never delivered; and fresh=0
    never comes without that drop."""
    checked = sorted((p.first("rx_replay_check").ts, p, index, counter)
                     for p, index, counter in _rx_data(events)
                     if p.first("rx_replay_check"))
    seen, replays = set(), 0
    for _, p, index, counter in checked:
        fresh = p.first("rx_replay_check").f.get("fresh") == "1"
        drop = p.first("rx_drop")
        again = (index, counter) in seen
        replays += again
        if again and fresh:
            return False, ("session %s: counter %d came again and was taken as fresh%s"
                           % (index, counter, ", and delivered" if p.first("rx_deliver")
                              else ""))
        if not fresh and (p.first("rx_deliver") or not drop or
                          drop.f.get("reason") != "replayed counter"):
            return False, ("session %s: counter %d refused (fresh=0) but not dropped as "
                           "\"replayed counter\"" % (index, counter))
        if fresh:
            seen.add((index, counter))
    if not replays:
        return False, "no counter came twice: the scenario replayed nothing"
    return True, "%d replayed counters, each refused and dropped as \"replayed counter\"" % (
        replays)


def drops_have_reasons(events):
    """Every drop of wgtour (rx_drop, tx_drop) names its reason, and every
    received data packet the kernel freed as a drop before delivery went
    through rx_drop first."""
    drops = [e for e in events if e.name in ("rx_drop", "tx_drop")]
    for e in drops:
        if not e.f.get("reason"):
            return False, "%s of skb %s at %d ns has no reason" % (e.name, e.f.get("skbaddr"), e.ts)
    for p, index, counter in _rx_data(events):
        freed = [e for e in p.events if e.name == "kfree_skb" and not render.gro_chained(e)]
        if freed and not p.first("rx_deliver") and not p.first("rx_drop"):
            return False, ("session %s: counter %d freed by kfree_skb (%s) without an "
                           "rx_drop" % (index, counter, freed[0].f.get("location")))
    return True, "%d drops, each with its reason" % len(drops)


def napi_within_budget(events):
    """No NAPI poll handles more packets than its budget: the kernel's
    napi_poll (work <= budget) and ours (work_done of rx_napi_poll_end
    against the budget its rx_napi_poll_begin on that CPU was given)."""
    polls, budget = 0, {}
    for e in events:
        key = (e.cpu, e.f.get("napi"))
        if e.name == "rx_napi_poll_begin":
            budget[key] = int(e.f.get("budget", -1))
        elif e.name == "rx_napi_poll_end":
            polls += 1
            done = int(e.f.get("work_done", -1))
            if key not in budget or not 0 <= done <= budget[key]:
                return False, "poll of napi %s on CPU %d did %d with a budget of %s" % (
                    e.f.get("napi"), e.cpu, done, budget.get(key, "unknown"))
        elif e.name == "napi_poll":
            if int(e.f.get("work", -1)) > int(e.f.get("budget", -1)):
                return False, "napi_poll of %s on CPU %d: work %s > budget %s" % (
                    e.f.get("napi"), e.cpu, e.f.get("work"), e.f.get("budget"))
    if not polls:
        return False, "no NAPI poll in the trace: nothing to judge"
    return True, "%d polls, none past its budget" % polls


def padded_len(plain, mtu):
    """The length the plaintext is padded to: the next multiple of 16, but
    not past the MTU (nor below the packet itself)."""
    padded = -(-plain // PADDING_MULTIPLE) * PADDING_MULTIPLE
    return padded if padded <= mtu else max(plain, mtu)


def padding(events, mtu="1420"):
    """Every data message is as long as the padding rule says: header, the
    plaintext padded to a multiple of 16 (never past the MTU), tag. MTU: the
    device's (the labs' topology keeps wg0's default, 1420)."""
    mtu = int(mtu)
    _, grams = render_tx.group(events)
    judged = padded = 0
    for d in grams:
        stage, enc = d.first("tx_stage"), d.first("tx_encrypt")
        if not stage or not enc or enc.f.get("ok") != "1":
            continue
        plain, msg = int(stage.f.get("len", -1)), int(enc.f.get("len", -1))
        want = padded_len(plain, mtu) + DATA_OVERHEAD
        judged += 1
        padded += want != plain + DATA_OVERHEAD
        if msg != want:
            return False, ("skb %s: %d bytes of plaintext became a %d-byte message, "
                           "not %d (mtu %d)" % (d.skb, plain, msg, want, mtu))
    if not padded:
        return False, ("%d messages, none of which needed padding: nothing to judge"
                       % judged)
    return True, "%d messages padded right (%d of them needed padding)" % (judged, padded)


def sent_in_nonce_order(events):
    """Each session's messages leave (tx_send) in nonce order: the peer's
    one transmit work sends from the front of its queue."""
    _, grams = render_tx.group(events)
    sent = sorted((d.first("tx_send").ts, d.first("tx_nonce").f.get("remote_index"),
                   int(d.first("tx_nonce").f.get("counter", -1)))
                  for d in grams if d.first("tx_send") and d.first("tx_nonce"))
    if not sent:
        return False, "no message was sent: nothing to judge"
    last = {}
    for ts, index, counter in sent:
        if index in last and counter <= last[index]:
            return False, "session %s: nonce %d sent after nonce %d (at %d ns)" % (
                index, counter, last[index], ts)
        last[index] = counter
    return True, "%d messages of %d sessions sent in nonce order" % (len(sent), len(last))


CHECKS = collections.OrderedDict((f.__name__, f) for f in (
    delivered_in_counter_order, replays_refused, drops_have_reasons,
    napi_within_budget, padding, sent_in_nonce_order))


def run(name, events):
    """One check by its registry name, "check" or "check:arg=value,...";
    a check that crashes on a trace fails, with the error as its detail."""
    func, _, args = name.partition(":")
    if func not in CHECKS:
        return False, "no trace check %s (labs/course/trace_checks.py --list)" % func
    kwargs = dict(a.split("=", 1) for a in args.split(",") if a)
    try:
        return CHECKS[func](events, **kwargs)
    except (ValueError, TypeError, AttributeError, KeyError) as err:
        return False, "the check failed to run: %s: %s" % (type(err).__name__, err)


def main(argv):
    if argv[:1] == ["--list"]:
        for name, f in CHECKS.items():
            print("%-28s %s" % (name, " ".join(f.__doc__.split("\n\n")[0].split())))
        return 0
    if len(argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    events, _ = render.parse(argv[0])
    print("TAP version 13")
    print("1..%d" % (len(argv) - 1))
    failed = 0
    for i, name in enumerate(argv[1:], 1):
        ok, detail = run(name, events)
        failed += not ok
        print("%s %d - %s: %s" % ("ok" if ok else "not ok", i, name, detail))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
