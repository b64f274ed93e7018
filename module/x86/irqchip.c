// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel irqchip: not implemented yet (issue 5).  KVM_CREATE_IRQCHIP
 * fails with -EINVAL like an ioctl kvm does not know, KVM_CAP_IRQCHIP is
 * not reported, and every interrupt comes from userspace (KVM_INTERRUPT).
 */
#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

bool kvmx_irqchip_in_kernel(struct kvmx_vm *vm)
{
	return false;
}

int kvmx_irqchip_pending_vector(struct kvmx_x86_vcpu *xv)
{
	return -1;
}

int kvmx_irqchip_ack_vector(struct kvmx_x86_vcpu *xv)
{
	return -1;
}
