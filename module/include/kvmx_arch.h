/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between the vendor-neutral core (module/core/) and the
 * architecture layer (module/x86/).  The core calls only these hooks; the
 * x86 layer reaches its vendor backend through struct kvmx_x86_ops.
 *
 * Return contract of the ioctl hooks: -ENOTTY means "not an ioctl of this
 * layer"; the core then answers as kvm does for an unknown ioctl.
 */
#ifndef KVMX_ARCH_H
#define KVMX_ARCH_H

#include "kvmx_host.h"

/* Module load/unload: probe the CPU and pick the backend. */
int kvmx_arch_init(void);
void kvmx_arch_exit(void);

/* Enable/disable virtualization on the calling CPU (preemption disabled). */
int kvmx_arch_hw_enable_cpu(void);
void kvmx_arch_hw_disable_cpu(void);

/* KVM_CHECK_EXTENSION for capabilities the core does not know; 0 = no. */
long kvmx_arch_check_extension(struct kvmx_vm *vm, long ext);
long kvmx_arch_dev_ioctl(unsigned int ioctl, unsigned long arg);

int kvmx_arch_vm_init(struct kvmx_vm *vm);
void kvmx_arch_vm_destroy(struct kvmx_vm *vm);
long kvmx_arch_vm_ioctl(struct kvmx_vm *vm, unsigned int ioctl,
			unsigned long arg);
/* KVM_ENABLE_CAP on the VM fd for a capability the core does not know. */
long kvmx_arch_vm_enable_cap(struct kvmx_vm *vm, const struct kvm_enable_cap *cap);
/*
 * Called under slots_lock after a new memslot generation is published and
 * readers of the old one are gone: drop mappings of @old (may be NULL).
 */
void kvmx_arch_memslot_removed(struct kvmx_vm *vm,
			       const struct kvmx_memslot *old);

/*
 * Make writes to the pages of @slot whose bits are set in @mask (64 pages
 * from @first) fault again, so they are logged; @mask = ~0 over the whole
 * slot when logging starts.  slots_lock held.
 */
void kvmx_arch_write_protect(struct kvmx_vm *vm, const struct kvmx_memslot *slot,
			     u64 first, u64 mask);
/* After a batch of kvmx_arch_write_protect(): flush the vCPUs' TLBs. */
void kvmx_arch_flush_tlbs(struct kvmx_vm *vm);

/*
 * Host mm invalidation: bracket (the VM's MMU invalidation sequence), and
 * drop mappings of guest frames.  These, the memslot and the dirty-log
 * hooks above are the MMU's (module/mmu/mmu.c).
 */
void kvmx_arch_mmu_invalidate_begin(struct kvmx_vm *vm);
void kvmx_arch_mmu_invalidate_end(struct kvmx_vm *vm);
void kvmx_arch_unmap_gfn_range(struct kvmx_vm *vm, u64 gfn, u64 npages);

int kvmx_arch_vcpu_create(struct kvmx_vcpu *vcpu);
void kvmx_arch_vcpu_destroy(struct kvmx_vcpu *vcpu);
long kvmx_arch_vcpu_ioctl(struct kvmx_vcpu *vcpu, unsigned int ioctl,
			  unsigned long arg);
/* KVM_RUN body, vcpu->mutex held: 0 with kvm_run filled, or -errno. */
int kvmx_arch_vcpu_run(struct kvmx_vcpu *vcpu);

#endif
