// SPDX-License-Identifier: GPL-2.0
/*
 * pv_test: kvm's paravirtual interface (CPUID 0x40000001, the PV MSRs,
 * the KVM hypercalls).
 *
 * KVM_GET_SUPPORTED_CPUID offers steal time, PV EOI, PV unhalt, PV TLB
 * flush, PV send-IPI, PV sched-yield and poll control besides kvmclock.
 * With KVM_CAP_ENFORCE_PV_FEATURE_CPUID and leaf 0x40000001 cleared every
 * PV MSR raises #GP on RDMSR and WRMSR (and fails KVM_GET/SET_MSRS), and
 * KVM_HC_KICK_CPU, _SEND_IPI and _SCHED_YIELD return -KVM_ENOSYS; with the
 * bits set, or without enforcement, all of them work.  The PV MSRs' rules
 * (reserved bits, alignment, an unbacked address) and their place in
 * KVM_GET_MSR_INDEX_LIST and KVM_GET/SET_MSRS.  Steal time: an even
 * version that grows with each KVM_RUN, a steal value within the thread's
 * run delay that grows by at least the delay another thread inflicts, the
 * preempted byte set while the vCPU's thread is preempted in KVM_RUN and
 * cleared (with a TLB flush request) before the guest runs again.
 * KVM_HC_KICK_CPU wakes a vCPU halted with interrupts off; KVM_HC_SEND_IPI
 * delivers a fixed IPI by bitmap and returns how many APICs took it, and
 * -KVM_EINVAL for a logical or shorthand ICR.  PV EOI: the byte is set for
 * the interrupt being handled, and clearing it ends the interrupt.  The
 * other vendor's hypercall instruction is replaced by the native one.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm_para.h>
#include <asm/kvm_para.h>

#include "guest_asm.h"
#include "kvm_util.h"

/* Set by the host: the guest's hypercall instruction is VMMCALL (AMD). */
#define HC_AMD_FLAG	0xdff0
/* Where the guests leave their results (in the data scratch area). */
#define RESULTS_GPA	0xc400
#define ST_GPA		0xd000		/* struct kvm_steal_time: 64-aligned */
#define PV_EOI_GPA	0xd800
#define IPI_VECTOR	0x60

#define F(x)		(1U << KVM_FEATURE_##x)
/* What kvmx implements (and kvm offers too). */
#define PV_FEATURES	(F(CLOCKSOURCE) | F(NOP_IO_DELAY) | F(CLOCKSOURCE2) | \
			 F(STEAL_TIME) | F(PV_EOI) | F(PV_UNHALT) |	  \
			 F(PV_TLB_FLUSH) | F(PV_SEND_IPI) | F(POLL_CONTROL) | \
			 F(PV_SCHED_YIELD) | F(CLOCKSOURCE_STABLE_BIT))
/* Every feature that has a PV MSR or one of the tested hypercalls. */
#define PV_MSR_FEATURES	(PV_FEATURES | F(ASYNC_PF) | F(ASYNC_PF_INT))

static const uint32_t pv_msrs[] = {
	MSR_KVM_SYSTEM_TIME, MSR_KVM_SYSTEM_TIME_NEW,
	MSR_KVM_WALL_CLOCK, MSR_KVM_WALL_CLOCK_NEW,
	MSR_KVM_ASYNC_PF_EN, MSR_KVM_STEAL_TIME, MSR_KVM_PV_EOI_EN,
	MSR_KVM_POLL_CONTROL, MSR_KVM_ASYNC_PF_INT, MSR_KVM_ASYNC_PF_ACK,
};

/* The vendor's hypercall instruction, chosen by HC_AMD_FLAG. */
#define HC_SUB(name)				\
	name ":\n"				\
	"	cmpb $0, HC_AMD_FLAG_ADDR\n"	\
	"	jne 1f\n"			\
	"	vmcall\n"			\
	"	ret\n"				\
	"1:	vmmcall\n"			\
	"	ret\n"

asm(".set HC_AMD_FLAG_ADDR, " GUEST_XSTR(HC_AMD_FLAG) "\n"
    ".set RESULTS_GPA, " GUEST_XSTR(RESULTS_GPA) "\n"
    ".set ST_GPA, " GUEST_XSTR(ST_GPA) "\n"
    ".set PV_EOI_GPA, " GUEST_XSTR(PV_EOI_GPA) "\n");

/*
 * probe: RDMSR then WRMSR 0 of each MSR of the table at GUEST_DATA_GPA
 * (u32, 0-terminated); the vector each raised (0 or 13) goes to two bytes
 * at RESULTS_GPA.  Then KICK_CPU(0, APIC 0x55), SEND_IPI(empty bitmaps,
 * ICR 0) and SCHED_YIELD(APIC 0x55), their RAX at RESULTS_GPA + 0x100.
 */
extern const uint8_t probe_start[], probe_end[], probe_gp[];
asm(GUEST_SECTION
    ".code64\n"
    "probe_start:\n"
    "	mov $GUEST_DATA_GPA, %rbx\n"
    "	mov $RESULTS_GPA, %rbp\n"
    "1:	mov (%rbx), %ecx\n"
    "	test %ecx, %ecx\n"
    "	jz 2f\n"
    "	xor %r15d, %r15d\n"
    "	rdmsr\n"
    "	mov %r15b, (%rbp)\n"
    "	xor %r15d, %r15d\n"
    "	xor %eax, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	mov %r15b, 1(%rbp)\n"
    "	add $4, %rbx\n"
    "	add $2, %rbp\n"
    "	jmp 1b\n"
    "2:	mov $5, %eax\n"			/* KVM_HC_KICK_CPU */
    "	xor %ebx, %ebx\n"
    "	mov $0x55, %ecx\n"
    "	call probe_hc\n"
    "	mov %rax, RESULTS_GPA + 0x100\n"
    "	mov $10, %eax\n"			/* KVM_HC_SEND_IPI */
    "	xor %ebx, %ebx\n"
    "	xor %ecx, %ecx\n"
    "	xor %edx, %edx\n"
    "	xor %esi, %esi\n"
    "	call probe_hc\n"
    "	mov %rax, RESULTS_GPA + 0x108\n"
    "	mov $11, %eax\n"			/* KVM_HC_SCHED_YIELD */
    "	mov $0x55, %ebx\n"
    "	call probe_hc\n"
    "	mov %rax, RESULTS_GPA + 0x110\n"
    "	GUEST_DONE\n"
    HC_SUB("probe_hc")
    /* #GP: note it, skip the 2-byte RDMSR/WRMSR. */
    "probe_gp:\n"
    "	pop %r14\n"
    "	mov $13, %r15d\n"
    "	addq $2, (%rsp)\n"
    "	iretq\n"
    "probe_end:\n"
    GUEST_SECTION_END);

static struct kvm_vm *vm_with_irqchip(void)
{
	struct kvm_vm *vm;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	vm = vm_create_default();
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	*(uint8_t *)vm_gpa_to_hva(vm, HC_AMD_FLAG) = kvm_cpu_is_amd();
	return vm;
}

/* A vCPU whose leaf 0x40000001 EAX is @features. */
static struct kvm_vcpu *pv_vcpu(struct kvm_vm *vm, uint32_t id, uint32_t features)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, id);
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->kvm_fd);
	struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, KVM_CPUID_FEATURES, 0);

	CHECK(e, "no leaf 0x40000001");
	e->eax = features;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid));
	free(cpuid);
	return vcpu;
}

static void enforce(struct kvm_vcpu *vcpu)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = { 1 },
	};

	REQUIRE(kvm_check_cap(KVM_CAP_ENFORCE_PV_FEATURE_CPUID),
		"no KVM_CAP_ENFORCE_PV_FEATURE_CPUID");
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap));
}

/* Run the probe; every MSR access must raise @vector, every call return @hc. */
static void run_probe(struct kvm_vm *vm, struct kvm_vcpu *vcpu, uint8_t vector,
		      uint64_t hc)
{
	uint32_t *table = vm_gpa_to_hva(vm, GUEST_DATA_GPA);
	uint8_t *res = vm_gpa_to_hva(vm, RESULTS_GPA);
	uint64_t *hcres = vm_gpa_to_hva(vm, RESULTS_GPA + 0x100);
	size_t i;

	memcpy(table, pv_msrs, sizeof(pv_msrs));
	table[ARRAY_SIZE(pv_msrs)] = 0;
	memset(res, 0xff, 2 * ARRAY_SIZE(pv_msrs));
	vm_load_code(vm, probe_start, probe_end);
	vm_set_idt_gate64(vm, X86_VEC_GP, GUEST_CODE_ADDR(probe_gp, probe_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_done(vcpu);
	for (i = 0; i < ARRAY_SIZE(pv_msrs); i++) {
		CHECK(res[2 * i] == vector, "RDMSR 0x%x: vector %u, want %u",
		      pv_msrs[i], res[2 * i], vector);
		CHECK(res[2 * i + 1] == vector, "WRMSR 0x%x: vector %u, want %u",
		      pv_msrs[i], res[2 * i + 1], vector);
	}
	for (i = 0; i < 3; i++)
		CHECK(hcres[i] == hc, "hypercall %zu returned %lld, want %lld",
		      i, (long long)hcres[i], (long long)hc);
}

static void test_supported_features(void)
{
	struct kvm_vm *vm = vm_create();
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vm->kvm_fd);
	struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, KVM_CPUID_FEATURES, 0);

	CHECK(e, "no leaf 0x40000001");
	CHECK((e->eax & PV_FEATURES) == PV_FEATURES, "EAX 0x%x lacks 0x%x",
	      e->eax, PV_FEATURES & ~e->eax);
	/* kvmx offers exactly what it implements: no async page faults. */
	if (hv_is_kvmx())
		CHECK_EQ(e->eax, PV_FEATURES);
	CHECK_EQ(kvm_check_cap(KVM_CAP_ENFORCE_PV_FEATURE_CPUID), 1);
	free(cpuid);
	vm_free(vm);
}

static void test_enforce_denies(void)
{
	struct kvm_vm *vm = vm_with_irqchip();
	struct kvm_vcpu *vcpu = pv_vcpu(vm, 0, 0);
	uint64_t v;
	size_t i;

	enforce(vcpu);
	run_probe(vm, vcpu, X86_VEC_GP, (uint64_t)-KVM_ENOSYS);
	/* Userspace is refused the same MSRs. */
	for (i = 0; i < ARRAY_SIZE(pv_msrs); i++) {
		CHECK(__vcpu_get_msr(vcpu, pv_msrs[i], &v) == 0,
		      "KVM_GET_MSRS 0x%x succeeded", pv_msrs[i]);
		CHECK(__vcpu_set_msr(vcpu, pv_msrs[i], 0) == 0,
		      "KVM_SET_MSRS 0x%x succeeded", pv_msrs[i]);
	}
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_enforce_allows(void)
{
	struct kvm_vm *vm = vm_with_irqchip();
	struct kvm_vcpu *vcpu = pv_vcpu(vm, 0, PV_MSR_FEATURES);

	enforce(vcpu);
	run_probe(vm, vcpu, 0, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* Without the capability the CPUID bits are not looked at. */
static void test_no_enforcement(void)
{
	struct kvm_vm *vm = vm_with_irqchip();
	struct kvm_vcpu *vcpu = pv_vcpu(vm, 0, 0);

	run_probe(vm, vcpu, 0, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

static bool msr_listed(struct kvm_msr_list *list, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < list->nmsrs; i++)
		if (list->indices[i] == index)
			return true;
	return false;
}

static void test_msr_rules(void)
{
	struct kvm_vm *vm = vm_with_irqchip();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_msr_list *list = calloc(1, sizeof(*list) + 1024 * 4);
	size_t i;

	list->nmsrs = 1024;
	CHECK_IOCTL_OK(ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, list));
	for (i = 4; i < ARRAY_SIZE(pv_msrs); i++)
		CHECK(msr_listed(list, pv_msrs[i]), "0x%x not in the index list",
		      pv_msrs[i]);
	free(list);

	/* Poll control: bit 0 only, 1 after creation. */
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_KVM_POLL_CONTROL), 1);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_KVM_POLL_CONTROL, 2), 0);
	vcpu_set_msr(vcpu, MSR_KVM_POLL_CONTROL, 0);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_KVM_POLL_CONTROL), 0);
	/* Steal time: 64-byte alignment, bits 1-5 reserved. */
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_KVM_STEAL_TIME, ST_GPA | 2), 0);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_KVM_STEAL_TIME, ST_GPA | 0x21), 0);
	vcpu_set_msr(vcpu, MSR_KVM_STEAL_TIME, ST_GPA | KVM_MSR_ENABLED);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_KVM_STEAL_TIME), ST_GPA | KVM_MSR_ENABLED);
	/* PV EOI: 4-byte alignment; enabled only over guest memory. */
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_KVM_PV_EOI_EN, PV_EOI_GPA | 3), 0);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_KVM_PV_EOI_EN, GUEST_MMIO_GPA | 1), 0);
	vcpu_set_msr(vcpu, MSR_KVM_PV_EOI_EN, GUEST_MMIO_GPA);
	vcpu_set_msr(vcpu, MSR_KVM_PV_EOI_EN, PV_EOI_GPA | 1);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_KVM_PV_EOI_EN), PV_EOI_GPA | 1);
	/* Async PF: bits 4-5 reserved; delivery as interrupt needs memory. */
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_KVM_ASYNC_PF_EN, 0x10), 0);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_KVM_ASYNC_PF_EN, GUEST_MMIO_GPA | 9), 0);
	vcpu_set_msr(vcpu, MSR_KVM_ASYNC_PF_EN, 0);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_KVM_ASYNC_PF_EN), 0);
	/* Its interrupt vector: bits 0-7. */
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_KVM_ASYNC_PF_INT, 0x100), 0);
	vcpu_set_msr(vcpu, MSR_KVM_ASYNC_PF_INT, 0xec);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_KVM_ASYNC_PF_INT), 0xec);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_KVM_ASYNC_PF_ACK), 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* ---- Steal time ---- */

/*
 * Report the steal-time structure at each stop: RSI = version, RDX =
 * steal; UCALL_FAIL 1 if the version is odd, 2 if the preempted byte is
 * set while the guest runs.
 */
extern const uint8_t steal_start[], steal_end[];
asm(GUEST_SECTION
    ".code64\n"
    "steal_start:\n"
    "	mov $ST_GPA, %rbx\n"
    "1:	mov 8(%rbx), %esi\n"
    "	test $1, %esi\n"
    "	jz 2f\n"
    "	GUEST_FAIL 1\n"
    "2:	movzbl 16(%rbx), %esi\n"
    "	test %esi, %esi\n"
    "	jz 3f\n"
    "	GUEST_FAIL 2\n"
    "3:	mov 8(%rbx), %esi\n"
    "	mov (%rbx), %rdx\n"
    "	GUEST_SYNC 1\n"
    "	jmp 1b\n"
    "steal_end:\n"
    GUEST_SECTION_END);

/* This thread's run delay (ns): time runnable but waiting for a CPU. */
static uint64_t run_delay(void)
{
	unsigned long long run = 0, delay = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	CHECK(f, "no /proc/thread-self/schedstat");
	CHECK(fscanf(f, "%llu %llu", &run, &delay) == 2, "schedstat");
	fclose(f);
	return delay;
}

static void steal_sync(struct kvm_vcpu *vcpu, uint32_t *version, uint64_t *steal)
{
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1, &uc);
	*version = uc.args[1];
	*steal = uc.args[2];
}

static volatile bool spin_stop;

static void *spinner(void *arg)
{
	while (!spin_stop)
		;
	return NULL;
}

/*
 * Pin this thread to its current CPU (threads it creates inherit that);
 * *@old: its affinity before, for unpin().
 */
static void pin_here(cpu_set_t *old)
{
	cpu_set_t set;

	CHECK(!sched_getaffinity(0, sizeof(*old), old), "sched_getaffinity");
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	CHECK(!sched_setaffinity(0, sizeof(set), &set), "sched_setaffinity");
}

static void unpin(const cpu_set_t *old)
{
	CHECK(!sched_setaffinity(0, sizeof(*old), old), "sched_setaffinity");
}

static void test_steal_time(void)
{
	struct kvm_vm *vm = vm_with_irqchip();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_steal_time *st = vm_gpa_to_hva(vm, ST_GPA);
	uint64_t steal1, steal2, steal3, before, delay;
	uint32_t v1, v2, v3;
	cpu_set_t cpus;
	pthread_t tid;

	vm_load_code(vm, steal_start, steal_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	st->version = 7;	/* odd junk: the first update starts it even */
	vcpu_set_msr(vcpu, MSR_KVM_STEAL_TIME, ST_GPA | KVM_MSR_ENABLED);

	steal_sync(vcpu, &v1, &steal1);
	CHECK(v1 > 7, "version %u", v1);
	CHECK(steal1 <= run_delay(), "steal %llu above the run delay %llu",
	      (unsigned long long)steal1, (unsigned long long)run_delay());

	/* A preempted byte (and a flush request) is cleared by the next entry. */
	st->preempted = KVM_VCPU_PREEMPTED | KVM_VCPU_FLUSH_TLB;
	steal_sync(vcpu, &v2, &steal2);
	CHECK(v2 > v1, "version %u after %u", v2, v1);
	CHECK_EQ(st->preempted, 0);

	/* Another thread on this CPU delays this one: the guest sees it. */
	pin_here(&cpus);
	spin_stop = false;
	before = run_delay();
	CHECK(!pthread_create(&tid, NULL, spinner, NULL), "pthread_create");
	do
		sched_yield();
	while (run_delay() - before < 20 * 1000 * 1000);
	spin_stop = true;
	pthread_join(tid, NULL);
	delay = run_delay() - before;
	unpin(&cpus);
	steal_sync(vcpu, &v3, &steal3);
	CHECK(v3 > v2, "version %u after %u", v3, v2);
	CHECK(steal3 - steal2 >= delay, "steal grew by %llu, the delay was %llu",
	      (unsigned long long)(steal3 - steal2), (unsigned long long)delay);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * The vCPU's thread, preempted in KVM_RUN by this one, shows as preempted
 * in the steal-time structure; the guest, running again, sees 0 there.
 * The guest sets the started flag, waits for the go flag, checks the
 * preempted byte (UCALL_FAIL 2) and is done.  kvm reports a preemption
 * only after an exit for a host interrupt, and kvm-intel also exits for
 * the wait loop's PAUSE (which Bochs needs: a nested guest spinning
 * without it was seen never to let its host run).
 */
#define STARTED_GPA	0xc600
#define GO_GPA		0xc608
extern const uint8_t pre_start[], pre_end[];
asm(GUEST_SECTION
    ".code64\n"
    "pre_start:\n"
    "	movl $1, " GUEST_XSTR(STARTED_GPA) "\n"
    "1:	pause\n"
    "	cmpl $0, " GUEST_XSTR(GO_GPA) "\n"
    "	je 1b\n"
    "	movzbl ST_GPA + 16, %esi\n"
    "	test %esi, %esi\n"
    "	jz 2f\n"
    "	GUEST_FAIL 2\n"
    "2:	GUEST_DONE\n"
    "pre_end:\n"
    GUEST_SECTION_END);

struct run_thread {
	struct kvm_vcpu *vcpu;
	int result;		/* 0 done, 1 a bad exit, 100 + id a UCALL_FAIL */
	uint32_t stages;	/* bit n: GUEST_SYNC n seen */
};

/* Runs on its own thread (no CHECK there): KVM_RUN until UCALL_DONE. */
static void *run_to_done(void *arg)
{
	struct run_thread *t = arg;
	struct kvm_regs regs;

	for (;;) {
		t->result = 1;
		if (__vcpu_run(t->vcpu) || !vcpu_is_ucall_exit(t->vcpu) ||
		    ioctl(t->vcpu->fd, KVM_GET_REGS, &regs))
			return NULL;
		switch ((uint32_t)regs.rax) {
		case UCALL_DONE:
			t->result = 0;
			return NULL;
		case UCALL_SYNC:
			t->stages |= 1U << (regs.rdi & 31);
			continue;
		case UCALL_FAIL:
			t->result = 100 + (int)regs.rdi;
			return NULL;
		default:
			return NULL;
		}
	}
}

static void test_steal_time_preempted(void)
{
	volatile uint32_t *started, *go;
	struct run_thread t = { .result = -1 };
	struct kvm_steal_time *st;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct timespec ms = { 0, 1000 * 1000 };
	uint8_t preempted;
	cpu_set_t cpus;
	pthread_t tid;
	int i;

	REQUIRE(!kvm_cpu_is_intel() || hv_is_kvmx(),
		"kvm-intel reports no preemption after a PAUSE exit");
	vm = vm_with_irqchip();
	vcpu = vcpu_create(vm, 0);
	t.vcpu = vcpu;
	st = vm_gpa_to_hva(vm, ST_GPA);
	started = vm_gpa_to_hva(vm, STARTED_GPA);
	go = vm_gpa_to_hva(vm, GO_GPA);
	vm_load_code(vm, pre_start, pre_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_set_msr(vcpu, MSR_KVM_STEAL_TIME, ST_GPA | KVM_MSR_ENABLED);
	/* Both threads on one CPU: while this one runs, the vCPU's cannot. */
	pin_here(&cpus);
	CHECK(!pthread_create(&tid, NULL, run_to_done, &t), "pthread_create");
	for (i = 0; i < 5000 && !*started; i++)
		nanosleep(&ms, NULL);
	nanosleep(&ms, NULL);
	preempted = __atomic_load_n(&st->preempted, __ATOMIC_SEQ_CST);
	*go = 1;
	pthread_join(tid, NULL);
	unpin(&cpus);
	CHECK(*started, "the guest did not start");
	CHECK_EQ(preempted, KVM_VCPU_PREEMPTED);
	CHECK(t.result == 0, "vCPU thread: step %d", t.result);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* ---- Hypercalls with the in-kernel APIC (32-bit guests) ---- */

#define LAPIC_ID	"0xfee00020"
#define LAPIC_SVR	"0xfee000f0"
#define LAPIC_EOI	"0xfee000b0"
#define LAPIC_ISR3	"0xfee00130"	/* ISR bits 96-127: 0x60 is bit 0 */
#define LAPIC_ICR	"0xfee00300"
#define COUNT_GPA	0xc700

/*
 * kick: each vCPU first enables its APIC (SYNC 3; kvm's APIC map takes in
 * a vCPU's APIC only once its guest has changed its APIC state, as every
 * OS does).  Then vCPU 0 (APIC 0) sends KVM_HC_KICK_CPU to APIC 1 and
 * reports its RAX (SYNC 1); vCPU 1 halts with interrupts off, which only
 * the kick can end, then reports (SYNC 2).
 */
extern const uint8_t kick_start[], kick_end[];
asm(GUEST_SECTION
    ".code32\n"
    "kick_start:\n"
    "	movl $0x1ff, " LAPIC_SVR "\n"
    "	GUEST_SYNC 3\n"
    "	mov " LAPIC_ID ", %eax\n"
    "	shr $24, %eax\n"
    "	test %eax, %eax\n"
    "	jnz 1f\n"
    "	mov $5, %eax\n"			/* KVM_HC_KICK_CPU */
    "	xor %ebx, %ebx\n"
    "	mov $1, %ecx\n"
    "	call kick_hc\n"
    "	mov %eax, %esi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "1:	cli\n"
    "	hlt\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    HC_SUB("kick_hc")
    "kick_end:\n"
    GUEST_SECTION_END);

static void test_kick_cpu(void)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_vm *vm = vm_with_irqchip();
	struct kvm_vcpu *bsp = vcpu_create(vm, 0);
	struct run_thread ap = { .vcpu = vcpu_create(vm, 1), .result = -1 };
	struct timespec wait = { 0, 200 * 1000 * 1000 };
	struct kvm_regs regs;
	struct ucall uc;
	pthread_t tid;

	vm_load_code(vm, kick_start, kick_end);
	vcpu_setup_mode(bsp, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	vcpu_setup_mode(ap.vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	vcpu_get_regs(ap.vcpu, &regs);
	regs.rsp = GUEST_STACK_TOP - 0x800;
	vcpu_set_regs(ap.vcpu, &regs);
	CHECK_IOCTL_OK(ioctl(ap.vcpu->fd, KVM_SET_MP_STATE, &runnable));
	vcpu_expect_sync(ap.vcpu, 3, &uc);
	vcpu_expect_sync(bsp, 3, &uc);
	CHECK(!pthread_create(&tid, NULL, run_to_done, &ap), "pthread_create");
	nanosleep(&wait, NULL);		/* let it reach its HLT */
	vcpu_expect_sync(bsp, 1, &uc);
	CHECK_EQ((uint32_t)uc.args[1], 0);
	vcpu_expect_done(bsp);
	pthread_join(tid, NULL);
	CHECK(ap.result == 0, "the halted vCPU: step %d", ap.result);
	CHECK_EQ(ap.stages, 1U << 2);
	vcpu_free(ap.vcpu);
	vcpu_free(bsp);
	vm_free(vm);
}

/*
 * send_ipi: with its APIC enabled and IF = 1, the guest sends itself
 * vector 0x60 by bitmap (its RAX to RESULTS_GPA), then tries a logical
 * and a shorthand ICR, a bitmap past every APIC and one in the high
 * cluster (APIC 32 on); the handler counts at COUNT_GPA (SYNC 1: RSI =
 * the count).
 */
#define SEND_IPI(low, high, min, icr, slot)	\
	"	mov $10, %eax\n"		\
	"	mov $" #low ", %ebx\n"		\
	"	mov $" #high ", %ecx\n"		\
	"	mov $" #min ", %edx\n"		\
	"	mov $" #icr ", %esi\n"		\
	"	call ipi_hc\n"			\
	"	mov %eax, RESULTS_GPA + 4 * " #slot "\n"

extern const uint8_t ipi_start[], ipi_end[], ipi_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "ipi_start:\n"
    "	movl $0x1ff, " LAPIC_SVR "\n"
    "	sti\n"
    SEND_IPI(1, 0, 0, 0x60, 0)
    SEND_IPI(1, 0, 0, 0x860, 1)		/* logical */
    SEND_IPI(1, 0, 0, 0x40060, 2)	/* shorthand: self */
    SEND_IPI(1, 0, 7, 0x60, 3)		/* APIC 7: none */
    SEND_IPI(0, 1, 0, 0x60, 4)		/* APIC 32: none */
    "	cli\n"
    "	mov " GUEST_XSTR(COUNT_GPA) ", %esi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    HC_SUB("ipi_hc")
    "ipi_handler:\n"
    "	incl " GUEST_XSTR(COUNT_GPA) "\n"
    "	movl $0, " LAPIC_EOI "\n"
    "	iret\n"
    "ipi_end:\n"
    GUEST_SECTION_END);

static void test_send_ipi(void)
{
	struct kvm_vm *vm = vm_with_irqchip();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint32_t *res = vm_gpa_to_hva(vm, RESULTS_GPA);
	struct ucall uc;

	vm_load_code(vm, ipi_start, ipi_end);
	vm_set_idt_gate32(vm, IPI_VECTOR, GUEST_CODE_ADDR(ipi_handler, ipi_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(res[0], 1);
	CHECK_EQ(res[1], (uint32_t)-KVM_EINVAL);
	CHECK_EQ(res[2], (uint32_t)-KVM_EINVAL);
	CHECK_EQ(res[3], 0);
	CHECK_EQ(res[4], 0);
	CHECK_EQ((uint32_t)uc.args[1], 1);	/* one interrupt taken */
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * pv_eoi: the guest enables PV EOI and sends itself vector 0x60 twice; for
 * each interrupt i its handler records the PV EOI byte (RESULTS_GPA +
 * 4 * i), clears it, and writes the EOI register only if the byte was
 * clear (noting it at RESULTS_GPA + 0x20 + 4 * i).  After each, the ISR,
 * read through MMIO, must hold nothing (SYNC 1 and 2: RSI).
 */
#define EOI_SELF_IPI(stage)						\
	"	movl $0x44060, " LAPIC_ICR "\n"	/* self, fixed, 0x60 */	\
	"	nop\n"								\
	"	nop\n"								\
	"	mov " LAPIC_ISR3 ", %esi\n"					\
	"	GUEST_SYNC " #stage "\n"

extern const uint8_t eoi_start[], eoi_end[], eoi_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "eoi_start:\n"
    "	movl $0x1ff, " LAPIC_SVR "\n"
    "	mov $0x4b564d04, %ecx\n"		/* MSR_KVM_PV_EOI_EN */
    "	mov $PV_EOI_GPA + 1, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	sti\n"
    EOI_SELF_IPI(1)
    EOI_SELF_IPI(2)
    "	GUEST_DONE\n"
    "eoi_handler:\n"
    "	push %eax\n"
    "	push %ecx\n"
    "	mov " GUEST_XSTR(COUNT_GPA) ", %ecx\n"
    "	movzbl PV_EOI_GPA, %eax\n"
    "	mov %eax, RESULTS_GPA(,%ecx,4)\n"
    "	btrl $0, PV_EOI_GPA\n"
    "	jc 1f\n"
    "	movl $0, " LAPIC_EOI "\n"
    "	movl $1, RESULTS_GPA + 0x20(,%ecx,4)\n"
    "1:	incl " GUEST_XSTR(COUNT_GPA) "\n"
    "	pop %ecx\n"
    "	pop %eax\n"
    "	iret\n"
    "eoi_end:\n"
    GUEST_SECTION_END);

static void test_pv_eoi(void)
{
	struct kvm_vm *vm = vm_with_irqchip();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint32_t *seen = vm_gpa_to_hva(vm, RESULTS_GPA);
	uint32_t *reg_eoi = vm_gpa_to_hva(vm, RESULTS_GPA + 0x20);
	uint32_t *count = vm_gpa_to_hva(vm, COUNT_GPA);
	struct ucall uc;
	int i;

	vm_load_code(vm, eoi_start, eoi_end);
	vm_set_idt_gate32(vm, IPI_VECTOR, GUEST_CODE_ADDR(eoi_handler, eoi_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	for (i = 0; i < 2; i++) {
		vcpu_expect_sync(vcpu, i + 1, &uc);
		CHECK_EQ(*count, i + 1);
		CHECK_EQ((uint32_t)uc.args[1], 0);	/* nothing in service */
		/* Either way the interrupt ended exactly once. */
		CHECK_EQ(seen[i] ^ reg_eoi[i], 1);
	}
	/*
	 * The second time the byte was set: kvm-amd leaves it clear for the
	 * very first interrupt a guest takes (kvmx does not), and kvm-intel
	 * with APIC virtualization keeps the ISR in hardware and never
	 * offers PV EOI.
	 */
	if (!kvm_cpu_is_intel() || hv_is_kvmx())
		CHECK_EQ(seen[1], KVM_PV_EOI_ENABLED);
	if (hv_is_kvmx())
		CHECK_EQ(seen[0], KVM_PV_EOI_ENABLED);
	CHECK_EQ(*(uint8_t *)vm_gpa_to_hva(vm, PV_EOI_GPA), 0);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * fixhc: the other vendor's hypercall instruction (VMMCALL on Intel,
 * VMCALL on AMD), with KVM_HC_VAPIC_POLL_IRQ: kvm writes the native one
 * over it and runs that (SYNC 1: RSI = RAX).  A UD2 still reaches the
 * guest's #UD handler (SYNC 2: RSI = 6).
 */
extern const uint8_t fixhc_start[], fixhc_end[], fixhc_insn[], fixhc_ud[];
asm(GUEST_SECTION
    ".code64\n"
    "fixhc_start:\n"
    "	mov $1, %eax\n"			/* KVM_HC_VAPIC_POLL_IRQ */
    "	mov $-1, %rbx\n"
    "fixhc_insn:\n"
    "	vmcall\n"				/* the host picks the wrong one */
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 1\n"
    "	xor %esi, %esi\n"
    "	ud2\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "fixhc_ud:\n"
    "	mov $6, %esi\n"
    "	addq $2, (%rsp)\n"
    "	iretq\n"
    "fixhc_end:\n"
    GUEST_SECTION_END);

static void test_other_vendor_hypercall(void)
{
	struct kvm_vm *vm = vm_with_irqchip();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint8_t *insn;
	uint8_t native = kvm_cpu_is_amd() ? 0xd9 : 0xc1;
	struct ucall uc;

	REQUIRE(kvm_cpu_is_amd() || kvm_cpu_is_intel(), "neither Intel nor AMD");
	vm_load_code(vm, fixhc_start, fixhc_end);
	vm_set_idt_gate64(vm, X86_VEC_UD, GUEST_CODE_ADDR(fixhc_ud, fixhc_start));
	insn = vm_gpa_to_hva(vm, GUEST_CODE_ADDR(fixhc_insn, fixhc_start));
	insn[2] = native ^ 0xc1 ^ 0xd9;		/* the other vendor's */
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0);
	CHECK_EQ(insn[0], 0x0f);
	CHECK_EQ(insn[1], 0x01);
	CHECK_EQ(insn[2], native);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1], X86_VEC_UD);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_supported_features),
	TEST_CASE(test_enforce_denies),
	TEST_CASE(test_enforce_allows),
	TEST_CASE(test_no_enforcement),
	TEST_CASE(test_msr_rules),
	TEST_CASE(test_steal_time),
	TEST_CASE(test_steal_time_preempted),
	TEST_CASE(test_kick_cpu),
	TEST_CASE(test_send_ipi),
	TEST_CASE(test_pv_eoi),
	TEST_CASE(test_other_vendor_hypercall),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
