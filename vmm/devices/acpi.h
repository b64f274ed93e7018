/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI: the tables that describe the platform (RSDP, XSDT, FADT, FACS, MADT,
 * DSDT) and the fixed-hardware PM1a registers through which the guest
 * powers off (S5).  The DSDT declares \_S5 and one LNRO0005 (virtio-mmio)
 * device per virtio window, which is how Linux finds them; the MADT lists
 * one LAPIC per vCPU and the IOAPIC, which is how Linux finds the CPUs.
 */
#ifndef KVMX_VMM_ACPI_H
#define KVMX_VMM_ACPI_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

/* The SLP_TYP value \_S5 announces and PM1a_CNT accepts for power-off. */
#define ACPI_S5_SLP_TYP		5

struct acpi_config {
	int nr_cpus;
	bool no_apic;		/* no MADT: the guest has only the 8259 PIC */
	int nr_virtio;
	uint64_t virtio_gpa[LAYOUT_VIRTIO_MMIO_MAX];
	unsigned int virtio_irq[LAYOUT_VIRTIO_MMIO_MAX];
};

/*
 * Build the tables into @buf, which the guest sees at @gpa (16-byte
 * aligned), @size bytes.  The RSDP comes first.  Returns the bytes used or
 * -ENOSPC.  Pure: unit-tested on the host.
 */
int acpi_build(uint8_t *buf, uint64_t gpa, size_t size, const struct acpi_config *cfg);

/* Byte sum of @len bytes (ACPI checksums make the table sum to 0). */
uint8_t acpi_sum(const void *p, size_t len);

struct acpi_pm {
	pthread_mutex_t lock;	/* guards the registers */
	uint16_t pm1_status;
	uint16_t pm1_enable;
	uint16_t pm1_control;
	void (*poweroff)(void *opaque);	/* SLP_EN with SLP_TYP = S5 */
	void *opaque;
};

void acpi_pm_init(struct acpi_pm *pm, void (*poweroff)(void *opaque), void *opaque);
/* Bus callbacks: PM1a_EVT (status, enable) and PM1a_CNT. */
void acpi_pm_evt_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			bool is_write);
void acpi_pm_cnt_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
			bool is_write);

#endif /* KVMX_VMM_ACPI_H */
