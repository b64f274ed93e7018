/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest physical memory map and I/O map that kvmx builds.
 *
 * Every address, port and IRQ the VMM hands to a guest is named here and
 * nowhere else.  Documentation/vmm.rst draws the same map.
 *
 *   0x0000_0000  low RAM: real-mode IVT/BDA, then the boot structures below
 *   0x0009_fc00  "EBDA" .. 1 MiB: reserved in the e820 map; ACPI tables
 *   0x0010_0000  RAM: the kernel (bzImage protected-mode part), then free RAM;
 *                the initrd sits at the top of low RAM
 *   0xc000_0000  3 GiB .. 4 GiB: no RAM; virtio-mmio windows, IOAPIC, LAPIC,
 *                the pages KVM needs for VMX real mode
 *   0x1_0000_0000  RAM above 3 GiB is moved here
 */
#ifndef KVMX_VMM_LAYOUT_H
#define KVMX_VMM_LAYOUT_H

/* ---- below 1 MiB: boot structures for the 64-bit Linux entry ---- */

/* GDT with the __BOOT_CS (0x10) and __BOOT_DS (0x18) descriptors, and a TSS. */
#define LAYOUT_GDT_GPA			0x00000500ULL
#define LAYOUT_GDT_ENTRIES		5
/* An empty IDT: the kernel installs its own before enabling interrupts. */
#define LAYOUT_IDT_GPA			0x00000520ULL
/* struct boot_params ("zero page"), passed in %rsi. */
#define LAYOUT_ZERO_PAGE_GPA		0x00007000ULL
/* Initial %rsp; the stack grows down into 0x8000..0x8ff0. */
#define LAYOUT_BOOT_STACK_GPA		0x00008ff0ULL
/* Identity page tables: PML4, one PDPT, four PDs of 2 MiB pages = 4 GiB. */
#define LAYOUT_PML4_GPA			0x00009000ULL
#define LAYOUT_PDPT_GPA			0x0000a000ULL
#define LAYOUT_PD_GPA			0x0000b000ULL
#define LAYOUT_PD_COUNT			4
/* The kernel command line (NUL-terminated). */
#define LAYOUT_CMDLINE_GPA		0x00020000ULL
#define LAYOUT_CMDLINE_MAX		0x00010000ULL
/* End of conventional RAM in the e820 map (639 KiB, as PCs report). */
#define LAYOUT_EBDA_GPA			0x0009fc00ULL
/* ACPI tables (RSDP first: the kernel scans 0xe0000..0xfffff for it). */
#define LAYOUT_ACPI_GPA			0x000e0000ULL
#define LAYOUT_ACPI_SIZE		0x00010000ULL
/* Start of RAM above the legacy hole. */
#define LAYOUT_HIGH_MEMORY_GPA		0x00100000ULL

/* ---- RAM ---- */

/* The bzImage protected-mode code is loaded here (boot protocol default). */
#define LAYOUT_KERNEL_GPA		0x00100000ULL
/* Guest RAM is a whole number of these (and host-aligned to them). */
#define LAYOUT_RAM_ALIGN		0x00200000ULL
#define LAYOUT_RAM_MIN			0x00200000ULL
/* RAM at or above this guest address is relocated above 4 GiB. */
#define LAYOUT_MMIO_HOLE_GPA		0xc0000000ULL
#define LAYOUT_HIGH_RAM_GPA		0x100000000ULL

/* ---- the 32-bit MMIO hole ---- */

/* virtio-mmio windows, one page each. */
#define LAYOUT_VIRTIO_MMIO_GPA		0xd0000000ULL
#define LAYOUT_VIRTIO_MMIO_SIZE		0x00001000ULL
#define LAYOUT_VIRTIO_MMIO_MAX		8
/* Where KVM's in-kernel IOAPIC and the LAPIC answer. */
#define LAYOUT_IOAPIC_GPA		0xfec00000ULL
#define LAYOUT_LAPIC_GPA		0xfee00000ULL
/* KVM_SET_IDENTITY_MAP_ADDR (1 page) and KVM_SET_TSS_ADDR (3 pages), VMX. */
#define LAYOUT_IDENTITY_MAP_GPA		0xfeffc000ULL
#define LAYOUT_TSS_GPA			0xfeffd000ULL

/* ---- I/O ports ---- */

#define PORT_I8042_DATA			0x0060
#define PORT_I8042_COMMAND		0x0064
#define PORT_RTC			0x0070
#define PORT_RTC_SIZE			2
#define PORT_COM1			0x03f8
#define PORT_UART_SIZE			8
/* ACPI fixed hardware: PM1a event (status+enable) and PM1a control blocks. */
#define PORT_ACPI_PM1A_EVT		0x0600
#define PORT_ACPI_PM1A_EVT_SIZE		4
#define PORT_ACPI_PM1A_CNT		0x0604
#define PORT_ACPI_PM1A_CNT_SIZE		2

/* ---- interrupts (ISA IRQ = IOAPIC GSI = PIC line, identity-routed) ---- */

#define IRQ_COM1			4
#define IRQ_RTC				8
#define IRQ_ACPI_SCI			9
/* virtio-mmio devices, in slot order. */
#define IRQ_VIRTIO_LIST			{ 5, 6, 7, 10, 11, 12, 14, 15 }

#endif /* KVMX_VMM_LAYOUT_H */
