// SPDX-License-Identifier: GPL-2.0
/*
 * kvmx stat: a top-like view of the VMs that kvmx.ko runs on this host:
 * per VM, the exits of each kind (summed over its vCPUs), their rate, and
 * the in-kernel handling time from the exit-time histograms.
 *
 * kvmx.ko publishes each VM as a debugfs directory kvmx/<pid>-<serial>/
 * holding "stats" (the VM's statistics) and vcpu<id>/stats, in the binary
 * format of KVM_GET_STATS_FD (Documentation/observability.rst); this file
 * reads that format and nothing else of the module.
 *
 *   kvmx stat [--dir DIR] [--interval SECS] [--count N] [--once] [--json]
 *
 * --once prints the totals since the VMs started and exits; otherwise
 * every interval shows the rates of the last interval (top-like, or one
 * JSON object per line with --json).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "stat.h"
#include "util.h"

#define STAT_DEFAULT_DIR	"/sys/kernel/debug/kvmx"
#define STAT_MAX_FILE		(1 << 20)
#define STAT_MAX_KINDS		32
#define STAT_MAX_VMS		256
#define STAT_HIST_BUCKETS	64

/* One exit kind of one VM, summed over its vCPUs. */
struct stat_kind {
	char name[48];
	uint64_t exits;
	uint64_t hist[STAT_HIST_BUCKETS];
	unsigned int nr_buckets;
};

struct stat_vm {
	char name[64];		/* the debugfs directory: <pid>-<serial> */
	int pid;
	unsigned int nr_vcpus;
	uint64_t exits;
	unsigned int nr_kinds;
	struct stat_kind kinds[STAT_MAX_KINDS];
};

struct stat_sample {
	unsigned int nr_vms;
	struct stat_vm vms[STAT_MAX_VMS];
	struct timespec when;
};

/* Read a whole statistics file; NULL with errno set on failure. */
static uint8_t *read_stats_file(const char *path, size_t *len)
{
	uint8_t *buf = malloc(STAT_MAX_FILE);
	size_t n = 0;
	ssize_t r;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (n < STAT_MAX_FILE &&
	       (r = read(fd, buf + n, STAT_MAX_FILE - n)) > 0)
		n += r;
	close(fd);
	*len = n;
	return buf;
}

static struct stat_kind *vm_kind(struct stat_vm *vm, const char *name)
{
	unsigned int i;

	for (i = 0; i < vm->nr_kinds; i++)
		if (!strcmp(vm->kinds[i].name, name))
			return &vm->kinds[i];
	if (vm->nr_kinds == STAT_MAX_KINDS)
		return NULL;
	snprintf(vm->kinds[vm->nr_kinds].name, sizeof(vm->kinds[0].name), "%s",
		 name);
	return &vm->kinds[vm->nr_kinds++];
}

/*
 * Add one vCPU's statistics file to @vm: "exits", "exits_<kind>" and
 * "exit_cycles_<kind>_hist".  Returns 0, or -1 if the file is malformed.
 */
static int stat_parse_vcpu(struct stat_vm *vm, const uint8_t *buf, size_t len)
{
	const struct kvm_stats_header *h = (const void *)buf;
	size_t desc_size, i;

	if (len < sizeof(*h) || h->name_size == 0 || h->name_size > 256)
		return -1;
	desc_size = sizeof(struct kvm_stats_desc) + h->name_size;
	if (h->desc_offset > len ||
	    (len - h->desc_offset) / desc_size < h->num_desc)
		return -1;
	for (i = 0; i < h->num_desc; i++) {
		const struct kvm_stats_desc *d =
			(const void *)(buf + h->desc_offset + i * desc_size);
		const uint64_t *v = (const void *)(buf + h->data_offset + d->offset);
		char name[256];
		struct stat_kind *k;
		size_t nlen;
		unsigned int b;

		if (h->data_offset > len || d->offset > len - h->data_offset ||
		    d->size > (len - h->data_offset - d->offset) / 8)
			return -1;
		snprintf(name, sizeof(name), "%.*s", (int)h->name_size, d->name);
		nlen = strlen(name);
		if (!strcmp(name, "exits")) {
			vm->exits += v[0];
		} else if (!strncmp(name, "exits_", 6)) {
			k = vm_kind(vm, name + 6);
			if (k)
				k->exits += v[0];
		} else if (!strncmp(name, "exit_cycles_", 12) && nlen > 17 &&
			   !strcmp(name + nlen - 5, "_hist")) {
			name[nlen - 5] = 0;
			k = vm_kind(vm, name + 12);
			if (!k)
				continue;
			k->nr_buckets = d->size < STAT_HIST_BUCKETS ?
					d->size : STAT_HIST_BUCKETS;
			for (b = 0; b < k->nr_buckets; b++)
				k->hist[b] += v[b];
		}
	}
	return 0;
}

static void read_vm(const char *dir, const char *name, struct stat_vm *vm)
{
	char path[512];
	struct dirent *e;
	uint8_t *buf;
	size_t len;
	DIR *d;

	memset(vm, 0, sizeof(*vm));
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->pid = atoi(name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	d = opendir(path);
	if (!d)
		return;		/* the VM went away meanwhile */
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "vcpu", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s/stats", dir, name,
			 e->d_name);
		buf = read_stats_file(path, &len);
		if (!buf)
			continue;
		if (!stat_parse_vcpu(vm, buf, len))
			vm->nr_vcpus++;
		free(buf);
	}
	closedir(d);
}

static int take_sample(const char *dir, struct stat_sample *s)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	s->nr_vms = 0;
	clock_gettime(CLOCK_MONOTONIC, &s->when);
	if (!d)
		return -1;
	while ((e = readdir(d)) && s->nr_vms < STAT_MAX_VMS) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		read_vm(dir, e->d_name, &s->vms[s->nr_vms++]);
	}
	closedir(d);
	return 0;
}

/* Bucket i of a log2 histogram holds [2^(i-1), 2^i): its middle. */
static double bucket_mid(unsigned int i)
{
	return i == 0 ? 0 : 1.5 * (double)(1ULL << (i - 1));
}

/* Mean and the upper bound of the bucket holding the 99th percentile. */
static void hist_summary(const uint64_t *h, unsigned int n, double *mean,
			 uint64_t *p99)
{
	uint64_t total = 0, seen = 0;
	double sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		total += h[i];
		sum += h[i] * bucket_mid(i);
	}
	*mean = total ? sum / total : 0;
	*p99 = 0;
	for (i = 0; i < n && total; i++) {
		seen += h[i];
		if (seen * 100 >= total * 99) {
			*p99 = i ? 1ULL << i : 0;
			break;
		}
	}
}

static const struct stat_vm *find_vm(const struct stat_sample *s,
				     const char *name)
{
	unsigned int i;

	for (i = 0; s && i < s->nr_vms; i++)
		if (!strcmp(s->vms[i].name, name))
			return &s->vms[i];
	return NULL;
}

static const struct stat_kind *find_kind(const struct stat_vm *vm,
					 const char *name)
{
	unsigned int i;

	for (i = 0; vm && i < vm->nr_kinds; i++)
		if (!strcmp(vm->kinds[i].name, name))
			return &vm->kinds[i];
	return NULL;
}

/*
 * The figures of one kind: exits (since @prev, or in total), their rate,
 * and the histogram summary of those exits.
 */
static void kind_delta(const struct stat_kind *k, const struct stat_kind *pk,
		       double secs, uint64_t *exits, double *rate,
		       double *mean, uint64_t *p99)
{
	uint64_t h[STAT_HIST_BUCKETS];
	unsigned int b;

	*exits = k->exits - (pk ? pk->exits : 0);
	*rate = secs > 0 ? *exits / secs : 0;
	for (b = 0; b < k->nr_buckets; b++)
		h[b] = k->hist[b] - (pk ? pk->hist[b] : 0);
	hist_summary(h, k->nr_buckets, mean, p99);
}

static void print_text(const struct stat_sample *s,
		       const struct stat_sample *prev, double secs)
{
	unsigned int i, j;

	for (i = 0; i < s->nr_vms; i++) {
		const struct stat_vm *vm = &s->vms[i];
		const struct stat_vm *pvm = find_vm(prev, vm->name);

		printf("VM %s (pid %d, %u vCPUs): %llu exits%s\n", vm->name,
		       vm->pid, vm->nr_vcpus,
		       (unsigned long long)(vm->exits - (pvm ? pvm->exits : 0)),
		       prev ? " in the interval" : " in total");
		printf("  %-12s %12s %12s %12s %12s\n", "kind", "exits",
		       "exits/s", "mean cyc", "p99 cyc <=");
		for (j = 0; j < vm->nr_kinds; j++) {
			const struct stat_kind *k = &vm->kinds[j];
			uint64_t exits, p99;
			double rate, mean;

			kind_delta(k, find_kind(pvm, k->name), secs, &exits,
				   &rate, &mean, &p99);
			if (!exits)
				continue;
			if (prev)
				printf("  %-12s %12llu %12.0f", k->name,
				       (unsigned long long)exits, rate);
			else	/* totals: no interval, no rate */
				printf("  %-12s %12llu %12s", k->name,
				       (unsigned long long)exits, "-");
			printf(" %12.0f %12llu\n", mean, (unsigned long long)p99);
		}
	}
	if (!s->nr_vms)
		printf("no kvmx VM\n");
}

static void print_json(const struct stat_sample *s,
		       const struct stat_sample *prev, double secs)
{
	unsigned int i, j;

	printf("{\"interval\": %.3f, \"vms\": [", prev ? secs : 0.0);
	for (i = 0; i < s->nr_vms; i++) {
		const struct stat_vm *vm = &s->vms[i];
		const struct stat_vm *pvm = find_vm(prev, vm->name);

		printf("%s{\"name\": \"%s\", \"pid\": %d, \"vcpus\": %u, \"exits\": %llu, \"kinds\": {",
		       i ? ", " : "", vm->name, vm->pid, vm->nr_vcpus,
		       (unsigned long long)(vm->exits - (pvm ? pvm->exits : 0)));
		for (j = 0; j < vm->nr_kinds; j++) {
			const struct stat_kind *k = &vm->kinds[j];
			uint64_t exits, p99;
			double rate, mean;

			kind_delta(k, find_kind(pvm, k->name), secs, &exits,
				   &rate, &mean, &p99);
			printf("%s\"%s\": {\"exits\": %llu, \"rate\": %.1f, \"mean_cycles\": %.0f, \"p99_cycles\": %llu}",
			       j ? ", " : "", k->name,
			       (unsigned long long)exits, rate, mean,
			       (unsigned long long)p99);
		}
		printf("}}");
	}
	printf("]}\n");
}

static void stat_usage(FILE *out)
{
	fprintf(out,
		"usage: kvmx stat [--dir DIR] [--interval SECS] [--count N] [--once] [--json]\n"
		"  --dir DIR        kvmx's debugfs directory (default " STAT_DEFAULT_DIR ")\n"
		"  --interval SECS  time between samples (default 1)\n"
		"  --count N        stop after N intervals (default: run until killed)\n"
		"  --once           print the totals since each VM started, then exit\n"
		"  --json           one JSON object per sample instead of a table\n");
}

int cmd_stat(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = STAT_DEFAULT_DIR;
	struct stat_sample *cur, *prev;
	double interval = 1, secs;
	long count = -1;
	bool once = false, json = false;
	struct timespec ts;
	int opt;

	optind = 0;	/* GNU: restart the scan (the unit test calls us often) */
	while ((opt = getopt_long(argc, argv, "d:i:c:ojh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'i': interval = atof(optarg); break;
		case 'c': count = atol(optarg); break;
		case 'o': once = true; break;
		case 'j': json = true; break;
		case 'h': stat_usage(stdout); return 0;
		default: stat_usage(stderr); return 1;
		}
	}
	if (interval <= 0 || optind != argc) {
		stat_usage(stderr);
		return 1;
	}
	cur = calloc(1, sizeof(*cur));
	prev = calloc(1, sizeof(*prev));
	if (!cur || !prev) {
		vmm_error("stat: out of memory");
		return 1;
	}
	if (take_sample(dir, cur)) {
		vmm_error("stat: %s: %s (kvmx.ko loaded, debugfs mounted?)", dir,
			  strerror(errno));
		return 1;
	}
	if (once) {
		(json ? print_json : print_text)(cur, NULL, 0);
		return 0;
	}
	while (count < 0 || count-- > 0) {
		struct stat_sample *t = prev;

		prev = cur;
		cur = t;
		ts.tv_sec = (time_t)interval;
		ts.tv_nsec = (long)((interval - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		take_sample(dir, cur);
		secs = (cur->when.tv_sec - prev->when.tv_sec) +
		       (cur->when.tv_nsec - prev->when.tv_nsec) / 1e9;
		if (json) {
			print_json(cur, prev, secs);
		} else {
			if (isatty(STDOUT_FILENO))
				printf("\033[H\033[2J");
			print_text(cur, prev, secs);
		}
		fflush(stdout);
	}
	free(cur);
	free(prev);
	return 0;
}
