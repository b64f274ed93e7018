// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_test: KVM_EXIT_MMIO for guest accesses to addresses no memslot backs.
 *
 * Each access exits with the physical address, length, direction and (for a
 * write) the data; a read completes with the data user space put in
 * mmio.data before the next KVM_RUN.  Covered: MOV stores and loads of 1, 2,
 * 4 and 8 bytes (8/16-bit loads merge, 32-bit loads zero-extend), MOVZX,
 * MOVSX and MOVSXD, MOV with a 64-bit absolute address (moffs), STOS and
 * REP STOS (one exit per element), MOVS from RAM to MMIO and from MMIO to
 * RAM, an ALU instruction with a memory destination (ADD: a read exit, then
 * a write exit with the sum), and an MMIO access in 32-bit protected mode.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "guest_asm.h"
#include "kvm_util.h"

extern const uint8_t mmio_start[], mmio_end[];
asm(GUEST_SECTION
    ".code64\n"
    "mmio_start:\n"
    "	mov $GUEST_MMIO_GPA, %rbx\n"
    /* Stores. */
    "	movb $0x12, (%rbx)\n"
    "	movw $0x3456, 2(%rbx)\n"
    "	movl $0x789abcde, 4(%rbx)\n"
    "	movabs $0x1122334455667788, %rax\n"
    "	mov %rax, 8(%rbx)\n"
    /* Loads. */
    "	mov $-1, %rsi\n"
    "	mov 0x10(%rbx), %sil\n"
    "	GUEST_SYNC 1\n"
    "	mov $-1, %rsi\n"
    "	mov 0x12(%rbx), %si\n"
    "	GUEST_SYNC 2\n"
    "	mov $-1, %rsi\n"
    "	mov 0x14(%rbx), %esi\n"
    "	GUEST_SYNC 3\n"
    "	mov 0x18(%rbx), %rsi\n"
    "	GUEST_SYNC 4\n"
    /* Zero and sign extension. */
    "	movzbl 0x20(%rbx), %esi\n"
    "	GUEST_SYNC 5\n"
    "	movsbq 0x21(%rbx), %rsi\n"
    "	GUEST_SYNC 6\n"
    "	movzwl 0x22(%rbx), %esi\n"
    "	GUEST_SYNC 7\n"
    "	movswq 0x24(%rbx), %rsi\n"
    "	GUEST_SYNC 8\n"
    "	movslq 0x28(%rbx), %rsi\n"
    "	GUEST_SYNC 9\n"
    /* moffs forms (opcodes A0-A3 with a 64-bit address). */
    "	movabs (GUEST_MMIO_GPA + 0x40), %eax\n"
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 10\n"
    "	mov $0x5a, %al\n"
    "	movabs %al, (GUEST_MMIO_GPA + 0x48)\n"
    /* STOS, REP STOS. */
    "	cld\n"
    "	mov $(GUEST_MMIO_GPA + 0x50), %rdi\n"
    "	mov $0xcafef00d, %eax\n"
    "	stosl\n"
    "	mov $0x7788, %ax\n"
    "	mov $3, %ecx\n"
    "	rep stosw\n"
    /* MOVS RAM -> MMIO and MMIO -> RAM. */
    "	mov $GUEST_DATA_GPA, %rsi\n"
    "	mov $(GUEST_MMIO_GPA + 0x60), %rdi\n"
    "	movsq\n"
    "	mov $(GUEST_MMIO_GPA + 0x68), %rsi\n"
    "	mov $(GUEST_DATA_GPA + 8), %rdi\n"
    "	movsl\n"
    "	mov %rdi, %r8\n"
    "	mov (GUEST_DATA_GPA + 8), %esi\n"
    "	GUEST_SYNC 11\n"
    /* ALU with a memory destination. */
    "	mov $0x100, %ecx\n"
    "	addl %ecx, 0x70(%rbx)\n"
    "	GUEST_DONE\n"
    "mmio_end:\n"
    GUEST_SECTION_END);

extern const uint8_t mmio32_start[], mmio32_end[];
asm(GUEST_SECTION
    ".code32\n"
    "mmio32_start:\n"
    "	movl $0x01020304, (GUEST_MMIO_GPA + 0x80)\n"
    "	mov (GUEST_MMIO_GPA + 0x84), %si\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "mmio32_end:\n"
    GUEST_SECTION_END);

/* Runs to the next exit, which must be this MMIO access; returns mmio.data. */
static uint8_t *expect_mmio(struct kvm_vcpu *vcpu, uint64_t offset, uint32_t len,
			    bool is_write)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run_expect_exit(vcpu, KVM_EXIT_MMIO);
	CHECK(run->mmio.phys_addr == GUEST_MMIO_GPA + offset && run->mmio.len == len &&
	      run->mmio.is_write == is_write,
	      "mmio exit: gpa 0x%llx len %u %s; want gpa 0x%llx len %u %s",
	      (unsigned long long)run->mmio.phys_addr, run->mmio.len,
	      run->mmio.is_write ? "write" : "read",
	      (unsigned long long)(GUEST_MMIO_GPA + offset), len, is_write ? "write" : "read");
	return run->mmio.data;
}

static uint64_t expect_write(struct kvm_vcpu *vcpu, uint64_t offset, uint32_t len)
{
	uint64_t v = 0;

	memcpy(&v, expect_mmio(vcpu, offset, len, true), len);
	return v;
}

static void expect_read(struct kvm_vcpu *vcpu, uint64_t offset, uint32_t len, uint64_t value)
{
	memcpy(expect_mmio(vcpu, offset, len, false), &value, len);
}

static struct kvm_vcpu *start(struct kvm_vm **vm, enum guest_mode mode,
			      const uint8_t *s, const uint8_t *e)
{
	struct kvm_vcpu *vcpu;

	*vm = vm_create_default();
	vcpu = vcpu_create(*vm, 0);
	vm_load_code(*vm, s, e);
	vcpu_setup_mode(vcpu, mode, GUEST_CODE_GPA);
	return vcpu;
}

/* Runs the long-mode guest up to the loads; every case starts with this. */
static struct kvm_vcpu *run_stores(struct kvm_vm **vm)
{
	struct kvm_vcpu *vcpu = start(vm, GUEST_MODE_LONG64, mmio_start, mmio_end);

	CHECK_EQ(expect_write(vcpu, 0, 1), 0x12);
	CHECK_EQ(expect_write(vcpu, 2, 2), 0x3456);
	CHECK_EQ(expect_write(vcpu, 4, 4), 0x789abcde);
	CHECK_EQ(expect_write(vcpu, 8, 8), 0x1122334455667788ULL);
	return vcpu;
}

static void test_mov_store(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = run_stores(&vm);

	vcpu_free(vcpu);
	vm_free(vm);
}

static void run_loads(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	expect_read(vcpu, 0x10, 1, 0xa1);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0xffffffffffffffa1ULL);
	expect_read(vcpu, 0x12, 2, 0xb2b1);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1], 0xffffffffffffb2b1ULL);
	expect_read(vcpu, 0x14, 4, 0xc4c3c2c1);
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1], 0xc4c3c2c1);
	expect_read(vcpu, 0x18, 8, 0xd8d7d6d5d4d3d2d1ULL);
	vcpu_expect_sync(vcpu, 4, &uc);
	CHECK_EQ(uc.args[1], 0xd8d7d6d5d4d3d2d1ULL);
}

static void test_mov_load(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = run_stores(&vm);

	run_loads(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void run_extensions(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	expect_read(vcpu, 0x20, 1, 0x80);
	vcpu_expect_sync(vcpu, 5, &uc);
	CHECK_EQ(uc.args[1], 0x80);
	expect_read(vcpu, 0x21, 1, 0x80);
	vcpu_expect_sync(vcpu, 6, &uc);
	CHECK_EQ(uc.args[1], 0xffffffffffffff80ULL);
	expect_read(vcpu, 0x22, 2, 0x8001);
	vcpu_expect_sync(vcpu, 7, &uc);
	CHECK_EQ(uc.args[1], 0x8001);
	expect_read(vcpu, 0x24, 2, 0x8001);
	vcpu_expect_sync(vcpu, 8, &uc);
	CHECK_EQ(uc.args[1], 0xffffffffffff8001ULL);
	expect_read(vcpu, 0x28, 4, 0x80000001);
	vcpu_expect_sync(vcpu, 9, &uc);
	CHECK_EQ(uc.args[1], 0xffffffff80000001ULL);
}

static void test_movzx_movsx(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = run_stores(&vm);

	run_loads(vcpu);
	run_extensions(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void run_moffs(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	expect_read(vcpu, 0x40, 4, 0xdeadbeef);
	vcpu_expect_sync(vcpu, 10, &uc);
	CHECK_EQ(uc.args[1], 0xdeadbeef);
	CHECK_EQ(expect_write(vcpu, 0x48, 1), 0x5a);
}

static void test_moffs(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = run_stores(&vm);

	run_loads(vcpu);
	run_extensions(vcpu);
	run_moffs(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_string_and_alu(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = run_stores(&vm);
	struct kvm_regs regs;
	struct ucall uc;
	int i;

	memcpy(vm_gpa_to_hva(vm, GUEST_DATA_GPA), "RAMtoIO!", 8);
	run_loads(vcpu);
	run_extensions(vcpu);
	run_moffs(vcpu);

	CHECK_EQ(expect_write(vcpu, 0x50, 4), 0xcafef00d);		/* STOSL */
	for (i = 0; i < 3; i++)						/* REP STOSW */
		CHECK_EQ(expect_write(vcpu, 0x54 + 2 * i, 2), 0x7788);
	CHECK_EQ(expect_write(vcpu, 0x60, 8), 0x214f496f744d4152ULL);	/* MOVSQ */
	expect_read(vcpu, 0x68, 4, 0x600dcafe);				/* MOVSL */
	vcpu_expect_sync(vcpu, 11, &uc);
	CHECK_EQ(uc.args[1], 0x600dcafe);
	CHECK_EQ(*(uint32_t *)vm_gpa_to_hva(vm, GUEST_DATA_GPA + 8), 0x600dcafe);
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.r8, GUEST_DATA_GPA + 12);	/* MOVSL's RDI */

	/* ADD %ecx, mem: read the old value, write the sum. */
	expect_read(vcpu, 0x70, 4, 0x23);
	CHECK_EQ(expect_write(vcpu, 0x70, 4), 0x123);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_protected_mode_mmio(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm, GUEST_MODE_PROT32, mmio32_start, mmio32_end);
	struct ucall uc;

	CHECK_EQ(expect_write(vcpu, 0x80, 4), 0x01020304);
	expect_read(vcpu, 0x84, 2, 0x4321);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1] & 0xffff, 0x4321);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * Coalesced MMIO and PIO: writes inside registered zones go to the ring in
 * the vCPU mapping instead of exiting, in order; a write outside them, and
 * any write while the ring is full, exits as usual.
 */
#define COALESCED_PORT	0x80
extern const uint8_t co_start[], co_end[];
asm(GUEST_SECTION
    ".code64\n"
    "co_start:\n"
    "	mov $GUEST_MMIO_GPA, %rbx\n"
    "	movl $0x11, (%rbx)\n"
    "	movw $0x2222, 8(%rbx)\n"
    "	movq $0x33, 0x10(%rbx)\n"
    "	movl $0x44, 0x200(%rbx)\n"		/* outside the zone */
    "	mov $0x55, %al\n"
    "	out %al, $0x80\n"
    "	movl $0x66, (%rbx)\n"
    "	GUEST_SYNC 1\n"
    "	movl $0x77, (%rbx)\n"			/* the host made the ring full */
    "	GUEST_DONE\n"
    "co_end:\n"
    GUEST_SECTION_END);

static void check_entry(struct kvm_coalesced_mmio_ring *ring, uint32_t i,
			uint64_t addr, uint32_t len, uint32_t pio, uint64_t val)
{
	struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[i];
	uint64_t data = 0;

	memcpy(&data, e->data, len);
	CHECK(e->phys_addr == addr && e->len == len && e->pio == pio && data == val,
	      "ring[%u]: addr 0x%llx len %u pio %u data 0x%llx; want 0x%llx %u %u 0x%llx",
	      i, (unsigned long long)e->phys_addr, e->len, e->pio,
	      (unsigned long long)data, (unsigned long long)addr, len, pio,
	      (unsigned long long)val);
}

static void test_coalesced(void)
{
	struct kvm_coalesced_mmio_zone mmio = {
		.addr = GUEST_MMIO_GPA, .size = 0x100,
	};
	struct kvm_coalesced_mmio_zone pio = {
		.addr = COALESCED_PORT, .size = 1, .pio = 1,
	};
	/* KVM_COALESCED_MMIO_MAX, with the kernel's page size spelled out */
	const uint32_t max = (GUEST_PAGE_SIZE - sizeof(struct kvm_coalesced_mmio_ring)) /
			     sizeof(struct kvm_coalesced_mmio);
	struct kvm_coalesced_mmio_ring *ring;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;
	int off;

	off = kvm_check_cap(KVM_CAP_COALESCED_MMIO);
	REQUIRE(off > 0, "no KVM_CAP_COALESCED_MMIO");
	REQUIRE(kvm_check_cap(KVM_CAP_COALESCED_PIO) > 0, "no KVM_CAP_COALESCED_PIO");
	CHECK_EQ(off, KVM_COALESCED_MMIO_PAGE_OFFSET);
	vcpu = start(&vm, GUEST_MODE_LONG64, co_start, co_end);
	CHECK(vcpu->run_size >= (size_t)(off + 1) * GUEST_PAGE_SIZE,
	      "vCPU mapping of %zu bytes has no ring page", (size_t)vcpu->run_size);
	ring = (void *)((char *)vcpu->run + off * GUEST_PAGE_SIZE);
	pio.pad = 2;	/* not an address space */
	CHECK_IOCTL_ERR(ioctl(vm->fd, KVM_REGISTER_COALESCED_MMIO, &pio), EINVAL);
	pio.pio = 1;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_REGISTER_COALESCED_MMIO, &mmio));
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_REGISTER_COALESCED_MMIO, &pio));

	CHECK_EQ(expect_write(vcpu, 0x200, 4), 0x44);
	CHECK_EQ(ring->first, 0);
	CHECK_EQ(ring->last, 3);
	check_entry(ring, 0, GUEST_MMIO_GPA, 4, 0, 0x11);
	check_entry(ring, 1, GUEST_MMIO_GPA + 8, 2, 0, 0x2222);
	check_entry(ring, 2, GUEST_MMIO_GPA + 0x10, 8, 0, 0x33);
	ring->first = 3;
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(ring->last, 5);
	check_entry(ring, 3, COALESCED_PORT, 1, 1, 0x55);
	check_entry(ring, 4, GUEST_MMIO_GPA, 4, 0, 0x66);
	/* Full: last + 1 == first.  The write exits and the ring stays. */
	ring->first = (ring->last + 1) % max;
	CHECK_EQ(expect_write(vcpu, 0, 4), 0x77);
	CHECK_EQ(ring->last, 5);
	/* Unregistering a range inside the zone drops the zone. */
	mmio.addr += 0x10;
	mmio.size = 0x10;
	CHECK_IOCTL_OK(ioctl(vm->fd, KVM_UNREGISTER_COALESCED_MMIO, &mmio));
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_mov_store),
	TEST_CASE(test_mov_load),
	TEST_CASE(test_movzx_movsx),
	TEST_CASE(test_moffs),
	TEST_CASE(test_string_and_alu),
	TEST_CASE(test_protected_mode_mmio),
	TEST_CASE(test_coalesced),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
