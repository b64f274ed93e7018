// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 programmable interval timer (KVM_CREATE_PIT2): ports 0x40-0x42
 * (counters), 0x43 (control word, latch and read-back commands) and the
 * speaker port 0x61 (channel 2 gate and output).  Counters are computed
 * from the time since the count was loaded at 1.193182 MHz; channel 0
 * raises IRQ 0 (through the GSI routing: PIC and IOAPIC) on an hrtimer in
 * modes 0 (interrupt on terminal count), 2 (rate generator) and 3 (square
 * wave).
 *
 * Locking: the state is under chip->lock like the other controllers;
 * each PIT's own pit->mutex serialises the guest's PIO and the ioctls of
 * that VM so that the timer is cancelled and restarted outside chip->lock
 * (its callback takes it).  chip->pit is published once by
 * KVM_CREATE_PIT2 (cmpxchg) and cleared only at teardown, when no vCPU
 * or ioctl of the VM runs any more, so it is read without a lock.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmx_irqchip.h"
#include "kvmx_x86.h"

#define PIT_HZ		1193182ULL
#define PIT_IRQ		0
#define RW_LSB		1
#define RW_MSB		2
#define RW_WORD0	3
#define RW_WORD1	4

/* The VM's PIT, or NULL before KVM_CREATE_PIT2. */
static struct kvmx_pit *pit_of(struct kvmx_vm *vm)
{
	/* Pairs with the release in kvmx_pit_create(): the PIT is set up. */
	return smp_load_acquire(&kvmx_irqchip_get(vm)->pit);
}

static u64 ticks_since_load(struct kvm_pit_channel_state *c)
{
	s64 ns = ktime_get_ns() - c->count_load_time;

	return ns <= 0 ? 0 : mul_u64_u32_div(ns, PIT_HZ, NSEC_PER_SEC);
}

static u32 count_of(struct kvm_pit_channel_state *c)
{
	return c->count ? c->count : 0x10000;
}

static u16 read_counter(struct kvm_pit_channel_state *c)
{
	u64 d = ticks_since_load(c);
	u32 n = count_of(c);

	switch (c->mode) {
	case 2: case 6:
		return n - do_div(d, n);
	case 3: case 7:
		d *= 2;
		return n - do_div(d, n);
	default:
		return (n - d) & 0xffff;
	}
}

static int output_of(struct kvm_pit_channel_state *c)
{
	u64 d = ticks_since_load(c);
	u32 n = count_of(c);

	switch (c->mode) {
	case 0:
		return d >= n;
	case 1:
		return d < n;
	case 2: case 6:
		return do_div(d, n) != 0 || d == 0;
	case 3: case 7:
		return do_div(d, n) < ((n + 1) >> 1);
	default:
		return d == n;
	}
}

static u64 ticks_to_ns(u64 ticks)
{
	return mul_u64_u32_div(ticks, NSEC_PER_SEC, PIT_HZ);
}

/* Raise IRQ 0 as an edge (chip->lock held). */
static void pit_pulse(struct kvmx_vm *vm)
{
	kvmx_irqchip_set_gsi(vm, PIT_IRQ, 1);
	kvmx_irqchip_set_gsi(vm, PIT_IRQ, 0);
}

static enum hrtimer_restart pit_expired(struct hrtimer *t)
{
	struct kvmx_pit *pit = container_of(t, struct kvmx_pit, timer);
	struct kvmx_irqchip *chip = kvmx_irqchip_get(pit->vm);
	enum hrtimer_restart r = HRTIMER_NORESTART;
	unsigned long flags;

	spin_lock_irqsave(&chip->lock, flags);
	if (!chip->dying)
		pit_pulse(pit->vm);
	if (pit->period_ns) {
		hrtimer_forward_now(t, ns_to_ktime(pit->period_ns));
		r = HRTIMER_RESTART;
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	return r;
}

/* pit->mutex held, chip->lock not: restart channel 0's timer. */
static void pit_timer_restart(struct kvmx_vm *vm, struct kvmx_pit *pit)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvm_pit_channel_state *c = &pit->ch[0].s;
	unsigned long flags;
	u64 ns = 0;

	lockdep_assert_held(&pit->mutex);
	hrtimer_cancel(&pit->timer);
	spin_lock_irqsave(&chip->lock, flags);
	pit->period_ns = 0;
	switch (c->mode) {
	case 0:
		ns = ticks_to_ns(count_of(c));
		break;
	case 2: case 3: case 6: case 7:
		/* Not faster than ~20 kHz, so a guest cannot flood the host. */
		ns = max_t(u64, ticks_to_ns(count_of(c)), 50000);
		pit->period_ns = ns;
		break;
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	if (ns)
		hrtimer_start(&pit->timer, ns_to_ktime(c->count_load_time + ns),
			      HRTIMER_MODE_ABS_HARD);
}

/*
 * A count of 0 means 65536, and is kept as 0x10000, as kvm keeps it: that
 * is what KVM_GET_PIT2 reports, and what VMMs divide by (QEMU computes the
 * counter modulo the count when it reads the PIT's state).
 */
static u32 count_for(u32 val)
{
	return val ? val : 0x10000;
}

/* chip->lock held: a new count; true if channel 0's timer must restart. */
static bool load_count(struct kvmx_pit *pit, int ch, u32 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[ch].s;

	c->count = count_for(val & 0xffff);
	c->count_load_time = ktime_get_ns();
	return ch == 0;
}

static void latch_count(struct kvm_pit_channel_state *c)
{
	if (c->count_latched)
		return;
	c->latched_count = read_counter(c);
	c->count_latched = c->rw_mode;
}

static void latch_status(struct kvm_pit_channel_state *c)
{
	if (c->status_latched)
		return;
	c->status = (output_of(c) << 7) | (c->rw_mode << 4) | (c->mode << 1) |
		    c->bcd;
	c->status_latched = 1;
}

static void write_control(struct kvmx_pit *pit, u8 val)
{
	int ch = val >> 6, i;
	struct kvm_pit_channel_state *c;

	if (ch == 3) {			/* read-back command */
		for (i = 0; i < 3; i++) {
			if (!(val & (2 << i)))
				continue;
			c = &pit->ch[i].s;
			if (!(val & 0x20))
				latch_count(c);
			if (!(val & 0x10))
				latch_status(c);
		}
		return;
	}
	c = &pit->ch[ch].s;
	if (!((val >> 4) & 3)) {
		latch_count(c);
		return;
	}
	c->rw_mode = (val >> 4) & 3;
	c->read_state = c->rw_mode;
	c->write_state = c->rw_mode;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;		/* 6 and 7 are aliases of 2 and 3 */
	c->bcd = val & 1;
}

static bool write_counter(struct kvmx_pit *pit, int ch, u8 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[ch].s;

	switch (c->write_state) {
	case RW_LSB:
		return load_count(pit, ch, val);
	case RW_MSB:
		return load_count(pit, ch, val << 8);
	case RW_WORD0:
		c->write_latch = val;
		c->write_state = RW_WORD1;
		return false;
	default:
		c->write_state = RW_WORD0;
		return load_count(pit, ch, c->write_latch | (val << 8));
	}
}

static u8 read_port(struct kvm_pit_channel_state *c)
{
	u16 v;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		switch (c->count_latched) {
		case RW_MSB:
			c->count_latched = 0;
			return c->latched_count >> 8;
		case RW_WORD0:
			c->count_latched = RW_MSB;
			return c->latched_count;
		default:
			c->count_latched = 0;
			return c->latched_count;
		}
	}
	v = read_counter(c);
	switch (c->read_state) {
	case RW_MSB:
		return v >> 8;
	case RW_WORD0:
		c->read_state = RW_WORD1;
		return v;
	case RW_WORD1:
		c->read_state = RW_WORD0;
		return v >> 8;
	default:
		return v;
	}
}

bool kvmx_pit_pio(struct kvmx_vm *vm, u16 port, bool in, u32 *val)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_pit *pit;
	unsigned long flags;
	bool restart = false;

	if (!(port >= 0x40 && port <= 0x43) && port != 0x61)
		return false;
	pit = pit_of(vm);
	if (!pit)
		return false;
	mutex_lock(&pit->mutex);
	spin_lock_irqsave(&chip->lock, flags);
	if (port == 0x61) {
		if (in) {
			/* Bit 4 toggles with DRAM refresh (every 15 us). */
			*val = pit->speaker | (output_of(&pit->ch[2].s) << 5) |
			       (((ktime_get_ns() / 15085) & 1) << 4);
		} else {
			/* A rising gate restarts counters 2 in modes 1 and 5. */
			if ((*val & 1) && !pit->ch[2].s.gate)
				pit->ch[2].s.count_load_time = ktime_get_ns();
			pit->ch[2].s.gate = *val & 1;
			pit->speaker = *val & 3;
		}
	} else if (port == 0x43) {
		if (in)
			*val = 0xff;
		else
			write_control(pit, *val);
	} else if (in) {
		*val = read_port(&pit->ch[port - 0x40].s);
	} else {
		restart = write_counter(pit, port - 0x40, *val);
	}
	spin_unlock_irqrestore(&chip->lock, flags);
	if (restart)
		pit_timer_restart(vm, pit);
	mutex_unlock(&pit->mutex);
	if (in)
		*val &= 0xff;
	return true;
}

long kvmx_pit_create(struct kvmx_vm *vm, void __user *u)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvm_pit_config cfg;
	struct kvmx_pit *pit;
	int i;

	if (copy_from_user(&cfg, u, sizeof(cfg)))
		return -EFAULT;
	if (cfg.flags & ~KVM_PIT_SPEAKER_DUMMY)
		return -EINVAL;
	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		return -ENOMEM;
	pit->vm = vm;
	mutex_init(&pit->mutex);
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	pit->timer.function = pit_expired;
	/* kvm's reset state: no mode programmed (0xff), a count of 65536. */
	for (i = 0; i < 3; i++) {
		pit->ch[i].s.mode = 0xff;
		pit->ch[i].s.gate = i != 2;
		pit->ch[i].s.count = 0x10000;
		pit->ch[i].s.count_load_time = ktime_get_ns();
	}
	/* Publish the initialised PIT; the release pairs with PIO's acquire. */
	if (cmpxchg_release(&chip->pit, NULL, pit)) {
		kfree(pit);
		return -EEXIST;
	}
	return 0;
}

void kvmx_pit_destroy(struct kvmx_vm *vm)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_pit *pit;

	/* Teardown: no vCPU or ioctl of the VM runs, nobody else reads it. */
	pit = xchg(&chip->pit, NULL);
	if (!pit)
		return;
	hrtimer_cancel(&pit->timer);
	kfree(pit);
}

long kvmx_pit_get_state(struct kvmx_vm *vm, void __user *u, bool v2)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_pit *pit = pit_of(vm);
	struct kvm_pit_state2 s = {};
	unsigned long flags;
	int i;

	if (!pit)
		return -ENXIO;
	mutex_lock(&pit->mutex);
	spin_lock_irqsave(&chip->lock, flags);
	for (i = 0; i < 3; i++)
		s.channels[i] = pit->ch[i].s;
	s.flags = pit->flags;
	spin_unlock_irqrestore(&chip->lock, flags);
	mutex_unlock(&pit->mutex);
	if (copy_to_user(u, &s, v2 ? sizeof(s) : sizeof(struct kvm_pit_state)))
		return -EFAULT;
	return 0;
}

long kvmx_pit_set_state(struct kvmx_vm *vm, void __user *u, bool v2)
{
	struct kvmx_irqchip *chip = kvmx_irqchip_get(vm);
	struct kvmx_pit *pit = pit_of(vm);
	struct kvm_pit_state2 s = {};
	unsigned long flags;
	int i;

	if (copy_from_user(&s, u, v2 ? sizeof(s) : sizeof(struct kvm_pit_state)))
		return -EFAULT;
	if (!pit)
		return -ENXIO;
	mutex_lock(&pit->mutex);
	spin_lock_irqsave(&chip->lock, flags);
	/*
	 * Taken as given, as kvm takes it, but the counts, which are loaded
	 * (0 becomes 65536) and restart now; a mode the PIT does not know
	 * (0xff of a fresh PIT) runs no timer.
	 */
	for (i = 0; i < 3; i++) {
		pit->ch[i].s = s.channels[i];
		pit->ch[i].s.count = count_for(s.channels[i].count);
		pit->ch[i].s.count_load_time = ktime_get_ns();
	}
	if (v2)
		pit->flags = s.flags & KVM_PIT_FLAGS_HPET_LEGACY;
	spin_unlock_irqrestore(&chip->lock, flags);
	pit_timer_restart(vm, pit);
	mutex_unlock(&pit->mutex);
	return 0;
}
