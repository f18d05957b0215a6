// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 1, "The configuration API": the generic-netlink family "wireguard"
 * that the "wg" tool speaks (uapi: include/uapi/linux/wireguard.h). Two
 * commands: WG_CMD_GET_DEVICE, always a dump, and WG_CMD_SET_DEVICE.
 */
#include <crypto/algapi.h>
#include <crypto/curve25519.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <linux/wireguard.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "send.h"
#include "socket.h"
#include "trace.h"

static struct genl_family wgt_genl_family;

static const struct nla_policy wgt_device_policy[WGDEVICE_A_MAX + 1] = {
	[WGDEVICE_A_IFINDEX]	 = { .type = NLA_U32 },
	[WGDEVICE_A_IFNAME]	 = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[WGDEVICE_A_PRIVATE_KEY] = NLA_POLICY_EXACT_LEN(WGT_KEY_LEN),
	[WGDEVICE_A_PUBLIC_KEY]	 = NLA_POLICY_EXACT_LEN(WGT_KEY_LEN),
	/* Not NLA_POLICY_MASK: an unknown flag is EOPNOTSUPP, as in stock. */
	[WGDEVICE_A_FLAGS]	 = { .type = NLA_U32 },
	[WGDEVICE_A_LISTEN_PORT] = { .type = NLA_U16 },
	[WGDEVICE_A_FWMARK]	 = { .type = NLA_U32 },
	[WGDEVICE_A_PEERS]	 = { .type = NLA_NESTED },
};

/*
 * Peers per device: WGT_MAX_PEERS by default, as the stock module; lower it
 * to watch the limit at work without a million peers (tests, labs).
 */
static unsigned int max_peers = WGT_MAX_PEERS;
module_param(max_peers, uint, 0444);
MODULE_PARM_DESC(max_peers, "the most peers a device may have (default 2^20)");

/* Is @dev one of ours? Only one module can register the kind "wireguard". */
static bool wgt_is_wireguard(const struct net_device *dev)
{
	return dev->rtnl_link_ops && dev->rtnl_link_ops->kind &&
	       !strcmp(dev->rtnl_link_ops->kind, "wireguard");
}

/*
 * Find the device a request names, by index or by name (exactly one of the
 * two), in the caller's namespace. Returns a held reference.
 */
static struct wgt_device *wgt_lookup_device(struct net *net, struct nlattr **attrs,
					    struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;

	if (!attrs[WGDEVICE_A_IFINDEX] == !attrs[WGDEVICE_A_IFNAME]) {
		NL_SET_ERR_MSG(extack, "give exactly one of ifindex and ifname");
		return ERR_PTR(-EBADR);
	}
	if (attrs[WGDEVICE_A_IFINDEX])
		dev = dev_get_by_index(net, nla_get_u32(attrs[WGDEVICE_A_IFINDEX]));
	else
		dev = dev_get_by_name(net, nla_data(attrs[WGDEVICE_A_IFNAME]));
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such device");
		return ERR_PTR(-ENODEV);
	}
	if (!wgt_is_wireguard(dev)) {
		dev_put(dev);
		NL_SET_ERR_MSG(extack, "not a wireguard device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev_priv(dev);
}

static const struct nla_policy wgt_peer_policy[WGPEER_A_MAX + 1] = {
	[WGPEER_A_PUBLIC_KEY]	 = NLA_POLICY_EXACT_LEN(WGT_KEY_LEN),
	[WGPEER_A_PRESHARED_KEY] = NLA_POLICY_EXACT_LEN(WGT_SYMMETRIC_KEY_LEN),
	[WGPEER_A_FLAGS]	 = { .type = NLA_U32 },
	[WGPEER_A_ENDPOINT]	 = NLA_POLICY_MIN_LEN(sizeof(struct sockaddr_in)),
	[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL] = { .type = NLA_U16 },
	[WGPEER_A_LAST_HANDSHAKE_TIME] = NLA_POLICY_EXACT_LEN(sizeof(struct __kernel_timespec)),
	[WGPEER_A_RX_BYTES]	 = { .type = NLA_U64 },
	[WGPEER_A_TX_BYTES]	 = { .type = NLA_U64 },
	[WGPEER_A_ALLOWEDIPS]	 = { .type = NLA_NESTED },
	[WGPEER_A_PROTOCOL_VERSION] = { .type = NLA_U32 },
};

static const struct nla_policy wgt_allowedip_policy[WGALLOWEDIP_A_MAX + 1] = {
	[WGALLOWEDIP_A_FAMILY]	  = { .type = NLA_U16 },
	[WGALLOWEDIP_A_IPADDR]	  = NLA_POLICY_MIN_LEN(sizeof(struct in_addr)),
	[WGALLOWEDIP_A_CIDR_MASK] = { .type = NLA_U8 },
};

/*
 * Per-dump state, kept in the netlink callback between messages. It lives
 * in cb->ctx, which shares its storage with cb->args: use one or the other.
 * A dump of many peers spans many messages; each message resumes at
 * @next_peer (we hold a reference on it). If that peer was cut short, its
 * fields went out already (@peer_started) and so did its first @ips_sent
 * allowed IPs. A count, not a pointer to the next one: between messages
 * the trie may change and free any node, while a count stays meaningful
 * (and the change marks the dump interrupted, see wgt_get_device_dump()).
 */
struct wgt_dump_ctx {
	struct wgt_device *wg;	/* compared, never followed, between messages */
	int ifindex;
	struct wgt_peer *next_peer;
	unsigned int ips_sent;
	bool peer_started;
	bool device_sent;
	bool finished;
};

static struct wgt_dump_ctx *wgt_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct wgt_dump_ctx) > sizeof(cb->ctx));
	return (struct wgt_dump_ctx *)cb->ctx;
}

/*
 * A dump answers in as many messages as it takes, each sent when userspace
 * reads the one before; it may never read on. So the dump keeps no device
 * reference between messages: an unread dump would otherwise hold a device
 * that is being deleted, and with it the teardown of its namespace, and
 * with that of every namespace (they are torn down one at a time).
 */
static int wgt_get_device_start(struct netlink_callback *cb)
{
	struct wgt_dump_ctx *ctx = wgt_dump_ctx(cb);
	struct wgt_device *wg;

	wg = wgt_lookup_device(sock_net(cb->skb->sk),
			       genl_dumpit_info(cb)->attrs, cb->extack);
	if (IS_ERR(wg))
		return PTR_ERR(wg);
	ctx->wg = wg;
	ctx->ifindex = wg->dev->ifindex;
	dev_put(wg->dev);
	return 0;
}

/*
 * The device being dumped, found again for each message and held for that
 * message only; NULL when it is gone or has left the namespace.
 */
static struct wgt_device *wgt_dump_device(struct netlink_callback *cb,
					  struct wgt_dump_ctx *ctx)
{
	struct net_device *dev;

	dev = dev_get_by_index(sock_net(cb->skb->sk), ctx->ifindex);
	if (dev && wgt_is_wireguard(dev) && netdev_priv(dev) == ctx->wg)
		return ctx->wg;
	if (dev)
		dev_put(dev);
	return NULL;
}

/* The attributes of the device itself, sent once at the head of a dump. */
static int wgt_put_device(struct sk_buff *skb, struct wgt_device *wg)
{
	int ret = 0;

	if (nla_put_u16(skb, WGDEVICE_A_LISTEN_PORT, wg->listen_port) ||
	    nla_put_u32(skb, WGDEVICE_A_FWMARK, wg->fwmark) ||
	    nla_put_u32(skb, WGDEVICE_A_IFINDEX, wg->dev->ifindex) ||
	    nla_put_string(skb, WGDEVICE_A_IFNAME, wg->dev->name))
		return -EMSGSIZE;

	down_read(&wg->identity.lock);
	if (wg->identity.has_identity &&
	    (nla_put(skb, WGDEVICE_A_PRIVATE_KEY, WGT_KEY_LEN, wg->identity.private_key) ||
	     nla_put(skb, WGDEVICE_A_PUBLIC_KEY, WGT_KEY_LEN, wg->identity.public_key)))
		ret = -EMSGSIZE;
	up_read(&wg->identity.lock);
	return ret;
}

static int wgt_put_allowedip(struct sk_buff *skb, const struct wgt_trie_node *node)
{
	struct nlattr *nest;
	u8 addr[16], cidr;
	int family;

	family = wgt_allowedips_read_node(node, addr, &cidr);
	nest = nla_nest_start(skb, 0);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, WGALLOWEDIP_A_CIDR_MASK, cidr) ||
	    nla_put_u16(skb, WGALLOWEDIP_A_FAMILY, family) ||
	    nla_put(skb, WGALLOWEDIP_A_IPADDR, family == AF_INET6 ? 16 : 4, addr)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Everything about a peer but its allowed IPs: sent once per peer. */
static int wgt_put_peer_fields(struct sk_buff *skb, struct wgt_peer *peer)
{
	struct timespec64 last = ns_to_timespec64(atomic64_read(&peer->last_handshake_ns));
	struct __kernel_timespec handshake = {
		.tv_sec = last.tv_sec,
		.tv_nsec = last.tv_nsec,
	};
	int ret = 0;

	down_read(&peer->handshake.lock);
	ret = nla_put(skb, WGPEER_A_PRESHARED_KEY, WGT_SYMMETRIC_KEY_LEN,
		      peer->handshake.preshared_key);
	up_read(&peer->handshake.lock);
	if (ret ||
	    nla_put(skb, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(handshake), &handshake) ||
	    nla_put_u16(skb, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
			peer->persistent_keepalive) ||
	    nla_put_u64_64bit(skb, WGPEER_A_TX_BYTES, atomic64_read(&peer->tx_bytes),
			      WGPEER_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, WGPEER_A_RX_BYTES, atomic64_read(&peer->rx_bytes),
			      WGPEER_A_UNSPEC) ||
	    nla_put_u32(skb, WGPEER_A_PROTOCOL_VERSION, 1))
		return -EMSGSIZE;

	read_lock_bh(&peer->endpoint_lock);
	if (peer->endpoint.addr.sa_family == AF_INET)
		ret = nla_put(skb, WGPEER_A_ENDPOINT, sizeof(peer->endpoint.addr4),
			      &peer->endpoint.addr4);
	else if (peer->endpoint.addr.sa_family == AF_INET6)
		ret = nla_put(skb, WGPEER_A_ENDPOINT, sizeof(peer->endpoint.addr6),
			      &peer->endpoint.addr6);
	read_unlock_bh(&peer->endpoint_lock);
	return ret;
}

/*
 * The allowed IPs of a peer that are still to go, after the first
 * ctx->ips_sent, as many as fit. Returns -EMSGSIZE when the message filled
 * up before the last one.
 */
static int wgt_put_peer_allowedips(struct sk_buff *skb, struct wgt_peer *peer,
				   struct wgt_dump_ctx *ctx)
{
	struct wgt_trie_node *node;
	struct nlattr *nest = NULL;
	unsigned int skip = ctx->ips_sent;
	int ret = 0;

	list_for_each_entry(node, &peer->allowedips_list, peer_list) {
		if (skip) {
			skip--;
			continue;
		}
		if (!nest)
			nest = nla_nest_start(skb, WGPEER_A_ALLOWEDIPS);
		if (!nest || wgt_put_allowedip(skb, node)) {
			ret = -EMSGSIZE;
			break;
		}
		ctx->ips_sent++;
	}
	if (nest)
		nla_nest_end(skb, nest);
	return ret;
}

/*
 * One peer, or as much of it as fits. Returns 0 when the peer is complete,
 * -EMSGSIZE when the message is full: then either nothing of the peer was
 * added (it starts again in the next message), or it was cut short and
 * the next message carries its public key again and the rest of its
 * allowed IPs (the "wg" tool merges the parts of a peer by its key).
 */
static int wgt_put_peer(struct sk_buff *skb, struct wgt_peer *peer,
			struct wgt_dump_ctx *ctx)
{
	struct nlattr *peer_nest;

	peer_nest = nla_nest_start(skb, 0);
	if (!peer_nest)
		return -EMSGSIZE;
	if (nla_put(skb, WGPEER_A_PUBLIC_KEY, WGT_KEY_LEN, peer->public_key) ||
	    (!ctx->peer_started && wgt_put_peer_fields(skb, peer))) {
		nla_nest_cancel(skb, peer_nest);
		return -EMSGSIZE;
	}
	ctx->peer_started = true;
	if (wgt_put_peer_allowedips(skb, peer, ctx)) {
		nla_nest_end(skb, peer_nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, peer_nest);
	ctx->peer_started = false;
	ctx->ips_sent = 0;
	return 0;
}

/* Fill one message with the device (first time) and as many peers as fit. */
static int wgt_fill_dump(struct sk_buff *skb, struct wgt_dump_ctx *ctx)
{
	struct wgt_device *wg = ctx->wg;
	struct wgt_peer *peer, *resume = NULL;
	struct nlattr *peers_nest;
	int ret;

	if (!ctx->device_sent) {
		ret = wgt_put_device(skb, wg);
		if (ret)
			return ret;
		ctx->device_sent = true;
	}

	peer = ctx->next_peer;
	if (!peer)
		peer = list_first_entry_or_null(&wg->peer_list, struct wgt_peer, peer_list);
	else if (peer->is_dead)
		peer = NULL;	/* removed since the last message: stop here */
	if (!peer) {
		ctx->finished = true;
		return 0;
	}

	peers_nest = nla_nest_start(skb, WGDEVICE_A_PEERS);
	if (!peers_nest)
		return -EMSGSIZE;
	list_for_each_entry_from(peer, &wg->peer_list, peer_list) {
		if (wgt_put_peer(skb, peer, ctx)) {
			resume = peer;
			break;
		}
	}
	nla_nest_end(skb, peers_nest);

	wgt_peer_put(ctx->next_peer);
	ctx->next_peer = wgt_peer_get_maybe_zero(resume);
	if (!resume)
		ctx->finished = true;
	return 0;
}

static int wgt_get_device_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct wgt_dump_ctx *ctx = wgt_dump_ctx(cb);
	struct wgt_device *wg;
	void *hdr;
	int ret;

	if (ctx->finished)
		return 0;
	wg = wgt_dump_device(cb, ctx);
	if (!wg)
		return -ENODEV;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &wgt_genl_family, NLM_F_MULTI, WG_CMD_GET_DEVICE);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out;
	}
	mutex_lock(&wg->conf_lock);
	/* Flags the dump as interrupted if the device changed between parts. */
	cb->seq = wg->dump_gen;
	genl_dump_check_consistent(cb, hdr);
	ret = wgt_fill_dump(skb, ctx);
	mutex_unlock(&wg->conf_lock);
	if (ret) {
		genlmsg_cancel(skb, hdr);
		goto out;
	}
	genlmsg_end(skb, hdr);
	ret = skb->len;
out:
	dev_put(wg->dev);
	return ret;
}

static int wgt_get_device_done(struct netlink_callback *cb)
{
	struct wgt_dump_ctx *ctx = wgt_dump_ctx(cb);

	wgt_peer_put(ctx->next_peer);
	return 0;
}

/*
 * Check a whole SET request before changing anything, so that a bad
 * attribute anywhere leaves the device exactly as it was.
 */
static int wgt_validate_allowedip(struct nlattr *nla, struct netlink_ext_ack *extack)
{
	struct nlattr *attrs[WGALLOWEDIP_A_MAX + 1];
	int ret;
	/* LAB(ch1-allowedip): the variables your checks need */
	unsigned int len, bits;
	u16 family;
	/* END LAB(ch1-allowedip) */

	ret = nla_parse_nested(attrs, WGALLOWEDIP_A_MAX, nla, wgt_allowedip_policy,
			       extack);
	if (ret < 0)
		return ret;
	if (!attrs[WGALLOWEDIP_A_FAMILY] || !attrs[WGALLOWEDIP_A_IPADDR] ||
	    !attrs[WGALLOWEDIP_A_CIDR_MASK]) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "allowed IP needs family, address and cidr");
		return -EINVAL;
	}
	/* LAB(ch1-allowedip): family and address length must agree, the cidr fit the address */
	family = nla_get_u16(attrs[WGALLOWEDIP_A_FAMILY]);
	len = nla_len(attrs[WGALLOWEDIP_A_IPADDR]);
	if (family == AF_INET && len == sizeof(struct in_addr)) {
		bits = 32;
	} else if (family == AF_INET6 && len == sizeof(struct in6_addr)) {
		bits = 128;
	} else {
		NL_SET_ERR_MSG_ATTR(extack, nla, "allowed IP family and address length disagree");
		return -EINVAL;
	}
	if (nla_get_u8(attrs[WGALLOWEDIP_A_CIDR_MASK]) > bits) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[WGALLOWEDIP_A_CIDR_MASK],
				    "cidr longer than the address");
		return -EINVAL;
	}
	/* END LAB(ch1-allowedip) */
	return 0;
}

static int wgt_validate_peer(struct nlattr *nla, struct netlink_ext_ack *extack)
{
	struct nlattr *attrs[WGPEER_A_MAX + 1], *ip;
	int ret, rem;

	ret = nla_parse_nested(attrs, WGPEER_A_MAX, nla, wgt_peer_policy, extack);
	if (ret < 0)
		return ret;
	if (!attrs[WGPEER_A_PUBLIC_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "peer without a public key");
		return -EINVAL;
	}
	/*
	 * Flags and versions from the future: "not supported", with the
	 * errnos the stock module gives, so tools can tell the two apart
	 * from a malformed request (EINVAL).
	 */
	if (attrs[WGPEER_A_FLAGS] &&
	    nla_get_u32(attrs[WGPEER_A_FLAGS]) & ~__WGPEER_F_ALL) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[WGPEER_A_FLAGS], "unknown peer flags");
		return -EOPNOTSUPP;
	}
	if (attrs[WGPEER_A_PROTOCOL_VERSION] &&
	    nla_get_u32(attrs[WGPEER_A_PROTOCOL_VERSION]) != 1) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[WGPEER_A_PROTOCOL_VERSION],
				    "only protocol version 1 exists");
		return -EPFNOSUPPORT;
	}
	if (attrs[WGPEER_A_ENDPOINT]) {
		const struct sockaddr *sa = nla_data(attrs[WGPEER_A_ENDPOINT]);
		unsigned int len = nla_len(attrs[WGPEER_A_ENDPOINT]);

		if (!((sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) ||
		      (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)))) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[WGPEER_A_ENDPOINT],
					    "endpoint is neither IPv4 nor IPv6");
			return -EINVAL;
		}
	}
	if (attrs[WGPEER_A_ALLOWEDIPS]) {
		nla_for_each_nested(ip, attrs[WGPEER_A_ALLOWEDIPS], rem) {
			ret = wgt_validate_allowedip(ip, extack);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int wgt_set_allowedips(struct wgt_device *wg, struct wgt_peer *peer,
			      struct nlattr *list)
{
	struct nlattr *attrs[WGALLOWEDIP_A_MAX + 1], *nla;
	int ret, rem;

	nla_for_each_nested(nla, list, rem) {
		/* Validated already; parsing again cannot fail. */
		ret = nla_parse_nested(attrs, WGALLOWEDIP_A_MAX, nla,
				       wgt_allowedip_policy, NULL);
		if (ret < 0)
			return ret;
		ret = wgt_allowedips_insert(&wg->allowedips,
					    nla_get_u16(attrs[WGALLOWEDIP_A_FAMILY]),
					    nla_data(attrs[WGALLOWEDIP_A_IPADDR]),
					    nla_get_u8(attrs[WGALLOWEDIP_A_CIDR_MASK]),
					    peer, &wg->conf_lock);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Apply one validated peer of a SET request. */
static int wgt_set_peer(struct wgt_device *wg, struct nlattr *nla,
			struct netlink_ext_ack *extack)
{
	struct nlattr *attrs[WGPEER_A_MAX + 1];
	struct wgt_peer *peer;
	const u8 *public_key;
	u32 flags = 0;
	int ret;

	ret = nla_parse_nested(attrs, WGPEER_A_MAX, nla, wgt_peer_policy, NULL);
	if (ret < 0)
		return ret;
	public_key = nla_data(attrs[WGPEER_A_PUBLIC_KEY]);
	if (attrs[WGPEER_A_FLAGS])
		flags = nla_get_u32(attrs[WGPEER_A_FLAGS]);

	/* Our own public key as a peer would be a tunnel to ourselves. */
	if (wg->identity.has_identity &&
	    !memcmp(public_key, wg->identity.public_key, WGT_KEY_LEN))
		return 0;

	peer = wgt_pubkey_table_lookup(&wg->pubkey_table, public_key);
	if (!peer) {
		if (flags & (WGPEER_F_REMOVE_ME | WGPEER_F_UPDATE_ONLY))
			return 0;
		if (wg->num_peers >= max_peers) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "the device has its maximum number of peers");
			return -ENOSPC;
		}
		peer = wgt_peer_get_maybe_zero(wgt_peer_create(wg, public_key));
		if (!peer)
			return -ENOMEM;
	}
	if (flags & WGPEER_F_REMOVE_ME) {
		wgt_peer_remove(peer);
		goto out;
	}
	if (attrs[WGPEER_A_PRESHARED_KEY]) {
		down_write(&peer->handshake.lock);
		memcpy(peer->handshake.preshared_key,
		       nla_data(attrs[WGPEER_A_PRESHARED_KEY]), WGT_SYMMETRIC_KEY_LEN);
		up_write(&peer->handshake.lock);
	}
	if (attrs[WGPEER_A_ENDPOINT]) {
		const struct sockaddr *sa = nla_data(attrs[WGPEER_A_ENDPOINT]);
		/* A configured endpoint has no known source: routing chooses. */
		struct wgt_endpoint ep = { };

		if (sa->sa_family == AF_INET)
			ep.addr4 = *(const struct sockaddr_in *)sa;
		else
			ep.addr6 = *(const struct sockaddr_in6 *)sa;
		wgt_peer_set_endpoint(peer, &ep);
	}
	if (flags & WGPEER_F_REPLACE_ALLOWEDIPS)
		wgt_allowedips_remove_peer(&wg->allowedips, peer, &wg->conf_lock);
	if (attrs[WGPEER_A_ALLOWEDIPS])
		ret = wgt_set_allowedips(wg, peer, attrs[WGPEER_A_ALLOWEDIPS]);
	if (attrs[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]) {
		u16 interval = nla_get_u16(attrs[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
		bool was_off = !peer->persistent_keepalive;

		WRITE_ONCE(peer->persistent_keepalive, interval);
		/* Switched on while up: the first keepalive goes now (chapter 3). */
		if (was_off && interval && netif_running(wg->dev))
			wgt_send_keepalive(peer);
	}
out:
	wgt_peer_put(peer);
	return ret;
}

/*
 * Set or clear (all-zero key) the interface's static identity. The key it
 * already has changes nothing: "wg syncconf" and "wg setconf" send the key
 * every time, and must not cost every peer its session. A new key: a peer
 * that has the new public key would be ourselves, so it goes. Handshakes
 * under way were made with the old key and are abandoned; sessions stay
 * usable for receiving but we stop sending with them, so the next packet
 * starts a handshake with the new key at once (chapter 3). A running
 * device that had no key until now sends what waited for one: the first
 * persistent keepalive, say.
 */
static void wgt_set_private_key(struct wgt_device *wg, const u8 *key)
{
	bool had_identity = wg->identity.has_identity;
	struct wgt_peer *peer;
	u8 clamped[WGT_KEY_LEN];
	bool same;

	/* The identity keeps its key clamped: compare like with like. */
	memcpy(clamped, key, WGT_KEY_LEN);
	curve25519_clamp_secret(clamped);
	down_read(&wg->identity.lock);
	/* (all zeros clamps to a valid key: a request to clear is never "same") */
	same = had_identity && memchr_inv(key, 0, WGT_KEY_LEN) &&
	       !crypto_memneq(clamped, wg->identity.private_key, WGT_KEY_LEN);
	up_read(&wg->identity.lock);
	memzero_explicit(clamped, WGT_KEY_LEN);
	if (same)
		return;

	wgt_identity_set(&wg->identity, key);
	wgt_cookie_checker_set_key(&wg->cookie_checker, wg->identity.public_key);
	if (!wg->identity.has_identity)
		return;
	peer = wgt_pubkey_table_lookup(&wg->pubkey_table, wg->identity.public_key);
	if (peer) {
		wgt_peer_remove(peer);
		wgt_peer_put(peer);
	}
	list_for_each_entry(peer, &wg->peer_list, peer_list) {
		wgt_peer_forget_handshake(peer);
		wgt_keypairs_stop_sending(&peer->keypairs);
		if (!had_identity && netif_running(wg->dev) &&
		    !skb_queue_empty(&peer->staged_queue))
			wgt_send_staged(peer);
	}
}

static int wgt_set_listen_port(struct wgt_device *wg, u16 port)
{
	/* The port we already use: nothing to do (re-binding it would clash). */
	if (port && port == wg->listen_port)
		return 0;
	/* Re-bind now if up; a taken port fails and changes nothing. */
	if (netif_running(wg->dev))
		return wgt_socket_open(wg, port);
	wg->listen_port = port;
	return 0;
}

static int wgt_set_device(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	unsigned int npeers = 0;
	struct wgt_device *wg;
	struct wgt_peer *peer;
	struct nlattr *nla;
	u32 changed = 0;
	int ret = 0, rem;

	wg = wgt_lookup_device(genl_info_net(info), attrs, extack);
	if (IS_ERR(wg))
		return PTR_ERR(wg);

	if (attrs[WGDEVICE_A_FLAGS] &&
	    nla_get_u32(attrs[WGDEVICE_A_FLAGS]) & ~__WGDEVICE_F_ALL) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[WGDEVICE_A_FLAGS], "unknown device flags");
		ret = -EOPNOTSUPP;
		goto out_put;
	}
	if (attrs[WGDEVICE_A_PEERS]) {
		nla_for_each_nested(nla, attrs[WGDEVICE_A_PEERS], rem) {
			ret = wgt_validate_peer(nla, extack);
			if (ret < 0)
				goto out_put;
		}
	}
	/*
	 * The port and the mark act on the sockets, which live in the birth
	 * namespace: a device moved elsewhere must not let that namespace's
	 * admin reach into the other (chapter 1).
	 */
	if ((attrs[WGDEVICE_A_LISTEN_PORT] || attrs[WGDEVICE_A_FWMARK]) &&
	    !ns_capable(wg->creating_net->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(extack, "port and fwmark need CAP_NET_ADMIN where the sockets live");
		ret = -EPERM;
		goto out_put;
	}

	rtnl_lock();
	mutex_lock(&wg->conf_lock);

	if (attrs[WGDEVICE_A_LISTEN_PORT]) {
		ret = wgt_set_listen_port(wg, nla_get_u16(attrs[WGDEVICE_A_LISTEN_PORT]));
		if (ret < 0) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[WGDEVICE_A_LISTEN_PORT],
					    "cannot bind the listen port");
			goto out;
		}
		changed |= WGT_SET_LISTEN_PORT;
	}
	if (attrs[WGDEVICE_A_FWMARK]) {
		u32 mark = nla_get_u32(attrs[WGDEVICE_A_FWMARK]);

		/* Rules may route a marked packet elsewhere: routes made without it go. */
		if (mark != wg->fwmark) {
			wg->fwmark = mark;
			list_for_each_entry(peer, &wg->peer_list, peer_list)
				wgt_peer_clear_route(peer);
		}
		changed |= WGT_SET_FWMARK;
	}
	if (attrs[WGDEVICE_A_FLAGS] &&
	    nla_get_u32(attrs[WGDEVICE_A_FLAGS]) & WGDEVICE_F_REPLACE_PEERS) {
		wgt_peer_remove_all(wg);
		changed |= WGT_SET_REPLACE_PEERS;
	}
	if (attrs[WGDEVICE_A_PRIVATE_KEY]) {
		wgt_set_private_key(wg, nla_data(attrs[WGDEVICE_A_PRIVATE_KEY]));
		changed |= WGT_SET_PRIVATE_KEY;
	}
	if (attrs[WGDEVICE_A_PEERS]) {
		nla_for_each_nested(nla, attrs[WGDEVICE_A_PEERS], rem) {
			ret = wgt_set_peer(wg, nla, extack);
			if (ret < 0) {
				if (!extack->_msg)
					NL_SET_ERR_MSG_ATTR(extack, nla,
							    "could not apply this peer");
				goto out;
			}
			npeers++;
		}
		changed |= WGT_SET_PEERS;
	}
out:
	wg->dump_gen++;
	trace_netlink_set(wg->dev, changed, npeers, ret);
	mutex_unlock(&wg->conf_lock);
	rtnl_unlock();
out_put:
	dev_put(wg->dev);
	return ret;
}

static const struct genl_ops wgt_genl_ops[] = {
	{
		.cmd = WG_CMD_GET_DEVICE,
		.start = wgt_get_device_start,
		.dumpit = wgt_get_device_dump,
		.done = wgt_get_device_done,
		/* CAP_NET_ADMIN in the namespace that owns the device. */
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = WG_CMD_SET_DEVICE,
		.doit = wgt_set_device,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family wgt_genl_family __ro_after_init = {
	.name = WG_GENL_NAME,
	.version = WG_GENL_VERSION,
	.maxattr = WGDEVICE_A_MAX,
	.policy = wgt_device_policy,
	.ops = wgt_genl_ops,
	.n_ops = ARRAY_SIZE(wgt_genl_ops),
	.resv_start_op = WG_CMD_SET_DEVICE + 1,
	.netnsok = true,
	.module = THIS_MODULE,
};

/**
 * wgt_genetlink_init() - make the "wireguard" family visible to "wg"
 *
 * Return: 0 or a negative errno.
 */
int __init wgt_genetlink_init(void)
{
	return genl_register_family(&wgt_genl_family);
}

/**
 * wgt_genetlink_uninit() - remove the family; no request runs afterwards
 */
void wgt_genetlink_uninit(void)
{
	genl_unregister_family(&wgt_genl_family);
}
