/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC platform kvmx gives a guest: COM1, the i8042 reset line, the CMOS
 * RTC, ACPI PM1a registers and tables, the userspace PIC when there is no
 * in-kernel irqchip, and the virtio-mmio devices.
 */
#ifndef KVMX_VMM_PLATFORM_H
#define KVMX_VMM_PLATFORM_H

#include "acpi.h"
#include "i8042.h"
#include "pit.h"
#include "rtc.h"
#include "uart.h"
#include "virtio_mmio.h"

struct options;
struct console;

struct platform {
	struct vm *vm;
	struct uart uart;
	struct rtc rtc;
	struct i8042 i8042;
	struct acpi_pm acpi_pm;
	struct pit pit;		/* userspace irqchip only */
	bool has_pit;
	struct acpi_config acpi;
	int nr_virtio;
	struct virtio_mmio *virtio[LAYOUT_VIRTIO_MMIO_MAX];
};

/* Create the devices, register them on @vm's buses, write the ACPI tables. */
int platform_init(struct platform *p, struct vm *vm, const struct options *opts,
		  struct console *con);
/* Start device threads (the userspace PIT); after the sandbox is fine. */
int platform_start(struct platform *p);
void platform_exit(struct platform *p);

#endif /* KVMX_VMM_PLATFORM_H */
