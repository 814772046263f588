#!/usr/bin/env python3
"""Aggregates a SameDiff ProfilingListener trace (ModelBenchmark --profile FILE) by op type.

Usage: python3 bench/profile_summary.py trace.json [--top 25]
Prints, per op type, total milliseconds, share of the profiled op time and call count; the trace covers every
op execution of the profiled steps (forward and backward), so the share shows where a training step goes.
"""
import argparse
import collections
import json


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trace")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    text = open(args.trace).read().strip()
    if not text.endswith("]"):  # the listener leaves the array open when the JVM exits mid-write
        text = text.rstrip(",\n") + "]"
    events = [e for e in json.loads(text) if e.get("ph") == "X"]
    totals = collections.defaultdict(lambda: [0.0, 0])
    for e in events:
        totals[e["name"]][0] += e["dur"] / 1000.0
        totals[e["name"]][1] += 1
    all_ms = sum(v[0] for v in totals.values())
    print(f"{len(events)} op executions, {all_ms:.1f} ms of op time")
    print(f"| op | ms | share | calls |\n|---|---:|---:|---:|")
    for name, (ms, n) in sorted(totals.items(), key=lambda kv: -kv[1][0])[: args.top]:
        print(f"| {name} | {ms:.1f} | {100 * ms / all_ms:.1f}% | {n} |")


if __name__ == "__main__":
    main()
