// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 3, "The handshake": Noise_IKpsk2, the pattern WireGuard uses to
 * agree on session keys in one round trip. In Noise's notation:
 *
 *	<- s                       the initiator knows the responder's key
 *	...
 *	-> e, es, s, ss            message 1, the initiation
 *	<- e, ee, se, psk          message 2, the response
 *
 * Each token is one step below, tagged where it happens. Both sides keep a
 * running hash of everything said (h, "hash": it binds the transcript) and
 * a chaining key (ck) into which every Diffie-Hellman result is mixed. The
 * final chaining key yields the two transport keys. The handshake's
 * functions run in process context (the handshake worker, timers' work
 * items); the keypairs' (wgt_keypairs_current(), wgt_keypair_put(), the
 * replay check) also run on the data path, in softirq.
 */
#include <asm/unaligned.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include "debug.h"
#include "device.h"
#include "noise.h"
#include "peer.h"
#include "timers.h"
#include "trace.h"

/* HASH(construction) and HASH(that || identifier): where every handshake starts. */
static u8 wgt_initial_chaining_key[WGT_HASH_LEN] __ro_after_init;
static u8 wgt_initial_hash[WGT_HASH_LEN] __ro_after_init;

static struct kmem_cache *wgt_keypair_cache;

/* h = HASH(h || data): the transcript grows by @data. */
static void wgt_mix_hash(u8 hash[WGT_HASH_LEN], const u8 *data, size_t len)
{
	struct blake2s_state state;

	blake2s_init(&state, WGT_HASH_LEN);
	blake2s_update(&state, hash, WGT_HASH_LEN);
	blake2s_update(&state, data, len);
	blake2s_final(&state, hash);
}

/*
 * HMAC (RFC 2104) over BLAKE2s. The kernel's blake2s library has no HMAC,
 * so here it is: hash the key padded with 0x36 and the message, then the
 * key padded with 0x5c and that inner hash.
 */
static void wgt_hmac(u8 out[WGT_HASH_LEN], const u8 *in, size_t in_len,
		     const u8 key[WGT_HASH_LEN])
{
	u8 pad[BLAKE2S_BLOCK_SIZE] = { };
	u8 inner[WGT_HASH_LEN];
	struct blake2s_state state;
	unsigned int i;

	memcpy(pad, key, WGT_HASH_LEN);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36;
	blake2s_init(&state, WGT_HASH_LEN);
	blake2s_update(&state, pad, sizeof(pad));
	blake2s_update(&state, in, in_len);
	blake2s_final(&state, inner);

	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	blake2s_init(&state, WGT_HASH_LEN);
	blake2s_update(&state, pad, sizeof(pad));
	blake2s_update(&state, inner, sizeof(inner));
	blake2s_final(&state, out);

	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(inner, sizeof(inner));
}

/*
 * The protocol's KDF (HKDF with HMAC-BLAKE2s): from the chaining key and
 * @data, up to three 32-byte outputs. t0 = HMAC(ck, data) is the secret;
 * t1 = HMAC(t0, 1), t2 = HMAC(t0, t1 || 2), t3 = HMAC(t0, t2 || 3).
 * Outputs may alias the chaining key: it is read first.
 */
static void wgt_kdf(u8 *t1, u8 *t2, u8 *t3, const u8 *data, size_t len,
		    const u8 chaining_key[WGT_HASH_LEN])
{
	u8 secret[WGT_HASH_LEN], block[WGT_HASH_LEN + 1];

	wgt_hmac(secret, data, len, chaining_key);
	block[0] = 1;
	wgt_hmac(block, block, 1, secret);
	memcpy(t1, block, WGT_HASH_LEN);
	if (t2) {
		block[WGT_HASH_LEN] = 2;
		wgt_hmac(block, block, sizeof(block), secret);
		memcpy(t2, block, WGT_HASH_LEN);
	}
	if (t3) {
		block[WGT_HASH_LEN] = 3;
		wgt_hmac(block, block, sizeof(block), secret);
		memcpy(t3, block, WGT_HASH_LEN);
	}
	memzero_explicit(secret, sizeof(secret));
	memzero_explicit(block, sizeof(block));
}

/*
 * A Diffie-Hellman token ("es", "ss", "ee", "se"): mix DH(priv, pub) into
 * the chaining key, and take a fresh encryption key when @key is given.
 * Fails for a public key of low order, whose shared secret is all zero.
 */
static bool wgt_mix_dh(u8 chaining_key[WGT_HASH_LEN], u8 *key,
		       const u8 private[WGT_KEY_LEN], const u8 public[WGT_KEY_LEN])
{
	u8 shared[WGT_KEY_LEN];

	if (unlikely(!curve25519(shared, private, public)))
		return false;
	wgt_kdf(chaining_key, key, NULL, shared, sizeof(shared), chaining_key);
	memzero_explicit(shared, sizeof(shared));
	return true;
}

/* The "e" token: the ephemeral public key goes into both h and ck. */
static void wgt_mix_ephemeral(u8 chaining_key[WGT_HASH_LEN],
			      u8 hash[WGT_HASH_LEN], const u8 ephemeral[WGT_KEY_LEN])
{
	wgt_mix_hash(hash, ephemeral, WGT_KEY_LEN);
	wgt_kdf(chaining_key, NULL, NULL, ephemeral, WGT_KEY_LEN, chaining_key);
}

/* The "psk" token: the preshared key, then a key for the last payload. */
static void wgt_mix_psk(u8 chaining_key[WGT_HASH_LEN], u8 hash[WGT_HASH_LEN],
			u8 key[WGT_SYMMETRIC_KEY_LEN],
			const u8 psk[WGT_SYMMETRIC_KEY_LEN])
{
	u8 tau[WGT_HASH_LEN];

	wgt_kdf(chaining_key, tau, key, psk, WGT_SYMMETRIC_KEY_LEN, chaining_key);
	wgt_mix_hash(hash, tau, sizeof(tau));
	memzero_explicit(tau, sizeof(tau));
}

/*
 * Handshake payloads are sealed with the hash so far as associated data,
 * so a tampered transcript fails to decrypt; then the ciphertext joins
 * the hash. Each key seals exactly one payload, so the nonce is always 0.
 */
static void wgt_seal(u8 *dst, const u8 *src, size_t len,
		     const u8 key[WGT_SYMMETRIC_KEY_LEN], u8 hash[WGT_HASH_LEN])
{
	chacha20poly1305_encrypt(dst, src, len, hash, WGT_HASH_LEN, 0, key);
	wgt_mix_hash(hash, dst, len + WGT_AUTHTAG_LEN);
}

static bool wgt_unseal(u8 *dst, const u8 *src, size_t src_len,
		       const u8 key[WGT_SYMMETRIC_KEY_LEN], u8 hash[WGT_HASH_LEN])
{
	if (!chacha20poly1305_decrypt(dst, src, src_len, hash, WGT_HASH_LEN, 0, key))
		return false;
	wgt_mix_hash(hash, src, src_len);
	return true;
}

/* Both sides start from the same state, bound to the responder's key. */
static void wgt_handshake_start(u8 chaining_key[WGT_HASH_LEN],
				u8 hash[WGT_HASH_LEN],
				const u8 responder_static[WGT_KEY_LEN])
{
	memcpy(chaining_key, wgt_initial_chaining_key, WGT_HASH_LEN);
	memcpy(hash, wgt_initial_hash, WGT_HASH_LEN);
	wgt_mix_hash(hash, responder_static, WGT_KEY_LEN);
}

/*
 * TAI64N: seconds since 1970 plus 2^62 + 10, then nanoseconds, both big
 * endian. The nanoseconds are rounded down to a power-of-two step near
 * 1/INITIATIONS_PER_SECOND: the timestamp need not be finer than the rate
 * at which a responder accepts initiations, and a coarse one tells an
 * observer less about our clock.
 */
static void wgt_tai64n_now(u8 out[WGT_TIMESTAMP_LEN])
{
	struct timespec64 now;

	ktime_get_real_ts64(&now);
	now.tv_nsec = ALIGN_DOWN(now.tv_nsec,
				 rounddown_pow_of_two(NSEC_PER_SEC /
						      WGT_INITIATIONS_PER_SECOND));
	put_unaligned_be64(0x400000000000000aULL + now.tv_sec, out);
	put_unaligned_be32(now.tv_nsec, out + 8);
}

/**
 * wgt_noise_init() - compute the starting chaining key and hash once
 */
void __init wgt_noise_init(void)
{
	struct blake2s_state state;

	blake2s(wgt_initial_chaining_key, WGT_CONSTRUCTION, NULL, WGT_HASH_LEN,
		sizeof(WGT_CONSTRUCTION) - 1, 0);
	blake2s_init(&state, WGT_HASH_LEN);
	blake2s_update(&state, wgt_initial_chaining_key, WGT_HASH_LEN);
	blake2s_update(&state, WGT_IDENTIFIER, sizeof(WGT_IDENTIFIER) - 1);
	blake2s_final(&state, wgt_initial_hash);
}

/**
 * wgt_handshake_init() - an idle handshake with @peer
 * @hs: the handshake, inside @peer
 * @peer: the peer
 * @public_key: the peer's static public key
 */
void wgt_handshake_init(struct wgt_handshake *hs, struct wgt_peer *peer,
			const u8 public_key[WGT_KEY_LEN])
{
	memset(hs, 0, sizeof(*hs));
	init_rwsem(&hs->lock);
	hs->entry.type = WGT_INDEX_HANDSHAKE;
	hs->entry.peer = peer;
	INIT_HLIST_NODE(&hs->entry.node);
	memcpy(hs->remote_static, public_key, WGT_KEY_LEN);
}

/* Forget a handshake's secrets and its index. Caller holds hs->lock. */
static void wgt_handshake_zero(struct wgt_device *wg, struct wgt_handshake *hs)
{
	memzero_explicit(hs->ephemeral_private, WGT_KEY_LEN);
	memset(hs->remote_ephemeral, 0, WGT_KEY_LEN);
	memzero_explicit(hs->hash, WGT_HASH_LEN);
	memzero_explicit(hs->chaining_key, WGT_HASH_LEN);
	hs->remote_index = 0;
	hs->state = WGT_HS_ZEROED;
	wgt_index_table_remove(&wg->index_table, &hs->entry);
}

/**
 * wgt_handshake_clear() - abandon any handshake in progress
 * @hs: the handshake
 */
void wgt_handshake_clear(struct wgt_handshake *hs)
{
	down_write(&hs->lock);
	wgt_handshake_zero(hs->entry.peer->wg, hs);
	up_write(&hs->lock);
}

/**
 * wgt_noise_build_initiation() - message 1 from given ephemeral and time
 * @wg: our device (its identity and index table)
 * @hs: the handshake with the peer we initiate to
 * @msg: filled in, all but the MACs
 * @ephemeral: our ephemeral private key (random, except in self-tests)
 * @timestamp: TAI64N now (fixed, in self-tests)
 *
 * Return: false when we have no identity or the peer's key is unusable.
 */
bool wgt_noise_build_initiation(struct wgt_device *wg, struct wgt_handshake *hs,
				struct wgt_msg_initiation *msg,
				const u8 ephemeral[WGT_KEY_LEN],
				const u8 timestamp[WGT_TIMESTAMP_LEN])
{
	u8 key[WGT_SYMMETRIC_KEY_LEN];
	bool ok = false;

	down_read(&wg->identity.lock);
	down_write(&hs->lock);
	/* A removed peer's handshake was cleared for good: no new index. */
	if (!wg->identity.has_identity || READ_ONCE(hs->entry.peer->is_dead))
		goto out;
	msg->header.type = cpu_to_le32(WGT_MSG_INITIATION);
	wgt_handshake_start(hs->chaining_key, hs->hash, hs->remote_static);

	/* e */
	memcpy(hs->ephemeral_private, ephemeral, WGT_KEY_LEN);
	if (!curve25519_generate_public(msg->unencrypted_ephemeral, ephemeral))
		goto out;
	wgt_mix_ephemeral(hs->chaining_key, hs->hash, msg->unencrypted_ephemeral);
	/* es */
	if (!wgt_mix_dh(hs->chaining_key, key, ephemeral, hs->remote_static))
		goto out;
	/* s: our static public key, encrypted */
	wgt_seal(msg->encrypted_static, wg->identity.public_key, WGT_KEY_LEN,
		 key, hs->hash);
	/* ss */
	if (!wgt_mix_dh(hs->chaining_key, key, wg->identity.private_key,
			hs->remote_static))
		goto out;
	/* payload: the timestamp that makes replays detectable */
	wgt_seal(msg->encrypted_timestamp, timestamp, WGT_TIMESTAMP_LEN, key,
		 hs->hash);

	/* A new index for a new handshake; the old one, if any, is dropped. */
	wgt_index_table_remove(&wg->index_table, &hs->entry);
	msg->sender_index = wgt_index_table_insert(&wg->index_table, &hs->entry);
	hs->state = WGT_HS_CREATED_INITIATION;
	ok = true;
out:
	if (!ok)
		wgt_handshake_zero(wg, hs);
	up_write(&hs->lock);
	up_read(&wg->identity.lock);
	memzero_explicit(key, sizeof(key));
	return ok;
}

/**
 * wgt_noise_create_initiation() - message 1, with a fresh ephemeral key
 * @wg: our device
 * @hs: the handshake with the peer we initiate to
 * @msg: filled in, all but the MACs
 *
 * Return: false when no initiation can be made (no identity, bad key).
 */
bool wgt_noise_create_initiation(struct wgt_device *wg, struct wgt_handshake *hs,
				 struct wgt_msg_initiation *msg)
{
	u8 ephemeral[WGT_KEY_LEN], timestamp[WGT_TIMESTAMP_LEN];
	bool ok;

	curve25519_generate_secret(ephemeral);
	wgt_tai64n_now(timestamp);
	ok = wgt_noise_build_initiation(wg, hs, msg, ephemeral, timestamp);
	memzero_explicit(ephemeral, sizeof(ephemeral));
	return ok;
}

/**
 * wgt_noise_consume_initiation() - check message 1 and find who sent it
 * @wg: our device
 * @msg: the initiation, its MAC1 already checked
 * @why: set to the reason when the message is rejected
 *
 * Return: a reference to the initiating peer, its handshake now in state
 * CONSUMED_INITIATION; or NULL when the message is rejected.
 */
struct wgt_peer *wgt_noise_consume_initiation(struct wgt_device *wg,
					      const struct wgt_msg_initiation *msg,
					      enum wgt_drop_reason *why)
{
	u8 chaining_key[WGT_HASH_LEN], hash[WGT_HASH_LEN], key[WGT_SYMMETRIC_KEY_LEN];
	u8 s[WGT_KEY_LEN], t[WGT_TIMESTAMP_LEN], e[WGT_KEY_LEN];
	struct wgt_peer *peer = NULL;
	struct wgt_handshake *hs;
	bool replay, flood;

	down_read(&wg->identity.lock);
	*why = WGT_DROP_NO_PRIVATE_KEY;
	if (!wg->identity.has_identity)
		goto out;
	wgt_handshake_start(chaining_key, hash, wg->identity.public_key);

	/* e */
	memcpy(e, msg->unencrypted_ephemeral, WGT_KEY_LEN);
	wgt_mix_ephemeral(chaining_key, hash, e);
	/* es */
	*why = WGT_DROP_BAD_EPHEMERAL;
	if (!wgt_mix_dh(chaining_key, key, wg->identity.private_key, e))
		goto out;
	/* s: who is this? */
	*why = WGT_DROP_STATIC_UNDECRYPTABLE;
	if (!wgt_unseal(s, msg->encrypted_static, sizeof(msg->encrypted_static),
			key, hash))
		goto out;
	*why = WGT_DROP_UNKNOWN_PEER;
	peer = wgt_pubkey_table_lookup(&wg->pubkey_table, s);
	if (!peer)
		goto out;
	hs = &peer->handshake;
	/* ss */
	*why = WGT_DROP_BAD_STATIC;
	if (!wgt_mix_dh(chaining_key, key, wg->identity.private_key, s))
		goto fail;
	/* payload: the timestamp */
	*why = WGT_DROP_TIMESTAMP_UNDECRYPTABLE;
	if (!wgt_unseal(t, msg->encrypted_timestamp,
			sizeof(msg->encrypted_timestamp), key, hash))
		goto fail;

	down_write(&hs->lock);
	/* Big-endian TAI64N compares correctly as bytes. */
	replay = memcmp(t, hs->latest_timestamp, WGT_TIMESTAMP_LEN) <= 0;
	flood = hs->last_initiation_ns &&
		wgt_age_ns(hs->last_initiation_ns) < NSEC_PER_SEC / WGT_INITIATIONS_PER_SECOND;
	if (replay || flood) {
		up_write(&hs->lock);
		*why = replay ? WGT_DROP_REPLAYED_TIMESTAMP : WGT_DROP_TOO_FREQUENT;
		goto fail;
	}
	memcpy(hs->remote_ephemeral, e, WGT_KEY_LEN);
	memcpy(hs->latest_timestamp, t, WGT_TIMESTAMP_LEN);
	memcpy(hs->hash, hash, WGT_HASH_LEN);
	memcpy(hs->chaining_key, chaining_key, WGT_HASH_LEN);
	hs->remote_index = msg->sender_index;
	hs->last_initiation_ns = wgt_now_ns();
	hs->state = WGT_HS_CONSUMED_INITIATION;
	up_write(&hs->lock);
	*why = WGT_DROP_NONE;
	goto out;

fail:
	wgt_peer_put(peer);
	peer = NULL;
out:
	up_read(&wg->identity.lock);
	memzero_explicit(chaining_key, sizeof(chaining_key));
	memzero_explicit(hash, sizeof(hash));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(s, sizeof(s));
	return peer;
}

/**
 * wgt_noise_build_response() - message 2 from a given ephemeral key
 * @wg: our device
 * @hs: a handshake in state CONSUMED_INITIATION
 * @msg: filled in, all but the MACs
 * @ephemeral: our ephemeral private key (random, except in self-tests)
 *
 * Return: false when the handshake is not ready for a response.
 */
bool wgt_noise_build_response(struct wgt_device *wg, struct wgt_handshake *hs,
			      struct wgt_msg_response *msg,
			      const u8 ephemeral[WGT_KEY_LEN])
{
	u8 key[WGT_SYMMETRIC_KEY_LEN];
	bool ok = false;

	down_read(&wg->identity.lock);
	down_write(&hs->lock);
	if (hs->state != WGT_HS_CONSUMED_INITIATION ||
	    READ_ONCE(hs->entry.peer->is_dead))
		goto out;
	msg->header.type = cpu_to_le32(WGT_MSG_RESPONSE);
	msg->receiver_index = hs->remote_index;

	/* e */
	memcpy(hs->ephemeral_private, ephemeral, WGT_KEY_LEN);
	if (!curve25519_generate_public(msg->unencrypted_ephemeral, ephemeral))
		goto zero;
	wgt_mix_ephemeral(hs->chaining_key, hs->hash, msg->unencrypted_ephemeral);
	/* ee */
	if (!wgt_mix_dh(hs->chaining_key, NULL, ephemeral, hs->remote_ephemeral))
		goto zero;
	/* se */
	if (!wgt_mix_dh(hs->chaining_key, NULL, ephemeral, hs->remote_static))
		goto zero;
	/* psk */
	wgt_mix_psk(hs->chaining_key, hs->hash, key, hs->preshared_key);
	/* payload: nothing, but its tag proves we hold every key so far */
	wgt_seal(msg->encrypted_nothing, NULL, 0, key, hs->hash);

	wgt_index_table_remove(&wg->index_table, &hs->entry);
	msg->sender_index = wgt_index_table_insert(&wg->index_table, &hs->entry);
	hs->state = WGT_HS_CREATED_RESPONSE;
	ok = true;
	goto out;
zero:
	wgt_handshake_zero(wg, hs);
out:
	up_write(&hs->lock);
	up_read(&wg->identity.lock);
	memzero_explicit(key, sizeof(key));
	return ok;
}

/**
 * wgt_noise_create_response() - message 2, with a fresh ephemeral key
 * @wg: our device
 * @hs: a handshake in state CONSUMED_INITIATION
 * @msg: filled in, all but the MACs
 *
 * Return: false when the handshake is not ready for a response.
 */
bool wgt_noise_create_response(struct wgt_device *wg, struct wgt_handshake *hs,
			       struct wgt_msg_response *msg)
{
	u8 ephemeral[WGT_KEY_LEN];
	bool ok;

	curve25519_generate_secret(ephemeral);
	ok = wgt_noise_build_response(wg, hs, msg, ephemeral);
	memzero_explicit(ephemeral, sizeof(ephemeral));
	return ok;
}

/**
 * wgt_noise_consume_response() - check message 2 against our initiation
 * @wg: our device
 * @msg: the response, its MAC1 already checked
 * @why: set to the reason when the message is rejected
 *
 * Return: a reference to the responding peer, its handshake now in state
 * CONSUMED_RESPONSE; or NULL when the message is rejected.
 */
struct wgt_peer *wgt_noise_consume_response(struct wgt_device *wg,
					    const struct wgt_msg_response *msg,
					    enum wgt_drop_reason *why)
{
	u8 chaining_key[WGT_HASH_LEN], hash[WGT_HASH_LEN], key[WGT_SYMMETRIC_KEY_LEN];
	u8 ephemeral_private[WGT_KEY_LEN], psk[WGT_SYMMETRIC_KEY_LEN];
	const u8 *e = msg->unencrypted_ephemeral;
	struct wgt_index_entry *entry;
	struct wgt_peer *peer;
	struct wgt_handshake *hs;
	bool ok = false;

	*why = WGT_DROP_UNKNOWN_INDEX;
	entry = wgt_index_table_lookup(&wg->index_table, msg->receiver_index,
				       WGT_INDEX_HANDSHAKE, &peer);
	if (!entry)
		return NULL;
	hs = container_of(entry, struct wgt_handshake, entry);

	down_read(&wg->identity.lock);
	down_read(&hs->lock);
	*why = WGT_DROP_NO_INITIATION;
	if (hs->state != WGT_HS_CREATED_INITIATION) {
		up_read(&hs->lock);
		goto out;
	}
	memcpy(chaining_key, hs->chaining_key, WGT_HASH_LEN);
	memcpy(hash, hs->hash, WGT_HASH_LEN);
	memcpy(ephemeral_private, hs->ephemeral_private, WGT_KEY_LEN);
	memcpy(psk, hs->preshared_key, WGT_SYMMETRIC_KEY_LEN);
	up_read(&hs->lock);

	/* e */
	wgt_mix_ephemeral(chaining_key, hash, e);
	/* ee */
	*why = WGT_DROP_BAD_EPHEMERAL;
	if (!wgt_mix_dh(chaining_key, NULL, ephemeral_private, e))
		goto out;
	/* se */
	if (!wgt_mix_dh(chaining_key, NULL, wg->identity.private_key, e))
		goto out;
	/* psk */
	wgt_mix_psk(chaining_key, hash, key, psk);
	/* payload: empty, authenticated */
	*why = WGT_DROP_RESPONSE_UNDECRYPTABLE;
	if (!wgt_unseal(NULL, msg->encrypted_nothing,
			sizeof(msg->encrypted_nothing), key, hash))
		goto out;

	down_write(&hs->lock);
	/* Another response, or a new initiation, may have raced us here. */
	*why = WGT_DROP_HANDSHAKE_CHANGED;
	if (hs->state == WGT_HS_CREATED_INITIATION &&
	    hs->entry.index == msg->receiver_index) {
		memcpy(hs->remote_ephemeral, e, WGT_KEY_LEN);
		memcpy(hs->hash, hash, WGT_HASH_LEN);
		memcpy(hs->chaining_key, chaining_key, WGT_HASH_LEN);
		hs->remote_index = msg->sender_index;
		hs->state = WGT_HS_CONSUMED_RESPONSE;
		ok = true;
		*why = WGT_DROP_NONE;
	}
	up_write(&hs->lock);
out:
	up_read(&wg->identity.lock);
	memzero_explicit(chaining_key, sizeof(chaining_key));
	memzero_explicit(hash, sizeof(hash));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(ephemeral_private, sizeof(ephemeral_private));
	memzero_explicit(psk, sizeof(psk));
	if (!ok) {
		wgt_peer_put(peer);
		return NULL;
	}
	return peer;
}

static void wgt_keypair_free_rcu(struct rcu_head *rcu)
{
	struct wgt_keypair *keypair = container_of(rcu, struct wgt_keypair, rcu);

	memzero_explicit(keypair->sending_key, WGT_SYMMETRIC_KEY_LEN);
	memzero_explicit(keypair->receiving_key, WGT_SYMMETRIC_KEY_LEN);
	kmem_cache_free(wgt_keypair_cache, keypair);
	atomic_dec(&wgt_live.keypairs);
}

static void wgt_keypair_release(struct kref *refcount)
{
	struct wgt_keypair *keypair = container_of(refcount, struct wgt_keypair,
						   refcount);
	struct wgt_peer *peer = keypair->entry.peer;

	trace_keypair_destroy(peer->wg->dev, peer->public_key,
			      le32_to_cpu(keypair->entry.index),
			      le32_to_cpu(keypair->remote_index),
			      keypair->i_am_initiator);
	wgt_index_table_remove(&peer->wg->index_table, &keypair->entry);
	call_rcu(&keypair->rcu, wgt_keypair_free_rcu);
}

/**
 * wgt_keypair_get() - take a reference to a keypair found under RCU
 * @keypair: the keypair, or NULL
 *
 * Return: @keypair, or NULL if it is on its way out.
 */
struct wgt_keypair *wgt_keypair_get(struct wgt_keypair *keypair)
{
	if (unlikely(!keypair || !kref_get_unless_zero(&keypair->refcount)))
		return NULL;
	return keypair;
}

/**
 * wgt_keypair_put() - drop a reference; NULL is fine
 * @keypair: the keypair
 */
void wgt_keypair_put(struct wgt_keypair *keypair)
{
	if (keypair)
		kref_put(&keypair->refcount, wgt_keypair_release);
}

/**
 * wgt_keypairs_stop_sending() - send no more with the current or next keypair
 * @keypairs: the peer's slots
 *
 * Both may still receive: packets already in flight to us are not lost.
 * The next packet to send finds no valid keypair and starts a handshake.
 */
void wgt_keypairs_stop_sending(struct wgt_keypairs *keypairs)
{
	struct wgt_keypair *keypair;

	spin_lock_bh(&keypairs->lock);
	keypair = rcu_dereference_protected(keypairs->current_keypair,
					    lockdep_is_held(&keypairs->lock));
	if (keypair)
		WRITE_ONCE(keypair->sending_valid, false);
	/* An unconfirmed "next" would become current, and send, on its first data. */
	keypair = rcu_dereference_protected(keypairs->next_keypair,
					    lockdep_is_held(&keypairs->lock));
	if (keypair)
		WRITE_ONCE(keypair->sending_valid, false);
	spin_unlock_bh(&keypairs->lock);
}

/**
 * wgt_keypairs_current() - a reference to the keypair to send with
 * @keypairs: the peer's slots
 *
 * Return: the current keypair with a reference, or NULL.
 */
struct wgt_keypair *wgt_keypairs_current(struct wgt_keypairs *keypairs)
{
	struct wgt_keypair *keypair;

	rcu_read_lock_bh();
	keypair = wgt_keypair_get(rcu_dereference_bh(keypairs->current_keypair));
	rcu_read_unlock_bh();
	return keypair;
}

/*
 * Put @new into @slot and drop what was there. The dropped keypair leaves
 * the index table at once, so no new message finds it; packets already
 * holding it finish with it. Caller holds keypairs->lock.
 */
static void wgt_keypairs_set(struct wgt_keypairs *keypairs,
			     struct wgt_keypair __rcu **slot,
			     struct wgt_keypair *new)
{
	struct wgt_keypair *old;

	old = rcu_dereference_protected(*slot, lockdep_is_held(&keypairs->lock));
	rcu_assign_pointer(*slot, new);
	if (old && old != new)
		wgt_index_table_remove(&old->entry.peer->wg->index_table, &old->entry);
	wgt_keypair_put(old);
}

/**
 * wgt_noise_begin_session() - derive the transport keys and install them
 * @hs: a handshake that just created or consumed a response
 * @keypairs: the peer's keypair slots
 *
 * The initiator, having seen the response, starts using the new keypair
 * at once. The responder must wait: the keypair goes to "next" until the
 * initiator's first data message shows it arrived (chapter 3, "Keypairs").
 *
 * Return: the new keypair, or NULL. The slots hold the reference, and a
 * clear may drop it at any time: the callers only test it against NULL.
 */
struct wgt_keypair *wgt_noise_begin_session(struct wgt_handshake *hs,
					    struct wgt_keypairs *keypairs)
{
	struct wgt_peer *peer = hs->entry.peer;
	struct wgt_device *wg = peer->wg;
	struct wgt_keypair *keypair, *next, *old;

	keypair = kmem_cache_zalloc(wgt_keypair_cache, GFP_KERNEL);
	if (!keypair)
		return NULL;
	kref_init(&keypair->refcount);
	spin_lock_init(&keypair->replay.lock);
	keypair->entry.type = WGT_INDEX_KEYPAIR;
	keypair->entry.peer = peer;

	down_write(&hs->lock);
	if (hs->state != WGT_HS_CREATED_RESPONSE &&
	    hs->state != WGT_HS_CONSUMED_RESPONSE) {
		up_write(&hs->lock);
		kmem_cache_free(wgt_keypair_cache, keypair);
		return NULL;
	}
	atomic_inc(&wgt_live.keypairs);
	keypair->i_am_initiator = hs->state == WGT_HS_CONSUMED_RESPONSE;
	keypair->remote_index = hs->remote_index;
	keypair->birthdate_ns = wgt_now_ns();
	/* Split: the initiator sends with the first key, receives with the second. */
	if (keypair->i_am_initiator)
		wgt_kdf(keypair->sending_key, keypair->receiving_key, NULL, NULL, 0,
			hs->chaining_key);
	else
		wgt_kdf(keypair->receiving_key, keypair->sending_key, NULL, NULL, 0,
			hs->chaining_key);
	keypair->sending_valid = true;
	/* The session inherits the handshake's index: the peer already knows it. */
	wgt_index_table_replace(&wg->index_table, &hs->entry, &keypair->entry);
	wgt_handshake_zero(wg, hs);
	up_write(&hs->lock);

	spin_lock_bh(&keypairs->lock);
	/* Removal cleared the slots already: a keypair put there would leak. */
	if (READ_ONCE(peer->is_dead)) {
		spin_unlock_bh(&keypairs->lock);
		wgt_keypair_put(keypair);
		return NULL;
	}
	if (keypair->i_am_initiator) {
		/*
		 * An unconfirmed "next" never became current; it can still
		 * receive, so it is kept as "previous" rather than the
		 * current one we are replacing.
		 */
		next = rcu_dereference_protected(keypairs->next_keypair,
						 lockdep_is_held(&keypairs->lock));
		if (next) {
			RCU_INIT_POINTER(keypairs->next_keypair, NULL);
			wgt_keypairs_set(keypairs, &keypairs->previous_keypair, next);
			wgt_keypairs_set(keypairs, &keypairs->current_keypair, keypair);
		} else {
			old = rcu_dereference_protected(keypairs->current_keypair,
							lockdep_is_held(&keypairs->lock));
			wgt_keypairs_set(keypairs, &keypairs->previous_keypair, old);
			rcu_assign_pointer(keypairs->current_keypair, keypair);
		}
	} else {
		wgt_keypairs_set(keypairs, &keypairs->next_keypair, keypair);
	}
	/* Under the lock: once it is dropped, a clear may free the keypair. */
	trace_keypair_create(wg->dev, peer->public_key,
			     le32_to_cpu(keypair->entry.index),
			     le32_to_cpu(keypair->remote_index),
			     keypair->i_am_initiator);
	spin_unlock_bh(&keypairs->lock);
	return keypair;
}

/**
 * wgt_keypairs_received_with() - a data message decrypted with @keypair
 * @keypairs: the peer's slots
 * @keypair: the keypair that decrypted it
 *
 * Return: true when this confirmed a "next" keypair, which is now current:
 * the responder's side of the handshake is complete.
 */
bool wgt_keypairs_received_with(struct wgt_keypairs *keypairs,
				struct wgt_keypair *keypair)
{
	struct wgt_keypair *old;

	if (likely(keypair != rcu_access_pointer(keypairs->next_keypair)))
		return false;
	spin_lock_bh(&keypairs->lock);
	if (keypair != rcu_dereference_protected(keypairs->next_keypair,
						 lockdep_is_held(&keypairs->lock))) {
		spin_unlock_bh(&keypairs->lock);
		return false;
	}
	old = rcu_dereference_protected(keypairs->current_keypair,
					lockdep_is_held(&keypairs->lock));
	wgt_keypairs_set(keypairs, &keypairs->previous_keypair, old);
	rcu_assign_pointer(keypairs->current_keypair, keypair);
	RCU_INIT_POINTER(keypairs->next_keypair, NULL);
	spin_unlock_bh(&keypairs->lock);
	return true;
}

/**
 * wgt_keypairs_init() - three empty slots
 * @keypairs: the slots
 */
void wgt_keypairs_init(struct wgt_keypairs *keypairs)
{
	spin_lock_init(&keypairs->lock);
	RCU_INIT_POINTER(keypairs->current_keypair, NULL);
	RCU_INIT_POINTER(keypairs->previous_keypair, NULL);
	RCU_INIT_POINTER(keypairs->next_keypair, NULL);
}

/**
 * wgt_keypairs_clear() - drop all three keypairs (peer removed, keys zeroed)
 * @keypairs: the slots
 */
void wgt_keypairs_clear(struct wgt_keypairs *keypairs)
{
	spin_lock_bh(&keypairs->lock);
	wgt_keypairs_set(keypairs, &keypairs->current_keypair, NULL);
	wgt_keypairs_set(keypairs, &keypairs->previous_keypair, NULL);
	wgt_keypairs_set(keypairs, &keypairs->next_keypair, NULL);
	spin_unlock_bh(&keypairs->lock);
}

/**
 * wgt_replay_check() - accept each counter once, within a window
 * @replay: the keypair's window
 * @counter: the counter of a message that decrypted correctly
 *
 * Counters far behind the greatest seen are too old to tell apart from a
 * replay and are refused; within the window, each bit records one counter.
 *
 * Return: true if @counter is new, false for a replay or one too old.
 */
bool wgt_replay_check(struct wgt_replay *replay, u64 counter)
{
	/* LAB(ch4-replay): accept each counter once; refuse replays and counters too old */
	/* LAB(ch4-replay) skeleton: return true; */
	unsigned long bit;
	u64 i;
	bool fresh;

	if (counter >= WGT_REJECT_AFTER_MESSAGES)
		return false;
	spin_lock_bh(&replay->lock);
	if (counter + WGT_REPLAY_WINDOW < replay->greatest) {
		spin_unlock_bh(&replay->lock);
		return false;
	}
	if (counter > replay->greatest) {
		/*
		 * Slide forward: the slots of the counters we skip, and of this
		 * one, still hold bits of counters a whole window older.
		 */
		if (counter - replay->greatest >= WGT_REPLAY_BITS) {
			memset(replay->bitmap, 0, sizeof(replay->bitmap));
		} else {
			for (i = replay->greatest + 1; i <= counter; i++)
				__clear_bit(i % WGT_REPLAY_BITS, replay->bitmap);
		}
		replay->greatest = counter;
	}
	bit = counter % WGT_REPLAY_BITS;
	fresh = !__test_and_set_bit(bit, replay->bitmap);
	spin_unlock_bh(&replay->lock);
	return fresh;
	/* END LAB(ch4-replay) */
}

/**
 * wgt_identity_set() - set or clear (all-zero key) a static identity
 * @id: the identity
 * @private_key: the new private key
 */
void wgt_identity_set(struct wgt_identity *id, const u8 private_key[WGT_KEY_LEN])
{
	down_write(&id->lock);
	if (!memchr_inv(private_key, 0, WGT_KEY_LEN)) {
		memzero_explicit(id->private_key, WGT_KEY_LEN);
		memset(id->public_key, 0, WGT_KEY_LEN);
		id->has_identity = false;
	} else {
		memcpy(id->private_key, private_key, WGT_KEY_LEN);
		curve25519_clamp_secret(id->private_key);
		id->has_identity = curve25519_generate_public(id->public_key,
							      id->private_key);
	}
	up_write(&id->lock);
}

/**
 * wgt_keypair_slab_init() - the keypair cache
 *
 * Return: 0 or -ENOMEM.
 */
int __init wgt_keypair_slab_init(void)
{
	wgt_keypair_cache = KMEM_CACHE(wgt_keypair, 0);
	return wgt_keypair_cache ? 0 : -ENOMEM;
}

/**
 * wgt_keypair_slab_uninit() - destroy the cache once all keypairs are gone
 */
void wgt_keypair_slab_uninit(void)
{
	rcu_barrier();
	kmem_cache_destroy(wgt_keypair_cache);
}
