// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 1, "The configuration API": the generic-netlink family "wireguard"
 * that the "wg" tool speaks (uapi: include/uapi/linux/wireguard.h). Two
 * commands: WG_CMD_GET_DEVICE, always a dump, and WG_CMD_SET_DEVICE.
 */
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <linux/wireguard.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "device.h"
#include "netlink.h"
#include "socket.h"
#include "trace.h"

static struct genl_family wgt_genl_family;

static const struct nla_policy wgt_device_policy[WGDEVICE_A_MAX + 1] = {
	[WGDEVICE_A_IFINDEX]	 = { .type = NLA_U32 },
	[WGDEVICE_A_IFNAME]	 = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[WGDEVICE_A_PRIVATE_KEY] = NLA_POLICY_EXACT_LEN(WGT_KEY_LEN),
	[WGDEVICE_A_PUBLIC_KEY]	 = NLA_POLICY_EXACT_LEN(WGT_KEY_LEN),
	[WGDEVICE_A_FLAGS]	 = NLA_POLICY_MASK(NLA_U32, __WGDEVICE_F_ALL),
	[WGDEVICE_A_LISTEN_PORT] = { .type = NLA_U16 },
	[WGDEVICE_A_FWMARK]	 = { .type = NLA_U32 },
	[WGDEVICE_A_PEERS]	 = { .type = NLA_NESTED },
};

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
	if (!dev->rtnl_link_ops || !dev->rtnl_link_ops->kind ||
	    strcmp(dev->rtnl_link_ops->kind, "wireguard")) {
		dev_put(dev);
		NL_SET_ERR_MSG(extack, "not a wireguard device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev_priv(dev);
}

/*
 * Per-dump state, kept in the netlink callback between messages. It lives
 * in cb->ctx, which shares its storage with cb->args: use one or the other.
 */
struct wgt_dump_ctx {
	struct wgt_device *wg;
	bool device_sent;
};

static struct wgt_dump_ctx *wgt_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct wgt_dump_ctx) > sizeof(cb->ctx));
	return (struct wgt_dump_ctx *)cb->ctx;
}

static int wgt_get_device_start(struct netlink_callback *cb)
{
	struct wgt_device *wg;

	wg = wgt_lookup_device(sock_net(cb->skb->sk),
			       genl_dumpit_info(cb)->attrs, cb->extack);
	if (IS_ERR(wg))
		return PTR_ERR(wg);
	wgt_dump_ctx(cb)->wg = wg;
	return 0;
}

/* The attributes of the device itself, sent once at the head of a dump. */
static int wgt_put_device(struct sk_buff *skb, struct wgt_device *wg)
{
	if (nla_put_u16(skb, WGDEVICE_A_LISTEN_PORT, wg->listen_port) ||
	    nla_put_u32(skb, WGDEVICE_A_FWMARK, wg->fwmark) ||
	    nla_put_u32(skb, WGDEVICE_A_IFINDEX, wg->dev->ifindex) ||
	    nla_put_string(skb, WGDEVICE_A_IFNAME, wg->dev->name))
		return -EMSGSIZE;
	if (wg->has_identity &&
	    (nla_put(skb, WGDEVICE_A_PRIVATE_KEY, WGT_KEY_LEN, wg->static_private) ||
	     nla_put(skb, WGDEVICE_A_PUBLIC_KEY, WGT_KEY_LEN, wg->static_public)))
		return -EMSGSIZE;
	return 0;
}

static int wgt_get_device_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct wgt_dump_ctx *ctx = wgt_dump_ctx(cb);
	struct wgt_device *wg = ctx->wg;
	void *hdr;
	int ret;

	/* One message carries everything until peers arrive (chapter 2). */
	if (ctx->device_sent)
		return 0;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &wgt_genl_family, NLM_F_MULTI, WG_CMD_GET_DEVICE);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	mutex_lock(&wg->conf_lock);
	ret = wgt_put_device(skb, wg);
	mutex_unlock(&wg->conf_lock);
	if (ret < 0) {
		genlmsg_cancel(skb, hdr);
		return ret;
	}
	genlmsg_end(skb, hdr);
	ctx->device_sent = true;
	return skb->len;
}

static int wgt_get_device_done(struct netlink_callback *cb)
{
	struct wgt_device *wg = wgt_dump_ctx(cb)->wg;

	if (wg)
		dev_put(wg->dev);
	return 0;
}

/* Set or clear (all-zero key) the interface's static identity. */
static void wgt_set_private_key(struct wgt_device *wg, const u8 *key)
{
	if (!memchr_inv(key, 0, WGT_KEY_LEN)) {
		memzero_explicit(wg->static_private, WGT_KEY_LEN);
		memset(wg->static_public, 0, WGT_KEY_LEN);
		wg->has_identity = false;
		return;
	}
	memcpy(wg->static_private, key, WGT_KEY_LEN);
	curve25519_clamp_secret(wg->static_private);
	wg->has_identity = curve25519_generate_public(wg->static_public,
						      wg->static_private);
}

static int wgt_set_device(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct wgt_device *wg;
	u32 changed = 0;
	int ret = 0;

	wg = wgt_lookup_device(genl_info_net(info), attrs, info->extack);
	if (IS_ERR(wg))
		return PTR_ERR(wg);

	rtnl_lock();
	mutex_lock(&wg->conf_lock);

	if (attrs[WGDEVICE_A_PEERS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[WGDEVICE_A_PEERS],
				    "peers are not supported yet (chapter 2)");
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (attrs[WGDEVICE_A_LISTEN_PORT]) {
		u16 port = nla_get_u16(attrs[WGDEVICE_A_LISTEN_PORT]);

		/* Re-bind now if up; a taken port fails and changes nothing. */
		if (port != wg->listen_port || !port) {
			if (netif_running(wg->dev)) {
				ret = wgt_socket_open(wg, port);
				if (ret < 0) {
					NL_SET_ERR_MSG_ATTR(info->extack,
							    attrs[WGDEVICE_A_LISTEN_PORT],
							    "cannot bind the listen port");
					goto out;
				}
			} else {
				wg->listen_port = port;
			}
			changed |= WGT_SET_LISTEN_PORT;
		}
	}
	if (attrs[WGDEVICE_A_FWMARK]) {
		wg->fwmark = nla_get_u32(attrs[WGDEVICE_A_FWMARK]);
		changed |= WGT_SET_FWMARK;
	}
	if (attrs[WGDEVICE_A_PRIVATE_KEY]) {
		wgt_set_private_key(wg, nla_data(attrs[WGDEVICE_A_PRIVATE_KEY]));
		changed |= WGT_SET_PRIVATE_KEY;
	}
	wg->dump_gen++;
out:
	trace_netlink_set(wg->dev, changed, 0, ret);
	mutex_unlock(&wg->conf_lock);
	rtnl_unlock();
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
