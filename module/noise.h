/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Noise_IKpsk2 handshake and the keypairs it produces (chapter 3).
 */
#ifndef _WGTOUR_NOISE_H
#define _WGTOUR_NOISE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>

#include "drop_reason.h"
#include "messages.h"
#include "peerlookup.h"

struct wgt_device;
struct wgt_peer;

/*
 * A sliding window over received counters, so each data message is
 * accepted at most once even when packets arrive out of order (chapter 4).
 * Bit (counter % WGT_REPLAY_BITS) is set once that counter was seen. The
 * size is the other implementations' (upstream and wireguard-go: a window
 * of 8128 counters), so a peer of theirs gets the reordering they allow.
 */
#define WGT_REPLAY_BITS		8192
#define WGT_REPLAY_WINDOW	(WGT_REPLAY_BITS - BITS_PER_LONG)

struct wgt_replay {
	spinlock_t lock; /* readers and writers are packet paths */
	u64 greatest;
	unsigned long bitmap[WGT_REPLAY_BITS / BITS_PER_LONG];
};

/**
 * struct wgt_keypair - the session keys one handshake produced
 * @entry: our receiver index for this session, in the device's index
 *	table: data messages from the peer name it
 * @refcount: the peer's keypair slots and each packet in flight hold one;
 *	whoever holds a keypair must hold its peer too (the last put reads
 *	@entry's peer), since the keypair itself holds none
 * @rcu: the keys are wiped and freed after a grace period
 * @sending_key: ChaCha20-Poly1305 key for what we send
 * @receiving_key: and for what we receive
 * @sending_counter: the next nonce to use; never reused
 * @replay: which receive counters were already accepted
 * @birthdate_ns: boottime when the session began, for its expiry
 * @remote_index: the peer's index for this session: we put it in the
 *	messages we send
 * @i_am_initiator: whether we started the handshake that made it
 * @sending_valid: cleared when the keypair may no longer send
 */
struct wgt_keypair {
	struct wgt_index_entry entry;
	struct kref refcount;
	struct rcu_head rcu;
	u8 sending_key[WGT_SYMMETRIC_KEY_LEN];
	u8 receiving_key[WGT_SYMMETRIC_KEY_LEN];
	atomic64_t sending_counter;
	struct wgt_replay replay;
	u64 birthdate_ns;
	__le32 remote_index;
	bool i_am_initiator;
	bool sending_valid;
};

/**
 * struct wgt_keypairs - a peer's three keypair slots
 * @current_keypair: the one we send with
 * @previous_keypair: the one before, still good for receiving stragglers
 * @next_keypair: made by a handshake we answered; it becomes current when
 *	the initiator's first data message proves they have it too
 * @lock: taken by writers; readers use RCU
 */
struct wgt_keypairs {
	struct wgt_keypair __rcu *current_keypair;
	struct wgt_keypair __rcu *previous_keypair;
	struct wgt_keypair __rcu *next_keypair;
	spinlock_t lock; /* writers of the three slots; readers use RCU */
};

enum wgt_handshake_state {
	WGT_HS_ZEROED,
	WGT_HS_CREATED_INITIATION,
	WGT_HS_CONSUMED_INITIATION,
	WGT_HS_CREATED_RESPONSE,
	WGT_HS_CONSUMED_RESPONSE,
};

/**
 * struct wgt_handshake - one peer's handshake in progress
 * @entry: our sender index while a handshake is in flight
 * @lock: handshakes run in process context (the handshake worker,
 *	netlink); readers of the peer's keys share, changes exclude
 * @state: where in the message pattern we are
 * @remote_static: the peer's static public key (its identity)
 * @preshared_key: the optional symmetric key mixed in at "psk2"
 * @ephemeral_private: our ephemeral key for this handshake
 * @remote_ephemeral: the peer's ephemeral public key
 * @hash: the running handshake hash "h"
 * @chaining_key: the running chaining key "ck"
 * @latest_timestamp: the newest TAI64N seen from the peer: an older or
 *	equal one is a replay
 * @last_initiation_ns: boottime of the last initiation we accepted
 * @remote_index: the peer's sender index, where our reply must go
 */
struct wgt_handshake {
	struct wgt_index_entry entry;
	struct rw_semaphore lock;
	enum wgt_handshake_state state;
	u8 remote_static[WGT_KEY_LEN];
	u8 preshared_key[WGT_SYMMETRIC_KEY_LEN];
	u8 ephemeral_private[WGT_KEY_LEN];
	u8 remote_ephemeral[WGT_KEY_LEN];
	u8 hash[WGT_HASH_LEN];
	u8 chaining_key[WGT_HASH_LEN];
	u8 latest_timestamp[WGT_TIMESTAMP_LEN];
	u64 last_initiation_ns;
	__le32 remote_index;
};

/**
 * struct wgt_identity - the interface's static key pair
 * @lock: netlink changes it while the handshake worker reads it
 * @private_key: clamped Curve25519 private key
 * @public_key: its public key
 * @has_identity: whether a private key is set
 */
struct wgt_identity {
	struct rw_semaphore lock;
	u8 private_key[WGT_KEY_LEN];
	u8 public_key[WGT_KEY_LEN];
	bool has_identity;
};

void wgt_noise_init(void);
void wgt_handshake_init(struct wgt_handshake *hs, struct wgt_peer *peer,
			const u8 public_key[WGT_KEY_LEN]);
void wgt_handshake_clear(struct wgt_handshake *hs);

bool wgt_noise_create_initiation(struct wgt_device *wg, struct wgt_handshake *hs,
				 struct wgt_msg_initiation *msg);
bool wgt_noise_build_initiation(struct wgt_device *wg, struct wgt_handshake *hs,
				struct wgt_msg_initiation *msg,
				const u8 ephemeral[WGT_KEY_LEN],
				const u8 timestamp[WGT_TIMESTAMP_LEN]);
struct wgt_peer *wgt_noise_consume_initiation(struct wgt_device *wg,
					      const struct wgt_msg_initiation *msg,
					      enum wgt_drop_reason *why);
bool wgt_noise_create_response(struct wgt_device *wg, struct wgt_handshake *hs,
			       struct wgt_msg_response *msg);
bool wgt_noise_build_response(struct wgt_device *wg, struct wgt_handshake *hs,
			      struct wgt_msg_response *msg,
			      const u8 ephemeral[WGT_KEY_LEN]);
struct wgt_peer *wgt_noise_consume_response(struct wgt_device *wg,
					    const struct wgt_msg_response *msg,
					    enum wgt_drop_reason *why);
struct wgt_keypair *wgt_noise_begin_session(struct wgt_handshake *hs,
					    struct wgt_keypairs *keypairs);

void wgt_keypairs_init(struct wgt_keypairs *keypairs);
void wgt_keypairs_clear(struct wgt_keypairs *keypairs);
bool wgt_keypairs_received_with(struct wgt_keypairs *keypairs,
				struct wgt_keypair *keypair);
struct wgt_keypair *wgt_keypair_get(struct wgt_keypair *keypair);
void wgt_keypair_put(struct wgt_keypair *keypair);
struct wgt_keypair *wgt_keypairs_current(struct wgt_keypairs *keypairs);
void wgt_keypairs_stop_sending(struct wgt_keypairs *keypairs);
bool wgt_replay_check(struct wgt_replay *replay, u64 counter);

int wgt_keypair_slab_init(void);
void wgt_keypair_slab_uninit(void);
void wgt_identity_set(struct wgt_identity *id, const u8 private_key[WGT_KEY_LEN]);

#endif /* _WGTOUR_NOISE_H */
