/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loaders: a Linux bzImage for the 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst), and a flat binary for tiny guests.
 */
#ifndef KVMX_VMM_BOOT_H
#define KVMX_VMM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"

/* Offsets in a bzImage file (the real-mode setup header). */
#define BZIMAGE_SETUP_SECTS_OFFSET	0x1f1
#define BZIMAGE_BOOT_FLAG_OFFSET	0x1fe
#define BZIMAGE_HEADER_OFFSET		0x202	/* "HdrS" */
#define BZIMAGE_BOOT_FLAG		0xaa55
#define BZIMAGE_MAGIC			0x53726448	/* "HdrS" */
#define BZIMAGE_SECTOR_SIZE		512
/* Oldest boot protocol with the 64-bit entry point (xloadflags): 2.12. */
#define BZIMAGE_MIN_PROTOCOL		0x020c
/* The 64-bit entry is this far into the protected-mode code. */
#define BZIMAGE_ENTRY64_OFFSET		0x200
#define BZIMAGE_LOADER_TYPE_UNKNOWN	0xff

struct bzimage_info {
	uint16_t protocol;	/* boot protocol version, e.g. 0x020f */
	uint32_t setup_size;	/* bytes of real-mode code, boot sector included */
	uint32_t kernel_size;	/* bytes of protected-mode code after it */
	uint32_t init_size;	/* memory the kernel needs from its load address */
	uint32_t cmdline_size;	/* longest command line the kernel accepts */
	uint32_t initrd_addr_max;	/* highest address the initrd may end at */
	uint16_t xloadflags;
};

/*
 * Validate a bzImage of @len bytes from its first @head_len bytes (at
 * least BZIMAGE_HEAD_SIZE, or the whole image if shorter); on error, *why
 * says what is wrong.  Pure.
 */
#define BZIMAGE_HEAD_SIZE		0x400
int bzimage_parse_head(const uint8_t *head, size_t head_len, size_t len,
		       struct bzimage_info *info, const char **why);
/* The same for a whole image in memory. */
int bzimage_parse(const uint8_t *img, size_t len, struct bzimage_info *info,
		  const char **why);

/*
 * The kernel and initrd come from memory or, when the pointer is NULL,
 * from a file descriptor: read straight into guest RAM, they never occupy
 * the VMM's own memory.  No initrd: a NULL pointer and initrd_len 0.
 */
struct linux_boot {
	const uint8_t *kernel;
	int kernel_fd;
	size_t kernel_len;
	const uint8_t *initrd;
	int initrd_fd;
	size_t initrd_len;
	const char *cmdline;
	uint64_t rsdp_gpa;	/* 0: let the kernel scan for it */
	/* Outputs */
	uint64_t entry_gpa;	/* the 64-bit entry point */
	uint64_t zero_page_gpa;	/* %rsi at entry */
	uint64_t initrd_gpa;
};

/*
 * Load kernel, command line and initrd into guest RAM and fill the zero
 * page (setup header, e820 map).  Prints the one error line.
 */
int linux_load(struct guest_mem *mem, struct linux_boot *boot);

/* "FILE@ADDR" for --flat: splits into path and address. */
int flat_parse_spec(const char *spec, char *path, size_t path_size, uint64_t *gpa);
/* Copy a flat binary to @gpa. */
int flat_load(struct guest_mem *mem, const uint8_t *img, size_t len, uint64_t gpa);

#endif /* KVMX_VMM_BOOT_H */
