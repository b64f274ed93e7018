/* SPDX-License-Identifier: GPL-2.0 */
/* x86 CPU state for the boot: CPUID, LAPIC LINTs, FPU, long mode, real mode. */
#ifndef KVMX_VMM_X86_H
#define KVMX_VMM_X86_H

#include <stdint.h>

#include "mem.h"
#include "vm.h"

/* GDT selectors the Linux 64-bit boot protocol requires. */
#define BOOT_CS_SELECTOR	0x10
#define BOOT_DS_SELECTOR	0x18
#define BOOT_TSS_SELECTOR	0x20

/*
 * Per-vCPU setup every guest gets: KVM_SET_CPUID2 from the supported CPUID
 * (APIC IDs patched, TSC-deadline and hypervisor bits set), FPU reset
 * state, and with the in-kernel irqchip LINT0 = ExtINT, LINT1 = NMI.
 */
int x86_setup_vcpu(struct vcpu *vcpu);

/* Write the GDT and the 4 GiB identity page tables into guest RAM. */
int x86_build_boot_tables(struct guest_mem *mem);
/* 64-bit mode at @rip with %rsi = @rsi, paging on with the identity map. */
int x86_enter_long_mode(struct vcpu *vcpu, uint64_t rip, uint64_t rsi);
/* Real mode at @gpa (< 1 MiB, 16-byte aligned): CS = gpa >> 4, IP = 0. */
int x86_enter_real_mode(struct vcpu *vcpu, uint64_t gpa);

/* Pure helpers (unit-tested): patch a CPUID table for vCPU @id of @nr. */
struct kvm_cpuid2;
void x86_patch_cpuid(struct kvm_cpuid2 *cpuid, int id, int nr, bool tsc_deadline,
		     bool has_lapic);

#endif /* KVMX_VMM_X86_H */
