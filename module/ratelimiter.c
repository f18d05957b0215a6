// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 3, "The ratelimiter". Even with cookies, a sender that does
 * prove its address could send initiations as fast as it likes, and each
 * costs us several Curve25519 operations. Under load, each source address
 * (an IPv6 sender: its /64, which it usually owns whole) gets a token
 * bucket: 20 initiations a second, bursts of 5. Memory stays bounded: at
 * most WGT_RATELIMIT_MAX_SOURCES buckets, idle ones collected each second.
 */
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "peer.h"
#include "ratelimiter.h"
#include "socket.h"
#include "timers.h"

#define WGT_RATELIMIT_PER_SECOND	20
#define WGT_RATELIMIT_BURST		5
#define WGT_RATELIMIT_MAX_SOURCES	8192
/* Tokens are nanoseconds of credit: one packet costs this many. */
#define WGT_RATELIMIT_COST		(NSEC_PER_SEC / WGT_RATELIMIT_PER_SECOND)
#define WGT_RATELIMIT_MAX_TOKENS	(WGT_RATELIMIT_COST * WGT_RATELIMIT_BURST)

struct wgt_bucket {
	struct hlist_node node;
	u8 source[16];
	u64 tokens;
	u64 last_ns;
};

/* The address a bucket is for: IPv4 whole, IPv6 its /64. */
static void wgt_bucket_source(struct sk_buff *skb, u8 source[16])
{
	struct wgt_endpoint from;

	wgt_socket_endpoint_of(skb, &from);
	memset(source, 0, 16);
	if (from.addr.sa_family == AF_INET)
		memcpy(source, &from.addr4.sin_addr, 4);
	else
		memcpy(source + 4, &from.addr6.sin6_addr, 8);
}

/**
 * wgt_ratelimiter_allow() - may this source have one more initiation now?
 * @rl: the device's ratelimiter
 * @skb: a received initiation
 *
 * Return: true to process it, false to drop it.
 */
bool wgt_ratelimiter_allow(struct wgt_ratelimiter *rl, struct sk_buff *skb)
{
	struct wgt_bucket *bucket;
	bool allow = false;
	u64 age;
	u8 source[16];
	u32 hash;

	wgt_bucket_source(skb, source);
	hash = (u32)siphash(source, sizeof(source), &rl->key);
	spin_lock_bh(&rl->lock);
	hash_for_each_possible(rl->buckets, bucket, node, hash) {
		if (!memcmp(bucket->source, source, sizeof(source)))
			goto found;
	}
	/* A new source starts with a full bucket, minus this packet. */
	if (rl->count >= WGT_RATELIMIT_MAX_SOURCES)
		goto out;
	bucket = kmalloc(sizeof(*bucket), GFP_ATOMIC);
	if (!bucket)
		goto out;
	memcpy(bucket->source, source, sizeof(source));
	bucket->tokens = WGT_RATELIMIT_MAX_TOKENS - WGT_RATELIMIT_COST;
	bucket->last_ns = wgt_now_ns();
	hash_add(rl->buckets, &bucket->node, hash);
	rl->count++;
	allow = true;
	goto out;
found:
	/*
	 * Tokens are nanoseconds: the bucket earns the time since it was
	 * last used, up to a burst, and is then that much younger.
	 */
	age = wgt_age_ns(bucket->last_ns);
	bucket->tokens = min_t(u64, WGT_RATELIMIT_MAX_TOKENS, bucket->tokens + age);
	bucket->last_ns += age;
	if (bucket->tokens >= WGT_RATELIMIT_COST) {
		bucket->tokens -= WGT_RATELIMIT_COST;
		allow = true;
	}
out:
	spin_unlock_bh(&rl->lock);
	return allow;
}

/* Drop every bucket idle for a second (all of them when @all). */
static void wgt_ratelimiter_collect(struct wgt_ratelimiter *rl, bool all)
{
	struct wgt_bucket *bucket;
	struct hlist_node *tmp;
	unsigned int i;

	spin_lock_bh(&rl->lock);
	hash_for_each_safe(rl->buckets, i, tmp, bucket, node) {
		if (all || wgt_age_ns(bucket->last_ns) > NSEC_PER_SEC) {
			hash_del(&bucket->node);
			kfree(bucket);
			rl->count--;
		}
	}
	spin_unlock_bh(&rl->lock);
}

static void wgt_ratelimiter_gc(struct work_struct *work)
{
	struct wgt_ratelimiter *rl = container_of(to_delayed_work(work),
						  struct wgt_ratelimiter, gc);

	wgt_ratelimiter_collect(rl, false);
	queue_delayed_work(system_power_efficient_wq, &rl->gc, HZ);
}

/**
 * wgt_ratelimiter_init() - empty buckets and a running collector
 * @rl: the device's ratelimiter
 */
void wgt_ratelimiter_init(struct wgt_ratelimiter *rl)
{
	spin_lock_init(&rl->lock);
	get_random_bytes(&rl->key, sizeof(rl->key));
	hash_init(rl->buckets);
	rl->count = 0;
	INIT_DELAYED_WORK(&rl->gc, wgt_ratelimiter_gc);
	queue_delayed_work(system_power_efficient_wq, &rl->gc, HZ);
}

/**
 * wgt_ratelimiter_uninit() - stop the collector and free every bucket
 * @rl: the device's ratelimiter
 */
void wgt_ratelimiter_uninit(struct wgt_ratelimiter *rl)
{
	cancel_delayed_work_sync(&rl->gc);
	wgt_ratelimiter_collect(rl, true);
}
