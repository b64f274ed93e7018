#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/check.sh (make check): everything that decides whether kvmx is
# good, in order:
#
#   setup        scripts/setup.sh (packages, kernel image, checkpatch)
#   build-6.1    kvmx.ko against the current 6.1 headers, W=1, no warnings
#                (in a copy of the sources, .cache/build-6.1; the machines
#                load that kvmx.ko)
#   build-6.12   the same against the newest 6.12 headers (.cache/build-6.12)
#   sparse       make C=2 over the 6.1 build; findings in our files fail
#   checkpatch   --strict over module/ and uapi/ (scripts/checkpatch.sh)
#   unit         make -C selftests unit
#   selftests    make -C selftests
#   vmm          make -C vmm test (VMM unit tests, tiny guests on /dev/kvm)
#   machine-svm  QEMU SVM machine boots, runs and powers off cleanly
#   svm results  one count per case of each selftest x hypervisor, plus
#                each rmmod (scripts/tap.sh cases); hypervisors ref, kvmx,
#                ref-shadow, kvmx-shadow (the last two with shadow paging:
#                kvm_amd npt=0, kvmx tdp=0)
#   linux-svm-ref, linux-svm-ref-shadow, linux-svm-kvmx, linux-svm-kvmx-shadow
#                the VMM boots Debian's kernel in the SVM machine on
#                Debian's kvm-amd and on kvmx.ko, each with NPT and with
#                shadow paging (vmm/tests/linux_boot.sh)
#   qemu-pc-svm-ref, -ref-shadow, -kvmx, -kvmx-shadow
#                Debian's QEMU (-M pc, SeaBIOS, in-kernel irqchip) as a
#                client: a Linux guest reboots once, QEMU stops, continues
#                and quits cleanly (scripts/qemu_client.sh)
#   qemu-q35-split-smp2-svm-ref, -kvmx
#                the same with -M q35, the split irqchip and two vCPUs
#   machine-vmx  the same in the Bochs VMX machine
#   vmx results  the same four hypervisors (kvm_intel ept=0, kvmx tdp=0)
#
# Each step and each test case's result is one count: passed, failed or
# skipped.  A skip counts as skipped only if selftests/expected-skips.txt
# lists it for that hypervisor and machine (else it fails: lost coverage);
# a listed case that passes fails too, so the set only shrinks.  Expected
# failures (selftests/kvmx-xfail.txt) count as skipped.  The last line
# printed is exactly "N passed, N failed, N skipped"; the exit status is
# non-zero if anything failed.  Logs: out/check/*.log.
#
# Environment:
#   KVMX_CHECK_MACHINES   machines to boot (default "svm vmx"; empty: none)
#   KVMX_TEST_TIMEOUT_SVM per-test limit in guest seconds (default 120)
#   KVMX_TEST_TIMEOUT_VMX the same for Bochs (default 20): its guest clock runs
#                         ~14x slower than the wall clock while busy
#   KVMX_CHECK_SVM_LIMIT  wall-clock limit of each machine in seconds
#   KVMX_CHECK_VMX_LIMIT  (default 600 and 2400: check stays under 60 min
#                         even when tests hang)
#   KVMX_MODPARAMS        kvmx module parameters inside the machines
#   KVMX_CHECK_SVM_HVS    hypervisors on the SVM machine (default
#                         "ref kvmx ref-shadow kvmx-shadow")
#   KVMX_CHECK_VMX_HVS    hypervisors on the VMX machine (default the same)
set -uo pipefail
# The braces make bash read the whole script before running any of it, so
# editing this file while a run is in progress cannot derail that run.
{
. "$(dirname "$0")/lib.sh"

OUT=$KVMX_ROOT/out/check
mkdir -p "$OUT"
MACHINES=${KVMX_CHECK_MACHINES-svm vmx}

SKIPS=$KVMX_ROOT/selftests/expected-skips.txt
passed=0
failed=0
skipped=0
failures=()
t_start=$(date +%s)

pass() { passed=$((passed + 1)); }
skip() { skipped=$((skipped + 1)); }
fail() { failed=$((failed + 1)); failures+=("$1"); }

# step NAME FUNCTION [ARGS...]: run one counted step, output to its log.
step() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	printf '%-12s ... ' "$name"
	"$@" >"$OUT/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "PASS ($(($(date +%s) - t0))s)"
		pass
	else
		echo "FAIL ($(($(date +%s) - t0))s, out/check/$name.log)"
		tail -n 25 "$OUT/$name.log" | sed 's/^/    | /'
		fail "$name"
	fi
	return $rc
}

# Compiler or modpost warnings in a build log fail the build.
no_warnings() {
	if grep -E -i '(^|[^a-z_])(warning|error):' "$1"; then
		echo "check: the build printed warnings (above)"
		return 1
	fi
}

# build_copy VERSION ABI: build kvmx.ko against linux-headers-ABI, W=1, in
# a private copy of the sources (.cache/build-VERSION): teammates building
# in the checkout at the same time cannot mix objects of two kernels into
# ours.  rsync keeps mtimes, so kbuild rebuilds only what changed.  Paths in
# the log are shown relative to the repository.
build_copy() {
	local copy=$KVMX_CACHE/build-$1 abi=$2 log=$OUT/build-$1.make.log rc d
	mkdir -p "$copy"
	rsync -a "$KVMX_ROOT/Kbuild" "$KVMX_ROOT/Makefile" "$copy/"
	for d in module uapi; do
		if [ -d "$KVMX_ROOT/$d" ]; then
			rsync -a --delete --exclude='*.o' --exclude='.*.cmd' \
				--exclude='*.mod*' "$KVMX_ROOT/$d/" "$copy/$d/"
		fi
	done
	rm -f "$copy/kvmx.ko"
	make -C "$copy" module KDIR="/usr/src/linux-headers-$abi" W=1 2>&1 |
		sed "s|$copy/||g" | tee "$log"
	rc=${PIPESTATUS[0]}
	[ $rc -eq 0 ] || return $rc
	[ -f "$copy/kvmx.ko" ] || { echo "no kvmx.ko after the build"; return 1; }
	no_warnings "$log"
}

# sparse over every module source of the 6.1 build (C=2 checks even
# up-to-date objects); reports about the kernel's own headers are not ours
# and are dropped.
sparse_check() {
	local copy=$KVMX_CACHE/build-6.1 log=$OUT/sparse.make.log findings
	make -C "/usr/src/linux-headers-$ABI" M="$copy" C=2 W=1 modules 2>&1 |
		sed "s|$copy/||g" >"$log" || { cat "$log"; return 1; }
	findings=$(grep -E "^(module|uapi)/[^:]*:[0-9]+:[0-9]+: (warning|error):" "$log")
	if [ -n "$findings" ]; then
		echo "$findings"
		return 1
	fi
	echo "sparse: no findings in module/ or uapi/"
}

# Each machine: one count for the machine itself (booted, no kernel fault,
# powered off in time), one per TAP result; results missing from the plan
# (the machine died) are failures.
machine_tests() {
	local vendor=$1
	local log=$OUT/machine-$vendor.log run=$OUT/run-$vendor.sh
	local limit mstatus t0 ntests hvs args=()
	local wall
	if [ "$vendor" = svm ]; then
		limit=${KVMX_TEST_TIMEOUT_SVM:-120}
		wall=${KVMX_CHECK_SVM_LIMIT:-600}
	else
		limit=${KVMX_TEST_TIMEOUT_VMX:-20}
		wall=${KVMX_CHECK_VMX_LIMIT:-2400}
	fi
	# The runner prints at least every 30 guest seconds (~7 min of a busy
	# Bochs); a console silent for much longer means the guest is wedged.
	args+=(--timeout "$wall" --silence "$([ "$vendor" = svm ] && echo 180 || echo 900)")
	# Both also run with shadow paging (npt=0 / ept=0, kvmx tdp=0).
	hvs=${KVMX_CHECK_SVM_HVS:-ref kvmx ref-shadow kvmx-shadow}
	[ "$vendor" = vmx ] && hvs=${KVMX_CHECK_VMX_HVS:-ref kvmx ref-shadow kvmx-shadow}
	printf 'kvmx-runner -t %s -H "%s"\n' "$limit" "$hvs" >"$run"
	if [ -n "$MODULE_OK" ]; then
		args+=(--module "$KVMX_CACHE/build-6.1/kvmx.ko")
	else
		args+=(--no-module)
	fi
	[ -n "${KVMX_MODPARAMS:-}" ] && args+=(--env "KVMX_MODPARAMS=$KVMX_MODPARAMS")
	# Bochs never interrupts a running guest for the host's own timer, so
	# no signal can end a spinning guest's KVM_RUN there, under either
	# hypervisor: run_test skips that one case (selftests.rst).
	[ "$vendor" = vmx ] && args+=(--env KVMX_NO_GUEST_PREEMPTION=1)

	echo "machine-$vendor: booting (console: out/check/machine-$vendor.log)"
	t0=$(date +%s)
	rm -f "$log"
	"$KVMX_SCRIPTS/machine.sh" "$vendor" "${args[@]}" --run "$run" --log "$log" \
		2>"$OUT/machine-$vendor.stderr" |
		sed -u 's/\r$//' | grep --line-buffered -E '^(not )?ok [0-9]+ |^# XPASS|^# [a-z-]+-(svm|vmx): ' |
		sed -u 's/^/    /'
	mstatus=${PIPESTATUS[0]}
	cat "$OUT/machine-$vendor.stderr" | sed 's/^/    /'

	printf '%-12s ... ' "machine-$vendor"
	case $mstatus in
	0 | 1) echo "PASS ($(($(date +%s) - t0))s)"; pass ;;
	*) echo "FAIL (status $mstatus, $(tail -n1 "$OUT/machine-$vendor.stderr"))"
	   echo "    last console lines:"
	   tail -n 8 "$log" | sed 's/^/    | /'
	   fail "machine-$vendor" ;;
	esac

	ntests=$(find "$KVMX_ROOT/selftests/out" -maxdepth 1 -name '*_test' -type f 2>/dev/null | wc -l)
	set -- $hvs
	summarize "$vendor" "$log" $(($# * (ntests + 1)))
}

# vmm_linux_boot VENDOR: vmm/kvmx boots Debian's kernel to a shell inside
# the machine, with its disks, network and console (12 checks), on Debian's
# KVM and on the kvmx.ko of build-6.1, each with nested and with shadow
# paging.  One count each.
vmm_linux_boot() {
	local hv

	for hv in ref ref-shadow; do
		step "linux-$1-$hv" "$KVMX_ROOT/vmm/tests/linux_boot.sh" "$1" --hv $hv
	done
	for hv in kvmx kvmx-shadow; do
		if [ -n "$MODULE_OK" ]; then
			step "linux-$1-$hv" env KVMX_MODULE="$KVMX_CACHE/build-6.1/kvmx.ko" \
				"$KVMX_ROOT/vmm/tests/linux_boot.sh" "$1" --hv $hv
		else
			echo "linux-$1-$hv ... FAIL (no 6.1 build of kvmx.ko)"
			fail "linux-$1-$hv"
		fi
	done
}

# qemu_run VENDOR NAME HV [OPTIONS...]: one counted QEMU client run.
qemu_run() {
	local vendor=$1 name=$2-$1-$3 hv=$3

	shift 3
	case $hv in
	kvmx*)
		if [ -z "$MODULE_OK" ]; then
			echo "$name ... FAIL (no 6.1 build of kvmx.ko)"
			fail "$name"
			return
		fi
		;;
	esac
	step "$name" env KVMX_MODULE="$KVMX_CACHE/build-6.1/kvmx.ko" \
		KVMX_QEMU_CLIENT_LOG="$KVMX_ROOT/out/check/$name.console.log" \
		"$KVMX_SCRIPTS/qemu_client.sh" "$vendor" --hv "$hv" "$@"
}

# qemu_client VENDOR: Debian's QEMU as a client of each hypervisor (a Linux
# guest that reboots, a stop and a continue): -M pc with the in-kernel
# irqchip on all four, -M q35 with the split irqchip and two vCPUs on ref
# and kvmx.  One count each.
qemu_client() {
	local hv

	for hv in ref ref-shadow kvmx kvmx-shadow; do
		qemu_run "$1" qemu-pc "$hv"
	done
	for hv in ref kvmx; do
		qemu_run "$1" qemu-q35-split-smp2 "$hv" --machine q35 \
			--irqchip split --smp 2
	done
}

# summarize VENDOR LOG EXPECTED: count the TAP results of one machine, one
# count per case (tap.sh cases), judged against the expected-skip set.
summarize() {
	local vendor=$1 log=$2 expected=$3 plan seen status id why
	[ -f "$log" ] || : >"$log"
	plan=$(tr -d '\r' <"$log" 2>/dev/null | sed -n 's/^1\.\.\([0-9]*\)$/\1/p' | head -n1)
	[ -n "$plan" ] || plan=$expected
	if [ ! -f "$SKIPS" ]; then
		echo "$vendor: no $SKIPS: results not counted"
		fail "$vendor: no selftests/expected-skips.txt"
		return
	fi
	while read -r status id why; do
		case $status in
		pass) pass ;;
		skip | xfail) skip ;;
		newskip)
			echo "$vendor: new skip (lost coverage): $id: $why"
			fail "new skip (lost coverage): $id: $why" ;;
		unskip | stale)
			echo "$vendor: expected skip gone: $id: $why"
			fail "expected skip gone: $id: $why" ;;
		*) fail "$id ($status${why:+: $why})" ;;
		esac
	done < <("$KVMX_SCRIPTS/tap.sh" cases "$log" "$SKIPS")
	"$KVMX_SCRIPTS/tap.sh" summary "$log" "$SKIPS" | sed "s/^/$vendor /"
	# Programs missing from the runner's plan (the machine died): their
	# cases are unknown, so each program counts once.
	seen=$("$KVMX_SCRIPTS/tap.sh" results "$log" | wc -l)
	if [ "$seen" -lt "$plan" ]; then
		echo "$vendor: $((plan - seen)) of $plan programs missing (machine failed): counted as failures"
		failed=$((failed + plan - seen))
		failures+=("$vendor: $((plan - seen)) programs missing")
	fi
}

echo "kvmx check: $(git -C "$KVMX_ROOT" describe --always --dirty 2>/dev/null), $(date -u '+%F %T') UTC"
if step setup "$KVMX_SCRIPTS/setup.sh"; then
	ABI=$(kvmx_abi)
	ABI612=$(kvmx_abi612)
	echo "kernel ABIs: $ABI, $ABI612"
	MODULE_OK=
	step build-6.1 build_copy 6.1 "$ABI" && MODULE_OK=1
	step build-6.12 build_copy 6.12 "$ABI612"
	if [ -n "$MODULE_OK" ]; then
		step sparse sparse_check
	else
		echo "sparse       ... FAIL (no 6.1 build to check)"
		fail sparse
	fi
	step checkpatch "$KVMX_SCRIPTS/checkpatch.sh"
	step doccheck "$KVMX_SCRIPTS/doccheck.sh"
	step unit make -C "$KVMX_ROOT/selftests" unit
	step selftests make -C "$KVMX_ROOT/selftests"
	step vmm make -C "$KVMX_ROOT/vmm" test
	for vendor in $MACHINES; do
		machine_tests "$vendor"
		if [ "$vendor" = svm ]; then
			vmm_linux_boot svm
			qemu_client svm
		fi
	done
else
	echo "check: setup failed; nothing else can run"
fi

echo "check: $(($(date +%s) - t_start))s wall"
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	printf '    %s\n' "${failures[@]}" | head -n 60
	[ ${#failures[@]} -le 60 ] || echo "    ... and $((${#failures[@]} - 60)) more"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
exit
}
