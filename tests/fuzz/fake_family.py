# SPDX-License-Identifier: GPL-2.0
"""A stand-in for the "wireguard" generic-netlink family on the host, for
the netlink fuzzer's host test (netlink_checks.py).

The module cannot run on the host, and the fuzzer's session logic
(netlink_session.py) must run somewhere before the lab VM: this answers
its socket as module/netlink.c does, far enough for that. A FakeSocket
takes requests in send() and queues the answers for recv(), and makes a
dump's next part when the one before is read, as the kernel does; the
attribute rules are the liberal ones of the family's two commands (the
last of a repeated attribute counts, unknown ones are ignored, a length
that runs past the end ends the list). A SET is checked whole before
anything changes, as the module does; with partial=True it applies each
peer as it goes instead, a doctored family whose failed requests leave
changes behind, which the fuzzer must catch.
"""

import errno
import struct

import netlink_gen as ng
import wgnl

FAMILY = 0x20
PEERS_PER_PART = 20


# type -> (minimum length, exact length or None): the policies of netlink.c
DEVICE = {1: (4, None), 2: (1, None), 3: (32, 32), 4: (32, 32), 5: (4, None),
          6: (2, None), 7: (4, None), 8: (0, None)}
PEER = {1: (32, 32), 2: (32, 32), 3: (4, None), 4: (16, None), 5: (2, None),
        6: (16, 16), 7: (8, None), 8: (8, None), 9: (0, None), 10: (4, None)}
ALLOWEDIP = {1: (2, None), 2: (4, None), 3: (1, None)}


class Invalid(Exception):
    def __init__(self, err):
        self.err = err


def parse(data: bytes, policy: dict) -> dict:
    """The last of each known attribute, checked against the policy."""
    out = {}
    for atype, val in ng.nla_walk(data):
        if atype in policy:
            low, exact = policy[atype]
            if len(val) < low or (exact and len(val) != exact):
                raise Invalid(errno.ERANGE)
            if policy[atype] == (0, None) and 0 < len(val) < 4:
                raise Invalid(errno.EINVAL)
            out[atype] = val
    return out


def u(val: bytes, size=4) -> int:
    """nla_get_u8/16/32(): the first size bytes, whatever the length."""
    return int.from_bytes(val[:size], "little")


class Device:
    def __init__(self, name, ifindex, up):
        self.name, self.ifindex, self.up = name, ifindex, up
        self.private, self.port, self.fwmark = None, 0, 0
        self.peers = {}             # public key -> dict, in insertion order
        self.gen = 1


class FakeFamily:
    def __init__(self, devices: dict, partial=False):
        """devices: name -> (ifindex, up); "lo" is there too, not ours."""
        self.devices = {n: Device(n, i, up) for n, (i, up) in devices.items()}
        self.partial = partial

    def lookup(self, a: dict) -> Device:
        if (1 in a) == (2 in a):
            raise Invalid(errno.EBADR)
        if 1 in a:
            dev = next((d for d in self.devices.values() if d.ifindex == u(a[1])), None)
            if dev is None and u(a[1]) == 1:
                raise Invalid(errno.EOPNOTSUPP)
        else:
            name = a[2].split(b"\0")[0].decode(errors="replace")
            if name == "lo":
                raise Invalid(errno.EOPNOTSUPP)
            dev = self.devices.get(name)
        if dev is None:
            raise Invalid(errno.ENODEV)
        return dev

    def check_peer(self, val: bytes) -> dict:
        p = parse(val, PEER)
        if 1 not in p:
            raise Invalid(errno.EINVAL)
        if 3 in p and u(p[3]) & ~7:
            raise Invalid(errno.EOPNOTSUPP)
        if 10 in p and u(p[10]) != 1:
            raise Invalid(errno.EPFNOSUPPORT)
        if 4 in p and not ((p[4][:2] == b"\2\0" and len(p[4]) >= 16) or
                           (p[4][:2] == b"\n\0" and len(p[4]) >= 28)):
            raise Invalid(errno.EINVAL)
        p["ips"] = []
        for _, ip in ng.nla_walk(p.get(9, b"")):
            a = parse(ip, ALLOWEDIP)
            if len(a) != 3:
                raise Invalid(errno.EINVAL)
            fam, addr, cidr = u(a[1], 2), a[2], a[3][0]
            bits = {(2, 4): 32, (10, 16): 128}.get((fam, len(addr)))
            if bits is None or cidr > bits:
                raise Invalid(errno.EINVAL)
            key = int.from_bytes(addr, "big") >> (bits - cidr) << (bits - cidr) if cidr else 0
            p["ips"].append((fam, key.to_bytes(len(addr), "big"), cidr))
        return p

    def apply_peer(self, dev: Device, p: dict) -> None:
        key, flags = p[1], u(p.get(3, b"\0\0\0\0"))
        if dev.private and key == ng.public_of(dev.private):
            return
        peer = dev.peers.get(key)
        if peer is None:
            if flags & 5:
                return
            peer = dev.peers[key] = {"psk": bytes(32), "endpoint": None, "ka": 0, "ips": []}
        if flags & 1:
            del dev.peers[key]
            return
        if 2 in p:
            peer["psk"] = p[2]
        if 4 in p:
            peer["endpoint"] = p[4][:16] if p[4][:2] == b"\2\0" else p[4][:28]
        if flags & 2:
            peer["ips"] = []
        for ip in p["ips"]:
            for other in dev.peers.values():
                if ip in other["ips"]:
                    other["ips"].remove(ip)
            peer["ips"].append(ip)
        if 5 in p:
            peer["ka"] = u(p[5], 2)

    def set_device(self, body: bytes) -> int:
        a = parse(body, DEVICE)
        dev = self.lookup(a)
        if 5 in a and u(a[5]) & ~1:
            raise Invalid(errno.EOPNOTSUPP)
        peers = []
        for _, val in ng.nla_walk(a.get(8, b"")):
            if self.partial:        # the doctored family: apply as it goes
                self.apply_peer(dev, self.check_peer(val))
            else:
                peers.append(self.check_peer(val))
        if 6 in a:
            port = u(a[6], 2)
            if port and port != dev.port and dev.up and any(
                    d.up and d.port == port for d in self.devices.values() if d is not dev):
                raise Invalid(errno.EADDRINUSE)
            # port 0 on a device that is up: the kernel picks one
            dev.port = port or (30000 + dev.ifindex if dev.up else 0)
        if 7 in a:
            dev.fwmark = u(a[7])
        if 5 in a and u(a[5]) & 1:
            dev.peers = {}
        if 3 in a:
            dev.private = None if a[3] == bytes(32) else a[3]
            if dev.private:
                dev.peers.pop(ng.public_of(dev.private), None)
        for p in peers:
            self.apply_peer(dev, p)
        dev.gen += 1
        return 0

    def dump_parts(self, dev: Device) -> list:
        """The messages of a dump: the device, then its peers, a few a part."""
        head = [wgnl.u16(6, dev.port), wgnl.u32(7, dev.fwmark), wgnl.u32(1, dev.ifindex),
                wgnl.attr(2, dev.name.encode() + b"\0")]
        if dev.private:
            head += [wgnl.attr(3, dev.private), wgnl.attr(4, ng.public_of(dev.private))]
        keys = list(dev.peers)
        parts = [head]
        for i in range(0, len(keys), PEERS_PER_PART):
            nests = []
            for k in keys[i:i + PEERS_PER_PART]:
                p = dev.peers[k]
                fields = [wgnl.attr(1, k), wgnl.attr(2, p["psk"]), wgnl.attr(6, bytes(16)),
                          wgnl.u16(5, p["ka"]), wgnl.attr(8, bytes(8)), wgnl.attr(7, bytes(8)),
                          wgnl.u32(10, 1)]
                if p["endpoint"]:
                    fields.append(wgnl.attr(4, p["endpoint"]))
                if p["ips"]:
                    fields.append(wgnl.nest(9, [wgnl.allowed_ip(*ip) for ip in p["ips"]]))
                nests.append(wgnl.nest(0, fields))
            parts.append([wgnl.nest(8, nests)])
        return [b"".join(p) for p in parts]


def message(mtype, flags, seq, payload) -> bytes:
    return struct.pack("=IHHII", 16 + len(payload), mtype, flags, seq, 0) + payload


class FakeSocket:
    """What Session's socket does with the family above."""

    def __init__(self, family: FakeFamily):
        self.family = family
        self.queue = []
        self.dump = None        # (device, parts left, seq, generation seen)

    def answer(self, seq, err, hdr):
        self.queue.append(message(wgnl.NLMSG_ERROR, 0x100, seq,
                                  struct.pack("=i", -err) + hdr[:16]))

    def send(self, data: bytes) -> int:
        if not data:
            raise OSError(errno.ENODATA, "empty")
        if len(data) < 16:
            return len(data)
        claim, _, flags, seq = struct.unpack_from("=IHHI", data)
        if claim < 16 or claim > len(data):
            return len(data)
        if not flags & ng.NLM_F_REQUEST:
            if flags & ng.NLM_F_ACK:
                self.answer(seq, 0, data)
            return len(data)
        try:
            err = self.request(data[:claim], flags, seq)
        except Invalid as e:
            err = e.err
        if err or (err == 0 and flags & ng.NLM_F_ACK):
            self.answer(seq, err, data)
        return len(data)

    def request(self, data, flags, seq):
        """None for a dump begun, else an errno (0: done)."""
        if len(data) < 20:
            return errno.EINVAL
        cmd, _, reserved = struct.unpack_from("=BBH", data, 16)
        dump = (flags & ng.NLM_F_DUMP) == ng.NLM_F_DUMP
        if cmd > 1:
            left = flags & ~ng.NLM_F_DUMP if dump else flags
            return errno.EINVAL if reserved or left & ~0xd else errno.EOPNOTSUPP
        if cmd == 1:
            return errno.EOPNOTSUPP if dump else self.family.set_device(data[20:])
        if not dump:
            return errno.EOPNOTSUPP
        dev = self.family.lookup(parse(data[20:], DEVICE))
        self.dump = [dev, self.family.dump_parts(dev), seq, dev.gen]
        self.next_part()
        return None

    def next_part(self):
        dev, parts, seq, gen = self.dump
        flags = 2 | (ng.NLM_F_DUMP_INTR if dev.gen != gen else 0)
        if parts:
            self.queue.append(message(FAMILY, flags, seq, b"\0\1\0\0" + parts.pop(0)))
            self.dump[3] = dev.gen
        else:
            self.queue.append(message(wgnl.NLMSG_DONE, 2, seq, struct.pack("=i", 0)))
            self.dump = None

    def recv(self, n, flags=0):
        if not self.queue:
            raise BlockingIOError(errno.EAGAIN, "nothing queued")
        data = self.queue.pop(0)
        if not self.queue and self.dump:
            self.next_part()
        return data

    def close(self):
        self.dump = None

    def settimeout(self, t):
        pass


def sockets_on(family: FakeFamily):
    """A wgnl.GenlSocket class whose sockets reach the fake family."""
    class FakeGenlSocket(wgnl.GenlSocket):
        def __init__(self):
            self.sock = FakeSocket(family)
            self.seq = 0

        def resolve(self, name):
            return FAMILY
    return FakeGenlSocket

