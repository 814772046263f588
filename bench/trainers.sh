#!/usr/bin/env bash
# Fine-tuning methods side by side on `small` (B=16, T=128): step time, trainable parameters, optimizer state, peak RSS.
# Each method runs in its own process (so peak RSS is its own), ROUNDS times (default 3) in an order that rotates from
# round to round, so a burst of load on the machine does not land on one method only; the summary gives medians and
# each method's median ratio to full fine-tuning of the same round.
# Build first: mvn -q -B install -DskipTests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CP="${CP:-bench/target/classes:$(cat bench/target/classpath.txt)}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
ROUNDS="${ROUNDS:-3}"
# trainer: sections (any registered trainer.type): full FT, LoRA r=8 on the 7 projections, SMT 1% of q,k,v in 32-blocks
methods=("{type: full}"
  "{type: lora, rank: 8, alpha: 16, dropout: 0, targets: [q, k, v, o, gate, up, down]}"
  "{type: smt, warmup_steps: 1, block_size: 32, budget: 0.01, targets: [q, k, v]}")
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
for ((r = 0; r < ROUNDS; r++)); do
  for ((k = 0; k < ${#methods[@]}; k++)); do
    m=${methods[$(( (k + r) % ${#methods[@]} ))]}
    line=$(java -Xmx3g -XX:+UseParallelGC -XX:MaxNewSize=64m -Dorg.bytedeco.javacpp.maxbytes=8G --add-modules jdk.incubator.vector -cp "$CP" \
      dev.sinter.bench.TrainerBenchmark "$m" 2>/dev/null)
    echo "$line"
    echo "$r $line" >> "$rows"
  done
done
python3 - "$rows" <<'PY'
import json, statistics, sys
rounds = {}
for line in open(sys.argv[1]):
    r, row = line.split(" ", 1)
    rounds.setdefault(int(r), {})[json.loads(row)["method"]] = json.loads(row)
methods = list(next(iter(rounds.values())))
print(f"\n| method | trainable | optimizer state | median step | vs full (median of per-round ratios) | peak RSS |")
print("|---|---:|---:|---:|---:|---:|")
for m in methods:
    rows = [rnd[m] for rnd in rounds.values()]
    step = statistics.median(r["median_step_s"] for r in rows)
    ratio = statistics.median(rnd[m]["median_step_s"] / rnd["full"]["median_step_s"] for rnd in rounds.values())
    each = " / ".join(f"{r['median_step_s']:.2f}" for r in rows)
    print(f"| {m} | {rows[0]['trainable_params']:,} | {rows[0]['optimizer_state_bytes'] / 1e6:.2f} MB | {step:.3f} s "
          f"({each}) | {ratio:.2f}× | {max(r['peak_rss_mb'] for r in rows):,.0f} MB |")
PY
