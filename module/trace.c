// SPDX-License-Identifier: GPL-2.0
/*
 * The one place the tracepoints of trace.h are instantiated; every other
 * file includes trace.h only to call trace_<event>(). Also the one helper
 * the data-path events share.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>

#define CREATE_TRACE_POINTS
#include "trace.h"

/**
 * wgt_trace_addrs_of() - the addresses of the plaintext IP packet at
 * skb->data, for the tracepoints only (IPv4 as IPv4-mapped IPv6)
 * @skb: an skb whose data starts with an IPv4 or IPv6 header
 * @addrs: filled in; family 0 when it is neither
 */
void wgt_trace_addrs_of(const struct sk_buff *skb, struct wgt_trace_addrs *addrs)
{
	const struct iphdr *ip4 = (const void *)skb->data;
	const struct ipv6hdr *ip6 = (const void *)skb->data;

	memset(addrs, 0, sizeof(*addrs));
	if (skb_headlen(skb) >= sizeof(*ip4) && ip4->version == 4) {
		addrs->family = AF_INET;
		ipv6_addr_set_v4mapped(ip4->saddr, (struct in6_addr *)addrs->saddr);
		ipv6_addr_set_v4mapped(ip4->daddr, (struct in6_addr *)addrs->daddr);
	} else if (skb_headlen(skb) >= sizeof(*ip6) && ip6->version == 6) {
		addrs->family = AF_INET6;
		memcpy(addrs->saddr, &ip6->saddr, 16);
		memcpy(addrs->daddr, &ip6->daddr, 16);
	}
}
