#!/usr/bin/env python3
"""Side-by-side benchmark: Sinter (dev.sinter.bench.ModelBenchmark) vs its PyTorch twin (bench/torch_twin.py).

For every configuration and mode it runs the two programs alternately, one fresh process per run (each does its
own warm-up), R rounds, then prints a Markdown table of medians over the rounds and writes every raw row to
bench/results/<timestamp>.json. Builds nothing: run `mvn -q -B install -DskipTests` first.

    python3 bench/compare.py [--configs small,d256] [--modes train,forward] [--rounds 3] [--threads 1,2]
                             [--kernels best] [--sinter-forward workers] [--batch 16] [--seq 128] [--warmup 20|60]
                             [--steps 10]

Fair by default: both programs get the fastest OpenBLAS kernels this CPU has (`--kernels best`: OPENBLAS_L2_SIZE
unset, OPENBLAS_CORETYPE=SkylakeX on an AVX-512 CPU, otherwise unset so OpenBLAS detects the CPU) and every thread
count in --threads, each side's kernels printed above the table. `--kernels inherit` keeps the caller's environment.
Sinter's forward at T > 1 threads runs as Sinter scores fastest on T cores (`--sinter-forward workers`, the default):
`ModelBenchmark forward --workers T` with OMP_NUM_THREADS=1, T model copies on one thread each splitting the batch
(T must divide --batch); `--sinter-forward omp` gives it one model and OMP_NUM_THREADS=T instead.

Standard library only.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CLASSPATH_FILE = BENCH / "target" / "classpath.txt"
CLASSES = BENCH / "target" / "classes"
TWIN = BENCH / "torch_twin.py"
RESULTS = BENCH / "results"

# Model flags shared by both programs (the same CLI).
DEFAULT_WARMUP = {"train": 20, "forward": 60}  # steps; forward steps are 3-4x shorter
CONFIGS = {
    "small": [],  # the `small` preset: dim 256, 4 layers, 8 heads / 4 KV heads, SwiGLU 688, vocab 260
    "d256": ["--dim", "256", "--layers", "4", "--heads", "4", "--kv-heads", "4", "--hidden", "688",
             "--vocab", "4096"],
}
MODES = ("train", "forward")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--configs", default="small,d256", help=f"comma-separated, from: {', '.join(CONFIGS)}")
    p.add_argument("--modes", default="train,forward", help="comma-separated, from: train, forward")
    p.add_argument("--rounds", type=int, default=3, help="alternating Sinter/PyTorch rounds per config and mode")
    p.add_argument("--threads", default="1,2",
                   help="comma-separated OMP_NUM_THREADS values; both programs run at each (default: 1,2)")
    p.add_argument("--kernels", default="best", choices=("best", "inherit"),
                   help="best: the fastest OpenBLAS kernels for this CPU (the default); inherit: the caller's env")
    p.add_argument("--sinter-forward", default="workers", choices=("workers", "omp"),
                   help="Sinter's forward at T>1 threads: workers (--workers T, OMP_NUM_THREADS=1; the default) or "
                        "omp (one model, OMP_NUM_THREADS=T)")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--warmup", type=int, default=None,
                   help="unmeasured steps first, for both sides (default: 20 in train mode, 60 in forward mode, whose "
                        "steps are 3-4x shorter: the JVM's C2 compiler works on Sinter's code through the first seconds "
                        "and takes a core while it does, docs/results/performance.md)")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--java", default="java", help="java executable")
    p.add_argument("--java-opts", default="-Xmx3g -XX:+UseParallelGC -XX:MaxNewSize=64m "
                                          "-Dorg.bytedeco.javacpp.maxbytes=8G --add-modules jdk.incubator.vector",
                   help="JVM options (shell-split); the defaults are bin/sinter's (heap, collector and young "
                        "generation, the Vector API module that the fused kernels need)")
    p.add_argument("--python", default="/usr/bin/python3",
                   help="interpreter with Debian's python3-torch for the twin (default /usr/bin/python3)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds allowed per process")
    a = p.parse_args(argv)
    a.configs = [c.strip() for c in a.configs.split(",") if c.strip()]
    a.modes = [m.strip() for m in a.modes.split(",") if m.strip()]
    try:
        a.threads = [int(t) for t in a.threads.split(",") if t.strip()]
    except ValueError:
        p.error(f"--threads must be comma-separated integers, got {a.threads!r}")
    if not a.threads or min(a.threads) < 1:
        p.error("--threads needs at least one thread count, each >= 1")
    bad = [c for c in a.configs if c not in CONFIGS] + [m for m in a.modes if m not in MODES]
    if bad:
        p.error(f"unknown config/mode {bad}; configs: {', '.join(CONFIGS)}; modes: {', '.join(MODES)}")
    for name in ("rounds", "batch", "seq", "steps"):
        if getattr(a, name) < 1:
            p.error(f"--{name} must be >= 1")
    if a.warmup is not None and a.warmup < 0:
        p.error("--warmup must be >= 0")
    if "forward" in a.modes and a.sinter_forward == "workers":
        split = [t for t in a.threads if t > 1 and a.batch % t]
        if split:
            p.error(f"--sinter-forward workers splits the batch over T workers: --batch {a.batch} is not divisible "
                    f"by the thread counts {split}; change --batch or use --sinter-forward omp")
    return a


def warmup(args, mode):
    """The warm-up steps of a mode: --warmup if given, else 20 training or 60 forward steps."""
    return args.warmup if args.warmup is not None else DEFAULT_WARMUP[mode]


def commands(args, config, mode):
    flags = [mode] + CONFIGS[config] + ["--batch", str(args.batch), "--seq", str(args.seq),
                                        "--warmup", str(warmup(args, mode)), "--steps", str(args.steps)]
    classpath = f"{CLASSES}:{CLASSPATH_FILE.read_text().strip()}"
    java = [args.java] + shlex.split(args.java_opts) + ["-cp", classpath, "dev.sinter.bench.ModelBenchmark"] + flags
    torch = [args.python, str(TWIN)] + flags
    return {"sinter": java, "pytorch": torch}


def run_env(args, impl, mode, threads, env):
    """One run's extra flags and environment: Sinter's forward at T > 1 threads with --sinter-forward workers runs
    T model copies (--workers T) on one thread each; every other run gets OMP_NUM_THREADS=T."""
    if impl == "sinter" and mode == "forward" and threads > 1 and args.sinter_forward == "workers":
        return ["--workers", str(threads)], thread_env(env, 1)
    return [], thread_env(env, threads)


def has_avx512():
    try:
        return any(line.startswith("flags") and " avx512f" in line
                   for line in Path("/proc/cpuinfo").read_text().splitlines())
    except OSError:
        return False


def kernel_env(base, kernels):
    """The environment for both programs: the caller's, or with the fastest OpenBLAS kernels for this CPU."""
    env = dict(base)
    if kernels == "best":
        env.pop("OPENBLAS_L2_SIZE", None)
        if has_avx512():
            env["OPENBLAS_CORETYPE"] = "SkylakeX"
        else:
            env.pop("OPENBLAS_CORETYPE", None)
    return env


def thread_env(env, threads):
    env = dict(env)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def run_one(impl, cmd, env, timeout):
    shown = " ".join(shlex.quote(c) if not c.startswith(str(CLASSES)) else "<classpath>" for c in cmd)
    print(f"  running {impl}: {shown}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as e:
        fail(impl, f"cannot start: {e}", "", 127)
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        fail(impl, f"timed out after {timeout:.0f} s", err, 124)
    wall = time.perf_counter() - start
    result = None
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            try:
                result = json.loads(line)
            except json.JSONDecodeError:
                pass
            break
    if proc.returncode != 0 or result is None:
        why = f"exit code {proc.returncode}" if proc.returncode != 0 else "no JSON result line on stdout"
        fail(impl, why, proc.stderr + ("\n[stdout]\n" + proc.stdout if proc.stdout.strip() else ""),
             proc.returncode or 1)
    result["wall_s"] = round(wall, 2)
    m = re.search(r"initial loss ([0-9.eE+-]+|nan|inf)", proc.stderr)
    if m:
        result["initial_loss"] = float(m.group(1))
    return result


def fail(impl, why, stderr, code):
    tail = "\n".join(stderr.rstrip().splitlines()[-40:]) or "(its stderr was empty)"
    print(f"\nERROR: the {impl} process failed ({why}). Last lines of its stderr:\n{tail}", file=sys.stderr)
    sys.exit(code if isinstance(code, int) and 0 < code < 256 else 1)


def sinter_forward_setting(args):
    if args.sinter_forward == "workers":
        return "--workers T with OMP_NUM_THREADS=1 (T model copies, one thread each, the batch split over them)"
    return "one model with OMP_NUM_THREADS=T"


def fmt(x, digits=1):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def summarize(rows, args):
    summary = []
    for config in args.configs:
        for mode in args.modes:
            for threads in args.threads:
                cell = {"config": config, "mode": mode, "threads": threads}
                for impl in ("sinter", "pytorch"):
                    mine = [r for r in rows if r["config"] == config and r["mode"] == mode and r["impl"] == impl
                            and r["threads"] == threads]
                    cell[f"{impl}_tokens_per_s"] = statistics.median(r["tokens_per_s"] for r in mine)
                    cell[f"{impl}_peak_rss_mb"] = statistics.median(r["peak_rss_mb"] for r in mine)
                    cell[f"{impl}_params"] = sorted({r["params"] for r in mine})
                    cell[f"{impl}_tokens_per_s_rounds"] = [r["tokens_per_s"] for r in mine]
                cell["speed_ratio"] = ratio(cell["sinter_tokens_per_s"], cell["pytorch_tokens_per_s"])
                cell["rss_ratio"] = ratio(cell["sinter_peak_rss_mb"], cell["pytorch_peak_rss_mb"])
                cell["params_match"] = cell["sinter_params"] == cell["pytorch_params"]
                summary.append(cell)
    return summary


def table(summary):
    head = ["config", "mode", "threads", "Sinter tok/s", "PyTorch tok/s", "Sinter/PyTorch", "Sinter peak RSS MB",
            "PyTorch peak RSS MB", "RSS ratio", "Sinter params", "PyTorch params"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|"]
    for c in summary:
        params = [",".join(f"{p:,}" for p in c[f"{i}_params"]) for i in ("sinter", "pytorch")]
        if not c["params_match"]:
            params = [p + " ⚠" for p in params]
        lines.append("| " + " | ".join([
            c["config"], c["mode"], str(c["threads"]), fmt(c["sinter_tokens_per_s"]), fmt(c["pytorch_tokens_per_s"]),
            fmt(c["speed_ratio"], 2) + "×" if c["speed_ratio"] else "n/a",
            fmt(c["sinter_peak_rss_mb"], 0), fmt(c["pytorch_peak_rss_mb"], 0),
            fmt(c["rss_ratio"], 2) + "×" if c["rss_ratio"] else "n/a"] + params) + " |")
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    if not CLASSPATH_FILE.is_file() or not CLASSES.is_dir():
        print(f"{CLASSPATH_FILE.relative_to(ROOT)} or {CLASSES.relative_to(ROOT)} is missing: build first with\n"
              f"  cd {ROOT} && mvn -q -B install -DskipTests", file=sys.stderr)
        return 2
    env = kernel_env(os.environ, args.kernels)

    started = datetime.datetime.now()
    rows = []
    for config in args.configs:
        for mode in args.modes:
            cmds = commands(args, config, mode)
            for threads in args.threads:
                for rnd in range(args.rounds):
                    # alternate which program goes first, so drift (thermal, page cache) does not favour one side
                    order = ("sinter", "pytorch") if rnd % 2 == 0 else ("pytorch", "sinter")
                    print(f"[{config} {mode}, {threads} thread(s)] round {rnd + 1}/{args.rounds}", file=sys.stderr,
                          flush=True)
                    for position, impl in enumerate(order):
                        extra, run_environment = run_env(args, impl, mode, threads, env)
                        r = run_one(impl, cmds[impl] + extra, run_environment, args.timeout)
                        print(f"    {impl}: {r['tokens_per_s']:,.1f} tok/s, peak RSS {r['peak_rss_mb']:,.0f} MB"
                              + (f", initial loss {r['initial_loss']:.4f}" if "initial_loss" in r else ""),
                              file=sys.stderr, flush=True)
                        rows.append({"config": config, "mode": mode, "threads": threads, "round": rnd + 1,
                                     "position": position, "omp_num_threads": int(run_environment["OMP_NUM_THREADS"]),
                                     **r})

    summary = summarize(rows, args)
    warm = ", ".join(f"{m} {warmup(args, m)}" for m in args.modes)
    print(f"\nSinter vs PyTorch — batch {args.batch} × seq {args.seq}, warm-up {warm}, "
          f"{args.steps} measured steps, {args.rounds} round(s), threads {args.threads} "
          f"(Sinter's forward at T > 1: {sinter_forward_setting(args)}); medians over rounds")
    cores = {impl: sorted({r.get("blas_core", "unknown") for r in rows if r["impl"] == impl})
             for impl in ("sinter", "pytorch")}
    print("OpenBLAS kernels: " + ", ".join(f"{impl} {'/'.join(c)}" for impl, c in cores.items())
          + f" (--kernels {args.kernels}: OPENBLAS_CORETYPE={env.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"OPENBLAS_L2_SIZE={env.get('OPENBLAS_L2_SIZE', '(unset)')})\n")
    print(table(summary))
    mismatched = [c for c in summary if not c["params_match"]]
    for c in mismatched:
        print(f"\nWARNING: parameter counts differ for {c['config']} {c['mode']}: Sinter {c['sinter_params']} vs "
              f"PyTorch {c['pytorch_params']}; the twin does not match the model", file=sys.stderr)

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{started.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({
        "started": started.isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpu_count": os.cpu_count()},
        "settings": {"configs": args.configs, "modes": args.modes, "rounds": args.rounds, "threads": args.threads,
                     "kernels": args.kernels, "openblas_env": {k: env.get(k) for k in
                                                             ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
                     "sinter_forward": args.sinter_forward, "sinter_forward_setting": sinter_forward_setting(args),
                     "batch": args.batch, "seq": args.seq, "warmup": {m: warmup(args, m) for m in args.modes}, "steps": args.steps,
                     "java_opts": args.java_opts, "config_flags": {c: CONFIGS[c] for c in args.configs}},
        "rows": rows,
        "summary": summary,
    }, indent=2) + "\n")
    print(f"\nraw rows: {out.relative_to(ROOT)}")
    return 4 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
