#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/machine.sh svm|vmx [options]: boot a test machine with Debian's 6.1
# kernel and a busybox initramfs, run a script inside it, print the console
# log and exit with the script's status.
#
#   svm   QEMU TCG, -cpu EPYC,+svm,+npt (AMD SVM + NPT; boots in seconds)
#   vmx   Bochs, corei7_skylake_x (Intel VMX + EPT + VPID; boots in ~2 min)
#
# Options:
#   --run SCRIPT      the script to run inside (busybox sh, cwd /kvmx); without
#                     it the machine only boots and powers off
#   --add FILE[:DEST] put FILE (or a directory) into the machine, at
#                     /kvmx/files/DEST (default: its base name) or at DEST if
#                     that is absolute; repeatable
#   --tests DIR       test programs for /kvmx/tests (default selftests/out/*_test)
#   --no-tests        no test programs
#   --module FILE     the kvmx module to include (default ./kvmx.ko if built)
#   --no-module       no kvmx module (its tests then fail: "not built")
#   --env NAME=VALUE  exported to the run script; repeatable
#   --timeout SECS    wall-clock limit of the whole machine (default 900 for
#                     svm, 2400 for vmx; KVMX_MACHINE_TIMEOUT)
#   --mem MB          guest memory (default 1024 svm, 512 vmx)
#   --smp N           vCPUs, svm only (default 1)
#   --append ARGS     extra kernel command-line arguments
#   --log FILE        also keep the console log at FILE
#   --quiet           do not copy the console to stdout while it runs
#   --silence SECS    stop the machine (status 124) when the console stays
#                     silent that long once the script runs (default: never;
#                     KVMX_MACHINE_SILENCE); kvmx-runner prints a line every
#                     30 guest seconds while a test runs
#
# At most KVMX_MACHINE_SLOTS (default: the number of CPUs) machines run at a
# time on the host; later ones wait for a free slot.
#
# Inside the machine: /kvmx/ref/*.ko and /kvmx/ref/load-{svm,vmx} (Debian's
# KVM and the order to load it in), /kvmx/kvmx.ko, /kvmx/tests/,
# /kvmx/kvmx-xfail.txt, /kvmx/files/, /kvmx/bin/kvmx-runner (the selftest
# runner, scripts/guest/runner.sh); environment KVMX_VENDOR=svm|vmx and
# KVMX_FILES=/kvmx/files.  Everything else is busybox.
#
# Exit status: the run script's (0 = success), or
#   3    the kernel logged BUG:/Oops/WARNING:/general protection/Kernel
#        panic/soft lockup/hung task/RCU stall (the run script's status is
#        then ignored)
#   124  no end marker: the machine hung, crashed or hit the time limit
#   2    usage or setup error
# The last line on stderr sums it up: "machine <vendor>: boot <s>s, ...".
set -euo pipefail
# The braces make bash read the whole script before running any of it, so
# editing this file while a run is in progress cannot derail that run.
{
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '4,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

# Kernel messages (a "[ seconds ]" stamp, anywhere on the line since a test's
# output may precede it on the console) that fail a run: BUG()/WARN()/oops/
# panic reports, soft lockups, hung tasks and RCU stalls.
FAULT_RE='\[ *[0-9]+\.[0-9]+\] ((watchdog|rcu): )?(BUG:|kernel BUG at|Oops|WARNING: CPU:|WARNING: at|general protection|Kernel panic|INFO: task .* blocked for more than|INFO: .*detected stall)'
export FAULT_RE

vendor=${1:-}
case $vendor in
svm | vmx) shift ;;
-h | --help) usage ;;
*) echo "machine.sh: first argument must be svm or vmx" >&2; usage ;;
esac

run_script=
adds=()
envs=()
tests_dir=
no_tests=
module=$KVMX_ROOT/kvmx.ko
timeout=${KVMX_MACHINE_TIMEOUT:-}
mem=
smp=1
append=
keep_log=
quiet=
silence=${KVMX_MACHINE_SILENCE:-}
while [ $# -gt 0 ]; do
	case $1 in
	--run) run_script=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	--tests) tests_dir=$2; shift 2 ;;
	--no-tests) no_tests=1; shift ;;
	--module) module=$2; shift 2 ;;
	--no-module) module=; shift ;;
	--env) envs+=("$2"); shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--log) keep_log=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--silence) silence=$2; shift 2 ;;
	-h | --help) usage ;;
	*) echo "machine.sh: unknown option $1" >&2; usage ;;
	esac
done
if [ "$vendor" = svm ]; then
	timeout=${timeout:-900} mem=${mem:-1024}
else
	timeout=${timeout:-2400} mem=${mem:-512}
fi
[ -z "$run_script" ] || [ -f "$run_script" ] || die "no such run script: $run_script"

abi=$(kvmx_abi)
kdir=$("$KVMX_SCRIPTS/kernel.sh" "$abi")

[ -z "$keep_log" ] || rm -f "$keep_log"
mkdir -p "$KVMX_CACHE/machines"
work=$(mktemp -d "$KVMX_CACHE/machines/$vendor.XXXXXX")
log=$work/console.log
: >"$log"
emu_pid=
tail_pid=
cleanup() {
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
	# Interrupted: still leave the console log where the caller wants it.
	[ -n "$keep_log" ] && [ ! -f "$keep_log" ] && tr -d '\r' <"$log" >"$keep_log" 2>/dev/null
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
	wait 2>/dev/null
	if [ -n "${KVMX_KEEP_MACHINE:-}" ]; then
		log "machine files kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- initramfs -------------------------------------------------------------
#
# Two concatenated compressed cpio archives (Linux unpacks each in turn):
# a cached base (busybox, reference modules) and a small per-run overlay.

cpio_pack() { # DIR -> lz4 (legacy format, what the kernel's unpacker reads)
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | lz4 -l -q -c
}

base_initramfs() {
	local out=$KVMX_CACHE/initramfs/base-$abi.cpio.lz4
	local bb=/bin/busybox
	if [ -f "$out" ] && [ "$out" -nt "$bb" ] && [ "$out" -nt "$kdir/.complete" ]; then
		echo "$out"
		return
	fi
	[ -x "$bb" ] || die "$bb missing (apt-get install busybox-static)"
	file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
		ldd "$bb" 2>&1 | grep -q 'not a dynamic' ||
		die "$bb is not static (install busybox-static)"
	local d
	d=$(mktemp -d "$work/base.XXXXXX")
	mkdir -p "$d"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,mnt,kvmx/ref}
	cp "$bb" "$d/bin/busybox"
	local app
	for app in $("$bb" --list-full); do
		[ -e "$d/$app" ] || ln -s /bin/busybox "$d/$app"
	done
	# The kernel opens /dev/console for PID 1 before devtmpfs is mounted.
	if [ "$(id -u)" = 0 ]; then
		mknod -m 600 "$d/dev/console" c 5 1
		mknod -m 666 "$d/dev/null" c 1 3
	fi
	cp "$kdir"/modules/*.ko "$kdir/load-svm" "$kdir/load-vmx" "$d/kvmx/ref/"
	mkdir -p "$(dirname "$out")"
	cpio_pack "$d" >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$d"
	echo "$out"
}

# stage SRC DEST: copy a file or directory into the overlay.
stage() {
	mkdir -p "$(dirname "$2")"
	cp -rL "$1" "$2"
}

# stage_program SRC DEST: an ELF program without its debug info (the
# unpacking is emulated, every byte costs boot time); a script as it is.
stage_program() {
	strip --strip-debug -o "$2" "$1" 2>/dev/null || cp "$1" "$2"
}

overlay_initramfs() {
	local o=$work/overlay f src dest
	mkdir -p "$o/kvmx/bin" "$o/kvmx/tests" "$o/kvmx/files"
	install -m 755 "$KVMX_SCRIPTS/guest/init" "$o/init"
	install -m 755 "$KVMX_SCRIPTS/guest/runner.sh" "$o/kvmx/bin/kvmx-runner"
	if [ -f "$KVMX_ROOT/selftests/kvmx-xfail.txt" ]; then
		cp "$KVMX_ROOT/selftests/kvmx-xfail.txt" "$o/kvmx/"
	fi
	if [ -n "$module" ] && [ -f "$module" ]; then
		# Debug info only costs boot time (the unpacking is emulated).
		strip --strip-debug -o "$o/kvmx/kvmx.ko" "$module"
	fi
	if [ -z "$no_tests" ]; then
		if [ -n "$tests_dir" ]; then
			[ -d "$tests_dir" ] || die "no such test directory: $tests_dir"
			for f in "$tests_dir"/*; do
				[ -f "$f" ] && [ -x "$f" ] &&
					stage_program "$f" "$o/kvmx/tests/${f##*/}"
			done
		else
			for f in "$KVMX_ROOT"/selftests/out/*_test; do
				[ -f "$f" ] && [ -x "$f" ] &&
					stage_program "$f" "$o/kvmx/tests/${f##*/}"
			done
		fi
	fi
	for f in "${adds[@]}"; do
		src=${f%%:*}
		dest=${f#*:}
		[ "$dest" = "$f" ] && dest=${src##*/}
		[ -e "$src" ] || die "--add: no such file: $src"
		case $dest in
		/*) stage "$src" "$o$dest" ;;
		*) stage "$src" "$o/kvmx/files/$dest" ;;
		esac
	done
	if [ -n "$run_script" ]; then
		install -m 755 "$run_script" "$o/kvmx/run"
	fi
	{
		echo "export KVMX_VENDOR=$vendor"
		echo "export KVMX_FILES=/kvmx/files"
		# Bochs runs guest time at its ips: one guest second is ~14 s.
		[ "$vendor" = vmx ] && echo "export KVMX_DRAIN=1"
		for f in "${envs[@]}"; do
			printf 'export %q\n' "$f"
		done
	} >"$o/kvmx/config"
	cpio_pack "$o"
}

base=$(base_initramfs)
{
	cat "$base"
	overlay_initramfs
} >"$work/initrd.img"
log "machine $vendor: initrd $(($(stat -c %s "$work/initrd.img") / 1024)) KiB"

# --- emulators -------------------------------------------------------------

# no_timer_check: on a loaded host TCG can run the kernel's IO-APIC timer
# check too slowly, and it panics ("IO-APIC + timer doesn't work").
cmdline="console=ttyS0,115200 panic=-1 printk.time=1 loglevel=5 nokaslr no_timer_check $append"

start_qemu() {
	timeout -k 10 "$timeout" qemu-system-x86_64 \
		-accel tcg -cpu EPYC,+svm,+npt -smp "$smp" -m "$mem" \
		-nodefaults -display none -vga none -no-reboot \
		-serial "file:$log" \
		-kernel "$kdir/vmlinuz" -initrd "$work/initrd.img" \
		-append "$cmdline" \
		</dev/null >"$work/emulator.log" 2>&1 &
	emu_pid=$!
}

# Bochs at ips=1e9 with tsc_early_khz matching it: Linux would otherwise
# assume the model's 3.5 GHz TSC and run its timer ~40x too often.  With
# the LAPIC's TSC-deadline timer the machine stalls for good once a guest
# runs (under kvm-intel as under kvmx): lapic=notscdeadline keeps Linux on
# the one-shot LAPIC timer.
BOCHS_IPS=1000000000

start_bochs() {
	local iso=$work/iso
	mkdir -p "$iso/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin "$iso/isolinux/"
	cp /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
	cp "$kdir/vmlinuz" "$iso/vmlinuz"
	cp "$work/initrd.img" "$iso/initrd.img"
	cat >"$iso/isolinux/isolinux.cfg" <<-EOF
	default kvmx
	prompt 0
	timeout 0
	label kvmx
	  kernel /vmlinuz
	  append initrd=/initrd.img $cmdline tsc_early_khz=$((BOCHS_IPS / 1000)) lapic=notscdeadline
	EOF
	xorriso -as mkisofs -quiet -o "$work/boot.iso" \
		-b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table "$iso" \
		>"$work/xorriso.log" 2>&1 || { cat "$work/xorriso.log" >&2; die "xorriso failed"; }
	rm -rf "$iso"
	cat >"$work/bochsrc" <<-EOF
	cpu: model=corei7_skylake_x, count=1, ips=$BOCHS_IPS
	memory: guest=$mem, host=$mem
	romimage: file=/usr/share/bochs/BIOS-bochs-latest
	vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
	ata0-master: type=cdrom, path=$work/boot.iso, status=inserted
	boot: cdrom
	com1: enabled=1, mode=file, dev=$log
	clock: sync=none
	display_library: rfb, options="timeout=0"
	sound: driver=dummy
	speaker: enabled=0
	log: $work/bochs.log
	panic: action=fatal
	error: action=report
	info: action=ignore
	debug: action=ignore
	EOF
	# The binary starts in its debugger: continue, then quit when the guest
	# powers off (Bochs reports that as an ACPI "soft power off" panic, so its
	# exit status means nothing: the console log is judged instead).
	printf 'c\nquit\n' >"$work/bochs.rc"
	(cd "$work" && exec timeout -k 10 "$timeout" bochs -q -f "$work/bochsrc" -rc "$work/bochs.rc") \
		</dev/null >"$work/emulator.log" 2>&1 &
	emu_pid=$!
}

# One emulator per host CPU: both are single-threaded, and more of them at
# once only make each slower (and nearer its wall-clock limit).  Wait for a
# free slot (a lock file held open for the life of this script).
take_slot() {
	local slots=${KVMX_MACHINE_SLOTS:-$(nproc)} i waited=0
	mkdir -p "$KVMX_CACHE/machines/slots"
	while :; do
		for ((i = 0; i < slots; i++)); do
			exec {slot_fd}>"$KVMX_CACHE/machines/slots/$i"
			if flock -n "$slot_fd"; then
				[ $waited -eq 0 ] || log "machine $vendor: got emulator slot $i after ${waited}s"
				return
			fi
			exec {slot_fd}>&-
		done
		[ $waited -eq 0 ] && log "machine $vendor: all $slots emulator slots busy, waiting"
		sleep 2
		waited=$((waited + 2))
	done
}
take_slot

t0=$(date +%s)
if [ "$vendor" = svm ]; then start_qemu; else start_bochs; fi
if [ -z "$quiet" ]; then
	tail -n +1 -f --pid="$emu_pid" "$log" 2>/dev/null | tr -d '\r' &
	tail_pid=$!
fi

# Watch the console: note the boot time, give the machine a grace period to
# power off after the end marker or a panic, never wait past the limit.
boot_s=
end_s=
silent_stop=
grace=$([ "$vendor" = vmx ] && echo 120 || echo 30)
while kill -0 "$emu_pid" 2>/dev/null; do
	sleep 1
	now=$(($(date +%s) - t0))
	if [ -z "$boot_s" ] && grep -q 'KVMX-RUN-BEGIN' "$log"; then
		boot_s=$now
	fi
	if [ -z "$end_s" ] && grep -Eq 'KVMX-RUN-EXIT|Kernel panic - not syncing' "$log"; then
		end_s=$now
	fi
	if [ -n "$end_s" ] && [ $((now - end_s)) -gt "$grace" ]; then
		log "machine $vendor: still running ${grace}s after the end; stopping it"
		kill "$emu_pid" 2>/dev/null || true
		break
	fi
	# A wedged guest prints nothing: once the script runs, stop the
	# machine after --silence seconds without console output.
	size=$(stat -c %s "$log")
	if [ "$size" != "${last_size:-}" ]; then
		last_size=$size
		last_change=$now
	elif [ -n "$silence" ] && [ -n "$boot_s" ] && [ -z "$end_s" ] &&
	     [ $((now - last_change)) -ge "$silence" ]; then
		silent_stop=1
		log "machine $vendor: console silent for ${silence}s; stopping it"
		kill "$emu_pid" 2>/dev/null || true
		break
	fi
done
wait "$emu_pid" 2>/dev/null && emu_rc=0 || emu_rc=$?
emu_pid=
total_s=$(($(date +%s) - t0))
if [ -n "$tail_pid" ]; then
	# Let tail print the last lines, then stop it.
	sleep 1
	kill "$tail_pid" 2>/dev/null || true
	wait "$tail_pid" 2>/dev/null || true
	tail_pid=
fi
if [ -n "$keep_log" ]; then
	tr -d '\r' <"$log" >"$keep_log"
fi

status=124
why="no end marker (hang, crash or time limit ${timeout}s; emulator status $emu_rc)"
[ -z "$silent_stop" ] || why="no end marker: console silent for ${silence}s (guest wedged)"
exit_line=$(tr -d '\r' <"$log" | grep -a -o 'KVMX-RUN-EXIT [0-9]*' | tail -n1 || true)
if [ -n "$exit_line" ]; then
	status=${exit_line#KVMX-RUN-EXIT }
	why="run script exit status $status"
fi
# Only what happens once the run script starts is charged to the run: Bochs's
# CPU model trips a WARNING in the XSAVE set-up while the kernel boots
# (an emulator artefact, "XSAVE consistency problem"); such lines are shown
# but do not fail the run.
boot_faults=$(tr -d '\r' <"$log" | sed -n '/KVMX-RUN-BEGIN/q;p' | grep -a -E "$FAULT_RE" || true)
faults=$(tr -d '\r' <"$log" | sed -n '/KVMX-RUN-BEGIN/,$p' | grep -a -E "$FAULT_RE" || true)
[ -z "$boot_faults" ] || log "machine $vendor: note, while booting: $(echo "$boot_faults" | head -n1)"
if [ -n "$faults" ]; then
	status=3
	why="kernel fault: $(echo "$faults" | head -n1)"
fi
if [ "$status" = 124 ] && [ "$vendor" = vmx ]; then
	tail -n 5 "$work/bochs.log" >&2 2>/dev/null || true
fi
log "machine $vendor: boot ${boot_s:-?}s, run $((${end_s:-$total_s} - ${boot_s:-0}))s, total ${total_s}s; $why"
exit "$status"
exit
}
