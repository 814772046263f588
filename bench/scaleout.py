#!/usr/bin/env python3
"""On-paper scale-out of Sinter's data parallelism on a Spark cluster (issue 18), from measured numbers.

Reads the exchange-cost rows of ExchangeCostBenchmark (bench/results/exchange-cost-*.jsonl: per model the bytes and
the CPU ms of packing, serializing, deserializing and adding on the cluster path, measured with 2 workers) and one
process's training throughput per model (THROUGHPUT below, each with where it was measured), and prints per model
and network bandwidth:
  exchange ms per step = driver CPU + worker CPU + network, where the network carries the parameters out of the
    driver once (Spark's torrent broadcast; workers share blocks) and every worker's gradient sums into the driver
    (collect: the driver's link is the bottleneck), so (1 + W) * param_bytes / bandwidth;
  the smallest global batch (tokens per step) from which W workers beat one process:
    G / r > G / (W r) + exchange  <=>  G > exchange * r / (1 - 1/W);
  and the speed-up at a given global batch.
Driver CPU scales with W (deserialize and add every worker's sums); it is measured at W = 2 and scaled linearly.
Usage: bench/scaleout.py bench/results/exchange-cost-<time>.jsonl [--batch-tokens 65536]
"""
import argparse
import json

# one process, OMP_NUM_THREADS=1, tokens/s: where measured
THROUGHPUT = {
    "small": (2798, "docs/results/distributed.md, B16 T128, quiet machine"),
    "d256": (1978, "docs/results/distributed.md, B16 T128, quiet machine"),
    "llama-110m": (114, "bench/results/scale-110m-2026-12-01.json, B4 T256"),
    # not measured: 60 GFLOP/s at 6 FLOPs per parameter and token, between small's 50 and llama-110m's 75
    "d512": (60e9 / (6 * 41_689_600), "estimate: 60 GFLOP/s / (6 x 41.7M)"),
}
BANDWIDTHS_GBIT = [1, 10, 25, 100]
WORKERS = [2, 4, 8]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("rows")
    p.add_argument("--batch-tokens", type=int, default=65536)
    a = p.parse_args()
    rows = [json.loads(l) for l in open(a.rows) if l.strip()]
    print("| model | params | bytes per copy | W | Gbit/s | exchange ms/step (CPU + network) |"
          " break-even global batch (tokens) | speed-up at %s tokens/step |" % f"{a.batch_tokens:,}")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if r["model"] not in THROUGHPUT:
            continue
        rate = THROUGHPUT[r["model"]][0]
        per_worker_driver = (r["driver_deserialize_all_ms"] + r["driver_add_all_ms"]) / r["workers"]
        for w in WORKERS:
            cpu = r["driver_pack_ms"] + r["driver_serialize_ms"] + w * per_worker_driver + r["worker_cpu_ms"]
            for bw in BANDWIDTHS_GBIT:
                net = (1 + w) * r["param_bytes"] * 8 / (bw * 1e9) * 1e3
                ex = cpu + net
                even = ex / 1e3 * rate / (1 - 1 / w)
                t1 = a.batch_tokens / rate
                tw = a.batch_tokens / (w * rate) + ex / 1e3
                print(f"| {r['model']} | {r['params'] / 1e6:.1f}M | {r['param_bytes'] / 2**20:,.0f} MiB | {w} | {bw} |"
                      f" {cpu:,.0f} + {net:,.0f} | {even:,.0f} | {t1 / tw:.2f}× |")
    print()
    for m, (rate, src) in THROUGHPUT.items():
        print(f"- {m}: {rate:,.0f} tokens/s one process ({src})")


if __name__ == "__main__":
    main()
