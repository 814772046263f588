#!/usr/bin/python3
"""PyTorch twin of dev.sinter.bench.ScoringBenchmark: zero-shot scoring throughput on the same llama2.c weights.

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/scoring_twin.py [--model stories260K.bin] [--batch 16] [--seq 256]
        [--warmup 3] [--steps 10]

Loads a legacy (v0) llama2.c .bin into torch_twin's Llama (same architecture: adjacent-pair RoPE, GQA, SwiGLU,
RMSNorm, tied head), then times steps of: forward [batch, seq] under no_grad, log_softmax, the log-probability of
every next token, the greedy (argmax) check. Tokens come from the same LCG as the Java side, so `mean_nll` and
`greedy_fraction` (first step) must agree with ScoringBenchmark's: that checks both score the same model.
Prints one JSON line like ScoringBenchmark ("impl": "pytorch").
"""
import json
import os
import resource
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_twin  # noqa: E402  (exits 3 with a hint if torch is missing)
from torch_twin import torch, F, Llama  # noqa: E402


def load_llama2c(path):
    """A torch_twin.Llama holding the weights of a legacy llama2.c checkpoint (shared classifier only)."""
    with open(path, "rb") as f:
        dim, hidden, layers, heads, kv_heads, vocab, seq = struct.unpack("7i", f.read(28))
        if vocab < 0:
            raise SystemExit("scoring_twin: unshared classifier weights are not supported")
        data = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    model = Llama(dim=dim, layers=layers, heads=heads, kv_heads=kv_heads, hidden=hidden, vocab=vocab, max_seq=seq)
    hd = dim // heads
    kv = kv_heads * hd
    pos = 0

    def take(*shape):
        nonlocal pos
        n = 1
        for s in shape:
            n *= s
        t = data[pos:pos + n].view(*shape)
        pos += n
        return t

    with torch.no_grad():
        model.embed.weight.copy_(take(vocab, dim))
        for i, t in enumerate(take(layers, dim)):
            model.blocks[i].norm1.weight.copy_(t)
        for name, shape in (("q_proj", (dim, dim)), ("k_proj", (kv, dim)), ("v_proj", (kv, dim)), ("o_proj", (dim, dim))):
            w = take(layers, *shape)
            for i in range(layers):
                getattr(model.blocks[i].attn, name).weight.copy_(w[i])
        for i, t in enumerate(take(layers, dim)):
            model.blocks[i].norm2.weight.copy_(t)
        for name, shape in (("gate_proj", (hidden, dim)), ("down_proj", (dim, hidden)), ("up_proj", (hidden, dim))):
            w = take(layers, *shape)
            for i in range(layers):
                getattr(model.blocks[i].mlp, name).weight.copy_(w[i])
        model.norm.weight.copy_(take(dim))
    return model, vocab, seq


def main(argv):
    torch_twin.check_blas()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    opts = dict(model="../shared/data/models/stories260K/stories260K.bin", batch="16", seq="256", warmup="3", steps="10")
    for i in range(0, len(argv), 2):
        key = argv[i][2:]
        if not argv[i].startswith("--") or key not in opts or i + 1 >= len(argv):
            raise SystemExit(f"scoring_twin: bad arguments {argv}; options: {sorted(opts)}")
        opts[key] = argv[i + 1]
    batch, seq, warmup, steps = (int(opts[k]) for k in ("batch", "seq", "warmup", "steps"))
    t0 = time.perf_counter()
    model, vocab, max_seq = load_llama2c(opts["model"])
    model.eval()
    build_s = time.perf_counter() - t0
    if seq > max_seq:
        raise SystemExit(f"scoring_twin: --seq {seq} exceeds max_seq_len {max_seq}")
    state = 1
    times, mean_nll, greedy_fraction = [], None, None
    for s in range(warmup + steps):
        toks = []
        for _ in range(batch * (seq + 1)):
            state = (1103515245 * state + 12345) & 0x7FFFFFFF
            toks.append(state % vocab)
        windows = torch.tensor(toks, dtype=torch.long).view(batch, seq + 1)
        start = time.perf_counter()
        with torch.no_grad():
            logp = F.log_softmax(model(windows[:, :-1]).double(), dim=-1)  # double, as the Java side sums
            target = windows[:, 1:]
            token_lp = logp.gather(-1, target.unsqueeze(-1)).squeeze(-1)
            greedy = (logp.argmax(-1) == target)
            nll = -token_lp.sum().item()
            n_greedy = int(greedy.sum().item())
        times.append(time.perf_counter() - start)
        if s == 0:
            mean_nll, greedy_fraction = nll / (batch * seq), n_greedy / (batch * seq)
    measured = sorted(times[warmup:])
    median = measured[len(measured) // 2]
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"impl": "pytorch", "mode": "score", "params": params,
                      "tokens_per_s": round(batch * seq / median, 1), "median_step_s": round(median, 4),
                      "first_step_s": round(times[0], 3), "build_s": round(build_s, 3),
                      "mean_nll": round(mean_nll, 6), "greedy_fraction": round(greedy_fraction, 6),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)}))


if __name__ == "__main__":
    main(sys.argv[1:])
