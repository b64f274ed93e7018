// SPDX-License-Identifier: GPL-2.0
/*
 * smp_test: vCPUs of one VM running at the same time on their own threads.
 *
 * Each vCPU runs on a thread other than the one that created it; they share
 * guest memory: LOCK-prefixed increments of one counter by every vCPU add up
 * exactly, and each vCPU's exits (ucalls) carry its own registers.  A vCPU
 * may move between host threads from one KVM_RUN to the next.
 *
 * With the in-kernel irqchip: an AP starts UNINITIALIZED and its KVM_RUN
 * sleeps until the BSP sends INIT and a start-up IPI through its local
 * APIC; the AP then runs in real mode at vector * 4 KiB, and the BSP takes a
 * fixed self-IPI through the ICR shorthand.  Logical (flat, cluster) and
 * lowest-priority destinations, in xAPIC and x2APIC modes; an IPI token passed around four vCPUs that
 * sleep in HLT between turns.
 */
#include <pthread.h>
#include <sys/ioctl.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define NR_VCPUS	2
#define ITERATIONS	20000
#define COUNTER_GPA	GUEST_DATA_GPA
#define ID_TAG		0x1000

/* RBX = iterations, RBP = the vCPU's tag: adds to the shared counter. */
extern const uint8_t smp_start[], smp_end[];
asm(GUEST_SECTION
    ".code64\n"
    "smp_start:\n"
    "	mov %rbp, %rsi\n"
    "	GUEST_SYNC 1\n"
    "1:	lock incq (GUEST_DATA_GPA)\n"
    "	dec %rbx\n"
    "	jnz 1b\n"
    "	mov %rbp, %rsi\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "smp_end:\n"
    GUEST_SECTION_END);

struct vcpu_thread {
	struct kvm_vcpu *vcpu;
	int result;		/* 0 = ok, else the stage that went wrong */
};

/*
 * A thread must not call the CHECK macros (they longjmp into the main
 * thread's test case): it records what failed and the main thread checks.
 */
static int run_stage(struct kvm_vcpu *vcpu, uint64_t stage, uint64_t type)
{
	struct kvm_regs regs;
	int r = __vcpu_run(vcpu);

	if (r || !vcpu_is_ucall_exit(vcpu))
		return 1;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs))
		return 2;
	if ((uint32_t)regs.rax != type)
		return 3;
	if (type == UCALL_SYNC &&
	    (regs.rdi != stage || regs.rsi != ID_TAG + vcpu->id))
		return 4;
	return 0;
}

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;

	t->result = run_stage(t->vcpu, 2, UCALL_SYNC);
	if (!t->result)
		t->result = run_stage(t->vcpu, 0, UCALL_DONE) ? 10 : 0;
	return NULL;
}

static void test_parallel_vcpus(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct vcpu_thread threads[NR_VCPUS];
	pthread_t tids[NR_VCPUS];
	struct kvm_regs regs;
	struct ucall uc;
	int i;

	vm_load_code(vm, smp_start, smp_end);
	for (i = 0; i < NR_VCPUS; i++) {
		threads[i].vcpu = vcpu_create(vm, i);
		threads[i].result = -1;
		vcpu_setup_mode(threads[i].vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
		vcpu_get_regs(threads[i].vcpu, &regs);
		regs.rbx = ITERATIONS;
		regs.rbp = ID_TAG + i;
		vcpu_set_regs(threads[i].vcpu, &regs);
		/* The first stage on the main thread... */
		vcpu_expect_sync(threads[i].vcpu, 1, &uc);
		CHECK_EQ(uc.args[1], ID_TAG + i);
	}
	/* ...the rest on threads of their own, all at once. */
	for (i = 0; i < NR_VCPUS; i++)
		CHECK(!pthread_create(&tids[i], NULL, vcpu_thread_fn, &threads[i]),
		      "pthread_create");
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < NR_VCPUS; i++)
		CHECK(threads[i].result == 0, "vCPU %d: stage failed (%d)", i, threads[i].result);
	CHECK_EQ(*(uint64_t *)vm_gpa_to_hva(vm, COUNTER_GPA), (uint64_t)NR_VCPUS * ITERATIONS);
	for (i = 0; i < NR_VCPUS; i++)
		vcpu_free(threads[i].vcpu);
	vm_free(vm);
}

/*
 * BSP, flat protected mode: enable the local APIC, INIT then SIPI (vector
 * SIPI_VECTOR) to APIC ID 1, wait for the AP's flag, then with IF = 1 a
 * fixed IPI to itself (shorthand "self"); the handler puts the vector in
 * EBX and EOIs; once EBX shows it, SYNC 1 reports EBX.
 */
#define SIPI_VECTOR	0x10		/* the AP starts at 0x10000 */
#define AP_CODE_GPA	(SIPI_VECTOR << 12)
#define AP_FLAG		0x5a5a
#define SELF_IPI_VECTOR	0x40
extern const uint8_t bsp_start[], bsp_end[], bsp_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "bsp_start:\n"
    "	movl $0x1ff, 0xfee000f0\n"		/* SVR: APIC on */
    "	movl $0x01000000, 0xfee00310\n"	/* ICR2: APIC ID 1 */
    "	movl $0x00004500, 0xfee00300\n"	/* INIT, assert */
    "	movl $0x00004610, 0xfee00300\n"	/* SIPI, vector 0x10 */
    "1:	pause\n"
    "	cmpl $0x5a5a, (GUEST_DATA_GPA + 8)\n"
    "	jne 1b\n"
    "	xor %ebx, %ebx\n"
    "	sti\n"
    "	movl $0x00044040, 0xfee00300\n"	/* self, fixed, vector 0x40 */
    "2:	cmp $0x40, %ebx\n"
    "	jne 2b\n"
    "	cli\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "bsp_handler:\n"
    "	mov $0x40, %ebx\n"
    "	movl $0, 0xfee000b0\n"		/* EOI */
    "	iret\n"
    "bsp_end:\n"
    GUEST_SECTION_END);

/* AP, real mode at CS = 0x1000: set the flag, SYNC 1 with RSI = CS. */
extern const uint8_t ap_start[], ap_end[];
asm(GUEST_SECTION
    ".code16\n"
    "ap_start:\n"
    "	xor %ax, %ax\n"
    "	mov %ax, %ds\n"
    "	movw $0x5a5a, (GUEST_DATA_GPA + 8)\n"
    "	mov %cs, %si\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "ap_end:\n"
    GUEST_SECTION_END);

struct ap_thread {
	struct kvm_vcpu *vcpu;
	int result;		/* 0 = ok, else the step that went wrong */
};

/* Runs on its own thread (no CHECK there): 0, or the step that failed. */
static int ap_run(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;
	int r, tries = 0;

	/*
	 * Sleeps in the kernel until INIT (and SIPI); as in kvm, that first
	 * KVM_RUN may end with EAGAIN once the AP woke: run it again.
	 */
	do {
		r = __vcpu_run(vcpu);
	} while (r && errno == EAGAIN && ++tries < 10);
	if (r || !vcpu_is_ucall_exit(vcpu))
		return 1;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs))
		return 2;
	if ((uint32_t)regs.rax != UCALL_SYNC || regs.rdi != 1 ||
	    (regs.rsi & 0xffff) != (SIPI_VECTOR << 8))
		return 3;
	if (__vcpu_run(vcpu) || !vcpu_is_ucall_exit(vcpu))
		return 4;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) || (uint32_t)regs.rax != UCALL_DONE)
		return 5;
	return 0;
}

static void *ap_thread_fn(void *arg)
{
	struct ap_thread *t = arg;

	t->result = ap_run(t->vcpu);
	return NULL;
}

static void test_init_sipi_and_ipi(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *bsp;
	struct ap_thread ap = { .result = -1 };
	struct kvm_mp_state mp;
	struct ucall uc;
	pthread_t tid;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	vm = vm_create_default();
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	bsp = vcpu_create(vm, 0);
	ap.vcpu = vcpu_create(vm, 1);
	vm_load_code(vm, bsp_start, bsp_end);
	vm_load(vm, AP_CODE_GPA, ap_start, ap_end);
	vm_set_idt_gate32(vm, SELF_IPI_VECTOR, GUEST_CODE_ADDR(bsp_handler, bsp_start));
	vcpu_setup_mode(bsp, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	CHECK_IOCTL_OK(ioctl(ap.vcpu->fd, KVM_GET_MP_STATE, &mp));
	CHECK_EQ(mp.mp_state, KVM_MP_STATE_UNINITIALIZED);

	CHECK(!pthread_create(&tid, NULL, ap_thread_fn, &ap), "pthread_create");
	vcpu_expect_sync(bsp, 1, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, SELF_IPI_VECTOR);
	vcpu_expect_done(bsp);
	pthread_join(tid, NULL);
	CHECK(ap.result == 0, "AP: step %d failed", ap.result);
	CHECK_IOCTL_OK(ioctl(ap.vcpu->fd, KVM_GET_MP_STATE, &mp));
	CHECK_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	vcpu_free(ap.vcpu);
	vcpu_free(bsp);
	vm_free(vm);
}

/*
 * Logical destinations and lowest-priority delivery, through MSIs
 * (KVM_SIGNAL_MSI) to LP_VCPUS vCPUs.  Each vCPU, flat protected mode,
 * software-enables its local APIC, loads DFR from EBX and LDR from ECX,
 * SYNC 1; then with IF = 1 for a while it takes what is pending, SYNC 2.
 * Vectors LP_VECTOR + k (k < 8) each have a stub that sets bit k of the
 * dword at GUEST_DATA_GPA + 4 * (APIC ID), so the host sees who got what.
 *
 * kvm (6.1, vector_hashing=Y by default) gives a lowest-priority interrupt
 * to destination number (vector mod number of destinations), counting the
 * matching APICs in order; kvmx does the same.
 */
#define LP_VCPUS	4
#define LP_VECTOR	0x50
#define LP_STACK	0x400
extern const uint8_t lp_start[], lp_end[], lp_stubs[];
asm(GUEST_SECTION
    ".code32\n"
    "lp_start:\n"
    "	movl $0x1ff, 0xfee000f0\n"		/* SVR: APIC enabled */
    "	mov %ebx, 0xfee000e0\n"		/* DFR */
    "	mov %ecx, 0xfee000d0\n"		/* LDR */
    "	GUEST_SYNC 1\n"
    "	sti\n"
    "	mov $20000, %ecx\n"
    "1:	pause\n"
    "	loop 1b\n"
    "	cli\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "lp_common:\n"
    "	push %eax\n"
    "	push %ecx\n"
    "	mov 8(%esp), %ecx\n"			/* k */
    "	mov 0xfee00020, %eax\n"
    "	shr $24, %eax\n"			/* APIC ID */
    "	btsl %ecx, GUEST_DATA_GPA(,%eax,4)\n"
    "	movl $0, 0xfee000b0\n"			/* EOI */
    "	pop %ecx\n"
    "	pop %eax\n"
    "	add $4, %esp\n"
    "	iret\n"
    "	.balign 8\n"
    "lp_stubs:\n"
    "	.irp k, 0, 1, 2, 3, 4, 5, 6, 7\n"
    "	push $\\k\n"
    "	jmp lp_common\n"
    "	.balign 8\n"
    "	.endr\n"
    "lp_end:\n"
    GUEST_SECTION_END);

#define MSI_ADDR_LOGICAL	(1u << 2)

struct lp_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu[LP_VCPUS];
};

/* A VM whose vCPU i has DFR @dfr and LDR ldr[i] << 24, all at SYNC 1. */
static void lp_setup(struct lp_vm *v, uint32_t dfr, const uint8_t *ldr)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_lapic_state lapic;
	struct kvm_regs regs;
	struct ucall uc;
	uint32_t got;
	int i, k;

	v->vm = vm_create_default();
	CHECK_IOCTL_OK(ioctl(v->vm->fd, KVM_CREATE_IRQCHIP, 0));
	vm_load_code(v->vm, lp_start, lp_end);
	for (k = 0; k < 8; k++)
		vm_set_idt_gate32(v->vm, LP_VECTOR + k,
				  GUEST_CODE_ADDR(lp_stubs, lp_start) + 8 * k);
	for (i = 0; i < LP_VCPUS; i++) {
		v->vcpu[i] = vcpu_create(v->vm, i);
		vcpu_setup_mode(v->vcpu[i], GUEST_MODE_PROT32, GUEST_CODE_GPA);
		vcpu_get_regs(v->vcpu[i], &regs);
		regs.rsp = GUEST_STACK_TOP - i * LP_STACK;
		regs.rbx = dfr;
		regs.rcx = (uint32_t)ldr[i] << 24;
		vcpu_set_regs(v->vcpu[i], &regs);
		if (i)
			CHECK_IOCTL_OK(ioctl(v->vcpu[i]->fd, KVM_SET_MP_STATE, &runnable));
		vcpu_expect_sync(v->vcpu[i], 1, &uc);
		CHECK_IOCTL_OK(ioctl(v->vcpu[i]->fd, KVM_GET_LAPIC, &lapic));
		memcpy(&got, lapic.regs + 0xd0, 4);
		CHECK_EQ(got, (uint32_t)ldr[i] << 24);
		memcpy(&got, lapic.regs + 0xe0, 4);
		CHECK_EQ(got >> 28, dfr >> 28);
	}
}

/* KVM_SIGNAL_MSI: vector LP_VECTOR + k, @dm delivery mode; deliveries. */
static int lp_msi(struct lp_vm *v, uint8_t dest, bool logical, uint32_t dm, int k)
{
	struct kvm_msi msi = {
		.address_lo = 0xfee00000u | (uint32_t)dest << 12 |
			      (logical ? MSI_ADDR_LOGICAL : 0),
		.data = (LP_VECTOR + k) | dm << 8,
	};

	return CHECK_IOCTL_OK(ioctl(v->vm->fd, KVM_SIGNAL_MSI, &msi));
}

/* Let every vCPU take what is pending; want[i]: bits k it must have seen. */
static void lp_check(struct lp_vm *v, const uint32_t *want)
{
	uint32_t *seen = vm_gpa_to_hva(v->vm, GUEST_DATA_GPA);
	struct ucall uc;
	int i;

	for (i = 0; i < LP_VCPUS; i++) {
		vcpu_expect_sync(v->vcpu[i], 2, &uc);
		vcpu_expect_done(v->vcpu[i]);
	}
	for (i = 0; i < LP_VCPUS; i++)
		CHECK(seen[i] == want[i], "APIC %d took vectors 0x%x + bits 0x%x, want 0x%x",
		      i, LP_VECTOR, seen[i], want[i]);
	for (i = 0; i < LP_VCPUS; i++)
		vcpu_free(v->vcpu[i]);
	vm_free(v->vm);
}

#define DM_FIXED	0
#define DM_LOWEST	1

static void test_logical_flat_and_lowest_priority(void)
{
	static const uint8_t ldr[LP_VCPUS] = { 0x01, 0x02, 0x04, 0x08 };
	uint32_t want[LP_VCPUS] = { 0 };
	struct lp_vm v;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP) && kvm_check_cap(KVM_CAP_SIGNAL_MSI),
		"no KVM_CAP_IRQCHIP or KVM_CAP_SIGNAL_MSI");
	lp_setup(&v, 0xffffffff, ldr);
	/* Fixed, logical: every APIC whose LDR bit is in the destination. */
	CHECK_EQ(lp_msi(&v, 0x05, true, DM_FIXED, 0), 2);
	want[0] |= 1 << 0;
	want[2] |= 1 << 0;
	CHECK_EQ(lp_msi(&v, 0x0a, true, DM_FIXED, 1), 2);
	want[1] |= 1 << 1;
	want[3] |= 1 << 1;
	/* Lowest priority among all four: vector mod 4 picks the APIC. */
	CHECK_EQ(lp_msi(&v, 0x0f, true, DM_LOWEST, 2), 1);
	want[(LP_VECTOR + 2) % 4] |= 1 << 2;
	CHECK_EQ(lp_msi(&v, 0x0f, true, DM_LOWEST, 3), 1);
	want[(LP_VECTOR + 3) % 4] |= 1 << 3;
	CHECK_EQ(lp_msi(&v, 0x0f, true, DM_LOWEST, 5), 1);
	want[(LP_VECTOR + 5) % 4] |= 1 << 5;
	/* Among APICs 1 and 2: vector mod 2 picks the first or second. */
	CHECK_EQ(lp_msi(&v, 0x06, true, DM_LOWEST, 4), 1);
	want[1 + (LP_VECTOR + 4) % 2] |= 1 << 4;
	CHECK_EQ(lp_msi(&v, 0x06, true, DM_LOWEST, 7), 1);
	want[1 + (LP_VECTOR + 7) % 2] |= 1 << 7;
	/* Physical destination 3. */
	CHECK_EQ(lp_msi(&v, 3, false, DM_FIXED, 6), 1);
	want[3] |= 1 << 6;
	lp_check(&v, want);
}

static void test_logical_cluster(void)
{
	/* Cluster 1 holds APICs 0 and 1, cluster 2 APICs 2 and 3. */
	static const uint8_t ldr[LP_VCPUS] = { 0x11, 0x12, 0x21, 0x22 };
	uint32_t want[LP_VCPUS] = { 0 };
	struct lp_vm v;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP) && kvm_check_cap(KVM_CAP_SIGNAL_MSI),
		"no KVM_CAP_IRQCHIP or KVM_CAP_SIGNAL_MSI");
	lp_setup(&v, 0x0fffffff, ldr);
	/* Cluster 1, members 0 and 1. */
	CHECK_EQ(lp_msi(&v, 0x13, true, DM_FIXED, 0), 2);
	want[0] |= 1 << 0;
	want[1] |= 1 << 0;
	/* Cluster 2, member 1 only: APIC 3; not APIC 1 (cluster 1). */
	CHECK_EQ(lp_msi(&v, 0x22, true, DM_FIXED, 1), 1);
	want[3] |= 1 << 1;
	/* Cluster 2, member 0: APIC 2, though APIC 0 has the same member bit. */
	CHECK_EQ(lp_msi(&v, 0x21, true, DM_FIXED, 2), 1);
	want[2] |= 1 << 2;
	/* Lowest priority within cluster 2: vector mod 2. */
	CHECK_EQ(lp_msi(&v, 0x23, true, DM_LOWEST, 3), 1);
	want[2 + (LP_VECTOR + 3) % 2] |= 1 << 3;
	CHECK_EQ(lp_msi(&v, 0x23, true, DM_LOWEST, 4), 1);
	want[2 + (LP_VECTOR + 4) % 2] |= 1 << 4;
	lp_check(&v, want);
}

/*
 * x2APIC mode: every vCPU sets IA32_APIC_BASE's x2APIC bit, enables its
 * APIC through the SVR MSR and stops (SYNC 1).  Then vCPU 0 sends, through
 * the ICR MSR with 32-bit destinations: a fixed logical IPI to cluster 0
 * members 1 and 3 (vector LP_VECTOR + 0), a fixed physical one to x2APIC
 * ID 2 (+1), a self-IPI through the SELF IPI MSR (+2), a fixed one to all
 * but itself (+3) and a lowest-priority logical one to members 0 and 2
 * (+4: vector mod 2 picks the first); each vCPU then takes what is pending
 * and records it as in the logical tests (SYNC 2).
 */
extern const uint8_t x2_start[], x2_end[], x2_stubs[];
asm(GUEST_SECTION
    ".code32\n"
    "x2_start:\n"
    "	mov $0x1b, %ecx\n"			/* IA32_APIC_BASE */
    "	rdmsr\n"
    "	or $0xc00, %eax\n"			/* enabled, x2APIC mode */
    "	wrmsr\n"
    "	mov $0x80f, %ecx\n"			/* SVR: APIC enabled */
    "	mov $0x1ff, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	GUEST_SYNC 1\n"
    "	mov $0x802, %ecx\n"			/* x2APIC ID */
    "	rdmsr\n"
    "	test %eax, %eax\n"
    "	jnz 2f\n"
    "	mov $0x830, %ecx\n"			/* ICR */
    "	mov $0x0850, %eax\n"			/* logical, fixed, +0 */
    "	mov $0x0a, %edx\n"			/* cluster 0, members 1, 3 */
    "	wrmsr\n"
    "	mov $0x0051, %eax\n"			/* physical, fixed, +1 */
    "	mov $2, %edx\n"
    "	wrmsr\n"
    "	mov $0x83f, %ecx\n"			/* SELF IPI, +2 */
    "	mov $0x52, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	mov $0x830, %ecx\n"
    "	mov $0xc0053, %eax\n"			/* all but self, fixed, +3 */
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	mov $0x0954, %eax\n"			/* logical, lowest, +4 */
    "	mov $0x05, %edx\n"			/* members 0, 2 */
    "	wrmsr\n"
    "2:	sti\n"
    "	mov $20000, %ecx\n"
    "3:	pause\n"
    "	loop 3b\n"
    "	cli\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "x2_common:\n"
    "	push %eax\n"
    "	push %ecx\n"
    "	push %edx\n"
    "	mov $0x802, %ecx\n"
    "	rdmsr\n"				/* EAX: x2APIC ID */
    "	mov 12(%esp), %ecx\n"			/* k */
    "	btsl %ecx, GUEST_DATA_GPA(,%eax,4)\n"
    "	mov $0x80b, %ecx\n"			/* EOI */
    "	xor %eax, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    "	pop %edx\n"
    "	pop %ecx\n"
    "	pop %eax\n"
    "	add $4, %esp\n"
    "	iret\n"
    "	.balign 8\n"
    "x2_stubs:\n"
    "	.irp k, 0, 1, 2, 3, 4, 5, 6, 7\n"
    "	push $\\k\n"
    "	jmp x2_common\n"
    "	.balign 8\n"
    "	.endr\n"
    "x2_end:\n"
    GUEST_SECTION_END);

static void test_x2apic_ipis(void)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	uint32_t want[LP_VCPUS] = {
		[0] = 1 << 2 | 1 << 4,
		[1] = 1 << 0 | 1 << 3,
		[2] = 1 << 1 | 1 << 3,
		[3] = 1 << 0 | 1 << 3,
	};
	struct kvm_regs regs;
	struct ucall uc;
	struct lp_vm v;
	int i, k;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	v.vm = vm_create_default();
	CHECK_IOCTL_OK(ioctl(v.vm->fd, KVM_CREATE_IRQCHIP, 0));
	vm_load_code(v.vm, x2_start, x2_end);
	for (k = 0; k < 8; k++)
		vm_set_idt_gate32(v.vm, LP_VECTOR + k,
				  GUEST_CODE_ADDR(x2_stubs, x2_start) + 8 * k);
	for (i = 0; i < LP_VCPUS; i++) {
		v.vcpu[i] = vcpu_create(v.vm, i);
		vcpu_setup_mode(v.vcpu[i], GUEST_MODE_PROT32, GUEST_CODE_GPA);
		vcpu_get_regs(v.vcpu[i], &regs);
		regs.rsp = GUEST_STACK_TOP - i * LP_STACK;
		vcpu_set_regs(v.vcpu[i], &regs);
		if (i)
			CHECK_IOCTL_OK(ioctl(v.vcpu[i]->fd, KVM_SET_MP_STATE, &runnable));
		vcpu_expect_sync(v.vcpu[i], 1, &uc);
	}
	/* vCPU 0 sends first (lp_check runs vCPUs in order), then the rest. */
	lp_check(&v, want);
}

/*
 * IPI ping-pong around a ring of PP_VCPUS vCPUs, each on its own thread:
 * vCPU 0 sends a fixed IPI (vector 0x60, physical destination) to APIC 1,
 * which, woken from HLT by it, sends one to APIC 2, and so on back to 0,
 * PP_ROUNDS times.  Every wait is "sti; hlt" with the IPI possibly already
 * pending, so a lost wake-up hangs the ring.  Each vCPU first enables its
 * APIC and stops (SYNC 1: an IPI to a disabled APIC is dropped), then
 * reports the IPIs it took (SYNC 2), which must be PP_ROUNDS.
 */
#define PP_VCPUS	4
#define PP_ROUNDS	50
#define PP_VECTOR	0x60
extern const uint8_t pp_start[], pp_end[], pp_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "pp_start:\n"
    "	movl $0x1ff, 0xfee000f0\n"		/* SVR: APIC enabled */
    "	GUEST_SYNC 1\n"			/* every APIC is on before IPIs */
    "	xor %ebx, %ebx\n"			/* IPIs taken */
    "	xor %esi, %esi\n"			/* round */
    "	mov 0xfee00020, %eax\n"
    "	shr $24, %eax\n"			/* my APIC ID */
    "	lea 1(%eax), %ebp\n"
    "	cmp $" GUEST_XSTR(PP_VCPUS) ", %ebp\n"
    "	jb 1f\n"
    "	xor %ebp, %ebp\n"
    "1:	shl $24, %ebp\n"			/* ICR2: the next APIC */
    "	test %eax, %eax\n"
    "	jnz 4f\n"
    /* vCPU 0: send, then wait for the token to come back. */
    "2:	inc %esi\n"
    "	mov %ebp, 0xfee00310\n"
    "	movl $0x4060, 0xfee00300\n"		/* fixed, assert, vector 0x60 */
    "3:	cmp %esi, %ebx\n"
    "	jae 6f\n"
    "	sti\n"
    "	hlt\n"
    "	cli\n"
    "	jmp 3b\n"
    "6:	cmp $" GUEST_XSTR(PP_ROUNDS) ", %esi\n"
    "	jb 2b\n"
    "	jmp 8f\n"
    /* The others: wait for the token, pass it on. */
    "4:	inc %esi\n"
    "5:	cmp %esi, %ebx\n"
    "	jae 7f\n"
    "	sti\n"
    "	hlt\n"
    "	cli\n"
    "	jmp 5b\n"
    "7:	mov %ebp, 0xfee00310\n"
    "	movl $0x4060, 0xfee00300\n"
    "	cmp $" GUEST_XSTR(PP_ROUNDS) ", %esi\n"
    "	jb 4b\n"
    "8:	mov %ebx, %esi\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "pp_handler:\n"
    "	inc %ebx\n"
    "	movl $0, 0xfee000b0\n"			/* EOI */
    "	iret\n"
    "pp_end:\n"
    GUEST_SECTION_END);

struct pp_thread {
	struct kvm_vcpu *vcpu;
	int result;		/* 0 = ok, else the step that went wrong */
	uint32_t taken;
};

/* Runs on its own thread (no CHECK there). */
static void *pp_thread_fn(void *arg)
{
	struct pp_thread *t = arg;
	struct kvm_regs regs;

	t->result = 1;
	if (__vcpu_run(t->vcpu) || !vcpu_is_ucall_exit(t->vcpu) ||
	    ioctl(t->vcpu->fd, KVM_GET_REGS, &regs) ||
	    (uint32_t)regs.rax != UCALL_SYNC || regs.rdi != 2)
		return NULL;
	t->taken = regs.rsi;
	t->result = 2;
	if (__vcpu_run(t->vcpu) || !vcpu_is_ucall_exit(t->vcpu) ||
	    ioctl(t->vcpu->fd, KVM_GET_REGS, &regs) ||
	    (uint32_t)regs.rax != UCALL_DONE)
		return NULL;
	t->result = 0;
	return NULL;
}

static void test_ipi_ping_pong(void)
{
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct pp_thread t[PP_VCPUS];
	pthread_t tids[PP_VCPUS];
	struct kvm_regs regs;
	struct kvm_vm *vm;
	struct ucall uc;
	int i;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	vm = vm_create_default();
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	vm_load_code(vm, pp_start, pp_end);
	vm_set_idt_gate32(vm, PP_VECTOR, GUEST_CODE_ADDR(pp_handler, pp_start));
	for (i = 0; i < PP_VCPUS; i++) {
		t[i].vcpu = vcpu_create(vm, i);
		t[i].result = -1;
		t[i].taken = 0;
		vcpu_setup_mode(t[i].vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
		vcpu_get_regs(t[i].vcpu, &regs);
		regs.rsp = GUEST_STACK_TOP - i * LP_STACK;
		vcpu_set_regs(t[i].vcpu, &regs);
		if (i)
			CHECK_IOCTL_OK(ioctl(t[i].vcpu->fd, KVM_SET_MP_STATE, &runnable));
		vcpu_expect_sync(t[i].vcpu, 1, &uc);
	}
	for (i = 0; i < PP_VCPUS; i++)
		CHECK(!pthread_create(&tids[i], NULL, pp_thread_fn, &t[i]),
		      "pthread_create");
	for (i = 0; i < PP_VCPUS; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < PP_VCPUS; i++) {
		CHECK(t[i].result == 0, "vCPU %d: step %d failed", i, t[i].result);
		CHECK_EQ(t[i].taken, PP_ROUNDS);
	}
	for (i = 0; i < PP_VCPUS; i++)
		vcpu_free(t[i].vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_parallel_vcpus),
	TEST_CASE(test_init_sipi_and_ipi),
	TEST_CASE(test_logical_flat_and_lowest_priority),
	TEST_CASE(test_logical_cluster),
	TEST_CASE(test_x2apic_ipis),
	TEST_CASE(test_ipi_ping_pong),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
