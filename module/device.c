// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 1, "Interface initialisation": how "ip link add wg0 type wireguard"
 * becomes a net_device, what the device promises the stack (MTU, flags,
 * offload features) and how it goes away again, including when the
 * namespace holding its sockets dies.
 */
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <linux/seq_file.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "debug.h"
#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "receive.h"
#include "send.h"
#include "socket.h"
#include "trace.h"

/* Every wgtour device, for the namespace-exit handler below. Under RTNL. */
static LIST_HEAD(wgt_device_list);

static int wgt_open(struct net_device *dev)
{
	struct wgt_device *wg = netdev_priv(dev);
	int ret;

	/* The sockets exist only while the device is up (chapter 1). */
	mutex_lock(&wg->conf_lock);
	ret = wgt_socket_open(wg, wg->listen_port);
	if (ret == 0)
		wgt_send_on_device_up(wg);
	mutex_unlock(&wg->conf_lock);
	if (ret < 0)
		return ret;
	trace_device_up(dev);
	return 0;
}

static int wgt_stop(struct net_device *dev)
{
	struct wgt_device *wg = netdev_priv(dev);
	struct wgt_peer *peer;

	mutex_lock(&wg->conf_lock);
	/* Down means down: no timers, no sessions, no sockets (chapter 3). */
	list_for_each_entry(peer, &wg->peer_list, peer_list)
		wgt_peer_reset_sessions(peer);
	wgt_socket_close(wg);
	mutex_unlock(&wg->conf_lock);
	skb_queue_purge(&wg->handshake_queue);
	trace_device_down(dev);
	return 0;
}

/* The stack hands us a packet to send: transmission (chapter 5) begins. */
static netdev_tx_t wgt_xmit(struct sk_buff *skb, struct net_device *dev)
{
	wgt_send_xmit(netdev_priv(dev), skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops wgt_netdev_ops = {
	.ndo_open		= wgt_open,
	.ndo_stop		= wgt_stop,
	.ndo_start_xmit		= wgt_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

/* Every queue's per-CPU workers; free_percpu() ignores NULL. */
static void wgt_crypt_workers_free(struct wgt_device *wg)
{
	free_percpu(wg->decrypt_workers);
	free_percpu(wg->encrypt_workers);
	free_percpu(wg->handshake_workers);
}

/*
 * The crypto rings and, for them and the handshake queue, one worker per
 * CPU each (chapters 3, 4 and 5; the pipeline is in pipeline.c). The
 * workqueue is per-CPU (not unbound) so that queue_work_on() runs a
 * worker where we asked: that is how the work is spread.
 */
static int wgt_crypt_init(struct wgt_device *wg)
{
	int ret;

	ret = ptr_ring_init(&wg->decrypt_ring, WGT_MAX_QUEUED_DECRYPT, GFP_KERNEL);
	if (ret)
		return ret;
	ret = ptr_ring_init(&wg->encrypt_ring, WGT_MAX_QUEUED_ENCRYPT, GFP_KERNEL);
	if (ret)
		goto err_ring;
	wg->decrypt_workers = wgt_crypt_workers_alloc(wg, wgt_decrypt_worker);
	wg->encrypt_workers = wgt_crypt_workers_alloc(wg, wgt_encrypt_worker);
	wg->handshake_workers = wgt_crypt_workers_alloc(wg, wgt_receive_handshake_work);
	if (!wg->decrypt_workers || !wg->encrypt_workers || !wg->handshake_workers)
		goto err_workers;
	wg->crypt_wq = alloc_workqueue("wgtour-crypt-%s",
				       WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0,
				       wg->dev->name);
	if (!wg->crypt_wq)
		goto err_workers;
	return 0;

err_workers:
	wgt_crypt_workers_free(wg);
	ptr_ring_cleanup(&wg->encrypt_ring, NULL);
err_ring:
	ptr_ring_cleanup(&wg->decrypt_ring, NULL);
	return -ENOMEM;
}

/* Called once no packet can reach the ring and every peer is gone. */
static void wgt_crypt_uninit(struct wgt_device *wg)
{
	destroy_workqueue(wg->crypt_wq);
	wgt_crypt_workers_free(wg);
	WARN_ON(!ptr_ring_empty(&wg->decrypt_ring));
	WARN_ON(!ptr_ring_empty(&wg->encrypt_ring));
	ptr_ring_cleanup(&wg->decrypt_ring, NULL);
	ptr_ring_cleanup(&wg->encrypt_ring, NULL);
}

/*
 * Called by unregister_netdevice once the last reference is gone: free what
 * newlink allocated and wipe the private key before the memory is reused.
 */
static void wgt_destruct(struct net_device *dev)
{
	struct wgt_device *wg = netdev_priv(dev);

	trace_device_destroy(dev);
	mutex_lock(&wg->conf_lock);
	wgt_peer_remove_all(wg);
	mutex_unlock(&wg->conf_lock);
	/*
	 * Work items may still be running: wait, then free. The per-CPU
	 * workers first: a handshake worker may still hold a peer and, but for
	 * its is_dead check, queue that peer's work on handshake_wq.
	 */
	wgt_crypt_uninit(wg);
	destroy_workqueue(wg->handshake_wq);
	skb_queue_purge(&wg->handshake_queue);
	wgt_ratelimiter_uninit(&wg->ratelimiter);
	free_percpu(dev->tstats);
	memzero_explicit(wg->identity.private_key, WGT_KEY_LEN);
	memzero_explicit(wg->cookie_checker.secret, WGT_HASH_LEN);
	mutex_destroy(&wg->conf_lock);
	atomic_dec(&wgt_live.devices);
}

static const struct device_type wgt_device_type = { .name = KBUILD_MODNAME };

/* The offloads we accept: we segment GSO packets ourselves (chapter 5). */
#define WGT_FEATURES (NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | \
		      NETIF_F_GSO | NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

static void wgt_setup(struct net_device *dev)
{
	dev->netdev_ops = &wgt_netdev_ops;
	dev->needs_free_netdev = true;
	SET_NETDEV_DEVTYPE(dev, &wgt_device_type);

	/* A layer-3 tunnel: no link-layer header, no ARP, one peer per packet. */
	dev->type = ARPHRD_NONE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	/* Our own per-peer queues replace a qdisc; xmit takes no tx lock. */
	dev->priv_flags |= IFF_NO_QUEUE;
	/*
	 * Keep the route on packets we transmit: its MTU may be below the
	 * device's (chapter 5), and ICMP errors we send back need it.
	 */
	netif_keep_dst(dev);
	dev->features |= NETIF_F_LLTX | WGT_FEATURES;
	dev->hw_features |= WGT_FEATURES;
	dev->hw_enc_features |= WGT_FEATURES;

	dev->needed_headroom = WGT_OVERHEAD_V6 - WGT_AUTHTAG_LEN;
	dev->needed_tailroom = WGT_PADDING_MULTIPLE + WGT_AUTHTAG_LEN;
	dev->mtu = ETH_DATA_LEN - WGT_OVERHEAD_V6;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = round_down(INT_MAX, WGT_PADDING_MULTIPLE) - WGT_OVERHEAD_V6;
}

static int wgt_newlink(struct net *src_net, struct net_device *dev,
		       struct nlattr *tb[], struct nlattr *data[],
		       struct netlink_ext_ack *extack)
{
	struct wgt_device *wg = netdev_priv(dev);
	int ret;

	wg->dev = dev;
	/* The request came from src_net: that is where the sockets will live. */
	wg->creating_net = src_net;
	mutex_init(&wg->conf_lock);
	INIT_LIST_HEAD(&wg->peer_list);
	wgt_pubkey_table_init(&wg->pubkey_table);
	wgt_allowedips_init(&wg->allowedips);
	wgt_index_table_init(&wg->index_table);
	init_rwsem(&wg->identity.lock);
	wgt_cookie_checker_init(&wg->cookie_checker);
	skb_queue_head_init(&wg->handshake_queue);

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	/*
	 * Each peer's initiations and key erasing: process-context jobs that
	 * may sleep, off the packet paths.
	 */
	ret = -ENOMEM;
	wg->handshake_wq = alloc_workqueue("wgtour-handshake-%s",
					   WQ_UNBOUND | WQ_MEM_RECLAIM, 0, dev->name);
	if (!wg->handshake_wq)
		goto err_stats;
	ret = wgt_crypt_init(wg);
	if (ret < 0)
		goto err_handshake_wq;
	wgt_ratelimiter_init(&wg->ratelimiter);

	ret = register_netdevice(dev);
	if (ret < 0)
		goto err_ratelimiter;
	/*
	 * Only now: a failing register_netdevice() would call the destructor
	 * itself, and we just freed what it would free a second time.
	 */
	dev->priv_destructor = wgt_destruct;
	atomic_inc(&wgt_live.devices);
	list_add(&wg->device_list, &wgt_device_list);
	trace_device_create(dev);
	return 0;

err_ratelimiter:
	wgt_ratelimiter_uninit(&wg->ratelimiter);
	wgt_crypt_uninit(wg);
err_handshake_wq:
	destroy_workqueue(wg->handshake_wq);
err_stats:
	free_percpu(dev->tstats);
	return ret;
}

static void wgt_dellink(struct net_device *dev, struct list_head *head)
{
	struct wgt_device *wg = netdev_priv(dev);

	list_del(&wg->device_list);
	unregister_netdevice_queue(dev, head);
}

static struct rtnl_link_ops wgt_link_ops __read_mostly = {
	.kind		= "wireguard",
	.priv_size	= sizeof(struct wgt_device),
	.setup		= wgt_setup,
	.newlink	= wgt_newlink,
	.dellink	= wgt_dellink,
};

/*
 * A namespace is going away. Devices living in it are deleted by the core,
 * but a device that was moved elsewhere still has its sockets here: delete
 * it too, since it could never send or receive again (chapter 1).
 */
static void __net_exit wgt_net_pre_exit(struct net *net)
{
	struct wgt_device *wg, *tmp;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry_safe(wg, tmp, &wgt_device_list, device_list) {
		if (wg->creating_net == net)
			wgt_dellink(wg->dev, &kill);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}

static struct pernet_operations wgt_net_ops = {
	.pre_exit = wgt_net_pre_exit,
};

/**
 * wgt_device_show_allowedips() - every device's tries, for debugfs
 * @m: the file being read (/sys/kernel/debug/wgtour/allowedips)
 *
 * Return: 0.
 */
int wgt_device_show_allowedips(struct seq_file *m)
{
	struct wgt_device *wg;

	rtnl_lock();
	list_for_each_entry(wg, &wgt_device_list, device_list) {
		seq_printf(m, "device %s netns %u\n", wg->dev->name,
			   dev_net(wg->dev)->ns.inum);
		mutex_lock(&wg->conf_lock);
		wgt_allowedips_show(m, &wg->allowedips, &wg->conf_lock);
		mutex_unlock(&wg->conf_lock);
	}
	rtnl_unlock();
	return 0;
}

/**
 * wgt_device_init() - register the "wireguard" link kind
 *
 * Return: 0, or a negative errno with nothing left registered.
 */
int __init wgt_device_init(void)
{
	int ret;

	ret = register_pernet_device(&wgt_net_ops);
	if (ret)
		return ret;
	ret = rtnl_link_register(&wgt_link_ops);
	if (ret)
		unregister_pernet_device(&wgt_net_ops);
	return ret;
}

/**
 * wgt_device_uninit() - delete every device and unregister the link kind
 */
void wgt_device_uninit(void)
{
	/* rtnl_link_unregister() deletes the devices still using our kind. */
	rtnl_link_unregister(&wgt_link_ops);
	unregister_pernet_device(&wgt_net_ops);
}
