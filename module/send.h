/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What wgtour sends: handshake messages (chapter 3) and data (chapter 5).
 */
#ifndef _WGTOUR_SEND_H
#define _WGTOUR_SEND_H

#include <linux/skbuff.h>
#include <linux/workqueue.h>

struct wgt_device;
struct wgt_keypair;
struct wgt_peer;

void wgt_send_handshake_initiation(struct wgt_peer *peer, bool is_retry);
void wgt_send_initiation_work(struct work_struct *work);
void wgt_send_handshake_response(struct wgt_peer *peer);
void wgt_send_cookie_reply(struct wgt_device *wg, struct sk_buff *skb,
			   __le32 sender_index);
void wgt_send_keepalive(struct wgt_peer *peer);
bool wgt_keypair_wants_rekey(struct wgt_keypair *keypair);
void wgt_send_staged(struct wgt_peer *peer);
void wgt_send_on_device_up(struct wgt_device *wg);
void wgt_send_xmit(struct wgt_device *wg, struct sk_buff *skb);
void wgt_encrypt_worker(struct work_struct *work);
void wgt_send_ordered(struct work_struct *work);
void wgt_send_purge(struct wgt_peer *peer);

#endif /* _WGTOUR_SEND_H */
