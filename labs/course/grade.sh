#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make grade LAB=ID [SRC=DIR]: grade a student's module for assignment ID.
#
# usage: labs/course/grade.sh ID [SRC [OUT]]
#   1. snapshot the sources of SRC (default build/course/ID/module, what
#      make lab-start made) into OUT/results/src (OUT: build/course/ID),
#      and build them there against the lab kernel's headers with W=1;
#   2. boot the lab VM once with labs/course/grade-guest.sh, which loads
#      that wgtour.ko and runs the assignment's tests and trace scenarios
#      (labs/course/course.py plan ID);
#   3. score it on the host (course.py score): a line per check with its
#      points, the total, and OUT/grade.tap and OUT/grade.json.
# Exits 0 when every check passed, 1 otherwise. The VM's logs are in
# build/vm/runs/grade-ID/.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/labs/vm/lib.sh"
course=$root/labs/course/course.py

lab=${1:?usage: labs/course/grade.sh ID [SRC [OUT]]}
src=${2:-$root/build/course/$lab/module}
out=${3:-$root/build/course/$lab}
start=$(date +%s)

python3 "$course" plan "$lab" > /dev/null || exit 1
[ -d "$src" ] || die "no $src: run make lab-start LAB=$lab first (or give SRC=DIR)"
src=$(cd "$src" && pwd)
# The guest writes its results under build/, its one writable directory.
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $out/ in
"$root"/build/*) ;;
*) die "OUT must be under $root/build (the lab VM writes there): $out" ;;
esac
results=$out/results
kver=$(lab_kver) || exit 1

# The snapshot keeps the graded sources whatever happens to DIR meanwhile,
# and the build's objects out of it.
rm -rf "$results"
mkdir -p "$results/src"
cp "$src"/Kbuild "$src"/Makefile "$src"/*.c "$src"/*.h "$results/src/" 2>/dev/null
rm -f "$results/src/"*.mod.c
python3 "$course" plan "$lab" > "$results/plan"
timeout=$(sed -n 's/^timeout //p' "$results/plan")

echo "grade $lab: building $src against $kver (W=1)"
make -C "/lib/modules/$kver/build" M="$results/src" W=1 modules > "$results/build.log" 2>&1
echo $? > "$results/build.rc"
grep -E 'warning:|error:' "$results/build.log" | head -5

vm_rc=()
if [ "$(cat "$results/build.rc")" = 0 ]; then
	echo "grade $lab: booting the lab VM (at most $timeout s; log: build/vm/runs/grade-$lab/)"
	"$root/labs/vm/run" --no-module --name "grade-$lab" --timeout "$timeout" -- \
		labs/course/grade-guest.sh "$results" "$results/src/wgtour.ko"
	vm_rc=(--vm-rc $?)
fi
echo
python3 "$course" score "$lab" --results "$results" "${vm_rc[@]}" --module "$src" --out "$out"
rc=$?
echo "grade $lab: $(( $(date +%s) - start )) s"
exit $rc
