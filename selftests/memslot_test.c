// SPDX-License-Identifier: GPL-2.0
/*
 * memslot_test: KVM_SET_USER_MEMORY_REGION as kvm applies it.
 *
 * Create, delete, move; the rules of a change to an existing slot (same
 * size, same host address, READONLY fixed; only a move or a flags change);
 * EINVAL for misaligned or overflowing ranges, unknown flags, slot ids at or
 * beyond KVM_CAP_NR_MEMSLOTS and unknown address spaces; EEXIST for an
 * overlap; what the guest sees through a slot (host and guest share the
 * pages), a READONLY slot (reads from memory, writes exit as MMIO), a moved
 * or deleted slot (its old range exits as MMIO), and the dirty log, also
 * when logging starts on a slot the guest wrote through 2 MiB mappings.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define EXTRA_SLOT	1
#define OTHER_SLOT	2
#define EXTRA_SIZE	0x10000
#define PAGE		GUEST_PAGE_SIZE
#define HUGE		0x200000ULL
/* A host address user space can never map (the kernel half). */
#define KERNEL_HVA	((void *)0xffff880000000000ULL)

/*
 * Peek and poke: RSI = *(u64 *)RBX, SYNC 1; *(u64 *)RBX = RCX, SYNC 2.
 */
extern const uint8_t peek_start[], peek_end[];
asm(GUEST_SECTION
    ".code64\n"
    "peek_start:\n"
    "	mov (%rbx), %rsi\n"
    "	GUEST_SYNC 1\n"
    "	mov %rcx, (%rbx)\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "peek_end:\n"
    GUEST_SECTION_END);

static struct kvm_vcpu *peek_vcpu(struct kvm_vm *vm, uint32_t id, uint64_t gpa,
				  uint64_t value)
{
	struct kvm_vcpu *vcpu = vcpu_create(vm, id);
	struct kvm_regs regs;

	vm_load_code(vm, peek_start, peek_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
	vcpu_get_regs(vcpu, &regs);
	regs.rbx = gpa;
	regs.rcx = value;
	vcpu_set_regs(vcpu, &regs);
	return vcpu;
}

/* Runs a vCPU that must now exit for an 8-byte MMIO access at gpa. */
static void expect_mmio(struct kvm_vcpu *vcpu, uint64_t gpa, bool is_write)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run_expect_exit(vcpu, KVM_EXIT_MMIO);
	CHECK_EQ(run->mmio.phys_addr, gpa);
	CHECK_EQ(run->mmio.len, 8);
	CHECK_EQ(run->mmio.is_write, is_write);
}

static void test_create_delete(void)
{
	struct kvm_vm *vm = vm_create();
	void *hva = vm_alloc_backing(EXTRA_SIZE);

	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE, 0, hva));
	/* Setting the same slot again unchanged is a no-op. */
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE, 0, hva));
	/* Size 0 deletes; deleting what does not exist is EINVAL. */
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, 0, 0, hva));
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, 0, 0, hva), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, OTHER_SLOT, 0, 0, 0, NULL), EINVAL);
	/* The id is free again: recreate it elsewhere. */
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA * 2, EXTRA_SIZE, 0, hva));
	munmap(hva, EXTRA_SIZE);
	vm_free(vm);
}

static void test_alignment(void)
{
	struct kvm_vm *vm = vm_create();
	uint8_t *hva = vm_alloc_backing(EXTRA_SIZE + PAGE);

	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE - 1, 0, hva), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, PAGE / 2, 0, hva), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA + 0x800, EXTRA_SIZE, 0, hva), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA + 1, EXTRA_SIZE, 0, hva), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE, 0, hva + 8), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE, 0, hva + PAGE / 2), EINVAL);
	/* A host range user space cannot own. */
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE, 0, KERNEL_HVA), EINVAL);
	/* None of the failures created the slot. */
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, 0, 0, 0, NULL), EINVAL);
	/* The aligned form works. */
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE, 0, hva + PAGE));
	munmap(hva, EXTRA_SIZE + PAGE);
	vm_free(vm);
}

static void test_overflow(void)
{
	struct kvm_vm *vm = vm_create();
	void *hva = vm_alloc_backing(EXTRA_SIZE);

	/* gpa + size wraps around 2^64. */
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, 0xfffffffffffff000ULL, 2 * PAGE, 0, hva), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, 0xffffffffffff0000ULL, EXTRA_SIZE + PAGE, 0, hva), EINVAL);
	/* A size no user range can have. */
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, 0, 0xfffffffffffff000ULL, 0, hva), EINVAL);
	munmap(hva, EXTRA_SIZE);
	vm_free(vm);
}

static void test_bad_flags(void)
{
	struct kvm_vm *vm = vm_create();
	void *hva = vm_alloc_backing(EXTRA_SIZE);
	int bit;

	/* Bits 0 (LOG_DIRTY_PAGES) and 1 (READONLY) are kvm's; 2 onward not. */
	for (bit = 2; bit < 32; bit++)
		CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE,
						 1U << bit, hva), EINVAL);
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE,
					KVM_MEM_LOG_DIRTY_PAGES, hva));
	CHECK_IOCTL_OK(__vm_set_memslot(vm, OTHER_SLOT, GUEST_EXTRA_GPA * 2, EXTRA_SIZE,
					KVM_MEM_READONLY, hva));
	munmap(hva, EXTRA_SIZE);
	vm_free(vm);
}

static void test_slot_ids(void)
{
	int nr = kvm_check_cap(KVM_CAP_NR_MEMSLOTS);
	struct kvm_vm *vm = vm_create();
	void *hva = vm_alloc_backing(EXTRA_SIZE);

	CHECK(nr > 1, "KVM_CAP_NR_MEMSLOTS = %d", nr);
	/* The highest user slot id is NR_MEMSLOTS - 1. */
	CHECK_IOCTL_OK(__vm_set_memslot(vm, nr - 1, GUEST_EXTRA_GPA, PAGE, 0, hva));
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, nr, GUEST_EXTRA_GPA * 2, PAGE, 0, hva), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, 0xffff, GUEST_EXTRA_GPA * 2, PAGE, 0, hva), EINVAL);
	/* Address spaces: x86 has 2 (normal, SMM); as_id 2 does not exist. */
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, (2U << 16) | EXTRA_SLOT, GUEST_EXTRA_GPA * 2,
					 PAGE, 0, hva), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, 0xffffffffU, GUEST_EXTRA_GPA * 2, PAGE, 0, hva), EINVAL);
	/* Slot 0 and slot NR-1 coexist. */
	CHECK_IOCTL_OK(__vm_set_memslot(vm, 0, GUEST_EXTRA_GPA * 3, PAGE, 0, hva));
	munmap(hva, EXTRA_SIZE);
	vm_free(vm);
}

static void test_overlap(void)
{
	struct kvm_vm *vm = vm_create();
	void *hva = vm_alloc_backing(4 * EXTRA_SIZE);
	uint64_t base = GUEST_EXTRA_GPA;

	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, base, EXTRA_SIZE, 0, hva));
	/* Same range, inside, straddling either end, covering. */
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, OTHER_SLOT, base, EXTRA_SIZE, 0, hva), EEXIST);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, OTHER_SLOT, base + PAGE, PAGE, 0, hva), EEXIST);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, OTHER_SLOT, base - PAGE, 2 * PAGE, 0, hva), EEXIST);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, OTHER_SLOT, base + EXTRA_SIZE - PAGE, 2 * PAGE, 0, hva), EEXIST);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, OTHER_SLOT, base - PAGE, EXTRA_SIZE + 2 * PAGE, 0, hva), EEXIST);
	/* Adjacent on both sides is fine; the host range may be shared. */
	CHECK_IOCTL_OK(__vm_set_memslot(vm, OTHER_SLOT, base + EXTRA_SIZE, PAGE, 0, hva));
	CHECK_IOCTL_OK(__vm_set_memslot(vm, OTHER_SLOT + 1, base - PAGE, PAGE, 0, hva));
	munmap(hva, 4 * EXTRA_SIZE);
	vm_free(vm);
}

static void test_modify_rules(void)
{
	struct kvm_vm *vm = vm_create();
	uint8_t *hva = vm_alloc_backing(4 * EXTRA_SIZE);
	uint64_t base = GUEST_EXTRA_GPA;

	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, base, EXTRA_SIZE, 0, hva));
	CHECK_IOCTL_OK(__vm_set_memslot(vm, OTHER_SLOT, base * 2, EXTRA_SIZE, 0, hva + EXTRA_SIZE));
	/* Resize (either way) and a new host address are refused. */
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, base, 2 * EXTRA_SIZE, 0, hva), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, base, EXTRA_SIZE / 2, 0, hva), EINVAL);
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, base, EXTRA_SIZE, 0, hva + 2 * EXTRA_SIZE), EINVAL);
	/* READONLY cannot be toggled on an existing slot. */
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, base, EXTRA_SIZE, KVM_MEM_READONLY, hva), EINVAL);
	/* Dirty logging can, both ways. */
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, base, EXTRA_SIZE, KVM_MEM_LOG_DIRTY_PAGES, hva));
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, base, EXTRA_SIZE, 0, hva));
	/* A move onto another slot is EEXIST, onto part of itself is fine. */
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, base * 2 + PAGE, EXTRA_SIZE, 0, hva), EEXIST);
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, base + PAGE, EXTRA_SIZE, 0, hva));
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, base * 3, EXTRA_SIZE, 0, hva));
	/* Resize is also refused after the move. */
	CHECK_IOCTL_ERR(__vm_set_memslot(vm, EXTRA_SLOT, base * 3, EXTRA_SIZE + PAGE, 0, hva), EINVAL);
	munmap(hva, 4 * EXTRA_SIZE);
	vm_free(vm);
}

static void test_guest_sees_slot(void)
{
	struct kvm_vm *vm = vm_create_default();
	uint64_t *mem = vm_add_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE, 0);
	uint64_t gpa = GUEST_EXTRA_GPA + 3 * PAGE + 0x28;
	struct kvm_vcpu *vcpu = peek_vcpu(vm, 0, gpa, 0x1122334455667788ULL);
	struct ucall uc;

	mem[(3 * PAGE + 0x28) / 8] = 0xfeedfacecafebeefULL;
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0xfeedfacecafebeefULL);
	vcpu_expect_sync(vcpu, 2, &uc);
	/* The guest's store is in the host mapping. */
	CHECK_EQ(mem[(3 * PAGE + 0x28) / 8], 0x1122334455667788ULL);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_readonly_slot(void)
{
	struct kvm_vm *vm = vm_create_default();
	uint64_t *mem = vm_add_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE,
				       KVM_MEM_READONLY);
	uint64_t gpa = GUEST_EXTRA_GPA + PAGE;
	struct kvm_vcpu *vcpu = peek_vcpu(vm, 0, gpa, 0xa5a5a5a5a5a5a5a5ULL);
	uint64_t data;
	struct ucall uc;

	mem[PAGE / 8] = 0x0123456789abcdefULL;
	/* Reads come from memory, without an exit. */
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x0123456789abcdefULL);
	/* A write exits as MMIO with the data; memory is unchanged. */
	expect_mmio(vcpu, gpa, true);
	memcpy(&data, vcpu->run->mmio.data, 8);
	CHECK_EQ(data, 0xa5a5a5a5a5a5a5a5ULL);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(mem[PAGE / 8], 0x0123456789abcdefULL);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_move_slot(void)
{
	struct kvm_vm *vm = vm_create_default();
	uint64_t *mem = vm_add_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE, 0);
	uint64_t new_base = GUEST_EXTRA_GPA * 2;
	struct kvm_vcpu *vcpu;
	uint64_t data = 0x77;
	struct ucall uc;

	mem[0] = 0x5555aaaa5555aaaaULL;
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, new_base, EXTRA_SIZE, 0, mem));
	vm->slots[vm->nr_slots - 1].gpa = new_base;

	/* The new range reads the same pages. */
	vcpu = peek_vcpu(vm, 0, new_base, 1);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x5555aaaa5555aaaaULL);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(mem[0], 1);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);

	/* The old range is no longer memory: a read exits as MMIO. */
	vcpu = peek_vcpu(vm, 1, GUEST_EXTRA_GPA, 2);
	expect_mmio(vcpu, GUEST_EXTRA_GPA, false);
	memcpy(vcpu->run->mmio.data, &data, 8);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x77);
	expect_mmio(vcpu, GUEST_EXTRA_GPA, true);
	vcpu_expect_sync(vcpu, 2, &uc);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_delete_slot_exits_mmio(void)
{
	struct kvm_vm *vm = vm_create_default();
	uint64_t *mem = vm_add_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE, 0);
	struct kvm_vcpu *vcpu = peek_vcpu(vm, 0, GUEST_EXTRA_GPA + 8, 3);
	struct ucall uc;

	mem[1] = 0x42;
	/* The vCPU ran once with the slot present, so its mappings exist. */
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x42);
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, 0, 0, mem));
	/* The store after the delete must not reach the old pages. */
	expect_mmio(vcpu, GUEST_EXTRA_GPA + 8, true);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(mem[1], 0x42);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_dirty_log(void)
{
	struct kvm_vm *vm = vm_create_default();
	uint64_t bitmap[1] = { 0 };
	struct kvm_dirty_log log = { .slot = EXTRA_SLOT, .dirty_bitmap = bitmap };
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	vm_add_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, EXTRA_SIZE, KVM_MEM_LOG_DIRTY_PAGES);
	vcpu = peek_vcpu(vm, 0, GUEST_EXTRA_GPA + 5 * PAGE + 16, 9);
	/* Nothing written yet. */
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log));
	CHECK_EQ(bitmap[0], 0);
	vcpu_expect_sync(vcpu, 1, &uc);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log));
	CHECK_EQ(bitmap[0], 1ULL << 5);
	/* Reading the log cleared it. */
	bitmap[0] = 0;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log));
	CHECK_EQ(bitmap[0], 0);
	/* No log on a slot without the flag, nor on a missing slot. */
	log.slot = GUEST_MAIN_SLOT;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log), ENOENT);
	log.slot = OTHER_SLOT;
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log), ENOENT);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * Logging switched on for a slot that the guest has written while it was
 * backed by transparent huge pages (so mapped 2 MiB at a time where the
 * hypervisor does that): the guest's next write is logged all the same.
 */
static void test_dirty_log_after_huge(void)
{
	struct kvm_vm *vm = vm_create_default();
	uint64_t bitmap[2 * HUGE / PAGE / 64];
	struct kvm_dirty_log log = { .slot = EXTRA_SLOT, .dirty_bitmap = bitmap };
	size_t size = 2 * HUGE, i;
	struct kvm_vcpu *vcpu;
	uint8_t *raw, *hva;
	struct ucall uc;

	raw = mmap(NULL, size + HUGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(raw != MAP_FAILED, "mmap: errno %d", errno);
	hva = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	madvise(hva, size, MADV_HUGEPAGE);	/* a hint: THP may be off */
	memset(hva, 0, size);
	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, size,
					0, hva));
	vcpu = peek_vcpu(vm, 0, GUEST_EXTRA_GPA + 16, 7);
	vcpu_expect_sync(vcpu, 1, &uc);
	vcpu_expect_sync(vcpu, 2, &uc);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);

	CHECK_IOCTL_OK(__vm_set_memslot(vm, EXTRA_SLOT, GUEST_EXTRA_GPA, size,
					KVM_MEM_LOG_DIRTY_PAGES, hva));
	memset(bitmap, 0xff, sizeof(bitmap));
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log));
	for (i = 0; i < ARRAY_SIZE(bitmap); i++)
		CHECK_EQ(bitmap[i], 0);

	vcpu = peek_vcpu(vm, 1, GUEST_EXTRA_GPA + 3 * PAGE + 8, 9);
	vcpu_expect_sync(vcpu, 1, &uc);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(*(uint64_t *)(hva + 3 * PAGE + 8), 9);
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log));
	CHECK_EQ(bitmap[0], 1ULL << 3);
	for (i = 1; i < ARRAY_SIZE(bitmap); i++)
		CHECK_EQ(bitmap[i], 0);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
	munmap(raw, size + HUGE);
}

static const struct test_case cases[] = {
	TEST_CASE(test_create_delete),
	TEST_CASE(test_alignment),
	TEST_CASE(test_overflow),
	TEST_CASE(test_bad_flags),
	TEST_CASE(test_slot_ids),
	TEST_CASE(test_overlap),
	TEST_CASE(test_modify_rules),
	TEST_CASE(test_guest_sees_slot),
	TEST_CASE(test_readonly_slot),
	TEST_CASE(test_move_slot),
	TEST_CASE(test_delete_slot_exits_mmio),
	TEST_CASE(test_dirty_log),
	TEST_CASE(test_dirty_log_after_huge),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
