/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of wgtour: one event per transition a student may want to
 * watch, named <path>_<step>. Control-path events (this file's first half)
 * belong to chapter 1; the data path adds its events in chapters 4 and 5.
 * bpftrace sees them as tracepoint:wgtour:<name>.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM wgtour

#if !defined(_WGTOUR_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _WGTOUR_TRACE_H

#include <linux/netdevice.h>
#include <linux/tracepoint.h>

/* Device events carry the name and ifindex: the pair "ip link" shows. */
DECLARE_EVENT_CLASS(wgtour_device_class,
	TP_PROTO(const struct net_device *dev),
	TP_ARGS(dev),
	TP_STRUCT__entry(
		__string(name, dev->name)
		__field(int, ifindex)
		__field(unsigned int, netns_inum)
	),
	TP_fast_assign(
		__assign_str(name, dev->name);
		__entry->ifindex = dev->ifindex;
		__entry->netns_inum = dev_net(dev)->ns.inum;
	),
	TP_printk("dev=%s ifindex=%d netns=%u", __get_str(name),
		  __entry->ifindex, __entry->netns_inum)
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
		__string(name, dev->name)
		__field(int, family)
		__field(u16, port)
	),
	TP_fast_assign(
		__assign_str(name, dev->name);
		__entry->family = family;
		__entry->port = port;
	),
	TP_printk("dev=%s family=%s port=%u", __get_str(name),
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
		__string(name, dev->name)
		__field(u32, changed)
		__field(u32, peers)
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(name, dev->name);
		__entry->changed = changed;
		__entry->peers = peers;
		__entry->err = err;
	),
	TP_printk("dev=%s changed=%s peers=%u err=%d", __get_str(name),
		  __print_flags(__entry->changed, "|",
				{ 1, "private_key" }, { 2, "listen_port" },
				{ 4, "fwmark" }, { 8, "replace_peers" },
				{ 16, "peers" }),
		  __entry->peers, __entry->err)
);

/*
 * A peer added or removed (chapter 2). The public key is shown as its first
 * four bytes in hex, enough to tell peers apart in a trace.
 */
DECLARE_EVENT_CLASS(wgtour_peer_class,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 peers),
	TP_ARGS(dev, public_key, peers),
	TP_STRUCT__entry(
		__string(name, dev->name)
		__array(u8, key, 4)
		__field(u32, peers)
	),
	TP_fast_assign(
		__assign_str(name, dev->name);
		memcpy(__entry->key, public_key, 4);
		__entry->peers = peers;
	),
	TP_printk("dev=%s peer=%*phN... peers_now=%u", __get_str(name),
		  4, __entry->key, __entry->peers)
);

DEFINE_EVENT(wgtour_peer_class, peer_create,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 peers),
	TP_ARGS(dev, public_key, peers));
DEFINE_EVENT(wgtour_peer_class, peer_remove,
	TP_PROTO(const struct net_device *dev, const u8 *public_key, u32 peers),
	TP_ARGS(dev, public_key, peers));

/* A peer's NAPI instance added or deleted; napiaddr matches napi:napi_poll. */
DECLARE_EVENT_CLASS(wgtour_napi_class,
	TP_PROTO(const struct net_device *dev, const u8 *public_key,
		 const struct napi_struct *napi),
	TP_ARGS(dev, public_key, napi),
	TP_STRUCT__entry(
		__string(name, dev->name)
		__array(u8, key, 4)
		__field(const void *, napiaddr)
		__field(unsigned int, napi_id)
	),
	TP_fast_assign(
		__assign_str(name, dev->name);
		memcpy(__entry->key, public_key, 4);
		__entry->napiaddr = napi;
		__entry->napi_id = napi->napi_id;
	),
	TP_printk("dev=%s peer=%*phN... napi=%p napi_id=%u", __get_str(name),
		  4, __entry->key, __entry->napiaddr, __entry->napi_id)
);

DEFINE_EVENT(wgtour_napi_class, peer_napi_add,
	TP_PROTO(const struct net_device *dev, const u8 *public_key,
		 const struct napi_struct *napi),
	TP_ARGS(dev, public_key, napi));
DEFINE_EVENT(wgtour_napi_class, peer_napi_del,
	TP_PROTO(const struct net_device *dev, const u8 *public_key,
		 const struct napi_struct *napi),
	TP_ARGS(dev, public_key, napi));

/* Cryptokey routing changed: a prefix given to a peer, or taken away. */
DECLARE_EVENT_CLASS(wgtour_allowedips_class,
	TP_PROTO(const u8 *public_key, int family, const u8 *addr, u8 cidr),
	TP_ARGS(public_key, family, addr, cidr),
	TP_STRUCT__entry(
		__array(u8, key, 4)
		__field(int, family)
		__array(u8, addr, 16)
		__field(u8, cidr)
	),
	TP_fast_assign(
		memcpy(__entry->key, public_key, 4);
		__entry->family = family;
		memcpy(__entry->addr, addr, 16);
		__entry->cidr = cidr;
	),
	TP_printk("peer=%*phN... prefix=%s/%u", 4, __entry->key,
		  __entry->family == AF_INET6 ? "(ipv6)" : "(ipv4)", __entry->cidr)
);

DEFINE_EVENT(wgtour_allowedips_class, allowedips_insert,
	TP_PROTO(const u8 *public_key, int family, const u8 *addr, u8 cidr),
	TP_ARGS(public_key, family, addr, cidr));
DEFINE_EVENT(wgtour_allowedips_class, allowedips_remove,
	TP_PROTO(const u8 *public_key, int family, const u8 *addr, u8 cidr),
	TP_ARGS(public_key, family, addr, cidr));

#endif /* _WGTOUR_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
