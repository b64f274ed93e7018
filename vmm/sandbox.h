/* SPDX-License-Identifier: GPL-2.0 */
/*
 * After every device and file is open: drop all capabilities (libcap:
 * effective, permitted, inheritable, ambient and the bounding set) and
 * install a seccomp allow-list (libseccomp).  A blocked system call ends
 * the process with one error line naming it (SIGSYS handler), after the
 * terminal is restored.  `--no-sandbox` skips all of this.
 */
#ifndef KVMX_VMM_SANDBOX_H
#define KVMX_VMM_SANDBOX_H

#include <termios.h>

int sandbox_enter(void);
/* The terminal state the SIGSYS handler restores (set by the console). */
void sandbox_set_terminal(int fd, const struct termios *saved);

#endif /* KVMX_VMM_SANDBOX_H */
