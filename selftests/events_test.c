// SPDX-License-Identifier: GPL-2.0
/*
 * events_test: injecting events without an in-kernel irqchip.
 *
 * kvm_run->if_flag follows the guest's RFLAGS.IF; request_interrupt_window
 * makes KVM_RUN return KVM_EXIT_IRQ_WINDOW_OPEN once the guest can take an
 * interrupt (not while IF = 0) with ready_for_interrupt_injection set;
 * KVM_INTERRUPT delivers the vector through the guest's IDT (and shows in
 * KVM_GET_VCPU_EVENTS until then; vectors >= 256 are EINVAL); KVM_NMI
 * delivers vector 2; KVM_SET_VCPU_EVENTS injects an exception (vectors > 31
 * and the NMI vector are EINVAL, as are unknown flags).
 */
#include <sys/ioctl.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define IRQ_VECTOR	0x40
#define NMI_VECTOR	2

/*
 * Every handler adds its vector to R15 and counts in R14: one handler per
 * vector, generated below, all returning with IRETQ (for #UD, an injected
 * fault, back to the same instruction).
 */
extern const uint8_t ev_start[], ev_end[], ev_irq_handler[], ev_nmi_handler[],
	ev_ud_handler[], ev_after_sti[];
asm(GUEST_SECTION
    ".code64\n"
    "ev_start:\n"
    "	xor %r14, %r14\n"
    "	xor %r15, %r15\n"
    "	cli\n"
    "	GUEST_SYNC 1\n"				/* IF = 0 */
    "	mov $100, %ecx\n"
    "1:	dec %ecx\n"
    "	jnz 1b\n"
    "	GUEST_SYNC 2\n"				/* still IF = 0: no window */
    "	sti\n"
    "ev_after_sti:\n"
    "	nop\n"
    "	nop\n"
    "	mov %r15, %rsi\n"
    "	GUEST_SYNC 3\n"				/* RSI = vectors seen */
    "	mov %r15, %rsi\n"
    "	GUEST_SYNC 4\n"
    "	mov %r15, %rsi\n"
    "	GUEST_SYNC 5\n"
    "	GUEST_DONE\n"
    "ev_irq_handler:\n"
    "	add $0x40, %r15\n"
    "	inc %r14\n"
    "	iretq\n"
    "ev_nmi_handler:\n"
    "	add $2, %r15\n"
    "	inc %r14\n"
    "	iretq\n"
    "ev_ud_handler:\n"
    "	add $6, %r15\n"
    "	inc %r14\n"
    "	iretq\n"
    "ev_end:\n"
    GUEST_SECTION_END);

static struct kvm_vcpu *start(struct kvm_vm **vm)
{
	struct kvm_vcpu *vcpu;

	*vm = vm_create_default();
	vcpu = vcpu_create(*vm, 0);
	vm_load_code(*vm, ev_start, ev_end);
	vm_set_idt_gate64(*vm, IRQ_VECTOR, GUEST_CODE_ADDR(ev_irq_handler, ev_start));
	vm_set_idt_gate64(*vm, NMI_VECTOR, GUEST_CODE_ADDR(ev_nmi_handler, ev_start));
	vm_set_idt_gate64(*vm, X86_VEC_UD, GUEST_CODE_ADDR(ev_ud_handler, ev_start));
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	return vcpu;
}

/* Runs to the interrupt window after the STI; returns with IF = 1. */
static void run_to_window(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	struct ucall uc;

	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(run->if_flag, 0);
	CHECK_EQ(run->ready_for_interrupt_injection, 0);
	run->request_interrupt_window = 1;
	/* IF = 0 all along: the ucall comes first. */
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(run->if_flag, 0);
	vcpu_run_expect_exit(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	CHECK_EQ(run->if_flag, 1);
	CHECK_EQ(run->ready_for_interrupt_injection, 1);
	vcpu_get_regs(vcpu, &regs);
	CHECK(regs.rflags & (1 << 9), "rflags 0x%llx: IF clear at the window",
	      (unsigned long long)regs.rflags);
	/* The window opens after STI's one-instruction shadow. */
	CHECK(regs.rip >= GUEST_CODE_ADDR(ev_after_sti, ev_start),
	      "window at rip 0x%llx, before the STI", (unsigned long long)regs.rip);
	run->request_interrupt_window = 0;
}

static void test_interrupt_window(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm);
	struct ucall uc;

	run_to_window(vcpu);
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1], 0);	/* nothing was delivered */
	CHECK_EQ(vcpu->run->if_flag, 1);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_kvm_interrupt(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm);
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };
	struct kvm_vcpu_events events;
	struct kvm_regs regs;
	struct ucall uc;

	run_to_window(vcpu);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	memset(&events, 0, sizeof(events));
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &events));
	CHECK_EQ(events.interrupt.injected, 1);
	CHECK_EQ(events.interrupt.nr, IRQ_VECTOR);
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1], IRQ_VECTOR);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r14, 1);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &events));
	CHECK_EQ(events.interrupt.injected, 0);

	irq.irq = 256;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_INTERRUPT, &irq), EINVAL);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_kvm_nmi(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm);
	struct kvm_regs regs;
	struct ucall uc;

	run_to_window(vcpu);
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_NMI));
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1], NMI_VECTOR);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r14, 1);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_inject_exception(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm);
	struct kvm_vcpu_events events, bad;
	struct kvm_regs regs;
	struct ucall uc;

	run_to_window(vcpu);
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1], 0);

	memset(&events, 0, sizeof(events));
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &events));
	CHECK_EQ(events.exception.injected, 0);
	bad = events;
	bad.exception.injected = 1;
	bad.exception.nr = 32;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &bad), EINVAL);
	bad.exception.nr = NMI_VECTOR;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &bad), EINVAL);
	bad = events;
	bad.flags = 1U << 31;
	CHECK_IOCTL_ERR(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &bad), EINVAL);

	/* #UD injected before the guest's next instruction. */
	events.exception.injected = 1;
	events.exception.nr = X86_VEC_UD;
	events.exception.has_error_code = 0;
	events.flags = 0;
	CHECK_IOCTL_OK(ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &events));
	vcpu_expect_sync(vcpu, 4, &uc);
	CHECK_EQ(uc.args[1], X86_VEC_UD);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r14, 1);
	vcpu_expect_sync(vcpu, 5, &uc);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_interrupt_window),
	TEST_CASE(test_kvm_interrupt),
	TEST_CASE(test_kvm_nmi),
	TEST_CASE(test_inject_exception),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
