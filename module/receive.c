// SPDX-License-Identifier: GPL-2.0
/*
 * Chapters 3 and 4: what happens to a datagram that arrives on our port.
 * It is checked and classified at once, in the softirq that delivered it.
 * Handshake messages go to a queue that a worker on each CPU drains, so a
 * flood of them cannot starve anything else. A data message enters the
 * crypto pipeline (pipeline.c): its peer's queue, in arrival order, and
 * the device's decrypt ring, which workers on every CPU drain in
 * parallel. When a packet is decrypted, the peer's NAPI instance is
 * scheduled; its poll takes packets from the front of the peer's queue
 * only, so they reach the stack in the order they came, checks their
 * counter against replays and their source against the peer's allowed
 * IPs, and hands them to GRO.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/ptr_ring.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/udp.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>

#include "device.h"
#include "noise.h"
#include "peer.h"
#include "receive.h"
#include "send.h"
#include "socket.h"
#include "timers.h"
#include "trace.h"

/* Packets a peer's NAPI instance may have waiting before we drop. */
#define WGT_MAX_QUEUED_RX	1024
/*
 * Wakes, one a packet, that a decrypt worker makes with bottom halves off:
 * one NAPI poll then delivers the packets together, for GRO to merge
 * (chapter 4).
 */
#define WGT_DECRYPT_BURST	16

static void wgt_rx_drop(struct wgt_device *wg, struct sk_buff *skb,
			enum wgt_drop_reason reason)
{
	trace_rx_drop(wg->dev, skb, reason);
	DEV_STATS_INC(wg->dev, rx_dropped);
	kfree_skb(skb);
}

/*
 * An authenticated message of @len bytes came from @peer and was taken:
 * the device's and the peer's receive counters count whole messages,
 * handshakes and keepalives too, as the transmit side's tunnel counters
 * do. A data message that is dropped counts in rx_dropped instead.
 */
static void wgt_rx_stats(struct wgt_peer *peer, unsigned int len)
{
	dev_sw_netstats_rx_add(peer->wg->dev, len);
	atomic64_add(len, &peer->rx_bytes);
}

/*
 * Strip the UDP header and tell the message type from the length and the
 * first four bytes. Returns 0 for anything malformed.
 */
static u32 wgt_classify(struct sk_buff *skb)
{
	struct udphdr *udp;
	size_t offset;
	__le32 type;

	if (unlikely(!pskb_may_pull(skb, skb_transport_offset(skb) + sizeof(*udp))))
		return 0;
	udp = udp_hdr(skb);
	offset = (u8 *)udp + sizeof(*udp) - skb->data;
	if (unlikely(!pskb_may_pull(skb, offset + sizeof(struct wgt_msg_header))))
		return 0;
	skb_pull(skb, offset);
	/* The three reserved bytes must be zero: the le32 is the type itself. */
	type = ((struct wgt_msg_header *)skb->data)->type;
	switch (le32_to_cpu(type)) {
	case WGT_MSG_INITIATION:
		if (skb->len != sizeof(struct wgt_msg_initiation))
			return 0;
		break;
	case WGT_MSG_RESPONSE:
		if (skb->len != sizeof(struct wgt_msg_response))
			return 0;
		break;
	case WGT_MSG_COOKIE_REPLY:
		if (skb->len != sizeof(struct wgt_msg_cookie_reply))
			return 0;
		break;
	case WGT_MSG_DATA:
		if (skb->len < WGT_MSG_DATA_MIN_LEN)
			return 0;
		/* Only the header must be linear; the rest is decrypted in place. */
		return pskb_may_pull(skb, sizeof(struct wgt_msg_data)) ?
		       WGT_MSG_DATA : 0;
	default:
		return 0;
	}
	/* Handshake messages are small: make them contiguous for the worker. */
	return pskb_may_pull(skb, skb->len) ? le32_to_cpu(type) : 0;
}

/* Under load means the queue is long now, or was within the last second. */
static bool wgt_under_load(struct wgt_device *wg)
{
	u64 last;

	if (skb_queue_len(&wg->handshake_queue) >= WGT_UNDER_LOAD_HANDSHAKES) {
		if (!atomic64_xchg(&wg->last_under_load_ns, wgt_now_ns()))
			trace_under_load(wg->dev, true);
		return true;
	}
	last = atomic64_read(&wg->last_under_load_ns);
	if (!last)
		return false;
	if (wgt_age_ns(last) < NSEC_PER_SEC)
		return true;
	if (atomic64_cmpxchg(&wg->last_under_load_ns, last, 0) == last)
		trace_under_load(wg->dev, false);
	return false;
}

static void wgt_receive_cookie_reply(struct wgt_device *wg, struct sk_buff *skb)
{
	struct wgt_msg_cookie_reply *reply = (void *)skb->data;
	struct wgt_index_entry *entry;
	struct wgt_peer *peer;
	bool ok;

	entry = wgt_index_table_lookup(&wg->index_table, reply->receiver_index,
				       WGT_INDEX_HANDSHAKE | WGT_INDEX_KEYPAIR, &peer);
	if (!entry) {
		trace_handshake_reject(wg->dev, WGT_MSG_COOKIE_REPLY,
				       WGT_DROP_UNKNOWN_INDEX);
		return;
	}
	ok = wgt_cookie_consume_reply(&peer->cookie, reply);
	trace_cookie_receive(wg->dev, peer->public_key, ok);
	wgt_peer_put(peer);
}

/* One handshake message, in the worker. Consumes nothing: the caller frees. */
static void wgt_receive_handshake(struct wgt_device *wg, struct sk_buff *skb)
{
	u32 type = le32_to_cpu(((struct wgt_msg_header *)skb->data)->type);
	struct wgt_peer *peer = NULL;
	enum wgt_mac_verdict verdict;
	struct wgt_endpoint from;
	enum wgt_drop_reason why = WGT_DROP_NONE;
	bool under_load;

	if (type == WGT_MSG_COOKIE_REPLY) {
		wgt_receive_cookie_reply(wg, skb);
		return;
	}
	under_load = wgt_under_load(wg);
	verdict = wgt_cookie_check_macs(&wg->cookie_checker, skb, under_load);
	if (verdict == WGT_MAC1_BAD) {
		trace_handshake_reject(wg->dev, type, WGT_DROP_BAD_MAC1);
		return;
	}
	if (under_load && verdict != WGT_MAC2_OK) {
		/* Both messages keep their sender index at the same offset. */
		wgt_send_cookie_reply(wg, skb,
				      ((struct wgt_msg_initiation *)skb->data)->sender_index);
		return;
	}
	/* Responses cost as much to check as initiations: both are limited. */
	if (under_load && !wgt_ratelimiter_allow(&wg->ratelimiter, skb)) {
		trace_handshake_reject(wg->dev, type, WGT_DROP_RATELIMITED);
		return;
	}

	if (type == WGT_MSG_INITIATION)
		peer = wgt_noise_consume_initiation(wg, (void *)skb->data, &why);
	else
		peer = wgt_noise_consume_response(wg, (void *)skb->data, &why);
	if (!peer) {
		trace_handshake_reject(wg->dev, type, why);
		return;
	}
	trace_handshake_receive(wg->dev, peer->public_key, type);
	/* Authenticated: the peer is where this came from (roaming). */
	wgt_socket_endpoint_of(skb, &from);
	wgt_peer_set_endpoint(peer, &from);
	wgt_rx_stats(peer, skb->len);
	wgt_timers_any_authenticated_packet_received(peer);
	wgt_timers_any_authenticated_packet_traversal(peer);

	if (type == WGT_MSG_INITIATION) {
		wgt_send_handshake_response(peer);
	} else if (wgt_noise_begin_session(&peer->handshake, &peer->keypairs)) {
		/* Initiator: the session is confirmed; use it right away. */
		wgt_timers_session_derived(peer);
		wgt_timers_handshake_complete(peer);
		wgt_send_keepalive(peer);
	}
	wgt_peer_put(peer);
}

/**
 * wgt_receive_handshake_work() - drain the device's handshake queue on
 * this CPU; the other CPUs' workers drain it too, one message each at a time
 * @work: this CPU's handshake worker's work
 */
void wgt_receive_handshake_work(struct work_struct *work)
{
	struct wgt_device *wg = container_of(work, struct wgt_crypt_worker, work)->wg;
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&wg->handshake_queue))) {
		wgt_receive_handshake(wg, skb);
		consume_skb(skb);
		cond_resched();
	}
}

/*
 * A worker's step (wgt_crypt_drain()): decrypt a data message in place with
 * the keypair and counter in its control block; on success skb->data is
 * the plaintext.
 */
static bool wgt_decrypt_skb(struct sk_buff *skb)
{
	struct wgt_crypt_cb *cb = wgt_crypt_cb(skb);
	struct wgt_keypair *keypair = cb->keypair;
	unsigned int len = skb->len - sizeof(struct wgt_msg_data);
	struct scatterlist sg[MAX_SKB_FRAGS + 8];
	struct wgt_trace_addrs inner;
	struct wgt_endpoint from;
	struct sk_buff *trailer;
	bool ok = false;
	int num_frags;

	/* A session past its age may not be used even to receive. */
	if (wgt_age_ns(keypair->birthdate_ns) > wgt_seconds_ns(WGT_REJECT_AFTER_TIME))
		goto out;
	num_frags = skb_cow_data(skb, 0, &trailer);
	if (num_frags < 0 || num_frags > ARRAY_SIZE(sg))
		goto out;
	sg_init_table(sg, num_frags);
	if (skb_to_sgvec(skb, sg, sizeof(struct wgt_msg_data), len) <= 0)
		goto out;
	if (!chacha20poly1305_decrypt_sg_inplace(sg, len, NULL, 0, cb->counter,
						 keypair->receiving_key))
		goto out;
	skb_pull(skb, sizeof(struct wgt_msg_data));
	ok = !pskb_trim(skb, len - WGT_AUTHTAG_LEN);
out:
	if (trace_rx_decrypt_enabled()) {
		wgt_trace_addrs_of(skb, &inner);
		wgt_socket_endpoint_of(skb, &from);
		trace_rx_decrypt(skb, ok, cb->counter, &inner, &from.addr);
	}
	return ok;
}

/*
 * Wake the peer's consumer, its NAPI poll: from a worker, inside its burst
 * (wgt_crypt_drain()), or from the softirq whose packet found the ring
 * full. Bottom halves are off in both: napi_schedule() only raises NET_RX,
 * which runs when they come back on, one poll for all the packets woken
 * meanwhile. @skb, the packet whose turn it may be (NULL after a full
 * ring), is only traced: it may be gone already.
 */
static void wgt_receive_wake_napi(struct wgt_peer *peer, struct sk_buff *skb)
{
	lockdep_assert_in_softirq();
	trace_rx_napi_schedule(skb, &peer->napi);
	napi_schedule(&peer->napi);
}

/**
 * wgt_decrypt_worker() - drain the device's decrypt ring on this CPU
 * @work: this CPU's decrypt worker's work (chapter 4, "Decryption in
 *	parallel")
 */
void wgt_decrypt_worker(struct work_struct *work)
{
	struct wgt_device *wg = container_of(work, struct wgt_crypt_worker, work)->wg;

	wgt_crypt_drain(&wg->decrypt_ring, wgt_decrypt_skb, wgt_receive_wake_napi,
			WGT_DECRYPT_BURST);
}

/*
 * The decrypted packet must be a whole IPv4 or IPv6 packet whose source
 * this peer may use (cryptokey routing, inbound). Trims the padding.
 */
static enum wgt_drop_reason wgt_check_inner(struct wgt_peer *peer, struct sk_buff *skb)
{
	struct wgt_peer *owner;
	unsigned int len;

	if (skb->len >= sizeof(struct iphdr) && ip_hdr(skb)->version == 4 &&
	    pskb_may_pull(skb, sizeof(struct iphdr))) {
		len = ntohs(ip_hdr(skb)->tot_len);
		skb->protocol = htons(ETH_P_IP);
		if (len < sizeof(struct iphdr) || len > skb->len)
			return WGT_DROP_BAD_INNER_V4_LEN;
		if (pskb_trim(skb, len))
			return WGT_DROP_TRIM_FAILED;
		owner = wgt_allowedips_lookup(&peer->wg->allowedips, AF_INET,
					      &ip_hdr(skb)->saddr);
	} else if (skb->len >= sizeof(struct ipv6hdr) &&
		   ip_hdr(skb)->version == 6 &&
		   pskb_may_pull(skb, sizeof(struct ipv6hdr))) {
		len = ntohs(ipv6_hdr(skb)->payload_len) + sizeof(struct ipv6hdr);
		skb->protocol = htons(ETH_P_IPV6);
		if (len > skb->len)
			return WGT_DROP_BAD_INNER_V6_LEN;
		if (pskb_trim(skb, len))
			return WGT_DROP_TRIM_FAILED;
		owner = wgt_allowedips_lookup(&peer->wg->allowedips, AF_INET6,
					      &ipv6_hdr(skb)->saddr);
	} else {
		return WGT_DROP_NOT_IP;
	}
	wgt_peer_put(owner);
	return owner == peer ? WGT_DROP_NONE : WGT_DROP_SOURCE_NOT_ALLOWED;
}

/*
 * A session we initiated may still be carrying the peer's packets to us
 * while we send nothing: then the sending side never sees it age, and it
 * would expire, REJECT_AFTER_TIME after it began, with the peer's packets
 * in flight. So a packet received shortly before that (a keepalive and a
 * handshake's time ahead) while that session is still our current one
 * starts the next handshake, once per session.
 */
static void wgt_rekey_before_reject(struct wgt_peer *peer)
{
	u64 margin = wgt_seconds_ns(WGT_KEEPALIVE_TIMEOUT) +
		     wgt_seconds_ns(WGT_REKEY_TIMEOUT);
	struct wgt_keypair *keypair;
	bool old;

	if (READ_ONCE(peer->sent_lastminute_handshake))
		return;
	keypair = wgt_keypairs_current(&peer->keypairs);
	old = keypair && keypair->i_am_initiator && READ_ONCE(keypair->sending_valid) &&
	      wgt_age_ns(keypair->birthdate_ns) >
			wgt_seconds_ns(WGT_REJECT_AFTER_TIME) - margin;
	wgt_keypair_put(keypair);
	if (old) {
		WRITE_ONCE(peer->sent_lastminute_handshake, true);
		wgt_send_handshake_initiation(peer, false);
	}
}

/*
 * The outer header's ECN field back into the inner packet (RFC 6040): a
 * congestion mark a router set on the way must reach the receiver. True
 * when the packet must be dropped: a mark on a packet whose sender did not
 * speak ECN, which cannot carry it.
 */
static bool wgt_ecn_decapsulate(struct sk_buff *skb, u8 outer_ds)
{
	u8 inner_ds = skb->protocol == htons(ETH_P_IP) ?
		      ip_hdr(skb)->tos : ipv6_get_dsfield(ipv6_hdr(skb));

	return INET_ECN_decapsulate(skb, outer_ds, inner_ds) > 1;
}

/*
 * A decrypted packet, in order, in NAPI context: the checks that need
 * order or the peer's state (replay, allowed IPs, roaming, timers), then
 * GRO. Consumes @skb.
 */
static void wgt_rx_finish(struct wgt_peer *peer, struct sk_buff *skb)
{
	struct wgt_crypt_cb *cb = wgt_crypt_cb(skb);
	struct wgt_keypair *keypair = cb->keypair;
	struct wgt_device *wg = peer->wg;
	struct wgt_trace_addrs inner;
	struct wgt_endpoint from;
	unsigned int len, msg_len;
	enum wgt_drop_reason why;
	u8 outer_ds;
	bool fresh;
	int ret;

	if (cb->state != WGT_CRYPT_DONE) {
		wgt_rx_drop(wg, skb, WGT_DROP_DECRYPT_FAILED);
		return;
	}
	fresh = wgt_replay_check(&keypair->replay, cb->counter);
	trace_rx_replay_check(skb, cb->counter, fresh);
	if (!fresh) {
		wgt_rx_drop(wg, skb, WGT_DROP_REPLAYED_COUNTER);
		return;
	}

	/* Authentic and new from here on: the sender is where the peer is. */
	wgt_socket_endpoint_of(skb, &from);
	wgt_peer_set_endpoint(peer, &from);
	outer_ds = ip_tunnel_get_dsfield(ip_hdr(skb), skb);
	skb_reset_network_header(skb);
	msg_len = skb->len + sizeof(struct wgt_msg_data) + WGT_AUTHTAG_LEN;
	if (wgt_keypairs_received_with(&peer->keypairs, keypair)) {
		/* Responder: the initiator has the keys too; we are done. */
		wgt_timers_handshake_complete(peer);
		wgt_send_staged(peer);
	}
	wgt_rekey_before_reject(peer);
	wgt_timers_any_authenticated_packet_received(peer);
	wgt_timers_any_authenticated_packet_traversal(peer);

	if (skb->len == 0) {
		trace_rx_keepalive(wg->dev, peer->public_key, cb->counter);
		wgt_rx_stats(peer, msg_len);
		consume_skb(skb);
		return;
	}
	wgt_timers_data_received(peer);
	why = wgt_check_inner(peer, skb);
	if (why == WGT_DROP_NONE && wgt_ecn_decapsulate(skb, outer_ds))
		why = WGT_DROP_CE_ON_NOT_ECT;
	if (why != WGT_DROP_NONE) {
		wgt_rx_drop(wg, skb, why);
		return;
	}
	/* The outer world's state (route, marks, conntrack) does not apply. */
	skb_scrub_packet(skb, true);
	skb->dev = wg->dev;
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
	skb->pkt_type = PACKET_HOST;
	wgt_rx_stats(peer, msg_len);
	len = skb->len;
	if (trace_rx_deliver_enabled())
		wgt_trace_addrs_of(skb, &inner);
	ret = napi_gro_receive(&peer->napi, skb);
	trace_rx_deliver(wg->dev, skb, ret, len, &inner);
}

/**
 * wgt_receive_poll() - a peer's NAPI poll: deliver its packets in the
 * order they arrived, as far as they are decrypted
 * @napi: the peer's NAPI instance
 * @budget: how many packets we may handle now
 *
 * Return: how many we handled.
 */
int wgt_receive_poll(struct napi_struct *napi, int budget)
{
	struct wgt_peer *peer = container_of(napi, struct wgt_peer, napi);
	struct wgt_keypair *keypair;
	struct sk_buff *skb;
	int done = 0;
	bool complete;

	trace_rx_napi_poll_begin(napi, budget, skb_queue_len(&peer->rx_queue));
	/* The oldest still being decrypted stops the loop: the rest must wait. */
	while (done < budget && (skb = wgt_crypt_dequeue(&peer->rx_queue))) {
		done++;
		/* The skb may be gone after wgt_rx_finish(): keep what it held. */
		keypair = wgt_crypt_cb(skb)->keypair;
		wgt_rx_finish(peer, skb);
		wgt_crypt_put(keypair);
	}
	complete = done < budget && napi_complete_done(napi, done);
	trace_rx_napi_poll_end(napi, done, complete);
	return done;
}

/* A data message, in softirq context: queue it twice. Consumes @skb. */
static void wgt_receive_data(struct wgt_device *wg, struct sk_buff *skb)
{
	struct wgt_msg_data *msg = (void *)skb->data;
	struct wgt_index_entry *entry;
	struct wgt_keypair *keypair;
	struct wgt_crypt_cb *cb;
	struct wgt_peer *peer;
	u64 counter;
	u32 index;
	int cpu, ret;

	/*
	 * A keypair is freed a grace period after it leaves the table: the
	 * lookup and taking our reference are one read-side section.
	 */
	rcu_read_lock_bh();
	entry = wgt_index_table_lookup(&wg->index_table, msg->receiver_index,
				       WGT_INDEX_KEYPAIR, &peer);
	keypair = entry ? wgt_keypair_get(container_of(entry, struct wgt_keypair, entry)) :
			  NULL;
	rcu_read_unlock_bh();
	if (!entry) {
		wgt_rx_drop(wg, skb, WGT_DROP_UNKNOWN_INDEX);
		return;
	}
	if (!keypair) {
		wgt_peer_put(peer);
		wgt_rx_drop(wg, skb, WGT_DROP_KEYPAIR_GONE);
		return;
	}
	cb = wgt_crypt_cb(skb);
	cb->keypair = keypair;	/* with its reference and the peer's */
	cb->counter = le64_to_cpu(msg->counter);
	cb->state = WGT_CRYPT_PENDING;
	cb->batch_next = NULL;	/* reception's batches are single messages */

	if (skb_queue_len(&peer->rx_queue) >= WGT_MAX_QUEUED_RX) {
		wgt_crypt_put(keypair);
		wgt_rx_drop(wg, skb, WGT_DROP_PEER_QUEUE_FULL);
		return;
	}
	/* Once in the ring the skb is a worker's: read nothing of it after. */
	index = le32_to_cpu(msg->receiver_index);
	counter = cb->counter;
	ret = wgt_crypt_enqueue(peer, &peer->rx_queue, &wg->decrypt_ring, skb,
				wgt_receive_wake_napi);
	if (ret) {
		wgt_crypt_put(keypair);
		wgt_rx_drop(wg, skb, ret == -ENOSPC ? WGT_DROP_DECRYPT_QUEUE_FULL :
						     WGT_DROP_PEER_REMOVED);
		return;
	}
	cpu = wgt_next_cpu(&wg->decrypt_cpu);
	wgt_crypt_wake_worker(wg, wg->decrypt_workers, cpu);
	trace_rx_data_enqueue(skb, index, counter, cpu);
}

/**
 * wgt_receive() - everything that arrives on the device's sockets
 * @wg: the device
 * @skb: a UDP datagram, skb->data at its UDP header; consumed
 */
void wgt_receive(struct wgt_device *wg, struct sk_buff *skb)
{
	struct wgt_endpoint from;
	u32 type;

	if (trace_rx_udp_enabled()) {
		wgt_socket_endpoint_of(skb, &from);
		trace_rx_udp(wg->dev, skb, &from.addr);
	}
	type = wgt_classify(skb);
	trace_rx_classify(skb, type);
	switch (type) {
	case WGT_MSG_INITIATION:
	case WGT_MSG_RESPONSE:
	case WGT_MSG_COOKIE_REPLY:
		/*
		 * An answer needs fresh ephemeral keys and cookie secrets: not
		 * from a random generator that is not seeded yet (early boot).
		 */
		if (unlikely(!rng_is_initialized())) {
			wgt_rx_drop(wg, skb, WGT_DROP_RNG_NOT_READY);
			return;
		}
		if (skb_queue_len(&wg->handshake_queue) >= WGT_MAX_QUEUED_HANDSHAKES) {
			wgt_rx_drop(wg, skb, WGT_DROP_HANDSHAKE_QUEUE_FULL);
			return;
		}
		skb_queue_tail(&wg->handshake_queue, skb);
		trace_rx_handshake_enqueue(skb, skb_queue_len(&wg->handshake_queue));
		wgt_crypt_wake_worker(wg, wg->handshake_workers,
				      wgt_next_cpu(&wg->handshake_cpu));
		return;
	case WGT_MSG_DATA:
		wgt_receive_data(wg, skb);
		return;
	default:
		wgt_rx_drop(wg, skb, WGT_DROP_MALFORMED);
	}
}
