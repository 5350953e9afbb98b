#!/usr/bin/env bash
# Runs every cargo-fuzz target of the ledger for a short time, seeded from the committed
# test vectors, so the targets keep building and any panic a decoder regains is caught.
# Usage: scripts/fuzz.sh [seconds per target, default 10]
# Longer runs for real hunting: scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-10}
CARGO_FUZZ_VERSION=0.13.1

if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

# Seeds: the known-answer vectors give the fuzzer valid inputs to mutate from the start.
corpus=ledger/fuzz/corpus
mkdir -p "$corpus"/{entry,identity,rotation,checkpoint,history}
python3 - "$corpus" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1]); v = pathlib.Path("ledger/tests/vectors")
for i, e in enumerate(json.loads((v / "entries.json").read_text())["entries"]):
    (out / "entry" / f"vector-{i}").write_bytes(bytes.fromhex(e["encoding"]))
history = json.loads((v / "tree-history.json").read_text())
(out / "history" / "vector").write_text(json.dumps(history))
(out / "identity" / "vector").write_text(history["identity"])
(out / "checkpoint" / "vector").write_text(history["checkpoint"])
signatures = json.loads((v / "signatures.json").read_text())
(out / "rotation" / "vector").write_bytes(bytes.fromhex(signatures["rotation"]["encoding"]))
PY

cd ledger/fuzz
# The machine has a stable toolchain only; cargo-fuzz needs a few unstable flags, which
# RUSTC_BOOTSTRAP allows. No sanitizer: the crate forbids unsafe code, so what we hunt is
# panics and broken invariants, which libFuzzer catches as crashes.
export RUSTC_BOOTSTRAP=1
log=$(mktemp)
for target in $(cargo fuzz list); do
  echo "fuzzing $target for ${SECONDS_PER_TARGET}s"
  if ! cargo fuzz run --sanitizer none "$target" "corpus/$target" -- \
      -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz target $target failed; the input is in ledger/fuzz/artifacts/$target" >&2
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$log" || true
done
rm -f "$log"
