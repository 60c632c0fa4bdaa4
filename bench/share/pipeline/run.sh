#!/usr/bin/env bash
# Times `quartier share allocate` and the pandas pipeline on the same generated community, in
# the same run, checks that allocation.csv and settlement.csv are byte-identical, and times the
# reading alone (pandas.read_csv of every curve vs Quartier's reader). Prints the ratios.
#
#   bench/share/pipeline/run.sh [WORK_DIR]      (default /tmp/quartier-share-bench)
#
# Needs: target/release/quartier (cargo build --release -p quartier-cli), the reader alone
# (cargo build --release -p quartier-model --example read_community), the virtualenv
# bench/.venv-share-pipeline with requirements.txt, /usr/bin/time (GNU time).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
work="${1:-/tmp/quartier-share-bench}"
py="$repo/bench/.venv-share-pipeline/bin/python"
quartier="${QUARTIER:-$repo/target/release/quartier}"
reader="${READER:-$repo/target/release/examples/read_community}"
data="$work/community"
mkdir -p "$work"
if [ ! -f "$data/community.toml" ]; then
    "$py" "$here/generate.py" "$data"
fi
csv_mb=$(du -sm "$data/curves" | cut -f1)
rows=$(cat "$data"/curves/*.csv | wc -l)
files=$(ls "$data/curves" | wc -l)
values_mb=$(( (rows - files) * 8 / 1048576 ))

# Runs a command under GNU time; prints "seconds peak_mib" of the last run.
measure() {
    local log="$work/time.log"
    /usr/bin/time -v "$@" > "$work/stdout.log" 2> "$log" || { cat "$log"; exit 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    echo "$wall $((rss / 1024))"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "community: $files curve files, $((rows - files)) values (${values_mb} MiB as f64), ${csv_mb} MB of CSV"
rm -rf "$work/q_out" "$work/q_full" "$work/pd_out"
sync

read -r q_read_s q_read_mb < <(measure "$reader" "$data/community.toml")
read -r pd_read_s pd_read_mb < <(measure "$py" "$here/pipeline.py" "$data" --read-only)
read -r q_s q_mb < <(measure "$quartier" --quiet share allocate "$data/community.toml" --out "$work/q_out" --statements none)
read -r pd_s pd_mb < <(measure "$py" "$here/pipeline.py" "$data" "$work/pd_out")
read -r qf_s qf_mb < <(measure "$quartier" --quiet share allocate "$data/community.toml" --out "$work/q_full")
read -r qi_s qi_mb < <(measure "$quartier" --quiet share invoice "$data/community.toml" --month 2025-06 --issue-date 2025-07-03 --out "$work/q_inv")
rm -f "$data/invoice-ledger.csv"

same=yes
for f in allocation.csv settlement.csv; do
    cmp "$work/q_out/$f" "$work/pd_out/$f" || same=no
    cmp "$work/q_out/$f" "$work/q_full/$f" || same=no
done
statements_mb=$(du -sm "$work/q_full/statements" | cut -f1)
statements_n=$(ls "$work/q_full/statements" | wc -l)
pdf_mb=$(du -cm "$work/q_full/statements/"*.pdf | tail -1 | cut -f1)
alloc_mb=$(du -m "$work/q_out/allocation.csv" | cut -f1)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo
echo "| what | Quartier s | Quartier peak MiB | pandas s | pandas peak MiB | time ratio |"
echo "|---|---|---|---|---|---|"
echo "| reading every curve (read_community / pandas.read_csv) | $q_read_s | $q_read_mb | $pd_read_s | $pd_read_mb | $(ratio "$pd_read_s" "$q_read_s")× |"
echo "| allocate, settle, allocation.csv + settlement.csv (--statements none) | $q_s | $q_mb | $pd_s | $pd_mb | $(ratio "$pd_s" "$q_s")× |"
echo "| the same with every statement (default) | $qf_s | $qf_mb | | | $(ratio "$pd_s" "$qf_s")× |"
echo "| share invoice, one month | $qi_s | $qi_mb | | | |"
echo
echo "byte-identical allocation.csv and settlement.csv: $same"
echo "allocation.csv ${alloc_mb} MB; statements: $statements_n files, ${statements_mb} MB (PDF ${pdf_mb} MB)"
echo "peak memory over the curve values (${values_mb} MiB): Quartier $(ratio "$q_mb" "$values_mb")× ($(ratio "$qf_mb" "$values_mb")× with statements), pandas $(ratio "$pd_mb" "$values_mb")×"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$same" = yes ]
