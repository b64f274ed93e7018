/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 16550A-compatible UART (8250 family): enough for Linux's 8250 driver to
 * detect a 16550A, use it as console with interrupts, and for its loopback
 * self-test.  Transmission is instantaneous; there is no baud-rate timing.
 */
#ifndef KVMX_VMM_UART_H
#define KVMX_VMM_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "irq.h"

#define UART_RX_FIFO_SIZE	64

/* Register offsets from the base port. */
enum uart_reg {
	UART_RBR_THR	= 0,	/* DLAB=1: divisor latch low */
	UART_IER	= 1,	/* DLAB=1: divisor latch high */
	UART_IIR_FCR	= 2,
	UART_LCR	= 3,
	UART_MCR	= 4,
	UART_LSR	= 5,
	UART_MSR	= 6,
	UART_SCR	= 7,
};

#define UART_IER_RDI		0x01	/* received data available */
#define UART_IER_THRI		0x02	/* transmitter holding register empty */
#define UART_IER_RLSI		0x04	/* receiver line status */
#define UART_IER_MSI		0x08	/* modem status */
#define UART_IIR_NO_INT		0x01
#define UART_IIR_MSI		0x00
#define UART_IIR_THRI		0x02
#define UART_IIR_RDI		0x04
#define UART_IIR_RLSI		0x06
#define UART_IIR_FIFO_ON	0xc0
#define UART_FCR_ENABLE_FIFO	0x01
#define UART_FCR_CLEAR_RCVR	0x02
#define UART_LCR_DLAB		0x80
#define UART_MCR_DTR		0x01
#define UART_MCR_RTS		0x02
#define UART_MCR_OUT1		0x04
#define UART_MCR_OUT2		0x08
#define UART_MCR_LOOP		0x10
#define UART_LSR_DR		0x01
#define UART_LSR_OE		0x02
#define UART_LSR_THRE		0x20
#define UART_LSR_TEMT		0x40
#define UART_MSR_CTS		0x10
#define UART_MSR_DSR		0x20
#define UART_MSR_RI		0x40
#define UART_MSR_DCD		0x80

struct uart {
	pthread_mutex_t lock;	/* guards everything below; taken by vCPU and I/O threads */
	uint8_t ier, lcr, mcr, scr, fcr, lsr_errors, dll, dlm;
	bool thr_ipending;	/* THRE interrupt pending (cleared by IIR read/THR write) */
	uint8_t rx[UART_RX_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	int irq_level;		/* last level driven on @irq */
	struct irq_line *irq;
	/* Called with a transmitted byte (not in loopback), under @lock. */
	void (*tx)(void *opaque, uint8_t byte);
	void *tx_opaque;
};

void uart_init(struct uart *uart, struct irq_line *irq,
	       void (*tx)(void *opaque, uint8_t byte), void *tx_opaque);
/* Bus callback; @opaque is the struct uart. */
void uart_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		 bool is_write);
/* Host -> guest bytes; returns how many fit in the receive FIFO. */
unsigned int uart_receive(struct uart *uart, const uint8_t *buf, unsigned int len);
/* Free space in the receive FIFO. */
unsigned int uart_rx_room(struct uart *uart);

#endif /* KVMX_VMM_UART_H */
