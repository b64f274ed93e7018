# SPDX-License-Identifier: GPL-2.0
#
# Top-level build.  `make` builds kvmx.ko, the VMM and the selftests;
# `make check` runs everything on the emulated test machines (see
# Documentation/testing.rst).

# Kernel build tree: the running kernel's if present, else Debian's 6.1 headers
# that scripts/setup.sh installs.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64))))
W ?= 1
export KDIR

.PHONY: all module vmm selftests unit check oracle qemu-client install clean demo bench \
	bench-boot linux-boot-vmx

all: module vmm selftests

module:
	@test -n "$(KDIR)" || { echo "kvmx: no kernel build tree; run scripts/setup.sh or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

vmm:
	$(MAKE) -C vmm

selftests:
	$(MAKE) -C selftests

# Pure code (decoder, walker, ...) unit-tested on the build host.
unit:
	$(MAKE) -C selftests unit

check:
	scripts/check.sh

# Boot the SVM machine, load kvmx.ko, boot Linux through the VMM on it.
demo:
	scripts/setup.sh
	$(MAKE) module KDIR=$$(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n1)
	KVMX_MODULE=$(CURDIR)/kvmx.ko vmm/tests/linux_boot.sh svm --hv kvmx

# Debian's QEMU (-M pc, SeaBIOS) as a client of Debian's kvm and kvmx.ko in
# one machine: a Linux guest reboots, QEMU stops, continues and quits
# (scripts/qemu_client.sh; make check runs it on svm).
qemu-client: module
	KVMX_MODULE=$(CURDIR)/kvmx.ko scripts/qemu_client.sh $(or $(VENDOR),svm) --hv "$(or $(HV),ref kvmx ref-shadow kvmx-shadow)"

# make oracle HV=kvmx|ref VENDOR=svm|vmx [TESTS="a b"]
oracle:
	scripts/oracle.sh $(or $(HV),kvmx) $(or $(VENDOR),svm) $(TESTS)

# The benchmarks (exit costs, and paging with nested and shadow paging):
# Debian's kvm and kvmx.ko in one SVM machine; bench/run.sh vmx for Bochs
# (Documentation/observability.rst, Documentation/mmu.rst).
bench: module
	$(MAKE) -C bench run

# The VMM's boot against QEMU's microvm, on Debian's kvm and on kvmx.ko in
# one SVM machine (Documentation/vmm.rst).
bench-boot: module
	KVMX_BENCH_MODULE=$(CURDIR)/kvmx.ko vmm/bench/boot.sh svm

# Linux through the VMM in the Bochs VMX machine (slow: not in make check).
# HV=ref (Debian's kvm-intel, default), kvmx, ref-shadow or kvmx-shadow.
linux-boot-vmx:
	vmm/tests/linux_boot.sh vmx --hv $(or $(HV),ref)

install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(KDIR)))

clean:
	$(MAKE) -C vmm clean
	$(MAKE) -C selftests clean
	if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
