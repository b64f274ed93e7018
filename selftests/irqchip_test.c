// SPDX-License-Identifier: GPL-2.0
/*
 * irqchip_test: the in-kernel irqchip (PIC, IOAPIC, local APIC) and PIT.
 *
 * KVM_CREATE_IRQCHIP once per VM (EEXIST again) and only before the first
 * vCPU (EINVAL after); the same rule for KVM_SET_IDENTITY_MAP_ADDR;
 * KVM_CREATE_PIT2 once (EEXIST again).  Without an irqchip KVM_IRQ_LINE and
 * KVM_GET_IRQCHIP are ENXIO and KVM_GET_LAPIC EINVAL.  With it: APs start
 * UNINITIALIZED and the BSP RUNNABLE; the local APIC state round-trips and
 * holds the APIC ID; the guest programs the PIC (KVM_GET_IRQCHIP shows it),
 * an edge on KVM_IRQ_LINE reaches its handler through the PIC and LINT0,
 * and another through the IOAPIC and the local APIC (the guest programs
 * both through MMIO, KVM_GET_IRQCHIP shows the route, EOI completes it);
 * the in-kernel PIT programmed by the guest interrupts it periodically,
 * and KVM_GET/SET_PIT2 show its state as kvm keeps it (counts of 0 as
 * 65536, a new PIT's mode 0xff);
 * HLT no longer exits to user space: the vCPU sleeps (KVM_RUN returns EINTR
 * on a signal, MP state HALTED) until user space makes it RUNNABLE again.
 * The local APIC timer ticks in periodic mode, fires once in one-shot mode
 * (TMCCT then 0) and at the deadline in TSC-deadline mode (the MSR then 0); an irqfd raises a GSI
 * through the IOAPIC (and needs the irqchip: EINVAL without); a resampling
 * irqfd holds a level-triggered pin until the guest's EOI, which signals
 * its resamplefd; a guest OUT matching an ioeventfd signals it without an
 * exit to user space; "sti; hlt" with an interrupt pending wakes after
 * the HLT, never inside the STI shadow.  A split irqchip leaves the PIC
 * and IOAPIC to user space, reports level EOIs of its GSIs and takes its
 * ExtINTs through KVM_INTERRUPT.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define PIC_IRQ			3
#define PIC_VECTOR_BASE		0x20
#define PIC_VECTOR		(PIC_VECTOR_BASE + PIC_IRQ)
#define APIC_REG_ID		0x20
#define APIC_REG_TPR		0x80
#define KVM_IRQCHIP_PIC_MASTER	0
#define TEST_SIGNAL		SIGUSR1

/*
 * Real mode: initialise the master PIC (vectors 0x20-0x27, only IRQ 3
 * unmasked), SYNC 1, then STI; HLT until the interrupt, whose handler puts
 * its vector in BX; SYNC 2 reports BX.
 */
extern const uint8_t pic_start[], pic_end[], pic_handler[];
asm(GUEST_SECTION
    ".code16\n"
    "pic_start:\n"
    "	mov $0x11, %al\n"		/* ICW1: edge, cascade, ICW4 */
    "	out %al, $0x20\n"
    "	mov $0x20, %al\n"		/* ICW2: vector base */
    "	out %al, $0x21\n"
    "	mov $0x04, %al\n"		/* ICW3: slave on IRQ 2 */
    "	out %al, $0x21\n"
    "	mov $0x01, %al\n"		/* ICW4: 8086 mode */
    "	out %al, $0x21\n"
    "	mov $0xf7, %al\n"		/* OCW1: unmask IRQ 3 only */
    "	out %al, $0x21\n"
    "	GUEST_SYNC 1\n"
    "	xor %ebx, %ebx\n"
    "	sti\n"
    "	hlt\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "pic_handler:\n"
    "	mov $0x23, %bx\n"
    "	mov $0x20, %al\n"		/* OCW2: non-specific EOI */
    "	out %al, $0x20\n"
    "	iret\n"
    "pic_end:\n"
    GUEST_SECTION_END);

/*
 * Flat protected mode, no paging: mask the PIC, software-enable the local
 * APIC, route IOAPIC pin 5 to vector 0x35 (fixed, edge, APIC ID 0), SYNC 1,
 * then STI; HLT until the interrupt; the handler puts its vector in EBX and
 * writes the local APIC EOI; SYNC 2 reports EBX.
 */
#define IOAPIC_PIN		5
#define IOAPIC_VECTOR		0x35
#define KVM_IRQCHIP_IOAPIC	2
extern const uint8_t ioapic_start[], ioapic_end[], ioapic_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "ioapic_start:\n"
    "	mov $0xff, %al\n"
    "	out %al, $0x21\n"		/* mask both PICs */
    "	out %al, $0xa1\n"
    "	movl $0x1ff, 0xfee000f0\n"	/* SVR: APIC enabled, spurious 0xff */
    "	movl $0x1a, 0xfec00000\n"	/* IOREGSEL: pin 5, low dword */
    "	movl $0x35, 0xfec00010\n"	/* IOWIN: vector, fixed, edge */
    "	movl $0x1b, 0xfec00000\n"	/* pin 5, high dword */
    "	movl $0, 0xfec00010\n"		/* destination APIC ID 0 */
    "	GUEST_SYNC 1\n"
    "	xor %ebx, %ebx\n"
    "	sti\n"
    "	hlt\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "ioapic_handler:\n"
    "	mov $0x35, %ebx\n"
    "	movl $0, 0xfee000b0\n"		/* local APIC EOI */
    "	iret\n"
    "ioapic_end:\n"
    GUEST_SECTION_END);

/*
 * Real mode: the master PIC with only IRQ 0 unmasked (vectors 0x20-0x27),
 * PIT channel 0 in mode 2 at about 1 kHz; HLT until the handler has counted
 * PIT_TICKS interrupts in EBX; SYNC 1 reports EBX.
 */
#define PIT_TICKS	3
#define PIT_VECTOR	PIC_VECTOR_BASE
extern const uint8_t pit_start[], pit_end[], pit_handler[];
asm(GUEST_SECTION
    ".code16\n"
    "pit_start:\n"
    "	mov $0x11, %al\n"
    "	out %al, $0x20\n"
    "	mov $0x20, %al\n"
    "	out %al, $0x21\n"
    "	mov $0x04, %al\n"
    "	out %al, $0x21\n"
    "	mov $0x01, %al\n"
    "	out %al, $0x21\n"
    "	mov $0xfe, %al\n"		/* unmask IRQ 0 only */
    "	out %al, $0x21\n"
    "	mov $0x34, %al\n"		/* channel 0, lo/hi byte, mode 2 */
    "	out %al, $0x43\n"
    "	mov $0xa9, %al\n"		/* count 1193: 1.193182 MHz / 1193 */
    "	out %al, $0x40\n"
    "	mov $0x04, %al\n"
    "	out %al, $0x40\n"
    "	xor %ebx, %ebx\n"
    "	sti\n"
    "1:	hlt\n"
    "	cmp $3, %ebx\n"
    "	jb 1b\n"
    "	cli\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "pit_handler:\n"
    "	inc %ebx\n"
    "	mov $0x20, %al\n"
    "	out %al, $0x20\n"
    "	iret\n"
    "pit_end:\n"
    GUEST_SECTION_END);

/*
 * Real mode: PIT channel 0 in mode 3 with a count of 0, as PC firmware
 * programs it (65536, about 18.2 Hz), IRQ 0 masked; then SYNC 1.
 */
extern const uint8_t pit0_start[], pit0_end[];
asm(GUEST_SECTION
    ".code16\n"
    "pit0_start:\n"
    "	mov $0x36, %al\n"		/* channel 0, lo/hi byte, mode 3 */
    "	out %al, $0x43\n"
    "	xor %al, %al\n"
    "	out %al, $0x40\n"
    "	out %al, $0x40\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "pit0_end:\n"
    GUEST_SECTION_END);

/*
 * Flat protected mode: the local APIC timer periodic on vector 0x41 every
 * 1,000,000 bus clocks (divide by 1); HLT until the handler counted
 * TIMER_TICKS; mask LVTT; SYNC 1 reports the count.
 */
#define TIMER_TICKS		3
#define TIMER_VECTOR		0x41
extern const uint8_t timer_start[], timer_end[], timer_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "timer_start:\n"
    "	mov $0xff, %al\n"
    "	out %al, $0x21\n"
    "	out %al, $0xa1\n"
    "	movl $0x1ff, 0xfee000f0\n"	/* SVR: APIC enabled */
    "	movl $0xb, 0xfee003e0\n"		/* TDCR: divide by 1 */
    "	movl $0x20041, 0xfee00320\n"	/* LVTT: periodic, vector 0x41 */
    "	xor %ebx, %ebx\n"
    "	movl $1000000, 0xfee00380\n"	/* TMICT */
    "	sti\n"
    "1:	hlt\n"
    "	cmp $3, %ebx\n"
    "	jb 1b\n"
    "	cli\n"
    "	movl $0x10000, 0xfee00320\n"	/* LVTT masked */
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "timer_handler:\n"
    "	inc %ebx\n"
    "	movl $0, 0xfee000b0\n"
    "	iret\n"
    "timer_end:\n"
    GUEST_SECTION_END);

/*
 * Flat protected mode, the STI shadow: SHADOW_ROUNDS times, with IF = 0,
 * arm a one-shot APIC timer as a fallback (vector 0x42, 20 ms), send a
 * fixed self-IPI (vector 0x41) so it waits in the IRR, then "sti; hlt".
 * The interrupt must not be taken between STI and HLT (the STI shadow
 * covers HLT) and must not be lost: it wakes the halted vCPU, so its
 * handler sees the address after HLT as the return address.  The handler
 * puts its vector in EBX and that address in ECX.  Guest failures:
 * 1 = the IPI never came (the fallback timer woke HLT), 2 = it was taken
 * inside the shadow, before HLT ran.
 */
#define SHADOW_ROUNDS		200
#define SHADOW_IPI_VECTOR	0x41
#define SHADOW_TIMER_VECTOR	0x42
extern const uint8_t shadow_start[], shadow_end[], shadow_ipi_handler[],
	shadow_timer_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "shadow_start:\n"
    "	mov $0xff, %al\n"
    "	out %al, $0x21\n"
    "	out %al, $0xa1\n"
    "	movl $0x1ff, 0xfee000f0\n"		/* SVR: APIC enabled */
    "	movl $0xb, 0xfee003e0\n"		/* TDCR: divide by 1 */
    "	movl $0x42, 0xfee00320\n"		/* LVTT: one-shot, 0x42 */
    "	mov $" GUEST_XSTR(SHADOW_ROUNDS) ", %ebp\n"
    "1:	cli\n"
    "	xor %ebx, %ebx\n"
    "	xor %ecx, %ecx\n"
    "	movl $20000000, 0xfee00380\n"		/* TMICT: fallback wake-up */
    "	movl $0x00044041, 0xfee00300\n"	/* self, fixed, vector 0x41 */
    "	sti\n"
    "	hlt\n"
    "shadow_after_hlt:\n"
    "	cli\n"
    "	movl $0, 0xfee00380\n"			/* stop the fallback */
    "	GUEST_CHECK_EQ %ebx, 0x41, 1\n"
    "	GUEST_CHECK_EQ %ecx, GUEST_CODE_GPA+(shadow_after_hlt-shadow_start), 2\n"
    "	dec %ebp\n"
    "	jnz 1b\n"
    "	GUEST_DONE\n"
    "shadow_ipi_handler:\n"
    "	mov (%esp), %ecx\n"
    "	mov $0x41, %ebx\n"
    "	movl $0, 0xfee000b0\n"
    "	iret\n"
    "shadow_timer_handler:\n"
    "	movl $0, 0xfee000b0\n"
    "	iret\n"
    "shadow_end:\n"
    GUEST_SECTION_END);

/*
 * Flat protected mode, a level-triggered IOAPIC pin: mask the PICs, enable
 * the local APIC, route pin 7 to vector 0x37 (fixed, level, APIC ID 0),
 * SYNC 1; then twice: STI; HLT until the interrupt, CLI, SYNC 2 / SYNC 3
 * reporting EBX, which the handler counts before its EOI.  A line that
 * stayed asserted after the EOI would interrupt again at once, forever.
 */
#define RESAMPLE_PIN		7
#define RESAMPLE_VECTOR		0x37
extern const uint8_t level_start[], level_end[], level_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "level_start:\n"
    "	mov $0xff, %al\n"
    "	out %al, $0x21\n"
    "	out %al, $0xa1\n"
    "	movl $0x1ff, 0xfee000f0\n"		/* SVR: APIC enabled */
    "	movl $0x1e, 0xfec00000\n"		/* IOREGSEL: pin 7, low */
    "	movl $0x8037, 0xfec00010\n"		/* vector 0x37, fixed, level */
    "	movl $0x1f, 0xfec00000\n"		/* pin 7, high */
    "	movl $0, 0xfec00010\n"			/* APIC ID 0 */
    "	xor %ebx, %ebx\n"
    "	GUEST_SYNC 1\n"
    "	sti\n"
    "	hlt\n"
    "	cli\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 2\n"
    "	sti\n"
    "	hlt\n"
    "	cli\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 3\n"
    "	GUEST_DONE\n"
    "level_handler:\n"
    "	inc %ebx\n"
    "	movl $0, 0xfee000b0\n"			/* EOI: broadcast to the IOAPIC */
    "	iret\n"
    "level_end:\n"
    GUEST_SECTION_END);

/*
 * Real mode, a level-triggered PIC input: the master PIC as in pic_start
 * (vectors 0x20-0x27) with IRQ 3 level-triggered in the ELCR and the only
 * one unmasked; SYNC 1; then twice: STI; HLT until the interrupt, CLI,
 * SYNC 2 / SYNC 3 reporting EBX, which the handler counts before its
 * non-specific EOI.
 */
extern const uint8_t pic_level_start[], pic_level_end[], pic_level_handler[];
asm(GUEST_SECTION
    ".code16\n"
    "pic_level_start:\n"
    "	mov $0x11, %al\n"
    "	out %al, $0x20\n"
    "	mov $0x20, %al\n"
    "	out %al, $0x21\n"
    "	mov $0x04, %al\n"
    "	out %al, $0x21\n"
    "	mov $0x01, %al\n"
    "	out %al, $0x21\n"
    "	mov $0xf7, %al\n"			/* unmask IRQ 3 only */
    "	out %al, $0x21\n"
    "	mov $0x08, %al\n"			/* ELCR: IRQ 3 level */
    "	mov $0x4d0, %dx\n"
    "	out %al, %dx\n"
    "	xor %ebx, %ebx\n"
    "	GUEST_SYNC 1\n"
    "	sti\n"
    "	hlt\n"
    "	cli\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 2\n"
    "	sti\n"
    "	hlt\n"
    "	cli\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 3\n"
    "	GUEST_DONE\n"
    "pic_level_handler:\n"
    "	inc %ebx\n"
    "	mov $0x20, %al\n"			/* OCW2: non-specific EOI */
    "	out %al, $0x20\n"
    "	iret\n"
    "pic_level_end:\n"
    GUEST_SECTION_END);

/*
 * Flat protected mode under a split irqchip (KVM_CAP_SPLIT_IRQCHIP): the
 * PIC port and the IOAPIC page are userspace's (an OUT to 0x21 and a write
 * to 0xfec00000 exit), the local APIC is the kernel's.  SYNC 1; STI; HLT
 * until a level MSI (vector 0x38) whose EOI the kernel reports; SYNC 2
 * with EBX; STI; HLT until the ExtINT userspace gives with KVM_INTERRUPT
 * (vector 0x30); SYNC 3 with EBX.
 */
#define SPLIT_MSI_GSI		5
#define SPLIT_MSI_VECTOR	0x38
#define SPLIT_EXTINT_VECTOR	0x30
extern const uint8_t split_start[], split_end[], split_msi_handler[],
	split_extint_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "split_start:\n"
    "	movl $0x1ff, 0xfee000f0\n"		/* SVR: APIC enabled */
    "	mov $0xff, %al\n"
    "	out %al, $0x21\n"			/* the userspace PIC */
    "	movl $0x1a, 0xfec00000\n"		/* the userspace IOAPIC */
    "	GUEST_SYNC 1\n"
    "	xor %ebx, %ebx\n"
    "	sti\n"
    "	hlt\n"
    "	cli\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 2\n"
    "	xor %ebx, %ebx\n"
    "	sti\n"
    "1:	test %ebx, %ebx\n"			/* spin, see test_split_irqchip() */
    "	jz 1b\n"
    "	cli\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 3\n"
    "	GUEST_DONE\n"
    "split_msi_handler:\n"
    "	mov $0x38, %ebx\n"
    "	movl $0, 0xfee000b0\n"			/* EOI: KVM_EXIT_IOAPIC_EOI */
    "	iret\n"
    "split_extint_handler:\n"
    "	mov $0x30, %ebx\n"			/* ExtINT: nothing in the ISR */
    "	iret\n"
    "split_end:\n"
    GUEST_SECTION_END);

/*
 * Flat protected mode, the APIC timer's other modes (vector 0x41, the
 * handler counts in EBX): one-shot for 1,000,000 bus clocks, HLT until it
 * fired, then TMCCT must read 0 and no second tick may follow (guest
 * failures 1 and 2); TSC deadline 2,000,000 TSC cycles ahead through
 * IA32_TSC_DEADLINE, HLT until it fired, then the MSR must read 0
 * (failure 3).  SYNC 1 reports the count.
 */
extern const uint8_t tmodes_start[], tmodes_end[], tmodes_handler[];
asm(GUEST_SECTION
    ".code32\n"
    "tmodes_start:\n"
    "	mov $0xff, %al\n"
    "	out %al, $0x21\n"
    "	out %al, $0xa1\n"
    "	movl $0x1ff, 0xfee000f0\n"		/* SVR: APIC enabled */
    "	movl $0xb, 0xfee003e0\n"		/* TDCR: divide by 1 */
    "	movl $0x41, 0xfee00320\n"		/* LVTT: one-shot, 0x41 */
    "	xor %ebx, %ebx\n"
    "	movl $1000000, 0xfee00380\n"		/* TMICT */
    "1:	cmp $1, %ebx\n"
    "	jae 2f\n"
    "	sti\n"
    "	hlt\n"
    "	cli\n"
    "	jmp 1b\n"
    "2:	mov 0xfee00390, %ecx\n"		/* TMCCT */
    "	GUEST_CHECK_EQ %ecx, 0, 1\n"
    "	sti\n"
    "	mov $200000, %ecx\n"
    "3:	pause\n"
    "	loop 3b\n"
    "	cli\n"
    "	GUEST_CHECK_EQ %ebx, 1, 2\n"
    "	movl $0x40041, 0xfee00320\n"		/* LVTT: TSC deadline, 0x41 */
    "	rdtsc\n"
    "	add $2000000, %eax\n"
    "	adc $0, %edx\n"
    "	mov $0x6e0, %ecx\n"			/* IA32_TSC_DEADLINE */
    "	wrmsr\n"
    "4:	cmp $2, %ebx\n"
    "	jae 5f\n"
    "	sti\n"
    "	hlt\n"
    "	cli\n"
    "	jmp 4b\n"
    "5:	mov $0x6e0, %ecx\n"
    "	rdmsr\n"
    "	or %edx, %eax\n"
    "	GUEST_CHECK_EQ %eax, 0, 3\n"
    "	mov %ebx, %esi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "tmodes_handler:\n"
    "	inc %ebx\n"
    "	movl $0, 0xfee000b0\n"
    "	iret\n"
    "tmodes_end:\n"
    GUEST_SECTION_END);

/* Real mode: OUT 0x42 to IOEVENTFD_PORT (an ioeventfd), then SYNC 1. */
#define IOEVENTFD_PORT		0x510
extern const uint8_t ioev_start[], ioev_end[];
asm(GUEST_SECTION
    ".code16\n"
    "ioev_start:\n"
    "	mov $0x510, %dx\n"
    "	mov $0x42, %al\n"
    "	out %al, %dx\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "ioev_end:\n"
    GUEST_SECTION_END);

/* Long mode: HLT with nothing to wake it, then SYNC 1. */
extern const uint8_t sleep_start[], sleep_end[], sleep_after_hlt[];
asm(GUEST_SECTION
    ".code64\n"
    "sleep_start:\n"
    "	sti\n"
    "	hlt\n"
    "sleep_after_hlt:\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "sleep_end:\n"
    GUEST_SECTION_END);

static struct kvm_vm *vm_with_irqchip(void)
{
	struct kvm_vm *vm = vm_create_default();

	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	return vm;
}

static void test_create_rules(void)
{
	struct kvm_pit_config pit = { .flags = 0 };
	uint64_t ident = GUEST_KVM_TSS_ADDR - GUEST_PAGE_SIZE;
	struct kvm_vm *vm;
	int fd;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	vm = vm_create();
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident));
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_PIT2, &pit));
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_PIT2, &pit), EEXIST);
	vm_free(vm);

	/* After the first vCPU it is too late. */
	vm = vm_create();
	fd = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, 0));
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EINVAL);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident), EINVAL);
	close(fd);
	vm_free(vm);
}

static void test_without_irqchip(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_vcpu *vcpu = vcpu_create(vm, 0);
	struct kvm_irq_level line = { .irq = PIC_IRQ, .level = 1 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct kvm_lapic_state lapic;
	struct kvm_irqfd irqfd = { .gsi = PIC_IRQ };
	int efd;

	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_IRQ_LINE, &line), ENXIO);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip), ENXIO);
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic), EINVAL);
	efd = eventfd(0, EFD_CLOEXEC);
	CHECK(efd >= 0, "eventfd: errno %d", errno);
	irqfd.fd = efd;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_IRQFD, &irqfd), EINVAL);
	close(efd);
	vcpu_free(vcpu);
	vm_free(vm);
}

static uint32_t lapic_reg(const struct kvm_lapic_state *s, int offset)
{
	uint32_t v;

	memcpy(&v, s->regs + offset, 4);
	return v;
}

static void test_lapic_and_mp_state(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *bsp, *ap;
	struct kvm_lapic_state s, got;
	struct kvm_mp_state mp;
	uint32_t tpr = 0x20;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	vm = vm_with_irqchip();
	bsp = vcpu_create(vm, 0);
	ap = vcpu_create(vm, 1);
	CHECK_IOCTL_OK(ioctl(bsp->fd, KVM_GET_MP_STATE, &mp));
	CHECK_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	CHECK_IOCTL_OK(ioctl(ap->fd, KVM_GET_MP_STATE, &mp));
	CHECK_EQ(mp.mp_state, KVM_MP_STATE_UNINITIALIZED);

	CHECK_IOCTL_OK(ioctl(bsp->fd, KVM_GET_LAPIC, &s));
	CHECK_EQ(lapic_reg(&s, APIC_REG_ID) >> 24, 0);
	CHECK_IOCTL_OK(ioctl(ap->fd, KVM_GET_LAPIC, &got));
	CHECK_EQ(lapic_reg(&got, APIC_REG_ID) >> 24, 1);
	memcpy(s.regs + APIC_REG_TPR, &tpr, 4);
	CHECK_IOCTL_OK(ioctl(bsp->fd, KVM_SET_LAPIC, &s));
	CHECK_IOCTL_OK(ioctl(bsp->fd, KVM_GET_LAPIC, &got));
	CHECK_EQ(lapic_reg(&got, APIC_REG_TPR), tpr);
	vcpu_free(ap);
	vcpu_free(bsp);
	vm_free(vm);
}

static void test_pic_irq_to_guest(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_irq_level line = { .irq = PIC_IRQ };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	uint16_t ivt[2];
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	vm = vm_with_irqchip();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, pic_start, pic_end);
	/* Real-mode IVT entry: offset, then segment 0. */
	ivt[0] = GUEST_CODE_ADDR(pic_handler, pic_start);
	ivt[1] = 0;
	memcpy(vm_gpa_to_hva(vm, PIC_VECTOR * 4), ivt, 4);
	vcpu_setup_mode(vcpu, GUEST_MODE_REAL, GUEST_CODE_GPA);

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	CHECK_EQ(chip.chip.pic.irq_base, PIC_VECTOR_BASE);
	CHECK_EQ(chip.chip.pic.imr, 0xf7);
	/* An edge on IRQ 3. */
	line.level = 1;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQ_LINE, &line));
	line.level = 0;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQ_LINE, &line));
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1] & 0xffff, PIC_VECTOR);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_ioapic_irq_to_guest(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_irq_level line = { .irq = IOAPIC_PIN };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	vm = vm_with_irqchip();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, ioapic_start, ioapic_end);
	vm_set_idt_gate32(vm, IOAPIC_VECTOR, GUEST_CODE_ADDR(ioapic_handler, ioapic_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	CHECK_EQ(chip.chip.ioapic.redirtbl[IOAPIC_PIN].fields.vector, IOAPIC_VECTOR);
	CHECK_EQ(chip.chip.ioapic.redirtbl[IOAPIC_PIN].fields.mask, 0);
	line.level = 1;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQ_LINE, &line));
	line.level = 0;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQ_LINE, &line));
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, IOAPIC_VECTOR);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_pit_ticks(void)
{
	struct kvm_pit_config pit = { .flags = 0 };
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint16_t ivt[2];
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP) && kvm_check_cap(KVM_CAP_PIT2),
		"no KVM_CAP_IRQCHIP or KVM_CAP_PIT2");
	vm = vm_with_irqchip();
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_PIT2, &pit));
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, pit_start, pit_end);
	ivt[0] = GUEST_CODE_ADDR(pit_handler, pit_start);
	ivt[1] = 0;
	memcpy(vm_gpa_to_hva(vm, PIT_VECTOR * 4), ivt, 4);
	vcpu_setup_mode(vcpu, GUEST_MODE_REAL, GUEST_CODE_GPA);
	/* The PIT ports are the kernel's: the first exit is the ucall. */
	vcpu_expect_sync(vcpu, 1, &uc);
	/* A tick can land between the handler's IRET and the CMP: >=, not ==. */
	CHECK((uc.args[1] & 0xffffffff) >= PIT_TICKS, "PIT ticks: got %llu, want >= %d",
	      (unsigned long long)(uc.args[1] & 0xffffffff), PIT_TICKS);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * The PIT's state as KVM_GET_PIT2 reports it, as kvm keeps it: a new PIT
 * has no mode (0xff) and counts of 65536 on every channel; a count of 0
 * written by the guest or set through KVM_SET_PIT2 reads back as 65536
 * (VMMs divide by it).
 */
static void test_pit_state(void)
{
	struct kvm_pit_config cfg = { .flags = 0 };
	struct kvm_pit_state2 ps;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	int i;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP) && kvm_check_cap(KVM_CAP_PIT2),
		"no KVM_CAP_IRQCHIP or KVM_CAP_PIT2");
	vm = vm_with_irqchip();
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_PIT2, &cfg));
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_PIT2, &ps));
	for (i = 0; i < 3; i++) {
		CHECK_EQ(ps.channels[i].count, 0x10000);
		CHECK_EQ(ps.channels[i].mode, 0xff);
		CHECK_EQ(ps.channels[i].gate, i != 2);
	}

	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, pit0_start, pit0_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_REAL, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_PIT2, &ps));
	CHECK_EQ(ps.channels[0].mode, 3);
	CHECK_EQ(ps.channels[0].count, 0x10000);

	ps.channels[0].count = 0;
	ps.channels[0].mode = 2;
	ps.channels[2].count = 0;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_SET_PIT2, &ps));
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_PIT2, &ps));
	CHECK_EQ(ps.channels[0].count, 0x10000);
	CHECK_EQ(ps.channels[0].mode, 2);
	CHECK_EQ(ps.channels[2].count, 0x10000);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_lapic_timer_periodic(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	vm = vm_with_irqchip();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, timer_start, timer_end);
	vm_set_idt_gate32(vm, TIMER_VECTOR, GUEST_CODE_ADDR(timer_handler, timer_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	/* The APIC page and the HLTs stay in the kernel until the SYNC. */
	vcpu_expect_sync(vcpu, 1, &uc);
	/* A tick can land between the loop's last CMP and its CLI: >=. */
	CHECK((uc.args[1] & 0xffffffff) >= TIMER_TICKS, "APIC timer ticks: got %llu, want >= %d",
	      (unsigned long long)(uc.args[1] & 0xffffffff), TIMER_TICKS);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* One-shot and TSC-deadline APIC timer (the guest gets CPUID's TSC-deadline bit). */
static void test_lapic_timer_oneshot_and_deadline(void)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_cpuid_entry2 *leaf1;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP) && kvm_check_cap(KVM_CAP_TSC_DEADLINE_TIMER),
		"no KVM_CAP_IRQCHIP or KVM_CAP_TSC_DEADLINE_TIMER");
	vm = vm_with_irqchip();
	vcpu = __vcpu_create(vm, 0, false);
	/* As with kvm, offering TSC deadline in CPUID is userspace's call. */
	cpuid = kvm_get_supported_cpuid(vm->kvm_fd);
	leaf1 = cpuid_find(cpuid, 1, 0);
	CHECK(leaf1, "no CPUID leaf 1");
	leaf1->ecx |= 1u << 24;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid));
	free(cpuid);
	vm_load_code(vm, tmodes_start, tmodes_end);
	vm_set_idt_gate32(vm, TIMER_VECTOR, GUEST_CODE_ADDR(tmodes_handler, tmodes_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, 2);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* The IOAPIC guest again, with the edge coming from an irqfd on GSI 5. */
static void test_irqfd_to_guest(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_irqfd irqfd = { .gsi = IOAPIC_PIN };
	uint64_t one = 1;
	struct ucall uc;
	int efd;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP) && kvm_check_cap(KVM_CAP_IRQFD),
		"no KVM_CAP_IRQCHIP or KVM_CAP_IRQFD");
	vm = vm_with_irqchip();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, ioapic_start, ioapic_end);
	vm_set_idt_gate32(vm, IOAPIC_VECTOR, GUEST_CODE_ADDR(ioapic_handler, ioapic_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	efd = eventfd(0, EFD_CLOEXEC);
	CHECK(efd >= 0, "eventfd: errno %d", errno);
	irqfd.fd = efd;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQFD, &irqfd));

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK(write(efd, &one, sizeof(one)) == sizeof(one), "eventfd write");
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, IOAPIC_VECTOR);
	vcpu_expect_done(vcpu);
	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQFD, &irqfd));
	close(efd);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * The IOAPIC guest again (it enables its local APIC), its interrupt now an
 * MSI: KVM_SET_GSI_ROUTING sends GSI 30 to vector 0x35 on APIC ID 0, and
 * KVM_IRQ_LINE_STATUS on GSI 30 reports one delivery.
 */
#define MSI_GSI			30
static void test_msi_route_to_guest(void)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[1];
	} rt = {
		.hdr.nr = 1,
		.e[0] = {
			.gsi = MSI_GSI, .type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = 0xfee00000, .data = IOAPIC_VECTOR },
		},
	};
	struct kvm_irq_level line = { .irq = MSI_GSI, .level = 1 };
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP) && kvm_check_cap(KVM_CAP_IRQ_ROUTING),
		"no KVM_CAP_IRQCHIP or KVM_CAP_IRQ_ROUTING");
	vm = vm_with_irqchip();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, ioapic_start, ioapic_end);
	vm_set_idt_gate32(vm, IOAPIC_VECTOR, GUEST_CODE_ADDR(ioapic_handler, ioapic_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &line));
	CHECK_EQ(line.status, 1);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, IOAPIC_VECTOR);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* The resamplefd's count within a second (the kernel may signal it late). */
static uint64_t wait_eventfd(int fd)
{
	struct timespec ts = { .tv_nsec = 10000000 };
	uint64_t count = 0;
	int i;

	for (i = 0; i < 100; i++) {
		if (read(fd, &count, sizeof(count)) == sizeof(count))
			return count;
		CHECK(errno == EAGAIN, "eventfd read: errno %d", errno);
		nanosleep(&ts, NULL);
	}
	return 0;
}

/*
 * KVM_IRQFD_FLAG_RESAMPLE: a write to the irqfd asserts @gsi and leaves it
 * asserted; the guest's EOI releases it and signals the resamplefd; a
 * second write interrupts the guest again.  The guest (see level_start)
 * is set up to run from GUEST_CODE_GPA.
 */
static void irqfd_resample_round_trip(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
				      uint32_t gsi, bool ioapic)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irqfd irqfd = { .gsi = gsi, .flags = KVM_IRQFD_FLAG_RESAMPLE };
	uint64_t one = 1, count;
	struct ucall uc;
	int efd, rfd;

	efd = eventfd(0, EFD_CLOEXEC);
	rfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(efd >= 0 && rfd >= 0, "eventfd: errno %d", errno);
	irqfd.fd = efd;
	irqfd.resamplefd = rfd;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQFD, &irqfd));
	/* The same eventfd twice: EBUSY. */
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_IRQFD, &irqfd), EBUSY);

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK(write(efd, &one, sizeof(one)) == sizeof(one), "eventfd write");
	if (ioapic) {
		/*
		 * Asserted and delivered, not yet acknowledged.  kvm injects
		 * from a work item: give it up to a second.
		 */
		struct timespec ts = { .tv_nsec = 10000000 };
		int i;

		for (i = 0; i < 100; i++) {
			CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
			if (chip.chip.ioapic.redirtbl[gsi].fields.remote_irr)
				break;
			nanosleep(&ts, NULL);
		}
		CHECK_EQ(chip.chip.ioapic.redirtbl[gsi].fields.remote_irr, 1);
	}
	CHECK(read(rfd, &count, sizeof(count)) == -1 && errno == EAGAIN,
	      "resamplefd signalled before the EOI");

	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, 1);
	CHECK_EQ(wait_eventfd(rfd), 1);
	if (ioapic) {
		CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
		CHECK_EQ(chip.chip.ioapic.redirtbl[gsi].fields.remote_irr, 0);
		CHECK_EQ(chip.chip.ioapic.irr & (1u << gsi), 0);
	} else {
		chip.chip_id = KVM_IRQCHIP_PIC_MASTER;
		CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
		CHECK_EQ(chip.chip.pic.irr & (1u << gsi), 0);
		CHECK_EQ(chip.chip.pic.isr, 0);
	}

	/* Still wanted: the device's driver writes again. */
	CHECK(write(efd, &one, sizeof(one)) == sizeof(one), "eventfd write");
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, 2);
	CHECK_EQ(wait_eventfd(rfd), 1);
	vcpu_expect_done(vcpu);

	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQFD, &irqfd));
	close(efd);
	close(rfd);
}

/* Through a level-triggered IOAPIC pin (GSI 7) and the local APIC's EOI. */
static void test_irqfd_resample_ioapic(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP) && kvm_check_cap(KVM_CAP_IRQFD_RESAMPLE),
		"no KVM_CAP_IRQCHIP or KVM_CAP_IRQFD_RESAMPLE");
	vm = vm_with_irqchip();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, level_start, level_end);
	vm_set_idt_gate32(vm, RESAMPLE_VECTOR, GUEST_CODE_ADDR(level_handler, level_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	irqfd_resample_round_trip(vm, vcpu, RESAMPLE_PIN, true);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* Through a level-triggered PIC input (GSI 3, ELCR) and the PIC's EOI. */
static void test_irqfd_resample_pic(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint16_t ivt[2];

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP) && kvm_check_cap(KVM_CAP_IRQFD_RESAMPLE),
		"no KVM_CAP_IRQCHIP or KVM_CAP_IRQFD_RESAMPLE");
	vm = vm_with_irqchip();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, pic_level_start, pic_level_end);
	ivt[0] = GUEST_CODE_ADDR(pic_level_handler, pic_level_start);
	ivt[1] = 0;
	memcpy(vm_gpa_to_hva(vm, PIC_VECTOR * 4), ivt, 4);
	vcpu_setup_mode(vcpu, GUEST_MODE_REAL, GUEST_CODE_GPA);
	irqfd_resample_round_trip(vm, vcpu, PIC_IRQ, false);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * KVM_CAP_SPLIT_IRQCHIP: local APICs in the kernel, the PIC and IOAPIC in
 * userspace.  Creation rules; no in-kernel PIC/IOAPIC state, routes or
 * resampling; their ports and page exit; a level MSI from the userspace
 * IOAPIC's GSI range reports its EOI with KVM_EXIT_IOAPIC_EOI; an ExtINT
 * from KVM_INTERRUPT reaches the guest through LINT0.
 */
static void test_split_irqchip(void)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args[0] = 24 };
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[1];
	} rt = { .hdr.nr = 1 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irq_level line = { .irq = SPLIT_MSI_GSI, .level = 1 };
	struct kvm_interrupt extint = { .irq = SPLIT_EXTINT_VECTOR };
	struct kvm_irqfd irqfd = { .gsi = 3, .flags = KVM_IRQFD_FLAG_RESAMPLE };
	struct kvm_lapic_state lapic;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	int efd, fd;

	REQUIRE(kvm_check_cap(KVM_CAP_SPLIT_IRQCHIP), "no KVM_CAP_SPLIT_IRQCHIP");
	/* Too late once a vCPU exists. */
	vm = vm_create();
	fd = CHECK_IOCTL_OK(ioctl(vm->fd, KVM_CREATE_VCPU, 0));
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EEXIST);
	close(fd);
	vm_free(vm);

	vm = vm_create_default();
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EEXIST);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_GET_IRQCHIP, &chip), ENXIO);
	/* Nothing in the kernel to route to, or to resample. */
	rt.e[0] = (struct kvm_irq_routing_entry) {
		.gsi = 3, .type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = 3 },
	};
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt), EINVAL);
	efd = eventfd(0, EFD_CLOEXEC);
	CHECK(efd >= 0, "eventfd: errno %d", errno);
	irqfd.fd = efd;
	irqfd.resamplefd = efd;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_IRQFD, &irqfd), EINVAL);
	close(efd);
	/* The userspace IOAPIC's pin 5: a level MSI to APIC 0. */
	rt.e[0] = (struct kvm_irq_routing_entry) {
		.gsi = SPLIT_MSI_GSI, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = 0xfee00000,
			   .data = SPLIT_MSI_VECTOR | 1u << 15 },
	};
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt));

	vcpu = vcpu_create(vm, 0);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic));
	vm_load_code(vm, split_start, split_end);
	vm_set_idt_gate32(vm, SPLIT_MSI_VECTOR,
			  GUEST_CODE_ADDR(split_msi_handler, split_start));
	vm_set_idt_gate32(vm, SPLIT_EXTINT_VECTOR,
			  GUEST_CODE_ADDR(split_extint_handler, split_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);

	vcpu_run_expect_exit(vcpu, KVM_EXIT_IO);
	CHECK_EQ(vcpu->run->io.port, 0x21);
	vcpu_run_expect_exit(vcpu, KVM_EXIT_MMIO);
	CHECK_EQ(vcpu->run->mmio.phys_addr, 0xfec00000);
	CHECK_EQ(vcpu->run->mmio.is_write, 1);
	vcpu_expect_sync(vcpu, 1, &uc);

	/* The MSI is delivered; the guest's EOI comes back to userspace. */
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &line));
	CHECK_EQ(line.status, 1);
	vcpu_run_expect_exit(vcpu, KVM_EXIT_IOAPIC_EOI);
	CHECK_EQ(vcpu->run->eoi.vector, SPLIT_MSI_VECTOR);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, SPLIT_MSI_VECTOR);

	/*
	 * The userspace PIC's interrupt: one at a time.  The guest spins with
	 * interrupts on instead of halting: the reference (Debian's 6.1
	 * kvm-amd under QEMU TCG) left the vCPU halted with the ExtINT pending
	 * in about one run of ten.  Waking from HLT is what the MSI stage
	 * above tests; this stage tests the delivery through LINT0.
	 */
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_INTERRUPT, &extint));
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_INTERRUPT, &extint), EEXIST);
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, SPLIT_EXTINT_VECTOR);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_ioeventfd_pio(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_ioeventfd ioev = {
		.datamatch = 0x42, .addr = IOEVENTFD_PORT, .len = 1,
		.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	uint64_t count = 0;
	struct ucall uc;
	int efd;

	REQUIRE(kvm_check_cap(KVM_CAP_IOEVENTFD), "no KVM_CAP_IOEVENTFD");
	vm = vm_create_default();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, ioev_start, ioev_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_REAL, GUEST_CODE_GPA);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(efd >= 0, "eventfd: errno %d", errno);
	ioev.fd = efd;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IOEVENTFD, &ioev));
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_IOEVENTFD, &ioev), EEXIST);

	/* The OUT completes in the kernel: the first exit is the ucall. */
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK(read(efd, &count, sizeof(count)) == sizeof(count), "eventfd read: errno %d", errno);
	CHECK_EQ(count, 1);
	vcpu_expect_done(vcpu);
	ioev.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_IOEVENTFD, &ioev));
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_IOEVENTFD, &ioev), ENOENT);
	close(efd);
	vcpu_free(vcpu);
	vm_free(vm);
}

/* Debian's kvm-amd is loaded with npt=0 (shadow paging). */
static bool kvm_amd_shadow_paging(void)
{
	char c = 0;
	int fd = open("/sys/module/kvm_amd/parameters/npt", O_RDONLY);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'N' || c == '0';
}

static void test_sti_hlt_shadow(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	/*
	 * kvm-amd npt=0 under QEMU TCG took the interrupt at the HLT (inside
	 * the STI shadow) in 1 of 5 runs on 2026-12-06: TCG ignores the
	 * VMCB's int_state on VMRUN (Documentation/irqchip.rst).
	 */
	REQUIRE(!(host_is_tcg() && kvm_amd_shadow_paging()),
		"kvm-amd npt=0 under TCG loses the STI shadow at times");
	vm = vm_with_irqchip();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, shadow_start, shadow_end);
	vm_set_idt_gate32(vm, SHADOW_IPI_VECTOR,
			  GUEST_CODE_ADDR(shadow_ipi_handler, shadow_start));
	vm_set_idt_gate32(vm, SHADOW_TIMER_VECTOR,
			  GUEST_CODE_ADDR(shadow_timer_handler, shadow_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_PROT32, GUEST_CODE_GPA);
	/* Every round stays in the kernel: the only exit is the final one. */
	CHECK_EQ(vcpu_ucall(vcpu, &uc), UCALL_DONE);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void ignore_signal(int sig)
{
}

static void test_hlt_sleeps_in_kernel(void)
{
	struct sigaction sa = { .sa_handler = ignore_signal };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = TEST_SIGNAL };
	struct itimerspec its = { .it_value.tv_nsec = 300000000 };
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	timer_t timer;
	int r;

	REQUIRE(kvm_check_cap(KVM_CAP_IRQCHIP), "no KVM_CAP_IRQCHIP");
	vm = vm_with_irqchip();
	vcpu = vcpu_create(vm, 0);
	vm_load_code(vm, sleep_start, sleep_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);

	sigemptyset(&sa.sa_mask);
	CHECK(!sigaction(TEST_SIGNAL, &sa, NULL), "sigaction");
	CHECK(!timer_create(CLOCK_MONOTONIC, &sev, &timer), "timer_create: errno %d", errno);
	CHECK(!timer_settime(timer, 0, &its, NULL), "timer_settime: errno %d", errno);
	r = __vcpu_run(vcpu);
	timer_delete(timer);
	/* No KVM_EXIT_HLT: the vCPU slept until the signal. */
	CHECK(r == -1 && errno == EINTR, "KVM_RUN: ret %d errno %d exit %u (%s), want EINTR",
	      r, r ? errno : 0, vcpu->run->exit_reason,
	      exit_reason_str(vcpu->run->exit_reason));
	CHECK_EQ(vcpu->run->exit_reason, KVM_EXIT_INTR);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp));
	CHECK_EQ(mp.mp_state, KVM_MP_STATE_HALTED);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.rip, GUEST_CODE_ADDR(sleep_after_hlt, sleep_start));

	/* Made RUNNABLE, it goes on after the HLT. */
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp));
	{
		struct ucall uc;

		vcpu_expect_sync(vcpu, 1, &uc);
	}
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_create_rules),
	TEST_CASE(test_without_irqchip),
	TEST_CASE(test_lapic_and_mp_state),
	TEST_CASE(test_pic_irq_to_guest),
	TEST_CASE(test_ioapic_irq_to_guest),
	TEST_CASE(test_pit_ticks),
	TEST_CASE(test_pit_state),
	TEST_CASE(test_lapic_timer_periodic),
	TEST_CASE(test_lapic_timer_oneshot_and_deadline),
	TEST_CASE(test_sti_hlt_shadow),
	TEST_CASE(test_irqfd_to_guest),
	TEST_CASE(test_msi_route_to_guest),
	TEST_CASE(test_irqfd_resample_ioapic),
	TEST_CASE(test_irqfd_resample_pic),
	TEST_CASE(test_split_irqchip),
	TEST_CASE(test_ioeventfd_pio),
	TEST_CASE(test_hlt_sleeps_in_kernel),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
