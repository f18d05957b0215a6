# SPDX-License-Identifier: GPL-2.0
"""A stand-in for wgtour.ko on the host's loopback, for the wire fuzzer's
host test (tests/host/fuzz_gen.sh, through host_checks.py).

The module cannot run on the host, but wire.py's own logic can: its
handshakes with the device, the sessions it keeps, the datagrams it sends
and what it reports. This plays the device's side with noise_ref.py, just
far enough: it answers initiations from its peers, starts a handshake with
a peer when asked (as a ping would make the module do), confirms sessions
with a keepalive, and counts what arrives: every datagram, the malformed
ones (its own statement of the module's first check, independent of
wire_gen.classify), and the distinct data messages that open under a
session's key.
"""

import os
import select
import socket
import struct
import sys
import threading

SO_RCVBUFFORCE = 33     # <asm-generic/socket.h>; Python does not name it

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import noise_ref as nr  # noqa: E402
from rx_peer import tai64n  # noqa: E402


def module_type(msg: bytes) -> int:
    """module/receive.c, wgt_classify(): the type word (with its three
    reserved bytes) and the length must fit a message; 0 if not."""
    if len(msg) < 4:
        return 0
    t = int.from_bytes(msg[:4], "little")
    if (t, len(msg)) in ((1, 148), (2, 92), (3, 64)) or (t == 4 and len(msg) >= 32):
        return t
    return 0


class FakeDevice(threading.Thread):
    def __init__(self, private: bytes, peers: list, addrs=("127.0.0.1", "::1"), port=0):
        super().__init__(daemon=True)
        self.private = private
        self.public = nr.x25519_public(private)
        self.peers = set(peers)
        self.socks = []
        for fam, addr in zip((socket.AF_INET, socket.AF_INET6), addrs):
            s = socket.socket(fam, socket.SOCK_DGRAM)
            # root on the host: a buffer that holds a whole short run
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
            s.bind((addr, self.socks[0].getsockname()[1] if self.socks else port))
            self.socks.append(s)
        self.port = self.socks[0].getsockname()[1]
        self.received = self.malformed = 0
        self.opened = set()         # (our index, counter) of data that opened
        self.recv_keys = {}         # our index -> receiving key
        self.initiating = {}        # our index -> Initiator
        self.sent_mac1 = {}         # our index -> (peer, mac1 of our initiation)
        self.confirmed = 0          # sessions we started and confirmed
        self.cookies = 0            # cookie replies that opened
        self.stop = threading.Event()

    def initiate(self, peer_public: bytes, endpoint: tuple) -> None:
        """Start a handshake with a peer, as a ping to its inner address
        makes the module do."""
        init = nr.Initiator(self.private, peer_public, nr.ZERO_PSK)
        index = struct.unpack("<I", os.urandom(4))[0]
        self.initiating[index] = init
        msg = init.create_initiation(os.urandom(32), tai64n(), index)
        self.sent_mac1[index] = (peer_public, msg[-32:-16])
        self.socks[0].sendto(msg, endpoint)

    def answer_initiation(self, msg, sock, src):
        responder = nr.Responder(self.private, nr.ZERO_PSK)
        try:
            nr.check_mac1(msg, self.public)
            got = responder.consume_initiation(msg)
        except (ValueError, AssertionError):
            return
        if got["static"] not in self.peers:
            return
        index = struct.unpack("<I", os.urandom(4))[0]
        sock.sendto(responder.create_response(os.urandom(32), index), src)
        self.recv_keys[index] = nr.transport_keys(responder.c)[0]

    def take_response(self, msg, sock, src):
        index = struct.unpack_from("<I", msg, 8)[0]
        init = self.initiating.pop(index, None)
        if init is None:
            return
        try:
            send, recv = init.consume_response(msg)
        except (ValueError, AssertionError):
            return
        self.recv_keys[index] = recv
        their = struct.unpack_from("<I", msg, 4)[0]
        sock.sendto(nr.data_message(their, send, 0, b""), src)
        self.confirmed += 1

    def take_cookie(self, msg):
        index = struct.unpack_from("<I", msg, 4)[0]
        if index in self.sent_mac1:
            try:
                nr.Initiator.consume_cookie_reply(msg, *self.sent_mac1[index])
                self.cookies += 1
            except ValueError:
                pass

    def open_data(self, msg):
        index, counter = struct.unpack_from("<IQ", msg, 4)
        if index in self.recv_keys:
            try:
                nr.AEAD_open(self.recv_keys[index], counter, msg[16:], b"")
                self.opened.add((index, counter))
            except ValueError:
                pass

    def run(self):
        while not self.stop.is_set():
            for sock in select.select(self.socks, [], [], 0.1)[0]:
                msg, src = sock.recvfrom(65535)
                self.received += 1
                t = module_type(msg)
                self.malformed += t == 0
                if t == 1:
                    self.answer_initiation(msg, sock, src)
                elif t == 2:
                    self.take_response(msg, sock, src)
                elif t == 3:
                    self.take_cookie(msg)
                elif t == 4:
                    self.open_data(msg)
