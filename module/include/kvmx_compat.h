/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that hides differences between the kernels kvmx builds
 * against (Debian's 6.1 and 6.12 today).
 */
#ifndef KVMX_COMPAT_H
#define KVMX_COMPAT_H

#include <linux/kvm.h>

/*
 * Newer kernels rename fields of kvm_run that userspace may change at any
 * time (kvm_run.immediate_exit -> immediate_exit__unsafe): read them once.
 */
#ifdef HINT_UNSAFE_IN_KVM
#define kvmx_run_immediate_exit(run) \
	READ_ONCE((run)->HINT_UNSAFE_IN_KVM(immediate_exit))
#else
#define kvmx_run_immediate_exit(run)	READ_ONCE((run)->immediate_exit)
#endif

/* eventfd_signal() lost its count argument in 6.8. */
#include <linux/version.h>
#if KERNEL_VERSION(6, 8, 0) <= LINUX_VERSION_CODE
#define kvmx_eventfd_signal(ctx)	eventfd_signal(ctx)
#else
#define kvmx_eventfd_signal(ctx)	eventfd_signal(ctx, 1)
#endif

#endif
