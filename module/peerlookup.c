// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 2, "The lookup tables": a hashtable from public key to peer, used
 * by "wg set" to find the peer a request names (and, in chapter 3, by the
 * handshake to find who is initiating); and a hashtable from receiver index
 * to handshake or keypair, which every incoming message is looked up in.
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

/**
 * wgt_index_table_init() - an empty index table
 * @table: the table
 */
void wgt_index_table_init(struct wgt_index_table *table)
{
	spin_lock_init(&table->lock);
	hash_init(table->buckets);
}

static bool wgt_index_in_use(struct wgt_index_table *table, __le32 index)
{
	struct wgt_index_entry *entry;

	hash_for_each_possible(table->buckets, entry, node, (__force u32)index) {
		if (entry->index == index)
			return true;
	}
	return false;
}

/**
 * wgt_index_table_insert() - give @entry a fresh random index
 * @table: the table
 * @entry: the entry; its @peer and @type are set by the caller
 *
 * Random, so the indices on the wire say nothing about how many sessions
 * exist or which belong together; drawn again until unused, so lookups
 * are unambiguous. With at most a few entries per peer the table is
 * nearly empty and a redraw is rare.
 *
 * Return: the index now in @entry->index.
 */
__le32 wgt_index_table_insert(struct wgt_index_table *table,
			      struct wgt_index_entry *entry)
{
	__le32 index;

	spin_lock_bh(&table->lock);
	do {
		index = (__force __le32)get_random_u32();
	} while (wgt_index_in_use(table, index));
	entry->index = index;
	hash_add_rcu(table->buckets, &entry->node, (__force u32)index);
	spin_unlock_bh(&table->lock);
	return index;
}

/**
 * wgt_index_table_remove() - forget @entry; RCU readers may still see it
 * @table: the table
 * @entry: the entry, inserted before
 */
void wgt_index_table_remove(struct wgt_index_table *table,
			    struct wgt_index_entry *entry)
{
	spin_lock_bh(&table->lock);
	hlist_del_init_rcu(&entry->node);
	spin_unlock_bh(&table->lock);
}

/**
 * wgt_index_table_replace() - let @new take over @old's index
 * @table: the table
 * @old: an entry in the table; it leaves it
 * @new: an entry not in the table; it gets @old's index
 *
 * A keypair inherits the index of the handshake that made it: the peer
 * already addresses its messages to that index.
 */
void wgt_index_table_replace(struct wgt_index_table *table,
			     struct wgt_index_entry *old,
			     struct wgt_index_entry *new)
{
	spin_lock_bh(&table->lock);
	new->index = old->index;
	if (hlist_unhashed(&old->node))
		hash_add_rcu(table->buckets, &new->node, (__force u32)new->index);
	else
		hlist_replace_rcu(&old->node, &new->node);
	INIT_HLIST_NODE(&old->node);
	spin_unlock_bh(&table->lock);
}

/**
 * wgt_index_table_lookup() - what a received message's index names
 * @table: the table
 * @index: the receiver index from the message
 * @types: a mask of the &enum wgt_index_type values acceptable here
 * @peer: receives a reference to the entry's peer
 *
 * The peer is referenced, and so is a handshake entry, which lives in the
 * peer. A keypair entry is not: it is freed a grace period after it leaves
 * the table, so a caller that wants the keypair calls this inside its own
 * RCU read-side section and takes its reference there.
 *
 * Return: the entry, or NULL (then *@peer is NULL too).
 */
struct wgt_index_entry *wgt_index_table_lookup(struct wgt_index_table *table,
					       __le32 index, unsigned int types,
					       struct wgt_peer **peer)
{
	struct wgt_index_entry *entry, *found = NULL;

	*peer = NULL;
	rcu_read_lock_bh();
	hash_for_each_possible_rcu(table->buckets, entry, node, (__force u32)index) {
		if (entry->index == index && (entry->type & types)) {
			found = entry;
			break;
		}
	}
	if (found) {
		*peer = wgt_peer_get_maybe_zero(found->peer);
		if (!*peer)
			found = NULL;
	}
	rcu_read_unlock_bh();
	return found;
}
