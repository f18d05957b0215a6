// SPDX-License-Identifier: GPL-2.0
/*
 * count-events: count every event of a tracepoint system with raw_tp,
 * tp_btf or tracepoint BPF programs, one per event, until SIGINT or
 * SIGTERM.
 *
 * usage: count-events raw_tp|tp_btf|tracepoint [SYSTEM]     (SYSTEM: wgtour)
 *
 * Why it exists: make bench measures what tracing costs with bpftrace
 * counting every tracepoint:wgtour:* event, and a bpftrace tracepoint:
 * program pays for the event's record, filled before the program runs
 * (count.bpf.c says where in the kernel). A raw_tp or tp_btf program gets
 * the tracepoint's arguments instead, with no record, which is what a
 * tool that reads one field or none should pay; bpftrace 0.17 (Debian
 * 12's) cannot attach either kind, so the benchmark's variants rawtp and
 * tpbtf (labs/bench/guest.sh) run this instead. Its third mode,
 * tracepoint, attaches the kind bpftrace does (the variant tpcount): the
 * same record filled, then the same count as the other two modes, without
 * bpftrace's own program and map.
 *
 * The events are the directories of <tracefs>/events/SYSTEM/ (tracefs at
 * /sys/kernel/tracing, else /sys/kernel/debug/tracing), in name order.
 * For each, the object of count.bpf.c (its skeleton, count.skel.h, made
 * by bpftool) is opened and loaded once, its .rodata "slot" set to the
 * event's index, its "counts" map the first instance's
 * (bpf_map__reuse_fd()), and attached: raw_tp by the event's name
 * (bpf_program__attach_raw_tracepoint()), tp_btf by the BTF type
 * btf_trace_<event> its module or the kernel carries, looked up before
 * the load (bpf_program__set_attach_target()), tracepoint as SYSTEM:NAME
 * through perf (bpf_program__attach_tracepoint()). raw_tp and tp_btf look
 * a name up in the kernel first, then in the modules
 * (bpf_get_raw_tracepoint(), libbpf's find_kernel_btf_id()): a module's
 * event that shares its name with one of the kernel's would be counted on
 * the kernel's. None of wgtour's 47 does (the lab kernel's BTF names 639
 * tracepoints). Once all are attached it prints
 *
 *   count-events: attached N programs (MODE)
 *
 * and waits; on SIGINT or SIGTERM it detaches them, then prints a line
 * "NAME COUNT" per event that fired (summed over CPUs) and "total N". A
 * program that did not run because it was already running on that CPU
 * (the kernel counts those as its recursion_misses) is reported on
 * stderr. Exit status: 0; 1 when an event cannot be listed, loaded or
 * attached (which one, and libbpf's reason, on stderr); 2 on a usage
 * error.
 *
 * Built on the host by "make count-events" (build/count-events); the lab
 * VM sees build/ at the same path.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "count.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const tracefs_roots[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

/* The kinds of program, in the order of count.bpf.c's. */
enum mode { RAW_TP, TP_BTF, TRACEPOINT, NR_MODES };
static const char *const mode_names[NR_MODES] = { "raw_tp", "tp_btf", "tracepoint" };

/* One event and the instance of count.bpf.c that counts it. */
struct event {
	char *name;
	struct count_bpf *skel;
	struct bpf_program *prog;
	struct bpf_link *link;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = sig;
}

/* libbpf's warnings (each starts "libbpf: ") on stderr; its chatter not. */
static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void print_usage(void)
{
	fprintf(stderr,
		"usage: count-events raw_tp|tp_btf|tracepoint [SYSTEM]\n"
		"  attach a raw_tp, tp_btf or tracepoint BPF program to every event\n"
		"  of the tracepoint system SYSTEM (default wgtour), print\n"
		"  \"count-events: attached N programs (MODE)\" once all are\n"
		"  attached, and on SIGINT or SIGTERM the count of each event\n"
		"  that fired (\"NAME COUNT\", summed over CPUs) and \"total N\"\n");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is @de, an entry of @dir, a directory itself? */
static int is_dir(DIR *dir, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return !fstatat(dirfd(dir), de->d_name, &st, 0) && S_ISDIR(st.st_mode);
}

/*
 * list_events() - the names of SYSTEM's events, sorted, in *names; their
 * number, or -1 after saying why there are none.
 */
static int list_events(const char *system, char ***names)
{
	const char *root = NULL;
	char path[4096];
	struct dirent *de;
	char **list = NULL;
	int n = 0, cap = 0;
	unsigned int i;
	DIR *dir;

	if (!*system || strchr(system, '/') || !strcmp(system, ".") ||
	    !strcmp(system, "..")) {
		fprintf(stderr, "count-events: '%s' is not a tracepoint system's name\n",
			system);
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(tracefs_roots); i++) {
		snprintf(path, sizeof(path), "%s/events", tracefs_roots[i]);
		if (!access(path, R_OK | X_OK)) {
			root = tracefs_roots[i];
			break;
		}
	}
	if (!root) {
		fprintf(stderr,
			"count-events: cannot list the events of system '%s': no tracefs at %s or %s (mount -t tracefs nodev /sys/kernel/tracing)\n",
			system, tracefs_roots[0], tracefs_roots[1]);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/events/%s", root, system);
	dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "count-events: no tracepoint system '%s': cannot open %s: %s%s\n",
			system, path, strerror(errno),
			errno == ENOENT ? " (is the module that defines it loaded?)" : "");
		return -1;
	}
	while ((de = readdir(dir))) {
		/* each event is a directory; "enable" and "filter" are files */
		if (de->d_name[0] == '.' || !is_dir(dir, de))
			continue;
		if (n == cap) {
			char **more;

			cap = cap ? 2 * cap : 64;
			more = realloc(list, cap * sizeof(*list));
			if (!more)
				goto oom;
			list = more;
		}
		list[n] = strdup(de->d_name);
		if (!list[n])
			goto oom;
		n++;
	}
	closedir(dir);
	if (!n) {
		fprintf(stderr, "count-events: tracepoint system '%s' has no events in %s\n",
			system, path);
		free(list);
		return -1;
	}
	qsort(list, n, sizeof(*list), cmp_names);
	*names = list;
	return n;

oom:
	closedir(dir);
	fprintf(stderr, "count-events: out of memory\n");
	while (n--)
		free(list[n]);
	free(list);
	return -1;
}

static const char *why(int err, char *buf, size_t size)
{
	if (libbpf_strerror(err, buf, size))
		snprintf(buf, size, "%s", strerror(err < 0 ? -err : err));
	return buf;
}

/*
 * attach_one() - open, load and attach the instance of event @slot; the
 * first one's map is the shared one (*map_fd < 0 until then). 0 or -1,
 * after saying what failed.
 */
static int attach_one(struct event *ev, __u32 slot, __u32 nr_events,
		      const char *system, enum mode mode, int *map_fd)
{
	static const char no_tp[] =
		" (no tracepoint of that name; syscalls:* are events, not tracepoints)";
	struct bpf_program *progs[NR_MODES];
	char buf[256];
	int err, m;

	ev->skel = count_bpf__open();
	if (!ev->skel) {
		err = -errno;
		fprintf(stderr, "count-events: %s:%s: cannot open the BPF object: %s\n",
			system, ev->name, why(err, buf, sizeof(buf)));
		return -1;
	}
	ev->skel->rodata->slot = slot;
	progs[RAW_TP] = ev->skel->progs.count_raw_tp;
	progs[TP_BTF] = ev->skel->progs.count_tp_btf;
	progs[TRACEPOINT] = ev->skel->progs.count_tracepoint;
	for (m = 0; m < NR_MODES; m++)
		bpf_program__set_autoload(progs[m], m == (int)mode);
	ev->prog = progs[mode];
	err = bpf_map__set_max_entries(ev->skel->maps.counts, nr_events);
	if (!err && *map_fd >= 0)
		err = bpf_map__reuse_fd(ev->skel->maps.counts, *map_fd);
	if (err) {
		fprintf(stderr, "count-events: %s:%s: cannot set up the shared map: %s\n",
			system, ev->name, why(err, buf, sizeof(buf)));
		return -1;
	}
	if (mode == TP_BTF) {
		/* looks up btf_trace_<name> in the kernel's and modules' BTF */
		err = bpf_program__set_attach_target(ev->prog, 0, ev->name);
		if (err) {
			fprintf(stderr,
				"count-events: cannot attach tp_btf to %s:%s: %s; no BTF type btf_trace_%s in the kernel's BTF nor in any module's (/sys/kernel/btf/): is the module that defines it built with BTF? (make module adds wgtour.ko's)\n",
				system, ev->name, why(err, buf, sizeof(buf)), ev->name);
			return -1;
		}
	}
	err = count_bpf__load(ev->skel);
	if (err) {
		fprintf(stderr, "count-events: cannot load the %s program for %s:%s: %s\n",
			mode_names[mode], system, ev->name, why(err, buf, sizeof(buf)));
		return -1;
	}
	if (*map_fd < 0)
		*map_fd = bpf_map__fd(ev->skel->maps.counts);
	if (mode == TP_BTF)
		ev->link = bpf_program__attach_trace(ev->prog);
	else if (mode == RAW_TP)
		ev->link = bpf_program__attach_raw_tracepoint(ev->prog, ev->name);
	else
		ev->link = bpf_program__attach_tracepoint(ev->prog, system, ev->name);
	if (!ev->link) {
		err = -errno;
		fprintf(stderr, "count-events: cannot attach %s to %s:%s: %s%s\n",
			mode_names[mode], system, ev->name, why(err, buf, sizeof(buf)),
			err == -ENOENT && mode == RAW_TP ? no_tp : "");
		return -1;
	}
	return 0;
}

/* The count of slot @key, summed over the CPUs; -1 if it cannot be read. */
static long long count_of(int map_fd, __u32 key, __u64 *percpu, int ncpus)
{
	unsigned long long sum = 0;
	int cpu;

	if (bpf_map_lookup_elem(map_fd, &key, percpu))
		return -1;
	for (cpu = 0; cpu < ncpus; cpu++)
		sum += percpu[cpu];
	return sum;
}

int main(int argc, char **argv)
{
	const char *system = "wgtour";
	struct event *events = NULL;
	unsigned long long total = 0, missed = 0;
	int i, n, ncpus, map_fd = -1, rc = 1;
	enum mode mode;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	__u64 *percpu = NULL;
	char **names;

	if (argc < 2 || argc > 3) {
		print_usage();
		return 2;
	}
	for (mode = 0; mode < NR_MODES; mode++)
		if (!strcmp(argv[1], mode_names[mode]))
			break;
	if (mode == NR_MODES) {
		fprintf(stderr, "count-events: unknown mode '%s'\n", argv[1]);
		print_usage();
		return 2;
	}
	if (argc == 3)
		system = argv[2];

	libbpf_set_print(print_libbpf);
	/*
	 * A signal that comes while the programs are being attached waits
	 * (blocked) until they are all attached, then ends the count at once.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	n = list_events(system, &names);
	if (n < 0)
		return 1;
	if (mode == TP_BTF && access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr,
			"count-events: tp_btf needs the kernel's BTF, and this kernel has none (/sys/kernel/btf/vmlinux: %s; CONFIG_DEBUG_INFO_BTF)\n",
			strerror(errno));
		goto out;
	}
	ncpus = libbpf_num_possible_cpus();
	events = calloc(n, sizeof(*events));
	percpu = ncpus > 0 ? calloc(ncpus, sizeof(*percpu)) : NULL;
	if (!events || !percpu) {
		fprintf(stderr, "count-events: %s\n",
			ncpus > 0 ? "out of memory" : "cannot count the possible CPUs");
		goto out;
	}
	for (i = 0; i < n; i++) {
		events[i].name = names[i];
		if (attach_one(&events[i], i, n, system, mode, &map_fd))
			goto out;
	}
	printf("count-events: attached %d programs (%s)\n", n, mode_names[mode]);
	fflush(stdout);

	while (!stopping)
		sigsuspend(&old);

	for (i = 0; i < n; i++) {
		bpf_link__destroy(events[i].link);
		events[i].link = NULL;
	}
	for (i = 0; i < n; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		long long c = count_of(map_fd, i, percpu, ncpus);

		if (c < 0) {
			fprintf(stderr, "count-events: cannot read the count of %s:%s: %s\n",
				system, events[i].name, strerror(errno));
			goto out;
		}
		if (c)
			printf("%s %lld\n", events[i].name, c);
		total += c;
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(events[i].prog), &info, &len))
			missed += info.recursion_misses;
	}
	printf("total %llu\n", total);
	fflush(stdout);
	if (missed)
		fprintf(stderr,
			"count-events: %llu events not counted: their program was already running on that CPU (recursion_misses)\n",
			missed);
	rc = 0;
out:
	for (i = 0; events && i < n; i++) {
		bpf_link__destroy(events[i].link);
		count_bpf__destroy(events[i].skel);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(events);
	free(percpu);
	return rc;
}
