#!/usr/bin/env bash
# Data-parallel training against one process (issue 18): tokens/s of `small` and d256 (B=16, T=128) with no
# distributed: section (none), engine: spark on local[1] and local[2] (local1, local2), engine: threads with one or two
# replicas on long-lived threads of the JVM (threads1, threads2) and PyTorch on 2 threads (torch2); MODES picks them.
# Each mode in its own process (peak RSS is its own), ROUNDS rounds (default 2) in a rotating order; per-step exchange
# overhead in ms and as a share of the step.
# Raw JSON lines go to bench/results/spark-<UTC time>.jsonl, a Markdown table of medians to stdout.
# Build first: mvn -q -B -DskipTests package   (then CP defaults to bench's classes and classpath file)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CP="${CP:-bench/target/classes:$(cat bench/target/classpath.txt)}"
export OMP_NUM_THREADS=1 # one OpenMP thread per replica (and for the single process: ND4J's fastest on 2 cores)
ROUNDS="${ROUNDS:-2}"
MODELS="${MODELS:-small d256}"
STEPS="${STEPS:-10}"
WARMUP="${WARMUP:-15}" # Spark's code is still being JIT-compiled in the first steps (docs/results/distributed.md)
OPENS=(-XX:+IgnoreUnrecognizedVMOptions -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true)
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  OPENS+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
read -r -a modes <<< "${MODES:-none threads2 local1 local2 torch2}"
# torch2: PyTorch's twin (bench/torch_twin.py) on 2 threads with its best kernels on this machine (SkylakeX, no L2
# override); the same model, B, T, warm-up and steps
torch_args() { case "$1" in d256) echo --dim 256 --layers 4 --heads 4 --kv-heads 4 --hidden 688 --vocab 4096 ;;
                            *) echo --model "$1" ;; esac; }
out="bench/results/spark-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
mkdir -p bench/results
for ((r = 0; r < ROUNDS; r++)); do
  for model in $MODELS; do
    for ((k = 0; k < ${#modes[@]}; k++)); do
      mode=${modes[$(( (k + r) % ${#modes[@]} ))]}
      if [[ $mode == torch2 ]]; then
        # shellcheck disable=SC2046 # torch_args prints separate words
        twin=$(env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=2 /usr/bin/python3 bench/torch_twin.py \
          train $(torch_args "$model") --batch 16 --seq 128 --warmup "$WARMUP" --steps "$STEPS" 2>/dev/null | tail -1)
        line="${twin%\}}, \"model\": \"$model\", \"mode\": \"torch2\"}" # our mode after the twin's "train"
      else
        line=$(java -Xmx3g -XX:+UseParallelGC -XX:MaxNewSize=64m -Dorg.bytedeco.javacpp.maxbytes=8G --add-modules jdk.incubator.vector \
          "${OPENS[@]}" -cp "$CP" dev.sinter.bench.SparkBenchmark "$model" "$mode" --steps "$STEPS" \
          --warmup "$WARMUP" 2>/dev/null | tail -1)
      fi
      echo "$line"
      echo "{\"round\": $r, \"load1\": $(cut -d' ' -f1 /proc/loadavg), \"row\": $line}" >> "$out"
    done
  done
done
echo "raw rows: $out"
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\n| model | mode | tokens/s (median over rounds) | vs one process | exchange ms/step | share of step | peak RSS | load1 |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for model in dict.fromkeys(r["row"]["model"] for r in rows):
    base = statistics.median(r["row"]["tokens_per_s"] for r in rows
                             if r["row"]["model"] == model and r["row"]["mode"] == "none")
    for mode in dict.fromkeys(r["row"]["mode"] for r in rows):
        sel = [r for r in rows if r["row"]["model"] == model and r["row"]["mode"] == mode]
        if not sel:
            continue
        tps = statistics.median(r["row"]["tokens_per_s"] for r in sel)
        ex = [r["row"].get("median_exchange_ms") for r in sel if "median_exchange_ms" in r["row"]]
        share = [r["row"].get("exchange_share_of_step") for r in sel if "exchange_share_of_step" in r["row"]]
        print(f"| {model} | {mode} | {tps:,.0f} | {tps / base:.2f}× | "
              f"{statistics.median(ex):.0f} | {100 * statistics.median(share):.0f}% | " if ex else
              f"| {model} | {mode} | {tps:,.0f} | {tps / base:.2f}× | – | – | ", end="")
        print(f"{max(r['row']['peak_rss_mb'] for r in sel):,.0f} MB | "
              f"{', '.join(str(r['load1']) for r in sel)} |")
PY
