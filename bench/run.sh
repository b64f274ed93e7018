#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh [svm|vmx]: the exit-cost benchmark (make bench).  Boots one
# test machine, runs bench/out/exit_cost against Debian's kvm (ref) and then
# kvmx.ko in the same boot, and prints per operation the guest-measured
# cycles of both and the kvmx/ref ratio of the minima:
#
#   op            ref min   kvmx min   ratio   ref mean  kvmx mean
#
# On svm, QEMU runs with -icount shift=0,sleep=off (a wrapper first in PATH
# adds it), so guest time follows the instruction count and the figures
# repeat exactly from run to run.  Bochs (vmx) is deterministic by itself.
#
# Environment: KVMX_BENCH_MODULE (default ./kvmx.ko at the top level),
# KVMX_BENCH_LOG (default out/bench/<vendor>.log).  Exit status 0 when
# both hypervisors ran the benchmark.
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
cp "$here/out/exit_cost" "$work/tests/"
printf 'kvmx-runner -H "ref kvmx" -t 900 exit_cost\n' >"$work/run.sh"

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
awk '
/^#   bench / { op[n++] = $3; min[$3] = $5; mean[$3] = $7; next }
/^(not )?ok [0-9]+ (ref|kvmx)-[a-z]+\/exit_cost/ {
	split($0, f, " "); name = ($1 == "not") ? f[4] : f[3]
	hv = substr(name, 1, index(name, "-") - 1)
	for (i = 0; i < n; i++) {
		res[hv, op[i]] = min[op[i]] " " mean[op[i]]
		if (!((op[i]) in seen)) { seen[op[i]] = 1; order[m++] = op[i] }
	}
	n = 0; ran[hv] = 1
}
END {
	printf "%-12s %10s %10s %7s %10s %10s\n", "op", "ref min", "kvmx min", \
	       "ratio", "ref mean", "kvmx mean"
	for (i = 0; i < m; i++) {
		o = order[i]
		split(res["ref", o], r, " "); split(res["kvmx", o], k, " ")
		ratio = (r[1] > 0 && k[1] != "") ? sprintf("%.2f", k[1] / r[1]) : "-"
		printf "%-12s %10s %10s %7s %10s %10s\n", o, r[1], k[1], ratio, \
		       r[2], k[2]
	}
	if (!ran["ref"] || !ran["kvmx"])
		exit 1
}' "$log" || { echo "bench: a hypervisor did not run; see $log" >&2; exit 1; }
[ "$status" -eq 0 ] || echo "bench: machine status $status; see $log" >&2
exit "$status"
}
