#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The course's LAB markers and student copies (labs/course/markers.py,
# course.py), on a small marked source made here: the student copy of one
# assignment has its regions replaced by the TODO and the skeleton and
# keeps every other assignment's code without its markers; the reference
# copy is the source without any marker; a copy never overwrites work or
# its source; an assignment without markers cannot start; every kind of
# malformed marker is refused. Then module/'s markers and the registry
# (labs/course/assignments.json), which must load, and doctored registries
# that must not. Compiling the real skeletons is make check-labs'.
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
course=labs/course/course.py

ktap_plan 22

src=$tmp/src
mkdir -p "$src"
printf 'obj-m := wgtour.o\n' > "$src/Kbuild"
printf '/* no markers here */\n' > "$src/fixture.h"
cat > "$src/fixture.c" <<'EOF'
static int helper(void)
{
	return 1;
}

bool replay(u64 counter)
{
	/* LAB(ch4-replay): accept each counter once */
	/* LAB(ch4-replay) skeleton: (void)counter; */
	/* LAB(ch4-replay) skeleton: return true; */
	bool fresh = counter < 10;	/* REFERENCE-REPLAY */
	return fresh;
	/* END LAB(ch4-replay) */
}

int pad(int len)
{
	int padded;
	/* LAB(ch5-padding) */
	int keep = helper();	/* REFERENCE-PADDING-1 */
	/* END LAB(ch5-padding) */

	/* LAB(ch5-padding): pad to 16 */
	/* LAB(ch5-padding) skeleton: padded = len; */
	padded = (len + 15) & ~15;	/* REFERENCE-PADDING-2 */
	/* END LAB(ch5-padding) */
	return padded;
}
EOF

# ---- the student copy and the reference copy ----------------------------------
python3 $course markers --src "$src" > "$tmp/markers.out" 2>&1
ktap_check "markers: a well-formed source passes and lists both assignments" \
	'grep -q "^  ch4-replay " "$tmp/markers.out" && grep -q "^  ch5-padding .*, " "$tmp/markers.out"'

stu=$tmp/stu/module
python3 $course start ch4-replay --src "$src" --dest "$stu" | sed 's/^/# /'
ktap_check "start: the region is its TODO, then its skeleton, at the markers' indentation" \
	'grep -A2 "TODO(lab ch4-replay)" "$stu/fixture.c" > "$tmp/todo" &&
	 diff -u - "$tmp/todo" <<< "$(printf "\t/* TODO(lab ch4-replay): accept each counter once */\n\t(void)counter;\n\treturn true;")"'
ktap_check "start: the reference code of the region is gone" \
	'! grep -q REFERENCE-REPLAY "$stu/fixture.c"'
ktap_check "start: the other assignment keeps its code, without its markers" \
	'grep -q REFERENCE-PADDING-1 "$stu/fixture.c" && grep -q REFERENCE-PADDING-2 "$stu/fixture.c" &&
	 ! grep -q "LAB(" "$stu/fixture.c"'
ktap_check "start: the other files are copied as they are, and ASSIGNMENT.txt written" \
	'cmp -s "$src/Kbuild" "$stu/Kbuild" && cmp -s "$src/fixture.h" "$stu/fixture.h" &&
	 grep -q "^What is graded:" "$tmp/stu/ASSIGNMENT.txt"'
python3 $course start ch5-padding --src "$src" --dest "$tmp/stu5/module" > /dev/null
ktap_check "start: an assignment of two regions gets two TODOs (the one without text bare)" \
	'[ "$(grep -c "TODO(lab ch5-padding" "$tmp/stu5/module/fixture.c")" = 2 ] &&
	 grep -q "^	/\* TODO(lab ch5-padding) \*/$" "$tmp/stu5/module/fixture.c" &&
	 grep -q "^	padded = len;$" "$tmp/stu5/module/fixture.c" && ! grep -q REFERENCE-PADDING "$tmp/stu5/module/fixture.c"'
python3 $course start ch4-replay --reference --src "$src" --dest "$tmp/ref/module" > /dev/null
ktap_check "start --reference: the source without its marker lines, nothing else changed" \
	'grep -v "/\* \(END \)\{0,1\}LAB(" "$src/fixture.c" | diff -u - "$tmp/ref/module/fixture.c"'

# ---- what start refuses -----------------------------------------------------
echo "/* the student's work */" >> "$stu/fixture.c"
python3 $course start ch4-replay --src "$src" --dest "$stu" > "$tmp/again.out" 2>&1
rc=$?
ktap_check "start: an existing copy is not overwritten (exit $rc)" \
	'[ $rc = 1 ] && grep -q "student.s work" "$stu/fixture.c" && grep -q "exists" "$tmp/again.out"'
python3 $course start ch4-replay --src "$src" --dest "$stu" --force > /dev/null
ktap_check "start --force: it is made afresh" '! grep -q "student.s work" "$stu/fixture.c"'
python3 $course start ch1-allowedip --src "$src" --dest "$tmp/ch1" > "$tmp/unmarked.out" 2>&1
rc=$?
ktap_check "start: an assignment with no LAB region in the source fails (exit $rc)" \
	'[ $rc = 1 ] && grep -q "not marked" "$tmp/unmarked.out" && [ ! -e "$tmp/ch1" ]'
python3 $course start ch4-replay --src "$src" --dest "$src" --force > /dev/null 2>&1
rc=$?
ktap_check "start: a copy onto its own source is refused (exit $rc)" \
	'[ $rc = 1 ] && grep -q REFERENCE-REPLAY "$src/fixture.c"'

# ---- malformed markers --------------------------------------------------------
# broken NAME SED: a copy of the source changed by SED must fail "markers":
# the copy differs, and the refusal is course.py's, not a traceback
broken()
{
	rm -rf "$tmp/bad"
	cp -r "$src" "$tmp/bad"
	sed -i "$2" "$tmp/bad/fixture.c"
	python3 $course markers --src "$tmp/bad" > "$tmp/bad.out" 2>&1
	rc=$?
	sed 's/^/#   /' "$tmp/bad.out"
	ktap_check "markers: $1 is refused (exit $rc)" \
		'[ $rc = 1 ] && ! cmp -s "$src/fixture.c" "$tmp/bad/fixture.c" && ! grep -q "^Traceback" "$tmp/bad.out"'
}
broken "a region never closed" '/END LAB(ch4-replay)/d'
broken "a region inside another" 's|int keep = helper();.*|/* LAB(ch4-replay) */|'
broken "an END with another name" 's|END LAB(ch4-replay)|END LAB(ch5-padding)|'
broken "a misspelt skeleton line" 's|LAB(ch4-replay) skeleton: return|LAB(ch4-replay) skelton: return|'
broken "a skeleton line away from its begin marker" 's|return fresh;|/* LAB(ch4-replay) skeleton: x; */|'
broken "an id that is no assignment" 's|LAB(ch5-padding)|LAB(ch9-nothing)|g'

# ---- module/ and the registry ---------------------------------------------------
python3 $course markers > "$tmp/module.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/module.out"
ktap_check "module/'s LAB markers are well-formed and name assignments (exit $rc)" '[ $rc = 0 ]'
python3 $course labs > "$tmp/labs.out"
sed 's/^/# /' "$tmp/labs.out"
# labs_right: each lab is "(planned)" exactly when it has no labs/NAME/run.sh
# (its "make" line; a line of its pictures follows a lab that exists)
labs_right()
{
	local word name rest
	while read -r word name _ rest; do
		[ "$word" = make ] || continue
		[ -f "labs/${name#lab-}/run.sh" ] && [[ $rest == "(planned)"* ]] && return 1
		[ -f "labs/${name#lab-}/run.sh" ] || [[ $rest == "(planned)"* ]] || return 1
	done < "$tmp/labs.out"
}
ktap_check "make labs: five labs, those without a labs/NAME/run.sh planned" \
	'[ "$(grep -c "make lab-" "$tmp/labs.out")" = 5 ] && labs_right'
# registry_fails PYTHON: a copy of the registry changed by PYTHON (on "reg")
# must not load
registry_fails()
{
	python3 - "$1" <<'EOF' > "$tmp/reg.out" 2>&1
import json, os, sys
sys.path.insert(0, "labs/course")
import registry, trace_checks
reg = json.load(open(registry.PATH))
exec(sys.argv[1])
path = os.path.join(os.environ["tmp"], "reg.json")
json.dump(reg, open(path, "w"))
try:
    registry.load(path, trace_checks.CHECKS)
except registry.RegistryError as err:
    print(err)
    sys.exit(1)
EOF
}
export tmp
ktap_check "the registry loads, every test, scenario and trace check found" 'registry_fails ""'
ktap_check "a registry naming a test that does not exist does not load" \
	'! registry_fails "reg[\"assignments\"][0][\"checks\"][1][\"test\"] = \"nope.sh\"" &&
	 grep -q "no test tests/vm/nope.sh" "$tmp/reg.out"'
ktap_check "nor one naming a trace check that does not exist, or a scenario" \
	'! registry_fails "reg[\"assignments\"][3][\"checks\"][3][\"check\"] = \"nope\"" &&
	 ! registry_fails "reg[\"assignments\"][3][\"checks\"][3][\"scenario\"] = \"nope\""'
ktap_finish
