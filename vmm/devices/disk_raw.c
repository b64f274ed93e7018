// SPDX-License-Identifier: GPL-2.0
/* Raw disk images: the file is the disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"
#include "util.h"

struct raw_disk {
	struct disk disk;	/* first: container_of by cast */
	int fd;
};

static struct raw_disk *to_raw(struct disk *d)
{
	return (struct raw_disk *)d;
}

static int raw_read(struct disk *d, uint64_t off, void *buf, size_t len)
{
	return disk_pread(to_raw(d)->fd, buf, len, off);
}

static int raw_write(struct disk *d, uint64_t off, const void *buf, size_t len)
{
	return disk_pwrite(to_raw(d)->fd, buf, len, off);
}

static int raw_flush(struct disk *d)
{
	return fdatasync(to_raw(d)->fd) < 0 ? -errno : 0;
}

static void raw_close(struct disk *d)
{
	close(to_raw(d)->fd);
	free(d);
}

static const struct disk_ops raw_ops = {
	.read = raw_read,
	.write = raw_write,
	.flush = raw_flush,
	.close = raw_close,
};

int raw_open(const char *path, bool readonly, struct disk **out)
{
	struct raw_disk *r;
	struct stat st;
	int fd;

	fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return vmm_error_errno(errno, "--disk %s", path);
	if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		close(fd);
		vmm_error("--disk %s: not a regular file or block device", path);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return vmm_error_errno(ENOMEM, "--disk %s", path);
	}
	r->fd = fd;
	r->disk.ops = &raw_ops;
	r->disk.path = path;
	r->disk.overlay_fd = -1;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);

		r->disk.size = end < 0 ? 0 : end;
	} else {
		r->disk.size = st.st_size;
	}
	*out = &r->disk;
	return 0;
}
