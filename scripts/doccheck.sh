#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/doccheck.sh: the lists in Documentation/ that the source decides.
#
#   module parameters   every module_param*() under module/ (by name,
#                       wherever it is defined) must have an entry in the
#                       "Module parameters" section of Documentation/api.rst,
#                       and every entry there must name a parameter that
#                       exists;
#   selftest programs   every selftests/*_test.c must have an entry in "The
#                       programs" of Documentation/selftests.rst, and every
#                       entry there must have its source;
#   unit tests          the same for selftests/unit/*_unit.c and "Unit
#                       tests" in Documentation/selftests.rst.
#
# An entry is a definition-list term: a line that starts, unindented, with
# ``name`` (several names may share one term, separated by ", ").
# Exit status 0 when everything matches, 1 with the drift listed otherwise.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
API=$ROOT/Documentation/api.rst
SELFTESTS=$ROOT/Documentation/selftests.rst
drift=0

# section FILE TITLE: the lines of the section titled TITLE, up to the next
# title of any level (a line of = - ~ under a text line).
section() {
	awk -v title="$2" '
		function is_rule(s) { return s ~ /^(=+|-+|~+)$/ }
		{ line[NR] = $0 }
		END {
			for (i = 1; i <= NR; i++) {
				if (!in_sec && line[i] == title && is_rule(line[i + 1])) {
					in_sec = 1; i++; continue
				}
				if (in_sec && is_rule(line[i + 1]) && line[i] != "" &&
				    !is_rule(line[i]))
					break
				if (in_sec)
					print line[i]
			}
		}' "$1"
}

# terms: the ``names`` of the definition-list terms on stdin, one a line.
terms() {
	grep -E '^``' | sed -E 's/ \(.*//; s/[[:space:]]+$//' |
		tr ',' '\n' | sed -nE 's/^[[:space:]]*``([A-Za-z0-9_]+)``.*/\1/p' |
		sort -u
}

# compare WHAT DOC SECTION: source names in $want, documented ones in $have.
compare() {
	local missing extra
	missing=$(comm -23 <(printf '%s\n' "$want" | sed '/^$/d') \
			   <(printf '%s\n' "$have" | sed '/^$/d'))
	extra=$(comm -13 <(printf '%s\n' "$want" | sed '/^$/d') \
			 <(printf '%s\n' "$have" | sed '/^$/d'))
	if [ -z "$want" ]; then
		echo "doccheck: found no $1 in the source (is the extraction broken?)"
		drift=1
	fi
	if [ -z "$have" ]; then
		echo "doccheck: $2 has no section \"$3\" with entries"
		drift=1
	fi
	for n in $missing; do
		echo "doccheck: $1 '$n' is missing from $2 (\"$3\")"
		[ "$1" = "module parameter" ] && [ -n "${desc[$n]:-}" ] &&
			echo "          its description: ${desc[$n]}"
		drift=1
	done
	for n in $extra; do
		echo "doccheck: $2 (\"$3\") names $1 '$n', which does not exist"
		drift=1
	done
	[ -n "$want" ] && [ -z "$missing" ] && [ -z "$extra" ] &&
		echo "doccheck: $(printf '%s\n' "$want" | wc -l) ${1}s documented in $2"
}

# Module parameters: the first argument of module_param(), _named(), _cb(),
# _array(), _string() is the name sysfs shows, wherever the call is.
declare -A desc
mapfile -t params < <(find "$ROOT/module" -name '*.c' -print0 | sort -z |
	xargs -0 cat | perl -0777 -ne \
	'print "$1\n" while /\bmodule_param(?:_named|_cb|_array|_string)?\s*\(\s*(\w+)/g' |
	sort -u)
while IFS=$'\t' read -r n d; do
	desc[$n]=$d
done < <(find "$ROOT/module" -name '*.c' -print0 | xargs -0 cat | perl -0777 -ne \
	'while (/\bMODULE_PARM_DESC\s*\(\s*(\w+)\s*,((?:\s*"(?:[^"\\]|\\.)*")+)\s*\)/g) {
		my ($n, $s) = ($1, $2); my $d = "";
		$d .= $1 while $s =~ /"((?:[^"\\]|\\.)*)"/g;
		print "$n\t$d\n";
	}')
want=$(printf '%s\n' "${params[@]}" | sed '/^$/d')
have=$(section "$API" "Module parameters" | terms)
compare "module parameter" Documentation/api.rst "Module parameters"

# Selftest programs and unit tests.
want=$(cd "$ROOT/selftests" && ls -- *_test.c 2>/dev/null | sed 's/\.c$//' | sort -u)
have=$(section "$SELFTESTS" "The programs" | terms)
compare "selftest program" Documentation/selftests.rst "The programs"

want=$(cd "$ROOT/selftests/unit" && ls -- *_unit.c 2>/dev/null | sed 's/\.c$//' | sort -u)
have=$(section "$SELFTESTS" "Unit tests" | terms)
compare "unit test" Documentation/selftests.rst "Unit tests"

exit $drift
