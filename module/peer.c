// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 2, "Peers and their lifetimes". A peer is created and removed
 * under the device's config lock, but it is read from packet paths that
 * take no lock at all. So it is refcounted, and the memory is given back
 * only after an RCU grace period: a reader that found the peer under
 * rcu_read_lock() can always take a reference safely, or see that the count
 * already hit zero and walk away.
 */
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <net/ipv6.h>

#include "allowedips.h"
#include "debug.h"
#include "device.h"
#include "peer.h"
#include "peerlookup.h"
#include "receive.h"
#include "send.h"
#include "timers.h"
#include "trace.h"

static struct kmem_cache *wgt_peer_cache;

/**
 * wgt_peer_create() - add a peer to @wg
 * @wg: the device; the caller holds @wg->conf_lock
 * @public_key: the new peer's public key, not yet known to @wg
 *
 * Return: the peer (owned by the device's list: take a reference to keep
 * it past the config lock), or NULL when out of memory.
 */
struct wgt_peer *wgt_peer_create(struct wgt_device *wg,
				 const u8 public_key[WGT_KEY_LEN])
{
	struct wgt_peer *peer;

	lockdep_assert_held(&wg->conf_lock);
	/* Charged to the memory cgroup of whoever configures the device. */
	peer = kmem_cache_zalloc(wgt_peer_cache, GFP_KERNEL_ACCOUNT);
	if (!peer)
		return NULL;
	peer->wg = wg;
	kref_init(&peer->refcount);
	memcpy(peer->public_key, public_key, WGT_KEY_LEN);
	if (dst_cache_init(&peer->route_cache, GFP_KERNEL)) {
		kmem_cache_free(wgt_peer_cache, peer);
		return NULL;
	}
	rwlock_init(&peer->endpoint_lock);
	INIT_LIST_HEAD(&peer->allowedips_list);
	wgt_handshake_init(&peer->handshake, peer, public_key);
	wgt_keypairs_init(&peer->keypairs);
	wgt_cookie_init(&peer->cookie, public_key);
	INIT_WORK(&peer->transmit_handshake_work, wgt_send_initiation_work);
	INIT_WORK(&peer->clear_keys_work, wgt_peer_clear_keys_work);
	wgt_timers_init(peer);
	skb_queue_head_init(&peer->rx_queue);
	skb_queue_head_init(&peer->staged_queue);
	skb_queue_head_init(&peer->tx_queue);
	INIT_WORK(&peer->transmit_work, wgt_send_ordered);
	peer->transmit_cpu = wgt_next_cpu(&wg->transmit_cpu);
	netif_napi_add(wg->dev, &peer->napi, wgt_receive_poll);
	napi_enable(&peer->napi);
	trace_peer_napi_add(wg->dev, peer->public_key, &peer->napi);
	atomic_inc(&wgt_live.peers);

	list_add_tail(&peer->peer_list, &wg->peer_list);
	wgt_pubkey_table_add(&wg->pubkey_table, peer);
	wg->num_peers++;
	trace_peer_create(wg->dev, peer->public_key, wg->num_peers);
	return peer;
}

static void wgt_peer_free_rcu(struct rcu_head *rcu)
{
	struct wgt_peer *peer = container_of(rcu, struct wgt_peer, rcu);

	memzero_explicit(peer->handshake.preshared_key,
			 sizeof(peer->handshake.preshared_key));
	dst_cache_destroy(&peer->route_cache);
	kmem_cache_free(wgt_peer_cache, peer);
	atomic_dec(&wgt_live.peers);
}

static void wgt_peer_release(struct kref *refcount)
{
	struct wgt_peer *peer = container_of(refcount, struct wgt_peer, refcount);

	/*
	 * A handshake worker that raced with removal may have staged a
	 * keepalive after the purge: nothing can send it now. A timer armed
	 * after removal stopped them would fire on freed memory: removal
	 * makes that impossible (wgt_mod_timer()), and this says so loudly
	 * if it ever is not.
	 */
	skb_queue_purge(&peer->staged_queue);
	WARN_ON_ONCE(wgt_timers_pending(peer));
	/* Lock-free readers may still be looking at it: wait them out. */
	call_rcu(&peer->rcu, wgt_peer_free_rcu);
}

/**
 * wgt_peer_get_maybe_zero() - take a reference found under RCU
 * @peer: a peer seen inside an RCU read-side section, or NULL
 *
 * Return: @peer with a reference, or NULL if it is already on its way out.
 */
struct wgt_peer *wgt_peer_get_maybe_zero(struct wgt_peer *peer)
{
	if (unlikely(!peer || !kref_get_unless_zero(&peer->refcount)))
		return NULL;
	return peer;
}

/**
 * wgt_peer_get() - another reference, for a caller that holds one already
 * @peer: the peer
 *
 * Return: @peer.
 */
struct wgt_peer *wgt_peer_get(struct wgt_peer *peer)
{
	kref_get(&peer->refcount);
	return peer;
}

/**
 * wgt_peer_put() - drop a reference; NULL is fine
 * @peer: the peer
 */
void wgt_peer_put(struct wgt_peer *peer)
{
	if (peer)
		kref_put(&peer->refcount, wgt_peer_release);
}

/* First half of removal: make the peer unreachable. Caller holds conf_lock. */
static void wgt_peer_unlink(struct wgt_peer *peer)
{
	struct wgt_device *wg = peer->wg;

	WRITE_ONCE(peer->is_dead, true);
	wgt_allowedips_remove_peer(&wg->allowedips, peer, &wg->conf_lock);
	wgt_pubkey_table_remove(&wg->pubkey_table, peer);
	list_del_init(&peer->peer_list);
	wg->num_peers--;
	/* Out of the index table too: arriving messages no longer find it. */
	wgt_handshake_clear(&peer->handshake);
	wgt_keypairs_clear(&peer->keypairs);
}

/*
 * Second half, after a grace period: no packet path can still find the
 * peer. Wait until no crypto worker holds one of its packets (a worker
 * schedules its NAPI or wakes its transmit work when done), then stop
 * everything, drop what was queued and the device's reference.
 */
static void wgt_peer_finish_removal(struct wgt_peer *peer)
{
	struct wgt_device *wg = peer->wg;

	wait_var_event(&peer->crypt_in_flight, !atomic_read(&peer->crypt_in_flight));
	/*
	 * The work items, then the timers, in the order they act: a running
	 * initiation arms the retry timer, which the stop then deletes. None
	 * can be queued or armed any more (wgt_peer_queue_work(),
	 * wgt_mod_timer()). A cancelled work item never ran: give back the
	 * reference it held.
	 */
	if (cancel_work_sync(&peer->transmit_handshake_work))
		wgt_peer_put(peer);
	if (cancel_work_sync(&peer->clear_keys_work))
		wgt_peer_put(peer);
	/* Queued only by holders of crypt_in_flight: none is left. */
	cancel_work_sync(&peer->transmit_work);
	wgt_timers_stop(peer);
	napi_disable(&peer->napi);
	/*
	 * Not netif_napi_del(), which waits a grace period for lock-free
	 * readers of the device's NAPI list: once per peer, seconds for a
	 * device with thousands. The peer's memory goes by call_rcu() after
	 * its last reference, later than this, and that grace period covers
	 * those readers too.
	 */
	__netif_napi_del(&peer->napi);
	trace_peer_napi_del(wg->dev, peer->public_key, &peer->napi);
	wgt_crypt_purge(&peer->rx_queue);
	wgt_send_purge(peer);
	trace_peer_remove(wg->dev, peer->public_key, wg->num_peers);
	wgt_peer_put(peer);
}

/**
 * wgt_peer_remove() - unlink a peer from every table, stop everything it
 * does and drop the device's reference to it; holders of other references
 * (packets in flight) keep the memory alive until they let go
 * @peer: the peer; the caller holds the device's config lock
 */
void wgt_peer_remove(struct wgt_peer *peer)
{
	lockdep_assert_held(&peer->wg->conf_lock);
	wgt_peer_unlink(peer);
	synchronize_net();
	wgt_peer_finish_removal(peer);
}

/**
 * wgt_peer_remove_all() - remove every peer of @wg, waiting for one grace
 * period in all rather than one per peer
 * @wg: the device; the caller holds @wg->conf_lock
 */
void wgt_peer_remove_all(struct wgt_device *wg)
{
	struct wgt_peer *peer, *tmp;
	LIST_HEAD(dead);

	lockdep_assert_held(&wg->conf_lock);
	list_for_each_entry_safe(peer, tmp, &wg->peer_list, peer_list) {
		wgt_peer_unlink(peer);
		list_add_tail(&peer->peer_list, &dead);
	}
	if (list_empty(&dead))
		return;
	synchronize_net();
	list_for_each_entry_safe(peer, tmp, &dead, peer_list) {
		list_del_init(&peer->peer_list);
		wgt_peer_finish_removal(peer);
	}
}

/**
 * wgt_peer_crypt_begin() - a packet of @peer is about to enter a crypto
 * ring
 * @peer: the peer
 *
 * Counted before the dead check (the atomic orders the two), so that
 * removal, which sets is_dead and then waits for the count to reach zero,
 * either sees this packet or makes us back out.
 *
 * Return: false when the peer is being removed: do not queue.
 */
bool wgt_peer_crypt_begin(struct wgt_peer *peer)
{
	atomic_inc_return(&peer->crypt_in_flight);
	if (unlikely(READ_ONCE(peer->is_dead))) {
		wgt_peer_crypt_end(peer);
		return false;
	}
	return true;
}

/**
 * wgt_peer_crypt_end() - a crypto worker is done with a packet of @peer
 * (or it never entered the ring); the last one wakes a waiting removal
 * @peer: the peer
 */
void wgt_peer_crypt_end(struct wgt_peer *peer)
{
	if (atomic_dec_and_test(&peer->crypt_in_flight))
		wake_up_var(&peer->crypt_in_flight);
}

/**
 * wgt_peer_queue_work() - run @work for @peer on the handshake workqueue,
 * holding a reference until it has run
 * @peer: the peer
 * @work: one of the peer's work items
 */
void wgt_peer_queue_work(struct wgt_peer *peer, struct work_struct *work)
{
	/* One RCU section with the check, as for timers (wgt_mod_timer()). */
	rcu_read_lock_bh();
	if (!READ_ONCE(peer->is_dead) && wgt_peer_get_maybe_zero(peer) &&
	    !queue_work(peer->wg->handshake_wq, work))
		wgt_peer_put(peer);
	rcu_read_unlock_bh();
}

/**
 * wgt_peer_clear_keys_work() - erase every session key and handshake
 * state of a peer (zero_key_material, chapter 3)
 * @work: the peer's clear_keys_work
 */
void wgt_peer_clear_keys_work(struct work_struct *work)
{
	struct wgt_peer *peer = container_of(work, struct wgt_peer, clear_keys_work);

	wgt_keypairs_clear(&peer->keypairs);
	wgt_handshake_clear(&peer->handshake);
	trace_keys_zeroed(peer->wg->dev, peer->public_key);
	wgt_peer_put(peer);
}

/**
 * wgt_peer_forget_handshake() - abandon the handshake under way, so that
 * the next packet may start a new one at once, not REKEY_TIMEOUT later
 * (the device went down, or its private key changed)
 * @peer: the peer; the caller holds the device's config lock
 */
void wgt_peer_forget_handshake(struct wgt_peer *peer)
{
	wgt_handshake_clear(&peer->handshake);
	peer->handshake_attempts = 0;
	atomic64_set(&peer->last_sent_handshake_ns, 0);
}

/**
 * wgt_peer_reset_sessions() - the device went down: stop the timers and
 * forget sessions, as a new "ip link set up" starts from scratch
 * @peer: the peer; the caller holds the device's config lock
 */
void wgt_peer_reset_sessions(struct wgt_peer *peer)
{
	wgt_timers_stop(peer);
	skb_queue_purge(&peer->staged_queue);
	wgt_keypairs_clear(&peer->keypairs);
	wgt_peer_forget_handshake(peer);
}

/**
 * wgt_peer_clear_route() - forget the route to the endpoint: the cached
 * one, and our source address for it, so routing chooses both afresh
 * @peer: the peer
 *
 * For when the old route may be wrong: a handshake that got no answer
 * (chapter 3's timers), a new fwmark that routing rules may read
 * (chapter 1). The next authenticated packet from the peer teaches the
 * source address again.
 */
void wgt_peer_clear_route(struct wgt_peer *peer)
{
	write_lock_bh(&peer->endpoint_lock);
	/* local6 is the widest of our side's fields: local4 and the ifindex go too */
	memset(&peer->endpoint.local6, 0, sizeof(peer->endpoint.local6));
	dst_cache_reset(&peer->route_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

/* Same family, address, port (and IPv6 scope)? */
static bool wgt_endpoint_eq(const struct wgt_endpoint *a,
			    const struct wgt_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (b->addr.sa_family == AF_INET)
		return a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr &&
		       a->addr4.sin_port == b->addr4.sin_port &&
		       a->local4.s_addr == b->local4.s_addr &&
		       a->local_ifindex == b->local_ifindex;
	return ipv6_addr_equal(&a->addr6.sin6_addr, &b->addr6.sin6_addr) &&
	       a->addr6.sin6_port == b->addr6.sin6_port &&
	       a->addr6.sin6_scope_id == b->addr6.sin6_scope_id &&
	       ipv6_addr_equal(&a->local6, &b->local6);
}

/**
 * wgt_peer_set_endpoint() - a new address for the peer: from "wg set", or
 * learnt from an authenticated packet (roaming, chapter 4)
 * @peer: the peer
 * @ep: the peer's address (AF_INET or AF_INET6) and our source address for
 *	it, zero when routing is to choose
 *
 * Called for every authenticated packet, so the usual case, an unchanged
 * endpoint, costs only a read lock; the route cache is reset only when
 * the endpoint really changes.
 */
void wgt_peer_set_endpoint(struct wgt_peer *peer, const struct wgt_endpoint *ep)
{
	bool same;

	read_lock_bh(&peer->endpoint_lock);
	same = wgt_endpoint_eq(&peer->endpoint, ep);
	read_unlock_bh(&peer->endpoint_lock);
	if (same)
		return;
	write_lock_bh(&peer->endpoint_lock);
	peer->endpoint = *ep;
	dst_cache_reset(&peer->route_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

/**
 * wgt_peer_slab_init() - create the peer cache ("wgtour_peer" in
 * /proc/slabinfo, which the lifecycle tests read to find leaks)
 *
 * Return: 0 or -ENOMEM.
 */
int __init wgt_peer_slab_init(void)
{
	wgt_peer_cache = kmem_cache_create("wgtour_peer", sizeof(struct wgt_peer),
					   0, 0, NULL);
	return wgt_peer_cache ? 0 : -ENOMEM;
}

/**
 * wgt_peer_slab_uninit() - destroy the cache once every peer is freed
 */
void wgt_peer_slab_uninit(void)
{
	rcu_barrier();
	kmem_cache_destroy(wgt_peer_cache);
}
