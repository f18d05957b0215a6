/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MACs and cookies on handshake messages (chapter 3, "Cookies").
 */
#ifndef _WGTOUR_COOKIE_H
#define _WGTOUR_COOKIE_H

#include <linux/rwsem.h>
#include <linux/skbuff.h>

#include "messages.h"

struct wgt_device;

/**
 * struct wgt_cookie_checker - the device's side: checking what arrives
 * @lock: guards the secret (rotated) and the keys (identity changes)
 * @secret: random; a cookie is a MAC of the sender's address under it
 * @secret_birth_ns: boottime the secret was made; it lives two minutes
 * @mac1_key: HASH("mac1----" || our public key)
 * @cookie_key: HASH("cookie--" || our public key), seals cookie replies
 */
struct wgt_cookie_checker {
	struct rw_semaphore lock;
	u8 secret[WGT_HASH_LEN];
	u64 secret_birth_ns;
	u8 mac1_key[WGT_HASH_LEN];
	u8 cookie_key[WGT_HASH_LEN];
};

/**
 * struct wgt_cookie - a peer's side: the MACs we put on what we send it
 * @lock: guards the rest
 * @mac1_key: HASH("mac1----" || the peer's public key)
 * @cookie_key: HASH("cookie--" || the peer's public key), opens its replies
 * @last_mac1_sent: a cookie reply must quote it, so only we can use it
 * @have_sent_mac1: whether @last_mac1_sent is meaningful
 * @cookie: the last cookie the peer gave us
 * @cookie_birth_ns: when we got it
 * @cookie_valid: whether @cookie may be used for MAC2
 */
struct wgt_cookie {
	struct rw_semaphore lock;
	u8 mac1_key[WGT_HASH_LEN];
	u8 cookie_key[WGT_HASH_LEN];
	u8 last_mac1_sent[WGT_COOKIE_LEN];
	bool have_sent_mac1;
	u8 cookie[WGT_COOKIE_LEN];
	u64 cookie_birth_ns;
	bool cookie_valid;
};

enum wgt_mac_verdict {
	WGT_MAC1_BAD,		/* not for us, or damaged: drop */
	WGT_MAC1_OK,		/* fine when we are not under load */
	WGT_MAC2_OK,		/* the sender proved it receives at its address */
};

void wgt_cookie_checker_init(struct wgt_cookie_checker *checker);
void wgt_cookie_checker_set_key(struct wgt_cookie_checker *checker,
				const u8 public_key[WGT_KEY_LEN]);
void wgt_cookie_init(struct wgt_cookie *cookie, const u8 public_key[WGT_KEY_LEN]);
enum wgt_mac_verdict wgt_cookie_check_macs(struct wgt_cookie_checker *checker,
					   struct sk_buff *skb, bool check_mac2);
void wgt_cookie_add_macs(struct wgt_cookie *cookie, void *msg, size_t len);
void wgt_cookie_make_reply(struct wgt_cookie_checker *checker,
			   struct wgt_msg_cookie_reply *reply,
			   struct sk_buff *skb, __le32 index);
bool wgt_cookie_consume_reply(struct wgt_cookie *cookie,
			      const struct wgt_msg_cookie_reply *reply);
void wgt_cookie_compute_reply(const u8 secret[WGT_HASH_LEN],
			      const u8 cookie_key[WGT_HASH_LEN],
			      const u8 *source, size_t source_len,
			      const u8 mac1[WGT_COOKIE_LEN],
			      const u8 nonce[WGT_COOKIE_NONCE_LEN],
			      u8 encrypted[WGT_COOKIE_LEN + WGT_AUTHTAG_LEN]);

#endif /* _WGTOUR_COOKIE_H */
