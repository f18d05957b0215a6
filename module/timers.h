/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol timers of a peer (chapter 3, "Timers").
 */
#ifndef _WGTOUR_TIMERS_H
#define _WGTOUR_TIMERS_H

#include <linux/timekeeping.h>
#include <linux/types.h>

struct wgt_peer;

/**
 * wgt_now_ns() - the clock every protocol age is measured on
 *
 * Boottime, which keeps counting while the machine sleeps (a session
 * must not outlive REJECT_AFTER_TIME by a suspend), read coarsely: the
 * time of the last tick, which every packet can afford. A precise read
 * asks the clock device itself: in the lab VM, an emulated HPET
 * register access (chapter 3 says what the tick's resolution costs).
 *
 * Return: nanoseconds since boot, at tick resolution.
 */
static inline u64 wgt_now_ns(void)
{
	return ktime_get_coarse_boottime_ns();
}

u64 wgt_seconds_ns(unsigned int seconds);
unsigned long wgt_seconds_jiffies(unsigned int seconds);

void wgt_timers_init(struct wgt_peer *peer);
void wgt_timers_stop(struct wgt_peer *peer);
bool wgt_timers_pending(struct wgt_peer *peer);
void wgt_timers_data_sent(struct wgt_peer *peer);
void wgt_timers_data_received(struct wgt_peer *peer);
void wgt_timers_any_authenticated_packet_sent(struct wgt_peer *peer);
void wgt_timers_any_authenticated_packet_received(struct wgt_peer *peer);
void wgt_timers_any_authenticated_packet_traversal(struct wgt_peer *peer);
void wgt_timers_handshake_initiated(struct wgt_peer *peer);
void wgt_timers_handshake_complete(struct wgt_peer *peer);
void wgt_timers_session_derived(struct wgt_peer *peer);

#endif /* _WGTOUR_TIMERS_H */
