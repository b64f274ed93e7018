// SPDX-License-Identifier: GPL-2.0
/* x86 vCPU boot state. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "util.h"
#include "x86.h"

/* CPUID bits we set or clear (Intel SDM "CPUID" instruction reference). */
#define CPUID_1_ECX_X2APIC		(1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE	(1u << 24)
#define CPUID_1_ECX_HYPERVISOR		(1u << 31)
#define CPUID_1_EDX_APIC		(1u << 9)
#define CPUID_1_EDX_HTT			(1u << 28)

/* Control register and EFER bits. */
#define X86_CR0_PE			(1ULL << 0)
#define X86_CR0_MP			(1ULL << 1)
#define X86_CR0_ET			(1ULL << 4)
#define X86_CR0_NE			(1ULL << 5)
#define X86_CR0_PG			(1ULL << 31)
#define X86_CR4_PAE			(1ULL << 5)
#define X86_EFER_LME			(1ULL << 8)
#define X86_EFER_LMA			(1ULL << 10)
#define X86_RFLAGS_FIXED		(1ULL << 1)

/* Page-table entry bits. */
#define PTE_PRESENT			(1ULL << 0)
#define PTE_WRITE			(1ULL << 1)
#define PTE_LARGE			(1ULL << 7)
#define PAGE_SIZE_2M			0x200000ULL
#define PT_ENTRIES			512

/* LAPIC register offsets and LVT delivery modes (SDM "Local Vector Table"). */
#define APIC_LVT0			0x350
#define APIC_LVT1			0x360
#define APIC_DM_MASK			0x700
#define APIC_DM_NMI			0x400
#define APIC_DM_EXTINT			0x700

/* Reset values of the x87 control word and MXCSR. */
#define FPU_FCW_RESET			0x37f
#define MXCSR_RESET			0x1f80

/* GDT descriptors: flat 64-bit code, flat data, a 64-bit busy TSS. */
#define GDT_CODE64			0x00af9b000000ffffULL
#define GDT_DATA			0x00cf93000000ffffULL
#define GDT_TSS64_BUSY			0x00008b0000000067ULL
#define SEG_TYPE_CODE_XR_ACCESSED	11
#define SEG_TYPE_DATA_RW_ACCESSED	3
#define SEG_TYPE_TSS64_BUSY		11
#define SEG_TYPE_LDT			2

void x86_patch_cpuid(struct kvm_cpuid2 *cpuid, int id, int nr, bool tsc_deadline,
		     bool has_lapic)
{
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1:
			e->ebx &= 0x0000ffff;
			e->ebx |= (uint32_t)id << 24;
			e->ebx |= (uint32_t)MIN(nr, 255) << 16;
			if (nr > 1)
				e->edx |= CPUID_1_EDX_HTT;
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			if (tsc_deadline && has_lapic)
				e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
			else
				e->ecx &= ~CPUID_1_ECX_TSC_DEADLINE;
			if (!has_lapic) {
				e->edx &= ~CPUID_1_EDX_APIC;
				e->ecx &= ~CPUID_1_ECX_X2APIC;
			}
			break;
		case 0xb:
		case 0x1f:
			/* Extended topology: x2APIC ID of this vCPU. */
			e->edx = id;
			break;
		default:
			break;
		}
	}
}

static int x86_setup_cpuid(struct vcpu *vcpu)
{
	const struct kvm_cpuid2 *sup = vcpu->vm->supported_cpuid;
	size_t size = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *cpuid = malloc(size);
	int err;

	if (!cpuid)
		return vmm_error_errno(ENOMEM, "KVM_SET_CPUID2");
	memcpy(cpuid, sup, size);
	x86_patch_cpuid(cpuid, vcpu->id, vcpu->vm->nr_vcpus ? vcpu->vm->nr_vcpus : 1,
			vcpu->vm->has_tsc_deadline, vcpu->vm->irqchip_in_kernel);
	err = vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
	free(cpuid);
	return err;
}

static int x86_setup_fpu(struct vcpu *vcpu)
{
	struct kvm_fpu fpu = { .fcw = FPU_FCW_RESET, .mxcsr = MXCSR_RESET };

	return vcpu_ioctl(vcpu, KVM_SET_FPU, &fpu, "KVM_SET_FPU");
}

static void lapic_set_lvt_mode(struct kvm_lapic_state *lapic, int reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &lapic->regs[reg], sizeof(v));
	v = (v & ~APIC_DM_MASK) | mode;
	memcpy(&lapic->regs[reg], &v, sizeof(v));
}

/* PC wiring: the PIC's INTR on LINT0 (virtual wire), NMI on LINT1. */
static int x86_setup_lapic(struct vcpu *vcpu)
{
	struct kvm_lapic_state lapic;
	int err;

	err = vcpu_ioctl(vcpu, KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC");
	if (err)
		return err;
	lapic_set_lvt_mode(&lapic, APIC_LVT0, APIC_DM_EXTINT);
	lapic_set_lvt_mode(&lapic, APIC_LVT1, APIC_DM_NMI);
	return vcpu_ioctl(vcpu, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC");
}

int x86_setup_vcpu(struct vcpu *vcpu)
{
	int err;

	err = x86_setup_cpuid(vcpu);
	if (!err)
		err = x86_setup_fpu(vcpu);
	if (!err && vcpu->vm->irqchip_in_kernel)
		err = x86_setup_lapic(vcpu);
	return err;
}

int x86_build_boot_tables(struct guest_mem *mem)
{
	uint64_t *gdt, *pml4, *pdpt, *pd;
	int i;

	gdt = gpa_to_hva(mem, LAYOUT_GDT_GPA, LAYOUT_GDT_ENTRIES * 8);
	pml4 = gpa_to_hva(mem, LAYOUT_PML4_GPA, 0x1000);
	pdpt = gpa_to_hva(mem, LAYOUT_PDPT_GPA, 0x1000);
	pd = gpa_to_hva(mem, LAYOUT_PD_GPA, LAYOUT_PD_COUNT * 0x1000);
	if (!gdt || !pml4 || !pdpt || !pd) {
		vmm_error("--mem too small for the boot page tables");
		return -EINVAL;
	}
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[BOOT_CS_SELECTOR / 8] = GDT_CODE64;
	gdt[BOOT_DS_SELECTOR / 8] = GDT_DATA;
	gdt[BOOT_TSS_SELECTOR / 8] = GDT_TSS64_BUSY;

	memset(pml4, 0, 0x1000);
	memset(pdpt, 0, 0x1000);
	pml4[0] = LAYOUT_PDPT_GPA | PTE_PRESENT | PTE_WRITE;
	for (i = 0; i < LAYOUT_PD_COUNT; i++)
		pdpt[i] = (LAYOUT_PD_GPA + i * 0x1000) | PTE_PRESENT | PTE_WRITE;
	for (i = 0; i < LAYOUT_PD_COUNT * PT_ENTRIES; i++)
		pd[i] = (uint64_t)i * PAGE_SIZE_2M | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	return 0;
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, bool code)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
		.present = 1, .dpl = 0, .db = code ? 0 : 1, .s = 1, .l = code ? 1 : 0,
		.g = 1,
	};
}

int x86_enter_long_mode(struct vcpu *vcpu, uint64_t rip, uint64_t rsi)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = rip, .rsi = rsi, .rsp = LAYOUT_BOOT_STACK_GPA,
		.rflags = X86_RFLAGS_FIXED,
	};
	struct kvm_segment data;
	int err;

	err = vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	if (err)
		return err;
	sregs.cs = flat_segment(BOOT_CS_SELECTOR, SEG_TYPE_CODE_XR_ACCESSED, true);
	data = flat_segment(BOOT_DS_SELECTOR, SEG_TYPE_DATA_RW_ACCESSED, false);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.tr = (struct kvm_segment){
		.base = 0, .limit = 0x67, .selector = BOOT_TSS_SELECTOR,
		.type = SEG_TYPE_TSS64_BUSY, .present = 1,
	};
	sregs.ldt = (struct kvm_segment){ .type = SEG_TYPE_LDT, .unusable = 1 };
	sregs.gdt.base = LAYOUT_GDT_GPA;
	sregs.gdt.limit = LAYOUT_GDT_ENTRIES * 8 - 1;
	sregs.idt.base = LAYOUT_IDT_GPA;
	sregs.idt.limit = 0;
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG;
	sregs.cr3 = LAYOUT_PML4_GPA;
	sregs.cr4 = X86_CR4_PAE;
	sregs.efer = X86_EFER_LME | X86_EFER_LMA;
	err = vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	if (!err)
		err = vcpu_ioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
	return err;
}

int x86_enter_real_mode(struct vcpu *vcpu, uint64_t gpa)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0, .rflags = X86_RFLAGS_FIXED };
	int err;

	if (gpa >= LAYOUT_HIGH_MEMORY_GPA || gpa % 16) {
		vmm_error("--flat: address 0x%llx must be 16-byte aligned and below 1 MiB",
			  (unsigned long long)gpa);
		return -EINVAL;
	}
	err = vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	if (err)
		return err;
	sregs.cs.selector = gpa >> 4;
	sregs.cs.base = gpa;
	/* Data and stack segments at the image too: a tiny guest is one segment. */
	sregs.ds.selector = sregs.es.selector = sregs.ss.selector = gpa >> 4;
	sregs.ds.base = sregs.es.base = sregs.ss.base = gpa;
	regs.rsp = 0xfffe;
	err = vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	if (!err)
		err = vcpu_ioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
	return err;
}
