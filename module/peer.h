/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A peer (chapter 2): the other end of a tunnel, known by its public key.
 */
#ifndef _WGTOUR_PEER_H
#define _WGTOUR_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/time64.h>

#include "messages.h"

struct wgt_device;

/* Where a peer's datagrams go: an IPv4 or IPv6 UDP address, or none. */
union wgt_endpoint {
	struct sockaddr addr;
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
};

/**
 * struct wgt_peer - one peer of a device
 * @wg: the device the peer belongs to
 * @refcount: the peer is freed, after an RCU grace period, when the last
 *	reference goes (lookups take one; the device's list holds one)
 * @rcu: for that delayed free
 * @peer_list: entry in @wg->peer_list (insertion order, as "wg" shows it)
 * @pubkey_hash: entry in the device's public-key hashtable
 * @allowedips_list: this peer's prefixes in the trie, in insertion order
 * @public_key: the peer's static Curve25519 public key
 * @preshared_key: optional extra symmetric key; all zero when unset
 * @endpoint_lock: guards @endpoint (readers in softirq context)
 * @endpoint: the peer's UDP address, family AF_UNSPEC when unknown
 * @persistent_keepalive: seconds between keepalives, 0 for off
 * @rx_bytes: bytes received from the peer
 * @tx_bytes: bytes sent to the peer
 * @last_handshake: wall-clock time of the last completed handshake
 * @is_dead: set once the peer is removed; nothing may queue to it then
 * @napi: this peer's NAPI instance: received packets reach the stack from
 *	its poll function, in order, in softirq context (chapter 4)
 * @rx_queue: decrypted packets waiting for @napi, in arrival order
 * @staged_queue: packets to send that wait for a keypair (chapter 5)
 * @tx_queue: encrypted packets waiting to be sent, in order (chapter 5)
 */
struct wgt_peer {
	struct wgt_device *wg;
	struct kref refcount;
	struct rcu_head rcu;
	struct list_head peer_list;
	struct hlist_node pubkey_hash;
	struct list_head allowedips_list;
	u8 public_key[WGT_KEY_LEN];
	u8 preshared_key[WGT_SYMMETRIC_KEY_LEN];
	rwlock_t endpoint_lock; /* see above */
	union wgt_endpoint endpoint;
	u16 persistent_keepalive;
	u64 rx_bytes;
	u64 tx_bytes;
	struct timespec64 last_handshake;
	bool is_dead;
	struct napi_struct napi;
	struct sk_buff_head rx_queue;
	struct sk_buff_head staged_queue;
	struct sk_buff_head tx_queue;
};

struct wgt_peer *wgt_peer_create(struct wgt_device *wg,
				 const u8 public_key[WGT_KEY_LEN]);
void wgt_peer_remove(struct wgt_peer *peer);
void wgt_peer_remove_all(struct wgt_device *wg);
struct wgt_peer *wgt_peer_get_maybe_zero(struct wgt_peer *peer);
void wgt_peer_put(struct wgt_peer *peer);
int wgt_peer_slab_init(void);
void wgt_peer_slab_uninit(void);

#endif /* _WGTOUR_PEER_H */
