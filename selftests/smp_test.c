// SPDX-License-Identifier: GPL-2.0
/*
 * smp_test: vCPUs of one VM running at the same time on their own threads.
 *
 * Each vCPU runs on a thread other than the one that created it; they share
 * guest memory: LOCK-prefixed increments of one counter by every vCPU add up
 * exactly, and each vCPU's exits (ucalls) carry its own registers.  A vCPU
 * may move between host threads from one KVM_RUN to the next.
 */
#include <pthread.h>
#include <sys/ioctl.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define NR_VCPUS	2
#define ITERATIONS	20000
#define COUNTER_GPA	GUEST_DATA_GPA
#define ID_TAG		0x1000

/* RBX = iterations, RBP = the vCPU's tag: adds to the shared counter. */
extern const uint8_t smp_start[], smp_end[];
asm(GUEST_SECTION
    ".code64\n"
    "smp_start:\n"
    "	mov %rbp, %rsi\n"
    "	GUEST_SYNC 1\n"
    "1:	lock incq (GUEST_DATA_GPA)\n"
    "	dec %rbx\n"
    "	jnz 1b\n"
    "	mov %rbp, %rsi\n"
    "	GUEST_SYNC 2\n"
    "	GUEST_DONE\n"
    "smp_end:\n"
    GUEST_SECTION_END);

struct vcpu_thread {
	struct kvm_vcpu *vcpu;
	int result;		/* 0 = ok, else the stage that went wrong */
};

/*
 * A thread must not call the CHECK macros (they longjmp into the main
 * thread's test case): it records what failed and the main thread checks.
 */
static int run_stage(struct kvm_vcpu *vcpu, uint64_t stage, uint64_t type)
{
	struct kvm_regs regs;
	int r = __vcpu_run(vcpu);

	if (r || !vcpu_is_ucall_exit(vcpu))
		return 1;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs))
		return 2;
	if ((uint32_t)regs.rax != type)
		return 3;
	if (type == UCALL_SYNC &&
	    (regs.rdi != stage || regs.rsi != ID_TAG + vcpu->id))
		return 4;
	return 0;
}

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;

	t->result = run_stage(t->vcpu, 2, UCALL_SYNC);
	if (!t->result)
		t->result = run_stage(t->vcpu, 0, UCALL_DONE) ? 10 : 0;
	return NULL;
}

static void test_parallel_vcpus(void)
{
	struct kvm_vm *vm = vm_create_default();
	struct vcpu_thread threads[NR_VCPUS];
	pthread_t tids[NR_VCPUS];
	struct kvm_regs regs;
	struct ucall uc;
	int i;

	vm_load_code(vm, smp_start, smp_end);
	for (i = 0; i < NR_VCPUS; i++) {
		threads[i].vcpu = vcpu_create(vm, i);
		threads[i].result = -1;
		vcpu_setup_mode(threads[i].vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);
		vcpu_get_regs(threads[i].vcpu, &regs);
		regs.rbx = ITERATIONS;
		regs.rbp = ID_TAG + i;
		vcpu_set_regs(threads[i].vcpu, &regs);
		/* The first stage on the main thread... */
		vcpu_expect_sync(threads[i].vcpu, 1, &uc);
		CHECK_EQ(uc.args[1], ID_TAG + i);
	}
	/* ...the rest on threads of their own, all at once. */
	for (i = 0; i < NR_VCPUS; i++)
		CHECK(!pthread_create(&tids[i], NULL, vcpu_thread_fn, &threads[i]),
		      "pthread_create");
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < NR_VCPUS; i++)
		CHECK(threads[i].result == 0, "vCPU %d: stage failed (%d)", i, threads[i].result);
	CHECK_EQ(*(uint64_t *)vm_gpa_to_hva(vm, COUNTER_GPA), (uint64_t)NR_VCPUS * ITERATIONS);
	for (i = 0; i < NR_VCPUS; i++)
		vcpu_free(threads[i].vcpu);
	vm_free(vm);
}

static const struct test_case cases[] = {
	TEST_CASE(test_parallel_vcpus),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
