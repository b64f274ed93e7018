#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/oracle.sh HV VENDOR [TEST...] (make oracle HV=kvmx VENDOR=svm):
# run the kernel's own KVM selftests (tools/testing/selftests/kvm of
# linux-source-6.1, built statically) against one hypervisor in one test
# machine, and print a table: pass / fail / skip / timeout per program.
#
#   HV      ref (Debian's kvm.ko + kvm-amd/kvm-intel) or kvmx, or ref-shadow /
#           kvmx-shadow for the same with shadow paging (npt=0 or ept=0;
#           tdp=0)
#   VENDOR  svm (QEMU) or vmx (Bochs)
#   TEST    program names (cpuid_test, hyperv_cpuid...; default: all)
#
# Environment:
#   KVMX_ORACLE_TIMEOUT  per-test limit in guest seconds (default 300)
#   KVMX_ORACLE_QUICK=1  leave out the slow programs (SLOW below): the run
#                        then takes minutes instead of about an hour on svm
#   KVMX_ORACLE_SKIP     more program names to leave out
#   KVMX_MODPARAMS       kvmx module parameters
#
# The sources are extracted into .cache/src once, `make headers` and the
# selftest build (~30 s, -j2) are redone only when missing.  With HV=kvmx
# the runner shows the tests kvmx's parameters under the sysfs names the
# 6.1 tests read (kvm_amd/parameters/npt, kvm_intel/parameters/ept).
# Log: out/oracle/<hv>-<vendor>-<UTC time>.log (concurrent runs do not
# overwrite each other).  Exit status 0 when nothing failed.
set -euo pipefail
# The braces make bash read the whole script before running any of it, so
# editing this file while a run is in progress cannot derail that run.
{
. "$(dirname "$0")/lib.sh"

# Programs that the testbed notes list as timing out at 300 s on TCG; in
# our runs they took 255 s together (Documentation/testing.rst).  Left out
# by KVMX_ORACLE_QUICK so a quick run stays short whatever the host load.
SLOW="hardware_disable_test kvm_page_table_test max_guest_memory_test
memslot_modification_stress_test memslot_perf_test rseq_test
set_memory_region_test"

hv=${1:-}
vendor=${2:-}
case $hv in ref | kvmx | ref-shadow | kvmx-shadow) ;;
*) die "usage: oracle.sh ref|kvmx|ref-shadow|kvmx-shadow svm|vmx [test...]" ;; esac
case $vendor in svm | vmx) ;; *) die "usage: oracle.sh ref|kvmx svm|vmx [test...]" ;; esac
shift 2

limit=${KVMX_ORACLE_TIMEOUT:-300}
src=$KVMX_CACHE/src/linux-source-6.1
kst=$src/tools/testing/selftests/kvm
bin=$KVMX_CACHE/oracle/tests
out=$KVMX_ROOT/out/oracle
mkdir -p "$out"

"$KVMX_SCRIPTS/setup.sh" >&2

if [ ! -f "$src/.extracted" ]; then
	log "extracting /usr/src/linux-source-6.1.tar.xz"
	rm -rf "$src"
	mkdir -p "$KVMX_CACHE/src"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$KVMX_CACHE/src"
	touch "$src/.extracted"
fi
if [ ! -f "$src/usr/include/linux/kvm.h" ]; then
	log "make headers"
	make -s -C "$src" headers -j2 >&2
fi

# The program list, as the selftests' Makefile defines it for x86-64.
mapfile -t progs < <(make -s -C "$kst" -p -n 2>/dev/null |
	sed -n 's/^TEST_GEN_PROGS := //p' | head -n1 | tr ' ' '\n' | sed '/^$/d')
[ ${#progs[@]} -gt 0 ] || die "cannot list the KVM selftests"

compat=$KVMX_SCRIPTS/oracle-compat.h
if [ ! -f "$bin/.complete" ] || [ "$kst/Makefile" -nt "$bin/.complete" ] ||
	[ "$compat" -nt "$bin/.complete" ]; then
	log "building ${#progs[@]} KVM selftests (static)"
	# Debian's 6.1.192 tree carries two programs that do not build as
	# they are (dirty_log_test, steal_time): oracle-compat.h supplies what
	# they miss.  -k: should another break, the rest is still worth running.
	make -s -C "$kst" clean >/dev/null 2>&1 || true
	make -s -k -C "$kst" -j2 USERLDFLAGS=-static \
		EXTRA_CFLAGS="-include $compat" >"$out/build.log" 2>&1 || true
	rm -rf "$bin"
	mkdir -p "$bin"
	for p in "${progs[@]}"; do
		[ -x "$p" ] && cp "$p" "$bin/${p##*/}"
	done
	touch "$bin/.complete"
fi

# What to run: the named programs or all; minus the slow ones if asked.
skip=" ${KVMX_ORACLE_SKIP:-} "
[ -n "${KVMX_ORACLE_QUICK:-}" ] && skip="$skip $(echo $SLOW) "
names=()
not_built=()
if [ $# -gt 0 ]; then
	want=("$@")
else
	want=()
	for p in "${progs[@]}"; do want+=("${p##*/}"); done
fi
for t in "${want[@]}"; do
	case "$skip" in *" $t "*) continue ;; esac
	if [ -x "$bin/$t" ]; then
		names+=("$t")
	else
		not_built+=("$t")
	fi
done
[ ${#names[@]} -gt 0 ] || die "no test to run"

# Only the programs to run go into the machine.
sel=$KVMX_CACHE/oracle/run-$$
rm -rf "$sel"
mkdir -p "$sel"
trap 'rm -rf "$sel"' EXIT
for t in "${names[@]}"; do ln "$bin/$t" "$sel/$t" 2>/dev/null || cp "$bin/$t" "$sel/$t"; done

fake=
[ "${hv%-shadow}" = kvmx ] && fake=-f
printf 'kvmx-runner -H %s -t %s -x /nonexistent %s %s\n' "$hv" "$limit" "$fake" "${names[*]}" >"$sel/.run"
mv "$sel/.run" "$KVMX_CACHE/oracle/run-$$.sh"
trap 'rm -rf "$sel" "$KVMX_CACHE/oracle/run-$$.sh"' EXIT

# The wall-clock limit of the machine: every test at its limit, plus boot.
# Bochs's guest clock runs ~14x slower than the wall clock when busy.
scale=$([ "$vendor" = vmx ] && echo 14 || echo 1)
machine_limit=$((${#names[@]} * (limit * scale + 30) + 600))
olog=$out/$hv-$vendor-$(date -u +%Y%m%dT%H%M%S)-$$.log
args=(--tests "$sel" --run "$KVMX_CACHE/oracle/run-$$.sh" --log "$olog"
	--timeout "$machine_limit" --mem "$([ "$vendor" = vmx ] && echo 1024 || echo 2048)")
[ "${hv%-shadow}" = kvmx ] && args+=(--module "$KVMX_ROOT/kvmx.ko")
[ -n "${KVMX_MODPARAMS:-}" ] && args+=(--env "KVMX_MODPARAMS=$KVMX_MODPARAMS")

log "oracle: ${#names[@]} KVM selftests against $hv on $vendor, ${limit}s each"
t0=$(date +%s)
set +e
"$KVMX_SCRIPTS/machine.sh" "$vendor" --quiet "${args[@]}"
mstatus=$?
set -e

echo
echo "log: ${olog#"$KVMX_ROOT"/}"
"$KVMX_SCRIPTS/tap.sh" table "$olog"
for t in "${not_built[@]}"; do
	printf '%-40s %s\n' "$t" "not built (out/oracle/build.log)"
done
results=$("$KVMX_SCRIPTS/tap.sh" results "$olog" | grep -v '/rmmod$' || true)
count() { echo "$results" | grep -c "^$1 " || true; }
pass=$(count pass) fail=$(count fail) skip=$(count skip) tmo=$(count timeout)
missing=$((${#names[@]} - pass - fail - skip - tmo))
echo "oracle $hv-$vendor: ${#names[@]} run: $pass pass, $fail fail, $skip skip, $tmo timeout$([ $missing -gt 0 ] && echo ", $missing without result (machine status $mstatus)"); ${#not_built[@]} not built; $(($(date +%s) - t0))s wall"
[ "$fail" -eq 0 ] && [ "$tmo" -eq 0 ] && [ "$missing" -eq 0 ] && [ "$mstatus" -le 1 ]
exit
}
