// SPDX-License-Identifier: GPL-2.0
/*
 * quirks_test: kvm's x86 quirks, each in both states, and the smaller
 * capabilities that came with them.
 *
 * KVM_CAP_DISABLE_QUIRKS answers 1 and takes any mask; KVM_CAP_DISABLE_QUIRKS2
 * answers the mask of quirks that can be turned off (kvm 6.1: seven bits)
 * and refuses others with EINVAL.  Each quirk the guest or userspace can
 * observe, on and off:
 *  - LINT0_REENABLED: the BSP's LVT0 after RESET is ExtINT, unmasked
 *    (KVM_GET_LAPIC); off: masked.
 *  - LAPIC_MMIO_HOLE: the page of a hardware-disabled APIC (moved to
 *    0xfef00000, away from kvm-intel's APIC-access page) reads as all ones
 *    and drops writes; off: both go to userspace as KVM_EXIT_MMIO.
 *  - OUT_7E_INC_RIP: at the KVM_EXIT_IO of an OUT to port 0x7e, RIP is
 *    already past the instruction; off: at it (like any other port).
 *  - MISC_ENABLE_NO_MWAIT: off, IA32_MISC_ENABLE bit 18 sets and clears
 *    CPUID.01H:ECX.MONITOR (KVM_GET_CPUID2) and, without SSE3 in CPUID,
 *    cannot be changed; on, CPUID stays as set.
 *  - MWAIT_NEVER_UD_FAULTS: MONITOR and MWAIT are NOPs; off, they raise
 *    #UD unless CPUID.01H:ECX.MONITOR is set.
 *  - FIX_HYPERCALL_INSN: the other vendor's hypercall instruction is
 *    rewritten in guest memory to this CPU's and runs as a hypercall
 *    (KVM_HC_VAPIC_POLL_IRQ: 0); off: #UD, memory unchanged.
 * CD_NW_CLEARED changes no state the guest or userspace can read.
 *
 * Also: the vCPU attribute KVM_VCPU_TSC_OFFSET (group KVM_VCPU_TSC_CTRL):
 * ENXIO for other groups and attributes, EFAULT for a bad address, and the
 * offset moves the TSC the guest reads (RDTSC, and IA32_TSC through
 * KVM_GET_MSRS) but not IA32_TSC_ADJUST; KVM_SET/GET_NR_MMU_PAGES (at
 * least 64, else EINVAL; by default 1 page per 50 of memslot memory, at
 * least 64, and 0 before any memslot; kvm's private memslots may add one)
 * with a guest that outgrows a 64-page limit; KVM_CAP_X86_TRIPLE_FAULT_EVENT (the triple_fault field in
 * KVM_GET/SET_VCPU_EVENTS: EINVAL unless enabled, and a pending triple
 * fault is the next KVM_RUN's KVM_EXIT_SHUTDOWN).
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "guest_asm.h"
#include "kvm_util.h"

/* kvm 6.1's quirks (asm/kvm.h). */
#define ALL_QUIRKS_6_1		0x7fULL
#define OBSERVABLE_QUIRKS	(KVM_X86_QUIRK_LINT0_REENABLED | \
				 KVM_X86_QUIRK_LAPIC_MMIO_HOLE | \
				 KVM_X86_QUIRK_OUT_7E_INC_RIP | \
				 KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT | \
				 KVM_X86_QUIRK_FIX_HYPERCALL_INSN | \
				 KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS)

#define MSR_IA32_TSC		0x10
#define MSR_IA32_APICBASE	0x1b
#define MSR_IA32_TSC_ADJUST	0x3b
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MISC_ENABLE_MWAIT	(1ULL << 18)
#define APICBASE_BSP		(1ULL << 8)
#define CPUID_1_ECX_SSE3	(1U << 0)
#define CPUID_1_ECX_MONITOR	(1U << 3)

#define APIC_LVT0		0x350
#define APIC_LVT_MASKED		(1U << 16)
#define APIC_DM_EXTINT		0x700
/* Where the disabled APIC is moved to: no APIC-access page there. */
#define MOVED_APIC_BASE		0xfef00000
#define HOLE_READ_GPA		0xfef00030	/* the version register */
#define HOLE_WRITE_GPA		0xfef00080	/* the TPR */

#define OUT_7E_PORT		0x7e
#define UD_MARK			0xdead
#define HC_VAPIC_POLL_IRQ	1	/* kvm's no-op hypercall, result 0 */

static void disable_quirks(struct kvm_vm *vm, uint64_t mask)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS2, .args[0] = mask,
	};

	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
}

static uint64_t quirks2(void)
{
	return kvm_check_cap(KVM_CAP_DISABLE_QUIRKS2);
}

/* ---- the capabilities --------------------------------------------------- */

static void test_caps(void)
{
	uint64_t mask = quirks2();
	struct kvm_enable_cap cap = { .cap = KVM_CAP_DISABLE_QUIRKS };
	struct kvm_vm *vm;

	CHECK_EQ(kvm_check_cap(KVM_CAP_DISABLE_QUIRKS), 1);
	CHECK_EQ(mask & ~ALL_QUIRKS_6_1, 0);
	CHECK_EQ(mask & OBSERVABLE_QUIRKS, OBSERVABLE_QUIRKS);
	CHECK_EQ(kvm_check_cap(KVM_CAP_X86_TRIPLE_FAULT_EVENT), 1);
	CHECK_EQ(kvm_check_cap(KVM_CAP_VCPU_ATTRIBUTES), 1);
	CHECK_EQ(kvm_check_cap(KVM_CAP_MMU_SHADOW_CACHE_CONTROL), 1);

	vm = vm_create();
	/* The first form takes anything, the second only what it offers. */
	cap.args[0] = ~0ULL;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	cap.cap = KVM_CAP_DISABLE_QUIRKS2;
	cap.args[0] = mask;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	cap.args[0] = 0;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	cap.args[0] = ALL_QUIRKS_6_1 + 1;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	cap.args[0] = ~mask;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	vm_free(vm);
}

/* ---- LINT0_REENABLED ---------------------------------------------------- */

static uint32_t bsp_lvt0(bool disable)
{
	struct kvm_lapic_state s;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_default();
	uint32_t lvt0;

	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	if (disable)
		disable_quirks(vm, KVM_X86_QUIRK_LINT0_REENABLED);
	vcpu = vcpu_create(vm, 0);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_LAPIC, &s));
	memcpy(&lvt0, &s.regs[APIC_LVT0], 4);
	vcpu_free(vcpu);
	vm_free(vm);
	return lvt0;
}

static void test_lint0_reenabled(void)
{
	CHECK_EQ(bsp_lvt0(false), APIC_DM_EXTINT);
	CHECK_EQ(bsp_lvt0(true), APIC_LVT_MASKED);
}

/* ---- LAPIC_MMIO_HOLE ---------------------------------------------------- */

extern const uint8_t hole_start[], hole_end[];
asm(GUEST_SECTION
    ".code32\n"
    "hole_start:\n"
    "	mov " GUEST_XSTR(HOLE_READ_GPA) ", %esi\n"
    "	movl $0x12345678, " GUEST_XSTR(HOLE_WRITE_GPA) "\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "hole_end:\n"
    GUEST_SECTION_END);

static void lapic_hole(bool disable)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct ucall uc;
	uint32_t data = 0xabcd0123;

	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	if (disable)
		disable_quirks(vm, KVM_X86_QUIRK_LAPIC_MMIO_HOLE);
	vcpu = vcpu_create(vm, 0);
	run = vcpu->run;
	/* Hardware-disabled, and away from kvm-intel's APIC-access page. */
	vcpu_set_msr(vcpu, MSR_IA32_APICBASE, MOVED_APIC_BASE | APICBASE_BSP);
	vm_load_code(vm, hole_start, hole_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	if (disable) {
		vcpu_run_expect_exit(vcpu, KVM_EXIT_MMIO);
		CHECK_EQ(run->mmio.phys_addr, HOLE_READ_GPA);
		CHECK_EQ(run->mmio.len, 4);
		CHECK_EQ(run->mmio.is_write, 0);
		memcpy(run->mmio.data, &data, 4);
		vcpu_run_expect_exit(vcpu, KVM_EXIT_MMIO);
		CHECK_EQ(run->mmio.phys_addr, HOLE_WRITE_GPA);
		CHECK_EQ(run->mmio.is_write, 1);
		memcpy(&data, run->mmio.data, 4);
		CHECK_EQ(data, 0x12345678);
		data = 0xabcd0123;
	} else {
		data = 0xffffffff;
	}
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ((uint32_t)uc.args[1], data);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_lapic_mmio_hole(void)
{
	lapic_hole(false);
	lapic_hole(true);
}

/* ---- OUT_7E_INC_RIP ----------------------------------------------------- */

extern const uint8_t out7e_start[], out7e_end[], out7e_insn[], out7e_after[];
asm(GUEST_SECTION
    ".code64\n"
    "out7e_start:\n"
    "	mov $0x5a, %eax\n"
    "out7e_insn:\n"
    "	out %al, $" GUEST_XSTR(OUT_7E_PORT) "\n"
    "out7e_after:\n"
    "	GUEST_DONE\n"
    "out7e_end:\n"
    GUEST_SECTION_END);

static void out_7e(bool disable)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_regs regs;

	if (disable)
		disable_quirks(vm, KVM_X86_QUIRK_OUT_7E_INC_RIP);
	vm_load_code(vm, out7e_start, out7e_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_run_expect_exit(vcpu, KVM_EXIT_IO);
	CHECK_EQ(vcpu->run->io.port, OUT_7E_PORT);
	CHECK_EQ(vcpu->run->io.direction, KVM_EXIT_IO_OUT);
	CHECK_EQ(*(uint8_t *)vcpu_io_data(vcpu), 0x5a);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.rip, disable ? GUEST_CODE_ADDR(out7e_insn, out7e_start)
				   : GUEST_CODE_ADDR(out7e_after, out7e_start));
	/* Either way the OUT completes once. */
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_out_7e_inc_rip(void)
{
	out_7e(false);
	out_7e(true);
}

/* ---- MISC_ENABLE_NO_MWAIT ----------------------------------------------- */

/* Set or clear CPUID.01H:ECX bits on the vCPU's table. */
static void set_leaf1_ecx(struct kvm_vcpu *vcpu, uint32_t set, uint32_t clear)
{
	struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid(vcpu->vm->kvm_fd);
	struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, 1, 0);

	CHECK(e, "no CPUID leaf 1");
	e->ecx = (e->ecx | set) & ~clear;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid));
	free(cpuid);
}

static void test_misc_enable_no_mwait(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t misc;

	/* On: bit 18 is plain storage, CPUID stays as set. */
	set_leaf1_ecx(vcpu, CPUID_1_ECX_SSE3, CPUID_1_ECX_MONITOR);
	misc = vcpu_get_msr(vcpu, MSR_IA32_MISC_ENABLE) & ~MISC_ENABLE_MWAIT;
	vcpu_set_msr(vcpu, MSR_IA32_MISC_ENABLE, misc | MISC_ENABLE_MWAIT);
	CHECK_EQ(vcpu_get_cpuid_entry(vcpu, 1, 0).ecx & CPUID_1_ECX_MONITOR, 0);
	vcpu_set_msr(vcpu, MSR_IA32_MISC_ENABLE, misc);

	/* Off: bit 18 drives CPUID MONITOR. */
	disable_quirks(vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT);
	vcpu_set_msr(vcpu, MSR_IA32_MISC_ENABLE, misc | MISC_ENABLE_MWAIT);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MISC_ENABLE), misc | MISC_ENABLE_MWAIT);
	CHECK_EQ(vcpu_get_cpuid_entry(vcpu, 1, 0).ecx & CPUID_1_ECX_MONITOR, CPUID_1_ECX_MONITOR);
	vcpu_set_msr(vcpu, MSR_IA32_MISC_ENABLE, misc);
	CHECK_EQ(vcpu_get_cpuid_entry(vcpu, 1, 0).ecx & CPUID_1_ECX_MONITOR, 0);

	/* ... but only with SSE3 in CPUID; other bits still change. */
	set_leaf1_ecx(vcpu, 0, CPUID_1_ECX_SSE3 | CPUID_1_ECX_MONITOR);
	CHECK_EQ(__vcpu_set_msr(vcpu, MSR_IA32_MISC_ENABLE,
				misc | MISC_ENABLE_MWAIT), 0);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_MISC_ENABLE), misc);
	CHECK_EQ(vcpu_get_cpuid_entry(vcpu, 1, 0).ecx & CPUID_1_ECX_MONITOR, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* ---- MWAIT_NEVER_UD_FAULTS ---------------------------------------------- */

/* R15 counts #UDs; the handler steps over the 3-byte MONITOR/MWAIT. */
extern const uint8_t mw_start[], mw_end[], mw_ud_handler[];
asm(GUEST_SECTION
    ".code64\n"
    "mw_start:\n"
    "	xor %r15, %r15\n"
    "	mov $" GUEST_XSTR(GUEST_DATA_GPA) ", %eax\n"
    "	xor %ecx, %ecx\n"
    "	xor %edx, %edx\n"
    "	monitor\n"
    "	xor %eax, %eax\n"
    "	xor %ecx, %ecx\n"
    "	mwait\n"
    "	mov %r15, %rsi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "mw_ud_handler:\n"
    "	inc %r15\n"
    "	addq $3, (%rsp)\n"
    "	iretq\n"
    "mw_end:\n"
    GUEST_SECTION_END);

/* How many of MONITOR and MWAIT raised #UD. */
static uint64_t monitor_mwait_uds(bool disable, bool cpuid_monitor)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct ucall uc;

	if (disable)
		disable_quirks(vm, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS);
	set_leaf1_ecx(vcpu, cpuid_monitor ? CPUID_1_ECX_MONITOR : 0,
		      cpuid_monitor ? 0 : CPUID_1_ECX_MONITOR);
	vm_load_code(vm, mw_start, mw_end);
	vm_set_idt_gate64(vm, X86_VEC_UD, GUEST_CODE_ADDR(mw_ud_handler, mw_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
	return uc.args[1];
}

static void test_mwait_never_ud_faults(void)
{
	CHECK_EQ(monitor_mwait_uds(false, false), 0);
	CHECK_EQ(monitor_mwait_uds(false, true), 0);
	CHECK_EQ(monitor_mwait_uds(true, false), 2);
	CHECK_EQ(monitor_mwait_uds(true, true), 0);
}

/* ---- FIX_HYPERCALL_INSN ------------------------------------------------- */

/* The 3 bytes at hc_insn are the other vendor's hypercall, put by the host. */
extern const uint8_t hc_start[], hc_end[], hc_insn[], hc_ud_handler[];
asm(GUEST_SECTION
    ".code64\n"
    "hc_start:\n"
    "	mov $" GUEST_XSTR(HC_VAPIC_POLL_IRQ) ", %eax\n"
    "	xor %ebx, %ebx\n"
    "hc_insn:\n"
    "	.byte 0xcc, 0xcc, 0xcc\n"
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "hc_ud_handler:\n"
    "	mov $" GUEST_XSTR(UD_MARK) ", %eax\n"
    "	addq $3, (%rsp)\n"
    "	iretq\n"
    "hc_end:\n"
    GUEST_SECTION_END);

static const uint8_t vmcall_insn[3] = { 0x0f, 0x01, 0xc1 };
static const uint8_t vmmcall_insn[3] = { 0x0f, 0x01, 0xd9 };

static void fix_hypercall(bool disable)
{
	const uint8_t *native = kvm_cpu_is_intel() ? vmcall_insn : vmmcall_insn;
	const uint8_t *other = kvm_cpu_is_intel() ? vmmcall_insn : vmcall_insn;
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	uint64_t insn_gpa = GUEST_CODE_ADDR(hc_insn, hc_start);
	uint8_t *insn;
	struct ucall uc;

	if (disable)
		disable_quirks(vm, KVM_X86_QUIRK_FIX_HYPERCALL_INSN);
	vm_load_code(vm, hc_start, hc_end);
	insn = vm_gpa_to_hva(vm, insn_gpa);
	memcpy(insn, other, 3);
	vm_set_idt_gate64(vm, X86_VEC_UD, GUEST_CODE_ADDR(hc_ud_handler, hc_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], disable ? UD_MARK : 0);
	CHECK(!memcmp(insn, disable ? other : native, 3),
	      "bytes %02x %02x %02x", insn[0], insn[1], insn[2]);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_fix_hypercall_insn(void)
{
	fix_hypercall(false);
	fix_hypercall(true);
}

/* ---- KVM_VCPU_TSC_OFFSET ------------------------------------------------ */

static uint64_t host_rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

extern const uint8_t tsc_start[], tsc_end[];
asm(GUEST_SECTION
    ".code64\n"
    "tsc_start:\n"
    "	rdtsc\n"
    "	shl $32, %rdx\n"
    "	or %rax, %rdx\n"
    "	mov %rdx, %rsi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "tsc_end:\n"
    GUEST_SECTION_END);

static int tsc_attr(struct kvm_vcpu *vcpu, unsigned long ioctl_nr,
		    uint32_t group, uint64_t attr_nr, uint64_t addr)
{
	struct kvm_device_attr attr = {
		.group = group, .attr = attr_nr, .addr = addr,
	};

	return ioctl(vcpu->fd, ioctl_nr, &attr);
}

static void test_tsc_offset_attr(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	/* A TSC some 2^40 cycles ahead of the host's. */
	int64_t offset = 1LL << 40, got = 0;
	uint64_t before, after, adjust;
	struct ucall uc;

	CHECK_IOCTL_OK(tsc_attr(vcpu, KVM_HAS_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
				KVM_VCPU_TSC_OFFSET, 0));
	CHECK_IOCTL_ERR(tsc_attr(vcpu, KVM_HAS_DEVICE_ATTR, 1,
				 KVM_VCPU_TSC_OFFSET, 0), ENXIO);
	CHECK_IOCTL_ERR(tsc_attr(vcpu, KVM_HAS_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
				 1, 0), ENXIO);
	CHECK_IOCTL_ERR(tsc_attr(vcpu, KVM_GET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
				 1, (uintptr_t)&got), ENXIO);
	CHECK_IOCTL_ERR(tsc_attr(vcpu, KVM_GET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
				 KVM_VCPU_TSC_OFFSET, 8), EFAULT);
	CHECK_IOCTL_ERR(tsc_attr(vcpu, KVM_SET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
				 KVM_VCPU_TSC_OFFSET, 8), EFAULT);

	adjust = vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST);
	CHECK_IOCTL_OK(tsc_attr(vcpu, KVM_SET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
				KVM_VCPU_TSC_OFFSET, (uintptr_t)&offset));
	CHECK_IOCTL_OK(tsc_attr(vcpu, KVM_GET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
				KVM_VCPU_TSC_OFFSET, (uintptr_t)&got));
	CHECK_EQ(got, offset);
	CHECK_EQ(vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST), adjust);

	before = host_rdtsc();
	got = vcpu_get_msr(vcpu, MSR_IA32_TSC);
	after = host_rdtsc();
	CHECK(got >= (int64_t)(before + offset) && got <= (int64_t)(after + offset),
	      "IA32_TSC 0x%llx not in [0x%llx, 0x%llx]", (unsigned long long)got,
	      (unsigned long long)(before + offset),
	      (unsigned long long)(after + offset));

	vm_load_code(vm, tsc_start, tsc_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	before = host_rdtsc();
	vcpu_expect_sync(vcpu, 1, &uc);
	after = host_rdtsc();
	CHECK(uc.args[1] >= before + offset && uc.args[1] <= after + offset,
	      "guest TSC 0x%llx not in [0x%llx, 0x%llx]",
	      (unsigned long long)uc.args[1],
	      (unsigned long long)(before + offset),
	      (unsigned long long)(after + offset));
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* ---- KVM_SET/GET_NR_MMU_PAGES ------------------------------------------- */

#define MMU_REGIONS	128
#define MMU_REGION_SIZE	0x200000

/* One write per 2 MiB over 256 MiB, then the sum read back. */
extern const uint8_t mmu_start[], mmu_end[];
asm(GUEST_SECTION
    ".code64\n"
    "mmu_start:\n"
    "	mov $" GUEST_XSTR(GUEST_EXTRA_GPA) ", %rbx\n"
    "	xor %ecx, %ecx\n"
    "1:	mov %rcx, (%rbx)\n"
    "	add $" GUEST_XSTR(MMU_REGION_SIZE) ", %rbx\n"
    "	inc %ecx\n"
    "	cmp $" GUEST_XSTR(MMU_REGIONS) ", %ecx\n"
    "	jne 1b\n"
    "	mov $" GUEST_XSTR(GUEST_EXTRA_GPA) ", %rbx\n"
    "	xor %ecx, %ecx\n"
    "	xor %esi, %esi\n"
    "2:	add (%rbx), %rsi\n"
    "	add $" GUEST_XSTR(MMU_REGION_SIZE) ", %rbx\n"
    "	inc %ecx\n"
    "	cmp $" GUEST_XSTR(MMU_REGIONS) ", %ecx\n"
    "	jne 2b\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "mmu_end:\n"
    GUEST_SECTION_END);

static void test_nr_mmu_pages(void)
{
	struct kvm_vm *vm = vm_create();
	struct kvm_vcpu *vcpu;
	struct ucall uc;
	long nr, want;
	void *hva;

	CHECK_EQ(ioctl(vm->fd, KVM_GET_NR_MMU_PAGES, 0), 0);
	vm_free(vm);

	/*
	 * 512 pages of RAM: the floor; then 512 + 65536: 1 in 50.  kvm
	 * counts its private memslots too (kvm-intel with ept=0: the
	 * real-mode TSS and more, a few pages), which can add one.
	 */
	vm = vm_create_default();
	CHECK_EQ(ioctl(vm->fd, KVM_GET_NR_MMU_PAGES, 0), 64);
	hva = vm_add_memslot(vm, 1, GUEST_EXTRA_GPA,
			     MMU_REGIONS * MMU_REGION_SIZE, 0);
	/* One 4 KiB page per region, not a huge page each. */
	madvise(hva, MMU_REGIONS * MMU_REGION_SIZE, MADV_NOHUGEPAGE);
	nr = ioctl(vm->fd, KVM_GET_NR_MMU_PAGES, 0);
	want = (GUEST_MEM_SIZE + MMU_REGIONS * MMU_REGION_SIZE) / 4096 / 50;
	CHECK(nr == want || nr == want + 1, "got %ld, want %ld", nr, want);

	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 63), EINVAL);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 1000));
	CHECK_EQ(ioctl(vm->fd, KVM_GET_NR_MMU_PAGES, 0), 1000);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, 64));
	CHECK_EQ(ioctl(vm->fd, KVM_GET_NR_MMU_PAGES, 0), 64);

	/* A guest needing some 130 tables runs within the 64-page limit. */
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, mmu_start, mmu_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], MMU_REGIONS * (MMU_REGIONS - 1) / 2);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* ---- KVM_CAP_X86_TRIPLE_FAULT_EVENT ------------------------------------- */

extern const uint8_t tf_start[], tf_end[];
asm(GUEST_SECTION
    ".code64\n"
    "tf_start:\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "tf_end:\n"
    GUEST_SECTION_END);

static void get_events(struct kvm_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, ev));
}

static void test_triple_fault_event(void)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_TRIPLE_FAULT_EVENT, .args[0] = 1,
	};
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_vcpu_events ev;
	struct ucall uc;

	vm_load_code(vm, tf_start, tf_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);

	/* Not enabled: no field, and setting it is refused. */
	get_events(vcpu, &ev);
	CHECK_EQ(ev.flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT, 0);
	CHECK_EQ(ev.triple_fault.pending, 0);
	ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 1;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev), EINVAL);

	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	get_events(vcpu, &ev);
	CHECK(ev.flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT, "flags 0x%x", ev.flags);
	CHECK_EQ(ev.triple_fault.pending, 0);

	/* Pending, then withdrawn: the guest runs on. */
	ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 1;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	get_events(vcpu, &ev);
	CHECK_EQ(ev.triple_fault.pending, 1);
	ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 0;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	vcpu_expect_sync(vcpu, 1, &uc);

	/* Pending: the next KVM_RUN is a shutdown, and it is consumed. */
	get_events(vcpu, &ev);
	ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 1;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	vcpu_run_expect_exit(vcpu, KVM_EXIT_SHUTDOWN);
	get_events(vcpu, &ev);
	CHECK_EQ(ev.triple_fault.pending, 0);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_caps),
	TEST_CASE(test_lint0_reenabled),
	TEST_CASE(test_lapic_mmio_hole),
	TEST_CASE(test_out_7e_inc_rip),
	TEST_CASE(test_misc_enable_no_mwait),
	TEST_CASE(test_mwait_never_ud_faults),
	TEST_CASE(test_fix_hypercall_insn),
	TEST_CASE(test_tsc_offset_attr),
	TEST_CASE(test_nr_mmu_pages),
	TEST_CASE(test_triple_fault_event),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
