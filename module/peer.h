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
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>

#include "cookie.h"
#include "messages.h"
#include "noise.h"

struct wgt_device;

/*
 * Where a peer's datagrams go (an IPv4 or IPv6 UDP address, or none), and
 * from which of our addresses: the one the peer's last authenticated
 * packet was sent to (chapter 3, "Endpoints"). A host with several
 * addresses then answers from the address the peer wrote to, so the peer
 * keeps the endpoint it knows. Our side is zero when it is not known
 * yet (an endpoint from "wg set"), and routing chooses.
 */
struct wgt_endpoint {
	union {		/* the peer's side, by family */
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
	union {		/* our side: the address it wrote to */
		struct {
			struct in_addr local4;
			int local_ifindex;	/* the interface it arrived on */
		};
		struct in6_addr local6;
	};
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
 * @endpoint_lock: guards @endpoint (readers in softirq context)
 * @endpoint: the peer's UDP address, family AF_UNSPEC when unknown, and
 *	our address it talks to
 * @route_cache: the route to @endpoint, looked up once and reused until
 *	the endpoint changes or a handshake goes unanswered (chapter 3)
 * @persistent_keepalive: seconds between keepalives, 0 for off
 * @rx_bytes: bytes received from the peer (whole UDP payloads)
 * @tx_bytes: bytes sent to the peer
 * @last_handshake_ns: wall-clock time of the last completed handshake
 * @last_sent_handshake_ns: boottime we last sent an initiation
 * @is_dead: set once the peer is removed; nothing may queue to it then
 * @handshake: the Noise handshake with this peer, and the preshared key
 * @keypairs: the sessions it produced
 * @cookie: the MACs we add to our handshake messages to this peer
 * @transmit_handshake_work: creates and sends an initiation (process
 *	context: Curve25519 is too slow for a timer)
 * @clear_keys_work: erases every key, when zero_key_material fires
 * @timer_retransmit_handshake: see timers.c for all five timers
 * @timer_send_keepalive: see timers.c
 * @timer_new_handshake: see timers.c
 * @timer_zero_key_material: see timers.c
 * @timer_persistent_keepalive: see timers.c
 * @timer_need_another_keepalive: data arrived while a keepalive was due
 * @handshake_attempts: initiations sent for the current handshake
 * @sent_lastminute_handshake: we already rekeyed because the session was
 *	about to expire (chapter 4)
 * @napi: this peer's NAPI instance: received packets reach the stack from
 *	its poll function, in order, in softirq context (chapter 4)
 * @rx_queue: decrypted packets waiting for @napi, in arrival order
 * @staged_queue: packets to send that wait for a keypair (chapter 5)
 * @tx_queue: batches of packets with their nonces, in the order they got
 *	them (but for two CPUs sending at the same moment, chapter 5),
 *	being encrypted and then sent from the front (chapter 5)
 * @transmit_work: sends the encrypted batches at the front of @tx_queue,
 *	in order (chapter 5)
 * @transmit_cpu: the CPU @transmit_work runs on, picked round robin when
 *	the peer is created, and again only if that CPU goes offline
 * @crypt_in_flight: batches of this peer in the device's encrypt or
 *	decrypt ring or in a worker's hands; removal waits for zero, since
 *	any CPU's worker may hold one (chapters 4 and 5)
 */
struct wgt_peer {
	struct wgt_device *wg;
	struct kref refcount;
	struct rcu_head rcu;
	struct list_head peer_list;
	struct hlist_node pubkey_hash;
	struct list_head allowedips_list;
	u8 public_key[WGT_KEY_LEN];
	rwlock_t endpoint_lock; /* guards endpoint */
	struct wgt_endpoint endpoint;
	struct dst_cache route_cache;
	u16 persistent_keepalive;
	atomic64_t rx_bytes;
	atomic64_t tx_bytes;
	atomic64_t last_handshake_ns;
	atomic64_t last_sent_handshake_ns;
	bool is_dead;
	struct wgt_handshake handshake;
	struct wgt_keypairs keypairs;
	struct wgt_cookie cookie;
	struct work_struct transmit_handshake_work;
	struct work_struct clear_keys_work;
	struct timer_list timer_retransmit_handshake;
	struct timer_list timer_send_keepalive;
	struct timer_list timer_new_handshake;
	struct timer_list timer_zero_key_material;
	struct timer_list timer_persistent_keepalive;
	bool timer_need_another_keepalive;
	unsigned int handshake_attempts;
	bool sent_lastminute_handshake;
	struct napi_struct napi;
	struct sk_buff_head rx_queue;
	struct sk_buff_head staged_queue;
	struct sk_buff_head tx_queue;
	struct work_struct transmit_work;
	int transmit_cpu;
	atomic_t crypt_in_flight;
};

struct wgt_peer *wgt_peer_create(struct wgt_device *wg,
				 const u8 public_key[WGT_KEY_LEN]);
void wgt_peer_remove(struct wgt_peer *peer);
void wgt_peer_remove_all(struct wgt_device *wg);
struct wgt_peer *wgt_peer_get_maybe_zero(struct wgt_peer *peer);
struct wgt_peer *wgt_peer_get(struct wgt_peer *peer);
void wgt_peer_put(struct wgt_peer *peer);
void wgt_peer_queue_work(struct wgt_peer *peer, struct work_struct *work);
void wgt_peer_clear_route(struct wgt_peer *peer);
void wgt_peer_set_endpoint(struct wgt_peer *peer, const struct wgt_endpoint *ep);
void wgt_peer_forget_handshake(struct wgt_peer *peer);
void wgt_peer_reset_sessions(struct wgt_peer *peer);
void wgt_peer_clear_keys_work(struct work_struct *work);
bool wgt_peer_crypt_begin(struct wgt_peer *peer);
void wgt_peer_crypt_end(struct wgt_peer *peer);
int wgt_peer_slab_init(void);
void wgt_peer_slab_uninit(void);

#endif /* _WGTOUR_PEER_H */
