// SPDX-License-Identifier: GPL-2.0
/* Error reporting, file and number parsing helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int vmm_verbose;

void vmm_error(const char *fmt, ...)
{
	va_list ap;

	fputs("kvmx: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vmm_error_errno(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("kvmx: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	return -err;
}

void vmm_debug(const char *fmt, ...)
{
	va_list ap;

	if (!vmm_verbose)
		return;
	fputs("kvmx: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void vmm_mark(const char *step)
{
	static struct timespec last, last_cpu;
	struct timespec now, cpu;

	if (!vmm_verbose)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	if (last.tv_sec)
		vmm_debug("setup: %-12s %6ld us (cpu %ld us)", step,
			  (now.tv_sec - last.tv_sec) * 1000000L +
			  (now.tv_nsec - last.tv_nsec) / 1000,
			  (cpu.tv_sec - last_cpu.tv_sec) * 1000000L +
			  (cpu.tv_nsec - last_cpu.tv_nsec) / 1000);
	last = now;
	last_cpu = cpu;
}

int open_file(const char *path, const char *what, int *fdp, size_t *len)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmm_error_errno(errno, "%s %s", what, path);
	err = fstat(fd, &st) < 0 ? errno : S_ISREG(st.st_mode) ? 0 : EINVAL;
	if (err) {
		close(fd);
		return vmm_error_errno(err, "%s %s", what, path);
	}
	*fdp = fd;
	*len = st.st_size;
	return 0;
}

int read_file(const char *path, const char *what, uint8_t **buf, size_t *len)
{
	struct stat st;
	size_t done = 0;
	uint8_t *data;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmm_error_errno(errno, "%s %s", what, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = S_ISREG(st.st_mode) ? errno : EINVAL;
		close(fd);
		return vmm_error_errno(err, "%s %s", what, path);
	}
	data = malloc(st.st_size ? st.st_size : 1);
	if (!data) {
		close(fd);
		return vmm_error_errno(ENOMEM, "%s %s", what, path);
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, data + done, st.st_size - done);

		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			free(data);
			close(fd);
			return vmm_error_errno(err, "reading %s %s", what, path);
		}
		done += n;
	}
	close(fd);
	*buf = data;
	*len = done;
	return 0;
}

int parse_u64(const char *s, uint64_t *val)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*val = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

int parse_size(const char *s, uint64_t *bytes)
{
	unsigned int shift = 0;
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && !((end[1] == 'i' || end[1] == 'B') &&
				(!end[2] || (end[1] == 'i' && end[2] == 'B' && !end[3]))))
		return -EINVAL;
	if (shift && v > (~0ULL >> shift))
		return -EINVAL;
	*bytes = (uint64_t)v << shift;
	return 0;
}
