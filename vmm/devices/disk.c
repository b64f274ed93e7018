// SPDX-License-Identifier: GPL-2.0
/* Disk front end: format probing and the snapshot overlay. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "disk.h"
#include "util.h"

#define QCOW2_MAGIC_BYTES	"QFI\xfb"

static int probe(const char *path, enum disk_probe *format)
{
	char magic[4] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return vmm_error_errno(errno, "--disk %s", path);
	n = pread(fd, magic, sizeof(magic), 0);
	close(fd);
	if (n < 0)
		return vmm_error_errno(errno, "--disk %s", path);
	*format = n == 4 && !memcmp(magic, QCOW2_MAGIC_BYTES, 4) ? DISK_QCOW2 : DISK_RAW;
	return 0;
}

int disk_open_backing(const char *path, int depth, struct disk **out)
{
	enum disk_probe format;
	int err;

	if (depth > DISK_MAX_CHAIN) {
		vmm_error("--disk: backing chain deeper than %d at %s", DISK_MAX_CHAIN, path);
		return -ELOOP;
	}
	err = probe(path, &format);
	if (err)
		return err;
	if (format == DISK_QCOW2)
		return qcow2_open(path, true, depth, out);
	return raw_open(path, true, out);
}

static int overlay_init(struct disk *d)
{
	size_t sectors = (d->size + DISK_SECTOR_SIZE - 1) / DISK_SECTOR_SIZE;

	d->overlay_fd = memfd_create("kvmx-snapshot", MFD_CLOEXEC);
	if (d->overlay_fd < 0)
		return vmm_error_errno(errno, "--disk %s,snapshot: memfd_create", d->path);
	if (ftruncate(d->overlay_fd, d->size) < 0)
		return vmm_error_errno(errno, "--disk %s,snapshot: ftruncate", d->path);
	d->overlay_bitmap = calloc((sectors + 7) / 8, 1);
	if (!d->overlay_bitmap)
		return vmm_error_errno(ENOMEM, "--disk %s,snapshot", d->path);
	return 0;
}

int disk_open(const char *path, enum disk_probe format, bool readonly, bool snapshot,
	      struct disk **out)
{
	struct disk *d = NULL;
	int err;

	if (format == DISK_PROBE) {
		err = probe(path, &format);
		if (err)
			return err;
	}
	if (format == DISK_QCOW2)
		err = qcow2_open(path, readonly || snapshot, 0, &d);
	else
		err = raw_open(path, readonly || snapshot, &d);
	if (err)
		return err;
	d->path = path;
	d->readonly = readonly;
	d->overlay_fd = -1;
	if (snapshot && !readonly) {
		err = overlay_init(d);
		if (err) {
			disk_close(d);
			return err;
		}
	}
	*out = d;
	return 0;
}

static bool overlay_has(const struct disk *d, uint64_t sector)
{
	return d->overlay_bitmap[sector / 8] & (1u << (sector % 8));
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {	/* sparse tail: zeros */
			memset(buf, 0, len);
			return 0;
		}
		buf = (uint8_t *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf = (const uint8_t *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

static bool disk_range_ok(const struct disk *d, uint64_t off, size_t len)
{
	return off <= d->size && len <= d->size - off;
}

int disk_read(struct disk *d, uint64_t off, void *buf, size_t len)
{
	uint64_t sector, end;
	uint8_t *p = buf;
	int err;

	if (!disk_range_ok(d, off, len))
		return -EIO;
	if (!d->overlay_bitmap)
		return d->ops->read(d, off, buf, len);
	if (off % DISK_SECTOR_SIZE || len % DISK_SECTOR_SIZE)
		return -EINVAL;
	/* Runs of sectors from the same source in one call each. */
	sector = off / DISK_SECTOR_SIZE;
	end = (off + len) / DISK_SECTOR_SIZE;
	while (sector < end) {
		bool mine = overlay_has(d, sector);
		uint64_t run = sector + 1;
		size_t bytes;

		while (run < end && overlay_has(d, run) == mine)
			run++;
		bytes = (run - sector) * DISK_SECTOR_SIZE;
		if (mine)
			err = pread_all(d->overlay_fd, p, bytes, sector * DISK_SECTOR_SIZE);
		else
			err = d->ops->read(d, sector * DISK_SECTOR_SIZE, p, bytes);
		if (err)
			return err;
		p += bytes;
		sector = run;
	}
	return 0;
}

int disk_write(struct disk *d, uint64_t off, const void *buf, size_t len)
{
	uint64_t sector;
	int err;

	if (d->readonly)
		return -EROFS;
	if (!disk_range_ok(d, off, len))
		return -EIO;
	if (!d->overlay_bitmap)
		return d->ops->write(d, off, buf, len);
	if (off % DISK_SECTOR_SIZE || len % DISK_SECTOR_SIZE)
		return -EINVAL;
	err = pwrite_all(d->overlay_fd, buf, len, off);
	if (err)
		return err;
	for (sector = off / DISK_SECTOR_SIZE; sector < (off + len) / DISK_SECTOR_SIZE; sector++)
		d->overlay_bitmap[sector / 8] |= 1u << (sector % 8);
	return 0;
}

int disk_flush(struct disk *d)
{
	if (d->overlay_bitmap || d->readonly)
		return 0;	/* nothing durable to flush */
	return d->ops->flush(d);
}

void disk_close(struct disk *d)
{
	if (!d)
		return;
	if (d->overlay_fd >= 0)
		close(d->overlay_fd);
	free(d->overlay_bitmap);
	d->ops->close(d);
}

/* Shared with the format back ends. */
int disk_pread(int fd, void *buf, size_t len, uint64_t off)
{
	return pread_all(fd, buf, len, off);
}

int disk_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	return pwrite_all(fd, buf, len, off);
}
