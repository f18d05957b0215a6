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

#include "allowedips.h"
#include "debug.h"
#include "device.h"
#include "peer.h"
#include "peerlookup.h"
#include "trace.h"

static struct kmem_cache *wgt_peer_cache;

/*
 * The peer's NAPI poll: hand queued packets to the stack, at most @budget
 * of them. Reception (chapter 4) is what fills @rx_queue, after decryption
 * and in order; this function is where ordering ends and GRO begins.
 */
static int wgt_peer_poll(struct napi_struct *napi, int budget)
{
	struct wgt_peer *peer = container_of(napi, struct wgt_peer, napi);
	struct sk_buff *skb;
	int done = 0;

	while (done < budget && (skb = skb_dequeue(&peer->rx_queue))) {
		napi_gro_receive(napi, skb);
		done++;
	}
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

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
	peer = kmem_cache_zalloc(wgt_peer_cache, GFP_KERNEL);
	if (!peer)
		return NULL;
	peer->wg = wg;
	kref_init(&peer->refcount);
	memcpy(peer->public_key, public_key, WGT_KEY_LEN);
	rwlock_init(&peer->endpoint_lock);
	INIT_LIST_HEAD(&peer->allowedips_list);
	skb_queue_head_init(&peer->rx_queue);
	skb_queue_head_init(&peer->staged_queue);
	skb_queue_head_init(&peer->tx_queue);
	netif_napi_add(wg->dev, &peer->napi, wgt_peer_poll);
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

	memzero_explicit(peer->preshared_key, sizeof(peer->preshared_key));
	kmem_cache_free(wgt_peer_cache, peer);
	atomic_dec(&wgt_live.peers);
}

static void wgt_peer_release(struct kref *refcount)
{
	struct wgt_peer *peer = container_of(refcount, struct wgt_peer, refcount);

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
 * wgt_peer_put() - drop a reference; NULL is fine
 * @peer: the peer
 */
void wgt_peer_put(struct wgt_peer *peer)
{
	if (peer)
		kref_put(&peer->refcount, wgt_peer_release);
}

/**
 * wgt_peer_remove() - unlink a peer from every table and drop the device's
 * reference to it; holders of other references keep it alive until they
 * let go
 * @peer: the peer; the caller holds the device's config lock
 */
void wgt_peer_remove(struct wgt_peer *peer)
{
	struct wgt_device *wg = peer->wg;

	lockdep_assert_held(&wg->conf_lock);
	WRITE_ONCE(peer->is_dead, true);
	wgt_allowedips_remove_peer(&wg->allowedips, peer, &wg->conf_lock);
	wgt_pubkey_table_remove(&wg->pubkey_table, peer);
	list_del_init(&peer->peer_list);
	wg->num_peers--;
	/*
	 * No new packets can find the peer now. Stop its NAPI (waiting for a
	 * poll in progress), then drop whatever was still queued.
	 */
	napi_disable(&peer->napi);
	netif_napi_del(&peer->napi);
	trace_peer_napi_del(wg->dev, peer->public_key, &peer->napi);
	skb_queue_purge(&peer->rx_queue);
	skb_queue_purge(&peer->staged_queue);
	skb_queue_purge(&peer->tx_queue);
	trace_peer_remove(wg->dev, peer->public_key, wg->num_peers);
	wgt_peer_put(peer);
}

/**
 * wgt_peer_remove_all() - remove every peer of @wg
 * @wg: the device; the caller holds @wg->conf_lock
 */
void wgt_peer_remove_all(struct wgt_device *wg)
{
	struct wgt_peer *peer, *tmp;

	list_for_each_entry_safe(peer, tmp, &wg->peer_list, peer_list)
		wgt_peer_remove(peer);
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
