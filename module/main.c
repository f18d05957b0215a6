// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 1, "Module entry and exit". Loading wgtour.ko registers the two
 * things the stock tools look for: the rtnl link kind "wireguard" (for
 * "ip link add ... type wireguard") and the generic-netlink family
 * "wireguard" (for "wg"). Unloading undoes them in the opposite order.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>

#include "debug.h"
#include "device.h"
#include "netlink.h"
#include "noise.h"
#include "peer.h"
#include "selftest.h"

/*
 * Self-tests of the lookup tables (chapter 2) run before anything is
 * registered, so a module whose tables are wrong never gets a device.
 */
static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "run the in-module self-tests at load (KTAP in the kernel log)");

static int __init wgt_mod_init(void)
{
	int ret;

	wgt_debug_init();
	wgt_noise_init();
	ret = wgt_peer_slab_init();
	if (ret < 0)
		goto err_peer;
	ret = wgt_allowedips_slab_init();
	if (ret < 0)
		goto err_allowedips;
	ret = wgt_keypair_slab_init();
	if (ret < 0)
		goto err_keypair;
	if (selftest) {
		ret = wgt_selftest_run();
		if (ret < 0)
			goto err_device;
	}
	ret = wgt_device_init();
	if (ret < 0)
		goto err_device;
	/* Last: once "wg" can see the family, every device op must work. */
	ret = wgt_genetlink_init();
	if (ret < 0)
		goto err_netlink;
	pr_info("wgtour: WireGuard, written to be read and traced\n");
	return 0;

err_netlink:
	wgt_device_uninit();
err_device:
	wgt_keypair_slab_uninit();
err_keypair:
	wgt_allowedips_slab_uninit();
err_allowedips:
	wgt_peer_slab_uninit();
err_peer:
	wgt_debug_uninit();
	return ret;
}

static void __exit wgt_mod_exit(void)
{
	wgt_genetlink_uninit();
	wgt_device_uninit();
	wgt_keypair_slab_uninit();
	wgt_allowedips_slab_uninit();
	wgt_peer_slab_uninit();
	wgt_debug_uninit();
}

module_init(wgt_mod_init);
module_exit(wgt_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wgtour: a WireGuard implementation written to be read and traced");
MODULE_AUTHOR("The wgtour authors");
MODULE_ALIAS_RTNL_LINK("wireguard");
MODULE_ALIAS_GENL_FAMILY("wireguard");
