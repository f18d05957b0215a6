/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WGTOUR_NETLINK_H
#define _WGTOUR_NETLINK_H

/* What a WG_CMD_SET_DEVICE changed, for the netlink_set tracepoint. */
#define WGT_SET_PRIVATE_KEY	BIT(0)
#define WGT_SET_LISTEN_PORT	BIT(1)
#define WGT_SET_FWMARK		BIT(2)
#define WGT_SET_REPLACE_PEERS	BIT(3)
#define WGT_SET_PEERS		BIT(4)

int wgt_genetlink_init(void);
void wgt_genetlink_uninit(void);

#endif /* _WGTOUR_NETLINK_H */
