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

#endif
