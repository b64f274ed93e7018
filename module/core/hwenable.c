// SPDX-License-Identifier: GPL-2.0
/*
 * Virtualization is switched on (EFER.SVME / VMXON) on every online CPU
 * while at least one VM exists, and off after the last one goes, so kvmx
 * never holds the extension while idle.  CPU hotplug and suspend/resume
 * follow the same count.
 */
#define pr_fmt(fmt) "kvmx: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/syscore_ops.h>

#include "kvmx_arch.h"

/* Serialises hw_users and the per-CPU state against hotplug callbacks. */
static DEFINE_MUTEX(hw_lock);
/* Number of VMs alive; protected by hw_lock. */
static int hw_users;
/* Whether this CPU currently has virtualization enabled by kvmx. */
static DEFINE_PER_CPU(bool, hw_enabled);
/* Set if any CPU failed to enable during an on_each_cpu() pass. */
static atomic_t hw_failed;
static enum cpuhp_state hp_state;

static void hw_enable_this_cpu(void *unused)
{
	if (__this_cpu_read(hw_enabled))
		return;
	if (kvmx_arch_hw_enable_cpu()) {
		atomic_inc(&hw_failed);
		return;
	}
	__this_cpu_write(hw_enabled, true);
}

static void hw_disable_this_cpu(void *unused)
{
	if (!__this_cpu_read(hw_enabled))
		return;
	kvmx_arch_hw_disable_cpu();
	__this_cpu_write(hw_enabled, false);
}

int kvmx_hw_get(void)
{
	int r = 0;

	mutex_lock(&hw_lock);
	if (hw_users++ == 0) {
		cpus_read_lock();
		atomic_set(&hw_failed, 0);
		on_each_cpu(hw_enable_this_cpu, NULL, 1);
		if (atomic_read(&hw_failed)) {
			on_each_cpu(hw_disable_this_cpu, NULL, 1);
			hw_users = 0;
			r = -EBUSY;
		}
		cpus_read_unlock();
	}
	mutex_unlock(&hw_lock);
	return r;
}

void kvmx_hw_put(void)
{
	mutex_lock(&hw_lock);
	if (!WARN_ON_ONCE(hw_users <= 0) && --hw_users == 0) {
		cpus_read_lock();
		on_each_cpu(hw_disable_this_cpu, NULL, 1);
		cpus_read_unlock();
	}
	mutex_unlock(&hw_lock);
}

static int hw_cpu_online(unsigned int cpu)
{
	int r = 0;

	mutex_lock(&hw_lock);
	if (hw_users) {
		atomic_set(&hw_failed, 0);
		smp_call_function_single(cpu, hw_enable_this_cpu, NULL, 1);
		if (atomic_read(&hw_failed)) {
			pr_warn("CPU %u: cannot enable virtualization\n", cpu);
			r = -EIO;
		}
	}
	mutex_unlock(&hw_lock);
	return r;
}

static int hw_cpu_offline(unsigned int cpu)
{
	mutex_lock(&hw_lock);
	smp_call_function_single(cpu, hw_disable_this_cpu, NULL, 1);
	mutex_unlock(&hw_lock);
	return 0;
}

/* Syscore callbacks run on the last CPU with interrupts off. */
static int hw_suspend(void)
{
	hw_disable_this_cpu(NULL);
	return 0;
}

static void hw_resume(void)
{
	if (hw_users)
		hw_enable_this_cpu(NULL);
}

#ifdef KVMX_SYSCORE_HAS_DATA
/* Newer kernels pass a context pointer and register a struct syscore. */
static int hw_suspend_data(void *data)
{
	return hw_suspend();
}

static void hw_resume_data(void *data)
{
	hw_resume();
}

static const struct syscore_ops hw_syscore_ops = {
	.suspend = hw_suspend_data,
	.resume	 = hw_resume_data,
};

static struct syscore hw_syscore = {
	.ops = &hw_syscore_ops,
};

static void hw_register_syscore(void)
{
	register_syscore(&hw_syscore);
}

static void hw_unregister_syscore(void)
{
	unregister_syscore(&hw_syscore);
}
#else
static struct syscore_ops hw_syscore_ops = {
	.suspend = hw_suspend,
	.resume	 = hw_resume,
};

static void hw_register_syscore(void)
{
	register_syscore_ops(&hw_syscore_ops);
}

static void hw_unregister_syscore(void)
{
	unregister_syscore_ops(&hw_syscore_ops);
}
#endif

/* VMX/SVM must be off before a reboot, or the firmware may hang. */
static int hw_reboot(struct notifier_block *nb, unsigned long code, void *v)
{
	on_each_cpu(hw_disable_this_cpu, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block hw_reboot_nb = {
	.notifier_call = hw_reboot,
	.priority = 0,
};

int kvmx_hw_init(void)
{
	int r;

	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "kvmx:online",
				      hw_cpu_online, hw_cpu_offline);
	if (r < 0)
		return r;
	hp_state = r;
	hw_register_syscore();
	register_reboot_notifier(&hw_reboot_nb);
	return 0;
}

void kvmx_hw_exit(void)
{
	unregister_reboot_notifier(&hw_reboot_nb);
	hw_unregister_syscore();
	cpuhp_remove_state_nocalls(hp_state);
	WARN_ON_ONCE(hw_users);
}
