#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vmm/bench/boot.sh [svm|vmx] [--hv "ref kvmx"] [--runs N] (make bench-boot):
# vmm/kvmx against QEMU's microvm, both booting the same Debian kernel and
# initramfs with 1 vCPU and 256 MiB, on the same hypervisor, inside the same
# test machine (scripts/machine.sh).  Per hypervisor (Debian's KVM, then
# kvmx.ko) and per VMM it measures, with vmm/bench/probe:
#
#   init      from the VMM's fork() to the nested init's first console line
#   setup     from fork() to the first guest entry (the kvm_entry or
#             kvmx_entry tracepoint, trace_clock mono)
#   exits     the hypervisor's exit count when init runs (debugfs
#             kvm/exits, or kvmx stat for kvmx.ko)
#   rss       the VMM's peak RSS without the guest RAM mapping (smaps
#             sampled every 5 ms in a separate run: sampling costs time)
#
# On svm the machine's QEMU runs with -icount shift=0,sleep=off: the
# machine's clock follows its instruction count, so the figures repeat from
# run to run (bench/run.sh does the same).  The VMM's targets: kvmx reaches
# init sooner than QEMU, sets up >= 10x quicker, and stays under 3 MiB.
#
# Each VMM run is limited to 60 s of machine time (a wedged nested guest
# must not spin for the hour that 600 machine seconds take in wall time).
#
# Options: --hv "ref kvmx" (hypervisors, in order), --vmm "kvmx qemu",
# --runs N (timed runs per VMM, default 2; the table shows the minima).
# Environment: KVMX_BENCH_MODULE (default ./kvmx.ko, else the kvmx.ko of
# make check's build-6.1), KVMX_BENCH_LOG (default out/bench/boot-<vendor>.log),
# BENCH_APPEND (nested kernel arguments instead of "quiet"), BENCH_SHOW=1
# (print the first run's console and exit statistics), BENCH_KVMX_ARGS
# (extra kvmx run options, e.g. -v for its setup timings).
# Exit status 0 when every measurement was taken (targets missed or not).
set -euo pipefail
{
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/scripts/lib.sh"

cache=${KVMX_CACHE:-$root/.cache}
vendor=svm
case ${1:-} in svm | vmx) vendor=$1; shift ;; esac
hvs="ref kvmx"
runs=2
vmms="kvmx qemu"
while [ $# -gt 0 ]; do
	case $1 in
	--hv) hvs=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--vmm) vmms=$2; shift 2 ;;
	*) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
module=${KVMX_BENCH_MODULE:-$root/kvmx.ko}
[ -f "$module" ] || module=$cache/build-6.1/kvmx.ko
log=${KVMX_BENCH_LOG:-$root/out/bench/boot-$vendor.log}
mkdir -p "$(dirname "$log")"
work=$(mktemp -d /tmp/kvmx-bench-boot.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A static kvmx and the probe, built from a copy (the tree's build stays).
mkdir -p "$work/src/vmm/devices" "$work/files"
cp "$root"/vmm/*.[ch] "$root/vmm/Makefile" "$work/src/vmm/"
cp "$root"/vmm/devices/*.[ch] "$work/src/vmm/devices/"
make -s -C "$work/src/vmm" STATIC=1 kvmx 2>&1 | grep -v 'statically linked' || true
cp "$work/src/vmm/kvmx" "$work/files/"
gcc -O2 -Wall -Wextra -D_GNU_SOURCE -static -o "$work/files/probe" "$here/probe.c"

abi=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(6\.1[^ ]*\)$/\1/p' | head -1)
kdir=$cache/kernel/$abi
[ -f "$kdir/vmlinuz" ] || "$root/scripts/kernel.sh" "$abi" >/dev/null
cp "$kdir/vmlinuz" "$work/files/"

# QEMU as Debian ships it (dynamically linked): the binary, its libraries
# at their own paths, and the microvm's firmware.
copy_qemu "$work/qroot" /usr/share/qemu/bios-microvm.bin \
	/usr/share/qemu/linuxboot_dma.bin
mapfile -t adds < <(qemu_adds "$work/qroot")

# The nested guest: busybox, and an init whose first act is the marker; it
# then waits for a line from the probe and powers off.
l2=$work/l2
mkdir -p "$l2/bin"
cp /bin/busybox "$l2/bin/busybox"
cat >"$l2/init" <<'INIT'
#!/bin/busybox sh
echo BENCH-INIT
read -r line
/bin/busybox poweroff -f
INIT
chmod 755 "$l2/init"
(cd "$l2" && find . | cpio --quiet -o -H newc -R 0:0 | gzip -1) >"$work/files/l2.cpio.gz"

cat >"$work/run" <<'RUN'
#!/bin/sh
F=$KVMX_FILES
T=/sys/kernel/tracing
L2="console=ttyS0 ${BENCH_APPEND-quiet} panic=-1"
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t tracefs none $T 2>/dev/null

# trace_arm EVENT: record the first occurrence of EVENT only (the traceoff
# trigger stops the buffer right after it).
trace_arm() {
	echo 0 >$T/tracing_on
	echo mono >$T/trace_clock
	echo 0 >$T/options/overwrite
	echo 16 >$T/buffer_size_kb
	echo >$T/trace
	echo 1 >$T/events/$1/enable
	echo traceoff >$T/events/$1/trigger
	echo 1 >$T/tracing_on
}
trace_disarm() {
	echo 0 >$T/tracing_on
	echo '!traceoff' >$T/events/$1/trigger
	echo 0 >$T/events/$1/enable
}


vmm_cmd() {
	case $1 in
	kvmx) echo "$F/kvmx run ${BENCH_KVMX_ARGS:-} --kernel $F/vmlinuz --initrd $F/l2.cpio.gz --mem 256M --cpus 1" ;;
	# The same command line on both hypervisors: since kvmx.ko has
	# machine checks and KVM_SET_VAPIC_ADDR, QEMU runs on it with its
	# defaults (the split irqchip, kvmclock, MCE).
	qemu) echo "qemu-system-x86_64 -M microvm,rtc=on -accel kvm -cpu host -m 256M -smp 1 -nodefaults -no-user-config -display none -serial stdio -no-reboot -kernel $F/vmlinuz -initrd $F/l2.cpio.gz" ;;
	esac
}

ok=0
for hv in $BENCH_HVS; do
	if [ $hv = ref ]; then
		for m in $(cat /kvmx/ref/load-$KVMX_VENDOR); do insmod /kvmx/ref/$m.ko; done
		event=kvm/kvm_entry
		exits="cd /sys/kernel/debug/kvm && grep -H . * >/tmp/stat.txt 2>/dev/null; cat exits"
	else
		insmod /kvmx/kvmx.ko
		event=kvmx/kvmx_entry
		exits="$F/kvmx stat --once >/tmp/stat.txt; $F/kvmx stat --once --json | sed -n 's/.*\"vcpus\": [0-9]*, \"exits\": \([0-9]*\).*/\\1/p'"
	fi
	if [ ! -c /dev/kvm ]; then
		echo "BENCH hv=$hv: no /dev/kvm"
		ok=1
		continue
	fi
	for vmm in $BENCH_VMMS; do
		cmd=$(vmm_cmd $vmm)
		r=1
		while [ $r -le $BENCH_RUNS ]; do
			trace_arm $event
			$F/probe --ram 256 --exits "$exits" --trace $T/trace --timeout 60 -- \
				$cmd --append "$L2" >/tmp/probe.out 2>/tmp/console.out || ok=1
			trace_disarm $event
			echo "BENCH hv=$hv vmm=$vmm pass=time run=$r $(cat /tmp/probe.out)"
			# The VMM's own messages (not the guest console).
			grep -v '^| ' /tmp/console.out | head -n 5
			if [ -n "${BENCH_SHOW:-}" ] && [ $r = 1 ]; then
				cat /tmp/console.out /tmp/stat.txt
			elif ! grep -q 'init_us=[0-9]' /tmp/probe.out; then
				tail -n 30 /tmp/console.out
			fi
			r=$((r + 1))
		done
		$F/probe --ram 256 --rss-ms 5 --timeout 60 -- $cmd --append "$L2" \
			>/tmp/probe.out 2>/tmp/console.out || ok=1
		echo "BENCH hv=$hv vmm=$vmm pass=rss run=1 $(cat /tmp/probe.out)"
		grep -q 'init_us=[0-9]' /tmp/probe.out || tail -n 30 /tmp/console.out
	done
	if [ $hv = ref ]; then
		for m in $(sed -n '1!G;h;$p' /kvmx/ref/load-$KVMX_VENDOR); do rmmod $m; done
	else
		rmmod kvmx
	fi
done
exit $ok
RUN

if [ "$vendor" = svm ]; then
	# Deterministic time: the machine's TSC follows its instruction count.
	mkdir -p "$work/bin"
	printf '#!/bin/sh\nexec %s "$@" -icount shift=0,sleep=off\n' \
		"$(command -v qemu-system-x86_64)" >"$work/bin/qemu-system-x86_64"
	chmod +x "$work/bin/qemu-system-x86_64"
	export PATH="$work/bin:$PATH"
fi

t0=$(date +%s)
set +e
"$root/scripts/machine.sh" "$vendor" --quiet --no-tests --module "$module" \
	--mem 1536 --add "$work/files/kvmx" --add "$work/files/probe" \
	--add "$work/files/vmlinuz" --add "$work/files/l2.cpio.gz" "${adds[@]}" \
	--env "BENCH_HVS=$hvs" --env "BENCH_RUNS=$runs" --env "BENCH_VMMS=$vmms" \
	${BENCH_KVMX_ARGS:+--env "BENCH_KVMX_ARGS=$BENCH_KVMX_ARGS"} \
	${BENCH_APPEND+--env "BENCH_APPEND=$BENCH_APPEND"} ${BENCH_SHOW:+--env BENCH_SHOW=1} \
	--run "$work/run" --log "$log" --timeout "${KVMX_BENCH_TIMEOUT:-2400}"
status=$?
set -e
echo "bench-boot: machine $vendor, status $status, $(($(date +%s) - t0)) s wall; log $log"

# BENCH hv=H vmm=V pass=P run=N probe: init_us=.. setup_us=.. exits=.. rss_kb=..
awk -v hvs="$hvs" -v vendor="$vendor" '
/^BENCH hv=[a-z]+ vmm=/ {
	delete f
	for (i = 2; i <= NF; i++)
		if (split($i, kv, "=") == 2)
			f[kv[1]] = kv[2]
	k = f["hv"] SUBSEP f["vmm"]
	if (f["pass"] == "time") {
		for (m in f)
			if (m ~ /^(init_us|setup_us|exits)$/ && f[m] >= 0 &&
			    (!((k, m) in v) || f[m] < v[k, m]))
				v[k, m] = f[m]
	} else if (f["rss_kb"] > 0 && f["init_us"] > 0) {
		v[k, "rss_kb"] = f["rss_kb"]
		v[k, "maxrss_kb"] = f["maxrss_kb"]
	}
}
function val(hv, vmm, m) { return ((hv, vmm, m) in v) ? v[hv, vmm, m] : -1 }
function row(name, hv, m, scale, fmt,   a, b) {
	a = val(hv, "kvmx", m); b = val(hv, "qemu", m)
	printf "  %-26s %12s %12s %8s\n", name,
	       a < 0 ? "-" : sprintf(fmt, a / scale), b < 0 ? "-" : sprintf(fmt, b / scale),
	       (a > 0 && b >= 0) ? sprintf("%.2f", b / a) : "-"
}
# A target is met, missed, or cannot be judged (a VMM did not boot).
function target(what, known, good) {
	printf "  target %-38s %s\n", what, !known ? "n/a" : good ? "met" : "MISSED"
}
END {
	n = split(hvs, H, " ")
	for (i = 1; i <= n; i++) {
		hv = H[i]
		printf "%s-%s: Debian 6.1, busybox init, 1 vCPU, 256 MiB (minima)\n", hv, vendor
		printf "  %-26s %12s %12s %8s\n", "", "kvmx", "qemu microvm", "qemu/kvmx"
		row("boot to init (ms)", hv, "init_us", 1000, "%.1f")
		row("setup to 1st entry (ms)", hv, "setup_us", 1000, "%.2f")
		row("exits until init", hv, "exits", 1, "%d")
		row("peak RSS w/o guest (KiB)", hv, "rss_kb", 1, "%d")
		row("peak RSS, all (KiB)", hv, "maxrss_kb", 1, "%d")
		a = val(hv, "kvmx", "init_us"); b = val(hv, "qemu", "init_us")
		target("kvmx reaches init sooner", a > 0 && b > 0, a < b)
		a = val(hv, "kvmx", "setup_us"); b = val(hv, "qemu", "setup_us")
		target("setup >= 10x quicker", a > 0 && b > 0, b >= 10 * a)
		a = val(hv, "kvmx", "rss_kb")
		target("kvmx RSS w/o guest < 3 MiB", a > 0, a < 3072)
	}
}' "$log"
exit "$status"
}
