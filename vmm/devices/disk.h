/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Disk images behind virtio-blk: raw files and qcow2 (version 2 and 3, with
 * backing chains and allocating writes), plus a snapshot overlay that keeps every write in
 * anonymous memory (memfd) and drops it at exit, leaving the image intact.
 *
 * Offsets and lengths are bytes; virtio-blk only issues 512-byte multiples.
 * Callers serialise access to one disk (the virtio device lock).
 */
#ifndef KVMX_VMM_DISK_H
#define KVMX_VMM_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISK_SECTOR_SIZE	512
#define DISK_MAX_CHAIN		16	/* deepest backing chain we follow */

struct disk;

struct disk_ops {
	/* 0 or -errno; reads beyond the end are the caller's bug. */
	int (*read)(struct disk *d, uint64_t off, void *buf, size_t len);
	int (*write)(struct disk *d, uint64_t off, const void *buf, size_t len);
	int (*flush)(struct disk *d);
	void (*close)(struct disk *d);
};

struct disk {
	const struct disk_ops *ops;
	uint64_t size;		/* guest-visible bytes */
	bool readonly;		/* writes fail with -EROFS */
	const char *path;	/* for messages */
	/* Snapshot overlay (NULL bitmap: none). */
	int overlay_fd;
	uint8_t *overlay_bitmap;	/* one bit per sector written */
};

/* What format= says, or probe (QFI\xfb magic -> qcow2, else raw). */
enum disk_probe {
	DISK_PROBE,
	DISK_RAW,
	DISK_QCOW2,
};

/*
 * Open @path.  @readonly opens the file read-only; @snapshot adds the
 * overlay (the file is then opened read-only too).  Prints the error line.
 */
int disk_open(const char *path, enum disk_probe format, bool readonly, bool snapshot,
	      struct disk **out);
int disk_read(struct disk *d, uint64_t off, void *buf, size_t len);
int disk_write(struct disk *d, uint64_t off, const void *buf, size_t len);
int disk_flush(struct disk *d);
void disk_close(struct disk *d);

/* Format back ends (disk_raw.c, qcow2.c); @depth counts backing levels. */
int raw_open(const char *path, bool readonly, struct disk **out);
int qcow2_open(const char *path, bool readonly, int depth, struct disk **out);
/* Open a backing file by probing (qcow2 backing files may be raw or qcow2). */
int disk_open_backing(const char *path, int depth, struct disk **out);



/* pread/pwrite of exactly @len bytes (short reads past EOF give zeros). */
int disk_pread(int fd, void *buf, size_t len, uint64_t off);
int disk_pwrite(int fd, const void *buf, size_t len, uint64_t off);

#endif /* KVMX_VMM_DISK_H */
