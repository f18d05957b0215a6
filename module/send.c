// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 3 sends handshake messages from here; chapter 5 adds data. A
 * data message is built in place in the skb that carried the plaintext:
 * a 16-byte header pushed in front, padding and room for the tag put
 * behind, and ChaCha20-Poly1305 run over the scatterlist of the middle.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/scatterlist.h>
#include <net/icmp.h>
#include <net/ip.h>

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
		if (last && ktime_get_boottime_ns() - last <
			    wgt_seconds_ns(WGT_REKEY_TIMEOUT))
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
	atomic64_set(&peer->last_sent_handshake_ns, ktime_get_boottime_ns());
	if (!wgt_noise_create_initiation(peer->wg, &peer->handshake, &msg))
		goto out;
	wgt_cookie_add_macs(&peer->cookie, &msg, sizeof(msg));
	wgt_timers_any_authenticated_packet_traversal(peer);
	wgt_timers_any_authenticated_packet_sent(peer);
	ret = wgt_socket_send_buffer(peer, &msg, sizeof(msg));
	trace_handshake_send(peer->wg->dev, peer->public_key, WGT_MSG_INITIATION,
			     le32_to_cpu(msg.sender_index), ret);
	wgt_timers_handshake_initiated(peer);
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

	atomic64_set(&peer->last_sent_handshake_ns, ktime_get_boottime_ns());
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
	       ktime_get_boottime_ns() - keypair->birthdate_ns <
			wgt_seconds_ns(WGT_REJECT_AFTER_TIME) &&
	       atomic64_read(&keypair->sending_counter) < WGT_REJECT_AFTER_MESSAGES;
}

/*
 * The initiator of a session rekeys before it gets old: after
 * REKEY_AFTER_TIME or REKEY_AFTER_MESSAGES. Only the initiator, so that
 * both sides do not start handshakes at once.
 */
static bool wgt_keypair_wants_rekey(struct wgt_keypair *keypair)
{
	return keypair->i_am_initiator &&
	       (ktime_get_boottime_ns() - keypair->birthdate_ns >
			wgt_seconds_ns(WGT_REKEY_AFTER_TIME) ||
		atomic64_read(&keypair->sending_counter) > WGT_REKEY_AFTER_MESSAGES);
}

/* What transmission remembers about a packet while it waits. */
struct wgt_tx_cb {
	unsigned int mtu;
};

static struct wgt_tx_cb *wgt_tx_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct wgt_tx_cb) > sizeof(skb->cb));
	return (struct wgt_tx_cb *)skb->cb;
}

/*
 * Turn the plaintext in @skb into a data message, in place: header in
 * front, zero padding to a multiple of 16 (but never past the MTU, which
 * would only make the packet too big) and the tag behind.
 */
static bool wgt_encrypt_skb(struct sk_buff *skb, struct wgt_keypair *keypair,
			    u64 nonce)
{
	struct scatterlist sg[MAX_SKB_FRAGS + 8];
	unsigned int padded_len, padding, mtu = wgt_tx_cb(skb)->mtu;
	struct wgt_msg_data *header;
	struct sk_buff *trailer;
	int num_frags;
	u8 *tail;

	padded_len = ALIGN(skb->len, WGT_PADDING_MULTIPLE);
	if (padded_len > mtu)
		padded_len = max(skb->len, mtu);
	padding = padded_len - skb->len;
	if (skb_cow_head(skb, WGT_SKB_HEADROOM + sizeof(*header)))
		return false;
	num_frags = skb_cow_data(skb, padding + WGT_AUTHTAG_LEN, &trailer);
	if (num_frags < 0 || num_frags > ARRAY_SIZE(sg))
		return false;
	tail = pskb_put(skb, trailer, padding + WGT_AUTHTAG_LEN);
	memset(tail, 0, padding);

	header = skb_push(skb, sizeof(*header));
	header->header.type = cpu_to_le32(WGT_MSG_DATA);
	header->receiver_index = keypair->remote_index;
	header->counter = cpu_to_le64(nonce);

	sg_init_table(sg, num_frags);
	if (skb_to_sgvec(skb, sg, sizeof(*header), padded_len + WGT_AUTHTAG_LEN) <= 0)
		return false;
	return chacha20poly1305_encrypt_sg_inplace(sg, padded_len, NULL, 0, nonce,
						   keypair->sending_key);
}

/**
 * wgt_send_staged() - encrypt and send what waits in the peer's staged
 * queue, or start a handshake when there is no usable session
 * @peer: the peer
 */
void wgt_send_staged(struct wgt_peer *peer)
{
	struct wgt_keypair *keypair = wgt_keypairs_current(&peer->keypairs);
	struct sk_buff *skb;
	bool is_keepalive;
	unsigned int len;
	u64 nonce;

	if (!wgt_keypair_can_send(keypair)) {
		trace_tx_handshake_wait(peer->wg->dev, peer->public_key,
					skb_queue_len(&peer->staged_queue));
		wgt_keypair_put(keypair);
		wgt_send_handshake_initiation(peer, false);
		return;
	}
	while ((skb = skb_dequeue(&peer->staged_queue))) {
		nonce = atomic64_inc_return(&keypair->sending_counter) - 1;
		if (unlikely(nonce >= WGT_REJECT_AFTER_MESSAGES)) {
			/* Nonces used up: wait for the next session. */
			WRITE_ONCE(keypair->sending_valid, false);
			skb_queue_head(&peer->staged_queue, skb);
			wgt_send_handshake_initiation(peer, false);
			break;
		}
		len = skb->len;
		is_keepalive = len == 0;
		if (!wgt_encrypt_skb(skb, keypair, nonce)) {
			DEV_STATS_INC(peer->wg->dev, tx_errors);
			kfree_skb(skb);
			continue;
		}
		wgt_timers_any_authenticated_packet_traversal(peer);
		wgt_timers_any_authenticated_packet_sent(peer);
		if (!is_keepalive)
			wgt_timers_data_sent(peer);
		if (wgt_socket_send_skb(peer, skb) == 0 && !is_keepalive)
			dev_sw_netstats_tx_add(peer->wg->dev, 1, len);
	}
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
		wgt_tx_cb(skb)->mtu = 0;
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
	struct sk_buff *old;

	skb_queue_tail(&peer->staged_queue, skb);
	while (skb_queue_len(&peer->staged_queue) > WGT_MAX_STAGED_PACKETS) {
		old = skb_dequeue(&peer->staged_queue);
		if (!old)
			break;
		trace_tx_drop(peer->wg->dev, old, "staged queue full");
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
 * The peer a packet goes to: the owner of its destination address in the
 * allowed-IPs trie (cryptokey routing, outbound). Returns a reference.
 */
static struct wgt_peer *wgt_xmit_route(struct wgt_device *wg, struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP) &&
	    pskb_network_may_pull(skb, sizeof(struct iphdr)))
		return wgt_allowedips_lookup(&wg->allowedips, AF_INET,
					     &ip_hdr(skb)->daddr);
	if (skb->protocol == htons(ETH_P_IPV6) &&
	    pskb_network_may_pull(skb, sizeof(struct ipv6hdr)))
		return wgt_allowedips_lookup(&wg->allowedips, AF_INET6,
					     &ipv6_hdr(skb)->daddr);
	return NULL;
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
	struct wgt_peer *peer;
	const char *why;
	unsigned int mtu;

	peer = wgt_xmit_route(wg, skb);
	if (unlikely(!peer)) {
		why = "no peer for destination";
		wgt_xmit_unreachable(skb);
		goto drop;
	}
	if (unlikely(READ_ONCE(peer->endpoint.addr.sa_family) == AF_UNSPEC)) {
		why = "peer has no endpoint";
		goto drop_peer;
	}
	mtu = skb_dst(skb) ? dst_mtu(skb_dst(skb)) : wg->dev->mtu;

	if (skb_is_gso(skb)) {
		/* We encrypt per datagram, so the stack's big packet is cut here. */
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			why = "gso segmentation failed";
			goto drop_peer;
		}
		consume_skb(skb);
	} else {
		segs = skb;
		skb_mark_not_on_list(segs);
	}
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		/* The checksum must be final before the payload is encrypted. */
		if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
			trace_tx_drop(wg->dev, skb, "checksum failed");
			DEV_STATS_INC(wg->dev, tx_errors);
			kfree_skb(skb);
			continue;
		}
		skb_dst_drop(skb);
		wgt_tx_cb(skb)->mtu = mtu;
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
