#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""An independent reference for the WireGuard handshake, in plain Python.

wgtour's kernel module builds its handshake messages with the kernel's crypto
library. This file builds the same messages from nothing but the RFCs, the
WireGuard paper and Python's standard library, so the two can be compared
byte for byte (tests/vm/handshake_vectors.sh does that; chapter 3 explains
the handshake itself). It is written to be read next to module/noise.c and
module/cookie.c, not to be fast, and certainly not to be used on a network:
nothing here is constant-time.

    X25519                  RFC 7748 (clamping, Montgomery ladder)
    ChaCha20, Poly1305      RFC 8439
    ChaCha20-Poly1305 AEAD  RFC 8439 section 2.8
    XChaCha20-Poly1305      draft-irtf-cfrg-xchacha (HChaCha20 subkey)
    BLAKE2s                 hashlib.blake2s (RFC 7693), used as HASH and MAC
    HMAC-BLAKE2s, KDF1..3   RFC 2104 over BLAKE2s-256; HKDF (RFC 5869) shape
    the handshake           Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, as in the
                            WireGuard paper, section 5.4

usage:
    noise_ref.py --selftest   check every primitive against published vectors,
                              then run a whole handshake both ways (TAP output)
    noise_ref.py vectors      print the messages the module's self-test makes
                              from the same fixed inputs, one "vector" line each
    noise_ref.py initiate HOST PORT
                              play the initiator against a live WireGuard
                              responder (a real interop check; see initiate())
    noise_ref.py keys DIR NAME...
                              a key pair per NAME, as "wg genkey" and "wg
                              pubkey" make them, in DIR/kNAME (mode 0600) and
                              DIR/pNAME, and "NAME PUBLIC" on stdout: the
                              tests' keys (tests/lib/topo.sh, wgt_keys)
"""

import base64
import hashlib
import hmac
import os
import socket
import struct
import sys

# ---------------------------------------------------------------------------
# X25519 (RFC 7748, section 5)
#
# Curve25519 in Montgomery form: v^2 = u^3 + A*u^2 + u over the field of
# integers modulo p = 2^255 - 19. X25519 only ever needs the u-coordinate,
# and the Montgomery ladder computes k*u from u alone.
# ---------------------------------------------------------------------------

P25519 = 2**255 - 19
A24 = 121665            # (A - 2) / 4 with A = 486662, used by the ladder
BASE_POINT_U = 9        # the u-coordinate of the curve's base point


def clamp_scalar(k: bytes) -> int:
    """Turn 32 random bytes into an X25519 scalar (RFC 7748, decodeScalar25519).

    Clearing the low three bits makes the scalar a multiple of the cofactor 8,
    so small-subgroup points give nothing away; setting bit 254 and clearing
    bit 255 fixes the position of the top bit, so the ladder always runs the
    same number of steps.
    """
    b = bytearray(k)
    b[0] &= 248
    b[31] &= 127
    b[31] |= 64
    return int.from_bytes(b, "little")


def decode_u(u: bytes) -> int:
    """Read a u-coordinate: little-endian, the top bit ignored (RFC 7748)."""
    b = bytearray(u)
    b[31] &= 127
    return int.from_bytes(b, "little")


def x25519(k: bytes, u: bytes) -> bytes:
    """Scalar multiplication k * u on Curve25519, as 32 bytes.

    This is RFC 7748's ladder step for step: (x2, z2) holds n*u and (x3, z3)
    holds (n+1)*u in projective coordinates; every bit of k doubles one and
    adds the two, and `swap` picks which is which without branching on k in
    the C versions (here a plain Python swap, which is not constant-time).
    """
    scalar = clamp_scalar(k)
    x1 = decode_u(u)
    x2, z2 = 1, 0
    x3, z3 = x1, 1
    swap = 0
    for t in reversed(range(255)):
        bit = (scalar >> t) & 1
        swap ^= bit
        if swap:
            x2, x3 = x3, x2
            z2, z3 = z3, z2
        swap = bit

        a = (x2 + z2) % P25519
        aa = a * a % P25519
        b = (x2 - z2) % P25519
        bb = b * b % P25519
        e = (aa - bb) % P25519
        c = (x3 + z3) % P25519
        d = (x3 - z3) % P25519
        da = d * a % P25519
        cb = c * b % P25519
        x3 = (da + cb) ** 2 % P25519
        z3 = x1 * (da - cb) ** 2 % P25519
        x2 = aa * bb % P25519
        z2 = e * (aa + A24 * e) % P25519
    if swap:
        x2, x3 = x3, x2
        z2, z3 = z3, z2
    # Back to affine: x2 / z2, with the inverse by Fermat (z^(p-2)).
    return (x2 * pow(z2, P25519 - 2, P25519) % P25519).to_bytes(32, "little")


def x25519_public(private: bytes) -> bytes:
    """The public key of a private key: private * base point."""
    return x25519(private, BASE_POINT_U.to_bytes(32, "little"))


def private_key() -> bytes:
    """A new private key, as "wg genkey" makes one: 32 random bytes,
    clamped (the clamping is redone by every X25519; storing the key
    clamped is wg's habit, kept so the files look the same)."""
    return clamp_scalar(os.urandom(32)).to_bytes(32, "little")


# ---------------------------------------------------------------------------
# ChaCha20 (RFC 8439, section 2.1-2.4)
# ---------------------------------------------------------------------------

MASK32 = 0xffffffff
# "expand 32-byte k", the four constant words that start every block.
CHACHA_CONSTANTS = struct.unpack("<4I", b"expand 32-byte k")


def rotl32(v: int, n: int) -> int:
    return ((v << n) | (v >> (32 - n))) & MASK32


def quarter_round(s: list, a: int, b: int, c: int, d: int) -> None:
    """RFC 8439 section 2.1: add, xor, rotate on four of the 16 words."""
    s[a] = (s[a] + s[b]) & MASK32
    s[d] = rotl32(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & MASK32
    s[b] = rotl32(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & MASK32
    s[d] = rotl32(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & MASK32
    s[b] = rotl32(s[b] ^ s[c], 7)


def chacha_rounds(state: list) -> list:
    """The 20 rounds: ten times a column round then a diagonal round."""
    s = list(state)
    for _ in range(10):
        quarter_round(s, 0, 4, 8, 12)
        quarter_round(s, 1, 5, 9, 13)
        quarter_round(s, 2, 6, 10, 14)
        quarter_round(s, 3, 7, 11, 15)
        quarter_round(s, 0, 5, 10, 15)
        quarter_round(s, 1, 6, 11, 12)
        quarter_round(s, 2, 7, 8, 13)
        quarter_round(s, 3, 4, 9, 14)
    return s


def chacha20_block(key: bytes, counter: int, nonce: bytes) -> bytes:
    """One 64-byte keystream block (RFC 8439 section 2.3).

    The state is constants | 8 key words | 32-bit block counter | 3 nonce
    words; the rounds' output is added back to the input state.
    """
    state = (list(CHACHA_CONSTANTS) + list(struct.unpack("<8I", key)) +
             [counter] + list(struct.unpack("<3I", nonce)))
    mixed = chacha_rounds(state)
    return struct.pack("<16I", *((m + s) & MASK32 for m, s in zip(mixed, state)))


def chacha20_xor(key: bytes, counter: int, nonce: bytes, data: bytes) -> bytes:
    """Encrypt (or decrypt: it is the same) data with the keystream."""
    out = bytearray()
    for i in range(0, len(data), 64):
        block = chacha20_block(key, counter + i // 64, nonce)
        out += bytes(x ^ y for x, y in zip(data[i:i + 64], block))
    return bytes(out)


def hchacha20(key: bytes, nonce16: bytes) -> bytes:
    """HChaCha20 (draft-irtf-cfrg-xchacha, section 2.2): a 32-byte subkey.

    The state is set up like a block with the 16 nonce bytes where counter
    and nonce go; the 20 rounds run, and the first and last rows of the
    result (words 0-3 and 12-15) are the subkey, *without* the final
    addition of the input that a keystream block has.
    """
    state = (list(CHACHA_CONSTANTS) + list(struct.unpack("<8I", key)) +
             list(struct.unpack("<4I", nonce16)))
    s = chacha_rounds(state)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


# ---------------------------------------------------------------------------
# Poly1305 and the AEADs (RFC 8439, sections 2.5 and 2.8)
# ---------------------------------------------------------------------------

P1305 = 2**130 - 5


def poly1305(key: bytes, msg: bytes) -> bytes:
    """The one-time authenticator: a polynomial in r evaluated mod 2^130-5.

    key is r (clamped: some bits forced to zero) then s. Each 16-byte chunk
    of the message, with a 1 byte appended, is one coefficient.
    """
    r = int.from_bytes(key[:16], "little") & 0x0ffffffc0ffffffc0ffffffc0fffffff
    s = int.from_bytes(key[16:32], "little")
    acc = 0
    for i in range(0, len(msg), 16):
        n = int.from_bytes(msg[i:i + 16] + b"\x01", "little")
        acc = (acc + n) * r % P1305
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def pad16(data: bytes) -> bytes:
    return b"\x00" * (-len(data) % 16)


def chacha20poly1305_tag(key: bytes, nonce: bytes, ad: bytes, ct: bytes) -> bytes:
    """The tag of RFC 8439 section 2.8: Poly1305 over ad and ciphertext.

    The Poly1305 key is the first half of keystream block 0; the message
    is ad | pad | ciphertext | pad | len(ad) | len(ciphertext), lengths as
    64-bit little-endian.
    """
    otk = chacha20_block(key, 0, nonce)[:32]
    mac_data = (ad + pad16(ad) + ct + pad16(ct) +
                struct.pack("<QQ", len(ad), len(ct)))
    return poly1305(otk, mac_data)


def chacha20poly1305_encrypt(key: bytes, nonce: bytes, plaintext: bytes,
                             ad: bytes) -> bytes:
    """AEAD encryption: ciphertext (keystream from block 1 on) then tag."""
    ct = chacha20_xor(key, 1, nonce, plaintext)
    return ct + chacha20poly1305_tag(key, nonce, ad, ct)


def chacha20poly1305_decrypt(key: bytes, nonce: bytes, sealed: bytes,
                             ad: bytes) -> bytes:
    """AEAD decryption; raises ValueError when the tag does not match."""
    ct, tag = sealed[:-16], sealed[-16:]
    if not hmac.compare_digest(tag, chacha20poly1305_tag(key, nonce, ad, ct)):
        raise ValueError("ChaCha20-Poly1305: authentication failed")
    return chacha20_xor(key, 1, nonce, ct)


def xchacha_split(key: bytes, nonce24: bytes) -> tuple:
    """XChaCha20: derive a subkey from the first 16 nonce bytes; the last 8
    become an ordinary 12-byte nonce behind four zero bytes."""
    return hchacha20(key, nonce24[:16]), b"\x00" * 4 + nonce24[16:]


def xchacha20poly1305_encrypt(key: bytes, nonce24: bytes, plaintext: bytes,
                              ad: bytes) -> bytes:
    subkey, nonce = xchacha_split(key, nonce24)
    return chacha20poly1305_encrypt(subkey, nonce, plaintext, ad)


def xchacha20poly1305_decrypt(key: bytes, nonce24: bytes, sealed: bytes,
                              ad: bytes) -> bytes:
    subkey, nonce = xchacha_split(key, nonce24)
    return chacha20poly1305_decrypt(subkey, nonce, sealed, ad)


# ---------------------------------------------------------------------------
# BLAKE2s: HASH, MAC, HMAC and the KDF (WireGuard paper, section 5.4)
# ---------------------------------------------------------------------------

def HASH(*parts: bytes) -> bytes:
    """HASH(input): BLAKE2s with a 32-byte digest, no key."""
    return hashlib.blake2s(b"".join(parts), digest_size=32).digest()


def MAC(key: bytes, data: bytes) -> bytes:
    """MAC(key, input): keyed BLAKE2s with a 16-byte digest (mac1, mac2,
    cookies). BLAKE2s takes the key itself; this is not HMAC."""
    return hashlib.blake2s(data, key=key, digest_size=16).digest()


def HMAC(key: bytes, data: bytes) -> bytes:
    """HMAC-BLAKE2s-256 (RFC 2104) written out: BLAKE2s's block is 64 bytes.

    H((K ^ opad) | H((K ^ ipad) | data)), the key padded with zeros to one
    block (a key longer than a block would be hashed first; ours never are).
    """
    if len(key) > 64:
        key = HASH(key)
    key = key.ljust(64, b"\x00")
    inner = HASH(bytes(b ^ 0x36 for b in key), data)
    return HASH(bytes(b ^ 0x5c for b in key), inner)


def KDF(n: int, chaining_key: bytes, data: bytes) -> list:
    """KDF_n(C, input): n 32-byte outputs, HKDF-style.

    t0 = HMAC(C, input) extracts a pseudo-random key; then each output is
    t_i = HMAC(t0, t_(i-1) | i), with t_0's place taken by nothing for i = 1.
    """
    t0 = HMAC(chaining_key, data)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = HMAC(t0, prev + bytes([i]))
        out.append(prev)
    return out


def KDF1(c: bytes, data: bytes) -> bytes:
    return KDF(1, c, data)[0]


def KDF2(c: bytes, data: bytes) -> tuple:
    return tuple(KDF(2, c, data))


def KDF3(c: bytes, data: bytes) -> tuple:
    return tuple(KDF(3, c, data))


def AEAD(key: bytes, counter: int, plaintext: bytes, ad: bytes) -> bytes:
    """WireGuard's AEAD: ChaCha20-Poly1305 with the 96-bit nonce made of four
    zero bytes and the 64-bit counter, little-endian. The handshake always
    uses counter 0: each key it derives encrypts exactly one thing."""
    nonce = b"\x00" * 4 + struct.pack("<Q", counter)
    return chacha20poly1305_encrypt(key, nonce, plaintext, ad)


def AEAD_open(key: bytes, counter: int, sealed: bytes, ad: bytes) -> bytes:
    nonce = b"\x00" * 4 + struct.pack("<Q", counter)
    return chacha20poly1305_decrypt(key, nonce, sealed, ad)


# ---------------------------------------------------------------------------
# The WireGuard handshake (paper section 5.4; module/noise.c, chapter 3)
#
#   Noise IKpsk2:   <- s
#                   ...
#                   -> e, es, s, ss        (handshake initiation, 148 bytes)
#                   <- e, ee, se, psk      (handshake response, 92 bytes)
#
# Both sides carry two values through the messages: the chaining key C,
# which every Diffie-Hellman result is mixed into (and from which all keys
# come), and the handshake hash H, a running hash of everything sent, which
# each encryption authenticates as associated data.
# ---------------------------------------------------------------------------

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
LABEL_MAC1 = b"mac1----"
LABEL_COOKIE = b"cookie--"

MSG_INITIATION, MSG_RESPONSE, MSG_COOKIE_REPLY, MSG_DATA = 1, 2, 3, 4
INITIATION_LEN, RESPONSE_LEN, COOKIE_REPLY_LEN = 148, 92, 64


def header(msg_type: int) -> bytes:
    """A message starts with its type as one byte and three zero bytes
    (which is the same as the type as a little-endian 32-bit word)."""
    return bytes([msg_type, 0, 0, 0])


def handshake_start(responder_static_public: bytes) -> tuple:
    """C and H before the first message; both sides compute the same.

    The responder's static public key is mixed into H up front: the
    initiator knows it in advance ("<- s" in the pattern).
    """
    c = HASH(CONSTRUCTION)
    h = HASH(c, IDENTIFIER)
    h = HASH(h, responder_static_public)
    return c, h


def add_macs(msg: bytes, receiver_static_public: bytes,
             cookie: bytes = None) -> bytes:
    """Append mac1 and mac2 to a handshake message (paper section 5.4.4).

    mac1 proves the sender knows the receiver's public key; it is keyed with
    HASH("mac1----" | that key) and covers the message up to mac1. mac2 is
    the last cookie the sender received, as a MAC key, over the message up
    to mac2 (mac1 included); zeros when it holds no cookie.
    """
    mac1 = MAC(HASH(LABEL_MAC1, receiver_static_public), msg)
    mac2 = MAC(cookie, msg + mac1) if cookie is not None else b"\x00" * 16
    return msg + mac1 + mac2


class Initiator:
    """The side that starts the handshake: knows the peer's static key."""

    def __init__(self, static_private: bytes, peer_static_public: bytes,
                 psk: bytes):
        self.s_priv = static_private
        self.s_pub = x25519_public(static_private)
        self.peer_s_pub = peer_static_public
        self.psk = psk

    def create_initiation(self, ephemeral_private: bytes, timestamp: bytes,
                          sender_index: int, cookie: bytes = None) -> bytes:
        """Build the 148-byte handshake initiation: -> e, es, s, ss."""
        c, h = handshake_start(self.peer_s_pub)
        self.e_priv = ephemeral_private
        self.sender_index = sender_index

        # e: the ephemeral public key goes out in the clear and into C and H.
        e_pub = x25519_public(ephemeral_private)
        c = KDF1(c, e_pub)
        h = HASH(h, e_pub)

        # es: DH(our ephemeral, their static) gives the key that hides
        # our static public key.
        c, k = KDF2(c, x25519(ephemeral_private, self.peer_s_pub))
        encrypted_static = AEAD(k, 0, self.s_pub, h)
        h = HASH(h, encrypted_static)

        # ss: DH(our static, their static) gives the key for the timestamp,
        # which the responder uses to refuse replayed initiations.
        c, k = KDF2(c, x25519(self.s_priv, self.peer_s_pub))
        encrypted_timestamp = AEAD(k, 0, timestamp, h)
        h = HASH(h, encrypted_timestamp)

        self.c, self.h = c, h
        msg = (header(MSG_INITIATION) + struct.pack("<I", sender_index) +
               e_pub + encrypted_static + encrypted_timestamp)
        msg = add_macs(msg, self.peer_s_pub, cookie)
        assert len(msg) == INITIATION_LEN
        return msg

    def consume_response(self, msg: bytes) -> tuple:
        """Check a handshake response and return (send key, receive key)."""
        assert len(msg) == RESPONSE_LEN and msg[0] == MSG_RESPONSE
        receiver_index = struct.unpack_from("<I", msg, 8)[0]
        assert receiver_index == self.sender_index
        check_mac1(msg, self.s_pub)
        e_pub_r, encrypted_empty = msg[12:44], msg[44:60]
        c, h = self.c, self.h
        c = KDF1(c, e_pub_r)
        h = HASH(h, e_pub_r)
        c = KDF1(c, x25519(self.e_priv, e_pub_r))      # ee
        c = KDF1(c, x25519(self.s_priv, e_pub_r))      # se
        c, t, k = KDF3(c, self.psk)                    # psk
        h = HASH(h, t)
        AEAD_open(k, 0, encrypted_empty, h)            # raises if wrong
        return transport_keys(c)

    @staticmethod
    def consume_cookie_reply(msg: bytes, peer_static_public: bytes,
                             mac1_sent: bytes) -> bytes:
        """Decrypt a cookie reply: the cookie, to key our next mac2 with."""
        assert len(msg) == COOKIE_REPLY_LEN and msg[0] == MSG_COOKIE_REPLY
        nonce, sealed = msg[8:32], msg[32:64]
        key = HASH(LABEL_COOKIE, peer_static_public)
        return xchacha20poly1305_decrypt(key, nonce, sealed, mac1_sent)


class Responder:
    """The side that answers: learns the initiator's static key from the
    initiation and must already know it as a peer (and share the psk)."""

    def __init__(self, static_private: bytes, psk: bytes):
        self.s_priv = static_private
        self.s_pub = x25519_public(static_private)
        self.psk = psk

    def consume_initiation(self, msg: bytes) -> dict:
        """Check an initiation; return what it carried."""
        assert len(msg) == INITIATION_LEN and msg[0] == MSG_INITIATION
        check_mac1(msg, self.s_pub)
        sender_index = struct.unpack_from("<I", msg, 4)[0]
        e_pub_i = msg[8:40]
        encrypted_static, encrypted_timestamp = msg[40:88], msg[88:116]

        # The same steps as the initiator, with the DHs from our side.
        c, h = handshake_start(self.s_pub)
        c = KDF1(c, e_pub_i)
        h = HASH(h, e_pub_i)
        c, k = KDF2(c, x25519(self.s_priv, e_pub_i))
        s_pub_i = AEAD_open(k, 0, encrypted_static, h)
        h = HASH(h, encrypted_static)
        c, k = KDF2(c, x25519(self.s_priv, s_pub_i))
        timestamp = AEAD_open(k, 0, encrypted_timestamp, h)
        h = HASH(h, encrypted_timestamp)

        self.c, self.h = c, h
        self.peer_s_pub, self.peer_e_pub = s_pub_i, e_pub_i
        self.peer_index = sender_index
        return {"static": s_pub_i, "timestamp": timestamp,
                "sender_index": sender_index}

    def create_response(self, ephemeral_private: bytes, sender_index: int,
                        cookie: bytes = None) -> bytes:
        """Build the 92-byte handshake response: <- e, ee, se, psk."""
        c, h = self.c, self.h

        # e
        e_pub = x25519_public(ephemeral_private)
        c = KDF1(c, e_pub)
        h = HASH(h, e_pub)
        # ee and se: DH(our ephemeral, their ephemeral), then
        # DH(our ephemeral, their static); only mixed into C.
        c = KDF1(c, x25519(ephemeral_private, self.peer_e_pub))
        c = KDF1(c, x25519(ephemeral_private, self.peer_s_pub))
        # psk: mixed in last ("psk2"); T goes into H, k encrypts nothing,
        # so the response carries only a tag proving we got here.
        c, t, k = KDF3(c, self.psk)
        h = HASH(h, t)
        encrypted_empty = AEAD(k, 0, b"", h)
        h = HASH(h, encrypted_empty)

        self.c, self.h = c, h
        msg = (header(MSG_RESPONSE) + struct.pack("<II", sender_index,
                                                  self.peer_index) +
               e_pub + encrypted_empty)
        msg = add_macs(msg, self.peer_s_pub, cookie)
        assert len(msg) == RESPONSE_LEN
        return msg

    def create_cookie_reply(self, answered: bytes, cookie_secret: bytes,
                            src_ip: bytes, src_port: int,
                            nonce24: bytes) -> bytes:
        """Build the 64-byte cookie reply to a handshake message we got.

        The cookie is a MAC of the sender's address under our secret; it
        travels encrypted under a key only holders of our public key can
        make, with the answered message's mac1 as associated data, so only
        the one who sent that message can use it.
        """
        mac1 = answered[-32:-16]
        answered_index = struct.unpack_from("<I", answered, 4)[0]
        cookie = make_cookie(cookie_secret, src_ip, src_port)
        key = HASH(LABEL_COOKIE, self.s_pub)
        sealed = xchacha20poly1305_encrypt(key, nonce24, cookie, mac1)
        msg = (header(MSG_COOKIE_REPLY) + struct.pack("<I", answered_index) +
               nonce24 + sealed)
        assert len(msg) == COOKIE_REPLY_LEN
        return msg


def make_cookie(secret: bytes, src_ip: bytes, src_port: int) -> bytes:
    """cookie = MAC(secret, source IP (4 or 16 bytes) | source UDP port as
    two big-endian bytes, the way it sits in the UDP header)."""
    return MAC(secret, src_ip + struct.pack(">H", src_port))


def check_mac1(msg: bytes, own_static_public: bytes) -> None:
    want = MAC(HASH(LABEL_MAC1, own_static_public), msg[:-32])
    if not hmac.compare_digest(want, msg[-32:-16]):
        raise ValueError("mac1 does not match")


def transport_keys(c: bytes) -> tuple:
    """(initiator send = responder receive, initiator receive = responder
    send): KDF2 of the final chaining key with empty input."""
    return KDF2(c, b"")


# ---------------------------------------------------------------------------
# The fixed inputs the module's self-test also uses (module/selftest.c)
# ---------------------------------------------------------------------------

INITIATOR_STATIC = bytes(range(1, 33))
RESPONDER_STATIC = bytes(range(33, 65))
INITIATOR_EPHEMERAL = bytes(range(65, 97))
RESPONDER_EPHEMERAL = bytes(range(97, 129))
PSK = b"\xa5" * 32
ZERO_PSK = b"\x00" * 32
# TAI64N: seconds since 1970 plus 2^62 + 10 (the TAI label and offset),
# 8 bytes big-endian, then nanoseconds, 4 bytes big-endian.
TIMESTAMP = struct.pack(">QI", 0x400000000000000a + 1700000000, 0)
INITIATOR_INDEX = 0x11223344
RESPONDER_INDEX = 0x55667788
COOKIE_SECRET = b"\x42" * 32
COOKIE_SRC_IP = bytes([192, 0, 2, 1])
COOKIE_SRC_PORT = 51820
COOKIE_NONCE = bytes(range(24))


def handshake(psk: bytes) -> tuple:
    """Run one full handshake on the fixed inputs, checking each message on
    the receiving side too. Returns the two messages and the initiator's
    (send, receive) keys."""
    responder = Responder(RESPONDER_STATIC, psk)
    initiator = Initiator(INITIATOR_STATIC, responder.s_pub, psk)
    initiation = initiator.create_initiation(INITIATOR_EPHEMERAL, TIMESTAMP,
                                             INITIATOR_INDEX)
    got = responder.consume_initiation(initiation)
    assert got["static"] == initiator.s_pub and got["timestamp"] == TIMESTAMP
    response = responder.create_response(RESPONDER_EPHEMERAL, RESPONDER_INDEX)
    keys = initiator.consume_response(response)
    # The responder's keys are the same pair, the other way round.
    assert transport_keys(responder.c) == keys
    return initiation, response, keys


def vectors() -> list:
    """The (name, hex) pairs `noise_ref.py vectors` prints."""
    initiation, response, (send, recv) = handshake(PSK)
    _, zero_psk_response, _ = handshake(ZERO_PSK)

    # Answer the initiation with a cookie reply instead (as a responder
    # under load would), then send the same initiation again with mac2.
    responder = Responder(RESPONDER_STATIC, PSK)
    cookie_reply = responder.create_cookie_reply(
        initiation, COOKIE_SECRET, COOKIE_SRC_IP, COOKIE_SRC_PORT, COOKIE_NONCE)
    cookie = Initiator.consume_cookie_reply(cookie_reply, responder.s_pub,
                                            initiation[-32:-16])
    assert cookie == make_cookie(COOKIE_SECRET, COOKIE_SRC_IP, COOKIE_SRC_PORT)
    initiator = Initiator(INITIATOR_STATIC, responder.s_pub, PSK)
    initiation_mac2 = initiator.create_initiation(
        INITIATOR_EPHEMERAL, TIMESTAMP, INITIATOR_INDEX, cookie)
    assert initiation_mac2[:-16] == initiation[:-16]

    return [("initiation", initiation.hex()),
            ("response", response.hex()),
            ("keys", send.hex() + " " + recv.hex()),
            ("initiation_zero_psk_response", zero_psk_response.hex()),
            ("cookie_reply", cookie_reply.hex()),
            ("initiation_mac2", initiation_mac2.hex())]


def internet_checksum(data: bytes) -> int:
    """RFC 1071: the ones' complement of the ones' complement sum of the
    16-bit words (IPv4 header and ICMP use it)."""
    data += b"\x00" * (len(data) % 2)
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total > 0xffff:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def icmp_echo(ident: int, seq: int, payload: bytes) -> bytes:
    """An ICMP echo request (a ping), without IP."""
    icmp = struct.pack(">BBHHH", 8, 0, 0, ident, seq) + payload
    return icmp[:2] + struct.pack(">H", internet_checksum(icmp)) + icmp[4:]


def icmp_echo_request(src: bytes, dst: bytes, payload: bytes,
                      ident: int = 0x7767, seq: int = 1) -> bytes:
    """An IPv4 packet carrying an ICMP echo request."""
    icmp = icmp_echo(ident, seq, payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, 1,
                     0, src, dst)
    ip = ip[:10] + struct.pack(">H", internet_checksum(ip)) + ip[12:]
    return ip + icmp


def data_message(receiver_index: int, key: bytes, counter: int,
                 packet: bytes) -> bytes:
    """A transport data message: type 4, the receiver's index, the 64-bit
    counter, then the packet padded with zeros to a multiple of 16 bytes,
    sealed with AEAD(key, counter, padded packet, no associated data)."""
    padded = packet + pad16(packet)
    return (header(MSG_DATA) + struct.pack("<IQ", receiver_index, counter) +
            AEAD(key, counter, padded, b""))


def initiate(host: str, port: int) -> int:
    """Handshake with a live responder over UDP, then prove the keys work.

    The responder must hold the fixed responder static key and psk, with our
    fixed initiator public key as a peer allowed to send from 10.99.0.2, and
    the address 10.99.0.1 on its interface (tests/vm/handshake_vectors.sh
    sets up the stock wireguard.ko that way). We send the initiation and
    check the response (its mac1, the psk, the empty AEAD). Then, under the
    initiator's sending key, one keepalive (an empty data message, 32 bytes
    on the wire) and one ping from 10.99.0.2 (80 bytes); the responder's
    kernel answers the ping, and its echo reply must open under our
    receiving key.

    Exit status: 0 all good, 1 the response does not verify, 2 no response,
    3 no echo reply that opens under the receiving key.
    """
    responder_public = x25519_public(RESPONDER_STATIC)
    initiator = Initiator(INITIATOR_STATIC, responder_public, PSK)
    initiation = initiator.create_initiation(INITIATOR_EPHEMERAL, TIMESTAMP,
                                             INITIATOR_INDEX)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.connect((host, port))
        sock.send(initiation)
        try:
            response = sock.recv(2048)
        except OSError as e:    # a timeout, or ICMP "port unreachable"
            print(f"# no answer to the initiation: {e}")
            return 2
        print(f"# response {response.hex()}")
        try:
            send_key, recv_key = initiator.consume_response(response)
        except (ValueError, AssertionError) as e:
            print(f"# the response does not verify: {e or 'wrong shape'}")
            return 1

        # The responder's index for this session is its sender index in
        # the response; data messages to it carry that.
        their_index = struct.unpack_from("<I", response, 4)[0]
        sock.send(data_message(their_index, send_key, 0, b""))
        ping = icmp_echo_request(bytes([10, 99, 0, 2]), bytes([10, 99, 0, 1]),
                                 b"wgtour!!")
        sock.send(data_message(their_index, send_key, 1, ping))

        # Wait for a data message addressed to our index that opens.
        while True:
            try:
                msg = sock.recv(2048)
            except OSError as e:
                print(f"# no echo reply: {e}")
                return 3
            if msg[0] != MSG_DATA or len(msg) < 32:
                continue
            index, counter = struct.unpack_from("<IQ", msg, 4)
            try:
                packet = AEAD_open(recv_key, counter, msg[16:], b"")
            except ValueError:
                print(f"# a data message that does not open: {msg.hex()}")
                return 3
            # An IPv4 ICMP echo reply (type 0) to 10.99.0.2 with our payload?
            if (index == INITIATOR_INDEX and packet[9] == 1 and
                    packet[16:20] == bytes([10, 99, 0, 2]) and
                    packet[20] == 0 and packet[28:36] == b"wgtour!!"):
                print(f"# echo reply, counter {counter}: {packet[:36].hex()}")
                return 0
            print(f"# another data message, counter {counter}: {packet.hex()}")


# ---------------------------------------------------------------------------
# --selftest: the primitives against published vectors
# ---------------------------------------------------------------------------

LADIES = (b"Ladies and Gentlemen of the class of '99: If I could offer you "
          b"only one tip for the future, sunscreen would be it.")


def h(s: str) -> bytes:
    return bytes.fromhex("".join(s.split()))


def check_x25519_rfc7748_5_2():
    """RFC 7748 section 5.2: the two single multiplications."""
    ok = x25519(h("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                h("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")) == \
        h("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
    return ok and x25519(
        h("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
        h("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")) == \
        h("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")


def check_x25519_rfc7748_5_2_iterated():
    """RFC 7748 section 5.2: k = X25519(k, u), u = old k, 1 and 1000 times."""
    k = u = (9).to_bytes(32, "little")
    results = {}
    for i in range(1, 1001):
        k, u = x25519(k, u), k
        results[i] = k
    return (results[1] == h("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
            and results[1000] == h("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"))


def check_x25519_rfc7748_6_1():
    """RFC 7748 section 6.1: Alice and Bob agree on a shared secret."""
    a = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    b = h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    a_pub, b_pub = x25519_public(a), x25519_public(b)
    shared = h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
    return (a_pub == h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
            and b_pub == h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
            and x25519(a, b_pub) == shared and x25519(b, a_pub) == shared)


def check_chacha20_rfc8439_2_3_2():
    """RFC 8439 section 2.3.2: one ChaCha20 block."""
    key = bytes(range(32))
    nonce = h("000000090000004a00000000")
    return chacha20_block(key, 1, nonce) == h(
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")


def check_poly1305_rfc8439_2_5_2():
    """RFC 8439 section 2.5.2: Poly1305 of "Cryptographic Forum Research Group"."""
    key = h("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")
    return poly1305(key, b"Cryptographic Forum Research Group") == \
        h("a8061dc1305136c6c22b8baf0c0127a9")


def check_aead_rfc8439_2_8_2():
    """RFC 8439 section 2.8.2: ChaCha20-Poly1305 of the sunscreen text."""
    key = bytes(range(0x80, 0xa0))
    nonce = h("07000000 4041424344454647")
    ad = h("50515253c0c1c2c3c4c5c6c7")
    want = h("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
             "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
             "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
             "3ff4def08e4b7a9de576d26586cec64b6116"
             "1ae10b594f09e26a7e902ecbd0600691")
    sealed = chacha20poly1305_encrypt(key, nonce, LADIES, ad)
    return (sealed == want
            and chacha20poly1305_decrypt(key, nonce, sealed, ad) == LADIES
            and not opens(chacha20poly1305_decrypt, key, nonce,
                          flip_bit(sealed), ad))


def check_hchacha20_xchacha_2_2_1():
    """draft-irtf-cfrg-xchacha-03 section 2.2.1: the HChaCha20 subkey."""
    return hchacha20(bytes(range(32)), h("000000090000004a0000000031415927")) == \
        h("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc")


def check_xchacha20poly1305_xchacha_a_3_1():
    """draft-irtf-cfrg-xchacha-03 appendix A.3.1: XChaCha20-Poly1305."""
    key = bytes(range(0x80, 0xa0))
    nonce = bytes(range(0x40, 0x58))
    ad = h("50515253c0c1c2c3c4c5c6c7")
    want = h("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
             "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
             "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
             "21f9664c97637da9768812f615c68b13b52e"
             "c0875924c1c7987947deafd8780acf49")
    sealed = xchacha20poly1305_encrypt(key, nonce, LADIES, ad)
    return (sealed == want
            and xchacha20poly1305_decrypt(key, nonce, sealed, ad) == LADIES
            and not opens(xchacha20poly1305_decrypt, key, nonce,
                          flip_bit(sealed), ad))


def check_hmac_blake2s():
    """Our written-out HMAC against the standard library's hmac module."""
    for key, data in ((b"", b""), (b"k" * 32, b"abc"), (b"\x01" * 64, b"x" * 200),
                      (b"\x02" * 65, b"long key")):
        if HMAC(key, data) != hmac.new(key, data, hashlib.blake2s).digest():
            return False
    return True


def check_handshake_round_trip():
    """Both sides of a handshake agree on keys, with either psk; a wrong
    psk makes the initiator refuse the response."""
    _, _, keys = handshake(PSK)
    _, _, zero_keys = handshake(ZERO_PSK)
    responder = Responder(RESPONDER_STATIC, ZERO_PSK)
    initiator = Initiator(INITIATOR_STATIC, responder.s_pub, PSK)
    responder.consume_initiation(initiator.create_initiation(
        INITIATOR_EPHEMERAL, TIMESTAMP, INITIATOR_INDEX))
    response = responder.create_response(RESPONDER_EPHEMERAL, RESPONDER_INDEX)
    return keys != zero_keys and not opens(
        lambda r: initiator.consume_response(r), response)


def check_vectors_consistent():
    """The vectors build, with the lengths the protocol fixes (in bytes;
    "keys" is two 32-byte keys)."""
    lengths = {"initiation": 148, "response": 92, "keys": 64,
               "initiation_zero_psk_response": 92, "cookie_reply": 64,
               "initiation_mac2": 148}
    return all(len(bytes.fromhex(v)) == lengths[n] for n, v in vectors())


def flip_bit(data: bytes) -> bytes:
    return bytes([data[0] ^ 1]) + data[1:]


def opens(fn, *args) -> bool:
    """True when a decryption or check succeeds, False when it raises."""
    try:
        fn(*args)
        return True
    except ValueError:
        return False


SELFTESTS = [
    ("x25519 rfc7748 5.2 vectors", check_x25519_rfc7748_5_2),
    ("x25519 rfc7748 5.2 iterated 1 and 1000 times", check_x25519_rfc7748_5_2_iterated),
    ("x25519 rfc7748 6.1 alice and bob", check_x25519_rfc7748_6_1),
    ("chacha20 rfc8439 2.3.2 block", check_chacha20_rfc8439_2_3_2),
    ("poly1305 rfc8439 2.5.2", check_poly1305_rfc8439_2_5_2),
    ("chacha20poly1305 rfc8439 2.8.2", check_aead_rfc8439_2_8_2),
    ("hchacha20 xchacha draft 2.2.1", check_hchacha20_xchacha_2_2_1),
    ("xchacha20poly1305 xchacha draft a.3.1", check_xchacha20poly1305_xchacha_a_3_1),
    ("hmac-blake2s agrees with the hmac module", check_hmac_blake2s),
    ("handshake round trip, keys agree, wrong psk refused", check_handshake_round_trip),
    ("vectors have the protocol's lengths", check_vectors_consistent),
]


def selftest() -> int:
    """Print TAP, one result per check; return the number of failures."""
    print("TAP version 13")
    print(f"1..{len(SELFTESTS)}")
    failed = 0
    for n, (name, fn) in enumerate(SELFTESTS, 1):
        try:
            ok = fn()
        except Exception as e:      # a crash is a failure, with its reason
            print(f"# {name}: {type(e).__name__}: {e}")
            ok = False
        print(f"{'ok' if ok else 'not ok'} {n} - {name}")
        failed += not ok
    return failed


def write_keys(directory: str, names: list) -> int:
    """noise_ref.py keys: one process for any number of key pairs, where
    "wg genkey" and "wg pubkey" start two a pair (a process costs tens of
    milliseconds to start in the lab VM, seconds on the debug kernel)."""
    for name in names:
        private = private_key()
        public = base64.b64encode(x25519_public(private)).decode()
        fd = os.open(os.path.join(directory, "k" + name),
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(private).decode() + "\n")
        with open(os.path.join(directory, "p" + name), "w") as f:
            f.write(public + "\n")
        print(name, public)
    return 0


def main(argv: list) -> int:
    if argv == ["--selftest"]:
        return 1 if selftest() else 0
    if argv == ["vectors"]:
        for name, value in vectors():
            print(f"vector {name} {value}")
        return 0
    if len(argv) == 3 and argv[0] == "initiate":
        return initiate(argv[1], int(argv[2]))
    if len(argv) >= 3 and argv[0] == "keys":
        return write_keys(argv[1], argv[2:])
    print(__doc__.split("usage:")[1].rstrip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
