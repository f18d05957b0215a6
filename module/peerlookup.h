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

void wgt_pubkey_table_init(struct wgt_pubkey_table *table);
void wgt_pubkey_table_add(struct wgt_pubkey_table *table, struct wgt_peer *peer);
void wgt_pubkey_table_remove(struct wgt_pubkey_table *table,
			     struct wgt_peer *peer);
struct wgt_peer *wgt_pubkey_table_lookup(struct wgt_pubkey_table *table,
					 const u8 public_key[WGT_KEY_LEN]);

#endif /* _WGTOUR_PEERLOOKUP_H */
