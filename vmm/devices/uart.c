// SPDX-License-Identifier: GPL-2.0
/* 16550A UART model. */
#include <string.h>

#include "uart.h"
#include "util.h"

void uart_init(struct uart *uart, struct irq_line *irq,
	       void (*tx)(void *opaque, uint8_t byte), void *tx_opaque)
{
	memset(uart, 0, sizeof(*uart));
	pthread_mutex_init(&uart->lock, NULL);
	uart->irq = irq;
	uart->tx = tx;
	uart->tx_opaque = tx_opaque;
	/* Power-on: OUT2 clear, 115200 baud divisor, 8N1. */
	uart->dll = 1;
	uart->lcr = 0x03;
}

/* Highest-priority pending interrupt, as IIR bits 3:0. */
static uint8_t uart_iir_id(const struct uart *uart)
{
	if ((uart->ier & UART_IER_RLSI) && uart->lsr_errors)
		return UART_IIR_RLSI;
	if ((uart->ier & UART_IER_RDI) && uart->rx_count)
		return UART_IIR_RDI;
	if ((uart->ier & UART_IER_THRI) && uart->thr_ipending)
		return UART_IIR_THRI;
	return UART_IIR_NO_INT;
}

static void uart_update_irq(struct uart *uart)
{
	int level = uart_iir_id(uart) != UART_IIR_NO_INT;

	if (level != uart->irq_level) {
		uart->irq_level = level;
		irq_line_set(uart->irq, level);
	}
}

static void uart_rx_push(struct uart *uart, uint8_t byte)
{
	if (uart->rx_count == UART_RX_FIFO_SIZE) {
		uart->lsr_errors |= UART_LSR_OE;
		return;
	}
	uart->rx[(uart->rx_head + uart->rx_count) % UART_RX_FIFO_SIZE] = byte;
	uart->rx_count++;
}

static uint8_t uart_rx_pop(struct uart *uart)
{
	uint8_t byte;

	if (!uart->rx_count)
		return 0;
	byte = uart->rx[uart->rx_head];
	uart->rx_head = (uart->rx_head + 1) % UART_RX_FIFO_SIZE;
	uart->rx_count--;
	return byte;
}

static uint8_t uart_msr(const struct uart *uart)
{
	uint8_t msr = 0;

	if (!(uart->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	/* Loopback: modem inputs follow the modem control outputs. */
	if (uart->mcr & UART_MCR_RTS)
		msr |= UART_MSR_CTS;
	if (uart->mcr & UART_MCR_DTR)
		msr |= UART_MSR_DSR;
	if (uart->mcr & UART_MCR_OUT1)
		msr |= UART_MSR_RI;
	if (uart->mcr & UART_MCR_OUT2)
		msr |= UART_MSR_DCD;
	return msr;
}

static uint8_t uart_read(struct uart *uart, unsigned int reg)
{
	uint8_t v, id;

	switch (reg) {
	case UART_RBR_THR:
		if (uart->lcr & UART_LCR_DLAB)
			return uart->dll;
		return uart_rx_pop(uart);
	case UART_IER:
		if (uart->lcr & UART_LCR_DLAB)
			return uart->dlm;
		return uart->ier;
	case UART_IIR_FCR:
		id = uart_iir_id(uart);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if (id == UART_IIR_THRI)
			uart->thr_ipending = false;
		v = id;
		if (uart->fcr & UART_FCR_ENABLE_FIFO)
			v |= UART_IIR_FIFO_ON;
		return v;
	case UART_LCR:
		return uart->lcr;
	case UART_MCR:
		return uart->mcr;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT | uart->lsr_errors;
		if (uart->rx_count)
			v |= UART_LSR_DR;
		uart->lsr_errors = 0;
		return v;
	case UART_MSR:
		return uart_msr(uart);
	default:
		return uart->scr;
	}
}

static void uart_write(struct uart *uart, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case UART_RBR_THR:
		if (uart->lcr & UART_LCR_DLAB) {
			uart->dll = v;
			break;
		}
		if (uart->mcr & UART_MCR_LOOP)
			uart_rx_push(uart, v);
		else if (uart->tx)
			uart->tx(uart->tx_opaque, v);
		/* Sent at once: the holding register is empty again. */
		uart->thr_ipending = true;
		break;
	case UART_IER:
		if (uart->lcr & UART_LCR_DLAB) {
			uart->dlm = v;
			break;
		}
		/* Enabling THRI with an empty THR raises the interrupt at once. */
		if (!(uart->ier & UART_IER_THRI) && (v & UART_IER_THRI))
			uart->thr_ipending = true;
		uart->ier = v & 0x0f;
		break;
	case UART_IIR_FCR:
		uart->fcr = v & (UART_FCR_ENABLE_FIFO | 0xc0);
		if (v & UART_FCR_CLEAR_RCVR)
			uart->rx_count = 0;
		break;
	case UART_LCR:
		uart->lcr = v;
		break;
	case UART_MCR:
		uart->mcr = v & 0x1f;
		break;
	case UART_SCR:
		uart->scr = v;
		break;
	default:	/* LSR and MSR are read-only */
		break;
	}
}

void uart_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len,
		 bool is_write)
{
	struct uart *uart = opaque;

	pthread_mutex_lock(&uart->lock);
	if (is_write) {
		uart_write(uart, offset & 7, data[0]);
	} else {
		data[0] = uart_read(uart, offset & 7);
		memset(data + 1, 0, len - 1);
	}
	uart_update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
}

unsigned int uart_rx_room(struct uart *uart)
{
	unsigned int room;

	pthread_mutex_lock(&uart->lock);
	room = UART_RX_FIFO_SIZE - uart->rx_count;
	pthread_mutex_unlock(&uart->lock);
	return room;
}

unsigned int uart_receive(struct uart *uart, const uint8_t *buf, unsigned int len)
{
	unsigned int n;

	pthread_mutex_lock(&uart->lock);
	n = MIN(len, UART_RX_FIFO_SIZE - uart->rx_count);
	for (unsigned int i = 0; i < n; i++)
		uart_rx_push(uart, buf[i]);
	uart_update_irq(uart);
	pthread_mutex_unlock(&uart->lock);
	return n;
}
