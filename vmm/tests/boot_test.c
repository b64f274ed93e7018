// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the bzImage loader (against a fake bzImage built here), the
 * guest memory map and the CPUID patching.
 */
#include <asm/bootparam.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot.h"
#include "harness.h"
#include "layout.h"
#include "mem.h"
#include "x86.h"

#define FAKE_SETUP_SECTS	4
#define FAKE_SETUP_SIZE		((FAKE_SETUP_SECTS + 1) * 512)
#define FAKE_KERNEL_SIZE	8192
#define FAKE_INIT_SIZE		(1 << 20)
#define FAKE_INITRD_MAX		0x37ffffff
#define FAKE_CMDLINE_SIZE	2047

static uint8_t image[FAKE_SETUP_SIZE + FAKE_KERNEL_SIZE];

static struct setup_header *fake_header(void)
{
	return (struct setup_header *)(image + BZIMAGE_SETUP_SECTS_OFFSET);
}

/* A minimal bzImage: the header fields the loader reads, a patterned payload. */
static void build_fake_bzimage(void)
{
	struct setup_header *h = fake_header();
	size_t i;

	memset(image, 0, sizeof(image));
	h->setup_sects = FAKE_SETUP_SECTS;
	h->boot_flag = BZIMAGE_BOOT_FLAG;
	h->header = BZIMAGE_MAGIC;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h->cmdline_size = FAKE_CMDLINE_SIZE;
	h->initrd_addr_max = FAKE_INITRD_MAX;
	h->init_size = FAKE_INIT_SIZE;
	h->kernel_alignment = 0x200000;
	h->relocatable_kernel = 1;
	/* Byte 0x201 is the jump's offset: the header ends at 0x202 + it. */
	image[0x201] = 0x6a;
	for (i = 0; i < FAKE_KERNEL_SIZE; i++)
		image[FAKE_SETUP_SIZE + i] = (uint8_t)(i * 7 + 1);
}

static void test_parse_valid(void)
{
	struct bzimage_info info;
	const char *why = NULL;

	build_fake_bzimage();
	CHECK_EQ(bzimage_parse(image, sizeof(image), &info, &why), 0);
	CHECK_EQ(info.protocol, 0x020f);
	CHECK_EQ(info.setup_size, FAKE_SETUP_SIZE);
	CHECK_EQ(info.kernel_size, FAKE_KERNEL_SIZE);
	CHECK_EQ(info.init_size, FAKE_INIT_SIZE);
	CHECK_EQ(info.cmdline_size, FAKE_CMDLINE_SIZE);
	CHECK_EQ(info.initrd_addr_max, FAKE_INITRD_MAX);
}

static void test_parse_zero_setup_sects_means_four(void)
{
	struct bzimage_info info;
	const char *why;

	build_fake_bzimage();
	fake_header()->setup_sects = 0;
	CHECK_EQ(bzimage_parse(image, sizeof(image), &info, &why), 0);
	CHECK_EQ(info.setup_size, 5 * 512);
}

static void expect_reject(const char *what)
{
	struct bzimage_info info;
	const char *why = NULL;

	CHECK_EQ(bzimage_parse(image, sizeof(image), &info, &why), -EINVAL);
	CHECK(why != NULL, "%s", what);
	test_info("%s -> %s", what, why);
}

static void test_parse_rejects(void)
{
	build_fake_bzimage();
	fake_header()->boot_flag = 0;
	expect_reject("no boot flag");

	build_fake_bzimage();
	fake_header()->header = 0x12345678;
	expect_reject("no HdrS");

	build_fake_bzimage();
	fake_header()->version = 0x020b;
	expect_reject("protocol 2.11");

	build_fake_bzimage();
	fake_header()->xloadflags = 0;
	expect_reject("no 64-bit entry");

	build_fake_bzimage();
	fake_header()->loadflags = 0;
	expect_reject("zImage");

	build_fake_bzimage();
	fake_header()->setup_sects = 200;
	expect_reject("setup beyond the file");
}

static void test_parse_too_short(void)
{
	struct bzimage_info info;
	const char *why;

	build_fake_bzimage();
	CHECK_EQ(bzimage_parse(image, 0x200, &info, &why), -EINVAL);
}

static void test_load_zero_page(void)
{
	static const char initrd[] = "INITRD-CONTENTS";
	struct guest_mem mem;
	struct boot_params *zp;
	struct linux_boot boot = {
		.kernel = image, .kernel_len = sizeof(image),
		.initrd = (const uint8_t *)initrd, .initrd_len = sizeof(initrd),
		.cmdline = "console=ttyS0 root=/dev/vda", .rsdp_gpa = LAYOUT_ACPI_GPA,
	};
	uint8_t *kernel;

	build_fake_bzimage();
	CHECK_EQ(guest_mem_init(&mem, 64ULL << 20), 0);
	CHECK_EQ(linux_load(&mem, &boot), 0);
	CHECK_EQ(boot.entry_gpa, LAYOUT_KERNEL_GPA + 0x200);
	CHECK_EQ(boot.zero_page_gpa, LAYOUT_ZERO_PAGE_GPA);

	kernel = gpa_to_hva(&mem, LAYOUT_KERNEL_GPA, FAKE_KERNEL_SIZE);
	CHECK(!memcmp(kernel, image + FAKE_SETUP_SIZE, FAKE_KERNEL_SIZE));

	zp = gpa_to_hva(&mem, LAYOUT_ZERO_PAGE_GPA, sizeof(*zp));
	CHECK_EQ(zp->hdr.header, BZIMAGE_MAGIC);
	CHECK_EQ(zp->hdr.version, 0x020f);
	CHECK_EQ(zp->hdr.type_of_loader, 0xff);
	CHECK(zp->hdr.loadflags & CAN_USE_HEAP);
	CHECK_EQ(zp->hdr.cmd_line_ptr, LAYOUT_CMDLINE_GPA);
	CHECK(!strcmp(gpa_to_hva(&mem, LAYOUT_CMDLINE_GPA, 1), boot.cmdline));
	CHECK_EQ(zp->acpi_rsdp_addr, LAYOUT_ACPI_GPA);

	/* The initrd: page-aligned, at the top of RAM, content intact. */
	CHECK_EQ(zp->hdr.ramdisk_size, sizeof(initrd));
	CHECK_EQ(zp->hdr.ramdisk_image % 4096, 0);
	CHECK_EQ(zp->hdr.ramdisk_image, (64 << 20) - 4096);
	CHECK_EQ(zp->ext_ramdisk_image, 0);
	CHECK(!memcmp(gpa_to_hva(&mem, zp->hdr.ramdisk_image, sizeof(initrd)), initrd,
		      sizeof(initrd)));

	/* e820: low RAM, the legacy hole, RAM from 1 MiB to the end. */
	CHECK_EQ(zp->e820_entries, 3);
	CHECK_EQ(zp->e820_table[0].addr, 0);
	CHECK_EQ(zp->e820_table[0].size, LAYOUT_EBDA_GPA);
	CHECK_EQ(zp->e820_table[0].type, E820_TYPE_RAM);
	CHECK_EQ(zp->e820_table[1].type, E820_TYPE_RESERVED);
	CHECK_EQ(zp->e820_table[2].addr, LAYOUT_HIGH_MEMORY_GPA);
	CHECK_EQ(zp->e820_table[2].addr + zp->e820_table[2].size, 64 << 20);
	guest_mem_exit(&mem);
}

/* From file descriptors (what kvmx run does): the same result. */
static void test_load_from_files(void)
{
	static const char initrd[] = "INITRD-FROM-A-FILE";
	struct guest_mem mem;
	struct boot_params *zp;
	struct linux_boot boot = { .cmdline = "console=ttyS0" };
	int kfd, ifd;

	build_fake_bzimage();
	kfd = memfd_create("bzimage", 0);
	ifd = memfd_create("initrd", 0);
	CHECK(kfd >= 0 && ifd >= 0);
	CHECK_EQ(write(kfd, image, sizeof(image)), (ssize_t)sizeof(image));
	CHECK_EQ(write(ifd, initrd, sizeof(initrd)), (ssize_t)sizeof(initrd));
	boot.kernel_fd = kfd;
	boot.kernel_len = sizeof(image);
	boot.initrd_fd = ifd;
	boot.initrd_len = sizeof(initrd);
	CHECK_EQ(guest_mem_init(&mem, 64ULL << 20), 0);
	CHECK_EQ(linux_load(&mem, &boot), 0);
	CHECK(!memcmp(gpa_to_hva(&mem, LAYOUT_KERNEL_GPA, FAKE_KERNEL_SIZE),
		      image + FAKE_SETUP_SIZE, FAKE_KERNEL_SIZE));
	zp = gpa_to_hva(&mem, LAYOUT_ZERO_PAGE_GPA, sizeof(*zp));
	CHECK_EQ(zp->hdr.header, BZIMAGE_MAGIC);
	CHECK_EQ(zp->hdr.setup_sects, FAKE_SETUP_SECTS);
	CHECK_EQ(zp->hdr.ramdisk_size, sizeof(initrd));
	CHECK(!memcmp(gpa_to_hva(&mem, zp->hdr.ramdisk_image, sizeof(initrd)), initrd,
		      sizeof(initrd)));
	/* A file shorter than it claims to be: one error, no crash. */
	boot.initrd_len = sizeof(initrd) + 4096;
	CHECK_EQ(linux_load(&mem, &boot), -EIO);
	/* A file that is not a bzImage, read through its descriptor. */
	CHECK_EQ(ftruncate(kfd, 0x300), 0);
	boot.kernel_len = 0x300;
	CHECK_EQ(linux_load(&mem, &boot), -EINVAL);
	guest_mem_exit(&mem);
	close(kfd);
	close(ifd);
}

static void test_load_initrd_respects_addr_max(void)
{
	static const uint8_t initrd[8192];
	struct guest_mem mem;
	struct linux_boot boot = {
		.kernel = image, .kernel_len = sizeof(image),
		.initrd = initrd, .initrd_len = sizeof(initrd), .cmdline = "",
	};

	build_fake_bzimage();
	fake_header()->initrd_addr_max = (32 << 20) - 1;
	CHECK_EQ(guest_mem_init(&mem, 64ULL << 20), 0);
	CHECK_EQ(linux_load(&mem, &boot), 0);
	CHECK_EQ(boot.initrd_gpa + sizeof(initrd), 32 << 20);
	guest_mem_exit(&mem);
}

static void test_load_errors(void)
{
	static uint8_t big_initrd[8 << 20];
	static char cmdline[FAKE_CMDLINE_SIZE + 2];
	struct guest_mem mem;
	struct linux_boot boot = {
		.kernel = image, .kernel_len = sizeof(image), .cmdline = cmdline,
	};

	build_fake_bzimage();
	CHECK_EQ(guest_mem_init(&mem, 8ULL << 20), 0);
	memset(cmdline, 'a', sizeof(cmdline) - 1);
	CHECK_EQ(linux_load(&mem, &boot), -E2BIG);
	cmdline[FAKE_CMDLINE_SIZE] = '\0';	/* exactly cmdline_size: fits */
	CHECK_EQ(linux_load(&mem, &boot), 0);
	/* An initrd that would overlap the kernel's init_size. */
	boot.initrd = big_initrd;
	boot.initrd_len = sizeof(big_initrd);
	CHECK_EQ(linux_load(&mem, &boot), -ENOSPC);
	guest_mem_exit(&mem);
	/* A kernel whose init_size exceeds RAM. */
	fake_header()->init_size = 16 << 20;
	CHECK_EQ(guest_mem_init(&mem, 8ULL << 20), 0);
	boot.initrd = NULL;
	boot.initrd_len = 0;
	CHECK_EQ(linux_load(&mem, &boot), -ENOSPC);
	guest_mem_exit(&mem);
}

static void test_memory_map_above_4g(void)
{
	struct e820_entry map[E820_MAX];
	struct guest_mem mem;
	int n;

	CHECK_EQ(guest_mem_plan(&mem, 4ULL << 30), 0);
	CHECK_EQ(mem.nr_ranges, 2);
	CHECK_EQ(mem.ranges[0].size, LAYOUT_MMIO_HOLE_GPA);
	CHECK_EQ(mem.ranges[1].gpa, LAYOUT_HIGH_RAM_GPA);
	CHECK_EQ(mem.ranges[1].size, (4ULL << 30) - LAYOUT_MMIO_HOLE_GPA);
	n = guest_mem_e820(&mem, map, E820_MAX);
	CHECK_EQ(n, 4);
	CHECK_EQ(map[3].addr, LAYOUT_HIGH_RAM_GPA);
	CHECK_EQ(guest_mem_plan(&mem, 3 << 20), -EINVAL);
	CHECK_EQ(guest_mem_plan(&mem, 0), -EINVAL);
}

static void test_gpa_to_hva_bounds(void)
{
	struct guest_mem mem;

	CHECK_EQ(guest_mem_init(&mem, 4ULL << 20), 0);
	CHECK(gpa_to_hva(&mem, 0, 4 << 20) == mem.host_base);
	CHECK(gpa_to_hva(&mem, (4 << 20) - 1, 1) != NULL);
	CHECK(gpa_to_hva(&mem, (4 << 20) - 1, 2) == NULL);
	CHECK(gpa_to_hva(&mem, 4 << 20, 1) == NULL);
	CHECK(gpa_to_hva(&mem, 16, ~0ULL) == NULL);
	CHECK_EQ((uintptr_t)mem.host_base % LAYOUT_RAM_ALIGN, 0);
	guest_mem_exit(&mem);
}

static void test_cpuid_patch(void)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[3];
	} t = { .c.nent = 3 };

	t.e[0] = (struct kvm_cpuid_entry2){ .function = 1, .ebx = 0xff00ffff,
					    .ecx = 1u << 21, .edx = 1u << 9 };
	t.e[1] = (struct kvm_cpuid_entry2){ .function = 0xb, .edx = 0 };
	t.e[2] = (struct kvm_cpuid_entry2){ .function = 0x1f, .edx = 0 };
	x86_patch_cpuid(&t.c, 3, 4, true, true);
	CHECK_EQ(t.e[0].ebx >> 24, 3);
	CHECK_EQ((t.e[0].ebx >> 16) & 0xff, 4);
	CHECK_EQ(t.e[0].ebx & 0xffff, 0xffff);
	CHECK(t.e[0].ecx & (1u << 24), "TSC-deadline offered");
	CHECK(t.e[0].ecx & (1u << 31), "hypervisor bit");
	CHECK(t.e[0].edx & (1u << 28), "HTT with several vCPUs");
	CHECK_EQ(t.e[1].edx, 3);
	CHECK_EQ(t.e[2].edx, 3);
	/* Without an in-kernel LAPIC: no APIC, x2APIC or TSC-deadline bits. */
	x86_patch_cpuid(&t.c, 0, 1, true, false);
	CHECK(!(t.e[0].edx & (1u << 9)));
	CHECK(!(t.e[0].ecx & (1u << 21)));
	CHECK(!(t.e[0].ecx & (1u << 24)));
}

static const struct test_case cases[] = {
	TEST_CASE(test_parse_valid),
	TEST_CASE(test_parse_zero_setup_sects_means_four),
	TEST_CASE(test_parse_rejects),
	TEST_CASE(test_parse_too_short),
	TEST_CASE(test_load_zero_page),
	TEST_CASE(test_load_from_files),
	TEST_CASE(test_load_initrd_respects_addr_max),
	TEST_CASE(test_load_errors),
	TEST_CASE(test_memory_map_above_4g),
	TEST_CASE(test_gpa_to_hva_bounds),
	TEST_CASE(test_cpuid_patch),
};

int main(void)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
