// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/wgtour/{devices,peers,trie_nodes,sockets}: how many of
 * each object exist right now. Cheap enough to keep always on.
 */
#include <linux/debugfs.h>

#include "debug.h"

struct wgt_live_objects wgt_live;
static struct dentry *wgt_debug_dir;

/**
 * wgt_debug_init() - publish the counters; failure is harmless (no debugfs)
 */
void __init wgt_debug_init(void)
{
	wgt_debug_dir = debugfs_create_dir("wgtour", NULL);
	debugfs_create_atomic_t("devices", 0444, wgt_debug_dir, &wgt_live.devices);
	debugfs_create_atomic_t("peers", 0444, wgt_debug_dir, &wgt_live.peers);
	debugfs_create_atomic_t("trie_nodes", 0444, wgt_debug_dir, &wgt_live.trie_nodes);
	debugfs_create_atomic_t("sockets", 0444, wgt_debug_dir, &wgt_live.sockets);
}

/**
 * wgt_debug_uninit() - remove the counters
 */
void wgt_debug_uninit(void)
{
	debugfs_remove_recursive(wgt_debug_dir);
}
