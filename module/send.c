// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 3 sends handshake messages from here; chapter 5 adds data. The
 * data path mirrors reception: a packet from the stack is routed to its
 * peer, cut into MTU-sized segments if it is a GSO packet, and staged.
 * When the peer has a session, the staged packets get their nonces and go,
 * as one batch, into two queues: its peer's transmit queue, which fixes
 * the order of sending, and the device-wide encrypt queue, which workers
 * on every CPU drain, a batch each. A worker encrypts in place — a 16-byte
 * header pushed in front, padding and room for the tag put behind,
 * ChaCha20-Poly1305 over the scatterlist of the middle — and then wakes
 * the peer's transmit work, which sends whatever is ready at the front of
 * the peer's queue, always from the peer's one CPU, so datagrams leave in
 * queue order. That last step is upstream's
 * design (a per-peer transmit work item on a CPU chosen per peer), taken
 * on purpose: sends from several CPUs are reordered below us.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/ptr_ring.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>

#include "device.h"
#include "noise.h"
#include "peer.h"
#include "send.h"
#include "socket.h"
#include "timers.h"
#include "trace.h"

/**
 * wgt_send_handshake_initiation() - start a handshake with @peer, unless
 * one was started less than REKEY_TIMEOUT ago
 * @peer: the peer
 * @is_retry: a retransmission, which the timer already spaced out
 */
void wgt_send_handshake_initiation(struct wgt_peer *peer, bool is_retry)
{
	u64 last = atomic64_read(&peer->last_sent_handshake_ns);

	if (!is_retry) {
		if (last && wgt_age_ns(last) < wgt_seconds_ns(WGT_REKEY_TIMEOUT))
			return;
		peer->handshake_attempts = 0;
	}
	/* Curve25519 is too slow for softirq context: a work item does it. */
	wgt_peer_queue_work(peer, &peer->transmit_handshake_work);
}

/**
 * wgt_send_initiation_work() - create and send an initiation
 * @work: the peer's transmit_handshake_work, queued with a reference
 */
void wgt_send_initiation_work(struct work_struct *work)
{
	struct wgt_peer *peer = container_of(work, struct wgt_peer,
					     transmit_handshake_work);
	struct wgt_msg_initiation msg;
	int ret;

	if (READ_ONCE(peer->is_dead) || !netif_running(peer->wg->dev))
		goto out;
	/* No ephemeral key from an unseeded generator; the retry timer tries again. */
	if (unlikely(!rng_is_initialized())) {
		wgt_timers_handshake_initiated(peer);
		goto out;
	}
	atomic64_set(&peer->last_sent_handshake_ns, wgt_now_ns());
	if (!wgt_noise_create_initiation(peer->wg, &peer->handshake, &msg))
		goto out;
	wgt_cookie_add_macs(&peer->cookie, &msg, sizeof(msg));
	wgt_timers_any_authenticated_packet_traversal(peer);
	wgt_timers_any_authenticated_packet_sent(peer);
	/*
	 * Arm the retry before sending: a response that comes back at once
	 * must find the timer armed, or completing cannot cancel it.
	 */
	wgt_timers_handshake_initiated(peer);
	ret = wgt_socket_send_buffer(peer, &msg, sizeof(msg));
	trace_handshake_send(peer->wg->dev, peer->public_key, WGT_MSG_INITIATION,
			     le32_to_cpu(msg.sender_index), ret);
out:
	memzero_explicit(&msg, sizeof(msg));
	wgt_peer_put(peer);
}

/**
 * wgt_send_handshake_response() - answer the initiation just consumed,
 * and derive the session it makes (the responder's keys wait in "next")
 * @peer: the initiating peer; called from the handshake worker
 */
void wgt_send_handshake_response(struct wgt_peer *peer)
{
	struct wgt_msg_response msg;
	int ret;

	atomic64_set(&peer->last_sent_handshake_ns, wgt_now_ns());
	if (!wgt_noise_create_response(peer->wg, &peer->handshake, &msg))
		return;
	wgt_cookie_add_macs(&peer->cookie, &msg, sizeof(msg));
	if (!wgt_noise_begin_session(&peer->handshake, &peer->keypairs))
		return;
	wgt_timers_session_derived(peer);
	wgt_timers_any_authenticated_packet_traversal(peer);
	wgt_timers_any_authenticated_packet_sent(peer);
	ret = wgt_socket_send_buffer(peer, &msg, sizeof(msg));
	trace_handshake_send(peer->wg->dev, peer->public_key, WGT_MSG_RESPONSE,
			     le32_to_cpu(msg.sender_index), ret);
}

/**
 * wgt_send_cookie_reply() - tell the sender of @skb to come back with MAC2
 * @wg: the device, which is under load
 * @skb: the handshake message being answered
 * @sender_index: its sender index
 */
void wgt_send_cookie_reply(struct wgt_device *wg, struct sk_buff *skb,
			   __le32 sender_index)
{
	struct wgt_msg_cookie_reply reply;
	int ret;

	wgt_cookie_make_reply(&wg->cookie_checker, &reply, skb, sender_index);
	ret = wgt_socket_send_reply(wg, skb, &reply, sizeof(reply));
	trace_cookie_send(wg->dev, le32_to_cpu(sender_index), ret);
}

/* A keypair we may still send with: young enough, with nonces left. */
static bool wgt_keypair_can_send(struct wgt_keypair *keypair)
{
	return keypair && READ_ONCE(keypair->sending_valid) &&
	       wgt_age_ns(keypair->birthdate_ns) < wgt_seconds_ns(WGT_REJECT_AFTER_TIME) &&
	       atomic64_read(&keypair->sending_counter) < WGT_REJECT_AFTER_MESSAGES;
}

/**
 * wgt_keypair_wants_rekey() - whether sending with @keypair should start
 * the next handshake
 * @keypair: the session just sent with
 *
 * A session is renewed before it gets old. After REKEY_AFTER_TIME only its
 * initiator starts the handshake, so that both sides do not start one at
 * once; after REKEY_AFTER_MESSAGES whoever sent them does, since only the
 * sender knows how many nonces it has used. The self-test checks both
 * sides (wgt_st_rekey_rule()).
 *
 * Return: true when this side should initiate.
 */
bool wgt_keypair_wants_rekey(struct wgt_keypair *keypair)
{
	return atomic64_read(&keypair->sending_counter) > WGT_REKEY_AFTER_MESSAGES ||
	       (keypair->i_am_initiator &&
		wgt_age_ns(keypair->birthdate_ns) > wgt_seconds_ns(WGT_REKEY_AFTER_TIME));
}

/*
 * One packet of a worker's batch (wgt_encrypt_batch()): turn the
 * plaintext in @skb into a data message, in place, with the keypair and
 * counter in its control block: header in front, zero padding to a
 * multiple of 16 (but never past the MTU, which would only make the packet
 * too big) and the tag behind.
 */
static bool wgt_encrypt_skb(struct sk_buff *skb)
{
	struct wgt_crypt_cb *cb = wgt_crypt_cb(skb);
	unsigned int padded_len, padding;
	struct scatterlist sg[MAX_SKB_FRAGS + 8];
	struct wgt_msg_data *header;
	struct sk_buff *trailer;
	bool ok = false;
	int num_frags;
	u8 *tail;

	/* LAB(ch5-padding): pad to a multiple of 16, but never past the MTU (cb->mtu) */
	/* LAB(ch5-padding) skeleton: padded_len = skb->len; */
	padded_len = ALIGN(skb->len, WGT_PADDING_MULTIPLE);
	if (padded_len > cb->mtu)
		padded_len = max(skb->len, cb->mtu);
	/* END LAB(ch5-padding) */
	padding = padded_len - skb->len;
	if (skb_cow_head(skb, WGT_SKB_HEADROOM + sizeof(*header)))
		goto out;
	num_frags = skb_cow_data(skb, padding + WGT_AUTHTAG_LEN, &trailer);
	if (num_frags < 0 || num_frags > ARRAY_SIZE(sg))
		goto out;
	tail = pskb_put(skb, trailer, padding + WGT_AUTHTAG_LEN);
	memset(tail, 0, padding);

	header = skb_push(skb, sizeof(*header));
	/* The tunnel's statistics count the message from here (iptunnel_xmit). */
	skb_set_inner_network_header(skb, 0);
	header->header.type = cpu_to_le32(WGT_MSG_DATA);
	header->receiver_index = cb->keypair->remote_index;
	header->counter = cpu_to_le64(cb->counter);

	sg_init_table(sg, num_frags);
	if (skb_to_sgvec(skb, sg, sizeof(*header), padded_len + WGT_AUTHTAG_LEN) <= 0)
		goto out;
	ok = chacha20poly1305_encrypt_sg_inplace(sg, padded_len, NULL, 0, cb->counter,
						 cb->keypair->sending_key);
out:
	trace_tx_encrypt(skb, ok);
	return ok;
}

/*
 * A worker's step (wgt_crypt_drain()): encrypt a batch, packet after
 * packet, on this one CPU. A packet that cannot be encrypted (no memory
 * to grow it) fails the whole batch, which the consumer then drops.
 */
static bool wgt_encrypt_batch(struct sk_buff *first)
{
	struct sk_buff *skb;

	for (skb = first; skb; skb = wgt_crypt_cb(skb)->batch_next) {
		if (!wgt_encrypt_skb(skb))
			return false;
	}
	return true;
}

/**
 * wgt_send_ordered() - the peer's consumer: send what is encrypted at the
 * front of its queue, in order (chapter 5, "In order")
 * @work: the peer's transmit_work
 *
 * Only this work item sends a peer's data messages, and a work item never
 * runs twice at once: the sends keep the queue's order. It runs on the
 * peer's transmit_cpu: the sends all leave from one CPU, so the stack
 * below (a veth's per-CPU backlog, a NIC's per-CPU transmit queues) keeps
 * that order too.
 */
void wgt_send_ordered(struct work_struct *work)
{
	struct wgt_peer *peer = container_of(work, struct wgt_peer, transmit_work);
	struct sk_buff *first, *skb, *next;
	struct wgt_keypair *keypair;
	bool encrypted;

	while ((first = wgt_crypt_dequeue(&peer->tx_queue))) {
		keypair = wgt_crypt_cb(first)->keypair;
		encrypted = wgt_crypt_cb(first)->state == WGT_CRYPT_DONE;
		for (skb = first; skb; skb = next) {
			/* Read first: the send below may free the packet. */
			next = wgt_crypt_cb(skb)->batch_next;
			if (!encrypted) {
				trace_tx_drop(peer->wg->dev, skb, WGT_DROP_ENCRYPT_FAILED);
				DEV_STATS_INC(peer->wg->dev, tx_errors);
				kfree_skb(skb);
				continue;
			}
			wgt_timers_any_authenticated_packet_traversal(peer);
			wgt_timers_any_authenticated_packet_sent(peer);
			if (wgt_crypt_cb(skb)->plain_len)
				wgt_timers_data_sent(peer);
			/*
			 * The device's tx counters are the tunnel's: UDP's
			 * iptunnel_xmit() counts each message it sends.
			 */
			wgt_socket_send_skb(peer, skb, wgt_crypt_cb(skb)->ds);
		}
		wgt_crypt_put(keypair);
		cond_resched();
	}
}

/*
 * Wake the peer's transmit work. The caller holds one of the peer's
 * crypt_in_flight counts: removal cancels the work only once they are all
 * given back, so the work never runs on a freed peer. If the peer's CPU
 * went offline, it gets another one, once. @skb is not used: the tx path
 * traces a packet's send (tx_send), not the wake.
 */
static void wgt_send_ordered_kick(struct wgt_peer *peer, struct sk_buff *skb)
{
	int cpu = READ_ONCE(peer->transmit_cpu);

	if (unlikely(!cpu_online(cpu))) {
		cpu = wgt_next_cpu(&peer->wg->transmit_cpu);
		WRITE_ONCE(peer->transmit_cpu, cpu);
	}
	queue_work_on(cpu, peer->wg->crypt_wq, &peer->transmit_work);
}

/**
 * wgt_encrypt_worker() - drain the device's encrypt ring on this CPU
 * @work: this CPU's encrypt worker's work (chapter 5, "Encryption in
 *	parallel")
 */
void wgt_encrypt_worker(struct work_struct *work)
{
	struct wgt_device *wg = container_of(work, struct wgt_crypt_worker, work)->wg;

	/*
	 * Bursts of one wake: the wake queues a work item and raises no
	 * softirq for a longer burst to gather, so the worker encrypts with
	 * bottom halves on.
	 */
	wgt_crypt_drain(&wg->encrypt_ring, wgt_encrypt_batch, wgt_send_ordered_kick, 1);
}

/**
 * wgt_send_purge() - drop a removed peer's packets, staged and queued,
 * and what they hold; the encrypt workers are done with them
 * @peer: the peer
 */
void wgt_send_purge(struct wgt_peer *peer)
{
	wgt_crypt_purge(&peer->tx_queue);
	skb_queue_purge(&peer->staged_queue);
}

/*
 * Queue a numbered batch for encryption: one entry in the peer's queue and
 * the device's ring, one worker woken, on the next CPU in turn.
 */
static void wgt_queue_for_encryption(struct wgt_peer *peer,
				     struct wgt_keypair *keypair,
				     struct sk_buff *first)
{
	struct wgt_device *wg = peer->wg;
	struct sk_buff *skb, *next;
	int cpu, ret;

	/* Traced now: once in the ring, the batch is the worker's. */
	cpu = wgt_next_cpu(&wg->encrypt_cpu);
	for (skb = first; skb; skb = wgt_crypt_cb(skb)->batch_next)
		trace_tx_encrypt_enqueue(skb, cpu);
	/* The batch holds the keypair, and the peer the keypair needs, until it is sent. */
	wgt_peer_get(peer);
	wgt_crypt_cb(first)->keypair = wgt_keypair_get(keypair);
	wgt_crypt_cb(first)->state = WGT_CRYPT_PENDING;
	ret = wgt_crypt_enqueue(peer, &peer->tx_queue, &wg->encrypt_ring, first,
				wgt_send_ordered_kick);
	if (!ret) {
		wgt_crypt_wake_worker(wg, wg->encrypt_workers, cpu);
		return;
	}
	wgt_crypt_put(keypair);
	for (skb = first; skb; skb = next) {
		next = wgt_crypt_cb(skb)->batch_next;
		trace_tx_drop(wg->dev, skb, ret == -ENOSPC ? WGT_DROP_ENCRYPT_QUEUE_FULL :
							     WGT_DROP_PEER_REMOVED);
		DEV_STATS_INC(wg->dev, tx_dropped);
		kfree_skb(skb);
	}
}

/**
 * wgt_send_staged() - move what waits in the peer's staged queue on to
 * encryption, as one batch, or start a handshake when there is no usable
 * session
 * @peer: the peer
 *
 * The batch (chapter 5, "Code: a batch") is every packet staged now,
 * taken from the staged queue in one step, so that a CPU running this at
 * the same moment for the same peer takes a run of its own and not every
 * other packet; each gets its nonce and they are chained in nonce order.
 */
void wgt_send_staged(struct wgt_peer *peer)
{
	struct wgt_keypair *keypair = wgt_keypairs_current(&peer->keypairs);
	struct sk_buff *skb, *first = NULL, *last = NULL;
	struct sk_buff_head staged;
	struct wgt_crypt_cb *cb;
	unsigned long flags;
	u64 nonce;

	if (!wgt_keypair_can_send(keypair)) {
		trace_tx_handshake_wait(peer->wg->dev, peer->public_key,
					skb_queue_len(&peer->staged_queue));
		wgt_keypair_put(keypair);
		wgt_send_handshake_initiation(peer, false);
		return;
	}
	__skb_queue_head_init(&staged);
	spin_lock_irqsave(&peer->staged_queue.lock, flags);
	skb_queue_splice_init(&peer->staged_queue, &staged);
	spin_unlock_irqrestore(&peer->staged_queue.lock, flags);

	while ((skb = __skb_dequeue(&staged))) {
		nonce = atomic64_inc_return(&keypair->sending_counter) - 1;
		if (unlikely(nonce >= WGT_REJECT_AFTER_MESSAGES)) {
			/* Nonces used up: the rest waits for the next session. */
			WRITE_ONCE(keypair->sending_valid, false);
			__skb_queue_head(&staged, skb);
			spin_lock_irqsave(&peer->staged_queue.lock, flags);
			skb_queue_splice(&staged, &peer->staged_queue);
			spin_unlock_irqrestore(&peer->staged_queue.lock, flags);
			wgt_send_handshake_initiation(peer, false);
			break;
		}
		trace_tx_nonce(skb, le32_to_cpu(keypair->remote_index), nonce);
		cb = wgt_crypt_cb(skb);
		cb->keypair = keypair;	/* the reference is the first packet's */
		cb->counter = nonce;
		cb->plain_len = skb->len;
		cb->batch_next = NULL;
		if (last)
			wgt_crypt_cb(last)->batch_next = skb;
		else
			first = skb;
		last = skb;
	}
	if (first)
		wgt_queue_for_encryption(peer, keypair, first);
	if (wgt_keypair_wants_rekey(keypair))
		wgt_send_handshake_initiation(peer, false);
	wgt_keypair_put(keypair);
}

/**
 * wgt_send_keepalive() - an empty data message: proof of life, and with
 * no session yet, the trigger of a handshake
 * @peer: the peer
 */
void wgt_send_keepalive(struct wgt_peer *peer)
{
	struct sk_buff *skb;

	if (skb_queue_empty(&peer->staged_queue)) {
		skb = alloc_skb(WGT_SKB_HEADROOM + sizeof(struct wgt_msg_data) +
				WGT_AUTHTAG_LEN, GFP_ATOMIC);
		if (unlikely(!skb))
			return;
		skb_reserve(skb, WGT_SKB_HEADROOM + sizeof(struct wgt_msg_data));
		skb->dev = peer->wg->dev;
		wgt_crypt_cb(skb)->mtu = 0;
		wgt_crypt_cb(skb)->ds = 0;
		skb_queue_tail(&peer->staged_queue, skb);
	}
	wgt_send_staged(peer);
}

/**
 * wgt_send_on_device_up() - a device came up: peers with a persistent
 * keepalive announce themselves at once (which starts their handshake)
 * @wg: the device; the caller holds its config lock
 */
void wgt_send_on_device_up(struct wgt_device *wg)
{
	struct wgt_peer *peer;

	list_for_each_entry(peer, &wg->peer_list, peer_list) {
		if (peer->persistent_keepalive)
			wgt_send_keepalive(peer);
	}
}

/* Stage one plaintext packet; when the queue is full the oldest goes. */
static void wgt_stage(struct wgt_peer *peer, struct sk_buff *skb)
{
	struct wgt_trace_addrs inner;
	struct sk_buff *old;

	if (trace_tx_stage_enabled()) {
		wgt_trace_addrs_of(skb, &inner);
		trace_tx_stage(skb, skb_queue_len(&peer->staged_queue), &inner);
	}
	skb_queue_tail(&peer->staged_queue, skb);
	while (skb_queue_len(&peer->staged_queue) > WGT_MAX_STAGED_PACKETS) {
		old = skb_dequeue(&peer->staged_queue);
		if (!old)
			break;
		trace_tx_drop(peer->wg->dev, old, WGT_DROP_STAGED_QUEUE_FULL);
		DEV_STATS_INC(peer->wg->dev, tx_dropped);
		kfree_skb(old);
	}
}

/* No peer owns the destination: tell the sender, as a router would. */
static void wgt_xmit_unreachable(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
}

/*
 * Is @skb the IP packet its protocol says? The stack only hands us IPv4 and
 * IPv6, but a packet socket (AF_PACKET) may write anything to the device,
 * with any protocol: that must be dropped, not answered with an ICMP error
 * about a packet that is not one.
 */
static bool wgt_xmit_is_ip(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return pskb_network_may_pull(skb, sizeof(struct iphdr)) &&
		       ip_hdr(skb)->version == 4;
	if (skb->protocol == htons(ETH_P_IPV6))
		return pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) &&
		       ipv6_hdr(skb)->version == 6;
	return false;
}

/*
 * The peer an IP packet goes to: the owner of its destination address in
 * the allowed-IPs trie (cryptokey routing, outbound). Returns a reference.
 */
static struct wgt_peer *wgt_xmit_route(struct wgt_device *wg, struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return wgt_allowedips_lookup(&wg->allowedips, AF_INET,
					     &ip_hdr(skb)->daddr);
	return wgt_allowedips_lookup(&wg->allowedips, AF_INET6,
				     &ipv6_hdr(skb)->daddr);
}

/**
 * wgt_send_xmit() - a packet from the stack, to be sent through the tunnel
 * @wg: the device
 * @skb: the plaintext IP packet; consumed
 *
 * Chapter 5's path: find the peer, split a GSO packet into MTU-sized
 * segments, stage them, and send what the current session allows.
 */
void wgt_send_xmit(struct wgt_device *wg, struct sk_buff *skb)
{
	struct sk_buff *segs, *next;
	struct wgt_trace_addrs inner;
	struct wgt_peer *peer;
	unsigned int mtu, n = 0;
	enum wgt_drop_reason why;
	bool split;

	if (trace_tx_xmit_enabled()) {
		wgt_trace_addrs_of(skb, &inner);
		trace_tx_xmit(skb, skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 0, &inner);
	}
	if (unlikely(!wgt_xmit_is_ip(skb))) {
		why = WGT_DROP_NOT_IP;
		goto drop;
	}
	peer = wgt_xmit_route(wg, skb);
	trace_tx_route(skb, peer ? peer->public_key : NULL);
	if (unlikely(!peer)) {
		why = WGT_DROP_NO_PEER;
		wgt_xmit_unreachable(skb);
		goto drop;
	}
	if (unlikely(READ_ONCE(peer->endpoint.addr.sa_family) == AF_UNSPEC)) {
		why = WGT_DROP_NO_ENDPOINT;
		goto drop_peer;
	}
	mtu = skb_dst(skb) ? dst_mtu(skb_dst(skb)) : wg->dev->mtu;

	if (skb_is_gso(skb)) {
		/* We encrypt per datagram, so the stack's big packet is cut here. */
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			why = WGT_DROP_GSO_FAILED;
			goto drop_peer;
		}
		trace_tx_gso_split(skb, segs, skb_shinfo(skb)->gso_segs);
		consume_skb(skb);
	} else {
		segs = skb;
		skb_mark_not_on_list(segs);
	}
	/* Decided now: once staged, a segment belongs to other CPUs. */
	split = segs->next;
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		if (trace_tx_gso_segment_enabled() && split) {
			wgt_trace_addrs_of(skb, &inner);
			trace_tx_gso_segment(skb, n, &inner);
		}
		n++;
		/* The checksum must be final before the payload is encrypted. */
		if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
			trace_tx_drop(wg->dev, skb, WGT_DROP_CHECKSUM_FAILED);
			DEV_STATS_INC(wg->dev, tx_errors);
			kfree_skb(skb);
			continue;
		}
		/* Inner ECN to the outer header (RFC 6040), read while we can. */
		wgt_crypt_cb(skb)->ds = ip_tunnel_ecn_encap(0, ip_hdr(skb), skb);
		wgt_crypt_cb(skb)->mtu = mtu;
		/*
		 * What the stack attached to the inner packet (route, conntrack,
		 * mark, timestamps) must not follow it out as the outer one.
		 */
		skb_scrub_packet(skb, true);
		wgt_stage(peer, skb);
	}
	wgt_send_staged(peer);
	wgt_peer_put(peer);
	return;

drop_peer:
	wgt_peer_put(peer);
drop:
	trace_tx_drop(wg->dev, skb, why);
	DEV_STATS_INC(wg->dev, tx_dropped);
	kfree_skb(skb);
}
