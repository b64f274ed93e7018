// SPDX-License-Identifier: GPL-2.0
/*
 * The two cascaded 8259A PICs (ports 0x20-0x21 and 0xa0-0xa1) and the
 * edge/level control registers (ELCR, ports 0x4d0-0x4d1), following the
 * 8259A datasheet: ICW1-4, OCW1-3, fully nested priorities with rotation,
 * special mask, poll, auto-EOI.  The slave's output drives the master's
 * IRQ 2; the master's output reaches the vCPUs whose LINT0 is in ExtINT
 * mode (kvmx_lapic_accepts_pic()).  Everything here runs with chip->lock
 * held.
 */
#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

#define PIC_CASCADE_IRQ	2

/* Priority (0 = highest) of the best request in @mask, 8 if none. */
static int best_priority(const struct kvm_pic_state *s, u8 mask)
{
	int p;

	if (!mask)
		return 8;
	for (p = 0; !(mask & (1 << ((p + s->priority_add) & 7))); p++)
		;
	return p;
}

/* The IRQ this chip would present to the CPU now, or -1. */
static int chip_pending(struct kvmx_pic *pic, bool master)
{
	struct kvm_pic_state *s = &pic->s;
	int p = best_priority(s, s->irr & ~s->imr), in_service;
	u8 isr = s->isr;

	if (p == 8)
		return -1;
	/* Special fully nested: the slave's requests nest within IRQ 2. */
	if (master && s->special_fully_nested_mode)
		isr &= ~(1 << PIC_CASCADE_IRQ);
	if (s->special_mask)
		isr &= ~s->imr;
	in_service = best_priority(s, isr);
	return p < in_service ? (p + s->priority_add) & 7 : -1;
}

static void chip_set_line(struct kvmx_pic *pic, int irq, int level)
{
	struct kvm_pic_state *s = &pic->s;
	u8 mask = 1 << irq;

	if (s->elcr & mask) {
		/* Level triggered: the request follows the line. */
		if (level) {
			s->irr |= mask;
			s->last_irr |= mask;
		} else {
			s->irr &= ~mask;
			s->last_irr &= ~mask;
		}
		return;
	}
	if (level) {
		if (!(s->last_irr & mask))
			s->irr |= mask;
		s->last_irr |= mask;
	} else {
		s->last_irr &= ~mask;
	}
}

/* The CPU takes @irq; true if auto-EOI completed it at once. */
static bool chip_ack(struct kvmx_pic *pic, int irq)
{
	struct kvm_pic_state *s = &pic->s;

	if (s->auto_eoi) {
		if (s->rotate_on_auto_eoi)
			s->priority_add = (irq + 1) & 7;
	} else {
		s->isr |= 1 << irq;
	}
	/* An edge request is consumed; a level one stays while the line is high. */
	if (!(s->elcr & (1 << irq)))
		s->irr &= ~(1 << irq);
	return s->auto_eoi;
}

/* The guest completed @irq of PIC @which (EOI or auto-EOI). */
static void chip_acked(struct kvmx_irqchip *chip, int which, int irq)
{
	kvmx_irqchip_pin_acked(chip, which ? KVM_IRQCHIP_PIC_SLAVE :
				     KVM_IRQCHIP_PIC_MASTER, irq);
}

bool kvmx_pic_output(struct kvmx_irqchip *chip)
{
	return chip_pending(&chip->pic[0], true) >= 0;
}

/* Propagate the slave to the master's IRQ 2; kick whoever takes ExtINT. */
void kvmx_pic_update(struct kvmx_vm *vm)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	int i, n;

	chip_set_line(&chip->pic[0], PIC_CASCADE_IRQ,
		      chip_pending(&chip->pic[1], false) >= 0);
	if (!kvmx_pic_output(chip) || chip->dying)
		return;
	/* Pairs with vCPU creation: vcpus[] and their APICs are set up. */
	n = smp_load_acquire(&vm->nr_vcpus);
	for (i = 0; i < n; i++) {
		struct kvmx_lapic *apic = to_x86(vm->vcpus[i])->apic;

		if (apic && kvmx_lapic_accepts_pic(apic))
			kvmx_lapic_kick(apic);
	}
}

/*
 * PIC input @pin (0-15).  1 if the request was taken, 0 if it was already
 * pending (coalesced), -1 if masked.
 */
int kvmx_pic_set_irq(struct kvmx_vm *vm, u32 pin, int level)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_pic *pic = &chip->pic[pin >> 3];
	u8 mask = 1 << (pin & 7);
	int r = (pic->s.irr & mask) ? 0 : 1;

	if (pic->s.imr & mask)
		r = -1;
	chip_set_line(pic, pin & 7, level);
	kvmx_pic_update(vm);
	return r;
}

/* INTA cycle: the vector for the CPU (spurious IRQ 7 / 15 if none left). */
int kvmx_pic_intack(struct kvmx_irqchip *chip)
{
	struct kvmx_pic *master = &chip->pic[0], *slave = &chip->pic[1];
	int irq = chip_pending(master, true), irq2, vector;

	if (irq < 0) {
		vector = master->s.irq_base + 7;
	} else if (irq == PIC_CASCADE_IRQ) {
		irq2 = chip_pending(slave, false);
		if (irq2 < 0)
			irq2 = 7;
		else if (chip_ack(slave, irq2))
			chip_acked(chip, 1, irq2);
		vector = slave->s.irq_base + irq2;
		if (chip_ack(master, irq))
			chip_acked(chip, 0, irq);
	} else {
		vector = master->s.irq_base + irq;
		if (chip_ack(master, irq))
			chip_acked(chip, 0, irq);
	}
	chip_set_line(master, PIC_CASCADE_IRQ, chip_pending(slave, false) >= 0);
	return vector;
}

static void chip_init(struct kvmx_pic *pic, u8 icw1)
{
	struct kvm_pic_state *s = &pic->s;

	s->last_irr = 0;
	s->irr &= s->elcr;	/* level requests stay */
	s->imr = 0;
	s->isr = 0;
	s->priority_add = 0;
	s->special_mask = 0;
	s->read_reg_select = 0;
	s->poll = 0;
	s->auto_eoi = 0;
	s->rotate_on_auto_eoi = 0;
	s->special_fully_nested_mode = 0;
	s->init_state = 1;
	s->init4 = icw1 & 1;
	pic->single_mode = icw1 & 2;
}

/* A command (ICW1, OCW2, OCW3); the IRQ an EOI completed, or -1. */
static int write_command(struct kvmx_pic *pic, u8 val)
{
	struct kvm_pic_state *s = &pic->s;
	int p, irq = -1;

	if (val & 0x10) {		/* ICW1 */
		chip_init(pic, val);
		return -1;
	}
	if (val & 0x08) {		/* OCW3 */
		if (val & 0x04)
			s->poll = 1;
		if (val & 0x02)
			s->read_reg_select = val & 1;
		if (val & 0x40)
			s->special_mask = (val >> 5) & 1;
		return -1;
	}
	switch (val >> 5) {		/* OCW2 */
	case 0:				/* clear rotate in auto-EOI */
	case 4:				/* set rotate in auto-EOI */
		s->rotate_on_auto_eoi = val >> 7;
		break;
	case 1:				/* non-specific EOI */
	case 5:				/* rotate on non-specific EOI */
		p = best_priority(s, s->isr);
		if (p == 8)
			break;
		irq = (p + s->priority_add) & 7;
		s->isr &= ~(1 << irq);
		if (val >> 5 == 5)
			s->priority_add = (irq + 1) & 7;
		break;
	case 3:				/* specific EOI */
		irq = val & 7;
		s->isr &= ~(1 << irq);
		break;
	case 6:				/* set priority */
		s->priority_add = (val + 1) & 7;
		break;
	case 7:				/* rotate on specific EOI */
		irq = val & 7;
		s->isr &= ~(1 << irq);
		s->priority_add = (irq + 1) & 7;
		break;
	default:			/* 2: no operation */
		break;
	}
	return irq;
}

static void write_data(struct kvmx_pic *pic, u8 val)
{
	struct kvm_pic_state *s = &pic->s;

	switch (s->init_state) {
	case 1:				/* ICW2 */
		s->irq_base = val & 0xf8;
		s->init_state = pic->single_mode ? (s->init4 ? 3 : 0) : 2;
		break;
	case 2:				/* ICW3: the cascade wiring is fixed */
		s->init_state = s->init4 ? 3 : 0;
		break;
	case 3:				/* ICW4 */
		s->special_fully_nested_mode = (val >> 4) & 1;
		s->auto_eoi = (val >> 1) & 1;
		s->init_state = 0;
		break;
	default:			/* OCW1 */
		s->imr = val;
		break;
	}
}

/* Poll command: acknowledge the best request as an INTA would. */
static u8 poll_read(struct kvmx_irqchip *chip, int which)
{
	struct kvmx_pic *pic = &chip->pic[which];
	int irq = chip_pending(pic, which == 0);

	pic->s.poll = 0;
	if (irq < 0)
		return 0;
	if (chip_ack(pic, irq))
		chip_acked(chip, which, irq);
	/* The level-triggered cascade input follows the slave again. */
	if (which == 1)
		chip_set_line(&chip->pic[0], PIC_CASCADE_IRQ,
			      chip_pending(pic, false) >= 0);
	return 0x80 | irq;
}

/* Ports 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1.  True if one of them. */
bool kvmx_pic_pio(struct kvmx_vm *vm, u16 port, bool in, u32 *val)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_pic *pic;
	int which, irq;

	switch (port) {
	case 0x20: case 0x21:
		which = 0;
		break;
	case 0xa0: case 0xa1:
		which = 1;
		break;
	case 0x4d0: case 0x4d1:
		pic = &chip->pic[port - 0x4d0];
		if (in)
			*val = pic->s.elcr;
		else
			pic->s.elcr = *val & pic->s.elcr_mask;
		return true;
	default:
		return false;
	}
	pic = &chip->pic[which];
	if (in) {
		if (pic->s.poll)
			*val = poll_read(chip, which);
		else if (port & 1)
			*val = pic->s.imr;
		else
			*val = pic->s.read_reg_select ? pic->s.isr : pic->s.irr;
		kvmx_pic_update(vm);
		return true;
	}
	if (port & 1) {
		write_data(pic, *val);
	} else {
		irq = write_command(pic, *val);
		if (irq >= 0)
			chip_acked(chip, which, irq);
	}
	kvmx_pic_update(vm);
	return true;
}

void kvmx_pic_reset(struct kvmx_irqchip *chip)
{
	int i;

	for (i = 0; i < 2; i++) {
		memset(&chip->pic[i], 0, sizeof(chip->pic[i]));
		/* IRQ 0-2 (master) and 8, 13 (slave) are edge-only on a PIIX. */
		chip->pic[i].s.elcr_mask = i ? 0xde : 0xf8;
	}
}
