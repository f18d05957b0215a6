/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Protocol constants of WireGuard, in one place. Chapter 1 needs only the
 * key sizes and the overhead a data message adds to every packet; the
 * handshake and data-path chapters add the message layouts.
 */
#ifndef _WGTOUR_MESSAGES_H
#define _WGTOUR_MESSAGES_H

#include <crypto/curve25519.h>
#include <crypto/chacha20poly1305.h>
#include <linux/ip.h>
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

#endif /* _WGTOUR_MESSAGES_H */
