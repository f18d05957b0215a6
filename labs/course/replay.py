#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Replay WireGuard data messages, as an attacker on the path would.

usage: labs/course/replay.py IFACE DPORT COUNT READY_FILE [SECONDS]

Run inside a network namespace of the lab VM (ip netns exec ...). Watches
IFACE for the first COUNT outgoing IPv4 UDP datagrams to port DPORT that
are WireGuard data messages with a payload (type 4, longer than the 32
bytes of a keepalive), then sends each again, byte for byte, from a plain
UDP socket to the same address and port. The receiver must refuse every
copy: its counter was seen (labs/course/scenario-rx-replay.sh traces it).
Touches READY_FILE once it is watching, so the caller can start the
traffic; gives up after SECONDS (default 60). Prints what it replayed;
exits 1 when it saw fewer than COUNT messages.
"""
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
KEEPALIVE_LEN = 32


def data_message(frame, dport):
    """(destination address, UDP payload) of a WireGuard data message with
    a payload in an Ethernet frame, or None."""
    if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    if ip[9] != socket.IPPROTO_UDP or len(ip) < ihl + 8:
        return None
    udp = ip[ihl:]
    if struct.unpack("!H", udp[2:4])[0] != dport:
        return None
    payload = udp[8:struct.unpack("!H", udp[4:6])[0]]
    if payload[:4] != b"\x04\x00\x00\x00" or len(payload) <= KEEPALIVE_LEN:
        return None
    return socket.inet_ntoa(ip[16:20]), payload


def main(argv):
    iface, dport, count, ready = argv[0], int(argv[1]), int(argv[2]), argv[3]
    seconds = float(argv[4]) if len(argv) > 4 else 60
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    raw.bind((iface, 0))
    raw.settimeout(1)
    with open(ready, "w"):
        pass
    seen, deadline = [], time.monotonic() + seconds
    while len(seen) < count and time.monotonic() < deadline:
        try:
            frame, addr = raw.recvfrom(65535)
        except socket.timeout:
            continue
        msg = data_message(frame, dport) if addr[2] == PACKET_OUTGOING else None
        if msg:
            seen.append(msg)
    raw.close()
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for daddr, payload in seen:
        counter = struct.unpack("<Q", payload[8:16])[0]
        out.sendto(payload, (daddr, dport))
        print("replayed to %s:%d: a data message of %d bytes, counter %d"
              % (daddr, dport, len(payload), counter))
        time.sleep(0.1)
    if len(seen) < count:
        print("replay.py: saw %d of %d data messages on %s" % (len(seen), count, iface),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
