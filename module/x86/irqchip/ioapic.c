// SPDX-License-Identifier: GPL-2.0
/*
 * The IOAPIC (82093AA datasheet): 24 pins at 0xfec00000, IOREGSEL at 0x00,
 * IOWIN at 0x10 and the EOI register at 0x40 (version 0x20 parts); the
 * redirection table, edge and level pins, remote IRR and the EOI broadcast
 * from the local APICs.  Everything here runs with chip->lock held.
 *
 * The state is kept in the KVM_GET/SET_IRQCHIP form: ioapic.irr has a bit
 * per pin with a request not yet delivered (level high, or an edge seen
 * while masked is dropped as on the real part).
 */
#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

#define IOAPIC_VERSION		0x11
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_TABLE	0x10
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10
#define IOAPIC_EOI		0x40

/* Bits of a redirection entry the guest may write (not RO status bits). */
#define REDIR_RO_BITS		((1ULL << 12) | (1ULL << 14))	/* delivery status, remote IRR */
#define REDIR_WRITABLE		(0xff000000000000ffULL | (7 << 8) | (1 << 11) | \
				 (1 << 13) | (1 << 15) | (1 << 16))

/* The uapi's redirection entry is an anonymous union: name its type. */
#define redir_entry typeof(((struct kvm_ioapic_state *)NULL)->redirtbl[0])

static void deliver(struct kvmx_vm *vm, int pin)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	redir_entry *e = &chip->ioapic.redirtbl[pin];
	struct kvmx_apic_irq irq = {
		.dest = e->fields.dest_id,
		.vector = e->fields.vector,
		.delivery_mode = e->fields.delivery_mode,
		.logical = e->fields.dest_mode,
		.level = e->fields.trig_mode,
	};

	if (e->fields.mask)
		return;
	if (e->fields.trig_mode) {
		if (e->fields.remote_irr)
			return;
		/* Accepted by an APIC: wait for its EOI before sending again. */
		if (kvmx_lapic_deliver(vm, NULL, &irq))
			e->fields.remote_irr = 1;
	} else {
		chip->ioapic.irr &= ~(1U << pin);
		kvmx_lapic_deliver(vm, NULL, &irq);
	}
}

/* Input @pin of the IOAPIC.  1 delivered, 0 coalesced, -1 masked. */
int kvmx_ioapic_set_irq(struct kvmx_vm *vm, u32 pin, int level)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	redir_entry *e;
	u32 mask = 1U << pin;
	bool was = chip->ioapic_lines & mask;
	int r;

	if (pin >= KVMX_NR_IOAPIC_PINS)
		return -1;
	e = &chip->ioapic.redirtbl[pin];
	if (level)
		chip->ioapic_lines |= mask;
	else
		chip->ioapic_lines &= ~mask;

	if (e->fields.trig_mode) {
		if (!level) {
			chip->ioapic.irr &= ~mask;
			return 1;
		}
		r = e->fields.remote_irr ? 0 : 1;
		chip->ioapic.irr |= mask;
	} else {
		if (!level || was)
			return 1;
		r = (chip->ioapic.irr & mask) ? 0 : 1;
		chip->ioapic.irr |= mask;
	}
	if (e->fields.mask)
		return -1;
	deliver(vm, pin);
	return r;
}

/* A local APIC completed level-triggered @vector: clear remote IRR. */
void kvmx_ioapic_eoi(struct kvmx_vm *vm, u8 vector)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	int pin;

	for (pin = 0; pin < KVMX_NR_IOAPIC_PINS; pin++) {
		redir_entry *e = &chip->ioapic.redirtbl[pin];

		if (e->fields.vector != vector || !e->fields.trig_mode)
			continue;
		/* Resampling irqfds release the line first, as kvm's notifiers. */
		kvmx_irqchip_pin_acked(chip, KVM_IRQCHIP_IOAPIC, pin);
		e->fields.remote_irr = 0;
		/* Still asserted: the request goes out again. */
		if (chip->ioapic.irr & (1U << pin))
			deliver(vm, pin);
	}
}

static u32 read_indirect(struct kvmx_irqchip *chip)
{
	u32 sel = chip->ioapic.ioregsel;
	u64 e;

	switch (sel) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return (chip->ioapic.id & 0xf) << 24;
	case IOAPIC_REG_VERSION:
		return IOAPIC_VERSION | ((KVMX_NR_IOAPIC_PINS - 1) << 16);
	}
	if (sel >= IOAPIC_REG_TABLE && sel < IOAPIC_REG_TABLE + 2 * KVMX_NR_IOAPIC_PINS) {
		e = chip->ioapic.redirtbl[(sel - IOAPIC_REG_TABLE) / 2].bits;
		return (sel & 1) ? e >> 32 : (u32)e;
	}
	return 0;
}

static void write_indirect(struct kvmx_vm *vm, u32 val)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	u32 sel = chip->ioapic.ioregsel;
	redir_entry *e;
	u64 bits;
	int pin;

	if (sel == IOAPIC_REG_ID) {
		chip->ioapic.id = (val >> 24) & 0xf;
		return;
	}
	if (sel < IOAPIC_REG_TABLE || sel >= IOAPIC_REG_TABLE + 2 * KVMX_NR_IOAPIC_PINS)
		return;
	pin = (sel - IOAPIC_REG_TABLE) / 2;
	e = &chip->ioapic.redirtbl[pin];
	bits = e->bits;
	if (sel & 1)
		bits = (bits & 0xffffffffULL) | ((u64)val << 32);
	else
		bits = (bits & ~0xffffffffULL) | val;
	e->bits = (bits & REDIR_WRITABLE) | (e->bits & REDIR_RO_BITS);
	/* An edge entry has no remote IRR. */
	if (!e->fields.trig_mode)
		e->fields.remote_irr = 0;
	/* Unmasking a level pin that is still asserted delivers it. */
	if (!e->fields.mask && e->fields.trig_mode &&
	    (chip->ioapic_lines & (1U << pin)))
		deliver(vm, pin);
}

/* A 32-bit access at @offset into the IOAPIC page. */
void kvmx_ioapic_mmio(struct kvmx_vm *vm, u64 offset, u32 *val, bool write)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);

	switch (offset) {
	case IOAPIC_IOREGSEL:
		if (write)
			chip->ioapic.ioregsel = *val & 0xff;
		else
			*val = chip->ioapic.ioregsel;
		break;
	case IOAPIC_IOWIN:
		if (write)
			write_indirect(vm, *val);
		else
			*val = read_indirect(chip);
		break;
	case IOAPIC_EOI:
		if (write)
			kvmx_ioapic_eoi(vm, *val & 0xff);
		else
			*val = 0;
		break;
	default:
		if (!write)
			*val = 0;
	}
}

/* After KVM_SET_IRQCHIP: resend asserted, unmasked level pins. */
void kvmx_ioapic_state_set(struct kvmx_vm *vm)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	int pin;

	chip->ioapic_lines = chip->ioapic.irr;
	for (pin = 0; pin < KVMX_NR_IOAPIC_PINS; pin++)
		if ((chip->ioapic.irr & (1U << pin)) &&
		    chip->ioapic.redirtbl[pin].fields.trig_mode)
			deliver(vm, pin);
}

void kvmx_ioapic_reset(struct kvmx_irqchip *chip)
{
	int pin;

	memset(&chip->ioapic, 0, sizeof(chip->ioapic));
	chip->ioapic.base_address = KVMX_IOAPIC_BASE;
	for (pin = 0; pin < KVMX_NR_IOAPIC_PINS; pin++)
		chip->ioapic.redirtbl[pin].fields.mask = 1;
	chip->ioapic_lines = 0;
}
