/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGTOUR_SOCKET_H
#define _WGTOUR_SOCKET_H

#include "device.h"

int wgt_socket_open(struct wgt_device *wg, u16 port);
void wgt_socket_close(struct wgt_device *wg);

#endif /* _WGTOUR_SOCKET_H */
