/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An interrupt line as devices see it.  The VM provides @set (the in-kernel
 * irqchip through KVM_IRQ_LINE, or the userspace PIC); unit tests provide
 * their own.  Level semantics: devices call it with the line's new level.
 */
#ifndef KVMX_VMM_IRQ_H
#define KVMX_VMM_IRQ_H

struct irq_line {
	void (*set)(struct irq_line *line, int level);
	unsigned int irq;	/* ISA IRQ == GSI */
	void *owner;		/* the struct vm, or a test's context */
};

static inline void irq_line_set(struct irq_line *line, int level)
{
	if (line && line->set)
		line->set(line, level);
}

/* An edge: raise then lower (virtio notifications). */
static inline void irq_line_pulse(struct irq_line *line)
{
	irq_line_set(line, 1);
	irq_line_set(line, 0);
}

#endif /* KVMX_VMM_IRQ_H */
