// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test: create and destroy complete VMs in a loop and show that
 * nothing is left behind.
 *
 * Each round builds a VM with the in-kernel irqchip, a PIT, an irqfd, a
 * resampling irqfd where offered, an ioeventfd and NR_VCPUS vCPUs that run
 * at the same time on their own threads: every vCPU enables its local APIC,
 * takes periodic APIC timer interrupts while halted, signals the ioeventfd
 * and stops; the BSP also starts the PIT.  Everything is torn down with the
 * timers still armed.  Measured around the loop, after warm-up rounds (the
 * C library caches thread stacks, the kernel grows its slab caches):
 *
 *   - the process's open file descriptors are back to what they were;
 *   - the hypervisor module's reference count (/sys/module/kvmx/refcnt, or
 *     kvm's for the reference) is back to its value before the first VM;
 *   - unreclaimable slab (SUnreclaim), vmalloc use (/proc/meminfo) and the
 *     pages the page allocator handed out and did not get back (/proc/vmstat)
 *     have not grown by more than the limits below.  A leak grows with
 *     every round, so a loop over the limits is measured once more and
 *     fails only if the second loop is over them too: something else in
 *     the machine once does not fail the test.
 *
 * For kvmx, the runner also checks that "rmmod kvmx" succeeds afterwards.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define NR_VCPUS		4
#define WARMUP_ROUNDS		8
#define MEASURED_ROUNDS		64
#define STRESS_PORT		0x510
#define STRESS_GSI		5
#define STRESS_RESAMPLE_GSI	6
#define TIMER_VECTOR		0x41
#define TIMER_TICKS		3
#define STACK_PER_VCPU		0x400

/*
 * Limits on growth over MEASURED_ROUNDS (64 VMs, 256 vCPUs).  What the test
 * catches: a leak of 4 KiB or more per vCPU, or of 16 KiB or more per VM,
 * from kmalloc (slab and pages), alloc_pages (pages) or vmalloc (vmalloc
 * and pages): 1 MiB or more a loop, twice the limits.  One vCPU's state is
 * more than that (a VMCB or VMCS page, an 8 KiB MSR bitmap, the APIC page),
 * so losing any of it fails.  Smaller leaks (1 KiB per vCPU, 256 KiB a
 * loop) are within twice the noise and not claimed.
 *
 * The noise (caches settling, not leaks), measured 2026-12-07 on ref, kvmx,
 * ref-shadow and kvmx-shadow: in the QEMU SVM machine, three loops each,
 * SUnreclaim +28 to +168 KiB, allocated pages -40 to +172 KiB, VmallocUsed
 * -32 to 0 KiB a loop; in the Bochs VMX machine, one loop each, SUnreclaim
 * +48 to +148 KiB, VmallocUsed 0 to +16 KiB.  The limits are three times
 * the largest.  A deliberate leak of one 4 KiB kmalloc per vCPU in kvmx
 * measured SUnreclaim +1156 to +1160 and allocated pages +1148 to +1168 KiB
 * a loop, and failed.  MemFree is not
 * used: it did not move at all during a loop (the per-CPU counter deltas
 * were not folded in yet), and pages waiting on per-CPU lists hide there.
 */
#define MAX_SLAB_GROWTH_KB	512
#define MAX_VMALLOC_GROWTH_KB	512
#define MAX_PAGES_GROWTH_KB	512

/*
 * Flat protected mode: mask the PICs, enable the local APIC, its timer
 * periodic (vector 0x41) every 1 ms; the BSP (ESI = 1) also starts PIT
 * channel 0 in mode 2 at 100 Hz.  Halt until TIMER_TICKS ticks were
 * counted in EBX, then OUT to STRESS_PORT (the ioeventfd) and DONE, timers
 * left running.  (Four 200 us timers starved the emulated machine's own
 * hrtimers once under a loaded host: "hrtimer: interrupt took ...", then
 * a silent console.)
 */
extern const uint8_t stress_start[], stress_end[], stress_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "stress_start:\n"
    "	mov $0xff, %al\n"
    "	out %al, $0x21\n"
    "	out %al, $0xa1\n"
    "	movl $0x1ff, 0xfee000f0\n"		/* SVR: APIC enabled */
    "	movl $0xb, 0xfee003e0\n"		/* TDCR: divide by 1 */
    "	movl $0x20041, 0xfee00320\n"		/* LVTT: periodic, 0x41 */
    "	xor %ebx, %ebx\n"
    "	movl $1000000, 0xfee00380\n"		/* TMICT: 1 ms */
    "	test %esi, %esi\n"
    "	jz 1f\n"
    "	mov $0x34, %al\n"			/* PIT channel 0, mode 2 */
    "	out %al, $0x43\n"
    "	mov $0x9c, %al\n"			/* count 11932: 100 Hz */
    "	out %al, $0x40\n"
    "	mov $0x2e, %al\n"
    "	out %al, $0x40\n"
    "1:	sti\n"
    "2:	hlt\n"
    "	cmp $" GUEST_XSTR(TIMER_TICKS) ", %ebx\n"
    "	jb 2b\n"
    "	cli\n"
    "	mov $" GUEST_XSTR(STRESS_PORT) ", %dx\n"
    "	out %al, %dx\n"
    "	GUEST_DONE\n"
    "stress_handler:\n"
    "	inc %ebx\n"
    "	movl $0, 0xfee000b0\n"			/* EOI */
    "	iret\n"
    "stress_end:\n"
    GUEST_SECTION_END);

struct stress_vcpu {
	struct kvm_vcpu *vcpu;
	int result;		/* 0 = ok, else what went wrong */
};

/* Runs on its own thread (no CHECK there): 0, or the step that failed. */
static void *stress_vcpu_fn(void *arg)
{
	struct stress_vcpu *t = arg;
	struct kvm_regs regs;

	t->result = 1;
	if (__vcpu_run(t->vcpu) || !vcpu_is_ucall_exit(t->vcpu))
		return NULL;
	t->result = 2;
	if (ioctl(t->vcpu->fd, KVM_GET_REGS, &regs) ||
	    (uint32_t)regs.rax != UCALL_DONE)
		return NULL;
	t->result = (uint32_t)regs.rbx >= TIMER_TICKS ? 0 : 3;
	return NULL;
}

static int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	CHECK(d, "opendir /proc/self/fd: errno %d", errno);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

/* A /proc/meminfo field in KiB, or -1. */
static long meminfo_kb(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	size_t len = strlen(field);
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* The reference count of the module behind /dev/kvm, or -1 if unknown. */
static long module_refcnt(void)
{
	static const char *const paths[] = {
		"/sys/module/kvmx/refcnt", "/sys/module/kvm/refcnt",
	};
	long v = -1;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths) && v < 0; i++) {
		FILE *f = fopen(paths[i], "r");

		if (!f)
			continue;
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * Pages the page allocator has handed out and not got back, in KiB: the sum
 * of /proc/vmstat's pgalloc_* minus pgfree, false if there are none.  Only
 * its changes mean something (the pages freed at boot make it negative).
 * Slab, vmalloc and alloc_pages all take their pages from there; unlike
 * MemFree this does not move when freed pages wait on the per-CPU lists.
 */
static bool net_pages_kb(long *kb)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char name[64];
	long long v, net = 0;
	bool found = false;

	if (!f)
		return false;
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strncmp(name, "pgalloc_", 8)) {
			net += v;
			found = true;
		} else if (!strcmp(name, "pgfree")) {
			net -= v;
		}
	}
	fclose(f);
	*kb = (long)(net * (sysconf(_SC_PAGESIZE) / 1024));
	return found;
}

struct mem_sample {
	long slab_kb, vmalloc_kb, pages_kb;
	bool pages_ok;		/* pages_kb was read */
};

static void sample_mem(struct mem_sample *m)
{
	m->slab_kb = meminfo_kb("SUnreclaim");
	m->vmalloc_kb = meminfo_kb("VmallocUsed");
	m->pages_ok = net_pages_kb(&m->pages_kb);
}

/* One VM: build it, run every vCPU at once, tear it down. */
static void stress_round(bool resample)
{
	struct kvm_pit_config pit = { .flags = 0 };
	struct stress_vcpu t[NR_VCPUS];
	pthread_t tids[NR_VCPUS];
	struct kvm_irqfd irqfd = { .gsi = STRESS_GSI };
	struct kvm_irqfd rsfd = {
		.gsi = STRESS_RESAMPLE_GSI, .flags = KVM_IRQFD_FLAG_RESAMPLE,
	};
	struct kvm_ioeventfd ioev = {
		.addr = STRESS_PORT, .len = 1, .flags = KVM_IOEVENTFD_FLAG_PIO,
	};
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_regs regs;
	struct kvm_vm *vm;
	uint64_t one = 1, count = 0;
	int efd, ioefd, rsefd = -1, rsefd2 = -1, i;

	vm = vm_create_default();
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_PIT2, &pit));
	vm_load_code(vm, stress_start, stress_end);
	vm_set_idt_gate32(vm, TIMER_VECTOR, GUEST_CODE_ADDR(stress_handler, stress_start));

	efd = eventfd(0, EFD_CLOEXEC);
	ioefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(efd >= 0 && ioefd >= 0, "eventfd: errno %d", errno);
	irqfd.fd = efd;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQFD, &irqfd));
	ioev.fd = ioefd;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IOEVENTFD, &ioev));
	if (resample) {
		rsefd = eventfd(0, EFD_CLOEXEC);
		rsefd2 = eventfd(0, EFD_CLOEXEC);
		CHECK(rsefd >= 0 && rsefd2 >= 0, "eventfd: errno %d", errno);
		rsfd.fd = rsefd;
		rsfd.resamplefd = rsefd2;
		CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQFD, &rsfd));
	}

	for (i = 0; i < NR_VCPUS; i++) {
		t[i].vcpu = vcpu_create(vm, i);
		t[i].result = -1;
		vcpu_setup_mode(t[i].vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
		vcpu_get_regs(t[i].vcpu, &regs);
		regs.rsp = GUEST_STACK_TOP - i * STACK_PER_VCPU;
		regs.rsi = i == 0;
		vcpu_set_regs(t[i].vcpu, &regs);
		/* APs start the guest code directly, without INIT and SIPI. */
		if (i)
			CHECK_IOCTL_OK(ioctl(t[i].vcpu->fd, KVM_SET_MP_STATE, &runnable));
	}
	/* The irqfd fires while the vCPUs start (its pin is masked). */
	CHECK(write(efd, &one, sizeof(one)) == sizeof(one), "eventfd write");
	for (i = 0; i < NR_VCPUS; i++)
		CHECK(!pthread_create(&tids[i], NULL, stress_vcpu_fn, &t[i]),
		      "pthread_create");
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < NR_VCPUS; i++)
		CHECK(t[i].result == 0, "vCPU %d: step %d failed (exit %s)", i,
		      t[i].result, exit_reason_str(t[i].vcpu->run->exit_reason));
	CHECK(read(ioefd, &count, sizeof(count)) == sizeof(count),
	      "ioeventfd read: errno %d", errno);
	CHECK_EQ(count, NR_VCPUS);

	/* Tear down with the APIC timers and the PIT still running. */
	for (i = 0; i < NR_VCPUS; i++)
		vcpu_free(t[i].vcpu);
	vm_free(vm);
	close(efd);
	close(ioefd);
	if (resample) {
		close(rsefd);
		close(rsefd2);
	}
}

/*
 * Freed memory can come back a little later (RCU, deferred work): sample
 * again for up to a second while the growth is over the limits.
 */
static bool over_limits(const struct mem_sample *a, const struct mem_sample *b)
{
	return b->slab_kb - a->slab_kb > MAX_SLAB_GROWTH_KB ||
	       b->vmalloc_kb - a->vmalloc_kb > MAX_VMALLOC_GROWTH_KB ||
	       b->pages_kb - a->pages_kb > MAX_PAGES_GROWTH_KB;
}

static void test_vm_create_destroy_loop(void)
{
	struct mem_sample before, after;
	long ref0, ref1;
	bool resample;
	int fds0, fds1, i, tries, attempt;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP) && kvm_check_cap(KVM_CAP_PIT2) &&
		kvm_check_cap(KVM_CAP_IRQFD) && kvm_check_cap(KVM_CAP_IOEVENTFD),
		"needs IRQCHIP, PIT2, IRQFD and IOEVENTFD");
	resample = kvm_check_cap(KVM_CAP_IRQFD_RESAMPLE) > 0;
	if (!resample)
		test_info("no KVM_CAP_IRQFD_RESAMPLE: rounds without a resampling irqfd");
	ref0 = module_refcnt();
	fds0 = count_open_fds();

	for (i = 0; i < WARMUP_ROUNDS; i++)
		stress_round(resample);
	for (attempt = 0; attempt < 2; attempt++) {
		sample_mem(&before);
		for (i = 0; i < MEASURED_ROUNDS; i++)
			stress_round(resample);
		for (tries = 0; tries < 10; tries++) {
			sample_mem(&after);
			if (!over_limits(&before, &after))
				break;
			usleep(100000);
		}
		test_info("loop %d: SUnreclaim %+ld, VmallocUsed %+ld, allocated pages %+ld KiB%s",
			  attempt + 1, after.slab_kb - before.slab_kb,
			  after.vmalloc_kb - before.vmalloc_kb,
			  after.pages_kb - before.pages_kb,
			  over_limits(&before, &after) ? ": over the limits" : "");
		if (!over_limits(&before, &after))
			break;
	}

	test_info("%d VMs x %d vCPUs: SUnreclaim %ld -> %ld KiB, VmallocUsed %ld -> %ld KiB",
		  MEASURED_ROUNDS, NR_VCPUS, before.slab_kb, after.slab_kb,
		  before.vmalloc_kb, after.vmalloc_kb);
	fds1 = count_open_fds();
	CHECK_EQ(fds1, fds0);
	ref1 = module_refcnt();
	if (ref0 >= 0)
		CHECK_EQ(ref1, ref0);
	else
		test_info("no /sys/module/{kvmx,kvm}/refcnt: reference count not checked");
	CHECK(before.slab_kb >= 0, "/proc/meminfo unreadable");
	CHECK(before.pages_ok && after.pages_ok, "no pgalloc_* in /proc/vmstat");
	CHECK(after.slab_kb - before.slab_kb <= MAX_SLAB_GROWTH_KB,
	      "SUnreclaim grew by %ld KiB over %d VMs", after.slab_kb - before.slab_kb,
	      MEASURED_ROUNDS);
	if (before.vmalloc_kb >= 0)
		CHECK(after.vmalloc_kb - before.vmalloc_kb <= MAX_VMALLOC_GROWTH_KB,
		      "VmallocUsed grew by %ld KiB over %d VMs",
		      after.vmalloc_kb - before.vmalloc_kb, MEASURED_ROUNDS);
	CHECK(after.pages_kb - before.pages_kb <= MAX_PAGES_GROWTH_KB,
	      "allocated pages grew by %ld KiB over %d VMs",
	      after.pages_kb - before.pages_kb, MEASURED_ROUNDS);
}

static const struct test_case cases[] = {
	TEST_CASE(test_vm_create_destroy_loop),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
