// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 1, "The UDP sockets": a WireGuard interface speaks UDP through two
 * kernel sockets, one per address family, opened in the namespace the
 * device was born in. Received datagrams reach us through the UDP tunnel
 * hook encap_rcv instead of a socket queue; chapter 4 takes it from there.
 */
#include <linux/ipv6.h>
#include <net/ipv6.h>
#include <net/udp_tunnel.h>

#include "debug.h"
#include "socket.h"
#include "trace.h"

/*
 * Called in softirq context for every datagram arriving on our port. The
 * reception path arrives with chapter 4; until then the packet is counted
 * as a receive drop. Returning 0 tells UDP we consumed the skb.
 */
static int wgt_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct wgt_device *wg = rcu_dereference_sk_user_data(sk);

	if (wg)
		DEV_STATS_INC(wg->dev, rx_dropped);
	kfree_skb(skb);
	return 0;
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
