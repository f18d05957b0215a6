// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 4 introduces this pipeline with reception; chapter 5 runs
 * transmission through it unchanged. The steps, in the order a packet
 * takes them: wgt_crypt_enqueue() puts it into its peer's queue and the
 * device's ring; wgt_crypt_wake_worker() wakes a worker, on the CPUs in
 * turn; wgt_crypt_drain() is the worker's loop; wgt_crypt_dequeue() is the
 * consumer's look at the front of the peer's queue; wgt_crypt_put() gives
 * back what the packet held.
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>

#include "device.h"
#include "noise.h"
#include "peer.h"
#include "pipeline.h"

/**
 * wgt_next_cpu() - the next online CPU after *@last, round robin
 * @last: the device's memory of the CPU picked last time; updated
 *
 * Two CPUs picking at once may pick the same one: an uneven spread now and
 * then costs nothing, so there is no lock, only a value read and written
 * whole.
 *
 * Return: the CPU.
 */
int wgt_next_cpu(int *last)
{
	int cpu = cpumask_next(READ_ONCE(*last), cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(*last, cpu);
	return cpu;
}

/**
 * wgt_crypt_workers_alloc() - one worker per possible CPU for one queue
 * @wg: the device
 * @fn: the worker's function
 *
 * Return: the workers, or NULL without memory.
 */
struct wgt_crypt_worker __percpu *wgt_crypt_workers_alloc(struct wgt_device *wg,
							  work_func_t fn)
{
	struct wgt_crypt_worker __percpu *workers;
	int cpu;

	workers = alloc_percpu(struct wgt_crypt_worker);
	if (!workers)
		return NULL;
	for_each_possible_cpu(cpu) {
		struct wgt_crypt_worker *worker = per_cpu_ptr(workers, cpu);

		worker->wg = wg;
		INIT_WORK(&worker->work, fn);
	}
	return workers;
}

/**
 * wgt_crypt_wake_worker() - make the next CPU's worker run
 * @wg: the device, whose crypt_wq is per-CPU: the work runs where it is
 *	queued, and that is what spreads the work
 * @workers: the queue's workers
 * @last_cpu: the queue's memory of the CPU woken last
 *
 * The CPU woken is not "the CPU for this packet": any worker that runs
 * takes whatever is at the head of the shared ring.
 *
 * Return: the CPU whose worker was woken.
 */
int wgt_crypt_wake_worker(struct wgt_device *wg,
			  struct wgt_crypt_worker __percpu *workers, int *last_cpu)
{
	int cpu = wgt_next_cpu(last_cpu);

	queue_work_on(cpu, wg->crypt_wq, &per_cpu_ptr(workers, cpu)->work);
	return cpu;
}

/**
 * wgt_crypt_enqueue() - put a packet into its peer's queue, then into the
 * device's ring
 * @peer: the packet's peer
 * @queue: the peer's queue, whose order the consumer keeps
 * @ring: the device's ring, which the workers drain
 * @skb: the packet; its wgt_crypt_cb is filled in, state PENDING
 * @wake: wakes the peer's consumer
 *
 * Once in the ring the packet belongs to a worker: the caller may read
 * nothing of it after a success. Its worker still has to be woken
 * (wgt_crypt_wake_worker()).
 *
 * Return: 0; -ESHUTDOWN if the peer is being removed, or -ENOSPC if the
 * ring is full: then the packet is in neither queue and still the
 * caller's, with its references.
 */
int wgt_crypt_enqueue(struct wgt_peer *peer, struct sk_buff_head *queue,
		      struct ptr_ring *ring, struct sk_buff *skb,
		      wgt_consumer_wake_t wake)
{
	if (!wgt_peer_crypt_begin(peer))
		return -ESHUTDOWN;
	skb_queue_tail(queue, skb);
	if (ptr_ring_produce_bh(ring, skb)) {
		skb_unlink(skb, queue);
		/*
		 * Packets queued behind this one on other CPUs may be done
		 * already, their workers' wake-ups come and gone while this
		 * one, pending, was at the front: wake the consumer again, or
		 * they wait for the peer's next packet. Not for this packet,
		 * which the caller drops.
		 */
		wake(peer, NULL);
		wgt_peer_crypt_end(peer);
		return -ENOSPC;
	}
	return 0;
}

/**
 * wgt_crypt_drain() - a worker's loop: en- or decrypt what is in the ring
 * @ring: the device's ring
 * @crypt: encrypts or decrypts one packet in place (and traces it)
 * @wake: wakes the packet's peer's consumer
 *
 * Any CPU's worker may take any packet; the peer's queue keeps the order.
 */
void wgt_crypt_drain(struct ptr_ring *ring, bool (*crypt)(struct sk_buff *skb),
		     wgt_consumer_wake_t wake)
{
	struct wgt_crypt_cb *cb;
	struct wgt_peer *peer;
	struct sk_buff *skb;
	bool ok;

	while ((skb = ptr_ring_consume_bh(ring))) {
		cb = wgt_crypt_cb(skb);
		peer = cb->keypair->entry.peer;
		ok = crypt(skb);
		/* Publish the result: pairs with wgt_crypt_dequeue()'s acquire. */
		smp_store_release(&cb->state, ok ? WGT_CRYPT_DONE : WGT_CRYPT_FAILED);
		wake(peer, skb);
		/* Last touch of the peer for this packet: removal may go on. */
		wgt_peer_crypt_end(peer);
		cond_resched();
	}
}

/**
 * wgt_crypt_dequeue() - the consumer takes the packet at the front of its
 * peer's queue, if a worker is done with it
 * @queue: the peer's queue
 *
 * If the front packet is still pending, nothing behind it may go first;
 * its worker wakes the consumer again when it is done.
 *
 * Return: the packet (DONE or FAILED), or NULL.
 */
struct sk_buff *wgt_crypt_dequeue(struct sk_buff_head *queue)
{
	struct sk_buff *skb;
	unsigned long flags;

	spin_lock_irqsave(&queue->lock, flags);
	skb = skb_peek(queue);
	/* The acquire pairs with the worker's release of the state. */
	if (skb && smp_load_acquire(&wgt_crypt_cb(skb)->state) != WGT_CRYPT_PENDING)
		__skb_unlink(skb, queue);
	else
		skb = NULL;
	spin_unlock_irqrestore(&queue->lock, flags);
	return skb;
}

/**
 * wgt_crypt_put() - give back the references a packet held in the pipeline
 * @keypair: the packet's keypair (wgt_crypt_cb()->keypair)
 */
void wgt_crypt_put(struct wgt_keypair *keypair)
{
	struct wgt_peer *peer = keypair->entry.peer;

	wgt_keypair_put(keypair);
	wgt_peer_put(peer);
}

/**
 * wgt_crypt_purge() - drop a removed peer's queued packets and what they
 * hold; the workers are done with them (removal waited for that)
 * @queue: the peer's queue
 */
void wgt_crypt_purge(struct sk_buff_head *queue)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(queue))) {
		wgt_crypt_put(wgt_crypt_cb(skb)->keypair);
		kfree_skb(skb);
	}
}
