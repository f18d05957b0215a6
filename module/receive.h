/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What arrives on the UDP sockets (chapters 3 and 4).
 */
#ifndef _WGTOUR_RECEIVE_H
#define _WGTOUR_RECEIVE_H

#include <linux/skbuff.h>
#include <linux/workqueue.h>

struct napi_struct;
struct wgt_device;
struct wgt_peer;

void wgt_receive(struct wgt_device *wg, struct sk_buff *skb);
void wgt_receive_handshake_work(struct work_struct *work);
void wgt_decrypt_worker(struct work_struct *work);
int wgt_receive_poll(struct napi_struct *napi, int budget);

#endif /* _WGTOUR_RECEIVE_H */
