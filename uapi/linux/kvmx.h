/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmx's own additions to the KVM ABI of <linux/kvm.h>.  Capability
 * numbers start at 0x4b580000 ("KX") so that they never meet kvm's.
 */
#ifndef _UAPI_LINUX_KVMX_H
#define _UAPI_LINUX_KVMX_H

/*
 * Shadow paging per VM.  KVM_CHECK_EXTENSION: 1 when the backend can run
 * VMs with shadow paging.  KVM_ENABLE_CAP on a VM fd before its first vCPU
 * exists: args[0] = 1 selects shadow paging, 0 nested paging (NPT/EPT),
 * whatever the module parameters say; EINVAL once a vCPU exists or for
 * any other value.
 */
#define KVMX_CAP_SHADOW_PAGING	0x4b580001

/*
 * A test knob for the dead-VM path.  kvmx marks a VM dead when it meets a
 * host-side impossibility (a bug in kvmx, never something a guest or
 * userspace can cause, so no real path reaches it on purpose); every later
 * ioctl of that VM and of its vCPUs then fails with EIO, as in kvm.
 * KVM_CHECK_EXTENSION: 1.  KVM_ENABLE_CAP on a VM fd with args[0] = 0
 * marks that VM dead now, as such a bug would (without the kernel
 * warning); EINVAL for other arguments.  A process can only kill its own
 * VM this way.
 */
#define KVMX_CAP_MARK_DEAD	0x4b580002

#endif
