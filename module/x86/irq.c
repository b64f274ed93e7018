// SPDX-License-Identifier: GPL-2.0
/*
 * Event injection shared by both vendors: which pending event (exception,
 * NMI, external interrupt) goes into the next VM entry, when to ask the
 * CPU for an interrupt or NMI window, and the userspace side of it
 * (KVM_INTERRUPT, KVM_NMI, KVM_GET/SET_VCPU_EVENTS, the kvm_run fields).
 *
 * Priority follows the architecture ("Event Priority" in the SDM): a
 * pending exception first, then NMI, then maskable interrupts.  Interrupts
 * come from KVM_INTERRUPT or, with an in-kernel irqchip, from the local
 * APIC / PIC (kvmx_irqchip.h).
 */
#include <linux/uaccess.h>
#include <asm/traps.h>

#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

/* kvm keeps at most two NMIs pending (one running, one latched). */
#define KVMX_MAX_NMI_PENDING	2

static bool irq_pending(struct kvmx_x86_vcpu *xv)
{
	return xv->interrupt.injected ||
	       (kvmx_irqchip_in_kernel(xv->vcpu->vm) &&
		kvmx_irqchip_pending_vector(xv) >= 0);
}

/*
 * Called by the vendor with interrupts disabled right before entry: put at
 * most one event into the entry, and open windows for what must wait.
 */
void kvmx_inject_pending_event(struct kvmx_x86_vcpu *xv)
{
	const struct kvmx_x86_ops *ops = kvmx_x86;
	bool want_irq_window = false, want_nmi_window = false;
	/* A debugger stepping the guest may hold interrupts back. */
	bool irq_blocked = xv->guest_debug & KVM_GUESTDBG_BLOCKIRQ;
	int vector;

	/*
	 * Events already accepted by the guest (a queued exception, an NMI or
	 * interrupt whose delivery an exit cut short, an interrupt userspace
	 * gave with KVM_INTERRUPT) go in unconditionally, as hardware would
	 * finish delivering them; only new NMIs and irqchip interrupts wait
	 * for the guest to allow them.
	 */
	if (xv->exception.pending) {
		ops->inject_event(xv, KVMX_EVENT_EXCEPTION, xv->exception.vector,
				  xv->exception.has_error, xv->exception.error_code);
		xv->exception.pending = false;
	} else if (xv->nmi_injected) {
		ops->inject_event(xv, KVMX_EVENT_NMI, X86_TRAP_NMI, false, 0);
		xv->nmi_injected = false;
		ops->set_nmi_mask(xv, true);
	} else if (xv->interrupt.injected) {
		ops->inject_event(xv, KVMX_EVENT_INTR, xv->interrupt.nr, false, 0);
		xv->interrupt.injected = false;
	} else if (xv->nmi_pending && ops->nmi_allowed(xv)) {
		ops->inject_event(xv, KVMX_EVENT_NMI, X86_TRAP_NMI, false, 0);
		xv->nmi_pending--;
		ops->set_nmi_mask(xv, true);
	} else if (kvmx_irqchip_in_kernel(xv->vcpu->vm) && !irq_blocked &&
		   ops->interrupt_allowed(xv) &&
		   kvmx_irqchip_pending_vector(xv) >= 0) {
		vector = kvmx_irqchip_ack_vector(xv);
		if (vector >= 0)
			ops->inject_event(xv, KVMX_EVENT_INTR, vector, false, 0);
	}
	want_nmi_window = xv->nmi_pending || xv->nmi_injected;
	want_irq_window = !irq_blocked && irq_pending(xv);

	/* Userspace asked to hear when it may inject (its own PIC). */
	if (xv->vcpu->run->request_interrupt_window &&
	    !kvmx_irqchip_full(xv->vcpu->vm))
		want_irq_window = true;
	ops->enable_window(xv, want_irq_window, want_nmi_window);
}

/* An event the exit cut short is delivered again on the next entry. */
void kvmx_requeue_event(struct kvmx_x86_vcpu *xv, enum kvmx_event_type type,
			u8 vector, bool has_error, u32 error_code)
{
	switch (type) {
	case KVMX_EVENT_EXCEPTION:
		kvmx_queue_exception(xv, vector, has_error, error_code);
		break;
	case KVMX_EVENT_NMI:
		xv->nmi_injected = true;
		break;
	case KVMX_EVENT_INTR:
		xv->interrupt.injected = true;
		xv->interrupt.nr = vector;
		break;
	}
}

/* Can userspace inject an interrupt now (kvm_run.ready_for_interrupt_injection)? */
static bool ready_for_injection(struct kvmx_x86_vcpu *xv)
{
	return kvmx_x86->interrupt_allowed(xv) && !xv->interrupt.injected &&
	       !xv->exception.pending && kvmx_irqchip_accepts_user_intr(xv);
}

/* After an exit handled in the kernel: does userspace want to inject now? */
bool kvmx_irq_window_exit(struct kvmx_x86_vcpu *xv)
{
	struct kvm_run *run = xv->vcpu->run;

	if (!run->request_interrupt_window ||
	    kvmx_irqchip_full(xv->vcpu->vm) || !ready_for_injection(xv))
		return false;
	run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
	return true;
}

/* The kvm_run fields refreshed on every return to userspace. */
void kvmx_post_run_save(struct kvmx_x86_vcpu *xv)
{
	struct kvm_run *run = xv->vcpu->run;

	run->if_flag = !!(kvmx_x86->get_rflags(xv) & X86_EFLAGS_IF);
	run->cr8 = kvmx_x86->get_cr(xv, 8);
	run->apic_base = xv->apic_base;
	run->flags = 0;
	run->ready_for_interrupt_injection =
		!kvmx_irqchip_full(xv->vcpu->vm) && ready_for_injection(xv);
}

/*
 * KVM_INTERRUPT: without an in-kernel irqchip, or with a split one (the
 * userspace PIC's ExtINT); kvm: -ENXIO with the PIC in the kernel.
 */
long kvmx_interrupt_ioctl(struct kvmx_x86_vcpu *xv, struct kvm_interrupt __user *u)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, u, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= 256)
		return -EINVAL;
	if (kvmx_irqchip_in_kernel(xv->vcpu->vm))
		return kvmx_irqchip_interrupt(xv, irq.irq);
	if (xv->interrupt.injected)
		return -EEXIST;
	xv->interrupt.injected = true;
	xv->interrupt.nr = irq.irq;
	return 0;
}

long kvmx_nmi_ioctl(struct kvmx_x86_vcpu *xv)
{
	if (xv->nmi_pending < KVMX_MAX_NMI_PENDING)
		xv->nmi_pending++;
	return 0;
}

void kvmx_get_events(struct kvmx_x86_vcpu *xv, struct kvm_vcpu_events *out)
{
	struct kvm_vcpu_events ev = {};
	u32 shadow = kvmx_x86->get_interrupt_shadow(xv);

	ev.exception.injected = xv->exception.pending;
	ev.exception.nr = xv->exception.vector;
	ev.exception.has_error_code = xv->exception.has_error;
	ev.exception.error_code = xv->exception.error_code;
	ev.interrupt.injected = xv->interrupt.injected;
	ev.interrupt.nr = xv->interrupt.nr;
	ev.interrupt.shadow = shadow;
	ev.nmi.injected = xv->nmi_injected;
	ev.nmi.pending = xv->nmi_pending;
	ev.nmi.masked = kvmx_x86->get_nmi_mask(xv);
	ev.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
	/* KVM_CAP_X86_TRIPLE_FAULT_EVENT: a shutdown the next KVM_RUN reports. */
	if (READ_ONCE(to_x86_vm(xv->vcpu->vm)->triple_fault_event)) {
		ev.triple_fault.pending = xv->triple_fault;
		ev.flags |= KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	}
	*out = ev;
}

long kvmx_get_vcpu_events(struct kvmx_x86_vcpu *xv,
			  struct kvm_vcpu_events __user *u)
{
	struct kvm_vcpu_events ev;

	kvmx_get_events(xv, &ev);
	return copy_to_user(u, &ev, sizeof(ev)) ? -EFAULT : 0;
}

int kvmx_set_events(struct kvmx_x86_vcpu *xv, const struct kvm_vcpu_events *evp)
{
	struct kvm_vcpu_events ev = *evp;

	if (ev.flags & ~(KVM_VCPUEVENT_VALID_NMI_PENDING |
			 KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			 KVM_VCPUEVENT_VALID_SHADOW |
			 KVM_VCPUEVENT_VALID_SMM |
			 KVM_VCPUEVENT_VALID_TRIPLE_FAULT))
		return -EINVAL;
	if ((ev.flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT) &&
	    !READ_ONCE(to_x86_vm(xv->vcpu->vm)->triple_fault_event))
		return -EINVAL;
	if (ev.exception.injected &&
	    (ev.exception.nr > 31 || ev.exception.nr == X86_TRAP_NMI))
		return -EINVAL;
	/* No SMM support: a vCPU can be told it is not in SMM, nothing else. */
	if ((ev.flags & KVM_VCPUEVENT_VALID_SMM) && (ev.smi.smm || ev.smi.pending))
		return -EINVAL;

	xv->exception.pending = ev.exception.injected || ev.exception.pending;
	xv->exception.vector = ev.exception.nr;
	xv->exception.has_error = ev.exception.has_error_code;
	xv->exception.error_code = ev.exception.error_code;
	xv->interrupt.injected = ev.interrupt.injected;
	xv->interrupt.nr = ev.interrupt.nr;
	if (ev.flags & KVM_VCPUEVENT_VALID_SHADOW)
		kvmx_x86->set_interrupt_shadow(xv, ev.interrupt.shadow);
	if (ev.flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		xv->nmi_pending = min_t(u8, ev.nmi.pending, KVMX_MAX_NMI_PENDING);
	xv->nmi_injected = ev.nmi.injected;
	kvmx_x86->set_nmi_mask(xv, ev.nmi.masked);
	if (ev.flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT)
		xv->triple_fault = ev.triple_fault.pending;
	return 0;
}

long kvmx_set_vcpu_events(struct kvmx_x86_vcpu *xv,
			  struct kvm_vcpu_events __user *u)
{
	struct kvm_vcpu_events ev;

	if (copy_from_user(&ev, u, sizeof(ev)))
		return -EFAULT;
	return kvmx_set_events(xv, &ev);
}
