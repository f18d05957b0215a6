// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 1, "The UDP sockets": a WireGuard interface speaks UDP through two
 * kernel sockets, one per address family, opened in the namespace the
 * device was born in. Received datagrams reach us through the UDP tunnel
 * hook encap_rcv instead of a socket queue; receive.c takes it from there.
 * Chapter 3 adds the way out: a datagram to a peer's endpoint, routed once
 * and then from the peer's route cache.
 */
#include <linux/inetdevice.h>
#include <linux/ipv6.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "debug.h"
#include "peer.h"
#include "receive.h"
#include "socket.h"
#include "trace.h"

/*
 * Called in softirq context for every datagram arriving on our port.
 * Returning 0 tells UDP we consumed the skb, whatever became of it.
 */
static int wgt_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct wgt_device *wg = rcu_dereference_sk_user_data(sk);

	if (unlikely(!wg)) {
		kfree_skb(skb);
		return 0;
	}
	wgt_receive(wg, skb);
	return 0;
}

/*
 * The state an encapsulating tunnel must give its outer packet: the mark
 * that tells the device's own traffic apart (wg-quick's policy routing and
 * firewall rules match it), nothing left of the inner packet's.
 */
static void wgt_skb_outer(struct wgt_device *wg, struct sk_buff *skb)
{
	skb_mark_not_on_list(skb);
	skb->dev = wg->dev;
	skb->mark = wg->fwmark;
}

/*
 * Route one datagram over IPv4 from @sk and hand it to the UDP tunnel
 * code; consumes @skb. Called under rcu_read_lock_bh(), which keeps @sk.
 */
static int wgt_xmit4(struct sock *sk, struct sk_buff *skb,
		     const struct wgt_endpoint *to, u8 ds, struct dst_cache *cache)
{
	struct flowi4 fl = {
		.saddr = to->local4.s_addr,
		.daddr = to->addr4.sin_addr.s_addr,
		.fl4_dport = to->addr4.sin_port,
		.fl4_sport = inet_sk(sk)->inet_sport,
		.flowi4_mark = skb->mark,
		.flowi4_proto = IPPROTO_UDP,
	};
	struct rtable *rt = NULL;
	bool sticky;

	if (cache)
		rt = dst_cache_get_ip4(cache, &fl.saddr);
	if (!rt) {
		security_sk_classify_flow(sk, flowi4_to_flowi_common(&fl));
		/* The address the peer wrote to may be gone by now. */
		if (fl.saddr && !inet_confirm_addr(sock_net(sk), NULL, 0, fl.saddr,
						   RT_SCOPE_HOST))
			fl.saddr = 0;
		sticky = fl.saddr;
		rt = ip_route_output_flow(sock_net(sk), &fl, sk);
		/*
		 * Or the route to the peer now leaves by another interface than
		 * the one its packets came in by: then that interface's source
		 * is the right one, and routing must choose afresh without ours
		 * (the lookup filled in the source and the interface it chose).
		 */
		if (sticky && (IS_ERR(rt) ? PTR_ERR(rt) == -EINVAL :
			       rt->dst.dev->ifindex != to->local_ifindex)) {
			if (!IS_ERR(rt))
				ip_rt_put(rt);
			fl.saddr = 0;
			fl.flowi4_oif = 0;
			rt = ip_route_output_flow(sock_net(sk), &fl, sk);
		}
		if (IS_ERR(rt)) {
			kfree_skb(skb);
			return PTR_ERR(rt);
		}
		if (cache)
			dst_cache_set_ip4(cache, &rt->dst, fl.saddr);
	}
	udp_tunnel_xmit_skb(rt, sk, skb, fl.saddr, fl.daddr, ds,
			    ip4_dst_hoplimit(&rt->dst), 0, fl.fl4_sport,
			    fl.fl4_dport, false, false);
	return 0;
}

/* The same over IPv6. */
static int wgt_xmit6(struct sock *sk, struct sk_buff *skb,
		     const struct wgt_endpoint *to, u8 ds, struct dst_cache *cache)
{
	struct flowi6 fl = {
		.saddr = to->local6,
		.daddr = to->addr6.sin6_addr,
		.fl6_dport = to->addr6.sin6_port,
		.fl6_sport = inet_sk(sk)->inet_sport,
		.flowi6_mark = skb->mark,
		.flowi6_oif = to->addr6.sin6_scope_id,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst = NULL;

	if (cache)
		dst = dst_cache_get_ip6(cache, &fl.saddr);
	if (!dst) {
		security_sk_classify_flow(sk, flowi6_to_flowi_common(&fl));
		/* As for IPv4: our address may be gone; then routing chooses. */
		if (!ipv6_addr_any(&fl.saddr) &&
		    !ipv6_chk_addr(sock_net(sk), &fl.saddr, NULL, 0))
			fl.saddr = in6addr_any;
		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl, NULL);
		if (IS_ERR(dst)) {
			kfree_skb(skb);
			return PTR_ERR(dst);
		}
		if (cache)
			dst_cache_set_ip6(cache, dst, &fl.saddr);
	}
	udp_tunnel6_xmit_skb(dst, sk, skb, skb->dev, &fl.saddr, &fl.daddr, ds,
			     ip6_dst_hoplimit(dst), 0, fl.fl6_sport, fl.fl6_dport,
			     false);
	return 0;
}

/*
 * Send one datagram to @to from the device's socket of that family;
 * consumes @skb. A route back into this device is allowed: wg over wg
 * works, and a real loop cannot recurse, since each pass is a new packet
 * that waits its turn in the bounded staged and encrypt queues.
 */
static int wgt_send(struct wgt_device *wg, struct sk_buff *skb,
		    const struct wgt_endpoint *to, u8 ds, struct dst_cache *cache)
{
	bool v4 = to->addr.sa_family == AF_INET;
	struct sock *sk;
	int ret;

	wgt_skb_outer(wg, skb);
	skb->ignore_df = 1;
	rcu_read_lock_bh();
	sk = v4 ? rcu_dereference_bh(wg->sock4) : rcu_dereference_bh(wg->sock6);
	if (unlikely(!sk)) {
		kfree_skb(skb);	/* the device is going down */
		ret = -ENONET;
	} else if (v4) {
		ret = wgt_xmit4(sk, skb, to, ds, cache);
	} else {
		ret = wgt_xmit6(sk, skb, to, ds, cache);
	}
	rcu_read_unlock_bh();
	return ret;
}

/* Send to @peer's endpoint, which is copied to @to; consumes @skb. */
static int wgt_socket_send(struct wgt_peer *peer, struct sk_buff *skb, u8 ds,
			   struct wgt_endpoint *to)
{
	size_t len = skb->len;
	int ret;

	read_lock_bh(&peer->endpoint_lock);
	*to = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);

	if (to->addr.sa_family == AF_INET || to->addr.sa_family == AF_INET6) {
		ret = wgt_send(peer->wg, skb, to, ds, &peer->route_cache);
	} else {
		kfree_skb(skb);	/* no endpoint yet: nowhere to send */
		ret = -EDESTADDRREQ;
	}
	if (!ret)
		atomic64_add(len, &peer->tx_bytes);
	return ret;
}

/**
 * wgt_socket_send_skb() - send a data message to @peer's endpoint
 * @peer: the peer
 * @skb: the message (from skb->data), with WGT_SKB_HEADROOM to spare;
 *	consumed whatever happens
 * @ds: the outer header's DS field (the inner packet's ECN, RFC 6040)
 *
 * Return: 0, or a negative errno (no endpoint, no route, device down).
 */
int wgt_socket_send_skb(struct wgt_peer *peer, struct sk_buff *skb, u8 ds)
{
	unsigned int len = skb->len;
	struct wgt_endpoint to;
	int ret;

	ret = wgt_socket_send(peer, skb, ds, &to);
	trace_tx_send(skb, &to.addr, len, ret);
	return ret;
}

/* A fresh skb holding a copy of @buf, with room for the outer headers. */
static struct sk_buff *wgt_skb_from_buffer(const void *buf, size_t len)
{
	struct sk_buff *skb = alloc_skb(WGT_SKB_HEADROOM + len, GFP_ATOMIC);

	if (unlikely(!skb))
		return NULL;
	skb_reserve(skb, WGT_SKB_HEADROOM);
	skb_set_inner_network_header(skb, 0);
	skb_put_data(skb, buf, len);
	return skb;
}

/**
 * wgt_socket_send_buffer() - send a handshake message to @peer
 * @peer: the peer
 * @buf: the message
 * @len: its length
 *
 * Return: 0, or a negative errno.
 */
int wgt_socket_send_buffer(struct wgt_peer *peer, const void *buf, size_t len)
{
	struct sk_buff *skb = wgt_skb_from_buffer(buf, len);
	struct wgt_endpoint to;
	int ret;

	if (unlikely(!skb))
		return -ENOMEM;
	ret = wgt_socket_send(peer, skb, 0, &to);
	trace_socket_send(peer->wg->dev, peer->public_key, &to.addr, len, ret);
	return ret;
}

/**
 * wgt_socket_endpoint_of() - the address a received datagram came from,
 * and ours it was sent to
 * @skb: the datagram, its IP and UDP headers still set
 * @from: receives a sockaddr_in or sockaddr_in6 and the source to answer from
 */
void wgt_socket_endpoint_of(struct sk_buff *skb, struct wgt_endpoint *from)
{
	memset(from, 0, sizeof(*from));
	if (skb->protocol == htons(ETH_P_IP)) {
		from->addr4.sin_family = AF_INET;
		from->addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		from->addr4.sin_port = udp_hdr(skb)->source;
		/* Our address it was sent to, and where it came in. */
		from->local4.s_addr = ip_hdr(skb)->daddr;
		from->local_ifindex = skb->skb_iif;
	} else {
		from->addr6.sin6_family = AF_INET6;
		from->addr6.sin6_addr = ipv6_hdr(skb)->saddr;
		from->addr6.sin6_port = udp_hdr(skb)->source;
		/* Link-local senders are only reachable through their link. */
		from->addr6.sin6_scope_id =
			ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr, skb->skb_iif);
		from->local6 = ipv6_hdr(skb)->daddr;
	}
}

/**
 * wgt_socket_send_reply() - answer the sender of @in_skb (a cookie reply:
 * there may be no peer to send to)
 * @wg: the device
 * @in_skb: the datagram being answered
 * @buf: the reply
 * @len: its length
 *
 * Return: 0, or a negative errno.
 */
int wgt_socket_send_reply(struct wgt_device *wg, struct sk_buff *in_skb,
			  const void *buf, size_t len)
{
	struct sk_buff *skb = wgt_skb_from_buffer(buf, len);
	struct wgt_endpoint to;

	if (unlikely(!skb))
		return -ENOMEM;
	/* From the address it was sent to: we are the one it wrote to. */
	wgt_socket_endpoint_of(in_skb, &to);
	return wgt_send(wg, skb, &to, 0, NULL);
}

static void wgt_sock_release(struct wgt_device *wg, struct sock *sk)
{
	if (!sk)
		return;
	trace_socket_close(wg->dev, sk->sk_family, ntohs(inet_sk(sk)->inet_sport));
	udp_tunnel_sock_release(sk->sk_socket);
	atomic_dec(&wgt_live.sockets);
}

/* Open one UDP socket of @family bound to @port in the birth namespace. */
static int wgt_sock_create(struct wgt_device *wg, int family, u16 port,
			   struct sock **skp)
{
	struct udp_tunnel_sock_cfg tunnel = {
		.sk_user_data = wg,
		.encap_type = 1,
		.encap_rcv = wgt_encap_rcv,
	};
	struct udp_port_cfg cfg = {
		.family = family,
		.local_udp_port = htons(port),
	};
	struct socket *sock;
	int ret;

	if (family == AF_INET6) {
		cfg.local_ip6 = in6addr_any;
		/* Two sockets, one per family, may then share the port. */
		cfg.ipv6_v6only = true;
	} else {
		cfg.local_ip.s_addr = htonl(INADDR_ANY);
	}
	ret = udp_sock_create(wg->creating_net, &cfg, &sock);
	if (ret < 0)
		return ret;
	setup_udp_tunnel_sock(wg->creating_net, sock, &tunnel);
	atomic_inc(&wgt_live.sockets);
	trace_socket_open(wg->dev, family, ntohs(inet_sk(sock->sk)->inet_sport));
	*skp = sock->sk;
	return 0;
}

/**
 * wgt_socket_open() - open (or re-open on a new port) the device's sockets
 * @wg: the device; caller holds @wg->conf_lock
 * @port: port to bind both sockets to; 0 lets the kernel choose one
 *
 * The new sockets are fully open before the old ones are closed, so a
 * failure (say, the port is taken) leaves the device as it was.
 *
 * Return: 0, or a negative errno (-EADDRINUSE when the port is taken).
 */
int wgt_socket_open(struct wgt_device *wg, u16 port)
{
	struct sock *new4 = NULL, *new6 = NULL, *old4, *old6;
	int attempts = 0, ret;

retry:
	ret = wgt_sock_create(wg, AF_INET, port, &new4);
	if (ret < 0)
		goto err;
	if (ipv6_mod_enabled()) {
		u16 chosen = ntohs(inet_sk(new4)->inet_sport);

		ret = wgt_sock_create(wg, AF_INET6, chosen, &new6);
		/*
		 * With port 0 the kernel picked a port free for IPv4 only; if
		 * IPv6 has it, try another pick rather than fail.
		 */
		if (ret == -EADDRINUSE && port == 0 && ++attempts < 100) {
			wgt_sock_release(wg, new4);
			new4 = NULL;
			goto retry;
		}
		if (ret < 0)
			goto err;
	}

	old4 = rcu_dereference_protected(wg->sock4, lockdep_is_held(&wg->conf_lock));
	old6 = rcu_dereference_protected(wg->sock6, lockdep_is_held(&wg->conf_lock));
	rcu_assign_pointer(wg->sock4, new4);
	rcu_assign_pointer(wg->sock6, new6);
	/* With port 0, "wg show" reports and later re-opens keep the pick. */
	wg->listen_port = ntohs(inet_sk(new4)->inet_sport);
	/* Senders may still hold the old sockets under RCU: wait for them. */
	synchronize_net();
	wgt_sock_release(wg, old4);
	wgt_sock_release(wg, old6);
	return 0;

err:
	wgt_sock_release(wg, new4);
	return ret;
}

/**
 * wgt_socket_close() - close both sockets (the device goes down)
 * @wg: the device; caller holds @wg->conf_lock
 */
void wgt_socket_close(struct wgt_device *wg)
{
	struct sock *old4, *old6;

	old4 = rcu_dereference_protected(wg->sock4, lockdep_is_held(&wg->conf_lock));
	old6 = rcu_dereference_protected(wg->sock6, lockdep_is_held(&wg->conf_lock));
	RCU_INIT_POINTER(wg->sock4, NULL);
	RCU_INIT_POINTER(wg->sock6, NULL);
	synchronize_net();
	wgt_sock_release(wg, old4);
	wgt_sock_release(wg, old6);
}
