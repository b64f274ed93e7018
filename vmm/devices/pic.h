/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A userspace pair of 8259A PICs (master at 0x20, slave at 0xa0 on IRQ 2),
 * used when the device offers no in-kernel irqchip: vCPU 0 injects the
 * vector with KVM_INTERRUPT when the guest opens its interrupt window.
 *
 * Supported: ICW1-4 (edge triggered, cascade, auto-EOI), OCW1 mask, OCW2
 * non-specific and specific EOI, OCW3 IRR/ISR read.  Not modelled: special
 * mask/fully nested modes, rotation, polling, level triggering (ELCR).
 */
#ifndef KVMX_VMM_PIC_H
#define KVMX_VMM_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PORT_PIC_MASTER		0x20
#define PORT_PIC_SLAVE		0xa0
#define PORT_PIC_SIZE		2
#define PIC_CASCADE_IRQ		2

struct pic;

struct pic *pic_create(void);
void pic_destroy(struct pic *pic);
/* Bus callbacks: @opaque is the struct pic; master and slave ranges. */
void pic_master_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		       bool is_write);
void pic_slave_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		      bool is_write);
/* Drive ISA line @irq (0..15); a rising edge latches it in IRR. */
void pic_set_irq(struct pic *pic, unsigned int irq, int level);
/* True when an unmasked request would be delivered now. */
bool pic_has_interrupt(struct pic *pic);
/* Acknowledge (INTA): the vector to inject, or -1 if nothing is pending. */
int pic_ack(struct pic *pic);
/* Wake a vCPU sleeping in pic_wait(). */
void pic_kick(struct pic *pic);
/* Sleep until an interrupt is pending or pic_kick(); for HLT in userspace. */
void pic_wait(struct pic *pic);

#endif /* KVMX_VMM_PIC_H */
