// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF side of count-events (count-events.c): one instance of this
 * object per event, each adding one to its own slot of a per-CPU array
 * that every instance shares. It is the cheapest honest stand-in for
 * bpftrace's "tracepoint:wgtour:* { @[probe] = count(); }": one per-CPU
 * increment, no string, no field of the event read.
 *
 * What differs is how the kernel calls it. A bpftrace tracepoint: program
 * is a perf-event program: when the tracepoint fires, the event's perf
 * probe, perf_trace_<class>() (include/trace/perf.h), takes a record from
 * the per-CPU perf trace buffer (perf_trace_buf_alloc(),
 * kernel/trace/trace_event_perf.c), fills it with the event's
 * TP_fast_assign (the device name copied, the fields stored: all of it
 * for a program that may read none of it), and only then runs the
 * programs (perf_trace_run_bpf_submit(), kernel/events/core.c;
 * trace_call_bpf(), kernel/trace/bpf_trace.c). A raw_tp or tp_btf program
 * is registered on the tracepoint itself: __bpf_trace_<class>()
 * (include/trace/bpf_probe.h) casts the tracepoint's own arguments to u64
 * and calls bpf_trace_run<N>() (kernel/trace/bpf_trace.c), which runs the
 * program on them; no record is made. raw_tp and tp_btf differ in what the
 * verifier knows of those arguments (tp_btf: their BTF types, so the
 * program may follow the pointers), not in that path: both are attached
 * by bpf_raw_tp_link_attach() and bpf_probe_register() (kernel/bpf/
 * syscall.c, kernel/trace/bpf_trace.c). Those files are the lab kernel's
 * (linux-source-6.1).
 *
 * bpftrace 0.17 (Debian 12's) can attach neither kind, hence this tool.
 * Its third kind, tracepoint, is bpftrace's own, counting as these do: a
 * run with it against one with bpftrace tells the record's cost apart
 * from what bpftrace's program and map cost.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* This instance's event: set by count-events before the object is loaded. */
const volatile __u32 slot;

/* One slot per event; count-events sizes it and shares it among instances. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline int count_one(void)
{
	__u32 key = slot;
	__u64 *n = bpf_map_lookup_elem(&counts, &key);

	if (n)
		(*n)++;
	return 0;
}

/* count-events loads one of these three, and names the event at attach time. */
SEC("raw_tp")
int count_raw_tp(void *ctx)
{
	(void)ctx;	/* the tracepoint's arguments: not read */
	return count_one();
}

SEC("tp_btf")
int count_tp_btf(void *ctx)
{
	(void)ctx;
	return count_one();
}

/*
 * The kind bpftrace attaches, for comparison: the kernel runs it on the
 * event's record, filled first (ctx points at it), as described above.
 */
SEC("tracepoint")
int count_tracepoint(void *ctx)
{
	(void)ctx;	/* the record: not read */
	return count_one();
}

char LICENSE[] SEC("license") = "GPL";
