#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/tap.sh MODE LOG [SKIPS]: read the TAP lines that
# scripts/guest/runner.sh printed on a machine's console (LOG, "-" = stdin).
#
#   results  one line per program: "<status> <hv>-<vendor>/<test>", status
#            one of pass, skip, xfail (expected failure), fail, xpass (listed
#            as expected to fail but passed: a failure), timeout (a failure)
#   table    per program: a column per hypervisor-vendor, then totals
#   cases    one line per count, "<status> <id> [<why>]": each case of each
#            program (id <hv>-<vendor>/<test>/<case>, read from the
#            program's own TAP output, which the runner copies as "#   ");
#            a program without case results (not run, did not load, rmmod)
#            is one count (id <hv>-<vendor>/<test>).  A case missing from
#            its program's plan is "fail .../#<number>"; a program that
#            failed although none of its cases did is one more count with
#            the program's status.  With SKIPS (selftests/expected-skips.txt)
#            a skip is "skip" only if listed there, else "newskip"; a listed
#            case that passed is "unskip", one that no longer exists in a
#            complete run of its program "stale" (all three are failures)
#   summary  per hypervisor-vendor, from the cases: "<hv>: N passed, N
#            failed, N skipped (...)"; skipped = expected skips plus
#            expected failures
set -euo pipefail

mode=${1:-}
log=${2:--}
skips=${3:-}
case $mode in
results | summary | table | cases) ;;
*) echo "usage: tap.sh results|summary|table|cases LOG [SKIPS]" >&2; exit 2 ;;
esac
[ -z "$skips" ] || [ -f "$skips" ] || { echo "tap.sh: no file $skips" >&2; exit 2; }

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

# cases LOG: the per-case counts (see the top of this file).
cases() {
	{
		[ -n "$skips" ] && sed -e 's/\r$//' -e 's/^/S /' "$skips"
		tr -d '\r' <"$1" | sed 's/^/L /'
	} | awk -v judge="${skips:+1}" '
	# The expected-skip set: "<program> <case> <where>  # <reason>", where
	# is a comma-separated list of <hv>-<vendor> patterns ("*" = any text).
	$1 == "S" {
		sub(/^S /, "")
		if ($0 ~ /^[ \t]*(#|$)/)
			next
		ne++
		eprog[ne] = $1; ecase[ne] = $2
		re = $3
		gsub(/\*/, "[a-z0-9-]*", re)
		gsub(/,/, "|", re)
		ewhere[ne] = "^(" re ")$"
		r = $0; sub(/^[^#]*#?[ \t]*/, "", r)
		ereason[ne] = r
		next
	}
	{ sub(/^L /, "") }
	function listed(hvv, prog, name,    k) {
		for (k = 1; k <= ne; k++)
			if (eprog[k] == prog && ecase[k] == name && hvv ~ ewhere[k])
				return k
		return 0
	}
	function emit(st, id, why,    p, hvv, prog, name, k) {
		if (judge && (st == "skip" || st == "pass") && split(id, p, "/") == 3) {
			hvv = p[1]; prog = p[2]; name = p[3]
			k = listed(hvv, prog, name)
			if (st == "skip" && !k)
				st = "newskip"
			else if (st == "pass" && k) {
				st = "unskip"
				why = "listed in expected-skips.txt (" ereason[k] ") but passed: remove the line"
			}
		}
		print st, id (why == "" ? "" : " " why)
	}
	function directive_of(line) {
		return match(line, / # /) ? substr(line, RSTART + 3) : ""
	}
	# The status of a TAP line, as "results" has it.
	function status_of(notok, d) {
		if (!notok)
			return (d ~ /^SKIP/) ? "skip" : "pass"
		if (d ~ /^TODO/) return "xfail"
		if (d ~ /^XPASS/) return "xpass"
		if (d ~ /^TIMEOUT/) return "timeout"
		return "fail"
	}
	function finish(id, pst, pd,    p, hvv, prog, i, k, st, bad, why) {
		split(id, p, "/"); hvv = p[1]; prog = p[2]
		ran[hvv] = 1
		if (cur != id || ncase == 0) {
			emit(pst, id, pd)
			cur = ""
			return
		}
		if (plan >= 0 && ncase >= plan)
			complete[hvv, prog] = 1
		bad = 0
		for (i = 1; i <= ncase; i++) {
			st = cst[i]
			if (pst == "xfail" && st == "fail")
				st = "xfail"
			if (st == "fail" || st == "xpass")
				bad = 1
			seen[hvv, prog, cname[i]] = 1
			why = cwhy[i]
			if (st == "skip") sub(/^SKIP[ \t]*/, "", why)
			emit(st, id "/" cname[i], why)
		}
		for (k = 1; k <= plan; k++)
			if (!((k) in cnum)) {
				emit(pst == "xfail" ? "xfail" : "fail", id "/#" k,
				     "no result for case " k " of " plan " (program: " pst (pd == "" ? "" : ", " pd) ")")
				bad = 1
			}
		if (!bad && (pst == "fail" || pst == "timeout" || pst == "xpass"))
			emit(pst, id, "program " pst " with no failed case" (pd == "" ? "" : ": " pd))
		cur = ""
	}
	/^# running [a-z0-9_-]+-(svm|vmx)\/[^ ]+$/ {
		cur = $3; plan = -1; ncase = 0
		split("", cnum); split("", cst); split("", cname); split("", cwhy)
		next
	}
	cur != "" && /^#   / {
		l = substr($0, 5)
		if (plan < 0 && l ~ /^1\.\.[0-9]+/) {
			plan = substr(l, 4) + 0
		} else if (l ~ /^(not )?ok [0-9]+ [^ #]+/) {
			split(l, w, " ")
			notok = (w[1] == "not")
			num = notok ? w[3] : w[2]
			if (!((num) in cnum)) {
				ncase++
				cnum[num] = ncase
				cname[ncase] = notok ? w[4] : w[3]
				cwhy[ncase] = directive_of(l)
				cst[ncase] = status_of(notok, cwhy[ncase])
			}
		}
		next
	}
	/^(not )?ok [0-9]+ [a-z0-9_-]+-(svm|vmx)\/[^ ]+/ {
		notok = ($1 == "not")
		finish(notok ? $4 : $3, status_of(notok, directive_of($0)), directive_of($0))
	}
	END {
		if (!judge)
			exit
		for (k = 1; k <= ne; k++)
			for (hvv in ran)
				if (hvv ~ ewhere[k] && ((hvv, eprog[k]) in complete) &&
				    !((hvv, eprog[k], ecase[k]) in seen))
					print "stale", hvv "/" eprog[k] "/" ecase[k],
					      "listed in expected-skips.txt but no such case: remove the line"
	}'
}

[ "$log" = - ] && log=/dev/stdin

case $mode in
results)
	results "$log"
	;;
cases)
	cases "$log"
	;;
summary)
	cases "$log" | awk '
	{
		split($2, p, "/"); hv = p[1]
		if (!(hv in order)) { order[hv] = ++n; name[n] = hv }
		c[hv, $1]++
		if ($1 == "pass") ok[hv]++
		else if ($1 == "skip" || $1 == "xfail") sk[hv]++
		else bad[hv]++
	}
	END {
		for (i = 1; i <= n; i++) {
			hv = name[i]
			printf "%s: %d passed, %d failed, %d skipped (%d expected failures; %d new skips, %d stale expected skips, %d unexpected passes, %d timed out)\n",
				hv, ok[hv], bad[hv], sk[hv], c[hv, "xfail"], c[hv, "newskip"],
				c[hv, "unskip"] + c[hv, "stale"], c[hv, "xpass"], c[hv, "timeout"]
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
