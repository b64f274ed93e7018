// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of `kvmx stat`: statistics files in the KVM_GET_STATS_FD
 * format are written to a scratch directory laid out like kvmx.ko's
 * debugfs (<pid>-<serial>/vcpu<id>/stats), and the --once --json output
 * must sum the vCPUs and summarise the log2 histograms.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "harness.h"
#include "stat.h"

#define NAME_SIZE	48
#define HIST_SIZE	32

struct fake_desc {
	const char *name;
	uint32_t flags;
	uint16_t size;
};

static const struct fake_desc descs[] = {
	{ "exits", KVM_STATS_TYPE_CUMULATIVE, 1 },
	{ "exits_io", KVM_STATS_TYPE_CUMULATIVE, 1 },
	{ "exits_cpuid", KVM_STATS_TYPE_CUMULATIVE, 1 },
	{ "exit_cycles_io_hist", KVM_STATS_TYPE_LOG_HIST | KVM_STATS_UNIT_CYCLES, HIST_SIZE },
	{ "exit_cycles_cpuid_hist", KVM_STATS_TYPE_LOG_HIST | KVM_STATS_UNIT_CYCLES, HIST_SIZE },
};

#define NR_DESCS	(sizeof(descs) / sizeof(descs[0]))
#define NR_VALUES	(3 + 2 * HIST_SIZE)

static char dir[64];

/* One vCPU: 300 exits, 100 io in bucket 12, 200 cpuid (198 in 10, 2 in 20). */
static void write_vcpu(const char *path, size_t truncate_to)
{
	size_t desc_size = sizeof(struct kvm_stats_desc) + NAME_SIZE;
	struct kvm_stats_header h = {
		.name_size = NAME_SIZE,
		.num_desc = NR_DESCS,
		.id_offset = sizeof(h),
		.desc_offset = sizeof(h) + NAME_SIZE,
		.data_offset = sizeof(h) + NAME_SIZE + NR_DESCS * desc_size,
	};
	size_t len = h.data_offset + NR_VALUES * 8;
	uint8_t *buf = calloc(1, len);
	uint64_t *v = (uint64_t *)(buf + h.data_offset);
	uint32_t offset = 0;
	unsigned int i;
	int fd;

	memcpy(buf, &h, sizeof(h));
	strcpy((char *)buf + h.id_offset, "kvm-1/vcpu-0");
	for (i = 0; i < NR_DESCS; i++) {
		struct kvm_stats_desc *d = (void *)(buf + h.desc_offset + i * desc_size);

		d->flags = descs[i].flags;
		d->size = descs[i].size;
		d->offset = offset;
		strcpy(d->name, descs[i].name);
		offset += descs[i].size * 8;
	}
	v[0] = 300;
	v[1] = 100;
	v[2] = 200;
	v[3 + 12] = 100;
	v[3 + HIST_SIZE + 10] = 198;
	v[3 + HIST_SIZE + 20] = 2;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, "%s: errno %d", path, errno);
	CHECK_EQ(write(fd, buf, truncate_to ? truncate_to : len),
		 (ssize_t)(truncate_to ? truncate_to : len));
	close(fd);
	free(buf);
}

static void remove_tree(void)
{
	static const char *const rel[] = {
		"1-1/vcpu0/stats", "1-1/vcpu1/stats", "1-1/vcpu0", "1-1/vcpu1",
		"1-1", "",
	};
	char path[128];
	unsigned int i;

	if (!dir[0])
		return;
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, rel[i]);
		if (unlink(path))
			rmdir(path);
	}
	dir[0] = 0;
}

static void make_tree(void)
{
	char path[128];

	remove_tree();
	strcpy(dir, "/tmp/kvmx-stat-test.XXXXXX");
	CHECK(mkdtemp(dir), "mkdtemp: errno %d", errno);
	snprintf(path, sizeof(path), "%s/1-1", dir);
	CHECK_EQ(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/1-1/vcpu0", dir);
	CHECK_EQ(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/1-1/vcpu1", dir);
	CHECK_EQ(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/1-1/vcpu0/stats", dir);
	write_vcpu(path, 0);
	snprintf(path, sizeof(path), "%s/1-1/vcpu1/stats", dir);
	write_vcpu(path, 0);
}

/* Run `kvmx stat` with @args, its stdout into @out; its exit status. */
static int run_stat(const char *const *args, char *out, size_t size)
{
	char *argv[16], tmp[] = "/tmp/kvmx-stat-out.XXXXXX";
	int argc = 0, saved, fd, r;
	ssize_t n;

	argv[argc++] = "stat";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	fd = mkstemp(tmp);
	CHECK(fd >= 0, "mkstemp: errno %d", errno);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	r = cmd_stat(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(tmp);
	return r;
}

static void test_json_sums_vcpus(void)
{
	const char *args[] = { "--once", "--json", "--dir", dir, NULL };
	char out[4096];

	make_tree();
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	CHECK(strstr(out, "\"name\": \"1-1\", \"pid\": 1, \"vcpus\": 2, \"exits\": 600"), "%s", out);
	/* io: 200 exits, all in [2048, 4096): middle 3072, p99 bound 4096. */
	CHECK(strstr(out, "\"io\": {\"exits\": 200, \"rate\": 0.0, \"mean_cycles\": 3072, \"p99_cycles\": 4096}"),
	      "%s", out);
	/* cpuid: 396 in [512, 1024), 4 in [2^19, 2^20): p99 still 1024. */
	CHECK(strstr(out, "\"cpuid\": {\"exits\": 400,"), "%s", out);
	CHECK(strstr(out, "\"p99_cycles\": 1024}"), "%s", out);
	remove_tree();
}

static void test_truncated_file_ignored(void)
{
	const char *args[] = { "--once", "--json", "--dir", dir, NULL };
	char out[4096], path[128];

	make_tree();
	snprintf(path, sizeof(path), "%s/1-1/vcpu1/stats", dir);
	write_vcpu(path, 100);		/* inside the descriptors */
	CHECK_EQ(run_stat(args, out, sizeof(out)), 0);
	CHECK(strstr(out, "\"vcpus\": 1, \"exits\": 300"), "%s", out);
	remove_tree();
}

static void test_missing_dir(void)
{
	const char *args[] = { "--once", "--dir", "/nonexistent/kvmx", NULL };
	char out[256];

	CHECK_EQ(run_stat(args, out, sizeof(out)), 1);
}

static void test_bad_usage(void)
{
	const char *args[] = { "--interval", "0", NULL };
	char out[256];

	CHECK_EQ(run_stat(args, out, sizeof(out)), 1);
}

static const struct test_case cases[] = {
	TEST_CASE(test_json_sums_vcpus),
	TEST_CASE(test_truncated_file_ignored),
	TEST_CASE(test_missing_dir),
	TEST_CASE(test_bad_usage),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
