// SPDX-License-Identifier: GPL-2.0
/* bzImage and flat-binary loaders. */
#include <asm/bootparam.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "layout.h"
#include "util.h"

/* The setup header copied into the zero page ends at 0x202 + byte 0x201. */
#define BZIMAGE_HEADER_END_OFFSET	0x201
#define BZIMAGE_DEFAULT_SETUP_SECTS	4
#define HEAP_END_PTR			0xfe00
#define PAGE_SIZE			4096ULL

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

int bzimage_parse_head(const uint8_t *img, size_t head_len, size_t len,
		       struct bzimage_info *info, const char **why)
{
	const struct setup_header *hdr;
	struct setup_header h;
	unsigned int sects;

	memset(info, 0, sizeof(*info));
	if (len < BZIMAGE_SETUP_SECTS_OFFSET + sizeof(h) ||
	    head_len < MIN(len, (size_t)BZIMAGE_HEAD_SIZE)) {
		*why = "too small for a bzImage";
		return -EINVAL;
	}
	hdr = (const struct setup_header *)(img + BZIMAGE_SETUP_SECTS_OFFSET);
	memcpy(&h, hdr, sizeof(h));
	if (le16(img + BZIMAGE_BOOT_FLAG_OFFSET) != BZIMAGE_BOOT_FLAG ||
	    le32(img + BZIMAGE_HEADER_OFFSET) != BZIMAGE_MAGIC) {
		*why = "not a bzImage (no boot flag or HdrS signature)";
		return -EINVAL;
	}
	if (h.version < BZIMAGE_MIN_PROTOCOL) {
		*why = "boot protocol older than 2.12 (no 64-bit entry)";
		return -EINVAL;
	}
	if (!(h.xloadflags & XLF_KERNEL_64)) {
		*why = "kernel has no 64-bit entry point (XLF_KERNEL_64 clear)";
		return -EINVAL;
	}
	if (!(h.loadflags & LOADED_HIGH)) {
		*why = "zImage (not loaded high) is not supported";
		return -EINVAL;
	}
	sects = h.setup_sects ? h.setup_sects : BZIMAGE_DEFAULT_SETUP_SECTS;
	info->setup_size = (sects + 1) * BZIMAGE_SECTOR_SIZE;
	if (info->setup_size >= len) {
		*why = "truncated (setup_sects beyond the end of the file)";
		return -EINVAL;
	}
	info->protocol = h.version;
	info->kernel_size = len - info->setup_size;
	info->init_size = MAX(h.init_size, info->kernel_size);
	info->cmdline_size = h.cmdline_size;
	info->initrd_addr_max = h.initrd_addr_max;
	info->xloadflags = h.xloadflags;
	return 0;
}

int bzimage_parse(const uint8_t *img, size_t len, struct bzimage_info *info,
		  const char **why)
{
	return bzimage_parse_head(img, len, len, info, why);
}

/* Copy @len bytes at @off of an image in memory (@data) or in file @fd. */
static int image_copy(void *dst, const uint8_t *data, int fd, uint64_t off,
		      size_t len, const char *what)
{
	size_t done = 0;

	if (data) {
		memcpy(dst, data + off, len);
		return 0;
	}
	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)dst + done, len - done, off + done);

		if (n <= 0)
			return vmm_error_errno(n < 0 ? errno : EIO, "reading %s", what);
		done += n;
	}
	return 0;
}

static int linux_place_initrd(struct guest_mem *mem, struct linux_boot *boot,
			      const struct bzimage_info *info, uint64_t kernel_end)
{
	uint64_t top = guest_mem_low_end(mem), gpa;
	void *hva;

	/* initrd_addr_max is the last byte the initrd may occupy. */
	if (info->initrd_addr_max && top > (uint64_t)info->initrd_addr_max + 1)
		top = (uint64_t)info->initrd_addr_max + 1;
	if (boot->initrd_len > top || top - boot->initrd_len < kernel_end) {
		vmm_error("--initrd: %zu bytes do not fit below 0x%llx above the kernel; raise --mem",
			  boot->initrd_len, (unsigned long long)top);
		return -ENOSPC;
	}
	gpa = ALIGN_DOWN(top - boot->initrd_len, PAGE_SIZE);
	hva = gpa_to_hva(mem, gpa, boot->initrd_len);
	if (!hva) {
		vmm_error("--initrd: no RAM at 0x%llx", (unsigned long long)gpa);
		return -ENOSPC;
	}
	boot->initrd_gpa = gpa;
	return image_copy(hva, boot->initrd, boot->initrd_fd, 0, boot->initrd_len,
			  "--initrd");
}

static void linux_fill_e820(struct guest_mem *mem, struct boot_params *zp)
{
	struct e820_entry map[E820_MAX];
	int i, n = guest_mem_e820(mem, map, E820_MAX);

	for (i = 0; i < n; i++) {
		zp->e820_table[i].addr = map[i].addr;
		zp->e820_table[i].size = map[i].size;
		zp->e820_table[i].type = map[i].type;
	}
	zp->e820_entries = n;
}

int linux_load(struct guest_mem *mem, struct linux_boot *boot)
{
	uint8_t head_buf[BZIMAGE_HEAD_SIZE];
	size_t hdr_len, head_len, cmdline_len = strlen(boot->cmdline);
	const uint8_t *head = boot->kernel;
	struct bzimage_info info;
	struct boot_params *zp;
	uint64_t kernel_end;
	const char *why;
	void *kernel_hva;
	char *cmdline;
	int err;

	head_len = MIN(boot->kernel_len, sizeof(head_buf));
	if (!head) {
		err = image_copy(head_buf, NULL, boot->kernel_fd, 0, head_len, "--kernel");
		if (err)
			return err;
		head = head_buf;
	}
	err = bzimage_parse_head(head, head_len, boot->kernel_len, &info, &why);
	if (err) {
		vmm_error("--kernel: %s", why);
		return err;
	}
	if (cmdline_len + 1 > MIN(info.cmdline_size + 1ULL, LAYOUT_CMDLINE_MAX)) {
		vmm_error("--append: %zu bytes, the kernel accepts at most %u",
			  cmdline_len, MIN(info.cmdline_size, (uint32_t)LAYOUT_CMDLINE_MAX - 1));
		return -E2BIG;
	}
	kernel_end = LAYOUT_KERNEL_GPA + info.init_size;
	kernel_hva = gpa_to_hva(mem, LAYOUT_KERNEL_GPA, info.init_size);
	if (!kernel_hva) {
		vmm_error("--mem: too small for the kernel (needs 0x%llx bytes)",
			  (unsigned long long)kernel_end);
		return -ENOSPC;
	}
	err = image_copy(kernel_hva, boot->kernel, boot->kernel_fd, info.setup_size,
			 info.kernel_size, "--kernel");
	if (err)
		return err;

	zp = gpa_to_hva(mem, LAYOUT_ZERO_PAGE_GPA, sizeof(*zp));
	cmdline = gpa_to_hva(mem, LAYOUT_CMDLINE_GPA, cmdline_len + 1);
	if (!zp || !cmdline) {
		vmm_error("--mem: too small for the zero page");
		return -ENOSPC;
	}
	memset(zp, 0, sizeof(*zp));
	/* Copy the setup header as the kernel's own length byte says. */
	hdr_len = BZIMAGE_HEADER_OFFSET + head[BZIMAGE_HEADER_END_OFFSET] -
		  BZIMAGE_SETUP_SECTS_OFFSET;
	memcpy(&zp->hdr, head + BZIMAGE_SETUP_SECTS_OFFSET,
	       MIN(hdr_len, sizeof(zp->hdr)));
	zp->hdr.type_of_loader = BZIMAGE_LOADER_TYPE_UNKNOWN;
	zp->hdr.loadflags |= CAN_USE_HEAP;
	zp->hdr.heap_end_ptr = HEAP_END_PTR;
	zp->hdr.code32_start = LAYOUT_KERNEL_GPA;
	memcpy(cmdline, boot->cmdline, cmdline_len + 1);
	zp->hdr.cmd_line_ptr = LAYOUT_CMDLINE_GPA;
	zp->ext_cmd_line_ptr = 0;
	if (info.protocol >= 0x020e)
		zp->acpi_rsdp_addr = boot->rsdp_gpa;

	if (boot->initrd || boot->initrd_len) {
		err = linux_place_initrd(mem, boot, &info, kernel_end);
		if (err)
			return err;
		zp->hdr.ramdisk_image = (uint32_t)boot->initrd_gpa;
		zp->ext_ramdisk_image = boot->initrd_gpa >> 32;
		zp->hdr.ramdisk_size = (uint32_t)boot->initrd_len;
		zp->ext_ramdisk_size = (uint64_t)boot->initrd_len >> 32;
	}
	linux_fill_e820(mem, zp);
	boot->entry_gpa = LAYOUT_KERNEL_GPA + BZIMAGE_ENTRY64_OFFSET;
	boot->zero_page_gpa = LAYOUT_ZERO_PAGE_GPA;
	return 0;
}

int flat_parse_spec(const char *spec, char *path, size_t path_size, uint64_t *gpa)
{
	const char *at = strrchr(spec, '@');
	size_t n;

	if (!at || at == spec)
		return -EINVAL;
	n = at - spec;
	if (n >= path_size)
		return -ENAMETOOLONG;
	memcpy(path, spec, n);
	path[n] = '\0';
	return parse_u64(at + 1, gpa);
}

int flat_load(struct guest_mem *mem, const uint8_t *img, size_t len, uint64_t gpa)
{
	void *hva = gpa_to_hva(mem, gpa, len);

	if (!hva) {
		vmm_error("--flat: %zu bytes at 0x%llx are outside guest RAM", len,
			  (unsigned long long)gpa);
		return -ERANGE;
	}
	memcpy(hva, img, len);
	return 0;
}
