/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Protocol constants and message layouts of WireGuard, in one place.
 * Chapter 1 needs the key sizes and the overhead a data message adds to
 * every packet; chapter 3 (the handshake) the four message layouts and the
 * protocol's timing constants.
 */
#ifndef _WGTOUR_MESSAGES_H
#define _WGTOUR_MESSAGES_H

#include <crypto/curve25519.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/blake2s.h>
#include <linux/bits.h>
#include <linux/ip.h>
#include <linux/time64.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#define WGT_KEY_LEN		CURVE25519_KEY_SIZE	/* 32 */
#define WGT_SYMMETRIC_KEY_LEN	CHACHA20POLY1305_KEY_SIZE	/* 32 */

/*
 * A data message is: type (4 bytes), receiver index (4), counter (8), the
 * padded plaintext, then a 16-byte Poly1305 tag. Padding is to 16 bytes.
 */
#define WGT_DATA_HEADER_LEN	16
#define WGT_AUTHTAG_LEN		CHACHA20POLY1305_AUTHTAG_SIZE	/* 16 */
#define WGT_PADDING_MULTIPLE	16

/*
 * The default MTU leaves room for the worst case outer headers (IPv6) on a
 * 1500-byte link: 1500 - 40 - 8 - 16 - 16 = 1420, the value users expect.
 */
#define WGT_OVERHEAD_V6 (sizeof(struct ipv6hdr) + sizeof(struct udphdr) + \
			 WGT_DATA_HEADER_LEN + WGT_AUTHTAG_LEN)

/*
 * The handshake (chapter 3): Noise_IKpsk2 over Curve25519, ChaCha20-Poly1305
 * and BLAKE2s. The construction and identifier strings are hashed into the
 * very first chaining key, so two implementations that disagree on a single
 * character never agree on a key; the labels key the MACs and cookies.
 */
#define WGT_CONSTRUCTION	"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define WGT_IDENTIFIER		"WireGuard v1 zx2c4 Jason@zx2c4.com"
#define WGT_LABEL_MAC1		"mac1----"
#define WGT_LABEL_COOKIE	"cookie--"

#define WGT_HASH_LEN		BLAKE2S_HASH_SIZE	/* 32 */
#define WGT_COOKIE_LEN		16	/* a cookie, and each MAC */
#define WGT_COOKIE_NONCE_LEN	XCHACHA20POLY1305_NONCE_SIZE	/* 24 */
#define WGT_TIMESTAMP_LEN	12	/* TAI64N: 8 bytes seconds, 4 nanoseconds */

/* The protocol's timing constants, in seconds unless the name says else. */
#define WGT_REKEY_AFTER_MESSAGES	BIT_ULL(60)
#define WGT_REJECT_AFTER_MESSAGES	(U64_MAX - 8192)	/* 2^64 - 2^13 - 1 */
#define WGT_REKEY_TIMEOUT		5
#define WGT_REKEY_TIMEOUT_JITTER_MS	334
#define WGT_REKEY_AFTER_TIME		120
#define WGT_REJECT_AFTER_TIME		180
#define WGT_REKEY_ATTEMPT_TIME		90
#define WGT_KEEPALIVE_TIMEOUT		10
#define WGT_COOKIE_SECRET_MAX_AGE	120
#define WGT_COOKIE_SECRET_LATENCY	5
#define WGT_INITIATIONS_PER_SECOND	50
/* Retries of one handshake before giving up: REKEY_ATTEMPT_TIME's worth. */
#define WGT_MAX_HANDSHAKE_ATTEMPTS	(WGT_REKEY_ATTEMPT_TIME / WGT_REKEY_TIMEOUT)

/* How many handshake messages may wait for the worker; beyond: dropped. */
#define WGT_MAX_QUEUED_HANDSHAKES	4096
/* More than this many waiting: the device is "under load" (cookies). */
#define WGT_UNDER_LOAD_HANDSHAKES	(WGT_MAX_QUEUED_HANDSHAKES / 8)
/* How many data messages may wait to be decrypted, all peers together. */
#define WGT_MAX_QUEUED_DECRYPT		4096
/*
 * How many batches may wait to be encrypted, all peers together; a batch
 * is at most what one peer had staged (chapter 5).
 */
#define WGT_MAX_QUEUED_ENCRYPT		4096
/* How many packets may wait for a handshake before the oldest is dropped. */
#define WGT_MAX_STAGED_PACKETS		128
/* Peers per device: the stock Linux module's limit (wireguard-go: 2^16). */
#define WGT_MAX_PEERS			BIT(20)

enum wgt_message_type {
	WGT_MSG_INITIATION = 1,
	WGT_MSG_RESPONSE = 2,
	WGT_MSG_COOKIE_REPLY = 3,
	WGT_MSG_DATA = 4,
};

/* Every message opens with one type byte and three zero bytes: one le32. */
struct wgt_msg_header {
	__le32 type;
};

/* The two MACs at the end of both handshake messages. */
struct wgt_msg_macs {
	u8 mac1[WGT_COOKIE_LEN];
	u8 mac2[WGT_COOKIE_LEN];
};

/* Message 1, initiator to responder: 148 bytes. */
struct wgt_msg_initiation {
	struct wgt_msg_header header;
	__le32 sender_index;
	u8 unencrypted_ephemeral[WGT_KEY_LEN];
	u8 encrypted_static[WGT_KEY_LEN + WGT_AUTHTAG_LEN];
	u8 encrypted_timestamp[WGT_TIMESTAMP_LEN + WGT_AUTHTAG_LEN];
	struct wgt_msg_macs macs;
} __packed;

/* Message 2, responder to initiator: 92 bytes. */
struct wgt_msg_response {
	struct wgt_msg_header header;
	__le32 sender_index;
	__le32 receiver_index;
	u8 unencrypted_ephemeral[WGT_KEY_LEN];
	u8 encrypted_nothing[WGT_AUTHTAG_LEN];
	struct wgt_msg_macs macs;
} __packed;

/* Message 3, the answer to a handshake message when under load: 64 bytes. */
struct wgt_msg_cookie_reply {
	struct wgt_msg_header header;
	__le32 receiver_index;
	u8 nonce[WGT_COOKIE_NONCE_LEN];
	u8 encrypted_cookie[WGT_COOKIE_LEN + WGT_AUTHTAG_LEN];
} __packed;

/* Message 4, transport data: a 16-byte header, then the ciphertext. */
struct wgt_msg_data {
	struct wgt_msg_header header;
	__le32 receiver_index;
	__le64 counter;
	u8 encrypted_data[];
} __packed;

#define WGT_MSG_DATA_MIN_LEN	(sizeof(struct wgt_msg_data) + WGT_AUTHTAG_LEN)

#endif /* _WGTOUR_MESSAGES_H */
