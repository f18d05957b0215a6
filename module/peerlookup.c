// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 2, "The lookup tables": a hashtable from public key to peer, used
 * by "wg set" to find the peer a request names (and, in chapter 3, by the
 * handshake to find who is initiating).
 */
#include <linux/random.h>
#include <linux/rculist.h>

#include "peer.h"
#include "peerlookup.h"

static u32 wgt_pubkey_hash(struct wgt_pubkey_table *table,
			   const u8 public_key[WGT_KEY_LEN])
{
	return (u32)siphash(public_key, WGT_KEY_LEN, &table->key);
}

/**
 * wgt_pubkey_table_init() - an empty table with a fresh random hash key
 * @table: the table
 */
void wgt_pubkey_table_init(struct wgt_pubkey_table *table)
{
	get_random_bytes(&table->key, sizeof(table->key));
	hash_init(table->buckets);
}

/**
 * wgt_pubkey_table_add() - make @peer findable by its public key
 * @table: the table; the caller holds the device's config lock
 * @peer: the peer
 */
void wgt_pubkey_table_add(struct wgt_pubkey_table *table, struct wgt_peer *peer)
{
	hash_add_rcu(table->buckets, &peer->pubkey_hash,
		     wgt_pubkey_hash(table, peer->public_key));
}

/**
 * wgt_pubkey_table_remove() - forget @peer; readers may still see it until
 * a grace period ends, which the peer's RCU-delayed free covers
 * @table: the table; the caller holds the device's config lock
 * @peer: the peer
 */
void wgt_pubkey_table_remove(struct wgt_pubkey_table *table,
			     struct wgt_peer *peer)
{
	hash_del_rcu(&peer->pubkey_hash);
}

/**
 * wgt_pubkey_table_lookup() - the peer with this public key
 * @table: the table
 * @public_key: the key to look for
 *
 * Return: a reference to the peer (drop it with wgt_peer_put()), or NULL.
 */
struct wgt_peer *wgt_pubkey_table_lookup(struct wgt_pubkey_table *table,
					 const u8 public_key[WGT_KEY_LEN])
{
	struct wgt_peer *peer, *found = NULL;
	u32 hash = wgt_pubkey_hash(table, public_key);

	rcu_read_lock();
	hash_for_each_possible_rcu(table->buckets, peer, pubkey_hash, hash) {
		if (!memcmp(peer->public_key, public_key, WGT_KEY_LEN)) {
			found = peer;
			break;
		}
	}
	found = wgt_peer_get_maybe_zero(found);
	rcu_read_unlock();
	return found;
}
