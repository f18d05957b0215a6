// SPDX-License-Identifier: GPL-2.0
/*
 * The one place the tracepoints of trace.h are instantiated; every other
 * file includes trace.h only to call trace_<event>(). Also the helpers the
 * events share, and the text of the drop reasons for C code.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>

#define CREATE_TRACE_POINTS
#include "trace.h"

/**
 * wgt_trace_addr_of() - an address as the events store it
 * @family: AF_INET or AF_INET6
 * @addr: 4 or 16 bytes, in network order
 * @out: the address, IPv4 as IPv4-mapped IPv6 (one field fits both)
 */
void wgt_trace_addr_of(int family, const void *addr, u8 out[16])
{
	if (family == AF_INET)
		ipv6_addr_set_v4mapped(*(const __be32 *)addr, (struct in6_addr *)out);
	else
		memcpy(out, addr, 16);
}

/**
 * wgt_trace_addrs_of() - the addresses of the plaintext IP packet at
 * skb->data, for the tracepoints only
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
		wgt_trace_addr_of(AF_INET, &ip4->saddr, addrs->saddr);
		wgt_trace_addr_of(AF_INET, &ip4->daddr, addrs->daddr);
	} else if (skb_headlen(skb) >= sizeof(*ip6) && ip6->version == 6) {
		addrs->family = AF_INET6;
		wgt_trace_addr_of(AF_INET6, &ip6->saddr, addrs->saddr);
		wgt_trace_addr_of(AF_INET6, &ip6->daddr, addrs->daddr);
	}
}

/* In the enum's order: the list is the same. */
#define WGT_DROP_TEXT(sym, text) text,
static const char *const wgt_drop_reason_names[WGT_DROP_NR] = {
	WGT_DROP_REASONS(WGT_DROP_TEXT, WGT_DROP_TEXT)
};

#undef WGT_DROP_TEXT

/**
 * wgt_drop_reason_name() - the text of a drop reason, as the trace shows it
 * @reason: a reason of drop_reason.h
 *
 * Return: a constant string.
 */
const char *wgt_drop_reason_name(enum wgt_drop_reason reason)
{
	return reason < WGT_DROP_NR ? wgt_drop_reason_names[reason] : "?";
}
