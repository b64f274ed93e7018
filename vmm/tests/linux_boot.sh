#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vmm/tests/linux_boot.sh [svm|vmx] [--hv HV] [--cpus N] [--irqchip MODE]:
# boot Debian's kernel with kvmx inside a test machine (scripts/machine.sh)
# and check that the nested guest reaches its shell, sees its vCPUs and
# devices, and powers off with status 0.  HV: ref or kvmx (default ref), or
# ref-shadow / kvmx-shadow for the same with shadow paging (kvm_amd npt=0
# or kvm_intel ept=0; kvmx tdp=0).
#
# The nested guest is the same vmlinuz the machine boots, with a tiny
# busybox initramfs whose /init loads the virtio modules, reads the
# virtio-blk disk and virtio-rng, prints KVMX-L2-OK and powers off.
# Prints TAP; exits 0 when every check passed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${KVMX_CACHE:-$root/.cache}
vendor=${1:-svm}
[ $# -gt 0 ] && shift
hv=ref
cpus=2
irqchip=auto
while [ $# -gt 0 ]; do
	case $1 in
	--hv)
		case $2 in ref | kvmx | ref-shadow | kvmx-shadow) ;;
		*) echo "linux_boot.sh: --hv ref, kvmx, ref-shadow or kvmx-shadow" >&2; exit 2 ;;
		esac
		hv=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--irqchip) irqchip=$2; shift 2 ;;
	*) echo "linux_boot.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

work=$(mktemp -d /tmp/kvmx-linux-boot.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A static kvmx and tiny-guest test, built from a copy so that the tree's own
# build is untouched.
mkdir -p "$work/src/vmm/tests/guests" "$work/src/vmm/devices" "$work/src/selftests/lib" "$work/guests"
cp "$root"/vmm/*.[ch] "$root/vmm/Makefile" "$work/src/vmm/"
cp "$root"/vmm/devices/*.[ch] "$work/src/vmm/devices/"
cp "$root"/vmm/tests/run_test.c "$work/src/vmm/tests/"
cp "$root"/vmm/tests/guests/*.S "$work/src/vmm/tests/guests/"
cp "$root"/selftests/lib/harness.[ch] "$work/src/selftests/lib/"
make -s -C "$work/src/vmm" STATIC=1 kvmx guests tests/run_test 2>&1 |
	grep -v 'statically linked' || true
cp "$work/src/vmm/kvmx" "$work/src/vmm/tests/run_test" "$work/"
cp "$work"/src/vmm/tests/guests/*.bin "$work/guests/"

abi=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(6\.1[^ ]*\)$/\1/p' | head -1)
kdir=$cache/kernel/$abi
[ -f "$kdir/vmlinuz" ] || "$root/scripts/kernel.sh" "$abi" >/dev/null

# The virtio modules of that kernel (scripts/kernel.sh keeps only KVM's).
mods=$work/mods
mkdir -p "$mods"
if [ ! -f "$cache/vmm-mods-$abi/tun.ko" ]; then
	(cd "$work" && apt-get download "linux-image-$abi" >/dev/null)
	dpkg -x "$work"/linux-image-"$abi"_*.deb "$work/x"
	mkdir -p "$cache/vmm-mods-$abi"
	for m in virtio/virtio_ring virtio/virtio virtio/virtio_mmio block/virtio_blk \
		 char/hw_random/virtio-rng net/virtio_net net/net_failover net/tun; do
		cp "$work/x/lib/modules/$abi/kernel/drivers/$m.ko" "$cache/vmm-mods-$abi/"
	done
	cp "$work/x/lib/modules/$abi/kernel/net/core/failover.ko" "$cache/vmm-mods-$abi/"
	rm -rf "$work/x" "$work"/*.deb
fi
cp "$cache/vmm-mods-$abi"/*.ko "$mods/"

# The nested guest's initramfs.
l2=$work/l2
mkdir -p "$l2"/{bin,dev,proc,sys,lib}
cp /bin/busybox "$l2/bin/busybox"
cp "$mods"/*.ko "$l2/lib/"
cat >"$l2/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "L2: shell up, uptime $(cut -d' ' -f1 /proc/uptime)"
echo "L2: cpus $(grep -c ^processor /proc/cpuinfo)"
for m in virtio_ring virtio virtio_mmio virtio_blk virtio-rng failover net_failover \
	 virtio_net; do
	insmod /lib/$m.ko || echo "L2: insmod $m failed"
done
sleep 1
echo "L2: virtio devices $(ls /sys/bus/virtio/devices | wc -l)"
echo "L2: eth0 $(cat /sys/class/net/eth0/address 2>/dev/null)"
echo "L2: vda sectors $(cat /sys/block/vda/size 2>/dev/null)"
echo "L2: vda head $(head -c 16 /dev/vda 2>/dev/null)"
echo "L2: written $(echo kvmx-write-test | dd of=/dev/vda bs=512 seek=8 conv=sync 2>/dev/null && echo ok)"
echo "L2: vdb head $(head -c 16 /dev/vdb 2>/dev/null)"
echo "L2: vdb written $(echo qcow2-write | dd of=/dev/vdb bs=512 seek=64 conv=sync,fsync 2>/dev/null && echo ok)"
echo "L2: hwrng $(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
echo "L2: random bytes $(head -c 32 /dev/hwrng | wc -c)"
echo "L2: rtc year $(date -u +%Y)"
# Console input: the machine types "typed-into-l2" once a second.
for i in 1 2 3 4 5; do
	read -t 30 line </dev/console && [ "$line" = typed-into-l2 ] && break
done
echo "L2: console input $line"
ip link set eth0 up && ip addr add 10.0.2.2/24 dev eth0
echo "L2: ping $(ping -c 3 -W 3 10.0.2.1 >/dev/null 2>&1 && echo ok || echo failed)"
echo KVMX-L2-OK
poweroff -f
INIT
chmod 755 "$l2/init"
(cd "$l2" && find . | cpio --quiet -o -H newc -R 0:0 | gzip -1) >"$work/l2.cpio.gz"

# A 4 MiB raw disk whose first bytes the guest reads back.
printf 'KVMX-DISK-MAGIC!' >"$work/disk.img"
truncate -s 4M "$work/disk.img"
# A qcow2 v3 overlay on a raw base (relative backing name): the second disk.
printf 'KVMX-BASE-MAGIC!' >"$work/base.raw"
truncate -s 4M "$work/base.raw"
(cd "$work" && qemu-img create -q -f qcow2 -o compat=1.1 -b base.raw -F raw top.qcow2)

cat >"$work/run" <<RUN
#!/bin/sh
set -u
F=\$KVMX_FILES
case "$hv" in
ref*)
	for m in \$(cat /kvmx/ref/load-\$KVMX_VENDOR); do
		p=
		if [ "$hv" = ref-shadow ]; then
			case \$m in kvm-amd) p=npt=0 ;; kvm-intel) p=ept=0 ;; esac
		fi
		insmod /kvmx/ref/\$m.ko \$p || exit 1
	done ;;
*)
	p=
	[ "$hv" = kvmx-shadow ] && p=tdp=0
	insmod /kvmx/kvmx.ko \$p || exit 1 ;;
esac
insmod \$F/tun.ko 2>/dev/null
# run_test's terminal case needs ptys.
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null
# The host side of virtio-net: configure the tap once kvmx has created it.
( i=0; while [ \$i -lt 600 ] && ! ip link show kvmxtap0 >/dev/null 2>&1; do
	sleep 0.1; i=\$((i + 1)); done
  ip link set kvmxtap0 up && ip addr add 10.0.2.1/24 dev kvmxtap0 ) &
q0=\$(wc -c <\$F/top.qcow2)
# The tiny-guest tests first, against the same hypervisor.
KVMX_BIN=\$F/kvmx KVMX_GUESTS=\$F/guests \$F/run_test 2>&1 | sed 's/^/flat: /'
t0=\$(cut -d' ' -f1 /proc/uptime)
# The nested console goes to the machine's console as it comes, prefixed, with
# "[" turned into "(" so that scripts/machine.sh's fault detector, which is
# for the machine's own kernel, does not take the nested kernel's messages
# for its own (they are counted separately below).
{ while :; do echo typed-into-l2; sleep 1; done | \$F/kvmx run --kernel /kvmx/files/vmlinuz --initrd \$F/l2.cpio.gz --mem 256M \
	--cpus $cpus --irqchip $irqchip --disk \$F/disk.img --disk \$F/top.qcow2 --rng --net tap=kvmxtap0 \
	--append "console=ttyS0 \${KVMX_L2_APPEND:-quiet} panic=-1" 2>&1
  echo "kvmx-rc=\$?"; } | while IFS= read -r line; do echo "| \${line//\\[/(}"; done | tee /tmp/l2.log
rc=\$(sed -n 's/^| kvmx-rc=//p' /tmp/l2.log)
q1=\$(wc -c <\$F/top.qcow2)
[ "\$q1" -gt "\$q0" ] && echo "L1: top.qcow2 grew from \$q0 to \$q1 bytes"
t1=\$(cut -d' ' -f1 /proc/uptime)
echo "L1: kvmx exit status \$rc, wall \$(echo "\$t1 \$t0" | awk '{print \$1 - \$2}') s"
echo "L1: disk after: \$(dd if=\$F/disk.img bs=512 skip=8 count=1 2>/dev/null | head -c 16)"
[ \$rc -eq 0 ] && grep -q KVMX-L2-OK /tmp/l2.log
RUN

if [ "${hv%-shadow}" = kvmx ]; then
	module_args=(--module "${KVMX_MODULE:-$cache/build-6.1/kvmx.ko}")
else
	module_args=(--no-module)
fi
# Bochs never interrupts a running guest for the host's timer, so no signal
# ends a guest spinning with interrupts off: run_test skips that case there
# (as the selftests do, KVMX_NO_GUEST_PREEMPTION).  Its boot is slow too.
if [ "$vendor" = vmx ]; then
	module_args+=(--env KVMX_SKIP_SPIN=1)
	timeout=${KVMX_BOOT_TIMEOUT:-3000}
else
	timeout=${KVMX_BOOT_TIMEOUT:-900}
fi
set +e
"$root/scripts/machine.sh" "$vendor" --no-tests --quiet \
	--add "$work/kvmx" --add "$work/l2.cpio.gz" --add "$work/disk.img" \
	--add "$work/run_test" --add "$work/guests" --add "$mods/tun.ko" "${module_args[@]}" \
	--add "$work/base.raw" --add "$work/top.qcow2" \
	--add "$kdir/vmlinuz" --run "$work/run" --log "$work/console.log" \
	--env "KVMX_L2_APPEND=${KVMX_L2_APPEND:-quiet}" --timeout "$timeout" \
	${KVMX_MACHINE_SMP:+--smp $KVMX_MACHINE_SMP} >/dev/null 2>"$work/machine.err"
mrc=$?
set -e
grep -E '^(\| )?(L1|L2):|KVMX-L2-OK|^(\| )?kvmx:|^flat: (not ok|ok|# Totals)' "$work/console.log" |
	sed 's/^/# /'
tail -1 "$work/machine.err" | sed 's/^/# /'

n=0 fails=0
check() { # NAME PATTERN
	n=$((n + 1))
	if grep -qE "$2" "$work/console.log"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		fails=$((fails + 1))
	fi
}
echo "TAP version 13"
check "tiny-guest tests (vmm/tests/run_test) pass on $hv" '^flat: # Totals: pass:[1-9][0-9]* fail:0 '
check "nested Linux reaches its shell" '^\| L2: shell up'
check "nested Linux sees $cpus vCPUs" "^\| L2: cpus $cpus"
check "virtio-mmio devices found through ACPI" '^\| L2: virtio devices 4'
check "virtio-blk reads the disk" '^\| L2: vda head KVMX-DISK-MAGIC!'
check "virtio-blk writes reach the image" '^L1: disk after: kvmx-write-test'
check "qcow2 overlay reads through to its raw backing file" '^\| L2: vdb head KVMX-BASE-MAGIC!'
check "qcow2 overlay takes writes (allocates clusters)" '^L1: top.qcow2 grew from'

check "the serial console carries input to the guest" '^\| L2: console input typed-into-l2'
check "virtio-rng feeds hw_random" '^\| L2: random bytes 32'
check "virtio-net over tap: the guest pings the host" '^\| L2: ping ok'
check "poweroff ends kvmx with status 0" '^L1: kvmx exit status 0'
echo "1..$n"
# Known: under QEMU TCG the nested kernel warns "XSAVE consistency problem"
# (CPUID.0xD.0.EBX stale after XSETBV); see Documentation/vmm.rst.
grep -E '^\| \( *[0-9.]+\] (WARNING|BUG|Oops|Kernel panic)' "$work/console.log" |
	sed 's/^/# nested kernel: /' || true
[ $mrc -eq 0 ] && [ $fails -eq 0 ]
