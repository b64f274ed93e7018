// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC of each vCPU (Intel SDM, "Advanced Programmable Interrupt
 * Controller (APIC)"): xAPIC registers through the MMIO page at the APIC
 * base, x2APIC through MSRs 0x800-0x8ff, IRR/ISR/TMR, TPR/PPR, EOI, the LVT,
 * the timer (one-shot, periodic, TSC deadline) and interprocessor
 * interrupts (fixed, lowest priority, NMI, INIT, start-up).
 *
 * The register page is kept in the xAPIC layout, which is also the form of
 * KVM_GET/SET_LAPIC.  Every register access holds the VM's chip->lock;
 * other vCPUs' IPIs, the IOAPIC, MSIs and timers only set request bits
 * (IRR, TMR, the NMI/INIT/SIPI requests) and kick the owner, which does the
 * rest (INIT, SIPI, NMI injection) on its own thread.
 */
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

/* Version 0x14 (integrated APIC), six LVT entries (max LVT index 5). */
#define LAPIC_VERSION		(0x14 | (5 << 16))
/* The APIC timer counts a 1 GHz bus clock before the divider, as kvm's. */
#define LAPIC_BUS_NS		1
/* Shortest periodic timer period accepted, so a guest cannot flood the host. */
#define LAPIC_MIN_PERIOD_NS	50000
#define LVT_TIMER_MODE_MASK	(3 << 17)
#define LVT_TIMER_ONESHOT	(0 << 17)
#define LVT_TIMER_PERIODIC	BIT(17)
#define LVT_TIMER_TSCDEADLINE	BIT(18)
#define ICR_LEVEL_ASSERT	BIT(14)
#define ICR_TRIGGER_LEVEL	BIT(15)
#define ICR_DELIVERY_STATUS	BIT(12)
#define X2APIC_MSR_LAST		0x8ff

static struct kvmx_irqchip *apic_chip(struct kvmx_lapic *apic)
{
	return kvmx_irqchip_get(apic->xv->vcpu->vm);
}

static u32 reg_get(struct kvmx_lapic *apic, u32 off)
{
	return *(u32 *)(apic->regs + off);
}

static void reg_set(struct kvmx_lapic *apic, u32 off, u32 val)
{
	*(u32 *)(apic->regs + off) = val;
}

/* IRR, ISR and TMR: eight 32-bit registers 16 bytes apart. */
static void vec_set(struct kvmx_lapic *apic, u32 base, u8 vec)
{
	u32 *r = (u32 *)(apic->regs + base + (vec >> 5) * 0x10);

	*r |= 1U << (vec & 31);
}

static void vec_clear(struct kvmx_lapic *apic, u32 base, u8 vec)
{
	u32 *r = (u32 *)(apic->regs + base + (vec >> 5) * 0x10);

	*r &= ~(1U << (vec & 31));
}

static bool vec_test(struct kvmx_lapic *apic, u32 base, u8 vec)
{
	return reg_get(apic, base + (vec >> 5) * 0x10) & (1U << (vec & 31));
}

static int vec_highest(struct kvmx_lapic *apic, u32 base)
{
	int i;
	u32 r;

	for (i = 7; i >= 0; i--) {
		r = reg_get(apic, base + i * 0x10);
		if (r)
			return i * 32 + fls(r) - 1;
	}
	return -1;
}

static bool hw_enabled(struct kvmx_lapic *apic)
{
	return apic->xv->apic_base & MSR_IA32_APICBASE_ENABLE;
}

static bool sw_enabled(struct kvmx_lapic *apic)
{
	return reg_get(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static bool x2apic_mode(struct kvmx_lapic *apic)
{
	return (apic->xv->apic_base & (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE)) ==
	       (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE);
}

static u32 x2apic_id(struct kvmx_lapic *apic)
{
	return apic->xv->vcpu->vcpu_id;
}

/* PPR: the higher of the TPR and the in-service class ("Processor Priority"). */
static void update_ppr(struct kvmx_lapic *apic)
{
	u32 tpr = reg_get(apic, APIC_TASKPRI) & 0xff;
	int isrv = vec_highest(apic, APIC_ISR);
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	reg_set(apic, APIC_PROCPRI, (tpr & 0xf0) >= isr_class ? tpr : isr_class);
}

/* chip->lock held: the vector the APIC would deliver now, or -1. */
int kvmx_lapic_pending_vector(struct kvmx_lapic *apic)
{
	int irrv;

	if (!hw_enabled(apic))
		return -1;
	irrv = vec_highest(apic, APIC_IRR);
	if (irrv < 0 || (irrv & 0xf0) <= (reg_get(apic, APIC_PROCPRI) & 0xf0))
		return -1;
	return irrv;
}

/* chip->lock held: the CPU takes @vector: IRR -> ISR. */
void kvmx_lapic_ack(struct kvmx_lapic *apic, int vector)
{
	vec_clear(apic, APIC_IRR, vector);
	vec_set(apic, APIC_ISR, vector);
	update_ppr(apic);
}

/* Does LINT0 take the PIC's output (ExtINT, unmasked, or the APIC off)? */
bool kvmx_lapic_accepts_pic(struct kvmx_lapic *apic)
{
	u32 lvt0 = reg_get(apic, APIC_LVT0);

	if (!hw_enabled(apic))
		return true;
	return !(lvt0 & APIC_LVT_MASKED) &&
	       (lvt0 & APIC_DM_FIXED_MASK) == APIC_DM_EXTINT;
}

bool kvmx_lapic_extint_pending(struct kvmx_lapic *apic)
{
	struct kvmx_irqchip *chip = apic_chip(apic);

	if (!kvmx_lapic_accepts_pic(apic))
		return false;
	return chip->split ? apic->ext_vector >= 0 : kvmx_pic_output(chip);
}

/* Make the owner notice new work: wake it, or force it out of the guest. */
void kvmx_lapic_kick(struct kvmx_lapic *apic)
{
	wake_up_interruptible(&apic->wq);
	if (apic->task && apic->task != current)
		kick_process(apic->task);
}

static bool match_dest(struct kvmx_lapic *apic, const struct kvmx_apic_irq *irq,
		       bool from_x2apic);

/*
 * Split irqchip: does a level MSI route of the userspace IOAPIC's pins
 * (GSIs below nr_ioapic_routes) send @vector to @apic?  Then its EOI goes
 * to userspace (KVM_EXIT_IOAPIC_EOI), as kvm's ioapic_handled_vectors.
 */
static bool split_ioapic_vector(struct kvmx_lapic *apic, u8 vector)
{
	struct kvmx_irqchip *chip = apic_chip(apic);
	const struct kvmx_route *rt;
	struct kvmx_apic_irq irq;
	u32 i;

	for (i = 0; i < chip->nr_routes; i++) {
		rt = &chip->routes[i];
		if (rt->gsi >= chip->nr_ioapic_routes ||
		    rt->type != KVM_IRQ_ROUTING_MSI ||
		    (rt->msi.data & 0xff) != vector || !(rt->msi.data & BIT(15)))
			continue;
		irq = (struct kvmx_apic_irq) {
			.dest = (rt->msi.addr_lo >> 12) & 0xff,
			.logical = rt->msi.addr_lo & BIT(2),
		};
		if (match_dest(apic, &irq, false))
			return true;
	}
	return false;
}

static void eoi(struct kvmx_lapic *apic)
{
	int isrv = vec_highest(apic, APIC_ISR);

	if (isrv < 0)
		return;
	vec_clear(apic, APIC_ISR, isrv);
	update_ppr(apic);
	/* A level-triggered interrupt: tell the IOAPIC ("EOI broadcast"). */
	if (!vec_test(apic, APIC_TMR, isrv))
		return;
	if (!apic_chip(apic)->split) {
		kvmx_ioapic_eoi(apic->xv->vcpu->vm, isrv);
	} else if (split_ioapic_vector(apic, isrv)) {
		apic->eoi_exit = true;
		apic->eoi_exit_vector = isrv;
	}
}

/* chip->lock held: accept one interrupt message. 1 if accepted. */
static int accept_irq(struct kvmx_lapic *apic, const struct kvmx_apic_irq *irq)
{
	switch (irq->delivery_mode) {
	case APIC_DM_FIXED >> 8:
	case APIC_DM_LOWEST >> 8:
		if (!hw_enabled(apic) || !sw_enabled(apic))
			return 0;
		vec_set(apic, APIC_IRR, irq->vector);
		if (irq->level)
			vec_set(apic, APIC_TMR, irq->vector);
		else
			vec_clear(apic, APIC_TMR, irq->vector);
		break;
	case APIC_DM_NMI >> 8:
		atomic_inc(&apic->nmi_requests);
		break;
	case APIC_DM_INIT >> 8:
		apic->init_pending = true;
		break;
	case APIC_DM_STARTUP >> 8:
		apic->sipi_pending = true;
		apic->sipi_vector = irq->vector;
		break;
	default:
		/* TODO: SMI and ExtINT messages (the PIC reaches LINT0 directly). */
		return 0;
	}
	kvmx_lapic_kick(apic);
	return 1;
}

/*
 * A local interrupt source (x86/mce.c's CMCI) fires through its LVT entry:
 * nothing while the entry is masked, else its vector with its delivery
 * mode (fixed, NMI...) and, for LINT0/1, its trigger mode.
 */
void kvmx_lapic_local_deliver(struct kvmx_lapic *apic, u32 lvt)
{
	struct kvmx_irqchip *chip = apic_chip(apic);
	struct kvmx_apic_irq irq = {};
	unsigned long flags;
	u32 val;

	spin_lock_irqsave(&chip->lock, flags);
	val = reg_get(apic, lvt);
	if (!(val & APIC_LVT_MASKED)) {
		irq.vector = val & 0xff;
		irq.delivery_mode = (val & APIC_DM_FIXED_MASK) >> 8;
		irq.level = (lvt == APIC_LVT0 || lvt == APIC_LVT1) &&
			    (val & APIC_LVT_LEVEL_TRIGGER);
		accept_irq(apic, &irq);
	}
	spin_unlock_irqrestore(&chip->lock, flags);
}

static bool match_dest(struct kvmx_lapic *apic, const struct kvmx_apic_irq *irq,
		       bool from_x2apic)
{
	u32 dest = irq->dest, ldr;
	u32 bcast = from_x2apic ? 0xffffffff : 0xff;

	if (dest == bcast)
		return true;
	if (!irq->logical) {
		if (x2apic_mode(apic))
			return dest == x2apic_id(apic);
		return dest == reg_get(apic, APIC_ID) >> 24;
	}
	if (x2apic_mode(apic)) {
		ldr = reg_get(apic, APIC_LDR);
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	ldr = reg_get(apic, APIC_LDR) >> 24;
	dest &= 0xff;
	if ((reg_get(apic, APIC_DFR) >> 28) == 0xf)	/* flat model */
		return dest & ldr;
	/* Cluster model: cluster in the high nibble, members in the low. */
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);
}

/* Is @apic a destination of @irq sent by @src (shorthand or address)? */
static bool is_destination(struct kvmx_lapic *apic, struct kvmx_lapic *src,
			   const struct kvmx_apic_irq *irq, bool from_x2apic)
{
	switch (irq->shorthand) {
	case APIC_DEST_SELF >> 18:
		return apic == src;
	case APIC_DEST_ALLINC >> 18:
		return true;
	case APIC_DEST_ALLBUT >> 18:
		return apic != src;
	default:
		return match_dest(apic, irq, from_x2apic);
	}
}

/* Can @apic take part in a lowest-priority delivery of @irq? */
static bool lowest_priority_candidate(struct kvmx_lapic *apic,
				      struct kvmx_lapic *src,
				      const struct kvmx_apic_irq *irq,
				      bool from_x2apic)
{
	return apic && hw_enabled(apic) && sw_enabled(apic) &&
	       is_destination(apic, src, irq, from_x2apic);
}

/*
 * Lowest priority: of the destinations that are enabled, kvm (6.1, its
 * default vector_hashing=Y) picks number (vector mod their count), in
 * vCPU order, rather than arbitrating on the APICs' priorities; kvmx does
 * the same.  NULL if there is none.
 */
static struct kvmx_lapic *lowest_priority_dest(struct kvmx_vm *vm, int n,
					       struct kvmx_lapic *src,
					       const struct kvmx_apic_irq *irq,
					       bool from_x2apic)
{
	struct kvmx_lapic *apic;
	int i, count = 0, pick;

	for (i = 0; i < n; i++)
		if (lowest_priority_candidate(to_x86(vm->vcpus[i])->apic, src,
					      irq, from_x2apic))
			count++;
	if (!count)
		return NULL;
	pick = irq->vector % count;
	for (i = 0; i < n; i++) {
		apic = to_x86(vm->vcpus[i])->apic;
		if (lowest_priority_candidate(apic, src, irq, from_x2apic) &&
		    !pick--)
			return apic;
	}
	return NULL;
}

/*
 * chip->lock held: deliver an interrupt message from @src (an IPI) or from
 * the IOAPIC / an MSI (@src NULL).  Returns how many APICs accepted it.
 */
int kvmx_lapic_deliver(struct kvmx_vm *vm, struct kvmx_lapic *src,
		       const struct kvmx_apic_irq *irq)
{
	bool from_x2apic = src && x2apic_mode(src);
	struct kvmx_lapic *apic;
	int i, n, delivered = 0;

	/* Pairs with vCPU creation: vcpus[] and their APICs are set up. */
	n = smp_load_acquire(&vm->nr_vcpus);
	if (kvmx_irqchip_get(vm)->dying)
		return 0;
	if (irq->delivery_mode == APIC_DM_LOWEST >> 8) {
		apic = lowest_priority_dest(vm, n, src, irq, from_x2apic);
		return apic ? accept_irq(apic, irq) : 0;
	}
	for (i = 0; i < n; i++) {
		apic = to_x86(vm->vcpus[i])->apic;
		if (apic && is_destination(apic, src, irq, from_x2apic))
			delivered += accept_irq(apic, irq);
	}
	return delivered;
}

static void send_ipi(struct kvmx_lapic *apic, u32 icr, u32 dest)
{
	struct kvmx_apic_irq irq = {
		.dest = dest,
		.vector = icr & 0xff,
		.delivery_mode = (icr >> 8) & 7,
		.logical = icr & APIC_DEST_LOGICAL,
		.level = icr & ICR_TRIGGER_LEVEL,
		.shorthand = (icr >> 18) & 3,
	};

	/* INIT level de-assert only synchronises arbitration IDs: nothing. */
	if (irq.delivery_mode == APIC_DM_INIT >> 8 && irq.level &&
	    !(icr & ICR_LEVEL_ASSERT))
		return;
	kvmx_lapic_deliver(apic->xv->vcpu->vm, apic, &irq);
}

/* ---- The timer ---- */

static u32 timer_divisor(struct kvmx_lapic *apic)
{
	u32 tdcr = reg_get(apic, APIC_TDCR);
	u32 v = (tdcr & 3) | ((tdcr & 8) >> 1);

	return 1U << ((v + 1) & 7);
}

static u32 timer_mode(struct kvmx_lapic *apic)
{
	return reg_get(apic, APIC_LVTT) & LVT_TIMER_MODE_MASK;
}

/* chip->lock held: the timer's interrupt, through LVTT. */
static void timer_fire(struct kvmx_lapic *apic)
{
	u32 lvtt = reg_get(apic, APIC_LVTT);
	struct kvmx_apic_irq irq = { .vector = lvtt & 0xff };

	if (!(lvtt & APIC_LVT_MASKED))
		accept_irq(apic, &irq);
}

static enum hrtimer_restart timer_expired(struct hrtimer *t)
{
	struct kvmx_lapic *apic = container_of(t, struct kvmx_lapic, timer);
	struct kvmx_irqchip *chip = apic_chip(apic);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;

	spin_lock_irqsave(&chip->lock, flags);
	timer_fire(apic);
	if (timer_mode(apic) == LVT_TIMER_PERIODIC && apic->timer_period_ns) {
		hrtimer_forward_now(t, ns_to_ktime(apic->timer_period_ns));
		apic->timer_start = ktime_to_ns(hrtimer_get_expires(t)) -
				    apic->timer_period_ns;
		ret = HRTIMER_RESTART;
	} else if (timer_mode(apic) == LVT_TIMER_TSCDEADLINE) {
		apic->tsc_deadline = 0;
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	return ret;
}

/* Guest TSC -> nanoseconds from now (0 if in the past). */
static u64 tsc_delta_ns(struct kvmx_lapic *apic, u64 deadline)
{
	u64 now = rdtsc() + apic->xv->tsc_offset;

	if (deadline <= now || !tsc_khz)
		return 0;
	return mul_u64_u32_div(deadline - now, 1000000, tsc_khz);
}

/*
 * Owner only (vcpu->mutex), chip->lock NOT held: reprogram the timer from
 * LVTT, TMICT, TDCR and the TSC deadline.
 */
static void timer_restart(struct kvmx_lapic *apic)
{
	struct kvmx_irqchip *chip = apic_chip(apic);
	unsigned long flags;
	u64 ns = 0;
	bool start = false, fire_now = false;

	hrtimer_cancel(&apic->timer);
	spin_lock_irqsave(&chip->lock, flags);
	apic->timer_period_ns = 0;
	apic->timer_start = ktime_get_ns();
	apic->timer_ns = (u64)reg_get(apic, APIC_TMICT) * timer_divisor(apic) *
			 LAPIC_BUS_NS;
	switch (timer_mode(apic)) {
	case LVT_TIMER_PERIODIC:
		if (apic->timer_ns) {
			apic->timer_ns = max_t(u64, apic->timer_ns, LAPIC_MIN_PERIOD_NS);
			apic->timer_period_ns = apic->timer_ns;
			ns = apic->timer_ns;
			start = true;
		}
		break;
	case LVT_TIMER_ONESHOT:
		if (apic->timer_ns) {
			ns = apic->timer_ns;
			start = true;
		}
		break;
	case LVT_TIMER_TSCDEADLINE:
		apic->timer_ns = 0;
		if (apic->tsc_deadline) {
			ns = tsc_delta_ns(apic, apic->tsc_deadline);
			if (ns) {
				start = true;
			} else {
				fire_now = true;
				apic->tsc_deadline = 0;
			}
		}
		break;
	}
	if (fire_now)
		timer_fire(apic);
	spin_unlock_irqrestore(&chip->lock, flags);
	if (start)
		hrtimer_start(&apic->timer, ns_to_ktime(apic->timer_start + ns),
			      HRTIMER_MODE_ABS_HARD);
}

static u32 current_count(struct kvmx_lapic *apic)
{
	u64 elapsed, left;

	if (timer_mode(apic) == LVT_TIMER_TSCDEADLINE || !apic->timer_ns)
		return 0;
	elapsed = ktime_get_ns() - apic->timer_start;
	if (timer_mode(apic) == LVT_TIMER_PERIODIC)
		elapsed = do_div(elapsed, apic->timer_ns);
	else if (elapsed >= apic->timer_ns)
		return 0;
	left = apic->timer_ns - elapsed;
	do_div(left, timer_divisor(apic) * LAPIC_BUS_NS);
	return left;
}

/* ---- Register access ---- */

/* Readable registers (xAPIC offsets). */
static bool reg_readable(u32 off)
{
	switch (off) {
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_PROCPRI:
	case APIC_LDR: case APIC_DFR: case APIC_SPIV: case APIC_ESR:
	case APIC_ICR: case APIC_ICR2: case APIC_LVTT: case APIC_LVTTHMR:
	case APIC_LVTPC: case APIC_LVT0: case APIC_LVT1: case APIC_LVTERR:
	case APIC_LVTCMCI: case APIC_TMICT: case APIC_TMCCT: case APIC_TDCR:
		return true;
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70:
		return !(off & 0xf);
	default:
		return false;
	}
}

/* chip->lock held. */
static u32 reg_read(struct kvmx_lapic *apic, u32 off)
{
	if (off == APIC_TMCCT)
		return current_count(apic);
	return reg_get(apic, off);
}

static const u32 lvt_masks[] = {
	[(APIC_LVTCMCI - APIC_LVTCMCI) >> 4] = 0x107ff,
	[(APIC_LVTT - APIC_LVTCMCI) >> 4] = 0x700ff,
	[(APIC_LVTTHMR - APIC_LVTCMCI) >> 4] = 0x107ff,
	[(APIC_LVTPC - APIC_LVTCMCI) >> 4] = 0x107ff,
	[(APIC_LVT0 - APIC_LVTCMCI) >> 4] = 0x1a7ff,
	[(APIC_LVT1 - APIC_LVTCMCI) >> 4] = 0x1a7ff,
	[(APIC_LVTERR - APIC_LVTCMCI) >> 4] = 0x100ff,
};

enum write_effect { WRITE_DONE, WRITE_TIMER, WRITE_BAD };

/* chip->lock held: one register write; what the caller must do next. */
static enum write_effect reg_write(struct kvmx_lapic *apic, u32 off, u32 val)
{
	u32 old;
	int i;

	switch (off) {
	case APIC_ID:
		if (!x2apic_mode(apic))
			reg_set(apic, APIC_ID, val & 0xff000000);
		break;
	case APIC_TASKPRI:
		reg_set(apic, APIC_TASKPRI, val & 0xff);
		update_ppr(apic);
		break;
	case APIC_EOI:
		eoi(apic);
		break;
	case APIC_LDR:
		if (x2apic_mode(apic))
			return WRITE_BAD;
		reg_set(apic, APIC_LDR, val & APIC_LDR_MASK);
		break;
	case APIC_DFR:
		if (x2apic_mode(apic))
			return WRITE_BAD;
		reg_set(apic, APIC_DFR, val | 0x0fffffff);
		break;
	case APIC_SPIV:
		reg_set(apic, APIC_SPIV, val & 0x3ff);
		if (!(val & APIC_SPIV_APIC_ENABLED)) {
			/* Software disable masks every LVT entry. */
			for (i = 0; i < ARRAY_SIZE(lvt_masks); i++) {
				u32 o = APIC_LVTCMCI + i * 0x10;

				reg_set(apic, o, reg_get(apic, o) | APIC_LVT_MASKED);
			}
			return WRITE_TIMER;
		}
		break;
	case APIC_ESR:
		reg_set(apic, APIC_ESR, 0);
		break;
	case APIC_ICR:
		val &= ~ICR_DELIVERY_STATUS;
		reg_set(apic, APIC_ICR, val);
		send_ipi(apic, val, x2apic_mode(apic) ? reg_get(apic, APIC_ICR2) :
				    reg_get(apic, APIC_ICR2) >> 24);
		break;
	case APIC_ICR2:
		reg_set(apic, APIC_ICR2, x2apic_mode(apic) ? val : val & 0xff000000);
		break;
	case APIC_LVTCMCI: case APIC_LVTT: case APIC_LVTTHMR: case APIC_LVTPC:
	case APIC_LVT0: case APIC_LVT1: case APIC_LVTERR:
		old = reg_get(apic, off);
		val &= lvt_masks[(off - APIC_LVTCMCI) >> 4];
		if (!sw_enabled(apic))
			val |= APIC_LVT_MASKED;
		reg_set(apic, off, val);
		if (off == APIC_LVTT &&
		    (old & LVT_TIMER_MODE_MASK) != (val & LVT_TIMER_MODE_MASK)) {
			/* A mode change stops the timer. */
			reg_set(apic, APIC_TMICT, 0);
			apic->tsc_deadline = 0;
			return WRITE_TIMER;
		}
		if (off == APIC_LVT0)
			kvmx_pic_update(apic->xv->vcpu->vm);
		break;
	case APIC_TMICT:
		if (timer_mode(apic) == LVT_TIMER_TSCDEADLINE)
			break;
		reg_set(apic, APIC_TMICT, val);
		return WRITE_TIMER;
	case APIC_TDCR:
		reg_set(apic, APIC_TDCR, val & 0xb);
		break;
	case APIC_SELF_IPI:
		if (!x2apic_mode(apic))
			return WRITE_BAD;
		send_ipi(apic, (val & 0xff) | APIC_DEST_SELF, 0);
		break;
	default:
		return WRITE_BAD;
	}
	return WRITE_DONE;
}

/* Owner, vcpu->mutex held: a register write and its timer consequence. */
static int write_reg(struct kvmx_lapic *apic, u32 off, u32 val)
{
	struct kvmx_irqchip *chip = apic_chip(apic);
	enum write_effect e;
	unsigned long flags;

	spin_lock_irqsave(&chip->lock, flags);
	e = reg_write(apic, off, val);
	spin_unlock_irqrestore(&chip->lock, flags);
	if (e == WRITE_TIMER)
		timer_restart(apic);
	return e == WRITE_BAD ? 1 : 0;
}

/*
 * The xAPIC page: aligned 32-bit accesses to a register's first dword;
 * reads of other bytes within it are served too.  Returns 1 if @gpa is in
 * the page (the access is complete), 0 if not.  A hardware-disabled or
 * x2APIC-mode APIC keeps the page while LAPIC_MMIO_HOLE is in force: reads
 * give all ones, writes are dropped (as kvm; x86/quirks.c).
 */
int kvmx_lapic_mmio(struct kvmx_x86_vcpu *xv, u64 gpa, void *buf,
		    unsigned int len, bool write)
{
	struct kvmx_lapic *apic = xv->apic;
	struct kvmx_irqchip *chip;
	u64 base = xv->apic_base & MSR_IA32_APICBASE_BASE;
	u32 off = gpa - base, val = 0;
	unsigned long flags;

	if (!apic || gpa < base || gpa + len > base + PAGE_SIZE)
		return 0;
	if (!hw_enabled(apic) || x2apic_mode(apic)) {
		if (!kvmx_quirk(xv->vcpu->vm, KVM_X86_QUIRK_LAPIC_MMIO_HOLE))
			return 0;
		if (!write)
			memset(buf, 0xff, len);
		return 1;
	}
	chip = apic_chip(apic);
	if (write) {
		/* Other sizes and misaligned writes are dropped (SDM). */
		if (len == 4 && !(off & 3) && !(off & 0xc)) {
			memcpy(&val, buf, 4);
			write_reg(apic, off, val);
		}
		return 1;
	}
	if ((off & 0xf) + len <= 4 && reg_readable(off & ~0xf)) {
		spin_lock_irqsave(&chip->lock, flags);
		val = reg_read(apic, off & ~0xf);
		spin_unlock_irqrestore(&chip->lock, flags);
		val >>= (off & 3) * 8;
	}
	memcpy(buf, &val, len);
	return 1;
}

int kvmx_lapic_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data)
{
	struct kvmx_lapic *apic = xv->apic;
	u32 off = (index - APIC_BASE_MSR) << 4;
	unsigned long flags;

	if (index == MSR_IA32_TSC_DEADLINE) {
		if (!apic)
			return -ENOENT;
		*data = apic->tsc_deadline;
		return 0;
	}
	if (index < APIC_BASE_MSR || index > X2APIC_MSR_LAST)
		return -ENOENT;
	if (!apic || !x2apic_mode(apic))
		return 1;
	if (off == APIC_ID) {
		*data = x2apic_id(apic);
		return 0;
	}
	if (off == APIC_DFR || off == APIC_ICR2 || !reg_readable(off))
		return 1;
	spin_lock_irqsave(&apic_chip(apic)->lock, flags);
	*data = reg_read(apic, off);
	if (off == APIC_ICR)
		*data |= (u64)reg_get(apic, APIC_ICR2) << 32;
	spin_unlock_irqrestore(&apic_chip(apic)->lock, flags);
	return 0;
}

int kvmx_lapic_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data)
{
	struct kvmx_lapic *apic = xv->apic;
	u32 off = (index - APIC_BASE_MSR) << 4;

	if (index == MSR_IA32_TSC_DEADLINE) {
		if (!apic)
			return -ENOENT;
		if (timer_mode(apic) != LVT_TIMER_TSCDEADLINE)
			return 0;
		apic->tsc_deadline = data;
		timer_restart(apic);
		return 0;
	}
	if (index < APIC_BASE_MSR || index > X2APIC_MSR_LAST)
		return -ENOENT;
	if (!apic || !x2apic_mode(apic))
		return 1;
	/* Read-only registers, reserved bits of 32-bit ones, EOI data != 0. */
	switch (off) {
	case APIC_ID: case APIC_LVR: case APIC_PROCPRI: case APIC_LDR:
	case APIC_TMCCT: case APIC_ICR2:
		return 1;
	case APIC_ICR:
		reg_set(apic, APIC_ICR2, data >> 32);
		return write_reg(apic, off, (u32)data);
	case APIC_EOI: case APIC_ESR:
		if (data)
			return 1;
		break;
	}
	if (data >> 32)
		return 1;
	return write_reg(apic, off, data);
}

/* IA32_APIC_BASE was written: x2APIC mode fixes the LDR from the ID. */
void kvmx_lapic_base_changed(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_lapic *apic = xv->apic;
	unsigned long flags;
	u32 id;

	if (!apic)
		return;
	spin_lock_irqsave(&apic_chip(apic)->lock, flags);
	if (x2apic_mode(apic)) {
		id = x2apic_id(apic);
		reg_set(apic, APIC_LDR, ((id >> 4) << 16) | (1U << (id & 0xf)));
	}
	kvmx_pic_update(xv->vcpu->vm);
	spin_unlock_irqrestore(&apic_chip(apic)->lock, flags);
}

/*
 * KVM_SET_VAPIC_ADDR (KVM_CAP_VAPIC): a guest page where, around every
 * entry, kvm mirrors the TPR for a guest that patched its TPR accesses
 * (QEMU's kvmvapic option ROM): before entry, if the APIC is enabled, the
 * u32 there gets TPR in bits
 * 7:0, the highest in-service class in 15:12 and the highest requested
 * vector in 31:24; after the exit its byte 0 is the guest's new TPR.
 * 0 turns it off; an address outside guest RAM is EINVAL.
 */
long kvmx_lapic_set_vapic_addr(struct kvmx_x86_vcpu *xv,
			       struct kvm_vapic_addr __user *u)
{
	struct kvm_vapic_addr va;
	u32 data;

	if (!xv->apic)
		return -EINVAL;
	if (copy_from_user(&va, u, sizeof(va)))
		return -EFAULT;
	if (va.vapic_addr &&
	    kvmx_read_guest(xv->vcpu->vm, va.vapic_addr, &data, sizeof(data)))
		return -EINVAL;
	xv->apic->vapic_addr = va.vapic_addr;
	return 0;
}

void kvmx_lapic_sync_to_vapic(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_lapic *apic = xv->apic;
	unsigned long flags;
	int irr, isr;
	u32 data;

	/* As kvm: only while the APIC is enabled, in hardware and software. */
	if (!apic || !apic->vapic_addr || !hw_enabled(apic) || !sw_enabled(apic))
		return;
	spin_lock_irqsave(&apic_chip(apic)->lock, flags);
	irr = max(vec_highest(apic, APIC_IRR), 0);
	isr = max(vec_highest(apic, APIC_ISR), 0);
	data = (reg_get(apic, APIC_TASKPRI) & 0xff) | ((isr & 0xf0) << 8) |
	       ((u32)irr << 24);
	spin_unlock_irqrestore(&apic_chip(apic)->lock, flags);
	kvmx_write_guest(xv->vcpu->vm, apic->vapic_addr, &data, sizeof(data));
}

void kvmx_lapic_sync_from_vapic(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_lapic *apic = xv->apic;
	unsigned long flags;
	u32 data;

	if (!apic || !apic->vapic_addr ||
	    kvmx_read_guest(xv->vcpu->vm, apic->vapic_addr, &data, sizeof(data)))
		return;
	spin_lock_irqsave(&apic_chip(apic)->lock, flags);
	reg_set(apic, APIC_TASKPRI, data & 0xff);
	update_ppr(apic);
	spin_unlock_irqrestore(&apic_chip(apic)->lock, flags);
}

/* chip->lock held, or the APIC not yet visible: the RESET / INIT state. */
void kvmx_lapic_reset(struct kvmx_lapic *apic, bool bsp)
{
	u32 id = reg_get(apic, APIC_ID);
	int i;

	memset(apic->regs, 0, sizeof(apic->regs));
	reg_set(apic, APIC_ID, id);
	reg_set(apic, APIC_LVR, LAPIC_VERSION);
	reg_set(apic, APIC_DFR, 0xffffffff);
	reg_set(apic, APIC_SPIV, 0xff);
	for (i = 0; i < ARRAY_SIZE(lvt_masks); i++)
		reg_set(apic, APIC_LVTCMCI + i * 0x10, APIC_LVT_MASKED);
	/* As kvm: the BSP takes the PIC through LINT0 from the start. */
	if (bsp && kvmx_quirk(apic->xv->vcpu->vm, KVM_X86_QUIRK_LINT0_REENABLED))
		reg_set(apic, APIC_LVT0, APIC_DM_EXTINT);
	apic->tsc_deadline = 0;
	apic->timer_ns = 0;
	apic->timer_period_ns = 0;
	/*
	 * Pending INIT/SIPI/NMI requests are not APIC state: a SIPI sent right
	 * after the INIT being processed must survive it.
	 */
}

long kvmx_lapic_get_state(struct kvmx_x86_vcpu *xv, void __user *u)
{
	struct kvmx_lapic *apic = xv->apic;
	struct kvm_lapic_state *s;
	unsigned long flags;
	long r;

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	spin_lock_irqsave(&apic_chip(apic)->lock, flags);
	memcpy(s->regs, apic->regs, sizeof(s->regs));
	*(u32 *)(s->regs + APIC_TMCCT) = current_count(apic);
	spin_unlock_irqrestore(&apic_chip(apic)->lock, flags);
	r = copy_to_user(u, s, sizeof(*s)) ? -EFAULT : 0;
	kfree(s);
	return r;
}

long kvmx_lapic_set_state(struct kvmx_x86_vcpu *xv, void __user *u)
{
	struct kvmx_lapic *apic = xv->apic;
	struct kvm_lapic_state *s;
	unsigned long flags;

	s = memdup_user(u, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	hrtimer_cancel(&apic->timer);
	spin_lock_irqsave(&apic_chip(apic)->lock, flags);
	memcpy(apic->regs, s->regs, sizeof(apic->regs));
	reg_set(apic, APIC_LVR, LAPIC_VERSION);
	reg_set(apic, APIC_TMCCT, 0);
	update_ppr(apic);
	spin_unlock_irqrestore(&apic_chip(apic)->lock, flags);
	kfree(s);
	kvmx_lapic_base_changed(xv);
	timer_restart(apic);
	return 0;
}

/*
 * The vCPU's own thread: anything that ends a halt or a wait for SIPI?
 * Used as a wait_event() condition.
 */
bool kvmx_lapic_has_wake_event(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_lapic *apic = xv->apic;
	struct kvmx_irqchip *chip = apic_chip(apic);
	unsigned long flags;
	bool wake;

	if (signal_pending(current))
		return true;
	spin_lock_irqsave(&chip->lock, flags);
	wake = apic->init_pending || atomic_read(&apic->nmi_requests);
	if (xv->mp_state == KVM_MP_STATE_INIT_RECEIVED)
		wake |= apic->sipi_pending;
	if (xv->mp_state == KVM_MP_STATE_HALTED)
		wake |= xv->nmi_pending || READ_ONCE(xv->pv.unhalted) ||
			(kvmx_x86->interrupt_allowed(xv) &&
			 (kvmx_lapic_pending_vector(apic) >= 0 ||
			  kvmx_lapic_extint_pending(apic)));
	spin_unlock_irqrestore(&chip->lock, flags);
	return wake;
}

/* ---- For the PV interface (x86/pv.c) ---- */

/* chip->lock held: the enabled local APIC whose physical ID is @id. */
static struct kvmx_lapic *apic_by_id(struct kvmx_vm *vm, u32 id)
{
	/* Pairs with vCPU creation: vcpus[] and their APICs are set up. */
	int i, n = smp_load_acquire(&vm->nr_vcpus);
	struct kvmx_lapic *apic;

	for (i = 0; i < n; i++) {
		apic = to_x86(vm->vcpus[i])->apic;
		if (!apic || !hw_enabled(apic))
			continue;
		if (x2apic_mode(apic) ? x2apic_id(apic) == id :
		    reg_get(apic, APIC_ID) >> 24 == id)
			return apic;
	}
	return NULL;
}

/*
 * The vCPU whose enabled APIC has physical ID @id (no broadcast), or NULL.
 * With @unhalt (KVM_HC_KICK_CPU), its current or next halt ends.
 */
struct kvmx_x86_vcpu *kvmx_lapic_vcpu_by_id(struct kvmx_vm *vm, u32 id,
					    bool unhalt)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_lapic *apic;
	unsigned long flags;

	spin_lock_irqsave(&chip->lock, flags);
	apic = chip->dying ? NULL : apic_by_id(vm, id);
	if (apic && unhalt) {
		WRITE_ONCE(apic->xv->pv.unhalted, true);
		kvmx_lapic_kick(apic);
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	return apic ? apic->xv : NULL;
}

/* @irq to the APIC with physical ID @id only: 1 if it accepted it. */
int kvmx_lapic_send_to_id(struct kvmx_vm *vm, u32 id,
			  const struct kvmx_apic_irq *irq)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_lapic *apic;
	unsigned long flags;
	int r = 0;

	spin_lock_irqsave(&chip->lock, flags);
	apic = chip->dying ? NULL : apic_by_id(vm, id);
	if (apic)
		r = accept_irq(apic, irq);
	spin_unlock_irqrestore(&chip->lock, flags);
	return r;
}

/* The task that last ran KVM_RUN on @apic's vCPU, referenced, or NULL. */
struct task_struct *kvmx_lapic_get_task(struct kvmx_lapic *apic)
{
	struct kvmx_irqchip *chip = apic_chip(apic);
	struct task_struct *task;
	unsigned long flags;

	spin_lock_irqsave(&chip->lock, flags);
	task = apic->task;
	if (task)
		get_task_struct(task);
	spin_unlock_irqrestore(&chip->lock, flags);
	return task;
}

/*
 * PV EOI: the vector the guest may end without an exit, or -1.  Only the
 * highest in-service vector while nothing waits in the IRR (its EOI must
 * then be seen at once) and only an edge-triggered one (a level vector's
 * EOI goes to the IOAPIC), as kvm allows it.
 */
int kvmx_lapic_pv_eoi_vector(struct kvmx_lapic *apic)
{
	struct kvmx_irqchip *chip = apic_chip(apic);
	unsigned long flags;
	int isrv = -1;

	spin_lock_irqsave(&chip->lock, flags);
	if (hw_enabled(apic) && vec_highest(apic, APIC_IRR) < 0) {
		isrv = vec_highest(apic, APIC_ISR);
		if (isrv >= 0 && vec_test(apic, APIC_TMR, isrv))
			isrv = -1;
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	return isrv;
}

/* PV EOI: the guest ended its interrupt without writing the EOI register. */
void kvmx_lapic_pv_eoi(struct kvmx_lapic *apic)
{
	struct kvmx_irqchip *chip = apic_chip(apic);
	unsigned long flags;

	spin_lock_irqsave(&chip->lock, flags);
	eoi(apic);
	spin_unlock_irqrestore(&chip->lock, flags);
}

int kvmx_lapic_create(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_lapic *apic;
	bool bsp = xv->vcpu->vcpu_id == kvmx_irqchip_get(xv->vcpu->vm)->boot_cpu_id;

	apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);
	if (!apic)
		return -ENOMEM;
	apic->xv = xv;
	apic->ext_vector = -1;
	init_waitqueue_head(&apic->wq);
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	apic->timer.function = timer_expired;
	reg_set(apic, APIC_ID, xv->vcpu->vcpu_id << 24);
	kvmx_lapic_reset(apic, bsp);
	update_ppr(apic);
	xv->apic_base = (xv->apic_base & ~MSR_IA32_APICBASE_BSP) |
			(bsp ? MSR_IA32_APICBASE_BSP : 0);
	/* With an in-kernel APIC, APs wait for INIT and SIPI (as kvm). */
	xv->mp_state = bsp ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED;
	xv->apic = apic;
	return 0;
}

void kvmx_lapic_free(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_lapic *apic = xv->apic;

	if (!apic)
		return;
	hrtimer_cancel(&apic->timer);
	if (apic->task)
		put_task_struct(apic->task);
	kfree(apic);
	xv->apic = NULL;
}
