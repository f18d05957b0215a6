#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's style gate: checkpatch --strict (from the lab kernel's own
# source package), sparse through Kbuild's C=2, and a W=1 build with no
# warning at all. Runs on the host; needs "make setup".
. "$(dirname "$0")/../lib/ktap.sh"

kver=$("$WGTOUR_ROOT/labs/vm/kver") || exit 1
kdir=/lib/modules/$kver/build
checkpatch=$WGTOUR_ROOT/build/linux-src/scripts/checkpatch.pl
out=$WGTOUR_ROOT/build/lint
mkdir -p "$out"

ktap_plan 2

# --no-tree: we are not inside a kernel tree. Generated *.mod.c is not ours.
sources=$(ls "$WGTOUR_ROOT"/module/*.[ch] | grep -v '\.mod\.c$' |
	grep -v '/trace\.h$' | grep -v '/drop_reason\.h$')
cp_opts=(--strict --no-tree --quiet --show-types --terse --no-summary)
# Both must hold: nothing printed, and exit status 0 (a checkpatch that
# failed to run need not have printed anything).
cp_rc=0
"$checkpatch" "${cp_opts[@]}" -f $sources > "$out/checkpatch.txt" 2>&1 || cp_rc=$?
# TRACE_EVENT() is a macro language of its own whose customary layout
# (one "TP_STRUCT__entry(" per line) trips two layout checks, and whose
# enum export (one "TRACE_DEFINE_ENUM(...);" per entry, as the kernel's
# skb.h does it) trips the trailing-semicolon one.
"$checkpatch" "${cp_opts[@]}" \
	--ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT,TRAILING_SEMICOLON \
	-f "$WGTOUR_ROOT/module/trace.h" >> "$out/checkpatch.txt" 2>&1 || cp_rc=$?
# The list of drop reasons is a macro applying the macro it is given to
# each entry (the kernel's include/net/dropreason.h is one too): a list,
# not an expression, and its argument is used once per entry by design.
"$checkpatch" "${cp_opts[@]}" --ignore COMPLEX_MACRO,MACRO_ARG_REUSE \
	-f "$WGTOUR_ROOT/module/drop_reason.h" >> "$out/checkpatch.txt" 2>&1 || cp_rc=$?
if [ $cp_rc != 0 ] || [ -s "$out/checkpatch.txt" ]; then
	sed 's/^/  /' "$out/checkpatch.txt"
	[ $cp_rc = 0 ] || echo "  checkpatch exited with status $cp_rc"
	ktap_result fail "checkpatch --strict: no errors, warnings or checks"
else
	ktap_result ok "checkpatch --strict: no errors, warnings or checks"
fi

# A scratch copy of the sources, so this full build leaves module/ alone;
# being fresh, it is a build from clean: every file compiled with W=1.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$WGTOUR_ROOT"/module/Kbuild "$WGTOUR_ROOT"/module/*.[ch] "$scratch/"

make -s -C "$kdir" M="$scratch" W=1 C=2 modules > "$out/sparse.txt" 2>&1
rc=$?
# A make that failed fails the check, whatever it printed (a missing sparse
# may say "not found", no "warning" or "error").
if [ $rc != 0 ] || grep -qE 'warning|error' "$out/sparse.txt"; then
	grep -E 'warning|error' "$out/sparse.txt" | sed 's/^/  /'
	[ $rc = 0 ] || { echo "  make exited with status $rc:"; tail -5 "$out/sparse.txt" | sed 's/^/  /'; }
	ktap_result fail "W=1 build from clean, with sparse (C=2): no warnings"
else
	ktap_result ok "W=1 build from clean, with sparse (C=2): no warnings"
fi

ktap_finish
