/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest physical memory layout every selftest VM uses.
 *
 * vm_create_default() backs GPA 0 .. GUEST_MEM_SIZE with memslot
 * GUEST_MAIN_SLOT and writes the descriptor tables and page tables below
 * into it; a test copies its guest code to GUEST_CODE_GPA.  Everything a
 * real-mode guest needs lies below 64 KiB, so real-mode code runs with
 * CS = DS = SS = 0 and the same addresses as in the flat protected and
 * long modes.
 *
 *   GPA               what
 *   0x0000-0x03ff     real-mode IVT (left zero)
 *   0x0500            GDTR pseudo-descriptor (limit:16, base:32), for lgdt
 *   0x0510            IDTR pseudo-descriptor (limit:16, base:32), for lidt
 *   0x1000            GDT (selectors GUEST_SEL_*)
 *   0x2000            IDT (256 gates, 16 bytes each in long mode, 8 in
 *                     protected mode); empty until a test installs a gate
 *   0x3000            the guest's TSS (TR points here)
 *   0x4000            PML4 (long mode)       -> 0x5000
 *   0x5000            PDPT (long mode)       -> 0x6000 for the first GiB
 *   0x6000            PD, 512 x 2 MiB pages: identity map of 0..1 GiB
 *   0x7000            32-bit PD, 1024 x 4 MiB PSE pages: identity 0..4 GiB
 *   0x8000-0xbfff     guest code (GUEST_CODE_SIZE bytes)
 *   0xc000-0xdfff     guest data scratch area
 *   0xe000-0xfff0     stack (grows down from GUEST_STACK_TOP)
 *   0x10000-0x1fffff  free guest RAM (GUEST_FREE_GPA)
 *   0x01000000        first GPA a test may use for extra memslots
 *   0x10000000        never backed: accesses here exit as KVM_EXIT_MMIO
 *   0xfffbd000        KVM_SET_TSS_ADDR (3 pages kvm-intel needs for real mode)
 *
 * The values are plain integer literals (no suffix) because guest_asm.h
 * hands them to the assembler as well.
 */
#ifndef KVMX_SELFTEST_GUEST_LAYOUT_H
#define KVMX_SELFTEST_GUEST_LAYOUT_H

#define GUEST_PAGE_SIZE		0x1000

/* Memslot 0: the guest's RAM. */
#define GUEST_MAIN_SLOT		0
#define GUEST_MEM_SIZE		0x200000

#define GUEST_GDTR_GPA		0x500
#define GUEST_IDTR_GPA		0x510
#define GUEST_GDT_GPA		0x1000
#define GUEST_IDT_GPA		0x2000
#define GUEST_IDT_ENTRIES	256
#define GUEST_TSS_GPA		0x3000
#define GUEST_TSS_LIMIT		0x67

/* Long-mode paging: 4 levels, the last one 2 MiB pages. */
#define GUEST_PML4_GPA		0x4000
#define GUEST_PDPT_GPA		0x5000
#define GUEST_PD_GPA		0x6000
/* 32-bit paging with CR4.PSE: one page directory of 4 MiB pages. */
#define GUEST_PD32_GPA		0x7000

#define GUEST_CODE_GPA		0x8000
#define GUEST_CODE_SIZE		0x4000
#define GUEST_DATA_GPA		0xc000
#define GUEST_DATA_SIZE		0x2000
#define GUEST_STACK_TOP		0xfff0
#define GUEST_FREE_GPA		0x10000

/* Where tests may place further memslots, and the unbacked MMIO hole. */
#define GUEST_EXTRA_GPA		0x1000000
#define GUEST_MMIO_GPA		0x10000000

/* kvm-intel's real-mode TSS (KVM_SET_TSS_ADDR), outside every memslot. */
#define GUEST_KVM_TSS_ADDR	0xfffbd000

/* GDT selectors (index * 8, RPL 0). */
#define GUEST_SEL_CODE32	0x08
#define GUEST_SEL_DATA		0x10
#define GUEST_SEL_CODE64	0x18
#define GUEST_SEL_CODE16	0x20
#define GUEST_SEL_DATA16	0x28
#define GUEST_SEL_TSS		0x30	/* 16-byte system descriptor */
#define GUEST_GDT_ENTRIES	8

/*
 * The ucall channel: the guest writes AL to this port; the host reads the
 * call type from RAX and its arguments from RDI, RSI and RDX (see kvm_util.h).
 */
#define GUEST_UCALL_PORT	0xe0

#define UCALL_DONE		1	/* the guest finished */
#define UCALL_SYNC		2	/* RDI = stage, RSI = value */
#define UCALL_FAIL		3	/* RDI = check id, RSI = got, RDX = want */
#define UCALL_PRINT		4	/* RDI = tag, RSI = value: host logs it */

#endif
