/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding a peer by its public key (chapter 2).
 */
#ifndef _WGTOUR_PEERLOOKUP_H
#define _WGTOUR_PEERLOOKUP_H

#include <linux/hashtable.h>
#include <linux/siphash.h>

#include "messages.h"

struct wgt_peer;

/**
 * struct wgt_pubkey_table - public key to peer
 * @key: random siphash key, so nobody can choose keys that collide
 * @buckets: the hash chains; writers hold the device's config lock,
 *	readers RCU
 */
struct wgt_pubkey_table {
	siphash_key_t key;
	DECLARE_HASHTABLE(buckets, 11);
};

/*
 * Every handshake and every keypair is known to the other side by a 32-bit
 * receiver index we choose at random: it is the first thing an incoming
 * message names, and it must not let an observer link sessions (chapter 2).
 */
enum wgt_index_type {
	WGT_INDEX_HANDSHAKE = 1 << 0,
	WGT_INDEX_KEYPAIR = 1 << 1,
};

/**
 * struct wgt_index_entry - something a receiver index points to
 * @node: entry in the table's hash chain
 * @peer: the peer it belongs to (no reference: the owner removes the entry
 *	before the peer goes)
 * @index: the random index, as it appears on the wire (little endian)
 * @type: handshake or keypair
 */
struct wgt_index_entry {
	struct hlist_node node;
	struct wgt_peer *peer;
	__le32 index;
	enum wgt_index_type type;
};

/**
 * struct wgt_index_table - receiver index to handshake or keypair
 * @lock: serialises writers (they run in process and softirq context)
 * @buckets: the hash chains; readers use RCU
 */
struct wgt_index_table {
	spinlock_t lock; /* serialises writers; readers use RCU */
	DECLARE_HASHTABLE(buckets, 13);
};

void wgt_index_table_init(struct wgt_index_table *table);
__le32 wgt_index_table_insert(struct wgt_index_table *table,
			      struct wgt_index_entry *entry);
void wgt_index_table_remove(struct wgt_index_table *table,
			    struct wgt_index_entry *entry);
void wgt_index_table_replace(struct wgt_index_table *table,
			     struct wgt_index_entry *old,
			     struct wgt_index_entry *new);
struct wgt_index_entry *wgt_index_table_lookup(struct wgt_index_table *table,
					       __le32 index, unsigned int types,
					       struct wgt_peer **peer);

void wgt_pubkey_table_init(struct wgt_pubkey_table *table);
void wgt_pubkey_table_add(struct wgt_pubkey_table *table, struct wgt_peer *peer);
void wgt_pubkey_table_remove(struct wgt_pubkey_table *table,
			     struct wgt_peer *peer);
struct wgt_peer *wgt_pubkey_table_lookup(struct wgt_pubkey_table *table,
					 const u8 public_key[WGT_KEY_LEN]);

#endif /* _WGTOUR_PEERLOOKUP_H */
