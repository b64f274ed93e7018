// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: what kvmx can offer a guest (KVM_GET_SUPPORTED_CPUID), the
 * per-vCPU table (KVM_SET/GET_CPUID2) and the guest's CPUID instruction.
 *
 * Policy is data: allowed_bits[] names, per leaf and register, the feature
 * bits a guest may see.  A bit not listed is withheld, because kvmx does not
 * virtualize it (e.g. VMX/SVM: no nesting; PKU: PKRU not switched; XSAVES:
 * supervisor state not switched; SPEC_CTRL family: MSRs not passed).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>
#include <uapi/asm/kvm_para.h>

#include "kvmx_x86.h"

#define KVMX_MAX_CPUID_ENTRIES	256

enum { R_EAX, R_EBX, R_ECX, R_EDX };

struct cpuid_mask {
	u32 function;
	u32 index;
	u8 reg;
	u32 allowed;
};

#define BIT32(n)	(1U << (n))

static const struct cpuid_mask allowed_bits[] = {
	/*
	 * Leaf 1 EDX: FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA
	 * CMOV PAT PSE36 CLFLUSH MMX FXSR SSE SSE2 (the machine-check banks
	 * are emulated, x86/mce.c); not DS/ACPI/SS/HTT/TM/PBE.
	 */
	{ 1, 0, R_EDX, 0x0789fbff & ~(BIT32(10) | BIT32(20)) },
	/*
	 * Leaf 1 ECX: SSE3 PCLMULQDQ SSSE3 FMA CX16 SSE4.1 SSE4.2 MOVBE POPCNT
	 * AES XSAVE AVX F16C RDRAND; not MONITOR/VMX/SMX/EST/TM2/PDCM/PCID/
	 * DCA/x2APIC/TSC_DEADLINE (x2APIC is set below, emulated; TSC deadline
	 * is userspace's to offer with KVM_CAP_TSC_DEADLINE_TIMER, as in kvm).
	 */
	{ 1, 0, R_ECX, BIT32(0) | BIT32(1) | BIT32(9) | BIT32(12) | BIT32(13) |
		       BIT32(19) | BIT32(20) | BIT32(22) | BIT32(23) |
		       BIT32(25) | BIT32(26) | BIT32(28) | BIT32(29) |
		       BIT32(30) },
	/*
	 * Leaf 7.0 EBX: FSGSBASE TSC_ADJUST BMI1 AVX2 SMEP BMI2 ERMS AVX512F
	 * AVX512DQ RDSEED ADX SMAP AVX512IFMA CLFLUSHOPT CLWB AVX512CD SHA
	 * AVX512BW AVX512VL.
	 */
	{ 7, 0, R_EBX, BIT32(0) | BIT32(1) | BIT32(3) | BIT32(5) | BIT32(7) | BIT32(8) |
		       BIT32(9) | BIT32(16) | BIT32(17) | BIT32(18) |
		       BIT32(19) | BIT32(20) | BIT32(21) | BIT32(23) |
		       BIT32(24) | BIT32(28) | BIT32(29) | BIT32(30) |
		       BIT32(31) },
	/*
	 * Leaf 7.0 ECX: AVX512VBMI UMIP GFNI VAES VPCLMULQDQ AVX512_VNNI
	 * AVX512_BITALG AVX512_VPOPCNTDQ RDPID (both backends switch
	 * TSC_AUX); not PKU, OSPKE, LA57.
	 */
	{ 7, 0, R_ECX, BIT32(1) | BIT32(2) | BIT32(8) | BIT32(9) | BIT32(10) |
		       BIT32(11) | BIT32(12) | BIT32(14) | BIT32(22) },
	{ 7, 0, R_EDX, BIT32(4) /* FSRM */ },
	/* Leaf 0xd.1 EAX: XSAVEOPT XSAVEC XGETBV1; not XSAVES. */
	{ 0xd, 1, R_EAX, BIT32(0) | BIT32(1) | BIT32(2) },
	/* 0x80000001 ECX: LAHF_LM ABM SSE4A MISALIGNSSE 3DNOWPREFETCH; not SVM. */
	{ 0x80000001, 0, R_ECX, BIT32(0) | BIT32(5) | BIT32(6) | BIT32(7) |
				BIT32(8) },
	/*
	 * 0x80000001 EDX: the leaf-1 EDX bits AMD mirrors plus SYSCALL NX MMXEXT
	 * FXSR_OPT PDPE1GB RDTSCP LM (TSC_AUX: the VMX autoload list, SVM's
	 * switch around VMRUN).
	 */
	{ 0x80000001, 0, R_EDX, (0x0183f3ff & ~BIT32(10)) | BIT32(11) |
				BIT32(20) | BIT32(22) | BIT32(25) | BIT32(26) |
				BIT32(27) | BIT32(29) },
	/* 0x80000007 EDX: invariant TSC. */
	{ 0x80000007, 0, R_EDX, BIT32(8) },
};

/* Leaves whose sub-leaf (ECX) selects different data. */
static bool index_significant(u32 function)
{
	switch (function) {
	case 4: case 7: case 0xb: case 0xd: case 0x1f: case 0x8000001d:
		return true;
	default:
		return false;
	}
}

u64 kvmx_supported_xcr0(void)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return 0;
	return xgetbv(XCR_XFEATURE_ENABLED_MASK) &
	       (XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512);
}

/*
 * XCR0 bits @xv may set: those of its CPUID.0xD.0 EDX:EAX that kvmx
 * supports, and x87 always (kvm's guest_supported_xcr0).
 */
static u64 guest_xcr0_allowed(struct kvmx_x86_vcpu *xv)
{
	const struct kvm_cpuid_entry2 *e = kvmx_find_cpuid(xv, 0xd, 0);
	u64 bits = e ? (u64)e->edx << 32 | e->eax : 0;

	return (bits & kvmx_supported_xcr0()) | XFEATURE_MASK_FP;
}

/*
 * Rules of XSETBV (Intel SDM, "XSETBV") for @xv's CPUID, as kvm checks
 * XSETBV and KVM_SET_XCRS; 0 when @xcr0 is valid.
 */
int kvmx_check_xcr0(struct kvmx_x86_vcpu *xv, u64 xcr0)
{
	if (!(xcr0 & XFEATURE_MASK_FP))
		return -EINVAL;
	if (xcr0 & ~guest_xcr0_allowed(xv))
		return -EINVAL;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return -EINVAL;
	if ((xcr0 & XFEATURE_MASK_AVX512) &&
	    ((xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512 ||
	     !(xcr0 & XFEATURE_MASK_YMM)))
		return -EINVAL;
	return 0;
}

static u32 mask_reg(u32 function, u32 index, int reg, u32 val)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(allowed_bits); i++)
		if (allowed_bits[i].function == function &&
		    allowed_bits[i].index == index && allowed_bits[i].reg == reg)
			return val & allowed_bits[i].allowed;
	return val;
}

/* Fill one supported entry from the host's CPUID, filtered. */
static void fill_entry(struct kvm_cpuid_entry2 *e, u32 function, u32 index)
{
	u32 regs[4];
	int reg;

	cpuid_count(function, index, &regs[R_EAX], &regs[R_EBX],
		    &regs[R_ECX], &regs[R_EDX]);
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	if (index_significant(function))
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	for (reg = R_EAX; reg <= R_EDX; reg++)
		regs[reg] = mask_reg(function, index, reg, regs[reg]);
	/*
	 * Nor what the host kernel turned off, as kvm takes its capabilities
	 * from the kernel's: e.g. XSAVE and the AVX family on a CPU whose
	 * XSAVE sizes it distrusts (the Bochs VMX machine).
	 */
	if (function == 1) {
		regs[R_ECX] &= boot_cpu_data.x86_capability[CPUID_1_ECX];
	} else if (function == 7 && index == 0) {
		regs[R_EBX] &= boot_cpu_data.x86_capability[CPUID_7_0_EBX];
		regs[R_ECX] &= boot_cpu_data.x86_capability[CPUID_7_ECX];
		regs[R_EDX] &= boot_cpu_data.x86_capability[CPUID_7_EDX];
	}

	switch (function) {
	case 1:
		/* APIC ID, logical count: the VMM's to set.  Hypervisor bit on. */
		regs[R_EBX] &= 0x0000ffff;
		regs[R_ECX] |= BIT32(31);
		/* x2APIC: the in-kernel LAPIC emulates it whatever the host has. */
		regs[R_ECX] |= BIT32(21);
		break;
	case 7:
		if (index) {
			memset(regs, 0, sizeof(regs));
			break;
		}
		regs[R_EAX] = 0;	/* only sub-leaf 0 */
		/* Emulated whatever the host has: IA32_TSC_ADJUST. */
		regs[R_EBX] |= BIT32(1);
		break;
	case 0xd:
		if (index == 0) {
			regs[R_EAX] = (u32)kvmx_supported_xcr0();
			regs[R_EDX] = (u32)(kvmx_supported_xcr0() >> 32);
		} else if (index == 1) {
			regs[R_EBX] = 0;
			regs[R_ECX] = 0;
			regs[R_EDX] = 0;
		} else if (!(kvmx_supported_xcr0() & BIT_ULL(index))) {
			memset(regs, 0, sizeof(regs));
		}
		break;
	case 6: case 0xa:
		/* No power management or PMU virtualized. */
		memset(regs, 0, sizeof(regs));
		break;
	case 0x80000008:
		regs[R_EBX] = 0;
		break;
	}
	e->eax = regs[R_EAX];
	e->ebx = regs[R_EBX];
	e->ecx = regs[R_ECX];
	e->edx = regs[R_EDX];
}

static bool leaf_offered(u32 function)
{
	/* Leaves kvmx knows how to present; others are not listed. */
	switch (function) {
	case 0: case 1: case 2: case 4: case 6: case 7: case 0xa: case 0xb:
	case 0xd:
	case 0x80000000: case 0x80000001: case 0x80000002: case 0x80000003:
	case 0x80000004: case 0x80000005: case 0x80000006: case 0x80000007:
	case 0x80000008:
		return true;
	default:
		return false;
	}
}

/* Sub-leaves of an index-significant leaf that hold data. */
static int nr_subleaves(u32 function)
{
	u32 a, b, c, d, n;

	switch (function) {
	case 4:		/* until cache type 0 */
		for (n = 0; n < 8; n++) {
			cpuid_count(4, n, &a, &b, &c, &d);
			if (!(a & 0x1f))
				break;
		}
		return n + 1;
	case 0xb:	/* until level type 0 */
		for (n = 0; n < 8; n++) {
			cpuid_count(0xb, n, &a, &b, &c, &d);
			if (!(c & 0xff00))
				break;
		}
		return n + 1;
	case 0xd:
		return 64 - __builtin_clzll(kvmx_supported_xcr0() | 2);
	default:
		return 1;
	}
}

long kvmx_get_supported_cpuid(struct kvm_cpuid2 __user *u)
{
	struct kvm_cpuid2 hdr;
	struct kvm_cpuid_entry2 *ents;
	static const u32 ranges[] = { 0, 0x80000000 };
	u32 base, max, fn, b, c, d;
	int i, n = 0, sub, nsub;
	long r = 0;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < 1)
		return -E2BIG;
	if (hdr.nent > KVMX_MAX_CPUID_ENTRIES)
		hdr.nent = KVMX_MAX_CPUID_ENTRIES;
	ents = kvcalloc(hdr.nent, sizeof(*ents), GFP_KERNEL_ACCOUNT);
	if (!ents)
		return -ENOMEM;

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		base = ranges[i];
		cpuid(base, &max, &b, &c, &d);
		max = min(max, base ? 0x80000008U : 0xdU);
		for (fn = base; fn <= max; fn++) {
			if (!leaf_offered(fn))
				continue;
			nsub = index_significant(fn) ? nr_subleaves(fn) : 1;
			for (sub = 0; sub < nsub; sub++) {
				if (n >= hdr.nent) {
					r = -E2BIG;
					goto out;
				}
				fill_entry(&ents[n++], fn, sub);
				if (fn == base)
					ents[n - 1].eax = max;
			}
		}
	}
	/* The hypervisor leaves: kvm's signature; the PV features (x86/pv.c). */
	if (n + 2 > hdr.nent) {
		r = -E2BIG;
		goto out;
	}
	ents[n++] = (struct kvm_cpuid_entry2) {
		.function = KVM_CPUID_SIGNATURE, .eax = KVM_CPUID_FEATURES,
		.ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d,	/* "KVMKVMKVM" */
	};
	ents[n++] = (struct kvm_cpuid_entry2) {
		.function = KVM_CPUID_FEATURES,
		.eax = kvmx_pv_supported_features(),
	};
	hdr.nent = n;
	if (copy_to_user(u, &hdr, sizeof(hdr)) ||
	    copy_to_user(u->entries, ents, n * sizeof(*ents)))
		r = -EFAULT;
out:
	kvfree(ents);
	return r;
}

static void cpuid_table_runtime(struct kvmx_x86_vcpu *xv,
				struct kvm_cpuid_entry2 *ents, int n);
static void update_cr4_guest_rsvd(struct kvmx_x86_vcpu *xv);

long kvmx_set_cpuid2(struct kvmx_x86_vcpu *xv, struct kvm_cpuid2 __user *u)
{
	struct kvm_cpuid2 hdr;
	struct kvm_cpuid_entry2 *ents = NULL;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > KVMX_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (hdr.nent) {
		ents = vmemdup_user(u->entries, hdr.nent * sizeof(*ents));
		if (IS_ERR(ents))
			return PTR_ERR(ents);
	}
	cpuid_table_runtime(xv, ents, hdr.nent);
	/* Once the vCPU ran, its CPUID may only be set again unchanged. */
	if (xv->ran) {
		bool same;

		cpuid_table_runtime(xv, xv->cpuid, xv->nr_cpuid);
		same = hdr.nent == xv->nr_cpuid &&
		       (!hdr.nent || !memcmp(ents, xv->cpuid,
					     hdr.nent * sizeof(*ents)));
		kvfree(ents);
		return same ? 0 : -EINVAL;
	}
	kvfree(xv->cpuid);
	xv->cpuid = ents;
	xv->nr_cpuid = hdr.nent;
	update_cr4_guest_rsvd(xv);
	xv->emul_vendor = kvmx_emul_vendor(xv);
	return 0;
}

long kvmx_get_cpuid2(struct kvmx_x86_vcpu *xv, struct kvm_cpuid2 __user *u)
{
	struct kvm_cpuid2 hdr;
	long r = 0;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	cpuid_table_runtime(xv, xv->cpuid, xv->nr_cpuid);
	if (hdr.nent < xv->nr_cpuid)
		r = -E2BIG;
	else if (copy_to_user(u->entries, xv->cpuid,
			      xv->nr_cpuid * sizeof(*xv->cpuid)))
		return -EFAULT;
	hdr.nent = xv->nr_cpuid;
	if (copy_to_user(u, &hdr, sizeof(hdr)))
		return -EFAULT;
	return r;
}

const struct kvm_cpuid_entry2 *kvmx_find_cpuid(struct kvmx_x86_vcpu *xv,
					       u32 function, u32 index)
{
	int i;

	for (i = 0; i < xv->nr_cpuid; i++) {
		const struct kvm_cpuid_entry2 *e = &xv->cpuid[i];

		if (e->function != function)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != index)
			continue;
		return e;
	}
	return NULL;
}

/* CR4 bits that exist only with a CPUID feature (SDM, "CR4"). */
static const struct {
	u32 function;
	u8 reg;
	u8 bit;
	u64 cr4;
} cr4_features[] = {
	{ 1, R_ECX, 5, X86_CR4_VMXE },
	{ 1, R_ECX, 17, X86_CR4_PCIDE },
	{ 1, R_ECX, 26, X86_CR4_OSXSAVE },
	{ 7, R_EBX, 0, X86_CR4_FSGSBASE },
	{ 7, R_EBX, 7, X86_CR4_SMEP },
	{ 7, R_EBX, 20, X86_CR4_SMAP },
	{ 7, R_ECX, 2, X86_CR4_UMIP },
	{ 7, R_ECX, 3, X86_CR4_PKE },
	{ 7, R_ECX, 16, X86_CR4_LA57 },
};

/* CR4 bits that need no feature beyond what every x86-64 CPU has. */
#define CR4_BASE_BITS	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
			 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
			 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

static u32 entry_reg(const struct kvm_cpuid_entry2 *e, u8 reg)
{
	if (!e)
		return 0;
	switch (reg) {
	case R_EAX: return e->eax;
	case R_EBX: return e->ebx;
	case R_ECX: return e->ecx;
	default: return e->edx;
	}
}

/* CR4 bits reserved for a CPU whose leaves 1 and 7.0 are @l1 and @l7. */
static u64 cr4_reserved(const struct kvm_cpuid_entry2 *l1,
			const struct kvm_cpuid_entry2 *l7)
{
	u64 rsvd = ~(u64)CR4_BASE_BITS;
	int i;

	for (i = 0; i < ARRAY_SIZE(cr4_features); i++) {
		const struct kvm_cpuid_entry2 *e =
			cr4_features[i].function == 1 ? l1 : l7;

		if (entry_reg(e, cr4_features[i].reg) & BIT32(cr4_features[i].bit))
			rsvd &= ~cr4_features[i].cr4;
	}
	return rsvd;
}

/*
 * CR4 bits no vCPU may set: those whose feature KVM_GET_SUPPORTED_CPUID
 * does not offer (kvm's cr4_reserved_bits, from its CPU capabilities).
 */
static u64 supported_cr4_reserved(void)
{
	static u64 cached;	/* 0: not computed yet (bit 63 is always set) */
	struct kvm_cpuid_entry2 l1, l7;
	u64 rsvd = READ_ONCE(cached);

	if (rsvd)
		return rsvd;
	fill_entry(&l1, 1, 0);
	fill_entry(&l7, 7, 0);
	rsvd = cr4_reserved(&l1, &l7);
	WRITE_ONCE(cached, rsvd);
	return rsvd;
}

/* @cr4 has no bit kvmx could offer any guest. */
static bool cr4_supported(u64 cr4)
{
	return !(cr4 & supported_cr4_reserved());
}

/*
 * @cr4 is valid for this vCPU: offered by kvmx and, once userspace set a
 * CPUID table, by that table, as kvm checks KVM_SET_SREGS and MOV to CR4.
 * Before KVM_SET_CPUID2, kvm (and kvmx) only apply the first rule.
 */
bool kvmx_vcpu_cr4_valid(struct kvmx_x86_vcpu *xv, u64 cr4)
{
	return cr4_supported(cr4) && !(cr4 & xv->cr4_guest_rsvd);
}

static void update_cr4_guest_rsvd(struct kvmx_x86_vcpu *xv)
{
	xv->cr4_guest_rsvd = xv->nr_cpuid ?
		cr4_reserved(kvmx_find_cpuid(xv, 1, 0), kvmx_find_cpuid(xv, 7, 0)) : 0;
}

bool kvmx_guest_has_tsc_adjust(struct kvmx_x86_vcpu *xv)
{
	const struct kvm_cpuid_entry2 *e = kvmx_find_cpuid(xv, 7, 0);

	return e && (e->ebx & BIT32(1));
}

/*
 * Bytes an XSAVE area needs for the features in @xfeatures: standard
 * format (each component at its architectural offset), or compacted
 * (components packed, 64-byte aligned where CPUID.0xD.i:ECX[1] says).
 */
static u32 xstate_size(u64 xfeatures, bool compacted)
{
	u32 size = 512 + 64, eax, ebx, ecx, edx;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xfeatures & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		if (!compacted) {
			size = max(size, ebx + eax);
			continue;
		}
		if (ecx & 2)
			size = ALIGN(size, 64);
		size += eax;
	}
	return size;
}

/*
 * The bits of an entry that follow the vCPU's state rather than the table
 * userspace set, brought up to date in the table itself, as kvm does: so
 * KVM_GET_CPUID2 returns what the guest's CPUID instruction sees.
 */
static void cpuid_entry_runtime(struct kvmx_x86_vcpu *xv,
				struct kvm_cpuid_entry2 *e)
{
	switch (e->function) {
	case 1:
		/* OSXSAVE mirrors CR4.OSXSAVE. */
		e->ecx &= ~BIT32(27);
		if (kvmx_x86->get_cr(xv, 4) & X86_CR4_OSXSAVE)
			e->ecx |= BIT32(27);
		/* APIC mirrors IA32_APIC_BASE's global enable (bit 11). */
		e->edx &= ~BIT32(9);
		if (xv->apic_base & MSR_IA32_APICBASE_ENABLE)
			e->edx |= BIT32(9);
		kvmx_quirk_cpuid_leaf1(xv, e);
		break;
	case 0xd:
		/*
		 * CPUID.0xD.0:EBX and 0xD.1:EBX size the XSAVE area for the
		 * features XCR0 enables now (SDM, "CPUID Leaf 0DH"); the guest
		 * kernel sizes its signal frames from them.
		 */
		if (e->index == 0)
			e->ebx = xstate_size(xv->xcr0, false);
		else if (e->index == 1 && (e->eax & BIT32(1)))
			e->ebx = xstate_size(xv->xcr0, true);
		break;
	}
}

static void cpuid_table_runtime(struct kvmx_x86_vcpu *xv,
				struct kvm_cpuid_entry2 *ents, int n)
{
	int i;

	for (i = 0; i < n; i++)
		cpuid_entry_runtime(xv, &ents[i]);
}

/* The guest executed CPUID: answer from the table userspace set. */
void kvmx_cpuid(struct kvmx_x86_vcpu *xv, u32 *eax, u32 *ebx, u32 *ecx,
		u32 *edx)
{
	const struct kvm_cpuid_entry2 *e = kvmx_find_cpuid(xv, *eax, *ecx);

	if (e) {
		/* The table catches up at KVM_GET/SET_CPUID2; answer current. */
		struct kvm_cpuid_entry2 cur = *e;

		cpuid_entry_runtime(xv, &cur);
		*eax = cur.eax;
		*ebx = cur.ebx;
		*ecx = cur.ecx;
		*edx = cur.edx;
	} else {
		*eax = *ebx = *ecx = *edx = 0;
	}
}
