/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A token bucket per source address for handshake initiations (chapter 3).
 */
#ifndef _WGTOUR_RATELIMITER_H
#define _WGTOUR_RATELIMITER_H

#include <linux/hashtable.h>
#include <linux/siphash.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

/**
 * struct wgt_ratelimiter - the buckets of one device
 * @lock: guards the table; taken by the handshake worker and the collector
 * @key: random siphash key, so senders cannot aim at one bucket chain
 * @buckets: source address to bucket
 * @count: how many buckets exist (bounded by WGT_RATELIMIT_MAX_SOURCES)
 * @gc: drops buckets idle for a second, once a second
 */
struct wgt_ratelimiter {
	spinlock_t lock; /* guards the buckets and their tokens */
	siphash_key_t key;
	DECLARE_HASHTABLE(buckets, 10);
	unsigned int count;
	struct delayed_work gc;
};

void wgt_ratelimiter_init(struct wgt_ratelimiter *rl);
void wgt_ratelimiter_uninit(struct wgt_ratelimiter *rl);
bool wgt_ratelimiter_allow(struct wgt_ratelimiter *rl, struct sk_buff *skb);

#endif /* _WGTOUR_RATELIMITER_H */
