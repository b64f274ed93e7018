/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel interrupt controllers (KVM_CREATE_IRQCHIP: PIC, IOAPIC,
 * local APICs; KVM_CREATE_PIT2) as the injection logic in x86/irq.c and
 * the run loop see them.
 */
#ifndef KVMX_IRQCHIP_H
#define KVMX_IRQCHIP_H

#include "kvmx_host.h"

struct kvmx_x86_vcpu;

/* Whether KVM_CREATE_IRQCHIP succeeded on @vm. */
bool kvmx_irqchip_in_kernel(struct kvmx_vm *vm);
/*
 * The vector the local APIC (or the PIC through LINT0) would deliver to
 * this vCPU now, or -1.  Cheap; called with interrupts disabled.
 */
int kvmx_irqchip_pending_vector(struct kvmx_x86_vcpu *xv);
/* Acknowledge and return the vector being injected (IRR -> ISR), or -1. */
int kvmx_irqchip_ack_vector(struct kvmx_x86_vcpu *xv);

#endif
