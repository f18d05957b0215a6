// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 4 introduces this pipeline with reception; chapter 5 runs
 * transmission through it, a batch of packets at a time. The steps, in
 * the order a batch takes them: wgt_crypt_enqueue() puts it into its
 * peer's queue and the device's ring; wgt_crypt_wake_worker() wakes a
 * worker, on the CPUs in turn (wgt_next_cpu()); wgt_crypt_drain() is the
 * worker's loop; wgt_crypt_dequeue() is the consumer's look at the front
 * of the peer's queue; wgt_crypt_put() gives back what the batch held.
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
 * wgt_crypt_wake_worker() - make a CPU's worker run
 * @wg: the device, whose crypt_wq is per-CPU: the work runs where it is
 *	queued, and that is what spreads the work
 * @workers: the queue's workers
 * @cpu: the CPU, picked by the caller with wgt_next_cpu()
 *
 * The CPU woken is not "the CPU for this batch": any worker that runs
 * takes whatever is at the head of the shared ring.
 */
void wgt_crypt_wake_worker(struct wgt_device *wg,
			   struct wgt_crypt_worker __percpu *workers, int cpu)
{
	queue_work_on(cpu, wg->crypt_wq, &per_cpu_ptr(workers, cpu)->work);
}

/**
 * wgt_crypt_enqueue() - put a batch into its peer's queue, then into the
 * device's ring
 * @peer: the batch's peer
 * @queue: the peer's queue, whose order the consumer keeps
 * @ring: the device's ring, which the workers drain
 * @skb: the batch's first packet; the wgt_crypt_cb of every packet is
 *	filled in, the first's state PENDING
 * @wake: wakes the peer's consumer
 *
 * Once in the ring the batch belongs to a worker: the caller may read
 * nothing of it after a success. Its worker still has to be woken
 * (wgt_crypt_wake_worker()).
 *
 * Return: 0; -ESHUTDOWN if the peer is being removed, or -ENOSPC if the
 * ring is full: then the batch is in neither queue and still the
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
		 * Batches queued behind this one on other CPUs may be done
		 * already, their workers' wake-ups come and gone while this
		 * one, pending, was at the front: wake the consumer again, or
		 * they wait for the peer's next batch. Not for this batch,
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
 * @crypt: encrypts or decrypts one batch in place (and traces each packet)
 * @wake: wakes the batch's peer's consumer
 * @burst: how many wakes the worker makes with bottom halves off
 *
 * Any CPU's worker may take any batch; the peer's queue keeps the order.
 * Bottom halves go off at a burst's first wake and on again after its
 * last: a softirq the wakes raised runs then, once for all of them. For
 * reception that is one NAPI poll for up to @burst packets, which GRO can
 * merge (chapter 4, "Decryption in parallel"). cond_resched() comes
 * between bursts.
 */
void wgt_crypt_drain(struct ptr_ring *ring, bool (*crypt)(struct sk_buff *first),
		     wgt_consumer_wake_t wake, unsigned int burst)
{
	unsigned int woken = 0;
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
		if (!woken++)
			local_bh_disable();
		wake(peer, skb);
		/* Last touch of the peer for this batch: removal may go on. */
		wgt_peer_crypt_end(peer);
		if (woken < burst)
			continue;
		woken = 0;
		local_bh_enable();
		cond_resched();
	}
	if (woken)
		local_bh_enable();
}

/**
 * wgt_crypt_dequeue() - the consumer takes the batch at the front of its
 * peer's queue, if a worker is done with it
 * @queue: the peer's queue
 *
 * If the front batch is still pending, nothing behind it may go first;
 * its worker wakes the consumer again when it is done.
 *
 * Return: the batch's first packet (DONE or FAILED), or NULL.
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
 * wgt_crypt_put() - give back the references a batch held in the pipeline
 * @keypair: the batch's keypair (wgt_crypt_cb()->keypair of its first)
 */
void wgt_crypt_put(struct wgt_keypair *keypair)
{
	struct wgt_peer *peer = keypair->entry.peer;

	wgt_keypair_put(keypair);
	wgt_peer_put(peer);
}

/**
 * wgt_crypt_purge() - drop a removed peer's queued batches and what they
 * hold; the workers are done with them (removal waited for that)
 * @queue: the peer's queue
 */
void wgt_crypt_purge(struct sk_buff_head *queue)
{
	struct sk_buff *first, *skb, *next;

	while ((first = skb_dequeue(queue))) {
		wgt_crypt_put(wgt_crypt_cb(first)->keypair);
		for (skb = first; skb; skb = next) {
			next = wgt_crypt_cb(skb)->batch_next;
			kfree_skb(skb);
		}
	}
}
