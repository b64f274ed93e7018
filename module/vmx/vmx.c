// SPDX-License-Identifier: GPL-2.0
/*
 * The Intel VMX backend.
 * TODO: everything (issue 4).  Until then kvmx refuses to load on Intel
 * CPUs with one clear line, instead of offering a device that cannot run.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <asm/processor.h>

#include "kvmx_x86.h"

static int vmx_probe(void)
{
	if (boot_cpu_data.x86_vendor != X86_VENDOR_INTEL &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_CENTAUR &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_ZHAOXIN)
		return -ENODEV;
	pr_err("the Intel VMX backend is not implemented yet\n");
	return -EOPNOTSUPP;
}

const struct kvmx_x86_ops kvmx_vmx_ops = {
	.name	= "Intel VMX",
	.probe	= vmx_probe,
};
