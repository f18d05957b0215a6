// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 2, "Testing the tables": in-module self-tests of the pure data
 * structures, the allowed-IPs trie and the receiver-index table. They run
 * when the module is loaded with selftest=1 and report in KTAP to the
 * kernel log; tests/vm/selftests.sh reads them back. A failure makes the
 * load fail, so nothing can use a module whose tables are wrong.
 * The later chapters add what traffic cannot reach: the replay window and
 * the handshake vectors (chapters 3 and 4), a full crypto ring (chapter
 * 4), the rule of who renews a session (chapter 5).
 *
 * The trie is checked against an oracle too simple to be wrong: a flat
 * array of prefixes searched linearly for the longest match. Both are fed
 * the same pseudo-random prefixes (fixed seed, so a failure reproduces),
 * then asked the same tens of thousands of questions.
 */
#include <asm/unaligned.h>
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ktime.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/udp.h>

#include "allowedips.h"
#include "cookie.h"
#include "device.h"
#include "noise.h"
#include "peer.h"
#include "peerlookup.h"
#include "pipeline.h"
#include "selftest.h"
#include "send.h"
#include "timers.h"

#define WGT_ST_PEERS	32
#define WGT_ST_SEED	0x77677475	/* "wgtu" */

/* One row of the oracle: a prefix and who owns it, or a freed slot. */
struct wgt_st_prefix {
	u8 key[16];
	u8 cidr;
	int family;
	struct wgt_peer *peer;
};

/* What the self-tests share: fake peers, the trie, the oracle, a tally. */
struct wgt_st {
	struct wgt_peer *peers[WGT_ST_PEERS];
	struct wgt_allowedips table;
	struct mutex lock; /* the "config lock" the trie's writers need */
	struct wgt_st_prefix *oracle;
	unsigned int oracle_len, oracle_cap;
	struct rnd_state rnd;
	unsigned int test, failed;
};

static void wgt_st_result(struct wgt_st *st, bool ok, const char *name)
{
	st->test++;
	if (!ok)
		st->failed++;
	pr_info("%sok %u %s\n", ok ? "" : "not ", st->test, name);
}

/* Stand-in peers are told apart by the first byte of their key; -1: none. */
static int wgt_st_peer_id(const struct wgt_peer *peer)
{
	return peer ? peer->public_key[0] : -1;
}

/* Does @addr fall inside @key/@cidr? Bit by bit, the obvious way. */
static bool wgt_st_match(const u8 *key, u8 cidr, const u8 *addr)
{
	unsigned int i;

	for (i = 0; i < cidr; i++) {
		u8 mask = 0x80 >> (i % 8);

		if ((key[i / 8] & mask) != (addr[i / 8] & mask))
			return false;
	}
	return true;
}

static struct wgt_peer *wgt_st_oracle_lookup(struct wgt_st *st, int family,
					     const u8 *addr)
{
	struct wgt_st_prefix *best = NULL, *p;
	unsigned int i;

	for (i = 0; i < st->oracle_len; i++) {
		p = &st->oracle[i];
		if (!p->peer || p->family != family ||
		    !wgt_st_match(p->key, p->cidr, addr))
			continue;
		if (!best || p->cidr > best->cidr)
			best = p;
	}
	return best ? best->peer : NULL;
}

/* Record @key/@cidr -> @peer in the oracle: an existing row changes owner. */
static void wgt_st_oracle_set(struct wgt_st *st, int family, const u8 *key,
			      u8 cidr, struct wgt_peer *peer)
{
	struct wgt_st_prefix *p;
	unsigned int i;
	u8 masked[16] = { };

	for (i = 0; i < cidr; i++)
		masked[i / 8] |= key[i / 8] & (0x80 >> (i % 8));
	for (i = 0; i < st->oracle_len; i++) {
		p = &st->oracle[i];
		if (p->peer && p->family == family && p->cidr == cidr &&
		    !memcmp(p->key, masked, sizeof(masked))) {
			p->peer = peer;
			return;
		}
	}
	if (st->oracle_len == st->oracle_cap)
		return;
	p = &st->oracle[st->oracle_len++];
	memcpy(p->key, masked, sizeof(masked));
	p->cidr = cidr;
	p->family = family;
	p->peer = peer;
}

static void wgt_st_oracle_remove_peer(struct wgt_st *st, struct wgt_peer *peer)
{
	unsigned int i;

	for (i = 0; i < st->oracle_len; i++)
		if (st->oracle[i].peer == peer)
			st->oracle[i].peer = NULL;
}

static int wgt_st_insert(struct wgt_st *st, int family, const u8 *key, u8 cidr,
			 struct wgt_peer *peer)
{
	int ret;

	mutex_lock(&st->lock);
	ret = wgt_allowedips_insert(&st->table, family, key, cidr, peer, &st->lock);
	mutex_unlock(&st->lock);
	if (!ret)
		wgt_st_oracle_set(st, family, key, cidr, peer);
	return ret;
}

static void wgt_st_remove_peer(struct wgt_st *st, struct wgt_peer *peer)
{
	mutex_lock(&st->lock);
	wgt_allowedips_remove_peer(&st->table, peer, &st->lock);
	mutex_unlock(&st->lock);
	wgt_st_oracle_remove_peer(st, peer);
}

/* The trie's answer, without keeping the reference lookup hands back. */
static struct wgt_peer *wgt_st_lookup(struct wgt_st *st, int family,
				      const u8 *addr)
{
	struct wgt_peer *peer = wgt_allowedips_lookup(&st->table, family, addr);

	wgt_peer_put(peer);
	return peer;
}

/* Trie and oracle agree on @addr? */
static bool wgt_st_agree(struct wgt_st *st, int family, const u8 *addr)
{
	struct wgt_peer *want = wgt_st_oracle_lookup(st, family, addr);
	struct wgt_peer *got = wgt_st_lookup(st, family, addr);

	if (got != want) {
		pr_info("# mismatch for %*phN: trie says peer %d, oracle %d\n",
			family == AF_INET6 ? 16 : 4, addr, wgt_st_peer_id(got),
			wgt_st_peer_id(want));
		return false;
	}
	return true;
}

/*
 * Random prefixes are drawn from a small space of leading bytes so that
 * they nest and overlap often; otherwise almost every prefix would sit
 * alone and the interesting cases (a /24 inside a /16 inside a /8) would
 * be rare.
 */
static void wgt_st_random_addr(struct wgt_st *st, int family, u8 addr[16])
{
	unsigned int len = family == AF_INET6 ? 16 : 4;

	memset(addr, 0, 16);
	prandom_bytes_state(&st->rnd, addr, len);
	addr[0] &= 0x0f;
	addr[1] &= 0x33;
}

/*
 * Where to look up: half the time a random address as above, half the time
 * one aimed at a stored prefix, either inside it (its host bits random) or
 * just outside (its last prefix bit flipped). Random addresses alone almost
 * never fall inside a long prefix, so a mistake at a prefix's last bit would
 * go unseen.
 */
static void wgt_st_probe_addr(struct wgt_st *st, int family, u8 addr[16])
{
	unsigned int len = family == AF_INET6 ? 16 : 4, i;
	const struct wgt_st_prefix *p;
	u8 mask;

	wgt_st_random_addr(st, family, addr);
	if (!st->oracle_len || prandom_u32_state(&st->rnd) & 1)
		return;
	p = &st->oracle[prandom_u32_state(&st->rnd) % st->oracle_len];
	if (!p->peer || p->family != family)
		return;
	/* The prefix's bits, then the random address's bits after them. */
	for (i = 0; i < p->cidr && i < len * 8; i++) {
		mask = 0x80 >> (i % 8);
		addr[i / 8] = (addr[i / 8] & ~mask) | (p->key[i / 8] & mask);
	}
	if (p->cidr && prandom_u32_state(&st->rnd) & 1)
		addr[(p->cidr - 1) / 8] ^= 0x80 >> ((p->cidr - 1) % 8);
}

static u8 wgt_st_random_cidr(struct wgt_st *st, int family)
{
	unsigned int bits = family == AF_INET6 ? 128 : 32;

	return prandom_u32_state(&st->rnd) % (bits + 1);
}

static bool wgt_st_random_round(struct wgt_st *st, int family,
				unsigned int prefixes, unsigned int lookups)
{
	unsigned int i, peer;
	u8 addr[16];
	bool ok = true;

	for (i = 0; i < prefixes; i++) {
		wgt_st_random_addr(st, family, addr);
		peer = prandom_u32_state(&st->rnd) % WGT_ST_PEERS;
		if (wgt_st_insert(st, family, addr, wgt_st_random_cidr(st, family),
				  st->peers[peer]))
			return false;
	}
	for (i = 0; i < lookups && ok; i++) {
		wgt_st_probe_addr(st, family, addr);
		ok = wgt_st_agree(st, family, addr);
	}
	return ok;
}

/* Remove a few peers; everyone else must keep exactly their prefixes. */
static bool wgt_st_remove_round(struct wgt_st *st, int family,
				unsigned int lookups)
{
	unsigned int i;
	u8 addr[16];
	bool ok = true;

	for (i = 0; i < WGT_ST_PEERS; i += 3)
		wgt_st_remove_peer(st, st->peers[i]);
	for (i = 0; i < lookups && ok; i++) {
		wgt_st_probe_addr(st, family, addr);
		ok = wgt_st_agree(st, family, addr);
	}
	return ok;
}

static void wgt_st_clear(struct wgt_st *st)
{
	unsigned int i;

	for (i = 0; i < WGT_ST_PEERS; i++)
		wgt_st_remove_peer(st, st->peers[i]);
	st->oracle_len = 0;
}

/* After removing every peer, the trie must be empty: nothing was left over. */
static bool wgt_st_trie_empty(struct wgt_st *st)
{
	return !rcu_access_pointer(st->table.root4) &&
	       !rcu_access_pointer(st->table.root6);
}

static bool wgt_st_addr_is(struct wgt_st *st, int family, const char *what,
			   const u8 *addr, struct wgt_peer *want)
{
	struct wgt_peer *got = wgt_st_lookup(st, family, addr);

	if (got != want)
		pr_info("# %s: got peer %d, want %d\n", what, wgt_st_peer_id(got),
			wgt_st_peer_id(want));
	return got == want;
}

/* Hand-picked cases a random test might never draw. */
static bool wgt_st_corner_cases(struct wgt_st *st)
{
	static const u8 any[16], ten[4] = { 10, 0, 0, 0 },
		host[4] = { 10, 1, 2, 3 }, other[4] = { 11, 0, 0, 1 },
		six[16] = { 0xfd, 0, [15] = 1 };
	struct wgt_peer **p = st->peers;
	bool ok = true;

	/* /0 catches everything; a /32 only its own address. */
	ok &= !wgt_st_insert(st, AF_INET, any, 0, p[0]);
	ok &= wgt_st_addr_is(st, AF_INET, "/0 default", other, p[0]);
	ok &= !wgt_st_insert(st, AF_INET, host, 32, p[1]);
	ok &= wgt_st_addr_is(st, AF_INET, "/32 host", host, p[1]);
	/* A /8 between them: the longer match wins, the /0 still catches. */
	ok &= !wgt_st_insert(st, AF_INET, ten, 8, p[2]);
	ok &= wgt_st_addr_is(st, AF_INET, "/8 over /0", ten, p[2]);
	ok &= wgt_st_addr_is(st, AF_INET, "/32 over /8", host, p[1]);
	ok &= wgt_st_addr_is(st, AF_INET, "/0 beside /8", other, p[0]);
	/* Re-inserting a prefix moves it to the new peer. */
	ok &= !wgt_st_insert(st, AF_INET, ten, 8, p[3]);
	ok &= wgt_st_addr_is(st, AF_INET, "moved /8", ten, p[3]);
	/* Removing the /32's owner falls back to the /8. */
	wgt_st_remove_peer(st, p[1]);
	ok &= wgt_st_addr_is(st, AF_INET, "after removal", host, p[3]);
	/* IPv6 is a separate trie: a v4 /0 does not catch v6 traffic. */
	ok &= wgt_st_addr_is(st, AF_INET6, "v6 empty", six, NULL);
	ok &= !wgt_st_insert(st, AF_INET6, six, 128, p[4]);
	ok &= wgt_st_addr_is(st, AF_INET6, "/128 host", six, p[4]);
	ok &= !wgt_st_insert(st, AF_INET6, any, 0, p[5]);
	ok &= wgt_st_addr_is(st, AF_INET6, "/128 over /0", six, p[4]);
	ok &= wgt_st_addr_is(st, AF_INET6, "v6 /0", any, p[5]);
	wgt_st_clear(st);
	return ok && wgt_st_trie_empty(st);
}

/* A branch node left with one child must go: removal merges the path. */
static bool wgt_st_merge(struct wgt_st *st)
{
	static const u8 a[4] = { 192, 168, 1, 0 }, b[4] = { 192, 168, 2, 0 };
	struct wgt_trie_node *root;
	bool ok;

	wgt_st_insert(st, AF_INET, a, 24, st->peers[0]);
	wgt_st_insert(st, AF_INET, b, 24, st->peers[1]);
	/* Two /24s that part at bit 22: a peerless branch holds them. */
	root = rcu_dereference_protected(st->table.root4, true);
	ok = root && root->cidr == 22 && !rcu_access_pointer(root->peer);
	wgt_st_remove_peer(st, st->peers[1]);
	root = rcu_dereference_protected(st->table.root4, true);
	/* The branch is gone; the remaining /24 is the root now. */
	ok &= root && root->cidr == 24 &&
	      rcu_access_pointer(root->peer) == st->peers[0];
	wgt_st_clear(st);
	return ok && wgt_st_trie_empty(st);
}

/* Receiver indices: many insertions, no two alike, each found again. */
static bool wgt_st_index_table(void)
{
	const unsigned int n = 20000;
	struct wgt_index_table *table;
	struct wgt_index_entry *entries, *found;
	struct wgt_peer *peer, *got;
	unsigned int i, j;
	bool ok = true;

	table = kzalloc(sizeof(*table), GFP_KERNEL);
	entries = kvcalloc(n, sizeof(*entries), GFP_KERNEL);
	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!table || !entries || !peer) {
		ok = false;
		goto out;
	}
	kref_init(&peer->refcount);
	wgt_index_table_init(table);
	for (i = 0; i < n; i++) {
		entries[i].peer = peer;
		entries[i].type = i % 2 ? WGT_INDEX_KEYPAIR : WGT_INDEX_HANDSHAKE;
		wgt_index_table_insert(table, &entries[i]);
	}
	/* No duplicates: count the entries each index finds in its bucket. */
	for (i = 0; i < n && ok; i++) {
		j = 0;
		hash_for_each_possible(table->buckets, found, node,
				       (__force u32)entries[i].index)
			j += found->index == entries[i].index;
		ok = j == 1;
	}
	/* Each is found, by its own type only. */
	for (i = 0; i < n && ok; i++) {
		found = wgt_index_table_lookup(table, entries[i].index,
					       entries[i].type, &got);
		ok = found == &entries[i] && got == peer;
		wgt_peer_put(got);
		found = wgt_index_table_lookup(table, entries[i].index,
					       ~entries[i].type & 3, &got);
		ok &= !found && !got;
	}
	for (i = 0; i < n; i++)
		wgt_index_table_remove(table, &entries[i]);
	for (i = 0; i < HASH_SIZE(table->buckets); i++)
		ok &= hlist_empty(&table->buckets[i]);
	synchronize_rcu();
out:
	kfree(peer);
	kvfree(entries);
	kfree(table);
	return ok;
}

/*
 * The replay window (chapter 4): each counter accepted once; late ones
 * accepted within the window; too old ones refused; a slot reused by a
 * counter one whole bitmap later must not look like a replay.
 */
static bool wgt_st_replay(void)
{
	struct wgt_replay *r;
	bool ok = true;
	u64 i;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return false;
	spin_lock_init(&r->lock);
	for (i = 0; i < 3 * WGT_REPLAY_BITS && ok; i++)
		ok = wgt_replay_check(r, i);
	ok &= !wgt_replay_check(r, 5);			/* far too old */
	ok &= !wgt_replay_check(r, 3 * WGT_REPLAY_BITS - 1);	/* seen */
	ok &= wgt_replay_check(r, 3 * WGT_REPLAY_BITS + 10);	/* a gap */
	ok &= wgt_replay_check(r, 3 * WGT_REPLAY_BITS + 3);	/* late, in window */
	ok &= !wgt_replay_check(r, 3 * WGT_REPLAY_BITS + 3);	/* and only once */
	/* A jump past the whole window, then one slot's old tenant. */
	ok &= wgt_replay_check(r, 10 * WGT_REPLAY_BITS);
	ok &= !wgt_replay_check(r, 9 * WGT_REPLAY_BITS);
	ok &= wgt_replay_check(r, 10 * WGT_REPLAY_BITS - WGT_REPLAY_WINDOW);
	ok &= !wgt_replay_check(r, 10 * WGT_REPLAY_BITS - WGT_REPLAY_WINDOW - 1);
	ok &= !wgt_replay_check(r, WGT_REJECT_AFTER_MESSAGES);
	kfree(r);
	return ok;
}

/*
 * Handshake vectors (chapter 3): one handshake from fixed keys, ephemerals
 * and timestamp, printed as "# vector NAME OFFSET HEX" lines for
 * tests/vm/handshake_vectors.sh to compare with an independent Python
 * implementation (tests/lib/noise_ref.py). Checked here as well: both
 * sides derive matching keys, a replayed initiation is refused, and a
 * cookie reply is accepted by the initiator.
 */
struct wgt_st_side {
	struct net_device *dev;
	struct wgt_device *wg;
	struct wgt_peer *peer;	/* the other side, as our peer */
};

static void wgt_st_netdev_setup(struct net_device *dev)
{
}

static void wgt_st_print(const char *name, const void *buf, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += 32)
		pr_info("# vector %s %zu %*phN\n", name, off,
			(int)min_t(size_t, 32, len - off), (const u8 *)buf + off);
}

/* A device that is never registered: enough state for the handshake. */
static int wgt_st_side_init(struct wgt_st_side *side, u8 first_key_byte)
{
	u8 key[WGT_KEY_LEN];
	unsigned int i;

	side->dev = alloc_netdev(sizeof(struct wgt_device), "wgtst%d",
				 NET_NAME_UNKNOWN, wgt_st_netdev_setup);
	if (!side->dev)
		return -ENOMEM;
	side->wg = netdev_priv(side->dev);
	side->wg->dev = side->dev;
	mutex_init(&side->wg->conf_lock);
	INIT_LIST_HEAD(&side->wg->peer_list);
	wgt_pubkey_table_init(&side->wg->pubkey_table);
	wgt_allowedips_init(&side->wg->allowedips);
	wgt_index_table_init(&side->wg->index_table);
	init_rwsem(&side->wg->identity.lock);
	wgt_cookie_checker_init(&side->wg->cookie_checker);
	for (i = 0; i < WGT_KEY_LEN; i++)
		key[i] = first_key_byte + i;
	wgt_identity_set(&side->wg->identity, key);
	wgt_cookie_checker_set_key(&side->wg->cookie_checker,
				   side->wg->identity.public_key);
	return 0;
}

static int wgt_st_side_add_peer(struct wgt_st_side *side,
				struct wgt_st_side *other, u8 psk_byte)
{
	mutex_lock(&side->wg->conf_lock);
	side->peer = wgt_peer_create(side->wg, other->wg->identity.public_key);
	mutex_unlock(&side->wg->conf_lock);
	if (!side->peer)
		return -ENOMEM;
	memset(side->peer->handshake.preshared_key, psk_byte, WGT_SYMMETRIC_KEY_LEN);
	return 0;
}

static void wgt_st_side_free(struct wgt_st_side *side)
{
	if (!side->dev)
		return;
	mutex_lock(&side->wg->conf_lock);
	wgt_peer_remove_all(side->wg);
	mutex_unlock(&side->wg->conf_lock);
	rcu_barrier();
	free_netdev(side->dev);
}

static void wgt_st_fill(u8 *buf, size_t len, u8 first)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = first + i;
}

/*
 * One initiation and response between @a (initiator) and @b, with the
 * given psk on both, the indices patched to the fixed values the
 * reference uses. Returns false when any step fails.
 */
static bool wgt_st_handshake(struct wgt_st_side *a, struct wgt_st_side *b,
			     struct wgt_msg_initiation *init,
			     struct wgt_msg_response *resp, bool print_keys)
{
	u8 eph_i[WGT_KEY_LEN], eph_r[WGT_KEY_LEN], ts[WGT_TIMESTAMP_LEN];
	struct wgt_keypair *ka, *kb;
	struct wgt_msg_response copy;
	struct wgt_peer *peer;
	enum wgt_drop_reason why;
	__le32 real_index;
	bool ok;

	wgt_st_fill(eph_i, sizeof(eph_i), 65);
	wgt_st_fill(eph_r, sizeof(eph_r), 97);
	put_unaligned_be64(0x400000000000000aULL + 1700000000ULL, ts);
	put_unaligned_be32(0, ts + 8);

	if (!wgt_noise_build_initiation(a->wg, &a->peer->handshake, init, eph_i, ts))
		return false;
	real_index = init->sender_index;
	init->sender_index = cpu_to_le32(0x11223344);
	wgt_cookie_add_macs(&a->peer->cookie, init, sizeof(*init));

	/* A fresh responder state, so the same timestamp is not a replay. */
	memset(b->peer->handshake.latest_timestamp, 0, WGT_TIMESTAMP_LEN);
	b->peer->handshake.last_initiation_ns = 0;
	peer = wgt_noise_consume_initiation(b->wg, init, &why);
	if (peer != b->peer) {
		pr_info("# consume_initiation: %s\n", wgt_drop_reason_name(why));
		wgt_peer_put(peer);
		return false;
	}
	wgt_peer_put(peer);
	/* The same initiation again is a replay. */
	peer = wgt_noise_consume_initiation(b->wg, init, &why);
	ok = !peer;
	wgt_peer_put(peer);
	if (!ok)
		pr_info("# a replayed initiation was accepted\n");

	if (!wgt_noise_build_response(b->wg, &b->peer->handshake, resp, eph_r))
		return false;
	resp->sender_index = cpu_to_le32(0x55667788);
	wgt_cookie_add_macs(&b->peer->cookie, resp, sizeof(*resp));

	/* The initiator finds its handshake by its real index. */
	copy = *resp;
	copy.receiver_index = real_index;
	peer = wgt_noise_consume_response(a->wg, &copy, &why);
	if (peer != a->peer) {
		pr_info("# consume_response: %s\n", wgt_drop_reason_name(why));
		wgt_peer_put(peer);
		return false;
	}
	wgt_peer_put(peer);
	ka = wgt_noise_begin_session(&a->peer->handshake, &a->peer->keypairs);
	kb = wgt_noise_begin_session(&b->peer->handshake, &b->peer->keypairs);
	if (!ka || !kb)
		return false;
	ok &= ka->i_am_initiator && !kb->i_am_initiator &&
	      !memcmp(ka->sending_key, kb->receiving_key, WGT_SYMMETRIC_KEY_LEN) &&
	      !memcmp(ka->receiving_key, kb->sending_key, WGT_SYMMETRIC_KEY_LEN);
	if (print_keys)
		pr_info("# vector keys %*phN %*phN\n", WGT_SYMMETRIC_KEY_LEN,
			ka->sending_key, WGT_SYMMETRIC_KEY_LEN, ka->receiving_key);
	return ok;
}

static bool wgt_st_vectors(void)
{
	struct wgt_st_side a = { }, b = { };
	struct wgt_msg_initiation init, init2;
	struct wgt_msg_cookie_reply reply;
	struct wgt_msg_response resp;
	u8 secret[WGT_HASH_LEN], source[6] = { 192, 0, 2, 1 };
	bool ok = false;

	if (wgt_st_side_init(&a, 1) || wgt_st_side_init(&b, 33) ||
	    wgt_st_side_add_peer(&a, &b, 0xa5) || wgt_st_side_add_peer(&b, &a, 0xa5))
		goto out;
	ok = wgt_st_handshake(&a, &b, &init, &resp, true);
	wgt_st_print("initiation", &init, sizeof(init));
	wgt_st_print("response", &resp, sizeof(resp));

	/* Under load, the responder answers the initiation with a cookie. */
	memset(secret, 0x42, sizeof(secret));
	put_unaligned_be16(51820, source + 4);
	reply.header.type = cpu_to_le32(WGT_MSG_COOKIE_REPLY);
	reply.receiver_index = init.sender_index;
	wgt_st_fill(reply.nonce, sizeof(reply.nonce), 0);
	wgt_cookie_compute_reply(secret, b.wg->cookie_checker.cookie_key, source,
				 sizeof(source), init.macs.mac1, reply.nonce,
				 reply.encrypted_cookie);
	wgt_st_print("cookie_reply", &reply, sizeof(reply));
	if (!wgt_cookie_consume_reply(&a.peer->cookie, &reply)) {
		pr_info("# the initiator refused the cookie reply\n");
		ok = false;
	}
	/* The same initiation again, now with MAC2 from that cookie. */
	ok &= wgt_st_handshake(&a, &b, &init2, &resp, false);
	wgt_st_print("initiation_mac2", &init2, sizeof(init2));

	/* And the response when no preshared key is set. */
	memset(a.peer->handshake.preshared_key, 0, WGT_SYMMETRIC_KEY_LEN);
	memset(b.peer->handshake.preshared_key, 0, WGT_SYMMETRIC_KEY_LEN);
	ok &= wgt_st_handshake(&a, &b, &init2, &resp, false);
	wgt_st_print("initiation_zero_psk_response", &resp, sizeof(resp));
out:
	wgt_st_side_free(&a);
	wgt_st_side_free(&b);
	return ok;
}

/*
 * Session renewal (chapter 5): after REKEY_AFTER_TIME only the initiator
 * starts the next handshake; after REKEY_AFTER_MESSAGES whichever side
 * sent them does, initiator or responder.
 */
static bool wgt_st_rekey_rule(void)
{
	struct wgt_keypair *keypair;
	bool ok = true;
	int initiator;

	keypair = kzalloc(sizeof(*keypair), GFP_KERNEL);
	if (!keypair)
		return false;
	for (initiator = 0; initiator <= 1; initiator++) {
		u64 now = wgt_now_ns();
		bool right;

		keypair->i_am_initiator = initiator;
		keypair->birthdate_ns = now;
		/* Used up only past the limit: the limit itself is not yet. */
		atomic64_set(&keypair->sending_counter, WGT_REKEY_AFTER_MESSAGES);
		right = !wgt_keypair_wants_rekey(keypair);
		atomic64_set(&keypair->sending_counter, WGT_REKEY_AFTER_MESSAGES + 1);
		right &= wgt_keypair_wants_rekey(keypair);
		atomic64_set(&keypair->sending_counter, 0);
		/* Wraps when the clock is younger than that: the age is still right. */
		keypair->birthdate_ns = now - wgt_seconds_ns(WGT_REKEY_AFTER_TIME + 1);
		right &= wgt_keypair_wants_rekey(keypair) == initiator;
		if (!right)
			pr_info("# rekey rule wrong for the %s\n",
				initiator ? "initiator" : "responder");
		ok &= right;
	}
	kfree(keypair);
	return ok;
}

/*
 * An age is never negative (chapter 3, "Timers"). Another CPU may store a
 * time it read after this CPU read the clock: the cookie secret, stamped
 * so, is fresh, and answering a handshake must not rotate it.
 */
static bool wgt_st_clock_ahead(void)
{
	struct wgt_cookie_checker *checker;
	struct wgt_msg_cookie_reply reply;
	u8 secret[WGT_HASH_LEN];
	struct sk_buff *skb;
	struct udphdr *udp;
	struct iphdr *ip;
	bool ok;

	checker = kmalloc(sizeof(*checker), GFP_KERNEL);
	skb = alloc_skb(sizeof(*ip) + sizeof(*udp) + sizeof(struct wgt_msg_macs),
			GFP_KERNEL);
	if (!checker || !skb) {
		kfree(checker);
		consume_skb(skb);
		return false;
	}
	/* A handshake message from 192.0.2.1:51820, as the receive path has it. */
	skb->protocol = htons(ETH_P_IP);
	skb_reset_network_header(skb);
	ip = skb_put_zero(skb, sizeof(*ip));
	ip->saddr = htonl(0xc0000201);
	skb_set_transport_header(skb, sizeof(*ip));
	udp = skb_put_zero(skb, sizeof(*udp));
	udp->source = htons(51820);
	skb_put_zero(skb, sizeof(struct wgt_msg_macs));

	wgt_cookie_checker_init(checker);
	memcpy(secret, checker->secret, sizeof(secret));
	checker->secret_birth_ns = wgt_now_ns() + NSEC_PER_SEC;
	wgt_cookie_make_reply(checker, &reply, skb, 0);
	ok = !memcmp(secret, checker->secret, sizeof(secret));
	if (!ok)
		pr_info("# a cookie secret stamped ahead of our clock was rotated\n");
	consume_skb(skb);
	kfree_sensitive(checker);
	return ok;
}

/* What wgt_st_full_ring() learns of the wake-ups it asked for. */
static struct {
	unsigned int count;
	struct wgt_peer *peer;
	struct sk_buff *skb;
} wgt_st_woken;

static void wgt_st_wake(struct wgt_peer *peer, struct sk_buff *skb)
{
	wgt_st_woken.count++;
	wgt_st_woken.peer = peer;
	wgt_st_woken.skb = skb;
}

/*
 * The crypto pipeline (chapter 4): a packet that finds the device's ring
 * full comes back to its caller in neither queue, without the in-flight
 * count it took, and the consumer is woken for the packets other CPUs may
 * have queued behind it, which nothing else would wake. A ring of one
 * slot, filled by the first packet, makes the second one that packet.
 */
static bool wgt_st_full_ring(struct wgt_peer *peer)
{
	struct sk_buff *first, *second, *skb;
	struct sk_buff_head queue;
	struct ptr_ring ring;
	bool ok;

	if (ptr_ring_init(&ring, 1, GFP_KERNEL))
		return false;
	skb_queue_head_init(&queue);
	memset(&wgt_st_woken, 0, sizeof(wgt_st_woken));
	first = alloc_skb(0, GFP_KERNEL);
	second = alloc_skb(0, GFP_KERNEL);
	ok = first && second &&
	     !wgt_crypt_enqueue(peer, &queue, &ring, first, wgt_st_wake) &&
	     !wgt_st_woken.count &&
	     wgt_crypt_enqueue(peer, &queue, &ring, second, wgt_st_wake) == -ENOSPC;
	ok = ok && skb_queue_len(&queue) == 1 && skb_peek(&queue) == first &&
	     atomic_read(&peer->crypt_in_flight) == 1;
	if (ok && wgt_st_woken.count != 1)
		pr_info("# a full ring woke the consumer %u times, not once\n",
			wgt_st_woken.count);
	ok = ok && wgt_st_woken.count == 1 && wgt_st_woken.peer == peer &&
	     !wgt_st_woken.skb;

	/* Undo what the workers and the consumer would have done. */
	while ((skb = ptr_ring_consume(&ring))) {
		skb_unlink(skb, &queue);
		wgt_peer_crypt_end(peer);
	}
	consume_skb(first);
	consume_skb(second);
	ptr_ring_cleanup(&ring, NULL);
	return ok;
}

static bool wgt_st_pipeline(void)
{
	struct wgt_st_side a = { }, b = { };
	bool ok = false;

	if (!wgt_st_side_init(&a, 1) && !wgt_st_side_init(&b, 33) &&
	    !wgt_st_side_add_peer(&a, &b, 0))
		ok = wgt_st_full_ring(a.peer);
	wgt_st_side_free(&a);
	wgt_st_side_free(&b);
	return ok;
}

/*
 * Not a test: how long a lookup takes in the trie and in the linear
 * oracle, with @prefixes prefixes in both. Printed as a KTAP diagnostic;
 * the numbers vary with the machine, so nothing is asserted about them.
 */
static void wgt_st_bench(struct wgt_st *st, int family, unsigned int prefixes)
{
	const unsigned int n = 20000;
	unsigned int i, peer, hits_trie = 0, hits_oracle = 0;
	u64 t0, t_trie, t_oracle;
	u8 addr[16];

	for (i = 0; i < prefixes; i++) {
		wgt_st_random_addr(st, family, addr);
		peer = prandom_u32_state(&st->rnd) % WGT_ST_PEERS;
		wgt_st_insert(st, family, addr, wgt_st_random_cidr(st, family),
			      st->peers[peer]);
	}
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		wgt_st_random_addr(st, family, addr);
		hits_trie += !!wgt_st_lookup(st, family, addr);
	}
	t_trie = ktime_get_ns() - t0;
	t0 = ktime_get_ns();
	for (i = 0; i < n / 10; i++) {
		wgt_st_random_addr(st, family, addr);
		hits_oracle += !!wgt_st_oracle_lookup(st, family, addr);
	}
	t_oracle = (ktime_get_ns() - t0) * 10;
	/* The hit counts are printed so the compiler cannot drop the loops. */
	pr_info("# bench: ipv%d, %u prefixes: trie %llu ns/lookup (%u/%u hit), oracle %llu ns/lookup (%u/%u hit)\n",
		family == AF_INET6 ? 6 : 4, st->oracle_len, t_trie / n,
		hits_trie, n, t_oracle / n, hits_oracle, n / 10);
	wgt_st_clear(st);
}

static int wgt_st_setup(struct wgt_st *st)
{
	unsigned int i;

	mutex_init(&st->lock);
	wgt_allowedips_init(&st->table);
	prandom_seed_state(&st->rnd, WGT_ST_SEED);
	st->oracle_cap = 8192;
	st->oracle = kvcalloc(st->oracle_cap, sizeof(*st->oracle), GFP_KERNEL);
	if (!st->oracle)
		return -ENOMEM;
	/*
	 * Stand-in peers: the trie only needs their list head and refcount
	 * (and their public key, for its tracepoints).
	 */
	for (i = 0; i < WGT_ST_PEERS; i++) {
		st->peers[i] = kzalloc(sizeof(*st->peers[i]), GFP_KERNEL);
		if (!st->peers[i])
			return -ENOMEM;
		kref_init(&st->peers[i]->refcount);
		INIT_LIST_HEAD(&st->peers[i]->allowedips_list);
		st->peers[i]->public_key[0] = i;
	}
	return 0;
}

static void wgt_st_teardown(struct wgt_st *st)
{
	unsigned int i;

	for (i = 0; i < WGT_ST_PEERS; i++) {
		if (st->peers[i])
			wgt_st_remove_peer(st, st->peers[i]);
	}
	/* Trie nodes are freed after a grace period; they point at nothing. */
	synchronize_rcu();
	for (i = 0; i < WGT_ST_PEERS; i++)
		kfree(st->peers[i]);
	kvfree(st->oracle);
	mutex_destroy(&st->lock);
}

/**
 * wgt_selftest_run() - run every self-test, reporting in KTAP
 *
 * Return: 0 when all passed, -EINVAL when any failed, -ENOMEM when the
 * tests could not be set up.
 */
int __init wgt_selftest_run(void)
{
	struct wgt_st *st;
	int ret;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	ret = wgt_st_setup(st);
	if (ret)
		goto out;

	pr_info("KTAP version 1\n");
	pr_info("1..14\n");
	wgt_st_result(st, wgt_st_corner_cases(st),
		      "allowedips: corner cases (/0, /32, /128, nesting, moves)");
	wgt_st_result(st, wgt_st_merge(st),
		      "allowedips: removal merges a branch with one child");
	wgt_st_result(st, wgt_st_random_round(st, AF_INET, 2000, 20000),
		      "allowedips: ipv4, 2000 random prefixes, 20000 lookups match");
	wgt_st_result(st, wgt_st_remove_round(st, AF_INET, 20000),
		      "allowedips: ipv4, a third of the peers removed, rest intact");
	wgt_st_clear(st);
	wgt_st_result(st, wgt_st_trie_empty(st),
		      "allowedips: ipv4 trie empty after removing every peer");
	wgt_st_result(st, wgt_st_random_round(st, AF_INET6, 2000, 20000),
		      "allowedips: ipv6, 2000 random prefixes, 20000 lookups match");
	wgt_st_result(st, wgt_st_remove_round(st, AF_INET6, 20000),
		      "allowedips: ipv6, a third of the peers removed, rest intact");
	wgt_st_clear(st);
	wgt_st_result(st, wgt_st_trie_empty(st),
		      "allowedips: ipv6 trie empty after removing every peer");
	wgt_st_result(st, wgt_st_index_table(),
		      "index table: 20000 random indices, unique, found by type");
	wgt_st_result(st, wgt_st_replay(),
		      "replay window: in order, late, duplicate, too old, slot reuse");
	wgt_st_result(st, wgt_st_vectors(),
		      "handshake: fixed-input vectors, matching keys, replay refused");
	wgt_st_result(st, wgt_st_rekey_rule(),
		      "rekey: by age the initiator only, by messages either side");
	wgt_st_result(st, wgt_st_clock_ahead(),
		      "clock: a time stored ahead of this CPU's read is age 0, not old");
	wgt_st_result(st, wgt_st_pipeline(),
		      "pipeline: a full ring leaves the packet out and wakes the consumer");
	wgt_st_bench(st, AF_INET, 1000);
	wgt_st_bench(st, AF_INET6, 1000);

	if (st->failed)
		pr_info("# wgtour self-tests: failed %u out of %u tests\n", st->failed, st->test);
	else
		pr_info("# wgtour self-tests: all %u tests passed\n", st->test);
	ret = st->failed ? -EINVAL : 0;
out:
	wgt_st_teardown(st);
	kfree(st);
	return ret;
}
