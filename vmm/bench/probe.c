// SPDX-License-Identifier: GPL-2.0
/*
 * probe: run one VMM and measure its boot from the outside, the same way
 * for every VMM (vmm/bench/boot.sh runs it inside the test machine).
 *
 *   probe [options] -- VMM [ARGS...]
 *
 *   --marker STR    the guest's console line that means "init runs"
 *                   (default BENCH-INIT)
 *   --ram MIB       guest RAM size: mappings at least this large are the
 *                   guest's and are left out of the VMM's RSS
 *   --rss-ms N      sample /proc/PID/smaps every N ms (default: never)
 *   --exits CMD     shell command printing the hypervisor's exit count;
 *                   run once, when the marker shows
 *   --trace FILE    tracefs "trace" file holding the first guest entry
 *                   (trace_clock mono); read once the VMM has ended
 *   --timeout S     give up (SIGKILL) after S seconds (default 600)
 *
 * The VMM's stdout (the guest console) is copied to stderr with "| " in
 * front and "[" turned into "(", so that the test machine's fault detector
 * does not take the nested kernel's messages for its own.  Once the marker
 * shows, the probe runs --exits and then writes a newline to the VMM's
 * stdin: the guest's init waits for that line before it powers off.
 *
 * Output, one line: "probe: init_us=N setup_us=N exits=N rss_kb=N
 * guest_rss_kb=N maxrss_kb=N samples=N status=N", -1 where unknown.
 * init_us and setup_us count from just before fork(); rss_kb is the
 * largest RSS of the VMM's own mappings seen by a sample, guest_rss_kb
 * the guest RAM's RSS in that sample, maxrss_kb the kernel's peak RSS of
 * the whole process (guest RAM included).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct probe {
	const char *marker;
	const char *exits_cmd;
	const char *trace;
	uint64_t ram_bytes;
	int rss_ms;
	int timeout_s;
	/* results */
	int64_t init_us, setup_us, exits;
	long rss_kb, guest_rss_kb, maxrss_kb;
	unsigned int samples;
	int status;
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* One sample of /proc/PID/smaps: the VMM's own RSS and the guest's. */
static void sample_rss(struct probe *p, pid_t pid)
{
	char path[64], line[512];
	long own = 0, guest = 0, kb;
	bool is_guest = false;
	unsigned long start, end;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			is_guest = p->ram_bytes && end - start >= p->ram_bytes;
			continue;
		}
		if (sscanf(line, "Rss: %ld kB", &kb) == 1) {
			if (is_guest)
				guest += kb;
			else
				own += kb;
		}
	}
	fclose(f);
	p->samples++;
	if (own > p->rss_kb) {
		p->rss_kb = own;
		p->guest_rss_kb = guest;
	}
}

static int64_t run_exits_cmd(const char *cmd)
{
	long long v = -1;
	FILE *f = popen(cmd, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	pclose(f);
	return v;
}

/* The first event's timestamp in a tracefs "trace" file, in microseconds. */
static int64_t first_trace_us(const char *path)
{
	char line[1024];
	int64_t us = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (us < 0 && fgets(line, sizeof(line), f)) {
		char *colon, *p;
		unsigned long long sec, usec;

		if (line[0] == '#')
			continue;
		/* "  comm-pid  [cpu] flags  SECS.USECS: event: ..." */
		colon = strstr(line, ": ");
		if (!colon)
			continue;
		*colon = '\0';
		p = strrchr(line, ' ');
		if (p && sscanf(p + 1, "%llu.%llu", &sec, &usec) == 2)
			us = sec * 1000000LL + usec;
	}
	fclose(f);
	return us;
}

/* Copy console output, prefixed and defused; true once the marker shows. */
static bool copy_console(struct probe *p, char *buf, size_t *len, bool seen)
{
	char line[4096];

	for (;;) {
		char *nl = memchr(buf, '\n', *len);
		size_t n, used, i;

		if (nl)
			n = nl - buf;
		else if (*len >= sizeof(line) - 1)
			n = *len;
		else
			break;
		used = nl ? n + 1 : n;
		if (n && buf[n - 1] == '\r')
			n--;
		memcpy(line, buf, n);
		line[n] = '\0';
		if (!seen && strstr(line, p->marker))
			seen = true;
		for (i = 0; i < n; i++)
			if (line[i] == '[')
				line[i] = '(';
		fprintf(stderr, "| %s\n", line);
		memmove(buf, buf + used, *len - used);
		*len -= used;
	}
	return seen;
}

static void usage(void)
{
	fprintf(stderr, "usage: probe [--marker STR] [--ram MIB] [--rss-ms N] "
		"[--exits CMD] [--trace FILE] [--timeout S] -- VMM [ARGS...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct probe p = {
		.marker = "BENCH-INIT", .timeout_s = 600,
		.init_us = -1, .setup_us = -1, .exits = -1,
		.rss_kb = -1, .guest_rss_kb = -1, .maxrss_kb = -1, .status = -1,
	};
	int in[2], out[2], i, wstatus;
	char buf[4096];
	size_t len = 0;
	bool seen = false, eof = false, exited = false;
	int64_t t0, next_sample, deadline;
	struct rusage ru;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--marker"))
			p.marker = argv[++i];
		else if (!strcmp(argv[i], "--ram"))
			p.ram_bytes = strtoull(argv[++i], NULL, 0) << 20;
		else if (!strcmp(argv[i], "--rss-ms"))
			p.rss_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--exits"))
			p.exits_cmd = argv[++i];
		else if (!strcmp(argv[i], "--trace"))
			p.trace = argv[++i];
		else if (!strcmp(argv[i], "--timeout"))
			p.timeout_s = atoi(argv[++i]);
		else
			usage();
	}
	if (i + 1 >= argc)
		usage();
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		perror("probe: pipe");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);

	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("probe: fork");
		return 2;
	}
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execvp(argv[i + 1], argv + i + 1);
		fprintf(stderr, "probe: %s: %s\n", argv[i + 1], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	next_sample = t0;
	deadline = t0 + p.timeout_s * 1000000LL;

	while (!eof) {
		struct pollfd pfd = { .fd = out[0], .events = POLLIN };
		int64_t now = now_us();
		int wait_ms = -1, r;

		if (p.rss_ms > 0) {
			if (now >= next_sample) {
				sample_rss(&p, pid);
				next_sample = now + p.rss_ms * 1000LL;
			}
			wait_ms = (next_sample - now + 999) / 1000;
		}
		if (now >= deadline) {
			fprintf(stderr, "probe: time limit %d s: killing the VMM\n",
				p.timeout_s);
			kill(pid, SIGKILL);
			break;
		}
		if (wait_ms < 0 || wait_ms > (deadline - now) / 1000 + 1)
			wait_ms = (deadline - now) / 1000 + 1;
		r = poll(&pfd, 1, wait_ms);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		r = read(out[0], buf + len, sizeof(buf) - 1 - len);
		if (r <= 0) {
			eof = true;
			break;
		}
		len += r;
		if (!seen && copy_console(&p, buf, &len, false)) {
			seen = true;
			p.init_us = now_us() - t0;
			if (p.rss_ms > 0)
				sample_rss(&p, pid);
			if (p.exits_cmd)
				p.exits = run_exits_cmd(p.exits_cmd);
			if (write(in[1], "\n", 1) != 1)
				fprintf(stderr, "probe: cannot write to the VMM\n");
			/* The guest now powers off: allow it 60 s. */
			if (deadline > now_us() + 60000000LL)
				deadline = now_us() + 60000000LL;
		} else if (seen) {
			copy_console(&p, buf, &len, true);
		}
	}
	if (len)
		fprintf(stderr, "| %.*s\n", (int)len, buf);
	/* The console closed: the VMM is leaving; never wait for ever. */
	for (i = 0; i < 100 && !exited; i++) {
		if (wait4(pid, &wstatus, WNOHANG, &ru) == pid)
			exited = true;
		else
			usleep(100000);
	}
	if (!exited) {
		kill(pid, SIGKILL);
		wait4(pid, &wstatus, 0, &ru);
	}
	p.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	p.maxrss_kb = ru.ru_maxrss;
	if (p.trace) {
		int64_t first = first_trace_us(p.trace);

		if (first >= 0)
			p.setup_us = first - t0;
	}
	printf("probe: init_us=%lld setup_us=%lld exits=%lld rss_kb=%ld "
	       "guest_rss_kb=%ld maxrss_kb=%ld samples=%u status=%d\n",
	       (long long)p.init_us, (long long)p.setup_us, (long long)p.exits,
	       p.rss_kb, p.guest_rss_kb, p.maxrss_kb, p.samples, p.status);
	return seen ? 0 : 1;
}
