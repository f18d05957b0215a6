#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The wire fuzzer (issue 12): datagrams at a live WireGuard device.

    wire.py run --device ADDR [--device ADDR6] --port PORT --device-key PUBFILE
                --device-inner ADDR --peer KEYFILE,BIND,PORT,INNER [--peer ...]
                [--source ADDR]... [--count N | --long] [--seed S]

Each --peer is a peer the device knows (its private key in KEYFILE, its
endpoint BIND:PORT, its allowed IP INNER); the fuzzer plays all of them,
one process each, with noise_ref.py's cryptography:

  1. It binds its sockets and prints "listening". Whoever runs it then makes
     the device start a handshake with each peer (a ping to INNER); the
     fuzzer answers as responder, and the device confirms the session with
     a data message that must open under the session's key. That gives a
     genuine response and a genuine cookie reply to mutate.
  2. Each peer starts a handshake of its own (the device's response must
     verify; a cookie reply under load is taken and mac2 added) and
     confirms it with a keepalive: the data session the fuzz uses, redone
     every REHANDSHAKE_S seconds so it never expires.
  3. Each peer sends its share of N datagrams (wire_gen.py's kinds: random
     bytes, the four messages mutated, inner packets the device must
     refuse, replays, initiations from unknown keys) from its own socket,
     from a socket that sets the congestion mark, or from any --source
     address; late in the run, floods of initiations with a valid mac1 from
     every source socket, round robin, to put the device under load.

Prints "seed S" (pass --seed S to replay the same choices; keys and
timestamps differ), "sent", "malformed" (the datagrams the device's first
check must call malformed: the shell compares its count), the rate, per
kind and per received type counts, and "check ok|fail ..." lines
(CHECKS of them) for the shell to turn into TAP. Standard library only.
"""

import argparse
import base64
import collections
import errno
import json
import os
import random
import select
import socket
import struct
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import hs_tool  # noqa: E402
import noise_ref as nr  # noqa: E402
from rx_peer import tai64n  # noqa: E402
from wire_gen import Generator, classify  # noqa: E402

# The run's size: make check's short run, and make fuzz's long one.
SHORT_RUN = 20_000
LONG_RUN = 1_000_000

CHECKS = 3              # "check" lines printed, whatever happens
SETUP_WAIT = 60         # s for the device's handshakes (it retries every 5 s)
REHANDSHAKE_S = 50      # well before REJECT_AFTER_TIME (180 s) ends a session
DRAIN_EVERY = 512       # datagrams between reads of what came back
SOCKETS_PER_SOURCE = 2  # ports per --source address
FLOOD_SHARE = 0.1       # of a peer's datagrams, sent as floods, but at
FLOOD_BURST = 3000      # least one burst of this many (fewer may not put
                        # the device under load under emulation), ...
FLOOD_FROM = 0.6        # ... from this far into its run, so that the
                        # handshake paths run without load before
UNKNOWN_KEYS = 4        # initiations from keys the device does not know
IP_TOS_CE = 3           # the ECN field's "congestion experienced"


def flood_schedule(count: int) -> list:
    """[(datagrams sent before it, size)] of a peer's flood bursts: at least
    one of FLOOD_BURST, but never more than a third of the run."""
    total = min(max(int(count * FLOOD_SHARE), FLOOD_BURST), count // 3)
    if total < 1:
        return []
    n = max(1, round(total / FLOOD_BURST))
    first, last = count * FLOOD_FROM, count * 0.95
    step = (last - first) / n
    return [(int(first + i * step), total // n) for i in range(n)]


class FuzzPeer:
    """One peer the fuzzer plays: its sockets, its sessions with the device,
    and what it sent. Has what wire_gen.Generator needs of a peer."""

    def __init__(self, name: str, spec: str, args, rng):
        self.name = name
        keyfile, bind, port, inner = spec.split(",")
        with open(keyfile) as f:
            self.private = base64.b64decode(f.read().strip())
        self.public = nr.x25519_public(self.private)
        self.rng = rng
        self.device_public = args.device_public
        self.device_inner = socket.inet_aton(args.device_inner)
        self.inner = socket.inet_aton(inner)
        self.templates, self.genuine, self.unknown = {}, [], []
        self.session, self.counter, self.session_time = None, 0, 0.0
        self.sent = collections.Counter()
        self.received = collections.Counter()
        self.errors = collections.Counter()
        self.malformed = 0
        self.rehandshakes = collections.Counter()

        dest = {socket.AF_INET: (args.device[0], args.port)}
        if len(args.device) > 1:
            dest[socket.AF_INET6] = (args.device[1], args.port)
        self.main = self.bound(socket.AF_INET, bind, int(port))
        self.ce = self.bound(socket.AF_INET, bind, 0)
        self.ce.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, IP_TOS_CE)
        self.routes = {"main": (self.main, dest[socket.AF_INET]),
                       "ce": (self.ce, dest[socket.AF_INET])}
        self.sources = []
        for addr in args.source:
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            if fam in dest:
                self.sources += [(self.bound(fam, addr, 0), dest[fam])
                                 for _ in range(SOCKETS_PER_SOURCE)]
        self.any = [self.routes["main"]] + self.sources

    @staticmethod
    def bound(fam, addr, port):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((addr, port))
        return s

    def send(self, msg: bytes, route: str, label: str) -> None:
        sock, dest = (self.rng.choice(self.any) if route == "any"
                      else self.routes[route])
        try:
            sock.sendto(msg, dest)
        except OSError as e:
            self.errors[errno.errorcode.get(e.errno, str(e.errno))] += 1
            return
        self.sent[label] += 1
        self.malformed += classify(msg) == 0

    def drain(self) -> None:
        """Read whatever the device sent to any of our sockets, by type."""
        for sock in {s for s, _ in self.any} | {self.ce}:
            while True:
                try:
                    msg = sock.recv(65535, socket.MSG_DONTWAIT)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as e:
                    self.errors["recv " + errno.errorcode.get(e.errno, "?")] += 1
                    break
                self.received[classify(msg)] += 1

    def wait_for(self, deadline: float, want):
        """The next datagram on our own socket for which want(msg) is true,
        or None at the deadline; others are counted and dropped."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if not select.select([self.main], [], [], left)[0]:
                continue
            try:
                msg = self.main.recv(65535, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                continue
            if want(msg):
                return msg
            self.received[classify(msg)] += 1

    # -- handshakes ----------------------------------------------------------

    def device_initiation(self, msg: bytes) -> bool:
        if classify(msg) != nr.MSG_INITIATION:
            return False
        try:
            nr.check_mac1(msg, self.public)
        except ValueError:
            return False
        return True

    def answer_device(self, deadline: float) -> bool:
        """Answer the device's initiations until it confirms one of our
        responses with a data message that opens under the session's key.
        Keeps the response and a cookie reply to that initiation."""
        keys = {}
        while True:
            msg = self.wait_for(deadline, lambda m: classify(m) in (1, 4))
            if msg is None:
                print(f"# {self.name}: the device never confirmed a session", flush=True)
                return False
            if self.device_initiation(msg):
                responder = nr.Responder(self.private, nr.ZERO_PSK)
                try:
                    got = responder.consume_initiation(msg)
                except (ValueError, AssertionError) as e:
                    print(f"# {self.name}: the device's initiation does not verify: {e!r}", flush=True)
                    return False
                if got["static"] != self.device_public:
                    print(f"# {self.name}: an initiation from another key", flush=True)
                    return False
                index = self.rng.getrandbits(32)
                response = responder.create_response(self.rng.randbytes(32), index)
                keys[index] = nr.transport_keys(responder.c)[0]
                self.send(response, "main", "setup")
                ip, port = self.routes["main"][1]
                self.templates[nr.MSG_RESPONSE] = response
                self.templates[nr.MSG_COOKIE_REPLY] = responder.create_cookie_reply(
                    msg, self.rng.randbytes(32), socket.inet_aton(ip), port,
                    self.rng.randbytes(24))
                self.genuine += [response, self.templates[nr.MSG_COOKIE_REPLY]]
                continue
            index, counter = struct.unpack_from("<IQ", msg, 4)
            if index in keys:
                try:
                    nr.AEAD_open(keys[index], counter, msg[16:], b"")
                except ValueError:
                    print(f"# {self.name}: a data message that does not open", flush=True)
                    return False
                print(f"# {self.name}: the device confirmed its session "
                      f"(counter {counter}, {len(keys)} initiation(s) answered)")
                return True

    def initiate(self, deadline: float) -> bool:
        """A handshake of our own; its keys become the data session,
        confirmed with a keepalive. A cookie reply (the device is under
        load) is taken, and the initiation sent again with mac2."""
        init = nr.Initiator(self.private, self.device_public, nr.ZERO_PSK)
        index = self.rng.getrandbits(32)
        msg = init.create_initiation(self.rng.randbytes(32), tai64n(), index)

        def answer(m):
            t = classify(m)
            return t in (2, 3) and struct.unpack_from("<I", m, 8 if t == 2 else 4)[0] == index
        for _ in range(3):
            self.send(msg, "main", "setup")
            reply = self.wait_for(deadline, answer)
            if reply is None:
                print(f"# {self.name}: no answer to our initiation", flush=True)
                return False
            if classify(reply) == nr.MSG_RESPONSE:
                break
            try:
                cookie = nr.Initiator.consume_cookie_reply(
                    reply, self.device_public, msg[-32:-16])
            except (ValueError, AssertionError) as e:
                print(f"# {self.name}: a cookie reply that does not open: {e!r}", flush=True)
                return False
            msg = nr.add_macs(msg[:-32], self.device_public, cookie)
        else:
            print(f"# {self.name}: only cookie replies to our initiation", flush=True)
            return False
        try:
            send_key, _ = init.consume_response(reply)
        except (ValueError, AssertionError) as e:
            print(f"# {self.name}: the device's response does not verify: {e!r}", flush=True)
            return False
        their_index = struct.unpack_from("<I", reply, 4)[0]
        self.session, self.counter = (their_index, send_key), 0
        self.send(nr.data_message(their_index, send_key, 0, b""), "main", "setup")
        self.counter = 1
        self.session_time = time.monotonic()
        self.templates[nr.MSG_INITIATION] = msg
        self.genuine.append(msg)
        return True

    def make_unknown(self) -> None:
        for _ in range(UNKNOWN_KEYS):
            stranger = nr.Initiator(self.rng.randbytes(32), self.device_public,
                                    nr.ZERO_PSK)
            self.unknown.append(stranger.create_initiation(
                self.rng.randbytes(32), tai64n(), self.rng.getrandbits(32)))

    # -- the fuzz --------------------------------------------------------------

    def flood(self, size: int) -> int:
        """size initiations with a valid mac1 from every source, round
        robin; returns how many were sent."""
        pool = [m for m, _ in hs_tool.flood_messages(self.device_public, 256,
                                                     self.rng.randbytes)]
        sources = self.sources or self.any
        for i in range(size):
            sock, dest = sources[i % len(sources)]
            try:
                sock.sendto(pool[i % len(pool)], dest)
            except OSError as e:
                self.errors[errno.errorcode.get(e.errno, str(e.errno))] += 1
                continue
            self.sent["flood"] += 1
        self.drain()
        return size

    def fuzz(self, count: int) -> float:
        """Send count datagrams; the time it took. The counters start
        afresh: the setup's messages were counted before the fork."""
        self.sent, self.received = collections.Counter(), collections.Counter()
        self.errors, self.malformed = collections.Counter(), 0
        gen = Generator(self.rng, self)
        for msg in self.genuine:
            gen.remember(msg)
        floods = flood_schedule(count)
        sent, next_drain = 0, DRAIN_EVERY
        start = time.monotonic()
        while sent < count:
            if floods and sent >= floods[0][0]:
                sent += self.flood(min(floods.pop(0)[1], count - sent))
                continue
            if time.monotonic() - self.session_time > REHANDSHAKE_S:
                ok = self.initiate(time.monotonic() + 10)
                self.rehandshakes["ok" if ok else "failed"] += 1
                if ok:
                    gen.remember(self.templates[nr.MSG_INITIATION])
                else:       # the old session serves on; try again in 10 s
                    self.session_time = time.monotonic() - REHANDSHAKE_S + 10
            for msg, route, label in gen.next()[:count - sent]:
                self.send(msg, route, label)
                sent += 1
            if sent >= next_drain:
                self.drain()
                next_drain += DRAIN_EVERY
        elapsed = time.monotonic() - start
        self.drain()
        return elapsed


def run_peers(peers: list, counts: list) -> list:
    """Fuzz with each peer in a process of its own; their reports."""
    rfd, wfd = os.pipe()
    pids = []
    for peer, count in zip(peers, counts):
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            code = 1
            try:
                elapsed = peer.fuzz(count)
                report = {"sent": peer.sent, "errors": peer.errors,
                          "received": {str(k): v for k, v in peer.received.items()},
                          "malformed": peer.malformed, "elapsed": elapsed,
                          "rehandshakes": peer.rehandshakes}
                os.write(wfd, (json.dumps(report) + "\n").encode())
                code = 0
            except Exception:
                traceback.print_exc(file=sys.stdout)
                sys.stdout.flush()
            finally:
                os._exit(code)      # no atexit, no buffers of the parent's
        pids.append(pid)
    os.close(wfd)
    data = b""
    while chunk := os.read(rfd, 65536):
        data += chunk
    for pid in pids:
        os.waitpid(pid, 0)
    return [json.loads(line) for line in data.decode().splitlines()]


def check(ok: bool, desc: str) -> bool:
    print(f"check {'ok' if ok else 'fail'} {desc}", flush=True)
    return ok


def main(argv: list) -> int:
    ap = argparse.ArgumentParser(prog="wire.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["run"])
    ap.add_argument("--device", action="append", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--device-key", required=True)
    ap.add_argument("--device-inner", required=True)
    ap.add_argument("--peer", action="append", required=True)
    ap.add_argument("--source", action="append", default=[])
    ap.add_argument("--count", type=int, default=SHORT_RUN)
    ap.add_argument("--long", action="store_true", help=f"--count {LONG_RUN}")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)
    count = LONG_RUN if args.long else args.count
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    print(f"seed {seed}", flush=True)
    with open(args.device_key) as f:
        args.device_public = base64.b64decode(f.read().strip())

    peers = []
    for i, spec in enumerate(args.peer):
        peers.append(FuzzPeer(f"peer {i}", spec, args, random.Random(f"{seed}-{i}")))
    print("listening", flush=True)

    deadline = time.monotonic() + SETUP_WAIT
    answered = all([p.answer_device(deadline) for p in peers])
    check(answered, f"the device's handshakes with {len(peers)} peers answered; "
          "it confirmed each session with a data message that opens")
    started = answered and all([p.initiate(time.monotonic() + 15) for p in peers])
    check(started, f"our handshakes from {len(peers)} peers answered with "
          "responses that verify (the data sessions of the fuzz)")
    if not started:
        check(False, f"{count} datagrams sent (no session to fuzz with)")
        return 1
    for p in peers:
        p.make_unknown()

    n = len(peers)
    reports = run_peers(peers, [count // n + (i < count % n) for i in range(n)])
    sent, errors, received = collections.Counter(), collections.Counter(), collections.Counter()
    rehs = collections.Counter()
    malformed = 0
    for r in reports:
        sent.update(r["sent"])
        errors.update(r["errors"])
        received.update(r["received"])
        rehs.update(r["rehandshakes"])
        malformed += r["malformed"]
    # the setup's messages, sent before the fork
    for p in peers:
        sent.update(p.sent)
        errors.update(p.errors)
        malformed += p.malformed
    fuzzed = sum(v for k, v in sent.items() if k != "setup")
    elapsed = max([r["elapsed"] for r in reports] or [0])
    print(f"sent {sum(sent.values())}")
    print(f"malformed {malformed}")
    print(f"elapsed {elapsed:.1f}")
    print(f"rate {fuzzed / elapsed if elapsed else 0:.0f}")
    for label, v in sorted(sent.items()):
        print(f"kind {label} {v}")
    for mtype, v in sorted(received.items()):
        print(f"received type {mtype} {v}")
    for k, v in sorted(errors.items()):
        print(f"# send errors {k}: {v}")
    if rehs:
        print(f"# handshakes redone during the run: {rehs['ok']} ok, {rehs['failed']} failed")
    return 0 if check(len(reports) == n and fuzzed == count and not errors,
                      f"{fuzzed} of {count} datagrams sent by {len(reports)} of {n} "
                      f"processes, {sum(errors.values())} refused by the local stack") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
