/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live-object counters, readable in /sys/kernel/debug/wgtour/. The tests
 * read them after tearing everything down (tests/lib/vm.sh,
 * wgt_all_freed): a leak shows up as a number that does not come back to
 * zero.
 */
#ifndef _WGTOUR_DEBUG_H
#define _WGTOUR_DEBUG_H

#include <linux/atomic.h>

struct wgt_live_objects {
	atomic_t devices;
	atomic_t peers;
	atomic_t trie_nodes;
	atomic_t sockets;
	atomic_t keypairs;
};

extern struct wgt_live_objects wgt_live;

void wgt_debug_init(void);
void wgt_debug_uninit(void);

#endif /* _WGTOUR_DEBUG_H */
