// SPDX-License-Identifier: GPL-2.0
/*
 * L1 Terminal Fault: flush the L1 data cache before VM entry, so a guest
 * cannot read host data the cache still holds (Intel's "Deep Dive: Intel
 * Analysis of L1 Terminal Fault").  The module parameter takes kvm_intel's
 * values: always, cond (default: only when the host may have brought
 * something into L1D since the last entry: userspace ran, an interrupt or
 * NMI was handled, a page was mapped, the vCPU changed CPU), never.  CPUs
 * with IA32_FLUSH_CMD flush with one WRMSR; others (the Bochs model) read
 * a 64 KiB buffer through the cache.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/gfp.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>

#include "vmx.h"

enum l1d_flush_mode {
	L1D_FLUSH_NEVER,
	L1D_FLUSH_COND,
	L1D_FLUSH_ALWAYS,
};

static const char *const l1d_flush_names[] = {
	[L1D_FLUSH_NEVER]  = "never",
	[L1D_FLUSH_COND]   = "cond",
	[L1D_FLUSH_ALWAYS] = "always",
};

static enum l1d_flush_mode l1d_mode = L1D_FLUSH_COND;
/* Whether this host needs the flush at all; set at load. */
static bool l1d_needed;
/* The software flush buffer: twice a usual L1D, read line by line. */
#define L1D_FLUSH_ORDER		4
static u8 *l1d_buffer;

static int l1d_flush_set(const char *val, const struct kernel_param *kp)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(l1d_flush_names); i++) {
		if (sysfs_streq(val, l1d_flush_names[i])) {
			WRITE_ONCE(l1d_mode, i);
			return 0;
		}
	}
	return -EINVAL;
}

static int l1d_flush_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", vmx_l1d_flush_mode());
}

static const struct kernel_param_ops l1d_flush_ops = {
	.set = l1d_flush_set,
	.get = l1d_flush_get,
};
module_param_cb(vmentry_l1d_flush, &l1d_flush_ops, NULL, 0644);
MODULE_PARM_DESC(vmentry_l1d_flush,
		 "L1D flush on VM entry: always, cond (default) or never");

int vmx_l1d_flush_setup(void)
{
	u64 caps = 0;

	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		return 0;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, caps);
	if (caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH)
		return 0;	/* the processor flushes on entry itself */
	l1d_needed = true;
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		return 0;
	l1d_buffer = (u8 *)__get_free_pages(GFP_KERNEL, L1D_FLUSH_ORDER);
	if (!l1d_buffer)
		return -ENOMEM;
	/* Real data, so the reads below cannot hit a shared zero page. */
	memset(l1d_buffer, 0x5a, PAGE_SIZE << L1D_FLUSH_ORDER);
	return 0;
}

void vmx_l1d_flush_unsetup(void)
{
	if (l1d_buffer)
		free_pages((unsigned long)l1d_buffer, L1D_FLUSH_ORDER);
	l1d_buffer = NULL;
	l1d_needed = false;
}

const char *vmx_l1d_flush_mode(void)
{
	if (!l1d_needed)
		return "not required";
	return l1d_flush_names[READ_ONCE(l1d_mode)];
}

/* Called with interrupts disabled, right before entry. */
/* @cond: kvmx_x86_vcpu.l1d_flush was set (the host ran what may leak). */
void vmx_l1d_flush(bool cond)
{
	enum l1d_flush_mode mode = READ_ONCE(l1d_mode);
	unsigned int size = PAGE_SIZE << L1D_FLUSH_ORDER, i;

	if (!l1d_needed || mode == L1D_FLUSH_NEVER ||
	    (mode == L1D_FLUSH_COND && !cond))
		return;
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	/* Touch every page first, so the line loop does not miss the TLB. */
	for (i = 0; i < size; i += PAGE_SIZE)
		(void)READ_ONCE(l1d_buffer[i]);
	for (i = 0; i < size; i += L1_CACHE_BYTES)
		(void)READ_ONCE(l1d_buffer[i]);
}
