#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# traces/chrome.py, the labs' traces as Chrome trace-event JSON (Perfetto,
# chrome://tracing), on the recorded samples of chapters 4 and 5: the JSON
# it writes passes its own --check (valid JSON; per CPU track, slices in
# time order that do not overlap; every packet a flow with one start first
# and one end last, each point inside a slice of its track), and copies of
# that JSON broken in each of those ways fail it.
. "$(dirname "$0")/../lib/ktap.sh"

cd "$WGTOUR_ROOT" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ktap_plan 9

# verdict FILE: what --check says of FILE, "pass" or "fail"; "missing" or
# "crashed" (a Python traceback, which exits 1 too) are neither
verdict()
{
	[ -s "$1" ] || { echo missing; return; }
	python3 traces/chrome.py --check "$1" > "$tmp/check.out" 2>&1
	case $? in
	0) echo pass ;;
	1) grep -q '^Traceback' "$tmp/check.out" && echo crashed || echo fail ;;
	*) echo crashed ;;
	esac
	sed 's/^/# /' "$tmp/check.out" >&2
}

# doctor NAME PYTHON: a copy of the rx sample's JSON as $tmp/NAME.json,
# changed by PYTHON, which edits the list "ev" of its trace events.
doctor()
{
	python3 - "$tmp/rx.json" "$tmp/$1.json" "$2" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
ev = doc["traceEvents"]
exec(sys.argv[3])
json.dump(doc, open(sys.argv[2], "w"))
EOF
	# a doctoring that changed nothing judges nothing: no file, "missing"
	if cmp -s "$tmp/rx.json" "$tmp/$1.json"; then
		echo "# doctor $1: no change"
		rm -f "$tmp/$1.json"
	fi
}

for s in rx:ch4-rx-trace tx:ch5-lab-tx-trace; do
	python3 traces/chrome.py "traces/samples/${s#*:}.txt" -o "$tmp/${s%%:*}.json" | sed 's/^/# /'
done
ktap_check "the rx sample (chapter 4) exports, and the JSON passes --check" \
	'[ "$(verdict "$tmp/rx.json")" = pass ]'
ktap_check "the tx sample (chapter 5) exports, and the JSON passes --check" \
	'[ "$(verdict "$tmp/tx.json")" = pass ]'
ktap_check "every packet of the rx sample is a flow, one track per CPU" \
	'python3 -c "import json, sys
d = json.load(open(sys.argv[1]))[\"traceEvents\"]
flows = {e[\"id\"] for e in d if e[\"ph\"] == \"s\"}
tracks = {e[\"tid\"] for e in d if e[\"ph\"] == \"M\" and e[\"name\"] == \"thread_name\"}
sys.exit(not (len(flows) == 10 and tracks == {0, 1}))" "$tmp/rx.json"'

head -c 3000 "$tmp/rx.json" > "$tmp/cut.json"
ktap_check "a JSON file cut short fails" '[ "$(verdict "$tmp/cut.json")" = fail ]'
doctor noend 'ev[:] = [e for e in ev if e["ph"] != "f"]'
ktap_check "flows without their end (no \"f\") fail" '[ "$(verdict "$tmp/noend.json")" = fail ]'
doctor twostarts 'ev.extend([dict(e) for e in ev if e["ph"] == "s"])'
ktap_check "a flow with two starts fails" '[ "$(verdict "$tmp/twostarts.json")" = fail ]'
doctor order '
xs = [i for i, e in enumerate(ev) if e["ph"] == "X" and e["tid"] == 0]
ev[xs[3]]["ts"] = ev[xs[1]]["ts"] - 5'
ktap_check "a track whose slices go back in time fails" '[ "$(verdict "$tmp/order.json")" = fail ]'
doctor overlap '
xs = [e for e in ev if e["ph"] == "X" and e["tid"] == 0]
xs[2]["dur"] = xs[3]["ts"] - xs[2]["ts"] + 1'
ktap_check "overlapping slices on a track fail" '[ "$(verdict "$tmp/overlap.json")" = fail ]'
doctor unbound '
f = [e for e in ev if e["ph"] == "f"][0]
f["ts"] = max(e["ts"] + e["dur"] for e in ev if e["ph"] == "X") + 1000'
ktap_check "a flow point outside every slice fails" '[ "$(verdict "$tmp/unbound.json")" = fail ]'
ktap_finish
