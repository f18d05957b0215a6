// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/wgtour/{devices,peers,trie_nodes,sockets,keypairs}: how many of
 * each object exist right now. Cheap enough to keep always on. And
 * /sys/kernel/debug/wgtour/allowedips: the shape of each device's trie.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "debug.h"
#include "device.h"

struct wgt_live_objects wgt_live;
static struct dentry *wgt_debug_dir;

static int wgt_allowedips_debug_show(struct seq_file *m, void *unused)
{
	return wgt_device_show_allowedips(m);
}
DEFINE_SHOW_ATTRIBUTE(wgt_allowedips_debug);

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
	debugfs_create_atomic_t("keypairs", 0444, wgt_debug_dir, &wgt_live.keypairs);
	/* The shape of every device's allowed-IPs trie (chapter 2's figure). */
	debugfs_create_file("allowedips", 0400, wgt_debug_dir, NULL,
			    &wgt_allowedips_debug_fops);
}

/**
 * wgt_debug_uninit() - remove the counters
 */
void wgt_debug_uninit(void)
{
	debugfs_remove_recursive(wgt_debug_dir);
}
