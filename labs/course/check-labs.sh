#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-labs: the course's own tests, as TAP.
#
# usage: labs/course/check-labs.sh [--vm] [--src DIR] [ID...]
#
# For each assignment (all of labs/course/assignments.json, or the IDs),
# from module/ as it is (or DIR): its student copy (the skeleton) and its reference
# copy (course.py start [--reference]) into build/check-labs/ID/, and each
# must build against the lab kernel's headers, W=1, without a warning; the
# skeleton must not be the reference. An assignment module/ has no LAB
# markers for fails here: it cannot be started.
#
# With --vm, both are then graded in the lab VM (labs/course/grade.sh, one
# boot each) and course.py verdict compares: the reference must pass every
# check, the skeleton fail exactly those the registry marks
# "skeleton": "fail" (33 min for the five, measured); and, when no ID is
# given, every lab of the registry runs (make lab-NAME: one boot each) and
# its pictures pass its renderer's --check (about 3 min for the five).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/labs/vm/lib.sh"
course=$root/labs/course/course.py
out=$root/build/check-labs

vm=0 src=$root/module
while [ $# -gt 0 ]; do
	case $1 in
	--vm) vm=1 ;;
	--src) src=$(cd "$2" && pwd) || exit 1; shift ;;
	*) break ;;
	esac
	shift
done
labs=()
if [ $# -gt 0 ]; then
	ids=("$@")
else
	read -ra ids <<< "$(python3 "$course" assignments --ids)" || exit 1
	if [ $vm = 1 ]; then
		read -ra labs <<< "$(python3 "$course" labs --names)" || exit 1
	fi
fi
kver=$(lab_kver) || exit 1
kdir=/lib/modules/$kver/build

n=0
result()	# ok|fail DESCRIPTION
{
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

# build DIR: W=1, no warning; its log in DIR/../build.log
build()
{
	make -C "$kdir" M="$1" W=1 modules > "$1/../build.log" 2>&1 &&
		! grep -q 'warning:' "$1/../build.log"
}

mkdir -p "$out"
echo "TAP version 13"
echo "1..$(( ${#ids[@]} * (vm ? 4 : 2) + ${#labs[@]} ))"
failed=0
for id in "${ids[@]}"; do
	rm -rf "${out:?}/$id"
	for model in skeleton reference; do
		dest=$out/$id/$model/module
		flag=()
		[ $model = reference ] && flag=(--reference)
		if ! python3 "$course" start "$id" "${flag[@]}" --src "$src" --dest "$dest" \
				> "$out/start.log" 2>&1; then
			sed 's/^/# /' "$out/start.log"
			result fail "$id: the $model copy is made from module/"
			continue
		fi
		if build "$dest"; then
			result ok "$id: the $model builds (W=1, no warning)"
		else
			grep -E 'warning:|error:' "$out/$id/$model/build.log" | head -5 | sed 's/^/# /'
			result fail "$id: the $model builds (W=1, no warning)"
		fi
	done
	[ -d "$out/$id/skeleton/module" ] && [ -d "$out/$id/reference/module" ] || continue
	if diff -rq "$out/$id/skeleton/module" "$out/$id/reference/module" -x '*.o' -x '*.ko' \
			-x '*.mod*' -x '.*' -x modules.order -x Module.symvers > /dev/null; then
		echo "# $id: the skeleton is the reference: nothing to do for the student"
		failed=1
	fi
	[ $vm = 1 ] || continue
	for model in skeleton reference; do
		"$root/labs/course/grade.sh" "$id" "$out/$id/$model/module" "$out/$id/$model" \
			> "$out/$id/$model/grade.log" 2>&1
		sed -n '/^total: /s/^/# '"$model"': /p' "$out/$id/$model/grade.log"
		if python3 "$course" verdict "$id" "$model" "$out/$id/$model/grade.json" \
				> "$out/$id/$model/verdict.txt" 2>&1; then
			result ok "$id: make grade scores the $model as expected"
		else
			sed 's/^/# /' "$out/$id/$model/verdict.txt"
			result fail "$id: make grade scores the $model as expected"
		fi
	done
done
for lab in "${labs[@]}"; do
	if "$root/labs/${lab#lab-}/run.sh" > "$out/$lab.log" 2>&1; then
		result ok "make $lab runs in the lab VM and its pictures pass their check"
	else
		tail -n 5 "$out/$lab.log" | sed 's/^/# /'
		result fail "make $lab runs in the lab VM and its pictures pass their check"
	fi
done
rm -f "$out/start.log"
exit $failed
