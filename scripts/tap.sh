#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/tap.sh results|summary|table LOG: read the TAP lines that
# scripts/guest/runner.sh printed on a machine's console (LOG, "-" = stdin).
#
#   results  one line per result: "<status> <hv>-<vendor>/<test>", status one
#            of pass, skip, xfail (expected failure), fail, xpass (listed as
#            expected to fail but passed: a failure), timeout (a failure)
#   summary  per hypervisor: "<hv>: N passed, N failed (S skipped, ...)"
#   table    per test: a column per hypervisor-vendor, then totals
set -euo pipefail

mode=${1:-}
log=${2:--}
case $mode in
results | summary | table) ;;
*) echo "usage: tap.sh results|summary|table LOG" >&2; exit 2 ;;
esac

results() {
	tr -d '\r' <"$1" | awk '
	/^(not )?ok [0-9]+ [a-z0-9_-]+-(svm|vmx)\/[^ ]+/ {
		notok = ($1 == "not")
		id = notok ? $4 : $3
		directive = ""
		if (match($0, / # /))
			directive = substr($0, RSTART + 3)
		if (!notok)
			status = (directive ~ /^SKIP/) ? "skip" : "pass"
		else if (directive ~ /^TODO/)
			status = "xfail"
		else if (directive ~ /^XPASS/)
			status = "xpass"
		else if (directive ~ /^TIMEOUT/)
			status = "timeout"
		else
			status = "fail"
		print status, id
	}'
}

[ "$log" = - ] && log=/dev/stdin

case $mode in
results)
	results "$log"
	;;
summary)
	results "$log" | awk '
	{
		split($2, p, "/"); hv = p[1]
		if (!(hv in order)) { order[hv] = ++n; name[n] = hv }
		c[hv, $1]++
		if ($1 == "pass" || $1 == "skip" || $1 == "xfail") ok[hv]++; else bad[hv]++
	}
	END {
		for (i = 1; i <= n; i++) {
			hv = name[i]
			printf "%s: %d passed, %d failed (%d skipped, %d expected failures, %d unexpected passes, %d timed out)\n",
				hv, ok[hv], bad[hv], c[hv, "skip"], c[hv, "xfail"], c[hv, "xpass"], c[hv, "timeout"]
		}
	}'
	;;
table)
	results "$log" | awk '
	{
		split($2, p, "/"); hv = p[1]; t = p[2]
		if (!(hv in hvs)) { hvs[hv] = ++nh; hvname[nh] = hv }
		if (!(t in tests)) { tests[t] = ++nt; tname[nt] = t }
		s[t, hv] = $1; tot[hv, $1]++
	}
	END {
		printf "%-40s", "test"
		for (j = 1; j <= nh; j++) printf " %-10s", hvname[j]
		printf "\n"
		for (i = 1; i <= nt; i++) {
			printf "%-40s", tname[i]
			for (j = 1; j <= nh; j++) {
				v = s[tname[i], hvname[j]]
				printf " %-10s", v == "" ? "-" : v
			}
			printf "\n"
		}
		split("pass skip xfail fail xpass timeout", kinds, " ")
		for (j = 1; j <= nh; j++) {
			printf "%s:", hvname[j]
			for (k = 1; k <= 6; k++) printf " %d %s", tot[hvname[j], kinds[k]], kinds[k]
			printf "\n"
		}
	}'
	;;
esac
