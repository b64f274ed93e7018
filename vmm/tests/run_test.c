// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end tests of the kvmx binary with tiny real-mode guests on the
 * host's /dev/kvm (or $KVMX_DEVICE): console output, exit statuses, the
 * console escape, signals, and the one-line errors.  Run from vmm/.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <sys/ioctl.h>

#include "harness.h"

/* $KVMX_BIN and $KVMX_GUESTS override these (for runs inside a machine). */
#define DEFAULT_KVMX	"./kvmx"
#define DEFAULT_GUESTS	"tests/guests"
#define GUEST_GPA	"0x10000"

static char KVMX[256], HELLO[320], HELLO_HLT[320], HELLO_SPIN[320], TICKS[320];
static char HELLO_IDLE[320];
static char HELLO_FILE[256], HELLO_BEYOND[320], HELLO_UNALIGNED[320];
#define TIMEOUT_MS	20000
#define INPUT_AFTER_MS	200

struct result {
	int status;		/* exit status, or 128+signal */
	char out[4096];
	char err[4096];
	int err_lines;
};

static const char *device(void)
{
	const char *d = getenv("KVMX_DEVICE");

	return d ? d : "/dev/kvm";
}

static void setup_paths(void)
{
	const char *bin = getenv("KVMX_BIN"), *dir = getenv("KVMX_GUESTS");

	if (!bin)
		bin = DEFAULT_KVMX;
	if (!dir)
		dir = DEFAULT_GUESTS;
	snprintf(KVMX, sizeof(KVMX), "%s", bin);
	snprintf(HELLO_FILE, sizeof(HELLO_FILE), "%.200s/hello.bin", dir);
	snprintf(HELLO, sizeof(HELLO), "%s@" GUEST_GPA, HELLO_FILE);
	snprintf(HELLO_HLT, sizeof(HELLO_HLT), "%.200s/hello_hlt.bin@" GUEST_GPA, dir);
	snprintf(HELLO_SPIN, sizeof(HELLO_SPIN), "%.200s/hello_spin.bin@" GUEST_GPA, dir);
	snprintf(HELLO_IDLE, sizeof(HELLO_IDLE), "%.200s/hello_idle.bin@" GUEST_GPA, dir);
	snprintf(TICKS, sizeof(TICKS), "%.200s/ticks.bin@" GUEST_GPA, dir);
	snprintf(HELLO_BEYOND, sizeof(HELLO_BEYOND), "%s@0x300000", HELLO_FILE);
	snprintf(HELLO_UNALIGNED, sizeof(HELLO_UNALIGNED), "%s@0x1001", HELLO_FILE);
}

static void require_kvm(void)
{
	int fd = open(device(), O_RDWR);

	REQUIRE(fd >= 0, "%s: %s", device(), strerror(errno));
	close(fd);
	REQUIRE(!access(KVMX, X_OK), "no %s: build it first", KVMX);
}

/* SMP needs the in-kernel irqchip (LAPIC); the reference always has it. */
static void require_irqchip(void)
{
	int fd = open(device(), O_RDWR), r;

	REQUIRE(fd >= 0, "%s: %s", device(), strerror(errno));
	r = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP);
	close(fd);
	REQUIRE(r > 0, "%s offers no KVM_CAP_IRQCHIP", device());
}

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

/*
 * Run kvmx with @args (NULL-terminated), feeding @input on stdin; if
 * @signal_after_ms, send SIGTERM then.  Kills it after TIMEOUT_MS.
 */
static void run(struct result *r, const char *input, int signal_after_ms,
		const char *const *args)
{
	char out_path[] = "/tmp/kvmx-run-out.XXXXXX", err_path[] = "/tmp/kvmx-run-err.XXXXXX";
	int out = mkstemp(out_path), err = mkstemp(err_path), in[2], status, waited = 0;
	const char *argv[32];
	pid_t pid;
	int n = 0;

	CHECK(out >= 0 && err >= 0 && !pipe(in));
	unlink(out_path);
	unlink(err_path);
	argv[n++] = KVMX;
	argv[n++] = "run";
	argv[n++] = "--device";
	argv[n++] = device();
	while (*args)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		dup2(in[0], 0);
		dup2(out, 1);
		dup2(err, 2);
		close(in[1]);
		execv(KVMX, (char **)argv);
		_exit(127);
	}
	close(in[0]);
	/* Keep stdin open (no EOF) so the run ends only by the guest or escape. */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		struct timespec ts = { 0, 10 * 1000000L };

		nanosleep(&ts, NULL);
		waited += 10;
		/* Type the input once the guest has had time to print. */
		if (input && waited == INPUT_AFTER_MS &&
		    write(in[1], input, strlen(input)) < 0)
			test_info("write to kvmx stdin: %s", strerror(errno));
		if (signal_after_ms && waited == signal_after_ms)
			kill(pid, SIGTERM);
		if (waited >= TIMEOUT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(in[1]);
			test_fail(__FILE__, __LINE__, "kvmx did not end within %d ms", TIMEOUT_MS);
		}
	}
	close(in[1]);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	close(out);
	close(err);
	r->err_lines = 0;
	for (const char *p = r->err; *p; p++)
		r->err_lines += *p == '\n';
	if (r->out[0] || r->err[0])
		test_info("status %d, stdout \"%.60s\", stderr \"%.200s\"", r->status,
			  r->out, r->err);
}

static void test_hello_then_reset(void)
{
	const char *args[] = { "--flat", HELLO, NULL };
	struct result r;

	require_kvm();
	run(&r, NULL, 0, args);
	CHECK(!strcmp(r.out, "hello\n"));
	CHECK_EQ(r.status, 2);	/* the i8042 reset */
	CHECK_EQ(r.err_lines, 0);
}

static void test_hello_then_halt_userspace_irqchip(void)
{
	const char *args[] = { "--flat", HELLO_HLT, "--irqchip", "user", NULL };
	struct result r;

	require_kvm();
	run(&r, NULL, 0, args);
	CHECK(!strcmp(r.out, "hello\n"));
	CHECK_EQ(r.status, 0);	/* halted for good = powered off */
}

/* PIC + PIT + HLT + injection: the userspace irqchip, then the kernel's. */
static void test_timer_interrupts_userspace_irqchip(void)
{
	const char *args[] = { "--flat", TICKS, "--irqchip", "user", NULL };
	struct result r;

	require_kvm();
	run(&r, NULL, 0, args);
	CHECK(!strcmp(r.out, "ticks\n"));
	CHECK_EQ(r.status, 2);
}

static void test_timer_interrupts_kernel_irqchip(void)
{
	const char *args[] = { "--flat", TICKS, "--irqchip", "kernel", NULL };
	struct result r;

	require_kvm();
	require_irqchip();
	run(&r, NULL, 0, args);
	CHECK(!strcmp(r.out, "ticks\n"));
	CHECK_EQ(r.status, 2);
}

static void test_smp_and_high_memory(void)
{
	const char *args[] = { "--flat", HELLO, "--cpus", "4", "--mem", "4G", NULL };
	struct result r;

	require_kvm();
	require_irqchip();
	run(&r, NULL, 0, args);
	CHECK(!strcmp(r.out, "hello\n"));
	CHECK_EQ(r.status, 2);
}

static void test_no_sandbox(void)
{
	const char *args[] = { "--flat", HELLO, "--no-sandbox", NULL };
	struct result r;

	require_kvm();
	run(&r, NULL, 0, args);
	CHECK(!strcmp(r.out, "hello\n"));
	CHECK_EQ(r.status, 2);
}

static void test_console_escape_quits(void)
{
	/* The guest idles forever: only Ctrl-A x ends the run. */
	const char *args[] = { "--flat", HELLO_IDLE, NULL };
	struct result r;

	require_kvm();
	run(&r, "\x01x", 0, args);
	CHECK(!strcmp(r.out, "hello\n"));
	CHECK_EQ(r.status, 4);
	CHECK_EQ(r.err_lines, 0);
}

/* On a terminal: raw mode while running, restored after Ctrl-A x. */
static void test_terminal_raw_and_restored(void)
{
	struct termios before, during, after;
	int master, slave, status, waited = 0;
	char buf[256] = "";
	size_t got = 0;
	pid_t pid;

	require_kvm();
	REQUIRE(!openpty(&master, &slave, NULL, NULL, NULL), "no pty: %s (devpts mounted?)",
		strerror(errno));
	CHECK(!tcgetattr(slave, &before));
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		dup2(slave, 0);
		dup2(slave, 1);
		close(master);
		execl(KVMX, KVMX, "run", "--device", device(), "--flat", HELLO_IDLE, NULL);
		_exit(127);
	}
	/* Wait for the guest's output: by then the terminal is raw. */
	while (!strstr(buf, "hello") && waited < TIMEOUT_MS) {
		struct pollfd p = { .fd = master, .events = POLLIN };

		if (poll(&p, 1, 100) == 1) {
			ssize_t n = read(master, buf + got, sizeof(buf) - 1 - got);

			if (n > 0)
				got += n;
			buf[got] = '\0';
		}
		waited += 100;
	}
	CHECK(strstr(buf, "hello") != NULL, "got \"%s\"", buf);
	CHECK(!tcgetattr(slave, &during));
	CHECK(!(during.c_lflag & (ICANON | ECHO | ISIG)), "raw mode while running");
	CHECK_EQ(write(master, "\x01x", 2), 2);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 4);
	CHECK(!tcgetattr(slave, &after));
	CHECK_EQ(after.c_lflag, before.c_lflag);
	CHECK_EQ(after.c_iflag, before.c_iflag);
	CHECK_EQ(after.c_oflag, before.c_oflag);
	close(master);
	close(slave);
}

static void test_sigterm(void)
{
	const char *args[] = { "--flat", HELLO_IDLE, NULL };
	struct result r;

	require_kvm();
	run(&r, NULL, 300, args);
	CHECK_EQ(r.status, 128 + SIGTERM);
}

/* A failure: status 1, nothing on stdout, one stderr line containing @needle. */
static void expect_error(const char *needle, const char *const *args)
{
	struct result r;

	run(&r, NULL, 0, args);
	CHECK_EQ(r.status, 1);
	CHECK_EQ(r.err_lines, 1);
	CHECK(!strncmp(r.err, "kvmx: ", 6));
	CHECK(strstr(r.err, needle) != NULL, "\"%s\" in \"%s\"", needle, r.err);
	CHECK_EQ(r.out[0], 0);
}

static void test_errors_name_the_cause(void)
{
	const char *missing_flat[] = { "--flat", "/nonexistent.bin@0x1000", NULL };
	const char *not_bz[] = { "--kernel", HELLO_FILE, NULL };
	const char *beyond[] = { "--flat", HELLO_BEYOND, "--mem", "2M", NULL };
	const char *unaligned[] = { "--flat", HELLO_UNALIGNED, NULL };
	const char *disk[] = { "--flat", HELLO, "--disk", "/nonexistent.img", NULL };
	const char *tap[] = { "--flat", HELLO, "--net", "tap=this-name-is-too-long-for-linux",
			      NULL };
	const char *bad_opt[] = { "--flat", HELLO, "--mem", "5M", NULL };

	require_kvm();
	expect_error("/nonexistent.bin", missing_flat);
	expect_error("--kernel: too small for a bzImage", not_bz);
	expect_error("outside guest RAM", beyond);
	expect_error("16-byte aligned", unaligned);
	expect_error("/nonexistent.img", disk);
	expect_error("tap=this-name-is-too-long-for-linux", tap);
	expect_error("--mem 5M", bad_opt);
}

static void test_bad_device(void)
{
	const char *args[] = { "--flat", HELLO, "--device", "/nonexistent-kvm", NULL };
	const char *null_dev[] = { "--flat", HELLO, "--device", "/dev/null", NULL };

	REQUIRE(!access(KVMX, X_OK), "no %s: build it first", KVMX);
	expect_error("--device /nonexistent-kvm", args);
	expect_error("KVM_GET_API_VERSION on /dev/null", null_dev);
}

/*
 * A guest that never exits on its own (cli; jmp .) must still be stoppable:
 * the hypervisor has to return from KVM_RUN when kvmx signals the vCPU
 * thread.  Last, because a hypervisor that fails this can wedge the host.
 */
static void test_stop_spinning_guest(void)
{
	const char *args[] = { "--flat", HELLO_SPIN, NULL };
	struct result r;

	require_kvm();
	REQUIRE(!getenv("KVMX_SKIP_SPIN"), "KVMX_SKIP_SPIN is set");
	run(&r, NULL, 300, args);
	CHECK(!strcmp(r.out, "hello\n"));
	CHECK_EQ(r.status, 128 + SIGTERM);
}

static const struct test_case cases[] = {
	TEST_CASE(test_hello_then_reset),
	TEST_CASE(test_hello_then_halt_userspace_irqchip),
	TEST_CASE(test_timer_interrupts_userspace_irqchip),
	TEST_CASE(test_timer_interrupts_kernel_irqchip),
	TEST_CASE(test_smp_and_high_memory),
	TEST_CASE(test_no_sandbox),
	TEST_CASE(test_console_escape_quits),
	TEST_CASE(test_terminal_raw_and_restored),
	TEST_CASE(test_sigterm),
	TEST_CASE(test_errors_name_the_cause),
	TEST_CASE(test_bad_device),
	TEST_CASE(test_stop_spinning_guest),
};

int main(void)
{
	setup_paths();
	return run_tests(cases, ARRAY_SIZE(cases));
}
