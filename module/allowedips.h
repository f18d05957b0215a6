/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cryptokey routing (chapter 2): which peer owns which IP prefixes.
 */
#ifndef _WGTOUR_ALLOWEDIPS_H
#define _WGTOUR_ALLOWEDIPS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>

struct seq_file;
struct wgt_peer;

/**
 * struct wgt_trie_node - one node of a path-compressed binary trie
 * @child: the subtries whose next bit (bit @cidr of the key) is 0 or 1
 * @parent: the node above, or NULL for the root (writers only)
 * @peer: the owner of this prefix, or NULL for a node that only branches
 * @peer_list: entry in the owner's list of prefixes, in insertion order
 * @rcu: for freeing after readers are gone
 * @cidr: the prefix length: how many leading bits of @key count
 * @family: AF_INET or AF_INET6
 * @key: the prefix, network byte order, bits past @cidr are zero
 */
struct wgt_trie_node {
	struct wgt_trie_node __rcu *child[2];
	struct wgt_trie_node *parent;
	struct wgt_peer __rcu *peer;
	struct list_head peer_list;
	struct rcu_head rcu;
	u8 cidr;
	u8 family;
	u8 key[16] __aligned(8);
};

/**
 * struct wgt_allowedips - the two tries of a device, one per family
 * @root4: IPv4 prefixes
 * @root6: IPv6 prefixes
 */
struct wgt_allowedips {
	struct wgt_trie_node __rcu *root4;
	struct wgt_trie_node __rcu *root6;
};

void wgt_allowedips_init(struct wgt_allowedips *table);
int wgt_allowedips_insert(struct wgt_allowedips *table, int family,
			  const void *addr, u8 cidr,
			  struct wgt_peer *peer, struct mutex *lock);
void wgt_allowedips_remove_peer(struct wgt_allowedips *table,
				struct wgt_peer *peer, struct mutex *lock);
struct wgt_peer *wgt_allowedips_lookup(struct wgt_allowedips *table,
				       int family, const void *addr);
int wgt_allowedips_read_node(const struct wgt_trie_node *node, u8 addr[16],
			     u8 *cidr);
void wgt_allowedips_show(struct seq_file *m,
			 struct wgt_allowedips *table, struct mutex *lock);
int wgt_allowedips_slab_init(void);
void wgt_allowedips_slab_uninit(void);

#endif /* _WGTOUR_ALLOWEDIPS_H */
