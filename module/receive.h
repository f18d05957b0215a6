/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What arrives on the UDP sockets (chapters 3 and 4).
 */
#ifndef _WGTOUR_RECEIVE_H
#define _WGTOUR_RECEIVE_H

#include <linux/skbuff.h>
#include <linux/workqueue.h>

struct wgt_device;

void wgt_receive(struct wgt_device *wg, struct sk_buff *skb);
void wgt_receive_handshake_work(struct work_struct *work);

#endif /* _WGTOUR_RECEIVE_H */
