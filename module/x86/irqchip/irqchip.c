// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip, VM side: KVM_CREATE_IRQCHIP, GSI routing
 * (KVM_IRQ_LINE(_STATUS), KVM_SET_GSI_ROUTING, KVM_SIGNAL_MSI),
 * KVM_GET/SET_IRQCHIP, KVM_SET_BOOT_CPU_ID; and the hooks the rest of x86/
 * calls: the run loop (halt, INIT/SIPI, sleeping until an interrupt), the
 * in-kernel PIO/MMIO devices, the x2APIC MSRs, the injection queries.
 *
 * Locking: Documentation/irqchip.rst and the top of kvmx_irqchip.h.
 */
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/apicdef.h>

#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

struct kvmx_irqchip *kvmx_irqchip_get(struct kvmx_vm *vm)
{
	return to_x86_vm(vm)->irqchip;
}

bool kvmx_irqchip_in_kernel(struct kvmx_vm *vm)
{
	/* Pairs with the release in create_irqchip(): the chip is set up. */
	return smp_load_acquire(&kvmx_irqchip_get(vm)->created);
}

bool kvmx_irqchip_full(struct kvmx_vm *vm)
{
	return kvmx_irqchip_in_kernel(vm) && !kvmx_irqchip_get(vm)->split;
}

/* ---- Injection queries (interrupts disabled, before VM entry) ---- */

/*
 * The one choice of the vector to inject: the local APIC's highest
 * deliverable vector, else, when LINT0 accepts ExtINT, the PIC's (or, with
 * a split irqchip, the vector userspace queued with KVM_INTERRUPT).  With
 * @ack the chosen source is acknowledged (IRR -> ISR, PIC INTA, queued
 * vector consumed); without it nothing changes and the PIC's answer is
 * its base vector, since the real one is fixed only by INTA.
 */
static int choose_vector(struct kvmx_x86_vcpu *xv, bool ack)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(xv->vcpu->vm);
	struct kvmx_lapic *apic = xv->apic;
	unsigned long flags;
	int v;

	if (!apic)
		return -1;
	spin_lock_irqsave(&chip->lock, flags);
	v = kvmx_lapic_pending_vector(apic);
	if (v >= 0) {
		if (ack)
			kvmx_lapic_ack(apic, v);
	} else if (kvmx_lapic_accepts_pic(apic)) {
		if (chip->split) {
			v = apic->ext_vector;
			if (ack)
				apic->ext_vector = -1;
		} else if (kvmx_pic_output(chip)) {
			v = ack ? kvmx_pic_intack(chip) : chip->pic[0].s.irq_base;
		}
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	return v;
}

int kvmx_irqchip_pending_vector(struct kvmx_x86_vcpu *xv)
{
	return choose_vector(xv, false);
}

int kvmx_irqchip_ack_vector(struct kvmx_x86_vcpu *xv)
{
	return choose_vector(xv, true);
}

long kvmx_irqchip_interrupt(struct kvmx_x86_vcpu *xv, u32 vector)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(xv->vcpu->vm);
	unsigned long flags;
	long r = 0;

	if (!chip->split)
		return -ENXIO;
	spin_lock_irqsave(&chip->lock, flags);
	if (xv->apic->ext_vector >= 0)
		r = -EEXIST;
	else
		xv->apic->ext_vector = vector;
	spin_unlock_irqrestore(&chip->lock, flags);
	return r;
}

bool kvmx_irqchip_accepts_user_intr(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(xv->vcpu->vm);
	unsigned long flags;
	bool ok;

	if (!xv->apic)
		return true;
	spin_lock_irqsave(&chip->lock, flags);
	ok = xv->apic->ext_vector < 0 && kvmx_lapic_accepts_pic(xv->apic);
	spin_unlock_irqrestore(&chip->lock, flags);
	return ok;
}

/* ---- GSI routing ---- */

static int route_deliver(struct kvmx_vm *vm, const struct kvmx_route *rt,
			 int level)
{
	if (rt->type == KVM_IRQ_ROUTING_MSI)
		return level ? kvmx_irqchip_msi(vm, rt->msi.addr_lo,
						rt->msi.addr_hi, rt->msi.data) : -1;
	switch (rt->irqchip.chip) {
	case KVM_IRQCHIP_PIC_MASTER:
		return kvmx_pic_set_irq(vm, rt->irqchip.pin, level);
	case KVM_IRQCHIP_PIC_SLAVE:
		return kvmx_pic_set_irq(vm, 8 + rt->irqchip.pin, level);
	default:
		return kvmx_ioapic_set_irq(vm, rt->irqchip.pin, level);
	}
}

/*
 * chip->lock held: drive @gsi to @level through every route it has.
 * As kvm: -1 if no route took it, else the sum of the non-negative results
 * (0 = coalesced).
 */
static int drive_gsi(struct kvmx_vm *vm, u32 gsi, int level)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	int ret = -1, r;
	u32 i;

	if (chip->dying)
		return -1;
	for (i = 0; i < chip->nr_routes; i++) {
		if (chip->routes[i].gsi != gsi)
			continue;
		r = route_deliver(vm, &chip->routes[i], level);
		if (r >= 0)
			ret = ret < 0 ? r : ret + r;
	}
	return ret;
}

int kvmx_irqchip_set_gsi(struct kvmx_vm *vm, u32 gsi, int level)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);

	if (gsi >= KVMX_NR_GSIS)
		return -1;
	__assign_bit(gsi, chip->user_level, level);
	return drive_gsi(vm, gsi, level || test_bit(gsi, chip->resample_level));
}

int kvmx_irqchip_set_gsi_resample(struct kvmx_vm *vm, u32 gsi, int level)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);

	if (gsi >= KVMX_NR_GSIS)
		return -1;
	__assign_bit(gsi, chip->resample_level, level);
	return drive_gsi(vm, gsi, level || test_bit(gsi, chip->user_level));
}

void kvmx_irqchip_pin_acked(struct kvmx_irqchip *chip, u32 chip_id, u32 pin)
{
	const struct kvmx_route *rt;
	u32 i;

	if (list_empty(&chip->resamplers))
		return;
	for (i = 0; i < chip->nr_routes; i++) {
		rt = &chip->routes[i];
		if (rt->type == KVM_IRQ_ROUTING_IRQCHIP &&
		    rt->irqchip.chip == chip_id && rt->irqchip.pin == pin)
			kvmx_irqfd_resample_ack(chip, rt->gsi);
	}
}

/* chip->lock held: an MSI write (address 0xfeexxxxx, data) to the APICs. */
int kvmx_irqchip_msi(struct kvmx_vm *vm, u32 addr_lo, u32 addr_hi, u32 data)
{
	struct kvmx_apic_irq irq = {
		.dest = (addr_lo >> 12) & 0xff,
		.logical = addr_lo & (1 << 2),
		.vector = data & 0xff,
		.delivery_mode = (data >> 8) & 7,
		.level = data & (1 << 15),
	};

	return kvmx_lapic_deliver(vm, NULL, &irq);
}

/* The routes kvm installs with the irqchip: PIC pins 0-15, IOAPIC 0-23. */
static int default_routes(struct kvmx_irqchip *chip)
{
	struct kvmx_route *rt;
	u32 gsi, n = 0;

	rt = kvcalloc(16 + KVMX_NR_IOAPIC_PINS, sizeof(*rt), GFP_KERNEL_ACCOUNT);
	if (!rt)
		return -ENOMEM;
	for (gsi = 0; gsi < 16; gsi++) {
		rt[n].gsi = gsi;
		rt[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		rt[n].irqchip.chip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
					       KVM_IRQCHIP_PIC_SLAVE;
		rt[n++].irqchip.pin = gsi & 7;
	}
	for (gsi = 0; gsi < KVMX_NR_IOAPIC_PINS; gsi++) {
		rt[n].gsi = gsi;
		rt[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		rt[n].irqchip.chip = KVM_IRQCHIP_IOAPIC;
		rt[n++].irqchip.pin = gsi;
	}
	chip->routes = rt;
	chip->nr_routes = n;
	return 0;
}

static long set_gsi_routing(struct kvmx_vm *vm, struct kvm_irq_routing __user *u)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvm_irq_routing hdr;
	struct kvm_irq_routing_entry *e;
	struct kvmx_route *rt, *old;
	unsigned long flags;
	u32 i;
	long r = -EINVAL;

	if (!kvmx_irqchip_in_kernel(vm))
		return -EINVAL;
	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nr > KVMX_MAX_ROUTES || hdr.flags)
		return -EINVAL;
	e = vmemdup_user(u->entries, array_size(hdr.nr, sizeof(*e)));
	if (IS_ERR(e))
		return PTR_ERR(e);
	rt = kvcalloc(max(hdr.nr, 1U), sizeof(*rt), GFP_KERNEL_ACCOUNT);
	if (!rt) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < hdr.nr; i++) {
		if (e[i].gsi >= KVMX_NR_GSIS || e[i].flags)
			goto out_rt;
		rt[i].gsi = e[i].gsi;
		rt[i].type = e[i].type;
		switch (e[i].type) {
		case KVM_IRQ_ROUTING_IRQCHIP:
			/* As kvm: no in-kernel pins to route to when split. */
			if (chip->split ||
			    e[i].u.irqchip.irqchip > KVM_IRQCHIP_IOAPIC ||
			    e[i].u.irqchip.pin >=
			    (e[i].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC ?
			     KVMX_NR_IOAPIC_PINS : 8))
				goto out_rt;
			rt[i].irqchip.chip = e[i].u.irqchip.irqchip;
			rt[i].irqchip.pin = e[i].u.irqchip.pin;
			break;
		case KVM_IRQ_ROUTING_MSI:
			rt[i].msi.addr_lo = e[i].u.msi.address_lo;
			rt[i].msi.addr_hi = e[i].u.msi.address_hi;
			rt[i].msi.data = e[i].u.msi.data;
			break;
		default:
			goto out_rt;
		}
	}
	spin_lock_irqsave(&chip->lock, flags);
	old = chip->routes;
	chip->routes = rt;
	chip->nr_routes = hdr.nr;
	spin_unlock_irqrestore(&chip->lock, flags);
	kvfree(old);
	kvfree(e);
	return 0;

out_rt:
	kvfree(rt);
out:
	kvfree(e);
	return r;
}

/* ---- VM ioctls ---- */

static long create_irqchip(struct kvmx_vm *vm)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	long r;

	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (chip->created)
		goto out;
	r = -EINVAL;
	if (vm->nr_vcpus)
		goto out;
	r = default_routes(chip);
	if (r)
		goto out;
	kvmx_pic_reset(chip);
	kvmx_ioapic_reset(chip);
	/* Publish the reset controllers before the flag (kvmx_irqchip_in_kernel). */
	smp_store_release(&chip->created, true);
out:
	mutex_unlock(&vm->lock);
	return r;
}

long kvmx_irqchip_enable_split(struct kvmx_vm *vm, u64 nr_ioapic_routes)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	long r = -EINVAL;

	if (nr_ioapic_routes > KVMX_MAX_ROUTES)
		return r;
	mutex_lock(&vm->lock);
	/* As kvm: EEXIST for an irqchip already there and after a vCPU. */
	r = -EEXIST;
	if (chip->created || vm->nr_vcpus)
		goto out;
	chip->split = true;
	chip->nr_ioapic_routes = nr_ioapic_routes;
	/* No routes until userspace sets them; publish the mode first. */
	smp_store_release(&chip->created, true);
	r = 0;
out:
	mutex_unlock(&vm->lock);
	return r;
}

static long irq_line(struct kvmx_vm *vm, struct kvm_irq_level __user *u,
		     bool status)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvm_irq_level line;
	unsigned long flags;
	int r;

	if (copy_from_user(&line, u, sizeof(line)))
		return -EFAULT;
	if (!kvmx_irqchip_in_kernel(vm))
		return -ENXIO;
	spin_lock_irqsave(&chip->lock, flags);
	r = kvmx_irqchip_set_gsi(vm, line.irq, !!line.level);
	spin_unlock_irqrestore(&chip->lock, flags);
	if (status) {
		line.status = r;
		if (copy_to_user(u, &line, sizeof(line)))
			return -EFAULT;
	}
	return 0;
}

static long get_set_irqchip(struct kvmx_vm *vm, struct kvm_irqchip __user *u,
			    bool set)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvm_irqchip *c;
	unsigned long flags;
	long r = 0;

	c = memdup_user(u, sizeof(*c));
	if (IS_ERR(c))
		return PTR_ERR(c);
	if (!kvmx_irqchip_full(vm)) {
		r = -ENXIO;
		goto out;
	}
	if (c->chip_id > KVM_IRQCHIP_IOAPIC) {
		r = -EINVAL;
		goto out;
	}
	spin_lock_irqsave(&chip->lock, flags);
	if (!set) {
		if (c->chip_id == KVM_IRQCHIP_IOAPIC)
			c->chip.ioapic = chip->ioapic;
		else
			c->chip.pic = chip->pic[c->chip_id].s;
	} else if (c->chip_id == KVM_IRQCHIP_IOAPIC) {
		chip->ioapic = c->chip.ioapic;
		kvmx_ioapic_state_set(vm);
	} else {
		chip->pic[c->chip_id].s = c->chip.pic;
		kvmx_pic_update(vm);
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	if (!set && copy_to_user(u, c, sizeof(*c)))
		r = -EFAULT;
out:
	kfree(c);
	return r;
}

static long signal_msi(struct kvmx_vm *vm, struct kvm_msi __user *u)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	unsigned long flags;
	struct kvm_msi msi;
	int r;

	if (copy_from_user(&msi, u, sizeof(msi)))
		return -EFAULT;
	if (!kvmx_irqchip_in_kernel(vm) || msi.flags)
		return -EINVAL;
	spin_lock_irqsave(&chip->lock, flags);
	r = kvmx_irqchip_msi(vm, msi.address_lo, msi.address_hi, msi.data);
	spin_unlock_irqrestore(&chip->lock, flags);
	return r;
}

static long set_boot_cpu_id(struct kvmx_vm *vm, unsigned long id)
{
	long r = 0;

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus)
		r = -EBUSY;
	else if (id >= KVMX_MAX_VCPU_IDS)
		r = -EINVAL;
	else
		kvmx_irqchip_get(vm)->boot_cpu_id = id;
	mutex_unlock(&vm->lock);
	return r;
}

long kvmx_irqchip_vm_ioctl(struct kvmx_vm *vm, unsigned int ioctl,
			   unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_CREATE_IRQCHIP:
		return create_irqchip(vm);
	case KVM_IRQ_LINE:
		return irq_line(vm, argp, false);
	case KVM_IRQ_LINE_STATUS:
		return irq_line(vm, argp, true);
	case KVM_GET_IRQCHIP:
		return get_set_irqchip(vm, argp, false);
	case KVM_SET_IRQCHIP:
		return get_set_irqchip(vm, argp, true);
	case KVM_SET_GSI_ROUTING:
		return set_gsi_routing(vm, argp);
	case KVM_SIGNAL_MSI:
		return signal_msi(vm, argp);
	case KVM_SET_BOOT_CPU_ID:
		return set_boot_cpu_id(vm, arg);
	case KVM_CREATE_PIT2:
		return kvmx_pit_create(vm, argp);
	case KVM_GET_PIT2:
		return kvmx_pit_get_state(vm, argp, true);
	case KVM_SET_PIT2:
		return kvmx_pit_set_state(vm, argp, true);
	case KVM_GET_PIT:
		return kvmx_pit_get_state(vm, argp, false);
	case KVM_SET_PIT:
		return kvmx_pit_set_state(vm, argp, false);
	case KVM_IRQFD:
		return kvmx_irqfd_ioctl(vm, argp);
	case KVM_IOEVENTFD:
		return kvmx_ioeventfd_ioctl(vm, argp);
	default:
		return -ENOTTY;
	}
}

long kvmx_irqchip_check_extension(long ext)
{
	switch (ext) {
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_SET_BOOT_CPU_ID:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_TSC_DEADLINE_TIMER:
		return 1;
	case KVM_CAP_IRQ_ROUTING:
		return KVMX_MAX_ROUTES;
	default:
		return 0;
	}
}

/* ---- vCPU side ---- */

static long set_mp_state(struct kvmx_x86_vcpu *xv, struct kvm_mp_state __user *u)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(xv->vcpu->vm);
	struct kvm_mp_state s;
	unsigned long flags;

	if (copy_from_user(&s, u, sizeof(s)))
		return -EFAULT;
	switch (s.mp_state) {
	case KVM_MP_STATE_RUNNABLE:
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_HALTED:
		xv->mp_state = s.mp_state;
		return 0;
	case KVM_MP_STATE_SIPI_RECEIVED:
		/* Legacy: an INIT'ed vCPU with a SIPI pending. */
		spin_lock_irqsave(&chip->lock, flags);
		xv->apic->sipi_pending = true;
		spin_unlock_irqrestore(&chip->lock, flags);
		xv->mp_state = KVM_MP_STATE_INIT_RECEIVED;
		return 0;
	default:
		return -EINVAL;
	}
}

long kvmx_irqchip_vcpu_ioctl(struct kvmx_x86_vcpu *xv, unsigned int ioctl,
			     void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_LAPIC:
		return xv->apic ? kvmx_lapic_get_state(xv, argp) : -EINVAL;
	case KVM_SET_LAPIC:
		return xv->apic ? kvmx_lapic_set_state(xv, argp) : -EINVAL;
	case KVM_SET_MP_STATE:
		return xv->apic ? set_mp_state(xv, argp) : -ENOTTY;
	default:
		return -ENOTTY;
	}
}

int kvmx_irqchip_vm_init(struct kvmx_vm *vm)
{
	struct kvmx_irqchip *chip;

	chip = kzalloc(sizeof(*chip), GFP_KERNEL_ACCOUNT);
	if (!chip)
		return -ENOMEM;
	spin_lock_init(&chip->lock);
	chip->vm = vm;
	kvmx_eventfd_init(chip);
	to_x86_vm(vm)->irqchip = chip;
	return 0;
}

void kvmx_irqchip_vm_destroy(struct kvmx_vm *vm)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);

	if (!chip)
		return;
	chip->dying = true;
	kvmx_eventfd_destroy(vm);
	kvmx_pit_destroy(vm);
	kvfree(chip->routes);
	kfree(chip);
	to_x86_vm(vm)->irqchip = NULL;
}

int kvmx_irqchip_vcpu_create(struct kvmx_x86_vcpu *xv)
{
	if (!kvmx_irqchip_in_kernel(xv->vcpu->vm))
		return 0;
	return kvmx_lapic_create(xv);
}

/*
 * vCPUs are destroyed only with the VM (no fd left): stop every source of
 * deliveries first, then drop this vCPU's APIC.
 */
void kvmx_irqchip_vcpu_destroy(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(xv->vcpu->vm);
	unsigned long flags;

	if (!xv->apic)
		return;
	spin_lock_irqsave(&chip->lock, flags);
	chip->dying = true;
	spin_unlock_irqrestore(&chip->lock, flags);
	kvmx_pit_destroy(xv->vcpu->vm);
	kvmx_lapic_free(xv);
}

/* ---- The run loop ---- */

int kvmx_irqchip_halt(struct kvmx_x86_vcpu *xv)
{
	xv->mp_state = KVM_MP_STATE_HALTED;
	return 1;
}

/* INIT: the vCPU's INIT state (registers, APIC but for ID and base). */
static void do_init(struct kvmx_x86_vcpu *xv, bool bsp)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(xv->vcpu->vm);
	u64 apic_base = xv->apic_base;
	unsigned long flags;

	hrtimer_cancel(&xv->apic->timer);
	kvmx_vcpu_reset(xv);
	xv->apic_base = apic_base;
	xv->exception.pending = false;
	xv->interrupt.injected = false;
	xv->nmi_pending = 0;
	spin_lock_irqsave(&chip->lock, flags);
	kvmx_lapic_reset(xv->apic, bsp);
	spin_unlock_irqrestore(&chip->lock, flags);
	xv->mp_state = bsp ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_INIT_RECEIVED;
}

/* Start-up IPI: real mode at vector * 4 KiB. */
static void do_sipi(struct kvmx_x86_vcpu *xv, u8 vector)
{
	struct kvm_segment cs;

	kvmx_x86->get_segment(xv, &cs, KVMX_SREG_CS);
	cs.selector = vector << 8;
	cs.base = (u64)vector << 12;
	kvmx_x86->set_segment(xv, &cs, KVMX_SREG_CS);
	xv->rip = 0;
	xv->mp_state = KVM_MP_STATE_RUNNABLE;
}

/* Take over what other threads asked of this vCPU (NMI, INIT, SIPI). */
static void accept_events(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(xv->vcpu->vm);
	struct kvmx_lapic *apic = xv->apic;
	bool init, sipi = false;
	unsigned long flags;
	int nmis;
	u8 vector = 0;

	nmis = atomic_xchg(&apic->nmi_requests, 0);
	while (nmis-- > 0 && xv->nmi_pending < 2)
		xv->nmi_pending++;
	spin_lock_irqsave(&chip->lock, flags);
	init = apic->init_pending;
	apic->init_pending = false;
	spin_unlock_irqrestore(&chip->lock, flags);
	if (init)
		do_init(xv, xv->apic_base & MSR_IA32_APICBASE_BSP);
	spin_lock_irqsave(&chip->lock, flags);
	if (xv->mp_state == KVM_MP_STATE_INIT_RECEIVED && apic->sipi_pending) {
		sipi = true;
		vector = apic->sipi_vector;
	}
	apic->sipi_pending = false;
	spin_unlock_irqrestore(&chip->lock, flags);
	if (sipi)
		do_sipi(xv, vector);
}

/* Remember (with a reference) the thread to kick while it runs the vCPU. */
static void track_task(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(xv->vcpu->vm);
	struct task_struct *old;
	unsigned long flags;

	if (xv->apic->task == current)
		return;
	get_task_struct(current);
	spin_lock_irqsave(&chip->lock, flags);
	old = xv->apic->task;
	xv->apic->task = current;
	spin_unlock_irqrestore(&chip->lock, flags);
	if (old)
		put_task_struct(old);
}

int kvmx_irqchip_before_entry(struct kvmx_x86_vcpu *xv)
{
	struct kvmx_lapic *apic = xv->apic;

	if (!apic)
		return 1;
	track_task(xv);
	/* Split irqchip: tell the userspace IOAPIC about a level EOI. */
	if (apic->eoi_exit) {
		apic->eoi_exit = false;
		xv->vcpu->run->exit_reason = KVM_EXIT_IOAPIC_EOI;
		xv->vcpu->run->eoi.vector = apic->eoi_exit_vector;
		return 0;
	}
	/*
	 * As kvm: KVM_RUN of a vCPU that never got INIT waits for an event,
	 * takes it and returns -EAGAIN; userspace runs it again.
	 */
	if (xv->mp_state == KVM_MP_STATE_UNINITIALIZED) {
		accept_events(xv);
		if (xv->mp_state == KVM_MP_STATE_UNINITIALIZED) {
			wait_event_interruptible(apic->wq,
						 kvmx_lapic_has_wake_event(xv));
			accept_events(xv);
		}
		xv->vcpu->run->exit_reason = KVM_EXIT_INTR;
		return signal_pending(current) ? -EINTR : -EAGAIN;
	}
	for (;;) {
		accept_events(xv);
		if (xv->mp_state == KVM_MP_STATE_RUNNABLE)
			return 1;
		if (xv->mp_state == KVM_MP_STATE_HALTED &&
		    kvmx_lapic_has_wake_event(xv) && !signal_pending(current)) {
			xv->mp_state = KVM_MP_STATE_RUNNABLE;
			WRITE_ONCE(xv->pv.unhalted, false);	/* a kick ends one halt */
			continue;
		}
		if (signal_pending(current)) {
			xv->vcpu->run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		wait_event_interruptible(apic->wq, kvmx_lapic_has_wake_event(xv));
	}
}

/* ---- In-kernel devices ---- */

bool kvmx_irqchip_pio(struct kvmx_x86_vcpu *xv, u16 port, u8 size, bool in,
		      u32 *val)
{
	struct kvmx_vm *vm = xv->vcpu->vm;
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	unsigned long flags;
	bool done = false;

	if (!in && kvmx_ioeventfd_write(vm, true, port, size, val))
		return true;
	if (!kvmx_irqchip_in_kernel(vm))
		return false;
	/* The PIT's ports keep their own lock order: chip->lock inside. */
	if (kvmx_pit_pio(vm, port, in, val))
		return true;
	/* Split irqchip: the PIC and the ELCR are userspace's. */
	if (chip->split)
		return false;
	spin_lock_irqsave(&chip->lock, flags);
	done = kvmx_pic_pio(vm, port, in, val);
	spin_unlock_irqrestore(&chip->lock, flags);
	if (done && in)
		*val &= 0xff;
	return done;
}

bool kvmx_irqchip_mmio(struct kvmx_x86_vcpu *xv, u64 gpa, void *buf,
		       unsigned int len, bool write)
{
	struct kvmx_vm *vm = xv->vcpu->vm;
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	u64 base, off;
	unsigned long flags;
	u32 val = 0;

	if (write && kvmx_ioeventfd_write(vm, false, gpa, len, buf))
		return true;
	if (!kvmx_irqchip_in_kernel(vm))
		return false;
	if (kvmx_lapic_mmio(xv, gpa, buf, len, write))
		return true;
	if (chip->split)
		return false;
	base = chip->ioapic.base_address;
	if (gpa < base || gpa + len > base + KVMX_IOAPIC_SIZE)
		return false;
	off = gpa - base;
	if (write)
		memcpy(&val, buf, min(len, 4U));
	spin_lock_irqsave(&chip->lock, flags);
	kvmx_ioapic_mmio(vm, off & ~3ULL, &val, write);
	spin_unlock_irqrestore(&chip->lock, flags);
	if (!write) {
		val >>= (off & 3) * 8;
		memset(buf, 0, len);
		memcpy(buf, &val, min(len, 4U));
	}
	return true;
}

int kvmx_irqchip_get_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 *data)
{
	return kvmx_lapic_get_msr(xv, index, data);
}

int kvmx_irqchip_set_msr(struct kvmx_x86_vcpu *xv, u32 index, u64 data)
{
	return kvmx_lapic_set_msr(xv, index, data);
}

void kvmx_irqchip_apic_base_changed(struct kvmx_x86_vcpu *xv)
{
	kvmx_lapic_base_changed(xv);
}
