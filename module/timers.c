// SPDX-License-Identifier: GPL-2.0
/*
 * Chapter 3, "Timers". WireGuard has no connection state a user can see:
 * five timers per peer decide when to start a handshake, when to send an
 * empty keepalive, and when to forget keys. Each event function below is
 * called from the packet paths ("a handshake was initiated", "data was
 * received", ...) and arms or disarms timers; each handler is one rule of
 * the protocol:
 *
 *  retransmit_handshake  no response to our initiation: send another, up
 *                        to REKEY_ATTEMPT_TIME's worth, then give up
 *  send_keepalive        we received data but sent nothing back for
 *                        KEEPALIVE_TIMEOUT: tell the peer we are alive
 *  new_handshake         we sent data but heard nothing for KEEPALIVE +
 *                        REKEY_TIMEOUT: the session may be dead, rekey
 *  zero_key_material     no new session for 3 x REJECT_AFTER_TIME:
 *                        erase every key
 *  persistent_keepalive  the user asked for a packet every N seconds
 *                        (to keep NAT mappings open)
 *
 * Handlers run in softirq context; anything slow (a handshake, erasing
 * keys) is handed to a work item.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/random.h>

#include "device.h"
#include "messages.h"
#include "noise.h"
#include "peer.h"
#include "send.h"
#include "timers.h"
#include "trace.h"

/*
 * For labs and tests only: divide every protocol time by this, so that
 * "rekey after two minutes" can be watched in a few seconds. A tunnel
 * with a divisor other than 1 does not follow the protocol's timing.
 */
static unsigned int time_divisor = 1;
module_param(time_divisor, uint, 0444);
MODULE_PARM_DESC(time_divisor,
		 "labs and tests only: divide all protocol times by this (default 1)");

/*
 * For tests only: a delay, in milliseconds, between deciding to arm a timer
 * and arming it. It widens a window that is otherwise a few instructions
 * wide, so that tests/vm/peer_removal_race.sh can show that removal waits
 * for whoever is inside it (see wgt_mod_timer()).
 */
static unsigned int race_delay_ms;
module_param(race_delay_ms, uint, 0644);
MODULE_PARM_DESC(race_delay_ms,
		 "tests only: delay between checking a peer and arming its timer (default 0)");

/**
 * wgt_seconds_ns() - a protocol time in nanoseconds, after the divisor
 * @seconds: the time as the protocol states it
 *
 * Return: nanoseconds.
 */
u64 wgt_seconds_ns(unsigned int seconds)
{
	return div_u64((u64)seconds * NSEC_PER_SEC, max(time_divisor, 1U));
}

/**
 * wgt_seconds_jiffies() - a protocol time in jiffies, after the divisor
 * @seconds: the time as the protocol states it
 *
 * Return: jiffies, at least 1.
 */
unsigned long wgt_seconds_jiffies(unsigned int seconds)
{
	return max(nsecs_to_jiffies(wgt_seconds_ns(seconds)), 1UL);
}

/* Timers only run for a live peer on a running device. */
static bool wgt_timers_active(struct wgt_peer *peer)
{
	return netif_running(peer->wg->dev) && !READ_ONCE(peer->is_dead);
}

/*
 * Arm @timer unless the peer is dead or its device down. The check and the
 * arming form one RCU read-side section (bottom halves off): removal marks
 * the peer dead, then waits a grace period (synchronize_net()) before it
 * stops the timers, so whoever passed the check has armed its timer by
 * then, and whoever comes later sees the peer dead. Without the section, a
 * handshake worker could pass the check, be preempted, and arm a timer
 * after removal stopped them all: a timer on a freed peer.
 */
static void wgt_mod_timer(struct wgt_peer *peer, struct timer_list *timer,
			  unsigned long delay)
{
	rcu_read_lock_bh();
	if (wgt_timers_active(peer)) {
		if (unlikely(race_delay_ms))
			mdelay(race_delay_ms);
		mod_timer(timer, jiffies + delay);
	}
	rcu_read_unlock_bh();
}

/* REKEY_TIMEOUT plus up to a third of a second: peers must not lock step. */
static unsigned long wgt_rekey_timeout_jittered(void)
{
	return wgt_seconds_jiffies(WGT_REKEY_TIMEOUT) +
	       msecs_to_jiffies(get_random_u32_below(WGT_REKEY_TIMEOUT_JITTER_MS) /
				max(time_divisor, 1U));
}

static void wgt_expired_retransmit_handshake(struct timer_list *timer)
{
	struct wgt_peer *peer = from_timer(peer, timer, timer_retransmit_handshake);

	if (peer->handshake_attempts > WGT_MAX_HANDSHAKE_ATTEMPTS) {
		/* Give up: the packets that waited for this handshake go too. */
		trace_timer_fired(peer->wg->dev, peer->public_key, "handshake_give_up");
		del_timer(&peer->timer_send_keepalive);
		skb_queue_purge(&peer->staged_queue);
		if (!timer_pending(&peer->timer_zero_key_material))
			wgt_mod_timer(peer, &peer->timer_zero_key_material,
				      wgt_seconds_jiffies(WGT_REJECT_AFTER_TIME * 3));
		return;
	}
	trace_timer_fired(peer->wg->dev, peer->public_key, "retransmit_handshake");
	peer->handshake_attempts++;
	/* The peer may have moved: look the route up afresh. */
	wgt_peer_clear_route(peer);
	wgt_send_handshake_initiation(peer, true);
}

static void wgt_expired_send_keepalive(struct timer_list *timer)
{
	struct wgt_peer *peer = from_timer(peer, timer, timer_send_keepalive);

	trace_timer_fired(peer->wg->dev, peer->public_key, "send_keepalive");
	wgt_send_keepalive(peer);
	if (peer->timer_need_another_keepalive) {
		peer->timer_need_another_keepalive = false;
		wgt_mod_timer(peer, &peer->timer_send_keepalive,
			      wgt_seconds_jiffies(WGT_KEEPALIVE_TIMEOUT));
	}
}

static void wgt_expired_new_handshake(struct timer_list *timer)
{
	struct wgt_peer *peer = from_timer(peer, timer, timer_new_handshake);

	trace_timer_fired(peer->wg->dev, peer->public_key, "new_handshake");
	wgt_peer_clear_route(peer);
	wgt_send_handshake_initiation(peer, false);
}

static void wgt_expired_zero_key_material(struct timer_list *timer)
{
	struct wgt_peer *peer = from_timer(peer, timer, timer_zero_key_material);

	trace_timer_fired(peer->wg->dev, peer->public_key, "zero_key_material");
	wgt_peer_queue_work(peer, &peer->clear_keys_work);
}

static void wgt_expired_persistent_keepalive(struct timer_list *timer)
{
	struct wgt_peer *peer = from_timer(peer, timer, timer_persistent_keepalive);

	trace_timer_fired(peer->wg->dev, peer->public_key, "persistent_keepalive");
	if (READ_ONCE(peer->persistent_keepalive))
		wgt_send_keepalive(peer);
}

/**
 * wgt_timers_data_sent() - we sent a data packet (not a keepalive)
 * @peer: the peer
 */
void wgt_timers_data_sent(struct wgt_peer *peer)
{
	if (!timer_pending(&peer->timer_new_handshake))
		wgt_mod_timer(peer, &peer->timer_new_handshake,
			      wgt_seconds_jiffies(WGT_KEEPALIVE_TIMEOUT) +
			      wgt_rekey_timeout_jittered());
}

/**
 * wgt_timers_data_received() - we received a data packet (not a keepalive)
 * @peer: the peer
 */
void wgt_timers_data_received(struct wgt_peer *peer)
{
	if (!wgt_timers_active(peer))
		return;
	if (!timer_pending(&peer->timer_send_keepalive))
		wgt_mod_timer(peer, &peer->timer_send_keepalive,
			      wgt_seconds_jiffies(WGT_KEEPALIVE_TIMEOUT));
	else
		peer->timer_need_another_keepalive = true;
}

/**
 * wgt_timers_any_authenticated_packet_sent() - anything we sent the peer
 * counts as a sign of life: no separate keepalive needed
 * @peer: the peer
 */
void wgt_timers_any_authenticated_packet_sent(struct wgt_peer *peer)
{
	del_timer(&peer->timer_send_keepalive);
}

/**
 * wgt_timers_any_authenticated_packet_received() - the peer is alive
 * @peer: the peer
 */
void wgt_timers_any_authenticated_packet_received(struct wgt_peer *peer)
{
	del_timer(&peer->timer_new_handshake);
}

/**
 * wgt_timers_any_authenticated_packet_traversal() - a packet went either
 * way: the persistent keepalive interval starts again
 * @peer: the peer
 */
void wgt_timers_any_authenticated_packet_traversal(struct wgt_peer *peer)
{
	u16 interval = READ_ONCE(peer->persistent_keepalive);

	if (interval)
		wgt_mod_timer(peer, &peer->timer_persistent_keepalive,
			      wgt_seconds_jiffies(interval));
}

/**
 * wgt_timers_handshake_initiated() - we sent an initiation
 * @peer: the peer
 */
void wgt_timers_handshake_initiated(struct wgt_peer *peer)
{
	wgt_mod_timer(peer, &peer->timer_retransmit_handshake,
		      wgt_rekey_timeout_jittered());
}

/**
 * wgt_timers_handshake_complete() - a session is confirmed both ways
 * @peer: the peer
 */
void wgt_timers_handshake_complete(struct wgt_peer *peer)
{
	del_timer(&peer->timer_retransmit_handshake);
	peer->handshake_attempts = 0;
	WRITE_ONCE(peer->sent_lastminute_handshake, false);
	atomic64_set(&peer->last_handshake_ns, ktime_get_real_ns());
}

/**
 * wgt_timers_session_derived() - new keys: the erase deadline moves
 * @peer: the peer
 */
void wgt_timers_session_derived(struct wgt_peer *peer)
{
	wgt_mod_timer(peer, &peer->timer_zero_key_material,
		      wgt_seconds_jiffies(WGT_REJECT_AFTER_TIME * 3));
}

/**
 * wgt_timers_init() - set up a new peer's timers, none armed
 * @peer: the peer
 */
void wgt_timers_init(struct wgt_peer *peer)
{
	timer_setup(&peer->timer_retransmit_handshake,
		    wgt_expired_retransmit_handshake, 0);
	timer_setup(&peer->timer_send_keepalive, wgt_expired_send_keepalive, 0);
	timer_setup(&peer->timer_new_handshake, wgt_expired_new_handshake, 0);
	timer_setup(&peer->timer_zero_key_material,
		    wgt_expired_zero_key_material, 0);
	timer_setup(&peer->timer_persistent_keepalive,
		    wgt_expired_persistent_keepalive, 0);
}

/**
 * wgt_timers_stop() - disarm every timer and wait for running handlers;
 * the caller has made sure nothing arms them again (peer dead or device
 * down)
 * @peer: the peer
 */
void wgt_timers_stop(struct wgt_peer *peer)
{
	del_timer_sync(&peer->timer_retransmit_handshake);
	del_timer_sync(&peer->timer_send_keepalive);
	del_timer_sync(&peer->timer_new_handshake);
	del_timer_sync(&peer->timer_zero_key_material);
	del_timer_sync(&peer->timer_persistent_keepalive);
}

/**
 * wgt_timers_pending() - is any of the peer's timers armed?
 * @peer: the peer
 *
 * Return: true if one is; a peer being freed must have none.
 */
bool wgt_timers_pending(struct wgt_peer *peer)
{
	return timer_pending(&peer->timer_retransmit_handshake) ||
	       timer_pending(&peer->timer_send_keepalive) ||
	       timer_pending(&peer->timer_new_handshake) ||
	       timer_pending(&peer->timer_zero_key_material) ||
	       timer_pending(&peer->timer_persistent_keepalive);
}
