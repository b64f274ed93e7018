#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/qemu_client.sh [svm|vmx] [--hv "ref kvmx"] [--machine pc|q35]
#     [--irqchip on|split] [--smp N]
# (hypervisors: ref, kvmx, and ref-shadow / kvmx-shadow with shadow paging;
# default -M pc, the in-kernel irqchip, one vCPU)
# (make qemu-client): QEMU as a foreign client of each hypervisor.  Inside
# one test machine, Debian's QEMU runs `-M pc -accel kvm -cpu host` with
# SeaBIOS and the in-kernel irqchip, and boots Debian's kernel with a
# busybox initramfs whose init prints a marker and reboots the guest.  For
# each hypervisor the run passes when:
#
#   - the guest booted twice (the reboot went through SeaBIOS and QEMU's
#     reset path, which reads back the in-kernel PIT, PIC and IOAPIC);
#   - QEMU survived a stop and a continue from its monitor (a stop reads the
#     in-kernel clock and PIT state as well);
#   - QEMU exited with status 0 on the monitor's quit.
#
# Output: one TAP line per hypervisor ("ok 1 ref-svm/qemu-pc", or
# qemu-q35-split-smp2 for -M q35 with the split irqchip and 2 vCPUs), then a
# summary line "qemu-client: N passed, N failed".  Exit status 0 when all
# passed.  Environment: KVMX_MODULE (default ./kvmx.ko, else make check's
# build-6.1), KVMX_QEMU_CLIENT_LOG (default out/qemu-client/<vendor>.log),
# KVMX_QEMU_CLIENT_TIMEOUT (guest seconds per hypervisor, default 300).
set -euo pipefail
{
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${KVMX_CACHE:-$root/.cache}
vendor=svm
case ${1:-} in svm | vmx) vendor=$1; shift ;; esac
hvs="ref kvmx"
machine=pc
irqchip=on
smp=1
while [ $# -gt 0 ]; do
	case $1 in
	--hv) hvs=$2; shift 2 ;;
	--machine) machine=$2; shift 2 ;;
	--irqchip) irqchip=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	*) echo "qemu_client.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
module=${KVMX_MODULE:-$root/kvmx.ko}
[ -f "$module" ] || module=$cache/build-6.1/kvmx.ko
log=${KVMX_QEMU_CLIENT_LOG:-$root/out/qemu-client/$vendor.log}
mkdir -p "$(dirname "$log")"
work=$(mktemp -d /tmp/kvmx-qemu-client.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/files"

abi=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(6\.1[^ ]*\)$/\1/p' | head -1)
kdir=$cache/kernel/$abi
[ -f "$kdir/vmlinuz" ] || "$root/scripts/kernel.sh" "$abi" >/dev/null
cp "$kdir/vmlinuz" "$work/files/"

# Debian's QEMU (dynamically linked): the binary and its libraries at their
# own paths, and the firmware a PC needs (SeaBIOS, the option ROMs that
# -kernel and the TPR patching use).
copy_qemu "$work/qroot" /usr/share/qemu/linuxboot_dma.bin \
	/usr/share/qemu/kvmvapic.bin /usr/share/qemu/multiboot_dma.bin \
	/usr/share/seabios/bios-256k.bin
mapfile -t adds < <(qemu_adds "$work/qroot")

# The nested guest: a marker on every boot, then a reboot.
l2=$work/l2
mkdir -p "$l2/bin"
cp /bin/busybox "$l2/bin/busybox"
cat >"$l2/init" <<'INIT'
#!/bin/busybox sh
echo QEMU-CLIENT-BOOT
/bin/busybox sleep 1
/bin/busybox reboot -f
INIT
chmod 755 "$l2/init"
(cd "$l2" && find . | cpio --quiet -o -H newc -R 0:0 | gzip -1) >"$work/files/l2.cpio.gz"

cat >"$work/run" <<'RUN'
#!/bin/sh
F=$KVMX_FILES
n=0
failed=0

# boots: how many times the guest's init ran so far.
boots() {
	grep -c QEMU-CLIENT-BOOT /tmp/console 2>/dev/null || true
}

# wait_boots N SECS: until the guest booted N times or QEMU is gone.
wait_boots() {
	t=0
	while [ "$(boots)" -lt "$1" ]; do
		kill -0 $qpid 2>/dev/null || return 1
		[ $t -ge "$2" ] && return 1
		sleep 1
		t=$((t + 1))
	done
}

# run_qemu HV: one QEMU run; prints "# ..." diagnostics, returns 0 if passed.
run_qemu() {
	rm -f /tmp/console /tmp/mon
	mkfifo /tmp/mon
	qemu-system-x86_64 -M $QC_MACHINE,kernel-irqchip=$QC_IRQCHIP -accel kvm \
		-cpu host -m 256M -smp $QC_SMP \
		-nodefaults -no-user-config -display none \
		-serial file:/tmp/console -monitor stdio \
		-kernel $F/vmlinuz -initrd $F/l2.cpio.gz \
		-append "console=ttyS0 quiet panic=-1" \
		</tmp/mon >/tmp/qemu.out 2>&1 &
	qpid=$!
	exec 3>/tmp/mon
	ok=0
	if ! wait_boots 2 $QC_TIMEOUT; then
		echo "# $1: the guest booted $(boots) times, want 2"
		ok=1
	else
		echo stop >&3
		sleep 1
		echo cont >&3
		sleep 1
		kill -0 $qpid 2>/dev/null || { echo "# $1: QEMU died on stop/cont"; ok=1; }
	fi
	echo quit >&3
	exec 3>&-
	t=0
	while kill -0 $qpid 2>/dev/null && [ $t -lt 30 ]; do sleep 1; t=$((t + 1)); done
	kill -9 $qpid 2>/dev/null || true
	wait $qpid
	st=$?
	if [ $st -ne 0 ]; then
		echo "# $1: QEMU exit status $st (128 + signal)"
		ok=1
	fi
	if [ $ok -ne 0 ]; then
		sed 's/^/#   qemu: /' /tmp/qemu.out | tail -n 20
		sed 's/^/#   guest: /' /tmp/console | tail -n 20
		dmesg | tail -n 20 | sed 's/^/#   dmesg: /'
	fi
	return $ok
}

for hv in $QC_HVS; do
	n=$((n + 1))
	case $hv in
	ref | ref-shadow)
		for m in $(cat /kvmx/ref/load-$KVMX_VENDOR); do
			p=
			if [ $hv = ref-shadow ]; then
				case $m in kvm-amd) p=npt=0 ;; kvm-intel) p=ept=0 ;; esac
			fi
			insmod /kvmx/ref/$m.ko $p
		done
		;;
	kvmx) insmod /kvmx/kvmx.ko ;;
	kvmx-shadow) insmod /kvmx/kvmx.ko tdp=0 ;;
	esac
	if [ ! -c /dev/kvm ]; then
		echo "not ok $n $hv-$KVMX_VENDOR/$QC_NAME # no /dev/kvm"
		failed=1
		continue
	fi
	if run_qemu $hv; then
		echo "ok $n $hv-$KVMX_VENDOR/$QC_NAME"
	else
		echo "not ok $n $hv-$KVMX_VENDOR/$QC_NAME"
		failed=1
	fi
	case $hv in
	ref*) for m in $(sed -n '1!G;h;$p' /kvmx/ref/load-$KVMX_VENDOR); do rmmod $m; done ;;
	*) rmmod kvmx ;;
	esac
done
exit $failed
RUN
chmod 755 "$work/run"

# The case's name: qemu-MACHINE, -split with the split irqchip, -smpN.
name=qemu-$machine
[ "$irqchip" = on ] || name=$name-$irqchip
[ "$smp" = 1 ] || name=$name-smp$smp

set +e
"$root/scripts/machine.sh" "$vendor" --quiet --no-tests --module "$module" \
	--mem 1536 --add "$work/files/vmlinuz" --add "$work/files/l2.cpio.gz" \
	"${adds[@]}" --env "QC_HVS=$hvs" --env "QC_MACHINE=$machine" \
	--env "QC_IRQCHIP=$irqchip" --env "QC_SMP=$smp" --env "QC_NAME=$name" \
	--env "QC_TIMEOUT=${KVMX_QEMU_CLIENT_TIMEOUT:-300}" \
	--run "$work/run" --log "$log" --timeout "${KVMX_QEMU_CLIENT_WALL:-1800}"
status=$?
set -e
grep -E '^(not )?ok [0-9]+ |^# ' "$log" | grep -v '^# kvmx-' || true
passed=$(grep -cE '^ok [0-9]+ ' "$log" || true)
failed=$(grep -cE '^not ok [0-9]+ ' "$log" || true)
echo "qemu-client: $passed passed, $failed failed (machine $vendor, status $status; log $log)"
[ "$status" = 0 ] && [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
exit
}
