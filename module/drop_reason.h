/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why a message was refused (chapters 3 to 5): the reasons the rx_drop,
 * tx_drop and handshake_reject events report.
 */
#ifndef _WGTOUR_DROP_REASON_H
#define _WGTOUR_DROP_REASON_H

/*
 * The one list of reasons, applied to a macro R (R_LAST for the last
 * entry, for lists that take no trailing comma), as the kernel's
 * include/net/dropreason.h does for skb drop reasons. It makes the enum
 * below; trace.h makes of it TRACE_DEFINE_ENUM() and __print_symbolic(),
 * so the events store a reason's number, print its text, and carry the
 * table in their format files (where bpftrace users and our renderers
 * read it: traces/reasons.sh); trace.c makes wgt_drop_reason_name().
 */
#define WGT_DROP_REASONS(R, R_LAST)					\
	R(NONE,			"none")					\
	/* Any message (chapter 3) */					\
	R(MALFORMED,		"malformed message")			\
	R(UNKNOWN_INDEX,	"unknown receiver index")		\
	/* Handshake messages (chapter 3) */				\
	R(BAD_MAC1,		"bad mac1")				\
	R(RATELIMITED,		"ratelimited")				\
	R(RNG_NOT_READY,	"random generator not ready")		\
	R(HANDSHAKE_QUEUE_FULL,	"handshake queue full")			\
	R(NO_PRIVATE_KEY,	"no private key")			\
	R(BAD_EPHEMERAL,	"bad ephemeral key")			\
	R(STATIC_UNDECRYPTABLE,	"static key does not decrypt")		\
	R(UNKNOWN_PEER,		"unknown peer")				\
	R(BAD_STATIC,		"bad static key")			\
	R(TIMESTAMP_UNDECRYPTABLE, "timestamp does not decrypt")	\
	R(REPLAYED_TIMESTAMP,	"replayed timestamp")			\
	R(TOO_FREQUENT,		"initiations too frequent")		\
	R(NO_INITIATION,	"no initiation outstanding")		\
	R(RESPONSE_UNDECRYPTABLE, "response does not decrypt")		\
	R(HANDSHAKE_CHANGED,	"handshake changed meanwhile")		\
	/* Data messages in (chapter 4) */				\
	R(KEYPAIR_GONE,		"keypair gone")				\
	R(PEER_QUEUE_FULL,	"peer queue full")			\
	R(DECRYPT_QUEUE_FULL,	"decrypt queue full")			\
	R(PEER_REMOVED,		"peer removed")				\
	R(DECRYPT_FAILED,	"decryption failed")			\
	R(REPLAYED_COUNTER,	"replayed counter")			\
	R(BAD_INNER_V4_LEN,	"bad inner ipv4 length")		\
	R(BAD_INNER_V6_LEN,	"bad inner ipv6 length")		\
	R(TRIM_FAILED,		"trim failed")				\
	R(NOT_IP,		"not an ip packet")			\
	R(SOURCE_NOT_ALLOWED,	"source not allowed for peer")		\
	R(CE_ON_NOT_ECT,	"congestion mark on a non-ecn packet")	\
	/* Packets out (chapter 5) */					\
	R(NO_PEER,		"no peer for destination")		\
	R(NO_ENDPOINT,		"peer has no endpoint")			\
	R(GSO_FAILED,		"gso segmentation failed")		\
	R(CHECKSUM_FAILED,	"checksum failed")			\
	R(STAGED_QUEUE_FULL,	"staged queue full")			\
	R(ENCRYPT_QUEUE_FULL,	"encrypt queue full")			\
	R_LAST(ENCRYPT_FAILED,	"encryption failed")

#define WGT_DROP_ENUM(sym, text) WGT_DROP_##sym,
enum wgt_drop_reason {
	WGT_DROP_REASONS(WGT_DROP_ENUM, WGT_DROP_ENUM)
	WGT_DROP_NR
};

#undef WGT_DROP_ENUM

const char *wgt_drop_reason_name(enum wgt_drop_reason reason);

#endif /* _WGTOUR_DROP_REASON_H */
