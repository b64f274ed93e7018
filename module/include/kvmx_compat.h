/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that hides differences between the kernels kvmx builds
 * against (Debian's 6.1 and 6.12 today).
 */
#ifndef KVMX_COMPAT_H
#define KVMX_COMPAT_H

#include <linux/version.h>

/*
 * Since 6.10 the kernel's view of kvm_run.immediate_exit carries an
 * "__unsafe" suffix (userspace may change it at any time; read it once).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define kvmx_run_immediate_exit(run)	READ_ONCE((run)->immediate_exit__unsafe)
#else
#define kvmx_run_immediate_exit(run)	READ_ONCE((run)->immediate_exit)
#endif

#endif
