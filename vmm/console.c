// SPDX-License-Identifier: GPL-2.0
/* stdio console and the I/O thread that feeds the UART. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "sandbox.h"
#include "util.h"

/* How long the I/O thread waits when the guest's FIFO is full. */
#define CONSOLE_FULL_WAIT_MS	2

size_t console_filter(bool *escape, uint8_t *buf, size_t len, bool *quit)
{
	size_t in, out = 0;

	*quit = false;
	for (in = 0; in < len; in++) {
		uint8_t c = buf[in];

		if (*escape) {
			*escape = false;
			if (c == CONSOLE_QUIT_CHAR) {
				*quit = true;
				return out;
			}
			if (c == CONSOLE_ESCAPE_CHAR)
				buf[out++] = c;
			/* Any other key after Ctrl-A is dropped. */
			continue;
		}
		if (c == CONSOLE_ESCAPE_CHAR) {
			*escape = true;
			continue;
		}
		buf[out++] = c;
	}
	return out;
}

int console_init(struct console *con, struct vm *vm, struct uart *uart)
{
	struct termios raw;

	memset(con, 0, sizeof(*con));
	con->vm = vm;
	con->uart = uart;
	con->in_fd = STDIN_FILENO;
	con->out_fd = STDOUT_FILENO;
	if (!isatty(con->in_fd))
		return 0;
	if (tcgetattr(con->in_fd, &con->saved) < 0)
		return vmm_error_errno(errno, "tcgetattr on stdin");
	raw = con->saved;
	cfmakeraw(&raw);
	/* Keep output post-processing: the guest sends bare LF sometimes. */
	raw.c_oflag |= OPOST;
	if (tcsetattr(con->in_fd, TCSANOW, &raw) < 0)
		return vmm_error_errno(errno, "tcsetattr on stdin");
	con->raw = true;
	sandbox_set_terminal(con->in_fd, &con->saved);
	return 0;
}

void console_tx(void *opaque, uint8_t byte)
{
	struct console *con = opaque;

	while (write(con->out_fd, &byte, 1) < 0 && errno == EINTR)
		;
}

static void console_feed(struct console *con, uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len && !vm_stopping(con->vm)) {
		done += uart_receive(con->uart, buf + done, len - done);
		if (done < len)
			poll(NULL, 0, CONSOLE_FULL_WAIT_MS);
	}
}

static void *console_thread(void *arg)
{
	struct console *con = arg;
	struct pollfd fds[2] = {
		{ .fd = con->vm->stop_fd[0], .events = POLLIN },
		{ .fd = con->in_fd, .events = POLLIN },
	};
	int nfds = 2;
	uint8_t buf[UART_RX_FIFO_SIZE];

	while (!vm_stopping(con->vm)) {
		bool quit;
		ssize_t n;

		if (poll(fds, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents)
			break;
		if (nfds < 2 || !fds[1].revents)
			continue;
		n = read(con->in_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			nfds = 1;	/* EOF or error: the guest just gets no more input */
			continue;
		}
		n = console_filter(&con->escape, buf, n, &quit);
		console_feed(con, buf, n);
		if (quit)
			vm_request_stop(con->vm, VM_EXIT_QUIT);
	}
	return NULL;
}

int console_start(struct console *con)
{
	sigset_t set, old;
	int err;

	/* Signals are for the main thread. */
	sigfillset(&set);
	sigdelset(&set, SIGSYS);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	err = pthread_create(&con->thread, NULL, console_thread, con);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return vmm_error_errno(err, "starting the console thread");
	con->thread_started = true;
	return 0;
}

void console_exit(struct console *con)
{
	if (con->thread_started)
		pthread_join(con->thread, NULL);
	con->thread_started = false;
	if (con->raw)
		tcsetattr(con->in_fd, TCSANOW, &con->saved);
	con->raw = false;
}
