#!/usr/bin/env bash
# test_results_name.sh SOURCE-DIR - scripts/results_name.py, the name every
# bench script saves a run under (<date>-<cpu>[-hide-<sets>]<tag>[-N]<ext>,
# never overwriting) and the CPU context it records.
set -euo pipefail
src=$1
py=/usr/bin/python3
rn="$src/scripts/results_name.py"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d "${MM_TEST_TMP:-/tmp}/results-name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset MM_CPU_HIDE

model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
slug=$(printf '%s' "${model:-cpu}" | tr 'A-Z' 'a-z' | sed 's/([^)]*)//g; s/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//')
want="$tmp/$(date -u +%F)-${slug:-cpu}"

got=$("$py" "$rn" stem "$tmp")
[ "$got" = "$want" ] || fail "stem: '$got', want '$want'"
touch "$want.json"
got=$("$py" "$rn" stem "$tmp")
[ "$got" = "$want-2" ] || fail "with $want.json there: '$got', want '$want-2'"
touch "$want-2.json"
got=$("$py" "$rn" stem "$tmp")
[ "$got" = "$want-3" ] || fail "with -2 there too: '$got', want '$want-3'"
# another extension is another file: .cli.json starts again without -N
got=$("$py" "$rn" stem "$tmp" --ext .cli.json)
[ "$got" = "$want" ] || fail "--ext .cli.json: '$got', want '$want'"
got=$("$py" "$rn" stem "$tmp" --tag -alternate)
[ "$got" = "$want-alternate" ] || fail "--tag -alternate: '$got'"
got=$(MM_CPU_HIDE=avx512,avx2 "$py" "$rn" stem "$tmp" --tag -alternate)
[ "$got" = "$want-hide-avx512-avx2-alternate" ] || fail "MM_CPU_HIDE=avx512,avx2: '$got'"
if "$py" "$rn" stem "$tmp" --bogus x 2>/dev/null; then fail "an unknown argument was taken"; fi

ctx=$("$py" "$rn" context avx512)
"$py" - "$ctx" <<'PY' || fail "context: $ctx"
import json, os, sys
c = json.loads(sys.argv[1])
info = {}
for line in open("/proc/cpuinfo"):
    k, _, v = line.partition(":")
    info.setdefault(k.strip(), v.strip())
assert c["cpu_vendor"] == info.get("vendor_id", ""), c["cpu_vendor"]
assert c["cpu_family_model"] == "%s/%s" % (info.get("cpu family", ""), info.get("model", ""))
assert c["cpu_model_name"] == info.get("model name", "")
assert c["cpu_flags"] == info.get("flags", "")
assert c["os_kernel"] == "%s %s" % (os.uname().sysname, os.uname().release)
assert c["cpu_hidden"] == "avx512"
PY
# save_run: ROOT/results/<stem><tag>.json with the context (git added), the
# medians and the runs, never overwriting
"$py" - "$src/scripts" "$tmp/root" "$want" <<'PY' || fail "save_run"
import json, os, sys
sys.path.insert(0, sys.argv[1])
from results_name import save_run
root, want = sys.argv[2], os.path.basename(sys.argv[3])
a = save_run(root, "-x", {"cpu_vendor": "v"}, {"m": 1}, [{"r": 1}])
b = save_run(root, "-x", {"cpu_vendor": "v"}, {"m": 2}, [])
assert a == os.path.join(root, "results", want + "-x.json"), a
assert b == os.path.join(root, "results", want + "-x-2.json"), b
d = json.load(open(a))
assert d["context"]["cpu_vendor"] == "v" and "git" in d["context"], d
assert d["medians"] == {"m": 1} and d["runs"] == [{"r": 1}], d
assert json.load(open(b))["medians"] == {"m": 2}
PY
echo "results_name: ok"
