#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh [svm|vmx]: the benchmarks (make bench).  Boots one test
# machine, runs bench/out/exit_cost and bench/out/paging_cost against
# Debian's kvm (ref) and kvmx.ko in the same boot, also with shadow paging
# (ref-shadow: kvm_amd npt=0 or kvm_intel ept=0; kvmx-shadow: kvmx tdp=0),
# and prints per operation the minimum guest-measured cycles of each and the
# ratios:
#
#   op  ref  kvmx  [ref-shadow  kvmx-shadow]  kvmx/ref
#       [kvmx/ref-sh (kvmx/ref, shadow)  sh/npt-ref  sh/npt-kvmx (shadow over
#        nested paging, for each)]
#
# On svm, QEMU runs with -icount shift=0,sleep=off (a wrapper first in PATH
# adds it), so guest time follows the instruction count and the figures
# repeat exactly from run to run.  Bochs (vmx) is deterministic by itself.
#
# Environment: KVMX_BENCH_MODULE (default ./kvmx.ko at the top level),
# KVMX_BENCH_LOG (default out/bench/<vendor>.log), KVMX_BENCH_HVS (default
# "ref kvmx ref-shadow kvmx-shadow" on both vendors; the shadow columns are
# printed when a -shadow hypervisor ran).  Exit status 0 when every
# hypervisor ran both programs.
set -euo pipefail
{
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
vendor=${1:-svm}
module=${KVMX_BENCH_MODULE:-$root/kvmx.ko}
log=${KVMX_BENCH_LOG:-$root/out/bench/$vendor.log}
work=$(mktemp -d /tmp/kvmx-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -f "$module" ] || { echo "bench: no $module (make module)" >&2; exit 2; }
make -s -C "$here" >&2
mkdir -p "$work/tests" "$(dirname "$log")"
cp "$here/out/exit_cost" "$here/out/paging_cost" "$work/tests/"
hvs=${KVMX_BENCH_HVS:-ref kvmx ref-shadow kvmx-shadow}
printf 'kvmx-runner -H "%s" -t 900 exit_cost paging_cost\n' "$hvs" >"$work/run.sh"

if [ "$vendor" = svm ]; then
	# Deterministic guest time: QEMU's instruction counter drives the TSC.
	mkdir -p "$work/bin"
	real=$(command -v qemu-system-x86_64)
	printf '#!/bin/sh\nexec %s "$@" -icount shift=0,sleep=off\n' "$real" \
		>"$work/bin/qemu-system-x86_64"
	chmod +x "$work/bin/qemu-system-x86_64"
	export PATH="$work/bin:$PATH"
fi

set +e
"$root/scripts/machine.sh" "$vendor" --quiet --module "$module" \
	--tests "$work/tests" --run "$work/run.sh" --log "$log" --timeout 2400
status=$?
set -e

# The runner prints a test's output, indented "#   ", before its TAP line.
awk -v hvs="$hvs" '
function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f", b / a) : "-" }
BEGIN { nh = split(hvs, hv, " ") }
/^#   bench / { op[n++] = $3; min[$3] = $5; next }
/^(not )?ok [0-9]+ [a-z-]+-(svm|vmx)\/(exit_cost|paging_cost)/ {
	split($0, f, " "); name = ($1 == "not") ? f[4] : f[3]
	h = name; sub(/-(svm|vmx)\/.*/, "", h)
	for (i = 0; i < n; i++) {
		res[h, op[i]] = min[op[i]]
		if (!((op[i]) in seen)) { seen[op[i]] = 1; order[m++] = op[i] }
	}
	n = 0; ran[h]++
}
END {
	shadow = ("ref-shadow" in ran) || ("kvmx-shadow" in ran)
	printf "%-12s", "op"
	for (j = 1; j <= nh; j++) printf " %12s", hv[j]
	printf " %9s", "kvmx/ref"
	if (shadow)
		printf " %10s %10s %10s", "kvmx/ref-sh", "sh/npt-ref", "sh/npt-kvmx"
	printf "\n"
	for (i = 0; i < m; i++) {
		o = order[i]
		printf "%-12s", o
		for (j = 1; j <= nh; j++) printf " %12s", res[hv[j], o]
		printf " %9s", ratio(res["ref", o], res["kvmx", o])
		if (shadow)
			printf " %10s %10s %10s", ratio(res["ref-shadow", o], res["kvmx-shadow", o]),
			       ratio(res["ref", o], res["ref-shadow", o]),
			       ratio(res["kvmx", o], res["kvmx-shadow", o])
		printf "\n"
	}
	for (j = 1; j <= nh; j++)
		if (ran[hv[j]] < 2)
			exit 1
}' "$log" || { echo "bench: a hypervisor did not run both programs; see $log" >&2; exit 1; }
[ "$status" -eq 0 ] || echo "bench: machine status $status; see $log" >&2
exit "$status"
}
