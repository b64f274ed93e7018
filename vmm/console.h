/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The serial console on stdio: guest output goes to stdout as it is
 * written; stdin feeds the UART's receive FIFO from the I/O thread.  On a
 * terminal, stdin is put in raw mode (restored on every exit) and Ctrl-A x
 * quits, Ctrl-A Ctrl-A sends one Ctrl-A.
 */
#ifndef KVMX_VMM_CONSOLE_H
#define KVMX_VMM_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "uart.h"
#include "vm.h"

#define CONSOLE_ESCAPE_CHAR	0x01	/* Ctrl-A */
#define CONSOLE_QUIT_CHAR	'x'

struct console {
	struct vm *vm;
	struct uart *uart;
	int in_fd, out_fd;
	bool raw;		/* termios changed: restore in console_exit() */
	struct termios saved;
	bool escape;		/* I/O thread: Ctrl-A seen, waiting for the command */
	pthread_t thread;
	bool thread_started;
};

int console_init(struct console *con, struct vm *vm, struct uart *uart);
/* UART transmit callback: @opaque is the struct console. */
void console_tx(void *opaque, uint8_t byte);
int console_start(struct console *con);
/* Join the I/O thread (after vm_request_stop()) and restore the terminal. */
void console_exit(struct console *con);

/*
 * The escape state machine, pure for unit tests: filters @len bytes of
 * input in place, returns how many remain for the guest; *quit is set when
 * the escape sequence completes.
 */
size_t console_filter(bool *escape, uint8_t *buf, size_t len, bool *quit);

#endif /* KVMX_VMM_CONSOLE_H */
