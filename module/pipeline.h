/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ordered parallel crypto pipeline: reception (chapter 4) and
 * transmission (chapter 5) both run their data messages through it. The
 * design is upstream WireGuard's (its queueing.c and queueing.h), taken on
 * purpose. What travels through it is a batch: for reception one data
 * message, for transmission the packets one call of wgt_send_staged()
 * numbered, chained through their control blocks (batch_next). Each batch
 * goes into two queues: its peer's queue, which fixes the order, and the
 * device's crypto ring, from which a worker on any CPU takes it. The
 * worker publishes its verdict in the batch's first packet; the peer's one
 * consumer (its NAPI poll for reception, its transmit work for
 * transmission) takes batches from the front of the peer's queue as long
 * as they are done. So the work is spread over every CPU, and the packets
 * still leave in the order they came.
 */
#ifndef _WGTOUR_PIPELINE_H
#define _WGTOUR_PIPELINE_H

#include <linux/ptr_ring.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>

struct wgt_device;
struct wgt_keypair;
struct wgt_peer;

/**
 * enum wgt_crypt_state - where a packet's encryption or decryption stands
 * @WGT_CRYPT_PENDING: in the ring or in a worker's hands
 * @WGT_CRYPT_DONE: en- or decrypted: the consumer may take it
 * @WGT_CRYPT_FAILED: it did not work out: the consumer drops it
 */
enum wgt_crypt_state {
	WGT_CRYPT_PENDING,
	WGT_CRYPT_DONE,
	WGT_CRYPT_FAILED,
};

/**
 * struct wgt_crypt_cb - what a data message carries in skb->cb while it is
 * in the pipeline
 * @keypair: the session's keys; a reference (the batch holds one on the
 *	peer as well, which struct wgt_keypair asks of its holders)
 * @counter: the message's counter, the nonce of its encryption
 * @state: an enum wgt_crypt_state: set to PENDING before the packet enters
 *	the queues, then once by the worker (wgt_crypt_drain())
 * @mtu: transmission: how far the plaintext may be padded
 * @plain_len: transmission: the plaintext's length, 0 for a keepalive
 * @ds: transmission: the outer header's DS field (the inner ECN bits)
 * @batch_next: the next packet of the batch, NULL after its last; a batch
 *	of one (all of reception's) has NULL here
 *
 * Only a batch's first packet holds references on the keypair (and so the
 * peer) and has a meaningful @state: the batch is queued, worked on and
 * taken as one.
 */
struct wgt_crypt_cb {
	struct wgt_keypair *keypair;
	u64 counter;
	int state;
	unsigned int mtu;
	unsigned int plain_len;
	u8 ds;
	struct sk_buff *batch_next;
};

static inline struct wgt_crypt_cb *wgt_crypt_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct wgt_crypt_cb) > sizeof(skb->cb));
	return (struct wgt_crypt_cb *)skb->cb;
}

/**
 * struct wgt_crypt_worker - one CPU's worker for one of the device's queues
 * @work: queued on that CPU (wgt_crypt_wake_worker())
 * @wg: the device whose queue it drains
 */
struct wgt_crypt_worker {
	struct work_struct work;
	struct wgt_device *wg;
};

/*
 * Wake the peer's consumer (its NAPI poll, or its transmit work): @skb is
 * the batch a worker has just finished, for the trace, or NULL when the
 * wake is for whatever may be ready behind a batch that never got in.
 */
typedef void (*wgt_consumer_wake_t)(struct wgt_peer *peer, struct sk_buff *skb);

int wgt_next_cpu(int *last);
struct wgt_crypt_worker __percpu *wgt_crypt_workers_alloc(struct wgt_device *wg,
							  work_func_t fn);
void wgt_crypt_wake_worker(struct wgt_device *wg,
			   struct wgt_crypt_worker __percpu *workers, int cpu);
int wgt_crypt_enqueue(struct wgt_peer *peer, struct sk_buff_head *queue,
		      struct ptr_ring *ring, struct sk_buff *skb,
		      wgt_consumer_wake_t wake);
void wgt_crypt_drain(struct ptr_ring *ring, bool (*crypt)(struct sk_buff *first),
		     wgt_consumer_wake_t wake, unsigned int burst);
struct sk_buff *wgt_crypt_dequeue(struct sk_buff_head *queue);
void wgt_crypt_put(struct wgt_keypair *keypair);
void wgt_crypt_purge(struct sk_buff_head *queue);

#endif /* _WGTOUR_PIPELINE_H */
