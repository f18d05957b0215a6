/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of wgtour: one event per transition a student may want to
 * watch, named <path>_<step>. Control-path events (this file's first half)
 * belong to chapter 1; the data path adds its events in chapters 4 and 5.
 * bpftrace sees them as tracepoint:wgtour:<name>.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM wgtour

/* Read once, unlike the events below: the inner addresses of a packet. */
#ifndef _WGTOUR_TRACE_TYPES_H
#define _WGTOUR_TRACE_TYPES_H
#include <linux/types.h>
#include "drop_reason.h"
struct sk_buff;
struct wgt_trace_addrs {
	u8 family;		/* AF_INET or AF_INET6 of the inner packet, or 0 */
	u8 saddr[16];
	u8 daddr[16];
};

void wgt_trace_addrs_of(const struct sk_buff *skb, struct wgt_trace_addrs *addrs);
void wgt_trace_addr_of(int family, const void *addr, u8 out[16]);
#endif

#if !defined(_WGTOUR_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _WGTOUR_TRACE_H

#include <linux/netdevice.h>
#include <linux/tracepoint.h>

/*
 * One name per field: each field's name below is the label its event
 * prints ("name=value"), the label the labs' bpftrace scripts print it
 * under, and the name the renderers and the book use (appendix "Reading
 * the traces"; tests/host/trace_names.sh checks it). Pointers are skbaddr
 * and napi, as in the kernel's skb:, net: and napi: events, and first, the
 * first segment of a GSO packet (tx_gso_split).
 *
 * What many events store, written once (the way include/trace/events/
 * tcp.h stores addresses): a device and a peer, named by the interface and
 * the first four bytes of the public key ("dev=wg0 peer=1a2b3c4d...",
 * enough to tell peers apart in a lab); the inner addresses of a plaintext
 * packet (IPv4 as IPv4-mapped IPv6, so one field fits both). Outer
 * endpoints are stored as the sockaddr that %pISpc prints.
 */
#define WGT_TP_STORE_DEV_PEER(netdev, public_key)			\
	do {								\
		__assign_str(dev, (netdev)->name);			\
		memcpy(__entry->peer, (public_key), 4);			\
	} while (0)
#define WGT_TP_STORE_INNER(inner)					\
	do {								\
		const struct wgt_trace_addrs *__inner = (inner);	\
		__entry->family = __inner->family;			\
		memcpy(__entry->saddr, __inner->saddr, 16);		\
		memcpy(__entry->daddr, __inner->daddr, 16);		\
	} while (0)

/*
 * The drop reasons of drop_reason.h, exported: TRACE_DEFINE_ENUM puts
 * their numbers into each event's format file, __print_symbolic their
 * text into the trace.
 */
#define WGT_TP_REASON_ENUM(sym, text)	TRACE_DEFINE_ENUM(WGT_DROP_##sym);
WGT_DROP_REASONS(WGT_TP_REASON_ENUM, WGT_TP_REASON_ENUM)
#undef WGT_TP_REASON_ENUM
#define WGT_TP_REASON_SYM(sym, text)	{ WGT_DROP_##sym, text },
#define WGT_TP_REASON_SYM_LAST(sym, text) { WGT_DROP_##sym, text }
#define wgt_tp_show_reason(reason)					\
	__print_symbolic(reason,					\
			 WGT_DROP_REASONS(WGT_TP_REASON_SYM, WGT_TP_REASON_SYM_LAST))

/* Device events carry the name and ifindex: the pair "ip link" shows. */
DECLARE_EVENT_CLASS(wgtour_device_class,
	TP_PROTO(const struct net_device *dev),
	TP_ARGS(dev),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__field(int, ifindex)
		__field(unsigned int, netns)
	),
	TP_fast_assign(
		__assign_str(dev, dev->name);
		__entry->ifindex = dev->ifindex;
		__entry->netns = dev_net(dev)->ns.inum;
	),
	TP_printk("dev=%s ifindex=%d netns=%u", __get_str(dev),
		  __entry->ifindex, __entry->netns)
);

DEFINE_EVENT(wgtour_device_class, device_create,
	TP_PROTO(const struct net_device *dev), TP_ARGS(dev));
DEFINE_EVENT(wgtour_device_class, device_destroy,
	TP_PROTO(const struct net_device *dev), TP_ARGS(dev));
DEFINE_EVENT(wgtour_device_class, device_up,
	TP_PROTO(const struct net_device *dev), TP_ARGS(dev));
DEFINE_EVENT(wgtour_device_class, device_down,
	TP_PROTO(const struct net_device *dev), TP_ARGS(dev));

/* A UDP socket opened or closed for a device (family is AF_INET/AF_INET6). */
DECLARE_EVENT_CLASS(wgtour_socket_class,
	TP_PROTO(const struct net_device *dev, int family, u16 port),
	TP_ARGS(dev, family, port),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__field(int, family)
		__field(u16, port)
	),
	TP_fast_assign(
		__assign_str(dev, dev->name);
		__entry->family = family;
		__entry->port = port;
	),
	TP_printk("dev=%s family=%s port=%u", __get_str(dev),
		  __entry->family == AF_INET6 ? "ipv6" : "ipv4", __entry->port)
);

DEFINE_EVENT(wgtour_socket_class, socket_open,
	TP_PROTO(const struct net_device *dev, int family, u16 port),
	TP_ARGS(dev, family, port));
DEFINE_EVENT(wgtour_socket_class, socket_close,
	TP_PROTO(const struct net_device *dev, int family, u16 port),
	TP_ARGS(dev, family, port));

/*
 * One WG_CMD_SET_DEVICE request, after it was applied: "changed" is a mask
 * of WGT_SET_* bits (netlink.h) so a trace shows what the "wg set" did.
 */
TRACE_EVENT(netlink_set,
	TP_PROTO(const struct net_device *dev, u32 changed, u32 peers, int err),
	TP_ARGS(dev, changed, peers, err),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__field(u32, changed)
		__field(u32, peers)
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(dev, dev->name);
		__entry->changed = changed;
		__entry->peers = peers;
		__entry->err = err;
	),
	TP_printk("dev=%s changed=%s peers=%u err=%d", __get_str(dev),
		  __print_flags(__entry->changed, "|",
				{ 1, "private_key" }, { 2, "listen_port" },
				{ 4, "fwmark" }, { 8, "replace_peers" },
				{ 16, "peers" }),
		  __entry->peers, __entry->err)
);

/* A peer added or removed (chapter 2); peers_now: the device's peers after. */
DECLARE_EVENT_CLASS(wgtour_peer_class,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 peers_now),
	TP_ARGS(dev, public_key, peers_now),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
		__field(u32, peers_now)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
		__entry->peers_now = peers_now;
	),
	TP_printk("dev=%s peer=%*phN... peers_now=%u", __get_str(dev), 4, __entry->peer,
		  __entry->peers_now)
);

DEFINE_EVENT(wgtour_peer_class, peer_create,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 peers_now),
	TP_ARGS(dev, public_key, peers_now));
DEFINE_EVENT(wgtour_peer_class, peer_remove,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 peers_now),
	TP_ARGS(dev, public_key, peers_now));

/* A peer's NAPI instance added or deleted; napi as in napi:napi_poll. */
DECLARE_EVENT_CLASS(wgtour_napi_class,
	TP_PROTO(const struct net_device *dev, const u8 *public_key,
		 const struct napi_struct *napi),
	TP_ARGS(dev, public_key, napi),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
		__field(const void *, napi)
		__field(unsigned int, napi_id)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
		__entry->napi = napi;
		__entry->napi_id = napi->napi_id;
	),
	TP_printk("dev=%s peer=%*phN... napi=%p napi_id=%u", __get_str(dev), 4,
		  __entry->peer, __entry->napi, __entry->napi_id)
);

DEFINE_EVENT(wgtour_napi_class, peer_napi_add,
	TP_PROTO(const struct net_device *dev, const u8 *public_key,
		 const struct napi_struct *napi),
	TP_ARGS(dev, public_key, napi));
DEFINE_EVENT(wgtour_napi_class, peer_napi_del,
	TP_PROTO(const struct net_device *dev, const u8 *public_key,
		 const struct napi_struct *napi),
	TP_ARGS(dev, public_key, napi));

/*
 * Cryptokey routing changed: a prefix given to a peer, or taken away. The
 * address is stored like the inner addresses (IPv4 as IPv4-mapped IPv6).
 */
DECLARE_EVENT_CLASS(wgtour_allowedips_class,
	TP_PROTO(const u8 *public_key, int family, const u8 *addr, u8 cidr),
	TP_ARGS(public_key, family, addr, cidr),
	TP_STRUCT__entry(
		__array(u8, peer, 4)
		__field(int, family)
		__array(u8, addr, 16)
		__field(u8, cidr)
	),
	TP_fast_assign(
		memcpy(__entry->peer, public_key, 4);
		__entry->family = family;
		wgt_trace_addr_of(family, addr, __entry->addr);
		__entry->cidr = cidr;
	),
	TP_printk("peer=%*phN... family=%d addr=%pI6c cidr=%u", 4, __entry->peer,
		  __entry->family, __entry->addr, __entry->cidr)
);

DEFINE_EVENT(wgtour_allowedips_class, allowedips_insert,
	TP_PROTO(const u8 *public_key, int family, const u8 *addr, u8 cidr),
	TP_ARGS(public_key, family, addr, cidr));
DEFINE_EVENT(wgtour_allowedips_class, allowedips_remove,
	TP_PROTO(const u8 *public_key, int family, const u8 *addr, u8 cidr),
	TP_ARGS(public_key, family, addr, cidr));

/* Chapter 3, the handshake. A protocol timer fired: which one (timers.c). */
TRACE_EVENT(timer_fired,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, const char *what),
	TP_ARGS(dev, public_key, what),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
		__string(what, what)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
		__assign_str(what, what);
	),
	TP_printk("dev=%s peer=%*phN... what=%s", __get_str(dev), 4, __entry->peer,
		  __get_str(what))
);

/* Sent a handshake message: type 1 or 2, our sender index, send result. */
TRACE_EVENT(handshake_send,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 type,
		 u32 sender_index, int err),
	TP_ARGS(dev, public_key, type, sender_index, err),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
		__field(u32, type)
		__field(u32, sender_index)
		__field(int, err)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
		__entry->type = type;
		__entry->sender_index = sender_index;
		__entry->err = err;
	),
	TP_printk("dev=%s peer=%*phN... type=%u sender_index=%08x err=%d",
		  __get_str(dev), 4, __entry->peer, __entry->type,
		  __entry->sender_index, __entry->err)
);

/* A handshake message was accepted, from this peer. */
TRACE_EVENT(handshake_receive,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 type),
	TP_ARGS(dev, public_key, type),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
		__field(u32, type)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
		__entry->type = type;
	),
	TP_printk("dev=%s peer=%*phN... type=%u", __get_str(dev), 4,
		  __entry->peer, __entry->type)
);

/* A handshake message was refused, and why (drop_reason.h). */
TRACE_EVENT(handshake_reject,
	TP_PROTO(const struct net_device *dev, u32 type, enum wgt_drop_reason reason),
	TP_ARGS(dev, type, reason),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__field(u32, type)
		__field(u32, reason)
	),
	TP_fast_assign(
		__assign_str(dev, dev->name);
		__entry->type = type;
		__entry->reason = reason;
	),
	TP_printk("dev=%s type=%u reason=%s", __get_str(dev), __entry->type,
		  wgt_tp_show_reason(__entry->reason))
);

/*
 * A session (keypair) begins or ends: our index, the peer's, and who
 * initiated. It ends when replaced, expired or erased.
 */
DECLARE_EVENT_CLASS(wgtour_keypair_class,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 index,
		 u32 remote_index, bool initiator),
	TP_ARGS(dev, public_key, index, remote_index, initiator),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
		__field(u32, index)
		__field(u32, remote_index)
		__field(bool, initiator)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
		__entry->index = index;
		__entry->remote_index = remote_index;
		__entry->initiator = initiator;
	),
	TP_printk("dev=%s peer=%*phN... index=%08x remote_index=%08x initiator=%d",
		  __get_str(dev), 4, __entry->peer, __entry->index,
		  __entry->remote_index, __entry->initiator)
);

DEFINE_EVENT(wgtour_keypair_class, keypair_create,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 index,
		 u32 remote_index, bool initiator),
	TP_ARGS(dev, public_key, index, remote_index, initiator));
DEFINE_EVENT(wgtour_keypair_class, keypair_destroy,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 index,
		 u32 remote_index, bool initiator),
	TP_ARGS(dev, public_key, index, remote_index, initiator));

/* zero_key_material ran: every key of the peer erased. */
TRACE_EVENT(keys_zeroed,
	TP_PROTO(const struct net_device *dev, const u8 *public_key),
	TP_ARGS(dev, public_key),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
	),
	TP_printk("dev=%s peer=%*phN...", __get_str(dev), 4, __entry->peer)
);

/* We answered a handshake message with a cookie reply (under load). */
TRACE_EVENT(cookie_send,
	TP_PROTO(const struct net_device *dev, u32 receiver_index, int err),
	TP_ARGS(dev, receiver_index, err),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__field(u32, receiver_index)
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(dev, dev->name);
		__entry->receiver_index = receiver_index;
		__entry->err = err;
	),
	TP_printk("dev=%s receiver_index=%08x err=%d", __get_str(dev),
		  __entry->receiver_index, __entry->err)
);

/* A peer sent us a cookie; ok=0 when it did not decrypt. */
TRACE_EVENT(cookie_receive,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, bool ok),
	TP_ARGS(dev, public_key, ok),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
		__field(bool, ok)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
		__entry->ok = ok;
	),
	TP_printk("dev=%s peer=%*phN... ok=%d", __get_str(dev), 4, __entry->peer,
		  __entry->ok)
);

/* The device entered or left the under-load state. */
TRACE_EVENT(under_load,
	TP_PROTO(const struct net_device *dev, bool on),
	TP_ARGS(dev, on),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__field(bool, on)
	),
	TP_fast_assign(
		__assign_str(dev, dev->name);
		__entry->on = on;
	),
	TP_printk("dev=%s on=%d", __get_str(dev), __entry->on)
);

/* Packets wait for a session; a handshake is (being) started. */
TRACE_EVENT(tx_handshake_wait,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 queued),
	TP_ARGS(dev, public_key, queued),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
		__field(u32, queued)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
		__entry->queued = queued;
	),
	TP_printk("dev=%s peer=%*phN... queued=%u", __get_str(dev), 4,
		  __entry->peer, __entry->queued)
);

/* A datagram to a peer's endpoint left through the UDP socket. */
TRACE_EVENT(socket_send,
	TP_PROTO(const struct net_device *dev, const u8 *public_key,
		 const struct sockaddr *to, u32 len, int err),
	TP_ARGS(dev, public_key, to, len, err),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
		__array(u8, to, sizeof(struct sockaddr_in6))
		__field(u32, len)
		__field(int, err)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
		memcpy(__entry->to, to, sizeof(struct sockaddr_in6));
		__entry->len = len;
		__entry->err = err;
	),
	TP_printk("dev=%s peer=%*phN... to=%pISpc len=%u err=%d", __get_str(dev),
		  4, __entry->peer, __entry->to, __entry->len, __entry->err)
);

/* An authenticated empty data message: the peer is alive. */
TRACE_EVENT(rx_keepalive,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u64 counter),
	TP_ARGS(dev, public_key, counter),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__array(u8, peer, 4)
		__field(u64, counter)
	),
	TP_fast_assign(
		WGT_TP_STORE_DEV_PEER(dev, public_key);
		__entry->counter = counter;
	),
	TP_printk("dev=%s peer=%*phN... counter=%llu", __get_str(dev), 4,
		  __entry->peer, __entry->counter)
);

/*
 * Chapter 4, reception. Every event of a packet's path carries skbaddr,
 * the name the kernel's own net: and skb: events use, so one packet can
 * be followed across ours and theirs. From decryption on, events also
 * carry the inner packet's addresses (IPv4 as IPv4-mapped IPv6, so one
 * field fits both) and the outer endpoint it came from.
 */
/* The datagram as UDP handed it to us: length and who sent it. */
TRACE_EVENT(rx_udp,
	TP_PROTO(const struct net_device *dev, const struct sk_buff *skb,
		 const struct sockaddr *from),
	TP_ARGS(dev, skb, from),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__field(const void *, skbaddr)
		__field(u32, len)
		__array(u8, from, sizeof(struct sockaddr_in6))
	),
	TP_fast_assign(
		__assign_str(dev, dev->name);
		__entry->skbaddr = skb;
		__entry->len = skb->len;
		memcpy(__entry->from, from, sizeof(struct sockaddr_in6));
	),
	TP_printk("dev=%s skbaddr=%p len=%u from=%pISpc", __get_str(dev),
		  __entry->skbaddr, __entry->len, __entry->from)
);

/* What kind of message it is: 1-4, or 0 for malformed. */
TRACE_EVENT(rx_classify,
	TP_PROTO(const struct sk_buff *skb, u32 type),
	TP_ARGS(skb, type),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, type)
		__field(u32, len)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->type = type;
		__entry->len = skb->len;
	),
	TP_printk("skbaddr=%p type=%u len=%u", __entry->skbaddr, __entry->type,
		  __entry->len)
);

/* A handshake message joins the device's handshake queue. */
TRACE_EVENT(rx_handshake_enqueue,
	TP_PROTO(const struct sk_buff *skb, u32 queue_len),
	TP_ARGS(skb, queue_len),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, queue_len)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->queue_len = queue_len;
	),
	TP_printk("skbaddr=%p queue_len=%u", __entry->skbaddr, __entry->queue_len)
);

/* A data message joins the decrypt queue; decrypt_cpu will decrypt it. */
TRACE_EVENT(rx_data_enqueue,
	TP_PROTO(const struct sk_buff *skb, u32 index, u64 counter, int decrypt_cpu),
	TP_ARGS(skb, index, counter, decrypt_cpu),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, index)
		__field(u64, counter)
		__field(int, decrypt_cpu)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->index = index;
		__entry->counter = counter;
		__entry->decrypt_cpu = decrypt_cpu;
	),
	TP_printk("skbaddr=%p index=%08x counter=%llu decrypt_cpu=%d", __entry->skbaddr,
		  __entry->index, __entry->counter, __entry->decrypt_cpu)
);

/* Decrypted (ok=1) or not; the inner addresses when it worked. */
TRACE_EVENT(rx_decrypt,
	TP_PROTO(const struct sk_buff *skb, bool ok, u64 counter,
		 const struct wgt_trace_addrs *inner, const struct sockaddr *from),
	TP_ARGS(skb, ok, counter, inner, from),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(bool, ok)
		__field(u64, counter)
		__field(u32, len)
		__field(u8, family)
		__array(u8, saddr, 16)
		__array(u8, daddr, 16)
		__array(u8, from, sizeof(struct sockaddr_in6))
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->ok = ok;
		__entry->counter = counter;
		__entry->len = skb->len;
		WGT_TP_STORE_INNER(inner);
		memcpy(__entry->from, from, sizeof(struct sockaddr_in6));
	),
	TP_printk("skbaddr=%p ok=%d counter=%llu len=%u saddr=%pI6c daddr=%pI6c from=%pISpc",
		  __entry->skbaddr, __entry->ok, __entry->counter, __entry->len,
		  __entry->saddr, __entry->daddr, __entry->from)
);

/*
 * The peer's NAPI instance is asked to poll: the packet is ready, or (NULL)
 * a packet that found the decrypt ring full leaves the ones behind it.
 */
TRACE_EVENT(rx_napi_schedule,
	TP_PROTO(const struct sk_buff *skb, const struct napi_struct *napi),
	TP_ARGS(skb, napi),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(const void *, napi)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->napi = napi;
	),
	TP_printk("skbaddr=%p napi=%p", __entry->skbaddr, __entry->napi)
);

/* A poll starts: napi as in napi:napi_poll. */
TRACE_EVENT(rx_napi_poll_begin,
	TP_PROTO(const struct napi_struct *napi, int budget, u32 queued),
	TP_ARGS(napi, budget, queued),
	TP_STRUCT__entry(
		__field(const void *, napi)
		__field(int, budget)
		__field(u32, queued)
	),
	TP_fast_assign(
		__entry->napi = napi;
		__entry->budget = budget;
		__entry->queued = queued;
	),
	TP_printk("napi=%p budget=%d queued=%u", __entry->napi,
		  __entry->budget, __entry->queued)
);

/* The replay window's verdict on a decrypted packet's counter. */
TRACE_EVENT(rx_replay_check,
	TP_PROTO(const struct sk_buff *skb, u64 counter, bool fresh),
	TP_ARGS(skb, counter, fresh),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u64, counter)
		__field(bool, fresh)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->counter = counter;
		__entry->fresh = fresh;
	),
	TP_printk("skbaddr=%p counter=%llu fresh=%d", __entry->skbaddr,
		  __entry->counter, __entry->fresh)
);

/* Handed to GRO (the skb may be gone already: only its address is kept). */
TRACE_EVENT(rx_deliver,
	TP_PROTO(const struct net_device *dev, const void *skbaddr, int gro_result,
		 u32 len, const struct wgt_trace_addrs *inner),
	TP_ARGS(dev, skbaddr, gro_result, len, inner),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__field(const void *, skbaddr)
		__field(int, gro_result)
		__field(u32, len)
		__field(u8, family)
		__array(u8, saddr, 16)
		__array(u8, daddr, 16)
	),
	TP_fast_assign(
		__assign_str(dev, dev->name);
		__entry->skbaddr = skbaddr;
		__entry->gro_result = gro_result;
		__entry->len = len;
		WGT_TP_STORE_INNER(inner);
	),
	TP_printk("dev=%s skbaddr=%p gro_result=%d len=%u saddr=%pI6c daddr=%pI6c",
		  __get_str(dev), __entry->skbaddr, __entry->gro_result,
		  __entry->len, __entry->saddr, __entry->daddr)
);

/* A poll ends: how much it did and whether NAPI completed. */
TRACE_EVENT(rx_napi_poll_end,
	TP_PROTO(const struct napi_struct *napi, int work_done, bool complete),
	TP_ARGS(napi, work_done, complete),
	TP_STRUCT__entry(
		__field(const void *, napi)
		__field(int, work_done)
		__field(bool, complete)
	),
	TP_fast_assign(
		__entry->napi = napi;
		__entry->work_done = work_done;
		__entry->complete = complete;
	),
	TP_printk("napi=%p work_done=%d complete=%d", __entry->napi,
		  __entry->work_done, __entry->complete)
);

/*
 * A packet was dropped, and why: rx_drop on the way in (chapters 3-4),
 * tx_drop on the way out (chapter 5). Each drop is also counted in the
 * device's rx_dropped or tx_dropped ("ip -s link").
 */
DECLARE_EVENT_CLASS(wgtour_drop_class,
	TP_PROTO(const struct net_device *dev, const struct sk_buff *skb,
		 enum wgt_drop_reason reason),
	TP_ARGS(dev, skb, reason),
	TP_STRUCT__entry(
		__string(dev, dev->name)
		__field(const void *, skbaddr)
		__field(u32, reason)
	),
	TP_fast_assign(
		__assign_str(dev, dev->name);
		__entry->skbaddr = skb;
		__entry->reason = reason;
	),
	TP_printk("dev=%s skbaddr=%p reason=%s", __get_str(dev),
		  __entry->skbaddr, wgt_tp_show_reason(__entry->reason))
);

DEFINE_EVENT(wgtour_drop_class, rx_drop,
	TP_PROTO(const struct net_device *dev, const struct sk_buff *skb,
		 enum wgt_drop_reason reason),
	TP_ARGS(dev, skb, reason));
DEFINE_EVENT(wgtour_drop_class, tx_drop,
	TP_PROTO(const struct net_device *dev, const struct sk_buff *skb,
		 enum wgt_drop_reason reason),
	TP_ARGS(dev, skb, reason));

/*
 * Chapter 5, transmission: every skb transition, with skbaddr; the inner
 * addresses while the packet is still plaintext. The first three events
 * store the same fields but one, each named for what it counts.
 */
#define WGT_TP_STORE_PLAIN(skb, inner)					\
	do {								\
		const struct sk_buff *__skb = (skb);			\
		__entry->skbaddr = __skb;				\
		__entry->len = __skb->len;				\
		WGT_TP_STORE_INNER(inner);				\
	} while (0)

/* ndo_start_xmit: the stack hands us a packet of gso_segs (0: not GSO). */
TRACE_EVENT(tx_xmit,
	TP_PROTO(const struct sk_buff *skb, u32 gso_segs, const struct wgt_trace_addrs *inner),
	TP_ARGS(skb, gso_segs, inner),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, len)
		__field(u32, gso_segs)
		__field(u8, family)
		__array(u8, saddr, 16)
		__array(u8, daddr, 16)
	),
	TP_fast_assign(
		WGT_TP_STORE_PLAIN(skb, inner);
		__entry->gso_segs = gso_segs;
	),
	TP_printk("skbaddr=%p len=%u gso_segs=%u saddr=%pI6c daddr=%pI6c",
		  __entry->skbaddr, __entry->len, __entry->gso_segs,
		  __entry->saddr, __entry->daddr)
);

/* One segment cut from a GSO packet; seg: its place in the list, from 0. */
TRACE_EVENT(tx_gso_segment,
	TP_PROTO(const struct sk_buff *skb, u32 seg, const struct wgt_trace_addrs *inner),
	TP_ARGS(skb, seg, inner),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, len)
		__field(u32, seg)
		__field(u8, family)
		__array(u8, saddr, 16)
		__array(u8, daddr, 16)
	),
	TP_fast_assign(
		WGT_TP_STORE_PLAIN(skb, inner);
		__entry->seg = seg;
	),
	TP_printk("skbaddr=%p len=%u seg=%u saddr=%pI6c daddr=%pI6c",
		  __entry->skbaddr, __entry->len, __entry->seg,
		  __entry->saddr, __entry->daddr)
);

/* Staged for the peer, waiting for a nonce; queued: packets staged before. */
TRACE_EVENT(tx_stage,
	TP_PROTO(const struct sk_buff *skb, u32 queued, const struct wgt_trace_addrs *inner),
	TP_ARGS(skb, queued, inner),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, len)
		__field(u32, queued)
		__field(u8, family)
		__array(u8, saddr, 16)
		__array(u8, daddr, 16)
	),
	TP_fast_assign(
		WGT_TP_STORE_PLAIN(skb, inner);
		__entry->queued = queued;
	),
	TP_printk("skbaddr=%p len=%u queued=%u saddr=%pI6c daddr=%pI6c",
		  __entry->skbaddr, __entry->len, __entry->queued,
		  __entry->saddr, __entry->daddr)
);

/* Cryptokey routing, outbound: the peer (4 key bytes) or none (all zero). */
TRACE_EVENT(tx_route,
	TP_PROTO(const struct sk_buff *skb, const u8 *public_key),
	TP_ARGS(skb, public_key),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__array(u8, peer, 4)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		if (public_key)
			memcpy(__entry->peer, public_key, 4);
		else
			memset(__entry->peer, 0, 4);
	),
	TP_printk("skbaddr=%p peer=%*phN...", __entry->skbaddr, 4, __entry->peer)
);

/*
 * A GSO packet (skbaddr) cut into segs segments, the first of them at
 * first: the one event with two packets in it.
 */
TRACE_EVENT(tx_gso_split,
	TP_PROTO(const void *skbaddr, const struct sk_buff *first, u32 segs),
	TP_ARGS(skbaddr, first, segs),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(const void *, first)
		__field(u32, segs)
	),
	TP_fast_assign(
		__entry->skbaddr = skbaddr;
		__entry->first = first;
		__entry->segs = segs;
	),
	TP_printk("skbaddr=%p first=%p segs=%u", __entry->skbaddr, __entry->first,
		  __entry->segs)
);

/* The nonce (message counter) given to a packet under its keypair. */
TRACE_EVENT(tx_nonce,
	TP_PROTO(const struct sk_buff *skb, u32 remote_index, u64 counter),
	TP_ARGS(skb, remote_index, counter),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(u32, remote_index)
		__field(u64, counter)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->remote_index = remote_index;
		__entry->counter = counter;
	),
	TP_printk("skbaddr=%p remote_index=%08x counter=%llu", __entry->skbaddr,
		  __entry->remote_index, __entry->counter)
);

/* Into the device's encrypt queue; encrypt_cpu will encrypt it. */
TRACE_EVENT(tx_encrypt_enqueue,
	TP_PROTO(const struct sk_buff *skb, int encrypt_cpu),
	TP_ARGS(skb, encrypt_cpu),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(int, encrypt_cpu)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->encrypt_cpu = encrypt_cpu;
	),
	TP_printk("skbaddr=%p encrypt_cpu=%d", __entry->skbaddr, __entry->encrypt_cpu)
);

/* Encrypted in place (ok=1), now len bytes from the message header on. */
TRACE_EVENT(tx_encrypt,
	TP_PROTO(const struct sk_buff *skb, bool ok),
	TP_ARGS(skb, ok),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(bool, ok)
		__field(u32, len)
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		__entry->ok = ok;
		__entry->len = skb->len;
	),
	TP_printk("skbaddr=%p ok=%d len=%u", __entry->skbaddr, __entry->ok,
		  __entry->len)
);

/* Handed to the UDP socket, in order, to the endpoint; err from routing. */
TRACE_EVENT(tx_send,
	TP_PROTO(const void *skbaddr, const struct sockaddr *to, u32 len, int err),
	TP_ARGS(skbaddr, to, len, err),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__array(u8, to, sizeof(struct sockaddr_in6))
		__field(u32, len)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->skbaddr = skbaddr;
		memcpy(__entry->to, to, sizeof(struct sockaddr_in6));
		__entry->len = len;
		__entry->err = err;
	),
	TP_printk("skbaddr=%p to=%pISpc len=%u err=%d", __entry->skbaddr,
		  __entry->to, __entry->len, __entry->err)
);

#endif /* _WGTOUR_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
