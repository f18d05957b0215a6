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

/**
 * wgt_age_ns() - how long ago @then_ns was, on the wgt_now_ns() clock
 * @then_ns: a time read from wgt_now_ns(), here or on another CPU
 *
 * Another CPU may store a time read after this CPU's: a time in the
 * future, here. The difference is taken as signed, so that such a time
 * is age 0 rather than an unsigned wrap to centuries (which would make a
 * fresh secret old, or refill a rate limiter's whole burst).
 *
 * Return: nanoseconds since @then_ns, or 0 if it is not in the past.
 */
static inline u64 wgt_age_ns(u64 then_ns)
{
	s64 age = wgt_now_ns() - then_ns;

	return age > 0 ? age : 0;
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
