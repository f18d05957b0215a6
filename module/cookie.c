// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 3, "Cookies". Every handshake message carries two MACs. MAC1 is
 * keyed with the receiver's public key: a message for the wrong interface,
 * or noise, is dropped before any expensive Curve25519 work. MAC2 matters
 * only under load: it is keyed with a "cookie" the receiver gave the
 * sender earlier, a MAC of the sender's IP address and port under a secret
 * that changes every two minutes. A sender that can compute MAC2 has shown
 * it receives packets at its source address, so a flood from spoofed
 * addresses cannot make us do handshake work. The cookie travels in a
 * cookie reply, encrypted and bound to the MAC1 of the message it answers.
 */
#include <crypto/algapi.h>
#include <linux/ktime.h>
#include <linux/random.h>

#include "cookie.h"
#include "peer.h"
#include "socket.h"
#include "timers.h"

/* HASH(label || public key): the per-recipient MAC1 and cookie keys. */
static void wgt_derive_key(u8 out[WGT_HASH_LEN], const char *label,
			   const u8 public_key[WGT_KEY_LEN])
{
	struct blake2s_state state;

	blake2s_init(&state, WGT_HASH_LEN);
	blake2s_update(&state, label, 8);
	blake2s_update(&state, public_key, WGT_KEY_LEN);
	blake2s_final(&state, out);
}

/* MAC(key, data): keyed BLAKE2s with a 16-byte output. */
static void wgt_mac(u8 out[WGT_COOKIE_LEN], const u8 *key, size_t key_len,
		    const void *data, size_t len)
{
	blake2s(out, data, key, WGT_COOKIE_LEN, len, key_len);
}

/**
 * wgt_cookie_checker_init() - a checker with a fresh secret and no key yet
 * @checker: the device's checker
 */
void wgt_cookie_checker_init(struct wgt_cookie_checker *checker)
{
	memset(checker, 0, sizeof(*checker));
	init_rwsem(&checker->lock);
	get_random_bytes(checker->secret, sizeof(checker->secret));
	checker->secret_birth_ns = wgt_now_ns();
}

/**
 * wgt_cookie_checker_set_key() - follow a change of the device's identity
 * @checker: the device's checker
 * @public_key: the new public key (all zero when none)
 */
void wgt_cookie_checker_set_key(struct wgt_cookie_checker *checker,
				const u8 public_key[WGT_KEY_LEN])
{
	down_write(&checker->lock);
	wgt_derive_key(checker->mac1_key, WGT_LABEL_MAC1, public_key);
	wgt_derive_key(checker->cookie_key, WGT_LABEL_COOKIE, public_key);
	up_write(&checker->lock);
}

/**
 * wgt_cookie_init() - per-peer MAC state
 * @cookie: the peer's state
 * @public_key: the peer's public key
 */
void wgt_cookie_init(struct wgt_cookie *cookie, const u8 public_key[WGT_KEY_LEN])
{
	memset(cookie, 0, sizeof(*cookie));
	init_rwsem(&cookie->lock);
	wgt_derive_key(cookie->mac1_key, WGT_LABEL_MAC1, public_key);
	wgt_derive_key(cookie->cookie_key, WGT_LABEL_COOKIE, public_key);
}

/* The sender's address and port, as the bytes a cookie is computed over. */
static size_t wgt_source_bytes(struct sk_buff *skb, u8 out[18])
{
	struct wgt_endpoint from;
	size_t len;

	wgt_socket_endpoint_of(skb, &from);
	if (from.addr.sa_family == AF_INET) {
		len = sizeof(from.addr4.sin_addr);
		memcpy(out, &from.addr4.sin_addr, len);
		memcpy(out + len, &from.addr4.sin_port, sizeof(__be16));
	} else {
		len = sizeof(from.addr6.sin6_addr);
		memcpy(out, &from.addr6.sin6_addr, len);
		memcpy(out + len, &from.addr6.sin6_port, sizeof(__be16));
	}
	return len + sizeof(__be16);
}

/* Two minutes old: a new secret, which invalidates every old cookie. */
static void wgt_cookie_rotate_secret(struct wgt_cookie_checker *checker)
{
	down_write(&checker->lock);
	if (wgt_age_ns(checker->secret_birth_ns) > wgt_seconds_ns(WGT_COOKIE_SECRET_MAX_AGE)) {
		get_random_bytes(checker->secret, sizeof(checker->secret));
		checker->secret_birth_ns = wgt_now_ns();
	}
	up_write(&checker->lock);
}

/* LAB(ch3-cookie): the cookie of a sender: MAC(secret, its address and port) */
/* The cookie for this sender: MAC(secret, address || port). */
static void wgt_cookie_for(struct wgt_cookie_checker *checker,
			   const u8 *source, size_t len, u8 out[WGT_COOKIE_LEN])
{
	wgt_cookie_rotate_secret(checker);
	down_read(&checker->lock);
	wgt_mac(out, checker->secret, sizeof(checker->secret), source, len);
	up_read(&checker->lock);
}

/* END LAB(ch3-cookie) */
/**
 * wgt_cookie_check_macs() - is this handshake message for us, and is its
 * sender proven?
 * @checker: the device's checker
 * @skb: a linear handshake message (initiation or response)
 * @check_mac2: whether to check MAC2 too (only under load: it costs)
 *
 * Return: the verdict.
 */
enum wgt_mac_verdict wgt_cookie_check_macs(struct wgt_cookie_checker *checker,
					   struct sk_buff *skb, bool check_mac2)
{
	/* LAB(ch3-cookie): MAC1 under our key, then (only when asked) MAC2 under the cookie */
	/* LAB(ch3-cookie) skeleton: return WGT_MAC2_OK; */
	struct wgt_msg_macs *macs = (void *)(skb->data + skb->len - sizeof(*macs));
	size_t mac1_off = skb->len - sizeof(*macs);
	size_t mac2_off = mac1_off + WGT_COOKIE_LEN;
	u8 want[WGT_COOKIE_LEN], cookie[WGT_COOKIE_LEN], source[18];
	size_t source_len;

	down_read(&checker->lock);
	wgt_mac(want, checker->mac1_key, WGT_HASH_LEN, skb->data, mac1_off);
	up_read(&checker->lock);
	if (crypto_memneq(want, macs->mac1, WGT_COOKIE_LEN))
		return WGT_MAC1_BAD;
	if (!check_mac2)
		return WGT_MAC1_OK;
	source_len = wgt_source_bytes(skb, source);
	wgt_cookie_for(checker, source, source_len, cookie);
	wgt_mac(want, cookie, WGT_COOKIE_LEN, skb->data, mac2_off);
	return crypto_memneq(want, macs->mac2, WGT_COOKIE_LEN) ? WGT_MAC1_OK :
								 WGT_MAC2_OK;
	/* END LAB(ch3-cookie) */
}

/**
 * wgt_cookie_add_macs() - put MAC1 and, with a fresh cookie, MAC2 on a
 * handshake message we are about to send
 * @cookie: the receiving peer's MAC state
 * @msg: the message; its last 32 bytes are struct wgt_msg_macs
 * @len: its length
 */
void wgt_cookie_add_macs(struct wgt_cookie *cookie, void *msg, size_t len)
{
	struct wgt_msg_macs *macs = msg + len - sizeof(*macs);
	size_t mac1_off = len - sizeof(*macs);
	u64 lifetime = wgt_seconds_ns(WGT_COOKIE_SECRET_MAX_AGE - WGT_COOKIE_SECRET_LATENCY);

	down_write(&cookie->lock);
	wgt_mac(macs->mac1, cookie->mac1_key, WGT_HASH_LEN, msg, mac1_off);
	memcpy(cookie->last_mac1_sent, macs->mac1, WGT_COOKIE_LEN);
	cookie->have_sent_mac1 = true;
	/* A cookie is good a little less long than the secret behind it. */
	if (cookie->cookie_valid &&
	    wgt_age_ns(cookie->cookie_birth_ns) < lifetime)
		wgt_mac(macs->mac2, cookie->cookie, WGT_COOKIE_LEN, msg,
			mac1_off + WGT_COOKIE_LEN);
	else
		memset(macs->mac2, 0, WGT_COOKIE_LEN);
	up_write(&cookie->lock);
}

/**
 * wgt_cookie_compute_reply() - the encrypted cookie of a cookie reply
 * @secret: the checker's secret
 * @cookie_key: the replier's cookie key
 * @source: the sender's address (4 or 16 bytes) then its UDP port
 * @source_len: 6 or 18
 * @mac1: the MAC1 of the message being answered (associated data)
 * @nonce: a random nonce
 * @encrypted: receives the sealed cookie
 *
 * Takes plain bytes rather than an skb, so self-tests can feed it.
 */
void wgt_cookie_compute_reply(const u8 secret[WGT_HASH_LEN],
			      const u8 cookie_key[WGT_HASH_LEN],
			      const u8 *source, size_t source_len,
			      const u8 mac1[WGT_COOKIE_LEN],
			      const u8 nonce[WGT_COOKIE_NONCE_LEN],
			      u8 encrypted[WGT_COOKIE_LEN + WGT_AUTHTAG_LEN])
{
	u8 cookie[WGT_COOKIE_LEN];

	wgt_mac(cookie, secret, WGT_HASH_LEN, source, source_len);
	xchacha20poly1305_encrypt(encrypted, cookie, WGT_COOKIE_LEN, mac1,
				  WGT_COOKIE_LEN, nonce, cookie_key);
	memzero_explicit(cookie, sizeof(cookie));
}

/**
 * wgt_cookie_make_reply() - answer a handshake message with a cookie
 * @checker: the device's checker
 * @reply: filled in
 * @skb: the message being answered
 * @index: its sender index, which the reply names
 */
void wgt_cookie_make_reply(struct wgt_cookie_checker *checker,
			   struct wgt_msg_cookie_reply *reply,
			   struct sk_buff *skb, __le32 index)
{
	struct wgt_msg_macs *macs = (void *)(skb->data + skb->len - sizeof(*macs));
	u8 source[18];
	size_t len = wgt_source_bytes(skb, source);

	reply->header.type = cpu_to_le32(WGT_MSG_COOKIE_REPLY);
	reply->receiver_index = index;
	get_random_bytes(reply->nonce, sizeof(reply->nonce));
	wgt_cookie_rotate_secret(checker);
	down_read(&checker->lock);
	wgt_cookie_compute_reply(checker->secret, checker->cookie_key, source, len,
				 macs->mac1, reply->nonce, reply->encrypted_cookie);
	up_read(&checker->lock);
}

/**
 * wgt_cookie_consume_reply() - take the cookie a peer sent us
 * @cookie: that peer's MAC state
 * @reply: the cookie reply
 *
 * Return: false when the reply does not answer our last message.
 */
bool wgt_cookie_consume_reply(struct wgt_cookie *cookie,
			      const struct wgt_msg_cookie_reply *reply)
{
	u8 plain[WGT_COOKIE_LEN];
	bool ok = false;

	down_write(&cookie->lock);
	if (!cookie->have_sent_mac1)
		goto out;
	if (!xchacha20poly1305_decrypt(plain, reply->encrypted_cookie,
				       sizeof(reply->encrypted_cookie),
				       cookie->last_mac1_sent, WGT_COOKIE_LEN,
				       reply->nonce, cookie->cookie_key))
		goto out;
	memcpy(cookie->cookie, plain, WGT_COOKIE_LEN);
	cookie->cookie_birth_ns = wgt_now_ns();
	cookie->cookie_valid = true;
	/* Each of our messages earns at most one cookie. */
	cookie->have_sent_mac1 = false;
	ok = true;
out:
	up_write(&cookie->lock);
	memzero_explicit(plain, sizeof(plain));
	return ok;
}
