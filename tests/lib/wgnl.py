#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""wgnl: a tiny generic-netlink client for the "wireguard" family.

The wg tool checks what it sends, so it can never hand the kernel a 31-byte
key or a /33 prefix. Tests of the kernel's own checks need a client that
sends exactly what it is told; this is one, in the standard library only.
It is also a walk through generic netlink (chapter 1):

  1. open an AF_NETLINK socket of protocol NETLINK_GENERIC;
  2. ask the controller family ("nlctrl", fixed id GENL_ID_CTRL) for the
     numeric id of the family named "wireguard" (ids are handed out at
     module load, so they must be looked up);
  3. send WG_CMD_SET_DEVICE (or dump WG_CMD_GET_DEVICE) to that id: a
     netlink header, a genetlink header, then type-length-value attributes,
     nested for peers and allowed IPs;
  4. read the acknowledgement: an NLMSG_ERROR message whose error field is
     0 or a negative errno, followed, because we asked for "extended acks",
     by attributes of its own such as a human-readable message (extack).

Usage (the argument grammar mirrors "wg set"):

  wgnl.py set [ifname NAME] [ifindex N] [private-key KEY] [flags N]
              [listen-port N] [fwmark N]
              [peer KEY|- [flags N] [preshared-key KEY] [endpoint IP:PORT]
                          [endpoint-raw HEX] [persistent-keepalive N]
                          [protocol-version N] [allowed-ip IP/CIDR]
                          [allowed-ip-raw FAMILY HEX CIDR]]...
  wgnl.py get [ifname NAME] [ifindex N]
  wgnl.py batch       (one "set ..." or "get ..." a line on stdin)

KEY is base64 (as wg prints keys) or "hex:..." and may have any length;
"peer -" sends a peer without a public key. Nothing is checked here: the
point is to let the kernel do the checking. The last line printed is "OK"
or "ERRNO-NAME: extack message"; the exit status is 0 for OK, 1 for an
error from the kernel, 2 for a usage error. In batch mode a bad line is a
usage error and ends the run.
"""
import base64
import contextlib
import ctypes
import errno
import os
import socket
import struct
import sys

# <linux/netlink.h>
NETLINK_GENERIC = 16
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x2, 0x4, 0x300
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200	# flags of an NLMSG_ERROR reply
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2
NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3fff

# <linux/genetlink.h>: the controller, which maps family names to ids.
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2

# <linux/wireguard.h>
WG_GENL_NAME, WG_GENL_VERSION = b"wireguard", 1
WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE = 0, 1
(WGDEVICE_A_IFINDEX, WGDEVICE_A_IFNAME, WGDEVICE_A_PRIVATE_KEY,
 WGDEVICE_A_PUBLIC_KEY, WGDEVICE_A_FLAGS, WGDEVICE_A_LISTEN_PORT,
 WGDEVICE_A_FWMARK, WGDEVICE_A_PEERS) = range(1, 9)
(WGPEER_A_PUBLIC_KEY, WGPEER_A_PRESHARED_KEY, WGPEER_A_FLAGS,
 WGPEER_A_ENDPOINT, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
 WGPEER_A_LAST_HANDSHAKE_TIME, WGPEER_A_RX_BYTES, WGPEER_A_TX_BYTES,
 WGPEER_A_ALLOWEDIPS, WGPEER_A_PROTOCOL_VERSION) = range(1, 11)
WGALLOWEDIP_A_FAMILY, WGALLOWEDIP_A_IPADDR, WGALLOWEDIP_A_CIDR_MASK = 1, 2, 3


# --- attributes: 4-byte header (length, type), payload, padding to 4 ---

def attr(atype, payload, length=None):
    """One attribute. Its length counts the header but not the padding.

    length: what the header claims instead, for tests of the kernel's
    parser (tests/fuzz/netlink.py); it is sent modulo 2^16, as a builder
    that forgets the field is 16 bits wide would send it.
    """
    if length is None:
        length = 4 + len(payload)
    hdr = struct.pack("=HH", length & 0xffff, atype)
    return hdr + payload + b"\0" * (-len(payload) % 4)


def nest(atype, children):
    """A nested attribute: its payload is more attributes."""
    return attr(atype | NLA_F_NESTED, b"".join(children))


def u8(atype, v):
    return attr(atype, struct.pack("=B", v))


def u16(atype, v):
    return attr(atype, struct.pack("=H", v))


def u32(atype, v):
    return attr(atype, struct.pack("=I", v))


def parse_attrs(data):
    """Split a run of attributes into (type, payload) pairs."""
    out = []
    while len(data) >= 4:
        length, atype = struct.unpack_from("=HH", data)
        if length < 4:
            break
        out.append((atype & NLA_TYPE_MASK, data[4:length]))
        data = data[(length + 3) & ~3:]
    return out


# --- messages: nlmsghdr (16 bytes) + genlmsghdr (4 bytes) + attributes ---

def split_messages(data):
    """The netlink messages of one datagram: [(type, flags, seq, payload)]."""
    out = []
    while len(data) >= 16:
        length, mtype, flags, seq, _ = struct.unpack_from("=IHHII", data)
        if length < 16:
            break
        out.append((mtype, flags, seq, data[16:length]))
        data = data[(length + 3) & ~3:]
    return out


class NetlinkSocket:
    """A netlink socket of any protocol: requests out, answers in."""

    def __init__(self, protocol=NETLINK_GENERIC):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, protocol)
        self.sock.bind((0, 0))		# the kernel picks our port id
        # Extended acks: error replies carry a message and an offset.
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        # Capped acks: an error reply echoes only our header, not the
        # whole request, so the extack attributes follow at a fixed place.
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.seq = 0

    def send_message(self, mtype, payload, flags):
        self.seq += 1
        hdr = struct.pack("=IHHII", 16 + len(payload), mtype,
                          NLM_F_REQUEST | flags, self.seq, 0)
        self.sock.send(hdr + payload)

    def replies(self):
        """Yield (type, flags, payload) until the answer is complete."""
        while True:
            for mtype, flags, _, payload in split_messages(self.sock.recv(1 << 20)):
                yield mtype, flags, payload
                if mtype in (NLMSG_ERROR, NLMSG_DONE) or not flags & NLM_F_MULTI:
                    return

    @staticmethod
    def error_of(flags, payload):
        """(errno, extack message) from an NLMSG_ERROR payload."""
        err = -struct.unpack_from("=i", payload)[0]
        msg = ""
        if flags & NLM_F_ACK_TLVS:
            # struct nlmsgerr: the error, then the header of our request
            # (capped), then the extack attributes.
            for atype, val in parse_attrs(payload[4 + 16:]):
                if atype == NLMSGERR_ATTR_MSG:
                    msg = val.rstrip(b"\0").decode(errors="replace")
        return err, msg

    def exchange(self, mtype, payload, flags):
        """Send one request; return (errno, extack, [reply payloads]).
        A dump ends with DONE, which carries the dump's status."""
        self.send_message(mtype, payload, flags)
        answers = []
        for rtype, rflags, rpayload in self.replies():
            if rtype in (NLMSG_ERROR, NLMSG_DONE):
                err, msg = self.error_of(rflags, rpayload)
                return err, msg, answers
            answers.append(rpayload)
        return 0, "", answers


def genl_payload(cmd, version, attrs):
    """genlmsghdr (command, version, reserved), then the attributes."""
    return struct.pack("=BBH", cmd, version, 0) + b"".join(attrs)


class GenlSocket(NetlinkSocket):
    def send(self, family, cmd, version, attrs, flags):
        self.send_message(family, genl_payload(cmd, version, attrs), flags)

    def resolve(self, name):
        """Ask the controller for the id of a generic-netlink family."""
        self.send(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
                  [attr(CTRL_ATTR_FAMILY_NAME, name + b"\0")], NLM_F_ACK)
        for mtype, flags, payload in self.replies():
            if mtype == NLMSG_ERROR:
                err, msg = self.error_of(flags, payload)
                raise OSError(err, "%s: %s" % (name.decode(), msg or os.strerror(err)))
            family = dict(parse_attrs(payload[4:]))[CTRL_ATTR_FAMILY_ID]
            family = struct.unpack("=H", family)[0]
        # The ack that follows the answer.
        for mtype, flags, payload in self.replies():
            pass
        return family

    def request(self, family, cmd, attrs, dump=False):
        """Send one request; return (errno, extack, [reply payloads]), the
        replies without their genetlink header."""
        err, msg, answers = self.exchange(family, genl_payload(cmd, WG_GENL_VERSION, attrs),
                                          NLM_F_DUMP if dump else NLM_F_ACK)
        return err, msg, [a[4:] for a in answers]


# --- namespaces: a netlink socket belongs to its creator's network namespace ---

CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def _libc_call(name, *args):
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "%s: %s" % (name, os.strerror(e)))


def unshare(flags):
    """unshare(2): this thread into new namespaces (CLONE_NEW*)."""
    _libc_call("unshare", flags)


def setns(fd, nstype=CLONE_NEWNET):
    """setns(2): this thread into the namespace fd refers to
    (/run/netns/NAME, /proc/self/ns/net, ...)."""
    _libc_call("setns", fd, nstype)


@contextlib.contextmanager
def in_netns(fd=None):
    """with in_netns(fd): this thread in fd's network namespace (None: a
    new one, made by unshare()), and back in its own afterwards; the
    sockets made inside stay in that namespace."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        if fd is None:
            unshare(CLONE_NEWNET)
        else:
            setns(fd)
        yield
    finally:
        setns(home)
        os.close(home)


# --- the command line: words in, attributes out ---

def key(text):
    if text.startswith("hex:"):
        return bytes.fromhex(text[4:])
    return base64.b64decode(text)


def sockaddr(text):
    """IP:PORT or [IPv6]:PORT as struct sockaddr_in or sockaddr_in6."""
    host, port = text.rsplit(":", 1)
    if host.startswith("["):
        addr = socket.inet_pton(socket.AF_INET6, host[1:-1])
        return struct.pack("=H", socket.AF_INET6) + struct.pack(">HI", int(port), 0) \
            + addr + struct.pack("=I", 0)
    addr = socket.inet_pton(socket.AF_INET, host)
    return struct.pack("=H", socket.AF_INET) + struct.pack(">H", int(port)) \
        + addr + b"\0" * 8


def allowed_ip(family, addr, cidr):
    return nest(0, [u16(WGALLOWEDIP_A_FAMILY, family),
                    attr(WGALLOWEDIP_A_IPADDR, addr),
                    u8(WGALLOWEDIP_A_CIDR_MASK, cidr)])


def parse_words(words):
    """Build the device attributes from wg-set-like words."""
    device, peers = [], []
    peer = ips = None
    words = list(words)

    def take():
        if not words:
            raise ValueError("missing value")
        return words.pop(0)

    def finish_peer():
        if peer is not None:
            peers.append(nest(0, peer + ([nest(WGPEER_A_ALLOWEDIPS, ips)] if ips else [])))

    while words:
        w = take()
        if w == "peer":
            finish_peer()
            k = take()
            peer, ips = ([] if k == "-" else [attr(WGPEER_A_PUBLIC_KEY, key(k))]), []
        elif peer is None and w == "ifname":
            device.append(attr(WGDEVICE_A_IFNAME, take().encode() + b"\0"))
        elif peer is None and w == "ifindex":
            device.append(u32(WGDEVICE_A_IFINDEX, int(take(), 0)))
        elif peer is None and w == "private-key":
            device.append(attr(WGDEVICE_A_PRIVATE_KEY, key(take())))
        elif peer is None and w == "flags":
            device.append(u32(WGDEVICE_A_FLAGS, int(take(), 0)))
        elif peer is None and w == "listen-port":
            device.append(u16(WGDEVICE_A_LISTEN_PORT, int(take(), 0)))
        elif peer is None and w == "fwmark":
            device.append(u32(WGDEVICE_A_FWMARK, int(take(), 0)))
        elif peer is not None and w == "flags":
            peer.append(u32(WGPEER_A_FLAGS, int(take(), 0)))
        elif peer is not None and w == "preshared-key":
            peer.append(attr(WGPEER_A_PRESHARED_KEY, key(take())))
        elif peer is not None and w == "endpoint":
            peer.append(attr(WGPEER_A_ENDPOINT, sockaddr(take())))
        elif peer is not None and w == "endpoint-raw":
            peer.append(attr(WGPEER_A_ENDPOINT, bytes.fromhex(take())))
        elif peer is not None and w == "persistent-keepalive":
            peer.append(u16(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, int(take(), 0)))
        elif peer is not None and w == "protocol-version":
            peer.append(u32(WGPEER_A_PROTOCOL_VERSION, int(take(), 0)))
        elif peer is not None and w == "allowed-ip":
            # No range check on the prefix length: /33 goes out as 33.
            ip, cidr = take().split("/")
            fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
            ips.append(allowed_ip(fam, socket.inet_pton(fam, ip), int(cidr)))
        elif peer is not None and w == "allowed-ip-raw":
            fam, addr, cidr = int(take(), 0), bytes.fromhex(take()), int(take(), 0)
            ips.append(allowed_ip(fam, addr, cidr))
        else:
            raise ValueError("unknown word %r" % w)
    finish_peer()
    if peers:
        device.append(nest(WGDEVICE_A_PEERS, peers))
    return device


def read_device(payloads):
    """A GET dump's messages as one device, for programs that compare
    configurations: a dict of the device's own attributes (type -> raw
    payload) with "peers", a list in the kernel's order of dicts of each
    peer's attributes with "allowedips", a list of (family, address, cidr)
    raw payloads. A peer cut across two messages (the next one repeats its
    public key and carries the rest of its allowed IPs) comes back whole;
    two peers with one key inside a message stay two, so a checker sees
    them."""
    device, peers = {}, []
    for payload in payloads:
        first = True
        for atype, val in parse_attrs(payload):
            if atype != WGDEVICE_A_PEERS:
                device[atype] = val
                continue
            for _, peer_attrs in parse_attrs(val):
                peer, ips = {}, []
                for ptype, pval in parse_attrs(peer_attrs):
                    if ptype == WGPEER_A_ALLOWEDIPS:
                        for _, ip in parse_attrs(pval):
                            d = dict(parse_attrs(ip))
                            ips.append((d.get(WGALLOWEDIP_A_FAMILY),
                                        d.get(WGALLOWEDIP_A_IPADDR),
                                        d.get(WGALLOWEDIP_A_CIDR_MASK)))
                    else:
                        peer[ptype] = pval
                key = peer.get(WGPEER_A_PUBLIC_KEY)
                if first and peers and key == peers[-1].get(WGPEER_A_PUBLIC_KEY):
                    peers[-1]["allowedips"] += ips
                else:
                    peer["allowedips"] = ips
                    peers.append(peer)
                first = False
    device["peers"] = peers
    return device


def show(payloads):
    """Print what a dump returned, one attribute a line (types as numbers)."""
    def is_nest(atype, depth):
        # device > PEERS > peer > ALLOWEDIPS > allowed IP > leaves
        return (depth, atype) in ((0, WGDEVICE_A_PEERS), (2, WGPEER_A_ALLOWEDIPS)) \
            or depth in (1, 3)

    def walk(data, depth):
        for atype, val in parse_attrs(data):
            nested = is_nest(atype, depth)
            print("  " * depth + "%d: %s" % (atype, "" if nested else val.hex()))
            if nested:
                walk(val, depth + 1)
    for p in payloads:
        print("message")
        walk(p, 0)


def errname(err):
    """EOPNOTSUPP rather than its alias ENOTSUP: the name the kernel uses."""
    if err == errno.EOPNOTSUPP:
        return "EOPNOTSUPP"
    return errno.errorcode.get(err, str(err))


def run(nl, words, verbose):
    """One "set ..." or "get ..." request; returns the answer line."""
    if not words or words[0] not in ("set", "get"):
        raise ValueError("a request starts with set or get")
    attrs = parse_words(words[1:])
    try:
        family = nl.resolve(WG_GENL_NAME)
        if words[0] == "set":
            err, msg, _ = nl.request(family, WG_CMD_SET_DEVICE, attrs)
        else:
            err, msg, answers = nl.request(family, WG_CMD_GET_DEVICE, attrs, dump=True)
            if not err and verbose:
                show(answers)
    except OSError as e:
        err, msg = e.errno, e.strerror
    return "OK" if err == 0 else "%s: %s" % (errname(err), msg)


def main(argv):
    nl = GenlSocket()
    try:
        if argv[1:2] == ["batch"]:
            # One request a line on stdin, one answer line each: a test can
            # send many requests without starting Python each time (slow
            # under emulation).
            for line in sys.stdin:
                print(run(nl, line.split(), False), flush=True)
            return 0
        answer = run(nl, argv[1:], True)
    except ValueError as e:
        print("usage error: %s\n%s" % (e, __doc__), file=sys.stderr)
        return 2
    print(answer)
    return 0 if answer == "OK" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
