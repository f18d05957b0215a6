# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Differential tests (tests/vm/config_diff.sh, allowedips_diff.sh): one
# scenario runs on the stock wireguard.ko and then on wgtour.ko, and leaves
# what each printed in a directory as stock.NAME and ours.NAME.
#
#   wgt_same [-v VIEW] DIR NAME [empty]
#       true when DIR/stock.NAME and DIR/ours.NAME are identical, and
#       stock.NAME is not empty, unless "empty" allows it: two commands that
#       both printed nothing (failed, say) agree on nothing. Otherwise false,
#       with the first 40 lines of a unified diff as comments: of the two
#       files, or with -v of what the command VIEW prints for each (a
#       filter that makes a difference easier to read).

wgt_same()
{
	local view=
	if [ "$1" = -v ]; then
		view=$2
		shift 2
	fi
	local dir=$1 name=$2
	if [ "${3:-}" != empty ] && [ ! -s "$dir/stock.$name" ]; then
		echo "# stock.$name is empty"
		return 1
	fi
	if cmp -s "$dir/stock.$name" "$dir/ours.$name"; then
		return 0
	fi
	if [ -n "$view" ]; then
		diff -u <("$view" "$dir/stock.$name") <("$view" "$dir/ours.$name")
	else
		diff -u "$dir/stock.$name" "$dir/ours.$name"
	fi | head -40 | sed 's/^/# /'
	return 1
}
