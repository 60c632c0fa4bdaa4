#!/bin/bash
# What the Parquet feature adds to a cold release build of `quartier` (issue #15: "measure the
# cold build time it adds on 2 cores"). Two cold builds of the same commit in a scratch target
# folder, two jobs each: without default features (no Parquet), then with them.
#
#   bash bench/sweep/build-cost.sh            # about 12 minutes on 2 cores; prints both times
#
# Run it on an otherwise idle machine: the two builds are compared with each other.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=$(mktemp -d /tmp/quartier-build-cost.XXXX)
trap 'rm -rf "$T"' EXIT
cargo fetch --locked -q
for features in --no-default-features ""; do
  rm -rf "$T/target"
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$T/target" cargo build --release --locked -j 2 -q -p quartier-cli $features
  end=$(date +%s.%N)
  printf '%-24s %6.1f s\n' "${features:-default features}" "$(echo "$end - $start" | bc)"
done
