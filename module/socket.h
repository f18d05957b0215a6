/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGTOUR_SOCKET_H
#define _WGTOUR_SOCKET_H

#include "device.h"

int wgt_socket_open(struct wgt_device *wg, u16 port);
void wgt_socket_close(struct wgt_device *wg);

struct sk_buff;
struct wgt_peer;
struct wgt_endpoint;

/* Room in front of a message for the outer IPv6 (or IPv4) and UDP headers. */
#define WGT_SKB_HEADROOM (LL_MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr))

int wgt_socket_send_skb(struct wgt_peer *peer, struct sk_buff *skb, u8 ds);
int wgt_socket_send_buffer(struct wgt_peer *peer, const void *buf, size_t len);
int wgt_socket_send_reply(struct wgt_device *wg, struct sk_buff *in_skb,
			  const void *buf, size_t len);
void wgt_socket_endpoint_of(struct sk_buff *skb, struct wgt_endpoint *from);

#endif /* _WGTOUR_SOCKET_H */
