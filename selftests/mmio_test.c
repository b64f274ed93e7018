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
 * a write exit with the sum), an MMIO access in 32-bit protected mode, and
 * MOVS between MMIO and a RAM operand that straddles two pages mapped to
 * non-adjacent frames (and into a not-present page: #PF at that page).
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
 * Emulated accesses that straddle a page boundary.  Guest-virtual pages
 * CROSS_VA and CROSS_VA + 4 KiB map to the frames CROSS_FRAME0 and
 * CROSS_FRAME2, with CROSS_FRAME1 (the frame right after CROSS_FRAME0)
 * mapped nowhere; the page after them is not present.  A MOVSQ between
 * MMIO and such an 8-byte RAM operand is emulated (the MMIO side exits),
 * so the emulator must translate each part of the RAM access on its own:
 * the four bytes past the boundary belong to CROSS_FRAME2, and a second
 * page that does not translate raises #PF with CR2 at that page.  Runs
 * under both paging modes (the machines run each test with NPT/EPT and
 * with shadow paging).
 */
#define CROSS_PD_GPA	GUEST_FREE_GPA
#define CROSS_PT_GPA	(GUEST_FREE_GPA + 0x1000)
#define CROSS_FRAME0	(GUEST_FREE_GPA + 0x10000)
#define CROSS_FRAME1	(CROSS_FRAME0 + 0x1000)
#define CROSS_FRAME2	(CROSS_FRAME0 + 0x2000)
#define CROSS_FRAME3	(CROSS_FRAME0 + 0x3000)
#define CROSS_VA	0x40000000	/* PDPT entry 1 */

extern const uint8_t cross_start[], cross_pf[], cross_end[];
asm(GUEST_SECTION
    ".code64\n"
    "cross_start:\n"
    "	cld\n"
    /* MMIO -> RAM: the write straddles CROSS_VA + 0x1000. */
    "	mov $(GUEST_MMIO_GPA + 0x100), %esi\n"
    "	mov $0x40000ffc, %edi\n"
    "	movsq\n"
    "	mov %rdi, %rsi\n"
    "	GUEST_SYNC 1\n"
    /* RAM -> MMIO: the read straddles it. */
    "	mov $0x40000ffc, %esi\n"
    "	mov $(GUEST_MMIO_GPA + 0x108), %edi\n"
    "	movsq\n"
    "	GUEST_SYNC 2\n"
    /* MMIO -> RAM into a page that is not present: #PF at that page. */
    "	mov $(GUEST_MMIO_GPA + 0x110), %esi\n"
    "	mov $0x40001ffc, %edi\n"
    "	movsq\n"
    "	mov %rdi, %rsi\n"
    "	GUEST_FAIL 1\n"
    "cross_pf:\n"
    "	mov %cr2, %rsi\n"
    "	mov (%rsp), %rdx\n"
    "	GUEST_SYNC 3\n"
    "	GUEST_DONE\n"
    "cross_end:\n"
    GUEST_SECTION_END);

/* Run to the next ucall, answering MMIO reads with @val on the way. */
static void cross_run_to_sync(struct kvm_vcpu *vcpu, uint64_t stage, uint64_t val,
			      struct ucall *uc)
{
	struct kvm_regs regs;
	int reads = 0;

	while (vcpu_run(vcpu) == KVM_EXIT_MMIO) {
		CHECK(!vcpu->run->mmio.is_write && reads++ < 4,
		      "unexpected MMIO %s at 0x%llx", vcpu->run->mmio.is_write ? "write" : "read",
		      (unsigned long long)vcpu->run->mmio.phys_addr);
		memcpy(vcpu->run->mmio.data, &val, 8);
	}
	CHECK(vcpu_is_ucall_exit(vcpu), "exit %s, want MMIO or a ucall",
	      exit_reason_str(vcpu->run->exit_reason));
	vcpu_get_ucall(vcpu, uc, &regs);
	CHECK(uc->type == UCALL_SYNC && uc->args[0] == stage,
	      "want UCALL_SYNC stage %llu, got type %llu stage %llu (rsi 0x%llx)",
	      (unsigned long long)stage, (unsigned long long)uc->type,
	      (unsigned long long)uc->args[0], (unsigned long long)uc->args[1]);
}

static void test_cross_page(void)
{
	const uint64_t rw = PTE_PRESENT | PTE_WRITE;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm, GUEST_MODE_LONG64, cross_start, cross_end);
	uint64_t *pdpt = vm_gpa_to_hva(vm, GUEST_PDPT_GPA);
	uint64_t *pd = vm_gpa_to_hva(vm, CROSS_PD_GPA);
	uint64_t *pt = vm_gpa_to_hva(vm, CROSS_PT_GPA);
	uint8_t *f0 = vm_gpa_to_hva(vm, CROSS_FRAME0);
	uint8_t *f1 = vm_gpa_to_hva(vm, CROSS_FRAME1);
	uint8_t *f2 = vm_gpa_to_hva(vm, CROSS_FRAME2);
	uint8_t *f3 = vm_gpa_to_hva(vm, CROSS_FRAME3);
	uint8_t sentinel[8];
	struct ucall uc;

	memset(pd, 0, GUEST_PAGE_SIZE);
	memset(pt, 0, GUEST_PAGE_SIZE);
	pdpt[1] = CROSS_PD_GPA | rw;
	pd[0] = CROSS_PT_GPA | rw;
	pt[0] = CROSS_FRAME0 | rw;
	pt[1] = CROSS_FRAME2 | rw;	/* pt[2] stays not present */
	memset(f0, 0xee, 4 * GUEST_PAGE_SIZE);
	memset(sentinel, 0xee, sizeof(sentinel));
	vm_set_idt_gate64(vm, X86_VEC_PF, GUEST_CODE_ADDR(cross_pf, cross_start));

	/* Stage 1: bytes 0-3 at the end of frame 0, bytes 4-7 at frame 2's start. */
	expect_read(vcpu, 0x100, 8, 0x1122334455667788ULL);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], CROSS_VA + 0x1004);	/* RDI advanced */
	CHECK_EQ(*(uint32_t *)(f0 + 0xffc), 0x55667788);
	CHECK_EQ(*(uint32_t *)f2, 0x11223344);
	CHECK(!memcmp(f1, sentinel, 8), "the write reached the frame after frame 0");

	/* Stage 2: the MMIO write carries frame 0's last and frame 2's first bytes. */
	memcpy(f0 + 0xffc, "ABCD", 4);
	memcpy(f2, "EFGH", 4);
	memcpy(f1, "wxyz", 4);
	CHECK_EQ(expect_write(vcpu, 0x108, 8), 0x4847464544434241ULL);	/* "ABCDEFGH" */
	vcpu_expect_sync(vcpu, 2, &uc);

	/* Stage 3: #PF for CROSS_VA + 0x2000, a write to a not-present page. */
	cross_run_to_sync(vcpu, 3, 0x0102030405060708ULL, &uc);
	CHECK_EQ(uc.args[1], CROSS_VA + 0x2000);
	CHECK_EQ(uc.args[2] & 7, PTE_WRITE);	/* error code: W, not P, not U */
	/*
	 * Nothing reached the frame after frame 2.  The part in frame 2
	 * itself is not checked: kvm writes it before it finds the second
	 * page missing, kvmx (as the CPU) translates both pages first.
	 */
	CHECK(!memcmp(f3, sentinel, 4), "the faulting write reached the frame after frame 2");
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * An 8-byte store and load at the end of one MMIO page: each access has a
 * part in this page and a part in the next, both userspace MMIO.
 */
extern const uint8_t mmio2_start[], mmio2_end[];
asm(GUEST_SECTION
    ".code64\n"
    "mmio2_start:\n"
    "	mov $(GUEST_MMIO_GPA + 0x1ffc), %rbx\n"
    "	movabs $0x8877665544332211, %rax\n"
    "	mov %rax, (%rbx)\n"
    "	mov (%rbx), %rsi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "mmio2_end:\n"
    GUEST_SECTION_END);

/*
 * Both parts of a cross-page access in userspace MMIO: as in kvm, one
 * KVM_EXIT_MMIO per part, the first page's part first, for the write
 * (the second exit comes on the KVM_RUN after the first) and for the read
 * (whose value is the two answers put together).
 */
static void test_cross_page_mmio(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(&vm, GUEST_MODE_LONG64, mmio2_start, mmio2_end);
	struct ucall uc;

	CHECK_EQ(expect_write(vcpu, 0x1ffc, 4), 0x44332211);
	CHECK_EQ(expect_write(vcpu, 0x2000, 4), 0x88776655);
	expect_read(vcpu, 0x1ffc, 4, 0xaabbccdd);
	expect_read(vcpu, 0x2000, 4, 0x11223344);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0x11223344aabbccddULL);
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
	TEST_CASE(test_cross_page),
	TEST_CASE(test_cross_page_mmio),
	TEST_CASE(test_coalesced),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
