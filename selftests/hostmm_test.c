// SPDX-License-Identifier: GPL-2.0
/*
 * hostmm_test: guest memory follows the VMM's address space.
 *
 * Guest memory is the VMM's anonymous memory, not a pinned copy: when the
 * VMM drops a page (MADV_DONTNEED) the guest reads zeros from it, and when
 * it maps a different page at the same address (mmap MAP_FIXED) the guest
 * reads that page's content and its writes land there.  Checked between
 * guest accesses, and while the guest keeps reading in a loop (another
 * host thread changes the mapping under the running vCPU; the loops PAUSE,
 * so that with PAUSE-loop exiting that thread also runs on a host with a
 * single CPU that does not preempt the guest, like the Bochs VMX machine).
 * The guest runs in long mode, so under shadow paging (npt=0) the shadow
 * entries are dropped as well as the nested ones; on kvmx the case runs
 * once more in a VM that asks for shadow paging itself
 * (KVMX_CAP_SHADOW_PAGING).
 */
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvmx.h>

#include "guest_asm.h"
#include "kvm_util.h"

#define BUF_SLOT	1
#define BUF_GPA		GUEST_EXTRA_GPA		/* identity-mapped in long mode */
#define BUF_PAGES	4
#define BUF_SIZE	(BUF_PAGES * GUEST_PAGE_SIZE)

extern const uint8_t hm_start[], hm_end[];
asm(GUEST_SECTION
    ".code64\n"
    "hm_start:\n"
    "	mov $" GUEST_XSTR(GUEST_EXTRA_GPA) ", %rbx\n"
    /* Stages 1-4: read page 0 and page 1 after each host change. */
    "	mov (%rbx), %rsi\n"
    "	GUEST_SYNC 1\n"
    "	mov 0x1000(%rbx), %rsi\n"
    "	GUEST_SYNC 2\n"
    "	mov (%rbx), %rsi\n"
    "	GUEST_SYNC 3\n"
    "	mov 0x1000(%rbx), %rsi\n"
    "	GUEST_SYNC 4\n"
    /* Stage 5: a write goes to the new page. */
    "	movq $0xdddd, 0x1008(%rbx)\n"
    "	GUEST_SYNC 5\n"
    /* Stage 6: spin until page 2 reads zero (dropped while running). */
    "	mov 0x2000(%rbx), %rsi\n"
    "	GUEST_SYNC 6\n"
    "1:	pause\n"
    "	mov 0x2000(%rbx), %rsi\n"
    "	test %rsi, %rsi\n"
    "	jnz 1b\n"
    "	GUEST_SYNC 7\n"
    /* Stage 8: spin until page 3 reads the replacement's 0xeeee. */
    "1:	pause\n"
    "	mov 0x3000(%rbx), %rsi\n"
    "	cmp $0xeeee, %rsi\n"
    "	jne 1b\n"
    "	GUEST_SYNC 8\n"
    "	GUEST_DONE\n"
    "hm_end:\n"
    GUEST_SECTION_END);

struct change {
	uint8_t *page;
	bool replace;		/* mmap MAP_FIXED a page of 0xeeee, else DONTNEED */
	int err;
};

/* Map a fresh anonymous page at @page holding @value in its first word. */
static int replace_page(uint8_t *page, uint64_t value)
{
	void *p = mmap(page, GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p != page)
		return errno;
	memcpy(page, &value, sizeof(value));
	return 0;
}

/* Changes the mapping while the vCPU spins in the guest. */
static void *change_later(void *arg)
{
	struct change *c = arg;

	usleep(200 * 1000);
	if (c->replace)
		c->err = replace_page(c->page, 0xeeee);
	else
		c->err = madvise(c->page, GUEST_PAGE_SIZE, MADV_DONTNEED) ? errno : 0;
	return NULL;
}

static void run_during_change(struct kvm_vcpu *vcpu, struct change *c,
			      uint64_t stage)
{
	struct ucall uc;
	pthread_t t;

	CHECK_EQ(pthread_create(&t, NULL, change_later, c), 0);
	vcpu_expect_sync(vcpu, stage, &uc);
	pthread_join(t, NULL);
	CHECK_EQ(c->err, 0);
}

static uint64_t sync_value(struct kvm_vcpu *vcpu, uint64_t stage)
{
	struct ucall uc;

	vcpu_expect_sync(vcpu, stage, &uc);
	return uc.args[1];
}

static void follows_host(bool shadow_cap)
{
	struct kvm_vm *vm = vm_create_default();
	struct kvm_enable_cap cap = {
		.cap = KVMX_CAP_SHADOW_PAGING, .args = { 1 },
	};
	struct kvm_vcpu *vcpu;
	uint8_t *buf;
	uint64_t v;
	struct change c;
	int i;

	if (shadow_cap)
		CHECK_IOCTL_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	vcpu = vcpu_create(vm, 0);
	buf = vm_add_memslot(vm, BUF_SLOT, BUF_GPA, BUF_SIZE, 0);

	for (i = 0; i < BUF_PAGES; i++) {
		v = 0xaaaa + i * 0x1111;
		memcpy(buf + i * GUEST_PAGE_SIZE, &v, sizeof(v));
	}
	vm_load_code(vm, hm_start, hm_end);
	vcpu_setup_mode(vcpu, GUEST_MODE_LONG64, GUEST_CODE_GPA);

	CHECK_EQ(sync_value(vcpu, 1), 0xaaaa);
	CHECK_EQ(sync_value(vcpu, 2), 0xbbbb);

	/* Dropped: the guest reads the zero page now. */
	CHECK_EQ(madvise(buf, GUEST_PAGE_SIZE, MADV_DONTNEED), 0);
	CHECK_EQ(sync_value(vcpu, 3), 0);

	/* Replaced behind the guest's back. */
	CHECK_EQ(replace_page(buf + GUEST_PAGE_SIZE, 0xcccc), 0);
	CHECK_EQ(sync_value(vcpu, 4), 0xcccc);
	sync_value(vcpu, 5);
	CHECK_EQ(*(uint64_t *)(buf + GUEST_PAGE_SIZE + 8), 0xdddd);

	/* The same while the guest keeps reading. */
	CHECK_EQ(sync_value(vcpu, 6), 0xcccc);
	c = (struct change){ .page = buf + 2 * GUEST_PAGE_SIZE };
	run_during_change(vcpu, &c, 7);
	c = (struct change){ .page = buf + 3 * GUEST_PAGE_SIZE, .replace = true };
	run_during_change(vcpu, &c, 8);
	vcpu_expect_done(vcpu);
	vcpu_free(vcpu);
	vm_free(vm);
}

static void test_follows_host(void)
{
	follows_host(false);
}

static void test_follows_host_shadow_cap(void)
{
	REQUIRE(kvm_check_cap(KVMX_CAP_SHADOW_PAGING) > 0,
		"no KVMX_CAP_SHADOW_PAGING (a kvmx capability)");
	follows_host(true);
}

static const struct test_case cases[] = {
	TEST_CASE(test_follows_host),
	TEST_CASE(test_follows_host_shadow_cap),
};

int main(int argc, char **argv)
{
	return run_tests(cases, ARRAY_SIZE(cases));
}
