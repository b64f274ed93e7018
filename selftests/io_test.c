// SPDX-License-Identifier: GPL-2.0
/*
 * io_test: KVM_EXIT_IO for port I/O the guest does.
 *
 * IN and OUT of 1, 2 and 4 bytes, to an immediate port and through DX: one
 * exit each with direction, port, size and count 1, the data in the kvm_run
 * mapping at io.data_offset; an IN completes with what user space wrote
 * there (AL/AX merge into RAX, EAX zero-extends).  String forms: OUTS/INS and
 * REP OUTS/REP INS move their data through one or more exits whose counts
 * add up to RCX (kvm splits REP OUTS into one exit per element and batches
 * REP INS); RSI/RDI/RCX advance; REP with RCX = 0 does no I/O.  The same in
 * real mode.
 */
#include "guest_asm.h"
#include "kvm_util.h"

#define PORT_OUT8	0x80
#define PORT_OUT16	0x1234
#define PORT_OUT32	0xfff8
#define PORT_IN8	0x81
#define PORT_IN16	0x1235
#define PORT_IN32	0x1236
#define PORT_OUTSB	0x90
#define PORT_INSW	0x92
#define PORT_OUTSL	0x94
#define PORT_RM		0x70

extern const uint8_t inout_start[], inout_end[];
asm(GUEST_SECTION
    ".code64\n"
    "inout_start:\n"
    "	mov $0x11, %al\n"
    "	out %al, $0x80\n"
    "	mov $0x3344, %ax\n"
    "	mov $0x1234, %dx\n"
    "	out %ax, %dx\n"
    "	mov $0x55667788, %eax\n"
    "	mov $0xfff8, %dx\n"
    "	out %eax, %dx\n"
    "	mov $0xaabbccdd, %eax\n"
    "	in $0x81, %al\n"
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 1\n"
    "	mov $0xaabbccdd, %eax\n"
    "	mov $0x1235, %dx\n"
    "	in %dx, %ax\n"
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 2\n"
    "	mov $-1, %rax\n"
    "	mov $0x1236, %dx\n"
    "	in %dx, %eax\n"
    "	mov %rax, %rsi\n"
    "	GUEST_SYNC 3\n"
    "	GUEST_DONE\n"
    "inout_end:\n"
    GUEST_SECTION_END);

#define STR_SRC		GUEST_DATA_GPA
#define STR_DST		(GUEST_DATA_GPA + 0x100)
#define STR_SRC_L	(GUEST_DATA_GPA + 0x10)

extern const uint8_t string_start[], string_end[];
asm(GUEST_SECTION
    ".code64\n"
    "string_start:\n"
    "	cld\n"
    "	mov $GUEST_DATA_GPA, %rsi\n"
    "	mov $4, %ecx\n"
    "	mov $0x90, %dx\n"
    "	rep outsb\n"
    "	mov %rsi, %rbx\n"
    "	mov %rcx, %rsi\n"
    "	GUEST_SYNC 1\n"				/* RSI = RCX after, RBX = RSI */
    "	mov $(GUEST_DATA_GPA + 0x100), %rdi\n"
    "	mov $3, %ecx\n"
    "	mov $0x92, %dx\n"
    "	rep insw\n"
    "	mov %rdi, %rbx\n"
    "	mov (GUEST_DATA_GPA + 0x100), %rsi\n"
    "	GUEST_SYNC 2\n"				/* RSI = the words read, RBX = RDI */
    "	mov $(GUEST_DATA_GPA + 0x10), %rsi\n"
    "	mov $0x94, %dx\n"
    "	outsl\n"
    "	GUEST_SYNC 3\n"				/* RSI as OUTSL left it */
    "	xor %ecx, %ecx\n"
    "	mov $0x90, %dx\n"
    "	rep outsb\n"
    "	rep insb\n"
    "	GUEST_SYNC 4\n"				/* nothing happened in between */
    "	GUEST_DONE\n"
    "string_end:\n"
    GUEST_SECTION_END);

extern const uint8_t rm_start[], rm_end[];
asm(GUEST_SECTION
    ".code16\n"
    "rm_start:\n"
    "	mov $0x42, %al\n"
    "	out %al, $0x70\n"
    "	mov $0x71, %dx\n"
    "	xor %eax, %eax\n"
    "	in %dx, %ax\n"
    "	mov %eax, %esi\n"
    "	GUEST_SYNC 1\n"
    "	GUEST_DONE\n"
    "rm_end:\n"
    GUEST_SECTION_END);

static struct kvm_vcpu *start_guest(struct kvm_vm **vm, enum guest_mode mode,
				    const uint8_t *start, const uint8_t *end)
{
	struct kvm_vcpu *vcpu;

	*vm = vm_create_default();
	vcpu = vcpu_create(*vm, 0);
	vm_load_code(*vm, start, end);
	vcpu_setup_mode(vcpu, mode, GUEST_CODE_GPA);
	return vcpu;
}

/* Runs to the next exit, which must be this port I/O; returns its data. */
static void *expect_io(struct kvm_vcpu *vcpu, uint8_t direction, uint16_t port,
		       uint8_t size, uint32_t count)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run_expect_exit(vcpu, KVM_EXIT_IO);
	CHECK(run->io.direction == direction && run->io.port == port &&
	      run->io.size == size && run->io.count == count,
	      "io exit: dir %u port 0x%x size %u count %u; want dir %u port 0x%x size %u count %u",
	      run->io.direction, run->io.port, run->io.size, run->io.count,
	      direction, port, size, count);
	CHECK(run->io.data_offset >= sizeof(*run) &&
	      run->io.data_offset + (uint64_t)size * count <= vcpu->run_size,
	      "io.data_offset 0x%llx outside the %zu-byte mapping",
	      (unsigned long long)run->io.data_offset, vcpu->run_size);
	return vcpu_io_data(vcpu);
}

static uint64_t io_value(const void *data, int size)
{
	uint64_t v = 0;

	memcpy(&v, data, size);
	return v;
}

static void test_out_sizes(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_guest(&vm, GUEST_MODE_LONG64, inout_start, inout_end);

	CHECK_EQ(io_value(expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUT8, 1, 1), 1), 0x11);
	CHECK_EQ(io_value(expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUT16, 2, 1), 2), 0x3344);
	CHECK_EQ(io_value(expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUT32, 4, 1), 4), 0x55667788);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_in_sizes(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_guest(&vm, GUEST_MODE_LONG64, inout_start, inout_end);
	uint32_t v;
	struct ucall uc;

	expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUT8, 1, 1);
	expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUT16, 2, 1);
	expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUT32, 4, 1);

	v = 0x5a;
	memcpy(expect_io(vcpu, KVM_EXIT_IO_IN, PORT_IN8, 1, 1), &v, 1);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0xaabbcc5a);	/* AL merges */

	v = 0x6b6c;
	memcpy(expect_io(vcpu, KVM_EXIT_IO_IN, PORT_IN16, 2, 1), &v, 2);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1], 0xaabb6b6c);	/* AX merges */

	v = 0x12345678;
	memcpy(expect_io(vcpu, KVM_EXIT_IO_IN, PORT_IN32, 4, 1), &v, 4);
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1], 0x12345678);	/* EAX zero-extends into RAX */
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

/*
 * Collects the exits of one string instruction: every exit has this
 * direction, port and size; counts add up to total elements.  OUT data is
 * appended to buf, IN data taken from it.
 */
static void string_io(struct kvm_vcpu *vcpu, uint8_t direction, uint16_t port,
		      uint8_t size, uint32_t total, uint8_t *buf)
{
	struct kvm_run *run = vcpu->run;
	uint32_t done = 0, exits = 0;

	while (done < total) {
		vcpu_run_expect_exit(vcpu, KVM_EXIT_IO);
		CHECK(run->io.direction == direction && run->io.port == port &&
		      run->io.size == size && run->io.count >= 1 &&
		      run->io.count <= total - done,
		      "exit %u: dir %u port 0x%x size %u count %u; want dir %u port 0x%x size %u, %u left",
		      exits, run->io.direction, run->io.port, run->io.size, run->io.count,
		      direction, port, size, total - done);
		if (direction == KVM_EXIT_IO_OUT)
			memcpy(buf + done * size, vcpu_io_data(vcpu), run->io.count * size);
		else
			memcpy(vcpu_io_data(vcpu), buf + done * size, run->io.count * size);
		done += run->io.count;
		exits++;
	}
	test_info("%s of %u x %u bytes: %u exits", direction == KVM_EXIT_IO_OUT ? "OUTS" : "INS",
		  total, size, exits);
}

static void test_string_io(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_guest(&vm, GUEST_MODE_LONG64, string_start, string_end);
	uint8_t out[4], in[6] = { 0x11, 0x11, 0x22, 0x22, 0x33, 0x33 };
	struct kvm_regs regs;
	struct ucall uc;

	memcpy(vm_gpa_to_hva(vm, STR_SRC), "ABCD", 4);
	memcpy(vm_gpa_to_hva(vm, STR_SRC_L), "wxyz", 4);

	string_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUTSB, 1, 4, out);
	CHECK(!memcmp(out, "ABCD", 4), "REP OUTSB sent %02x %02x %02x %02x",
	      out[0], out[1], out[2], out[3]);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1], 0);		/* RCX counted down */
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.rbx, STR_SRC + 4);	/* RSI advanced */

	string_io(vcpu, KVM_EXIT_IO_IN, PORT_INSW, 2, 3, in);
	vcpu_expect_sync(vcpu, 2, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffffffffULL, 0x333322221111ULL);
	CHECK(!memcmp(vm_gpa_to_hva(vm, STR_DST), in, 6), "REP INSW stored other data");
	vcpu_get_regs(vcpu, &regs);
	CHECK_EQ(regs.rbx, STR_DST + 6);	/* RDI advanced */

	CHECK(!memcmp(expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_OUTSL, 4, 1), "wxyz", 4),
	      "OUTSL data");
	vcpu_expect_sync(vcpu, 3, &uc);
	CHECK_EQ(uc.args[1], STR_SRC_L + 4);	/* RSI advanced */

	/* REP with RCX = 0: the next exit is the ucall itself. */
	vcpu_expect_sync(vcpu, 4, &uc);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_real_mode_io(void)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start_guest(&vm, GUEST_MODE_REAL, rm_start, rm_end);
	uint16_t v = 0xbeef;
	struct ucall uc;

	CHECK_EQ(io_value(expect_io(vcpu, KVM_EXIT_IO_OUT, PORT_RM, 1, 1), 1), 0x42);
	memcpy(expect_io(vcpu, KVM_EXIT_IO_IN, PORT_RM + 1, 2, 1), &v, 2);
	vcpu_expect_sync(vcpu, 1, &uc);
	CHECK_EQ(uc.args[1] & 0xffffffff, 0xbeef);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_out_sizes),
	TEST_CASE(test_in_sizes),
	TEST_CASE(test_string_io),
	TEST_CASE(test_real_mode_io),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
