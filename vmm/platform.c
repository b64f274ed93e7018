// SPDX-License-Identifier: GPL-2.0
/* Device creation and bus registration, in one explicit order. */
#include <errno.h>
#include <string.h>

#include "console.h"
#include "options.h"
#include "pic.h"
#include "platform.h"
#include "util.h"
#include "virtio_blk.h"
#include "virtio_net.h"
#include "virtio_rng.h"

static const unsigned int virtio_irqs[LAYOUT_VIRTIO_MMIO_MAX] = IRQ_VIRTIO_LIST;

static void platform_reset(void *opaque)
{
	vm_request_stop(opaque, VM_EXIT_RESET);
}

static void platform_poweroff(void *opaque)
{
	vm_request_stop(opaque, VM_EXIT_POWEROFF);
}

static int reg(struct bus *bus, uint64_t base, uint64_t size, const char *name,
	       bus_access_fn fn, void *opaque)
{
	int err = bus_register(bus, base, size, name, fn, opaque);

	if (err)
		return vmm_error_errno(-err, "registering %s at %s 0x%llx", name,
				       bus->name, (unsigned long long)base);
	return 0;
}

static int platform_legacy(struct platform *p, struct console *con)
{
	struct vm *vm = p->vm;
	struct bus *pio = &vm->pio_bus;
	int err;

	uart_init(&p->uart, vm_irq(vm, IRQ_COM1), console_tx, con);
	rtc_init(&p->rtc, NULL);
	i8042_init(&p->i8042, platform_reset, vm);
	acpi_pm_init(&p->acpi_pm, platform_poweroff, vm);

	err = reg(pio, PORT_COM1, PORT_UART_SIZE, "uart", uart_access, &p->uart);
	if (!err)
		err = reg(pio, PORT_RTC, PORT_RTC_SIZE, "rtc", rtc_access, &p->rtc);
	if (!err)
		err = reg(pio, PORT_I8042_DATA, 1, "i8042", i8042_data_access, &p->i8042);
	if (!err)
		err = reg(pio, PORT_I8042_COMMAND, 1, "i8042", i8042_command_access,
			  &p->i8042);
	if (!err)
		err = reg(pio, PORT_ACPI_PM1A_EVT, PORT_ACPI_PM1A_EVT_SIZE, "acpi-pm1a-evt",
			  acpi_pm_evt_access, &p->acpi_pm);
	if (!err)
		err = reg(pio, PORT_ACPI_PM1A_CNT, PORT_ACPI_PM1A_CNT_SIZE, "acpi-pm1a-cnt",
			  acpi_pm_cnt_access, &p->acpi_pm);
	if (!err && vm->pic)
		err = reg(pio, PORT_PIC_MASTER, PORT_PIC_SIZE, "pic", pic_master_access,
			  vm->pic);
	if (!err && vm->pic)
		err = reg(pio, PORT_PIC_SLAVE, PORT_PIC_SIZE, "pic", pic_slave_access,
			  vm->pic);
	/* Without KVM_CREATE_PIT2, the PIT and port 0x61 are ours too. */
	if (!err && vm->pic) {
		err = pit_init(&p->pit, vm_irq(vm, 0), vm->stop_fd[0]);
		p->has_pit = !err;
	}
	if (!err && p->has_pit)
		err = reg(pio, PORT_PIT, PORT_PIT_SIZE, "pit", pit_access, &p->pit);
	if (!err && p->has_pit)
		err = reg(pio, PORT_SYSTEM_CONTROL_B, 1, "port61", pit_port61_access, &p->pit);
	return err;
}

/* Put a created backend into the next virtio-mmio slot. */
static int platform_add_virtio(struct platform *p, struct virtio_device *dev)
{
	int slot = p->nr_virtio;
	uint64_t gpa = LAYOUT_VIRTIO_MMIO_GPA + slot * LAYOUT_VIRTIO_MMIO_SIZE;
	struct virtio_mmio *vm_dev;
	int err;

	if (slot == LAYOUT_VIRTIO_MMIO_MAX) {
		dev->ops->destroy(dev);
		vmm_error("too many virtio devices (at most %d)", LAYOUT_VIRTIO_MMIO_MAX);
		return -ENOSPC;
	}
	vm_dev = virtio_mmio_create(p->vm, dev, vm_irq(p->vm, virtio_irqs[slot]));
	if (!vm_dev)
		return -ENOMEM;
	p->virtio[slot] = vm_dev;
	p->nr_virtio++;
	err = reg(&p->vm->mmio_bus, gpa, LAYOUT_VIRTIO_MMIO_SIZE, dev->name,
		  virtio_mmio_access, vm_dev);
	if (err)
		return err;
	p->acpi.virtio_gpa[slot] = gpa;
	p->acpi.virtio_irq[slot] = virtio_irqs[slot];
	p->acpi.nr_virtio = p->nr_virtio;
	return 0;
}

static int platform_virtio(struct platform *p, const struct options *o)
{
	struct virtio_device *dev;
	int i, err;

	for (i = 0; i < o->nr_disks; i++) {
		err = virtio_blk_create(&o->disks[i], &dev);
		if (err)
			return err;
		err = platform_add_virtio(p, dev);
		if (err)
			return err;
	}
	if (o->tap) {
		err = virtio_net_create(o->tap, &dev);
		if (!err)
			err = platform_add_virtio(p, dev);
		if (err)
			return err;
	}
	if (o->rng) {
		err = virtio_rng_create(&dev);
		if (!err)
			err = platform_add_virtio(p, dev);
		if (err)
			return err;
	}
	return 0;
}

static int platform_acpi(struct platform *p)
{
	uint8_t *buf = gpa_to_hva(&p->vm->mem, LAYOUT_ACPI_GPA, LAYOUT_ACPI_SIZE);
	int n;

	if (!buf) {
		vmm_error("--mem too small for the ACPI tables");
		return -ENOSPC;
	}
	p->acpi.nr_cpus = p->vm->nr_vcpus;
	/* No in-kernel LAPIC/IOAPIC: no MADT, the guest uses the PIC. */
	p->acpi.no_apic = !p->vm->irqchip_in_kernel;
	n = acpi_build(buf, LAYOUT_ACPI_GPA, LAYOUT_ACPI_SIZE, &p->acpi);
	if (n < 0)
		return vmm_error_errno(-n, "building the ACPI tables");
	return 0;
}

int platform_init(struct platform *p, struct vm *vm, const struct options *opts,
		  struct console *con)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->vm = vm;
	err = platform_legacy(p, con);
	if (!err)
		err = platform_virtio(p, opts);
	if (!err)
		err = platform_acpi(p);
	return err;
}

int platform_start(struct platform *p)
{
	return p->has_pit ? pit_start(&p->pit) : 0;
}

void platform_exit(struct platform *p)
{
	int i;

	if (p->has_pit)
		pit_exit(&p->pit);
	p->has_pit = false;

	for (i = 0; i < p->nr_virtio; i++)
		virtio_mmio_destroy(p->virtio[i]);
	p->nr_virtio = 0;
}
