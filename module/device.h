/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-interface state of wgtour (chapter 1). One struct wgt_device lives
 * in the private area of each "wireguard" net_device.
 */
#ifndef _WGTOUR_DEVICE_H
#define _WGTOUR_DEVICE_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/ptr_ring.h>
#include <net/sock.h>

#include "allowedips.h"
#include "cookie.h"
#include "messages.h"
#include "noise.h"
#include "peerlookup.h"
#include "pipeline.h"
#include "ratelimiter.h"

/**
 * struct wgt_device - one WireGuard interface
 * @dev: the net_device this state belongs to
 * @creating_net: the namespace the device was created in. Its UDP sockets
 *	live there for the device's whole life, even after the device itself
 *	moves to another namespace (chapter 1, "The birth namespace").
 * @sock4: IPv4 UDP socket, NULL while the device is down
 * @sock6: IPv6 UDP socket, NULL while down or when IPv6 is disabled
 * @conf_lock: serialises every configuration change (netlink, up/down)
 * @identity: this interface's static Curve25519 key pair
 * @cookie_checker: checks the MACs of arriving handshake messages and
 *	makes cookie replies (chapter 3)
 * @ratelimiter: initiations per source, when under load (chapter 3)
 * @handshake_wq: runs each peer's initiation and key-erasing work
 *	items: the slow, process-context jobs that are not crypto workers
 * @handshake_queue: received handshake messages waiting for the
 *	handshake workers, from every peer
 * @last_under_load_ns: boottime the queue was last found long; for a
 *	second after that we still count as under load
 * @decrypt_ring: data messages waiting to be decrypted, from every peer;
 *	many producers (softirqs), many consumers (the workers) (chapter 4)
 * @encrypt_ring: batches of plaintext packets with their nonces, waiting
 *	to be encrypted, from every peer (chapter 5)
 * @crypt_wq: per-CPU: the decrypt, encrypt and handshake workers and every
 *	peer's transmit work run here
 * @decrypt_workers: one worker per possible CPU for @decrypt_ring
 * @encrypt_workers: likewise for @encrypt_ring
 * @handshake_workers: likewise for @handshake_queue (chapter 3)
 * @decrypt_cpu: the CPU whose worker was woken for the last packet to
 *	decrypt (round robin, wgt_next_cpu())
 * @encrypt_cpu: likewise for encryption
 * @handshake_cpu: likewise for received handshake messages
 * @transmit_cpu: likewise for each new peer's transmit_cpu (chapter 5)
 * @listen_port: the port the sockets are bound to, what "wg" shows; while
 *	the device is down, the port to bind at the next open (0: the kernel
 *	picks one, and wgt_socket_open() stores its pick here)
 * @fwmark: mark put on outgoing UDP packets, for policy routing
 * @peer_list: the peers, in the order they were added
 * @num_peers: length of @peer_list
 * @pubkey_table: the peers by public key (chapter 2)
 * @allowedips: cryptokey routing: the peers by IP prefix (chapter 2)
 * @index_table: receiver indices of handshakes and keypairs (chapter 2)
 * @dump_gen: bumped by every change, so a multi-part dump can tell that
 *	the device changed under it
 * @device_list: entry in the module's list of devices (device.c)
 */
struct wgt_device {
	struct net_device *dev;
	struct net *creating_net;
	struct sock __rcu *sock4;
	struct sock __rcu *sock6;
	struct mutex conf_lock; /* every config change */
	struct wgt_identity identity;
	struct wgt_cookie_checker cookie_checker;
	struct wgt_ratelimiter ratelimiter;
	struct workqueue_struct *handshake_wq;
	struct sk_buff_head handshake_queue;
	atomic64_t last_under_load_ns;
	struct ptr_ring decrypt_ring;
	struct ptr_ring encrypt_ring;
	struct workqueue_struct *crypt_wq;
	struct wgt_crypt_worker __percpu *decrypt_workers;
	struct wgt_crypt_worker __percpu *encrypt_workers;
	struct wgt_crypt_worker __percpu *handshake_workers;
	int decrypt_cpu;
	int encrypt_cpu;
	int handshake_cpu;
	int transmit_cpu;
	u16 listen_port;
	u32 fwmark;
	struct list_head peer_list;
	unsigned int num_peers;
	struct wgt_pubkey_table pubkey_table;
	struct wgt_allowedips allowedips;
	struct wgt_index_table index_table;
	unsigned int dump_gen;
	struct list_head device_list;
};

struct seq_file;

int wgt_device_show_allowedips(struct seq_file *m);
int wgt_device_init(void);
void wgt_device_uninit(void);

#endif /* _WGTOUR_DEVICE_H */
