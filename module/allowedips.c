// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 2, "Cryptokey routing": a path-compressed binary trie per address
 * family maps IP prefixes to peers. Transmission asks it "which peer owns
 * this destination?", reception "may this peer send from this source?".
 *
 * Every node holds a prefix (@key, @cidr). A node either belongs to a peer
 * or only branches: it exists because two longer prefixes below it part
 * ways at bit @cidr. Readers walk the trie under RCU without a lock;
 * writers hold the device's config lock and publish with
 * rcu_assign_pointer(), so a reader always sees either the old or the new
 * shape. Nothing here recurses: the kernel stack is small.
 */
#include <linux/bitops.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/socket.h>

#include "allowedips.h"
#include "debug.h"
#include "peer.h"
#include "trace.h"

static struct kmem_cache *wgt_node_cache;

static unsigned int wgt_family_bits(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* Bit @i of a big-endian key, counting from the most significant. */
static unsigned int wgt_bit(const u8 *key, unsigned int i)
{
	return (key[i / 8] >> (7 - i % 8)) & 1;
}

/* How many leading bits @a and @b have in common, at most @max. */
static unsigned int wgt_common_bits(const u8 *a, const u8 *b, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; n < max; i++) {
		u8 diff = a[i] ^ b[i];

		if (diff) {
			n += 7 - __fls(diff);
			break;
		}
		n += 8;
	}
	return min(n, max);
}

/* Zero every bit after the first @cidr: 10.1.2.3/16 is stored as 10.1.0.0. */
static void wgt_mask_key(u8 key[16], unsigned int cidr)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (i * 8 >= cidr)
			key[i] = 0;
		else if (i * 8 + 8 > cidr)
			key[i] &= (u8)(0xff << (8 - (cidr - i * 8)));
	}
}

static struct wgt_trie_node __rcu **wgt_root(struct wgt_allowedips *table,
					     int family)
{
	return family == AF_INET6 ? &table->root6 : &table->root4;
}

static struct wgt_trie_node *wgt_node_new(const u8 key[16], u8 cidr, int family,
					  struct wgt_trie_node *parent)
{
	struct wgt_trie_node *node;

	node = kmem_cache_zalloc(wgt_node_cache, GFP_KERNEL_ACCOUNT);
	if (!node)
		return NULL;
	memcpy(node->key, key, sizeof(node->key));
	wgt_mask_key(node->key, cidr);
	node->cidr = cidr;
	node->family = family;
	node->parent = parent;
	INIT_LIST_HEAD(&node->peer_list);
	atomic_inc(&wgt_live.trie_nodes);
	return node;
}

static void wgt_node_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(wgt_node_cache, container_of(rcu, struct wgt_trie_node, rcu));
	atomic_dec(&wgt_live.trie_nodes);
}

/* Give a node to @peer; it goes to the end of the peer's list of prefixes. */
static void wgt_node_set_peer(struct wgt_trie_node *node, struct wgt_peer *peer)
{
	list_del(&node->peer_list);
	list_add_tail(&node->peer_list, &peer->allowedips_list);
	rcu_assign_pointer(node->peer, peer);
	trace_allowedips_insert(peer->public_key, node->family, node->key, node->cidr);
}

/**
 * wgt_allowedips_init() - an empty table
 * @table: the table to initialise
 */
void wgt_allowedips_init(struct wgt_allowedips *table)
{
	RCU_INIT_POINTER(table->root4, NULL);
	RCU_INIT_POINTER(table->root6, NULL);
}

/**
 * wgt_allowedips_insert() - route @addr/@cidr to @peer
 * @table: the device's table
 * @family: AF_INET or AF_INET6
 * @addr: 4 or 16 bytes, network byte order; bits past @cidr are ignored
 * @cidr: prefix length, at most 32 or 128 (the caller checked)
 * @peer: the new owner; a prefix another peer had moves to this one
 * @lock: the device's config lock, which the caller holds
 *
 * Return: 0 or -ENOMEM (the table is then unchanged).
 */
int wgt_allowedips_insert(struct wgt_allowedips *table, int family,
			  const void *addr, u8 cidr, struct wgt_peer *peer,
			  struct mutex *lock)
{
	struct wgt_trie_node __rcu **link = wgt_root(table, family);
	struct wgt_trie_node *node, *parent = NULL, *leaf, *branch;
	unsigned int common = 0;
	u8 key[16] = { };

	memcpy(key, addr, wgt_family_bits(family) / 8);
	wgt_mask_key(key, cidr);

	/* Walk down while the node's prefix is a prefix of ours. */
	while ((node = rcu_dereference_protected(*link, lockdep_is_held(lock)))) {
		common = wgt_common_bits(node->key, key, min(node->cidr, cidr));
		if (common < node->cidr)
			break;
		if (node->cidr == cidr) {
			/* The very prefix exists (maybe only as a branch). */
			wgt_node_set_peer(node, peer);
			return 0;
		}
		parent = node;
		link = &node->child[wgt_bit(key, node->cidr)];
	}

	leaf = wgt_node_new(key, cidr, family, parent);
	if (!leaf)
		return -ENOMEM;
	wgt_node_set_peer(leaf, peer);

	if (!node) {
		/* An empty slot: the leaf simply hangs there. */
		rcu_assign_pointer(*link, leaf);
	} else if (common == cidr) {
		/* Ours is shorter than the node's prefix: go above it. */
		RCU_INIT_POINTER(leaf->child[wgt_bit(node->key, cidr)], node);
		node->parent = leaf;
		rcu_assign_pointer(*link, leaf);
	} else {
		/* The two part ways at bit "common": a branch holds both. */
		branch = wgt_node_new(key, common, family, parent);
		if (!branch) {
			list_del(&leaf->peer_list);
			kmem_cache_free(wgt_node_cache, leaf);
			atomic_dec(&wgt_live.trie_nodes);
			return -ENOMEM;
		}
		RCU_INIT_POINTER(branch->child[wgt_bit(key, common)], leaf);
		RCU_INIT_POINTER(branch->child[wgt_bit(node->key, common)], node);
		leaf->parent = branch;
		node->parent = branch;
		rcu_assign_pointer(*link, branch);
	}
	return 0;
}

/*
 * @node lost its peer. Unlink every node that has become useless on the
 * way up: a node without a peer is worth keeping only while it branches.
 */
static void wgt_trie_prune(struct wgt_allowedips *table,
			   struct wgt_trie_node *node, struct mutex *lock)
{
	struct wgt_trie_node __rcu **link;
	struct wgt_trie_node *parent, *c0, *c1, *child;

	while (node && !rcu_access_pointer(node->peer)) {
		c0 = rcu_dereference_protected(node->child[0], lockdep_is_held(lock));
		c1 = rcu_dereference_protected(node->child[1], lockdep_is_held(lock));
		if (c0 && c1)
			return;
		child = c0 ? c0 : c1;
		parent = node->parent;
		if (!parent)
			link = wgt_root(table, node->family);
		else if (rcu_access_pointer(parent->child[0]) == node)
			link = &parent->child[0];
		else
			link = &parent->child[1];
		if (child)
			child->parent = parent;
		rcu_assign_pointer(*link, child);
		/* Readers may be standing on it: free after a grace period. */
		call_rcu(&node->rcu, wgt_node_free_rcu);
		if (child)
			return;
		/* The parent lost a child; it may be a useless branch now. */
		node = parent;
	}
}

/**
 * wgt_allowedips_remove_peer() - drop every prefix @peer owns
 * @table: the device's table
 * @peer: the peer
 * @lock: the device's config lock, which the caller holds
 */
void wgt_allowedips_remove_peer(struct wgt_allowedips *table,
				struct wgt_peer *peer, struct mutex *lock)
{
	struct wgt_trie_node *node, *tmp;

	list_for_each_entry_safe(node, tmp, &peer->allowedips_list, peer_list) {
		trace_allowedips_remove(peer->public_key, node->family, node->key,
					node->cidr);
		list_del_init(&node->peer_list);
		RCU_INIT_POINTER(node->peer, NULL);
		wgt_trie_prune(table, node, lock);
	}
}

/**
 * wgt_allowedips_lookup() - the peer owning the longest prefix of @addr
 * @table: the device's table
 * @family: AF_INET or AF_INET6
 * @addr: 4 or 16 bytes, network byte order
 *
 * Return: a reference to the peer (drop it with wgt_peer_put()), or NULL.
 */
struct wgt_peer *wgt_allowedips_lookup(struct wgt_allowedips *table,
				       int family, const void *addr)
{
	/* LAB(ch2-lookup): the peer of the longest prefix holding addr, under RCU, referenced */
	/* LAB(ch2-lookup) skeleton: return NULL; */
	unsigned int bits = wgt_family_bits(family);
	struct wgt_peer *best = NULL, *peer;
	struct wgt_trie_node *node;
	u8 key[16] = { };

	memcpy(key, addr, bits / 8);
	rcu_read_lock_bh();
	node = rcu_dereference_bh(*wgt_root(table, family));
	while (node) {
		if (wgt_common_bits(node->key, key, node->cidr) < node->cidr)
			break;
		peer = rcu_dereference_bh(node->peer);
		if (peer)
			best = peer;
		if (node->cidr == bits)
			break;
		node = rcu_dereference_bh(node->child[wgt_bit(key, node->cidr)]);
	}
	best = wgt_peer_get_maybe_zero(best);
	rcu_read_unlock_bh();
	return best;
	/* END LAB(ch2-lookup) */
}

/**
 * wgt_allowedips_read_node() - the prefix a node holds, for dumps
 * @node: a node from a peer's allowedips_list
 * @addr: receives the address (4 or 16 bytes are meaningful)
 * @cidr: receives the prefix length
 *
 * Return: the family, AF_INET or AF_INET6.
 */
int wgt_allowedips_read_node(const struct wgt_trie_node *node, u8 addr[16],
			     u8 *cidr)
{
	memcpy(addr, node->key, 16);
	*cidr = node->cidr;
	return node->family;
}

/* The next node of a pre-order walk, using parent links instead of a stack. */
static struct wgt_trie_node *wgt_walk_next(struct wgt_trie_node *node,
					   struct mutex *lock)
{
	struct wgt_trie_node *child, *parent;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		child = rcu_dereference_protected(node->child[i], lockdep_is_held(lock));
		if (child)
			return child;
	}
	/* A leaf: climb until we leave a 0-side child whose sibling exists. */
	for (parent = node->parent; parent; node = parent, parent = node->parent) {
		child = rcu_dereference_protected(parent->child[1], lockdep_is_held(lock));
		if (child && child != node)
			return child;
	}
	return NULL;
}

/* How far below the root @node hangs, and on which side of its parent. */
static unsigned int wgt_node_depth(const struct wgt_trie_node *node, char *side)
{
	unsigned int depth = 0;

	if (!node->parent)
		*side = '-';
	else
		*side = rcu_access_pointer(node->parent->child[0]) == node ? '0' : '1';
	for (; node->parent; node = node->parent)
		depth++;
	return depth;
}

/**
 * wgt_allowedips_show() - print the shape of both tries, one node a line
 * @m: the debugfs file being read
 * @table: the device's table
 * @lock: the device's config lock, which the caller holds
 *
 * In pre-order, each line gives the node's depth, the side of its parent
 * it hangs on (0, 1, or - for a root), its prefix, and the first bytes of
 * its owner's public key, or "-" for a node that only branches. A node's
 * parent is the nearest line above it one level up. The book's trie
 * figure (chapter 2) is drawn from this output.
 */
void wgt_allowedips_show(struct seq_file *m, struct wgt_allowedips *table,
			 struct mutex *lock)
{
	struct wgt_trie_node *node;
	struct wgt_peer *peer;
	unsigned int depth;
	int family;
	char side;

	for (family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		node = rcu_dereference_protected(*wgt_root(table, family),
						 lockdep_is_held(lock));
		for (; node; node = wgt_walk_next(node, lock)) {
			peer = rcu_dereference_protected(node->peer, lockdep_is_held(lock));
			depth = wgt_node_depth(node, &side);
			if (family == AF_INET)
				seq_printf(m, "%u %c %pI4/%u", depth, side, node->key, node->cidr);
			else
				seq_printf(m, "%u %c %pI6c/%u", depth, side, node->key, node->cidr);
			if (peer)
				seq_printf(m, " %*phN\n", 4, peer->public_key);
			else
				seq_puts(m, " -\n");
		}
	}
}

/**
 * wgt_allowedips_slab_init() - create the node cache ("wgtour_trie_node" in
 * /proc/slabinfo, which the lifecycle tests read to find leaks)
 *
 * Return: 0 or -ENOMEM.
 */
int __init wgt_allowedips_slab_init(void)
{
	wgt_node_cache = kmem_cache_create("wgtour_trie_node",
					   sizeof(struct wgt_trie_node), 0, 0, NULL);
	return wgt_node_cache ? 0 : -ENOMEM;
}

/**
 * wgt_allowedips_slab_uninit() - destroy the cache once all nodes are freed
 */
void wgt_allowedips_slab_uninit(void)
{
	/* Nodes freed with call_rcu() must be gone before the cache is. */
	rcu_barrier();
	kmem_cache_destroy(wgt_node_cache);
}
