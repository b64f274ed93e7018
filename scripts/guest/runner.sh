#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kvmx-runner: runs inside a test machine (busybox sh).  For each hypervisor
# in turn, loads it, runs every test program against its /dev/kvm with a
# time limit, prints one TAP line per test, then unloads it.
#
#   kvmx-runner [-H "ref kvmx"] [-d DIR] [-t SECS] [-x XFAIL] [-f] [TEST...]
#
#   -H  hypervisors, in order: ref (Debian's kvm.ko + vendor module) and/or
#       kvmx (/kvmx/kvmx.ko; module parameters from $KVMX_MODPARAMS);
#       ref-shadow and kvmx-shadow are the same with shadow paging
#       (kvm_amd npt=0 / kvm_intel ept=0; kvmx tdp=0)
#   -d  directory of test programs (default /kvmx/tests); every executable
#       file there is a test unless TEST names are given
#   -t  per-test limit in guest seconds (default $KVMX_TEST_TIMEOUT or 120)
#   -x  expected-failure list, per case, applied to kvmx and kvmx-shadow
#       only (default /kvmx/kvmx-xfail.txt; format in
#       selftests/kvmx-xfail.txt)
#   -f  with kvmx loaded, show the KVM selftests the sysfs parameters they
#       read (/sys/module/kvm_amd/parameters/npt, kvm_intel/.../ept): a
#       tmpfs over /sys/module holds a copy plus those files
#
# The vendor (svm or vmx) comes from $KVMX_VENDOR.  Output, TAP 13:
#
#   ok 1 ref-svm/api_test
#   not ok 2 kvmx-svm/memslot_test
#   ok 3 kvmx-svm/foo_test # SKIP
#   not ok 4 kvmx-svm/bar_test # TODO expected failure: <reason>
#   not ok 5 kvmx-svm/baz_test # XPASS listed in kvmx-xfail.txt but passed
#   not ok 6 kvmx-svm/qux_test # TIMEOUT 120s
#   ok 7 kvmx-svm/rmmod
#
# Each test's own output precedes its line, indented as "#   ".  A listed
# case's own TAP line in there is marked: "not ok 3 test_foo # TODO expected
# failure: <reason>" when it failed, "not ok 3 test_foo # XPASS ..." when it
# passed; a program whose failed cases are all listed is a TODO, one with
# an XPASS case an XPASS.  The exit status is 0 when nothing failed (a TODO
# is not a failure, an XPASS is).

HVS="ref kvmx"
DIR=/kvmx/tests
TIMEOUT=${KVMX_TEST_TIMEOUT:-120}
XFAIL=/kvmx/kvmx-xfail.txt
FAKE_SYSFS=
VENDOR=${KVMX_VENDOR:-}

while getopts H:d:t:x:f opt; do
	case $opt in
	H) HVS=$OPTARG ;;
	d) DIR=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	x) XFAIL=$OPTARG ;;
	f) FAKE_SYSFS=1 ;;
	*) echo "usage: kvmx-runner [-H hvs] [-d dir] [-t secs] [-x xfail] [-f] [test...]"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

case $VENDOR in
svm | vmx) ;;
*) echo "# kvmx-runner: KVMX_VENDOR must be svm or vmx, not '$VENDOR'"; exit 2 ;;
esac

if [ $# -gt 0 ]; then
	TESTS="$*"
else
	TESTS=
	for t in "$DIR"/*; do
		[ -f "$t" ] && [ -x "$t" ] && TESTS="$TESTS ${t##*/}"
	done
fi
ntests=$(echo $TESTS | wc -w)
nhvs=$(echo $HVS | wc -w)

# indent: the test's own output as TAP diagnostics.
indent() { sed -e 's/\r$//' -e 's/^/#   /'; }

# xfail_entries TEST: the expected failures of TEST on kvmx for this vendor,
# one "<case> <reason>" a line; case "*" is the whole program.
xfail_entries() {
	[ -f "$XFAIL" ] || return 0
	awk -v t="$1" -v v="$VENDOR" '
		{ sub(/\r$/, "") }
		/^[ \t]*(#|$)/ { next }
		$1 == t && ($3 == v || $3 == "any") {
			r = $0; sub(/^[^#]*#?[ \t]*/, "", r)
			if (r == "") r = "no reason given"
			print $2, r
		}' "$XFAIL"
}

# mark_xfail ENTRIES: copy a test's TAP output, marking its listed cases:
# a failed one "# TODO expected failure: <reason>", a passed one "not ok
# ... # XPASS".  With a "*" entry every failed case is marked.  Prints
# last "# [xfail: <failed> <unexpected> <unlisted failures> <cases> <plan>]".
mark_xfail() {
	awk -v entries="$1" '
		BEGIN {
			n = split(entries, e, "\n")
			for (i = 1; i <= n; i++) {
				c = e[i]; sub(/ .*/, "", c)
				r = e[i]; sub(/^[^ ]* /, "", r)
				if (c != "") reason[c] = r
			}
			plan = -1
		}
		plan < 0 && /^1\.\.[0-9]+/ { plan = substr($1, 4) + 0 }
		/^(not )?ok [0-9]+ / {
			notok = ($1 == "not"); name = notok ? $4 : $3
			cases++
			directive = ""
			if (match($0, / # /)) directive = substr($0, RSTART + 3)
			c = (name in reason) ? name : (("*" in reason) ? "*" : "")
			if (notok && directive == "") {
				if (c != "") {
					print $0 " # TODO expected failure: " reason[c]
					xfailed++
				} else {
					print; unlisted++
				}
				next
			}
			if (!notok && directive !~ /^SKIP/ && c == name && c != "") {
				sub(/^ok/, "not ok")
				print $0 " # XPASS listed in kvmx-xfail.txt but passed: " reason[c]
				xpassed++
				next
			}
		}
		{ print }
		END { printf "# [xfail: %d %d %d %d %d]\n", xfailed, xpassed, unlisted, cases, plan }'
}

n=0
failed=0
LOADED=
LOAD_ERROR=

# load HV: insmod its modules; sets LOADED (names, load order) and, on
# failure, LOAD_ERROR.
load() {
	LOADED=
	LOAD_ERROR=
	dmesg -c >/dev/null
	case $1 in
	ref | ref-shadow)
		for m in $(cat "/kvmx/ref/load-$VENDOR"); do
			p=
			if [ "$1" = ref-shadow ]; then
				case $m in
				kvm-amd) p=npt=0 ;;
				kvm-intel) p=ept=0 ;;
				esac
			fi
			# shellcheck disable=SC2086
			if ! out=$(insmod "/kvmx/ref/$m.ko" $p 2>&1); then
				LOAD_ERROR="insmod $m.ko failed: $out"
				break
			fi
			LOADED="$m $LOADED"
		done
		;;
	kvmx | kvmx-shadow)
		p=${KVMX_MODPARAMS:-}
		[ "$1" = kvmx-shadow ] && p="$p tdp=0"
		# Parameters are words: split them.
		# shellcheck disable=SC2086
		if [ ! -f /kvmx/kvmx.ko ]; then
			LOAD_ERROR="kvmx.ko was not built (no /kvmx/kvmx.ko in the machine)"
		elif ! out=$(insmod /kvmx/kvmx.ko $p 2>&1); then
			LOAD_ERROR="insmod kvmx.ko $p failed: $out"
		else
			LOADED=kvmx
		fi
		;;
	*)
		LOAD_ERROR="unknown hypervisor $1"
		;;
	esac
	if [ -z "$LOAD_ERROR" ]; then
		i=0
		while [ ! -c /dev/kvm ] && [ $i -lt 20 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		[ -c /dev/kvm ] || LOAD_ERROR="$1 loaded but /dev/kvm did not appear"
	fi
	if [ -n "$LOAD_ERROR" ]; then
		echo "# $1-$VENDOR: $LOAD_ERROR"
		dmesg | tail -n 30 | indent
	else
		echo "# $1-$VENDOR: loaded$(for m in $LOADED; do printf ' %s' "$m"; done | awk '{ for (i = NF; i; i--) printf " %s", $i }')"
	fi
}

# The 6.1 KVM selftests read kvm_amd/kvm_intel parameters from sysfs; give
# them kvmx's values (or Y) under the names they expect.
fake_sysfs_on() {
	mkdir -p /tmp/sysmod
	for m in /sys/module/*; do
		name=${m##*/}
		[ -d "$m/parameters" ] || continue
		mkdir -p "/tmp/sysmod/$name/parameters"
		for p in "$m"/parameters/*; do
			[ -f "$p" ] && cat "$p" >"/tmp/sysmod/$name/parameters/${p##*/}" 2>/dev/null
		done
	done
	for f in kvm_amd:npt kvm_intel:ept; do
		mod=${f%%:*} param=${f##*:}
		mkdir -p "/tmp/sysmod/$mod/parameters"
		if [ -f "/sys/module/kvmx/parameters/$param" ]; then
			cat "/sys/module/kvmx/parameters/$param" >"/tmp/sysmod/$mod/parameters/$param"
		else
			echo Y >"/tmp/sysmod/$mod/parameters/$param"
		fi
	done
	mount --bind /tmp/sysmod /sys/module
}

fake_sysfs_off() { umount /sys/module 2>/dev/null; }

# unload HV: rmmod what load() inserted, last first; one TAP line.
unload() {
	status=ok
	msg=
	for m in $LOADED; do
		if ! out=$(rmmod "$m" 2>&1); then
			status="not ok"
			msg="$msg rmmod $m: $out;"
		fi
	done
	n=$((n + 1))
	if [ -n "$LOAD_ERROR" ]; then
		echo "# $1-$VENDOR: nothing to unload ($LOAD_ERROR)"
		status="not ok"
	elif [ "$status" != ok ]; then
		echo "# $1-$VENDOR:$msg"
		dmesg | tail -n 20 | indent
	fi
	[ "$status" = ok ] || failed=$((failed + 1))
	echo "$status $n $1-$VENDOR/rmmod"
}

# run_limited PROGRAM: run it with output in /tmp/test.$n.out; SIGKILL at the
# limit.  Sets rc: its exit status, 137 when killed, "stuck" when even
# SIGKILL did not end it within 10 s (a task looping in the kernel without
# looking at signals): the runner then leaves it behind and goes on.
run_limited() {
	"$1" </dev/null >"/tmp/test.$n.out" 2>&1 &
	pid=$!
	waited=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$waited" -ge $((TIMEOUT + 10)) ]; then
			rc=stuck
			echo "#   [still running ${waited}s after start, 10s after SIGKILL: stuck in the kernel]"
			return
		fi
		[ "$waited" -eq "$TIMEOUT" ] && kill -KILL "$pid" 2>/dev/null
		# Short polls first: most tests take well under a second.
		if [ "$waited" -eq 0 ]; then
			i=0
			while [ $i -lt 10 ] && kill -0 "$pid" 2>/dev/null; do
				sleep 0.1
				i=$((i + 1))
			done
			waited=1
			continue
		fi
		sleep 1
		waited=$((waited + 1))
		# A heartbeat: the harness may treat a silent console as a hang.
		[ $((waited % 30)) -eq 0 ] && echo "#   [still running after ${waited}s]"
	done
	wait "$pid"
	rc=$?
}

# run_test HV TEST: one TAP line.
run_test() {
	hv=$1 t=$2 id="$1-$VENDOR/$2"
	n=$((n + 1))
	entries=
	case $hv in kvmx*) entries=$(xfail_entries "$t") ;; esac
	# The whole program's expected failure, if it is listed with case "*".
	reason=$(echo "$entries" | sed -n 's/^\* //p' | head -n 1)
	# An expected failure that wedges the whole machine is not run.
	case $reason in
	hang:*)
		echo "not ok $n $id # TODO expected failure, not run: $reason"
		return 0 ;;
	esac

	xf=
	if [ -n "$LOAD_ERROR" ]; then
		rc=load
	else
		dmesg -c >/dev/null
		# Names the culprit if the machine dies during the test.
		echo "# running $id"
		start=$(date +%s)
		run_limited "$DIR/$t"
		elapsed=$(($(date +%s) - start))
		if [ -n "$entries" ]; then
			mark_xfail "$entries" <"/tmp/test.$n.out" >"/tmp/test.$n.marked"
			xf=$(sed -n 's/^# \[xfail: \(.*\)\]$/\1/p' "/tmp/test.$n.marked")
			sed '$d' "/tmp/test.$n.marked" | indent
			rm -f "/tmp/test.$n.marked"
		else
			indent <"/tmp/test.$n.out"
		fi
		rm -f "/tmp/test.$n.out"
		echo "#   [exit $rc after ${elapsed}s]"
	fi

	verdict=
	case $rc in
	0) verdict=ok ;;
	4) verdict="ok $n $id # SKIP" ;;
	137) [ "$elapsed" -ge "$TIMEOUT" ] && verdict="not ok $n $id # TIMEOUT ${TIMEOUT}s" ;;
	stuck) verdict="not ok $n $id # TIMEOUT ${TIMEOUT}s, unkillable (stuck in the kernel)" ;;
	load) verdict="not ok $n $id # $hv did not load: $LOAD_ERROR" ;;
	esac
	if [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$rc" != load ]; then
		dmesg | indent | sed 's/^#   /#   dmesg: /'
	fi

	# Listed cases: an XPASS fails the program, and a program whose only
	# failures are listed cases (its plan complete, exit 1) is a TODO.
	if [ -n "$xf" ]; then
		set -- $xf
		if [ "$2" -gt 0 ]; then
			echo "# XPASS: $id: $2 case(s) passed but selftests/kvmx-xfail.txt says they fail: remove their lines"
			echo "not ok $n $id # XPASS listed in kvmx-xfail.txt but passed"
			failed=$((failed + 1))
			return
		fi
		if [ "$rc" = 1 ] && [ "$1" -gt 0 ] && [ "$3" -eq 0 ] && [ "$4" -eq "$5" ]; then
			echo "not ok $n $id # TODO expected failure: ${reason:-$1 listed case(s) failed}"
			return
		fi
	fi

	if [ "$verdict" = ok ]; then
		if [ -n "$reason" ]; then
			echo "# XPASS: $id passed but selftests/kvmx-xfail.txt says it fails ($reason): remove it from the list"
			verdict="not ok $n $id # XPASS listed in kvmx-xfail.txt but passed"
		else
			verdict="ok $n $id"
		fi
	elif [ -z "$verdict" ]; then
		verdict="not ok $n $id"
	fi
	case $verdict in
	"not ok"*) ;;
	*) echo "$verdict"; return ;;
	esac
	if [ -n "$reason" ] && [ "$rc" != load ] && case $verdict in *XPASS*) false ;; *) true ;; esac; then
		echo "not ok $n $id # TODO expected failure: $reason"
	else
		failed=$((failed + 1))
		echo "$verdict"
	fi
}

echo "TAP version 13"
echo "1..$((nhvs * (ntests + 1)))"
echo "# kvmx-runner: vendor $VENDOR, hypervisors: $HVS; $ntests tests, limit ${TIMEOUT}s each"
for hv in $HVS; do
	load "$hv"
	[ -n "$FAKE_SYSFS" ] && [ -z "$LOAD_ERROR" ] && [ "${hv%-shadow}" = kvmx ] && fake_sysfs_on
	for t in $TESTS; do
		run_test "$hv" "$t"
	done
	[ -n "$FAKE_SYSFS" ] && [ "${hv%-shadow}" = kvmx ] && fake_sysfs_off
	unload "$hv"
done
echo "# kvmx-runner: $n results, $failed failed"
[ "$failed" -eq 0 ]
