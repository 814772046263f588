#!/usr/bin/env bash
# Greedy decoding of stories260K, 400 tokens from BOS: Sinter's KV-cache decoder (bench DecodeBenchmark) against
# llama2.c's run.c built on this machine, side by side, ROUNDS times (default 5) alternately. Prints tokens/s of both
# (run.c's own count: tokens after the first over the time after the first; the JVM's cold first run and warm runs in
# the same process, JVM start and model load excluded), the ratio, peak RSS of both processes (GNU time's maximum
# resident set size), and whether the two texts agree token for token. The JVM runs once per variant in VARIANTS
# (default "vector vector/none scalar": the Vector API kernels with the JIT warm-up that `sinter generate` starts
# while the model loads, the same without it, and the plain-Java fallback). Raw rows go to
# bench/results/decode-<date>.json.
# Build first: mvn -B -q -pl bench -am -DskipTests package
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SHARED="${SHARED:-../shared}"
MODEL="$SHARED/data/models/stories260K/stories260K.bin"
TOKENIZER="$SHARED/data/models/stories260K/tok512.bin"
TOKENS="${TOKENS:-400}"
ROUNDS="${ROUNDS:-5}"
WARM_RUNS="${WARM_RUNS:-20}"
VARIANTS="${VARIANTS:-vector vector/none scalar}" # kernels[/none: no JIT warm-up]
# a small heap, so the JVM's peak RSS is meaningful; the serial collector suits a single-threaded decode
JAVA_OPTS="${JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}"
if [[ ! -f bench/target/classpath.txt ]]; then
  echo "decode.sh: bench/target/classpath.txt is missing; build first: mvn -B -q -pl bench -am -DskipTests package" >&2
  exit 1
fi
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
export OMP_NUM_THREADS=1

work=$(mktemp -d /tmp/sinter-decode.XXXXXX)
trap 'rm -rf "$work"' EXIT
# run.c's documented build line (../shared/tools/llama2c/README.md), outside the repository
gcc -Ofast -march=native -o "$work/run" "$SHARED/tools/llama2c/run.c" -lm

for ((r = 0; r < ROUNDS; r++)); do
  /usr/bin/time -v "$work/run" "$MODEL" -z "$TOKENIZER" -t 0 -n "$TOKENS" >"$work/runc-$r.out" 2>"$work/runc-$r.err"
  for v in $VARIANTS; do
    k=${v%%/*}
    warm_up=background
    [[ "$v" == */none ]] && warm_up=none
    /usr/bin/time -v java $JAVA_OPTS --add-modules jdk.incubator.vector -Dsinter.decode.kernels="$k" -cp "$CP" \
      dev.sinter.bench.DecodeBenchmark --model "$MODEL" --tokenizer "$TOKENIZER" --tokens "$TOKENS" \
      --warm-runs "$WARM_RUNS" --warm-up "$warm_up" >"$work/java-${v/\//-}-$r.out" 2>"$work/java-${v/\//-}-$r.err"
  done
done

mkdir -p bench/results
python3 - "$work" "$ROUNDS" "$TOKENS" "$JAVA_OPTS" "$VARIANTS" "bench/results/decode-$(date -u +%Y%m%dT%H%M%SZ).json" <<'PY'
import json, re, statistics, sys
work, rounds, tokens, java_opts, kernels, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], \
    sys.argv[5].split(), sys.argv[6]
load = open("/proc/loadavg").read().split()[:3]  # the machine is shared: the load next to every number
med = statistics.median

def max_rss_mb(err):
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)) / 1024

def first_mismatch(pieces, text):
    """Index of the first token whose piece does not continue run.c's text, or None when all agree."""
    at = 0
    for i, p in enumerate(pieces):
        if not text.startswith(p, at):
            return i
        at += len(p)
    return None if at == len(text) else len(pieces)

rows = []
for r in range(rounds):
    c_err = open(f"{work}/runc-{r}.err").read()
    row = {"round": r, "runc_text": open(f"{work}/runc-{r}.out").read().rstrip("\n"),
           "runc_tok_s": float(re.search(r"achieved tok/s: ([\d.]+)", c_err).group(1)),
           "runc_peak_rss_mb": max_rss_mb(c_err), "java": {}}
    for k in kernels:
        f = k.replace("/", "-")
        java = json.loads(open(f"{work}/java-{f}-{r}.out").read().strip().splitlines()[-1])
        java["time_v_peak_rss_mb"] = max_rss_mb(open(f"{work}/java-{f}-{r}.err").read())
        java["first_mismatch"] = first_mismatch(java["pieces"], row["runc_text"])
        row["java"][k] = java
    rows.append(row)

runc = med(r["runc_tok_s"] for r in rows)
summary = {"load_average_1_5_15_min_at_end": load, "tokens": tokens,
           "forward_passes": rows[0]["java"][kernels[0]]["forward_passes"], "rounds": rounds,
           "java_opts": java_opts + " --add-modules jdk.incubator.vector", "runc_tok_s_median": runc,
           "runc_peak_rss_mb_max": max(r["runc_peak_rss_mb"] for r in rows), "kernels": {}}
for k in kernels:
    cold = med(r["java"][k]["cold"]["tok_s_after_first"] for r in rows)
    warm = med(r["java"][k]["warm_median_tok_s_after_first"] for r in rows)
    summary["kernels"][k] = {
        "name": rows[0]["java"][k]["kernels"] + ("" if rows[0]["java"][k].get("warm_up", "none") == "background"
                                                   else ", no JIT warm-up"),
        "cold_tok_s_median": cold, "warm_tok_s_median": warm,
        "ratio_cold": cold / runc, "ratio_warm": warm / runc,
        "cold_seconds_median": med(r["java"][k]["cold"]["seconds"] for r in rows),
        "peak_rss_mb_max": max(r["java"][k]["time_v_peak_rss_mb"] for r in rows),
        "texts_agree_token_for_token": all(r["java"][k]["first_mismatch"] is None for r in rows)}
json.dump({"summary": summary, "rows": rows}, open(out_path, "w"), indent=1)

print(f"stories260K greedy from BOS, -n {tokens} ({summary['forward_passes']} forward passes: the model emits BOS"
      f" first), {rounds} rounds; JVM: {summary['java_opts']}; load average at the end {' '.join(load)}")
print("| | tokens/s (median of rounds) | each round | vs run.c | peak RSS | text = run.c's |")
print("|---|---:|---|---:|---:|---|")
print(f"| run.c (gcc -Ofast -march=native) | {runc:,.0f} | " + " / ".join(f"{r['runc_tok_s']:,.0f}" for r in rows)
      + f" | 1.00× | {summary['runc_peak_rss_mb_max']:.1f} MB | |")
for k in kernels:
    s = summary["kernels"][k]
    agree = "yes" if s["texts_agree_token_for_token"] else "NO: first mismatching token per round " + str(
        [r["java"][k]["first_mismatch"] for r in rows])
    print(f"| Sinter {s['name']}, cold (first run in the JVM, {s['cold_seconds_median']:.3f} s) | "
          f"{s['cold_tok_s_median']:,.0f} | " + " / ".join(f"{r['java'][k]['cold']['tok_s_after_first']:,.0f}"
                                                           for r in rows)
          + f" | {s['ratio_cold']:.2f}× | {s['peak_rss_mb_max']:.1f} MB | {agree} |")
    print(f"| Sinter {s['name']}, warm (median of {rows[0]['java'][k]['warm_runs']} runs) | "
          f"{s['warm_tok_s_median']:,.0f} | " + " / ".join(f"{r['java'][k]['warm_median_tok_s_after_first']:,.0f}"
                                                           for r in rows)
          + f" | {s['ratio_warm']:.2f}× | (same process) | {agree} |")
print(f"raw rows: {out_path}")
PY
