#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Handshake-message tools for tests/vm/handshake_replay_load.sh.

    hs_tool.py capture PORT TIMEOUT FILE
        listen on UDP PORT (all addresses) for one 148-byte initiation and
        write it to FILE as hex; exit 1 if none came within TIMEOUT seconds
    hs_tool.py replay HOST PORT FILE COPIES GAP
        send the initiation in FILE COPIES times, GAP seconds apart, from
        one socket, and report after each copy whether a 92-byte response
        naming the initiation's sender index came back (5 s for the first
        copy, 2 s for the others); prints "responses A B C ..." (1 or 0
        per copy)
    hs_tool.py flood HOST PORT PUBKEY_B64 SECONDS MAX PROCS SOCKETS BURST PAUSE
        send initiations with a valid MAC1 for PUBKEY (everything else
        random) from PROCS processes, each with SOCKETS sockets on their own
        source ports, round robin, for SECONDS or MAX messages in all,
        whichever comes first; each process sends BURST messages as fast
        as it can, then pauses PAUSE seconds (BURST 0: no pauses). Counts
        the cookie replies (64 bytes, type 3)
        that come back, and decrypt some with the key only the holder of
        the private key could have used and our MAC1 as associated data.
        Each cookie so opened keys the MAC2 of one more initiation, sent
        from the socket the cookie was for, with an all-zero ephemeral key:
        a responder under load that accepts the MAC2 processes it and
        rejects it further on ("bad ephemeral key"), which no other message
        of the flood draws; a cookie reply to one is counted apart
        (mac2_refused). Prints one "key value" line per number.

The initiations of the flood carry random bytes where the ephemeral key, the
encrypted static key and timestamp go: they pass the MAC1 check (which only
proves the sender knows the responder's public key, and costs the responder
one BLAKE2s), and fail later, at the first decryption, after one Curve25519
operation, unless the responder is under load and answers with a cookie
reply first. Standard library only; the BLAKE2s and XChaCha20-Poly1305 are
noise_ref.py's.
"""

import base64
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import noise_ref  # noqa: E402

INITIATION_LEN = noise_ref.INITIATION_LEN
RESPONSE_LEN = noise_ref.RESPONSE_LEN
COOKIE_REPLY_LEN = noise_ref.COOKIE_REPLY_LEN


def family_of(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def capture(port: int, timeout: float, path: str) -> int:
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(("::", port))
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            print("# capture: no initiation came")
            return 1
        sock.settimeout(left)
        try:
            msg, src = sock.recvfrom(2048)
        except socket.timeout:
            continue
        if len(msg) == INITIATION_LEN and msg[:4] == noise_ref.header(1):
            with open(path, "w") as f:
                f.write(msg.hex() + "\n")
            index = struct.unpack_from("<I", msg, 4)[0]
            print(f"# captured an initiation from {src[0]} port {src[1]}, "
                  f"sender index {index:08x}")
            return 0
        print(f"# capture: ignored {len(msg)} bytes from {src[0]}")


def replay(host: str, port: int, path: str, copies: int, gap: float) -> int:
    with open(path) as f:
        msg = bytes.fromhex(f.read().strip())
    index = struct.unpack_from("<I", msg, 4)[0]
    got = []
    with socket.socket(family_of(host), socket.SOCK_DGRAM) as sock:
        sock.connect((host, port))
        for copy in range(copies):
            if copy:
                time.sleep(gap)
            sock.send(msg)
            deadline = time.monotonic() + (5 if copy == 0 else 2)
            answered = 0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                sock.settimeout(left)
                try:
                    reply = sock.recv(2048)
                except (socket.timeout, ConnectionRefusedError):
                    continue
                if (len(reply) == RESPONSE_LEN and reply[0] == 2 and
                        struct.unpack_from("<I", reply, 8)[0] == index):
                    answered += 1
                    print(f"# copy {copy + 1}: response, responder index "
                          f"{struct.unpack_from('<I', reply, 4)[0]:08x}")
                else:
                    print(f"# copy {copy + 1}: other reply, {len(reply)} bytes")
            got.append(answered)
    print("responses " + " ".join(str(n) for n in got))
    return 0


def flood_messages(pubkey: bytes, count: int, randbytes=os.urandom) -> list:
    """(message, mac1) pairs, each with its own random sender index.
    randbytes(n) makes the random parts (a seeded one lets a fuzzer,
    tests/fuzz/wire.py, replay its run)."""
    mac1_key = noise_ref.HASH(noise_ref.LABEL_MAC1, pubkey)
    out = []
    for _ in range(count):
        body = noise_ref.header(1) + randbytes(4 + 32 + 48 + 28)
        mac1 = noise_ref.MAC(mac1_key, body)
        out.append((body + mac1 + b"\x00" * 16, mac1))
    return out


def flood_worker(host, port, pubkey, seconds, quota, nsockets, burst, pause,
                 wfd):
    """One sender process; writes its counts to the pipe wfd."""
    fam = family_of(host)
    socks = []
    for _ in range(nsockets):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", 0))
        s.setblocking(False)
        socks.append(s)
    msgs = flood_messages(pubkey, 256)
    mac1_of = {struct.unpack_from("<I", m, 4)[0]: mac1 for m, mac1 in msgs}
    sent = send_errors = replies = other = verified = bad = 0
    mac2_sent = mac2_refused = 0
    probes = set()      # the sender indices of the MAC2 initiations
    first_reply = None

    def send_mac2(s, cookie):
        """One initiation the cookie vouches for, doomed at its ephemeral."""
        nonlocal mac2_sent
        index = os.urandom(4)
        body = noise_ref.header(1) + index + b"\x00" * 32 + os.urandom(48 + 28)
        try:
            s.sendto(noise_ref.add_macs(body, pubkey, cookie), (host, port))
            mac2_sent += 1
            probes.add(struct.unpack("<I", index)[0])
        except OSError:
            pass

    def drain():
        nonlocal replies, other, verified, bad, first_reply, mac2_refused
        for s in socks:
            while True:
                try:
                    r = s.recv(2048)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                if len(r) != COOKIE_REPLY_LEN or r[:4] != noise_ref.header(3):
                    other += 1
                    continue
                idx = struct.unpack_from("<I", r, 4)[0]
                if idx in probes:
                    mac2_refused += 1   # a cookie reply to a MAC2 initiation
                else:
                    replies += 1
                    if first_reply is None:
                        first_reply = time.monotonic() - start
                    # Decrypting is slow in pure Python: check a sample.
                    if verified + bad < 8:
                        try:
                            cookie = noise_ref.Initiator.consume_cookie_reply(
                                r, pubkey, mac1_of[idx])
                            verified += 1
                        except (ValueError, KeyError, AssertionError):
                            bad += 1
                        else:
                            send_mac2(s, cookie)

    start = time.monotonic()
    deadline = start + seconds
    i = 0
    in_burst = 0
    while sent + send_errors < quota and time.monotonic() < deadline:
        if burst and in_burst >= burst:
            # Between bursts the queue drains; the device stays under
            # load for a second after it last saw the queue long.
            pause_end = min(time.monotonic() + pause, deadline)
            while time.monotonic() < pause_end:
                select.select(socks, [], [], 0.05)
                drain()
            in_burst = 0
        in_burst += 64
        for _ in range(64):
            try:
                socks[i % nsockets].sendto(msgs[i % len(msgs)][0], (host, port))
                sent += 1
            except (BlockingIOError, ConnectionRefusedError, OSError):
                send_errors += 1
            i += 1
        drain()
    elapsed = time.monotonic() - start
    # Replies still in flight: the responder's worker may be behind.
    tail_end = time.monotonic() + 2
    while time.monotonic() < tail_end:
        select.select(socks, [], [], 0.2)
        drain()
    os.write(wfd, (f"{sent} {send_errors} {elapsed:.3f} {replies} {other} "
                   f"{verified} {bad} {first_reply if first_reply is not None else -1:.3f} "
                   f"{mac2_sent} {mac2_refused}\n").encode())
    os.close(wfd)


def flood(host, port, pubkey_b64, seconds, total, procs, nsockets, burst,
          pause) -> int:
    pubkey = base64.b64decode(pubkey_b64)
    rfd, wfd = os.pipe()
    pids = []
    for p in range(procs):
        quota = total // procs + (1 if p < total % procs else 0)
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            try:
                flood_worker(host, port, pubkey, seconds, quota, nsockets,
                             burst, pause, wfd)
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(wfd)
    data = b""
    while True:
        chunk = os.read(rfd, 4096)
        if not chunk:
            break
        data += chunk
    for pid in pids:
        os.waitpid(pid, 0)
    rows = [line.split() for line in data.decode().splitlines()]
    sums = {"sent": 0, "send_errors": 0, "replies": 0, "other": 0,
            "verified": 0, "bad": 0, "mac2_sent": 0, "mac2_refused": 0}
    elapsed = 0.0
    first = []
    for r in rows:
        sums["sent"] += int(r[0])
        sums["send_errors"] += int(r[1])
        elapsed = max(elapsed, float(r[2]))
        sums["replies"] += int(r[3])
        sums["other"] += int(r[4])
        sums["verified"] += int(r[5])
        sums["bad"] += int(r[6])
        if float(r[7]) >= 0:
            first.append(float(r[7]))
        sums["mac2_sent"] += int(r[8])
        sums["mac2_refused"] += int(r[9])
    print(f"procs {len(rows)}")
    for k, v in sums.items():
        print(f"{k} {v}")
    print(f"elapsed {elapsed:.2f}")
    print(f"rate {sums['sent'] / elapsed if elapsed else 0:.0f}")
    print(f"first_reply {min(first) if first else -1:.2f}")
    return 0 if len(rows) == procs else 1


def main(argv: list) -> int:
    if len(argv) == 4 and argv[0] == "capture":
        return capture(int(argv[1]), float(argv[2]), argv[3])
    if len(argv) == 6 and argv[0] == "replay":
        return replay(argv[1], int(argv[2]), argv[3], int(argv[4]),
                      float(argv[5]))
    if len(argv) == 10 and argv[0] == "flood":
        return flood(argv[1], int(argv[2]), argv[3], float(argv[4]),
                     int(argv[5]), int(argv[6]), int(argv[7]), int(argv[8]),
                     float(argv[9]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
