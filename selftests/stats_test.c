// SPDX-License-Identifier: GPL-2.0
/*
 * stats_test: KVM_GET_STATS_FD on the VM and vCPU fds.
 *
 * The file is kvm's binary format: a header, the id string right after it
 * ("kvm-<pid>" for the VM, "kvm-<pid>/vcpu-<id>" for a vCPU), descriptors
 * and data.  The statistic "exits" counts every VM exit on both kvm and
 * kvmx; kvmx also counts exits per kind ("exits_cpuid"...) with a log2
 * histogram of their handling time ("exit_cycles_cpuid_hist"): kvmx must
 * offer them (when the kvmx module is loaded), kvm has none.  The file is
 * read-only, reads may start anywhere (pread), and it keeps the VM alive
 * after the VM fd is closed.  On kvmx the same files appear in debugfs
 * (kvmx/<pid>-<serial>/stats, vcpu<id>/stats), and writing to the VM's
 * file zeroes the statistics of the VM and its vCPUs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define NR_CPUIDS	10

extern const uint8_t cpuids_start[], cpuids_end[];
asm(GUEST_SECTION
    ".code64\n"
    "cpuids_start:\n"
    "	mov $" GUEST_XSTR(NR_CPUIDS) ", %ebx\n"
    "1:	xor %eax, %eax\n"
    "	push %rbx\n"
    "	cpuid\n"
    "	pop %rbx\n"
    "	dec %ebx\n"
    "	jnz 1b\n"
    "	GUEST_DONE\n"
    "cpuids_end:\n"
    GUEST_SECTION_END);

struct stats {
	struct kvm_stats_header h;
	char *id;
	uint8_t *descs;		/* h.num_desc descriptors */
	size_t desc_size;
	uint64_t *data;
	size_t data_size;
};

static struct kvm_stats_desc *stats_desc(struct stats *s, unsigned int i)
{
	return (struct kvm_stats_desc *)(s->descs + i * s->desc_size);
}

static void stats_read(int fd, struct stats *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	CHECK_EQ(pread(fd, &s->h, sizeof(s->h), 0), (ssize_t)sizeof(s->h));
	CHECK(s->h.name_size > 0 && s->h.num_desc > 0, "empty header");
	s->id = calloc(1, s->h.name_size);
	CHECK_EQ(pread(fd, s->id, s->h.name_size, s->h.id_offset),
		 (ssize_t)s->h.name_size);
	s->desc_size = sizeof(struct kvm_stats_desc) + s->h.name_size;
	s->descs = calloc(s->h.num_desc, s->desc_size);
	CHECK_EQ(pread(fd, s->descs, s->h.num_desc * s->desc_size,
		       s->h.desc_offset),
		 (ssize_t)(s->h.num_desc * s->desc_size));
	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = stats_desc(s, i);
		size_t end = d->offset + d->size * sizeof(uint64_t);

		if (end > s->data_size)
			s->data_size = end;
	}
	s->data = calloc(1, s->data_size);
	CHECK_EQ(pread(fd, s->data, s->data_size, s->h.data_offset),
		 (ssize_t)s->data_size);
}

static void stats_free(struct stats *s)
{
	free(s->id);
	free(s->descs);
	free(s->data);
}

/* The values of statistic @name, or NULL if the hypervisor lacks it. */
static uint64_t *stats_get(struct stats *s, const char *name,
			   struct kvm_stats_desc **desc)
{
	unsigned int i;

	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = stats_desc(s, i);

		if (!strcmp(d->name, name)) {
			if (desc)
				*desc = d;
			return s->data + d->offset / sizeof(uint64_t);
		}
	}
	return NULL;
}

static void test_cap(void)
{
	CHECK(kvm_check_cap(KVM_CAP_BINARY_STATS_FD) > 0,
	      "KVM_CAP_BINARY_STATS_FD not reported");
}

static void test_vm_stats_id(void)
{
	struct kvm_vm *vm = vm_create();
	char want[64];
	struct stats s;
	int fd;

	fd = ioctl(vm->fd, KVM_GET_STATS_FD, 0);
	CHECK(fd >= 0, "KVM_GET_STATS_FD: errno %d", errno);
	stats_read(fd, &s);
	snprintf(want, sizeof(want), "kvm-%d", getpid());
	CHECK(!strcmp(s.id, want), "id '%s', want '%s'", s.id, want);
	CHECK(s.h.id_offset == sizeof(s.h), "id_offset %u", s.h.id_offset);
	stats_free(&s);
	close(fd);
	vm_free(vm);
}

/* Sequential read() from 0 returns the same bytes as pread at each offset. */
static void test_read_sequential(void)
{
	struct kvm_vm *vm = vm_create();
	struct kvm_stats_header h;
	char *id;
	int fd;

	fd = ioctl(vm->fd, KVM_GET_STATS_FD, 0);
	CHECK(fd >= 0, "KVM_GET_STATS_FD: errno %d", errno);
	CHECK_EQ(read(fd, &h, sizeof(h)), (ssize_t)sizeof(h));
	id = calloc(1, h.name_size);
	CHECK_EQ(read(fd, id, h.name_size), (ssize_t)h.name_size);
	CHECK(!strncmp(id, "kvm-", 4), "id '%s'", id);
	/* Read-only: writing fails. */
	CHECK(write(fd, &h, sizeof(h)) < 0, "write to a stats fd succeeded");
	free(id);
	close(fd);
	vm_free(vm);
}

static void test_vcpu_exit_counts(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_stats_desc *d;
	struct stats before, after;
	uint64_t *v, *b, sum = 0;
	char want[64];
	int fd, i;

	fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, 0);
	CHECK(fd >= 0, "KVM_GET_STATS_FD: errno %d", errno);
	vm_load_code(vm, cpuids_start, cpuids_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);

	stats_read(fd, &before);
	snprintf(want, sizeof(want), "kvm-%d/vcpu-0", getpid());
	CHECK(!strcmp(before.id, want), "id '%s', want '%s'", before.id, want);
	vcpu_expect_done(vcpu);
	stats_read(fd, &after);

	v = stats_get(&after, "exits", NULL);
	b = stats_get(&before, "exits", NULL);
	CHECK(v && b, "no 'exits' statistic");
	CHECK(*v - *b >= NR_CPUIDS + 1, "exits %llu -> %llu",
	      (unsigned long long)*b, (unsigned long long)*v);

	v = stats_get(&after, "exits_cpuid", NULL);
	/* kvmx must offer them; kvm has no per-kind statistics. */
	if (hv_is_kvmx())
		CHECK(v, "kvmx without its 'exits_cpuid' statistic");
	if (v) {
		b = stats_get(&before, "exits_cpuid", NULL);
		CHECK_EQ(*v - *b, NR_CPUIDS);
		v = stats_get(&after, "exit_cycles_cpuid_hist", &d);
		CHECK(v, "exits_cpuid without exit_cycles_cpuid_hist");
		CHECK_EQ(d->flags & KVM_STATS_TYPE_MASK, KVM_STATS_TYPE_LOG_HIST);
		CHECK_EQ(d->flags & KVM_STATS_UNIT_MASK, KVM_STATS_UNIT_CYCLES);
		for (i = 0; i < d->size; i++)
			sum += v[i];
		CHECK_EQ(sum, NR_CPUIDS);
		CHECK_EQ(v[0], 0);	/* an exit takes time */
		v = stats_get(&after, "exits_io", NULL);
		CHECK(v && *v >= 1, "the DONE ucall is a PIO exit");
	} else {
		test_info("no per-kind exit statistics (kvm)");
	}
	stats_free(&before);
	stats_free(&after);
	close(fd);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* The stats fd holds the VM: it stays readable after the VM fd is gone. */
static void test_outlives_vm_fd(void)
{
	struct kvm_vm *vm = vm_create();
	struct stats s;
	int fd;

	fd = ioctl(vm->fd, KVM_GET_STATS_FD, 0);
	CHECK(fd >= 0, "KVM_GET_STATS_FD: errno %d", errno);
	vm_free(vm);
	stats_read(fd, &s);
	CHECK(!strncmp(s.id, "kvm-", 4), "id '%s'", s.id);
	stats_free(&s);
	close(fd);
}

#define KVMX_DEBUGFS	"/sys/kernel/debug/kvmx"

/* This process's VM directory in kvmx's debugfs; skips on kvm. */
static void find_debugfs_vm(char *path, size_t size)
{
	char prefix[32];
	struct dirent *e;
	DIR *d;

	REQUIRE(hv_is_kvmx(), "kvmx's debugfs files (the hypervisor is kvm)");
	mount("none", "/sys/kernel/debug", "debugfs", 0, NULL);
	d = opendir(KVMX_DEBUGFS);
	CHECK(d, "no %s: errno %d", KVMX_DEBUGFS, errno);
	snprintf(prefix, sizeof(prefix), "%d-", getpid());
	path[0] = 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			snprintf(path, size, "%s/%.64s", KVMX_DEBUGFS, e->d_name);
	closedir(d);
	CHECK(path[0], "no directory %s* in %s", prefix, KVMX_DEBUGFS);
}

static void test_debugfs_reset(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	char dir[256], path[300];
	struct kvm_stats_desc *d;
	struct stats s;
	uint64_t *v;
	int fd, sfd, i;

	find_debugfs_vm(dir, sizeof(dir));
	vm_load_code(vm, cpuids_start, cpuids_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_done(vcpu);

	snprintf(path, sizeof(path), "%s/vcpu0/stats", dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, "%s: errno %d", path, errno);
	stats_read(fd, &s);
	v = stats_get(&s, "exits_cpuid", NULL);
	CHECK(v, "no exits_cpuid in %s", path);
	CHECK_EQ(*v, NR_CPUIDS);
	stats_free(&s);

	snprintf(path, sizeof(path), "%s/stats", dir);
	sfd = open(path, O_WRONLY);
	CHECK(sfd >= 0, "%s: errno %d", path, errno);
	CHECK_EQ(write(sfd, "0", 1), 1);
	close(sfd);

	stats_read(fd, &s);
	CHECK_EQ(*stats_get(&s, "exits", NULL), 0);
	CHECK_EQ(*stats_get(&s, "exits_cpuid", NULL), 0);
	stats_free(&s);
	close(fd);

	/* The vCPU's stats fd reads the same, reset, counters. */
	fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, 0);
	CHECK(fd >= 0, "KVM_GET_STATS_FD: errno %d", errno);
	stats_read(fd, &s);
	v = stats_get(&s, "exit_cycles_cpuid_hist", &d);
	CHECK(v, "no exit_cycles_cpuid_hist");
	for (i = 0; i < d->size; i++)
		CHECK_EQ(v[i], 0);
	stats_free(&s);
	close(fd);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_cap),
	TEST_CASE(test_vm_stats_id),
	TEST_CASE(test_read_sequential),
	TEST_CASE(test_vcpu_exit_counts),
	TEST_CASE(test_outlives_vm_fd),
	TEST_CASE(test_debugfs_reset),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
