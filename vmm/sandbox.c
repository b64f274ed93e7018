// SPDX-License-Identifier: GPL-2.0
/* Capability drop and seccomp filter. */
#include <errno.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"
#include "vm.h"

/* What the threads do after setup; anything else is a bug or an attack. */
static const int allowed_syscalls[] = {
	/* vCPU loop, devices, console */
	SCMP_SYS(ioctl), SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv),
	SCMP_SYS(writev), SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv),
	SCMP_SYS(pwritev), SCMP_SYS(lseek), SCMP_SYS(fdatasync), SCMP_SYS(fsync),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(getrandom), SCMP_SYS(close),
	/* threads, locks, signals, time */
	SCMP_SYS(futex), SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(tgkill),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigtimedwait), SCMP_SYS(sigaltstack),
	SCMP_SYS(sched_yield), SCMP_SYS(restart_syscall), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday),
	SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime),
	/* memory: malloc and thread stacks */
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(madvise),
	SCMP_SYS(mremap), SCMP_SYS(brk),
	/* stdio's first use of a stream */
	SCMP_SYS(newfstatat), SCMP_SYS(fstat),
};

static int terminal_fd = -1;
static struct termios terminal_saved;

void sandbox_set_terminal(int fd, const struct termios *saved)
{
	terminal_fd = fd;
	terminal_saved = *saved;
}

static void sigsys_handler(int sig, siginfo_t *info, void *ctx)
{
	char msg[96];
	int n;

	(void)sig;
	(void)ctx;
	if (terminal_fd >= 0)
		tcsetattr(terminal_fd, TCSANOW, &terminal_saved);
	n = snprintf(msg, sizeof(msg),
		     "kvmx: seccomp blocked system call %d (try --no-sandbox)\n",
		     info->si_syscall);
	if (write(STDERR_FILENO, msg, n) < 0)
		_exit(VM_EXIT_ERROR);
	_exit(VM_EXIT_ERROR);
}

static int drop_capabilities(void)
{
	cap_t caps;
	int cap, err = 0;

	/* The bounding set first: dropping it needs CAP_SETPCAP, still held. */
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (CAP_IS_SUPPORTED(cap) && cap_get_bound(cap) == 1)
			cap_drop_bound(cap);
	cap_reset_ambient();
	caps = cap_init();	/* all clear */
	if (!caps)
		return vmm_error_errno(errno, "cap_init");
	if (cap_set_proc(caps) < 0)
		err = vmm_error_errno(errno, "dropping capabilities (cap_set_proc)");
	cap_free(caps);
	return err;
}

static int install_seccomp(void)
{
	struct sigaction sa = { .sa_sigaction = sigsys_handler, .sa_flags = SA_SIGINFO };
	scmp_filter_ctx ctx;
	unsigned int i;
	int err;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return vmm_error_errno(errno, "sigaction(SIGSYS)");
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return vmm_error_errno(ENOMEM, "seccomp_init");
	for (i = 0; i < ARRAY_SIZE(allowed_syscalls); i++) {
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0);
		/* A syscall this libseccomp does not know is fine to skip. */
		if (err && err != -EDOM && err != -EFAULT) {
			seccomp_release(ctx);
			return vmm_error_errno(-err, "seccomp_rule_add(%d)", allowed_syscalls[i]);
		}
	}
	err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err)
		return vmm_error_errno(-err, "seccomp_load");
	return 0;
}

static void *noop_thread(void *arg)
{
	return arg;
}

int sandbox_enter(void)
{
	pthread_t thread;
	int err;

	/*
	 * glibc installs its own signal handlers on the first pthread_create();
	 * do that now, so the filter need not allow rt_sigaction.
	 */
	err = pthread_create(&thread, NULL, noop_thread, NULL);
	if (err)
		return vmm_error_errno(err, "pthread_create");
	pthread_join(thread, NULL);
	err = drop_capabilities();

	if (!err)
		err = install_seccomp();
	return err;
}
