#!/usr/bin/python3
"""PyTorch twin of Sinter's transformer for side-by-side benchmarks (see bench/README.md).

Same CLI and the same one-line JSON on stdout as dev.sinter.bench.ModelBenchmark:

    /usr/bin/python3 bench/torch_twin.py train|forward [--model small] [--dim D --layers L --heads H
        --kv-heads K --hidden F --vocab V] [--batch 16] [--seq 128] [--warmup 5] [--steps 10]

Architecture (Llama-style, identical to Sinter's `small` preset): token embedding, L pre-norm blocks
(x = x + attn(rmsnorm(x)); x = x + mlp(rmsnorm(x))), final RMSNorm, tied LM head (logits = h @ E^T).
Grouped-query attention (query head h uses KV head h // (H/K)), RoPE on adjacent channel pairs
(llama2.c convention), causal softmax scaled by 1/sqrt(hd), SwiGLU MLP down(silu(gate(x)) * up(x)),
no biases, RMSNorm eps 1e-5 with a weight. Init: normal(0, 0.02); o_proj and down_proj 0.02/sqrt(2L);
norm weights 1.

Training step = forward + mean next-token cross-entropy + backward + global-norm clipping at 1.0 + AdamW
(lr 1e-3 cosine-decayed to 1e-4, betas 0.9/0.95, eps 1e-8, weight decay 0.1 on >= 2-D parameters only).
Forward mode = logits for [batch, seq] under no_grad. Diagnostics (initial loss) go to stderr.
"""
import ctypes
import json
import math
import os
import resource
import sys
import time

DEBIAN_HINT = ("install the Debian packages python3-torch and libopenblas0-openmp "
               "(apt-get install -y python3-torch libopenblas0-openmp) and run this script with /usr/bin/python3")

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except Exception as e:  # ImportError, or a broken shared-library dependency
    print(f"torch_twin: cannot import torch ({e.__class__.__name__}: {e}); {DEBIAN_HINT}", file=sys.stderr)
    sys.exit(3)

PRESETS = {
    # dim, layers, heads, kv_heads, hidden, vocab
    "tiny": dict(dim=32, layers=2, heads=4, kv_heads=2, hidden=64, vocab=260),
    "small": dict(dim=256, layers=4, heads=8, kv_heads=4, hidden=688, vocab=260),
    "stories260k": dict(dim=64, layers=5, heads=8, kv_heads=4, hidden=172, vocab=512),
}
NORM_EPS = 1e-5
ROPE_THETA = 10000.0
INIT_STD = 0.02


def check_blas():
    """Exits 3 unless matrix products run on an optimized BLAS (OpenBLAS via Debian's alternatives, or MKL)."""
    config = torch.__config__.show()
    if "BLAS_INFO=mkl" in config:
        return
    a = torch.randn(64, 64)
    _ = a @ a  # makes sure the BLAS library is loaded
    try:
        with open("/proc/self/maps") as f:
            maps = f.read().lower()
    except OSError:
        return  # not Linux: nothing to check
    if "openblas" not in maps:
        print("torch_twin: torch reports BLAS_INFO=generic and no OpenBLAS is loaded (the reference BLAS would make "
              f"this comparison meaningless); {DEBIAN_HINT}", file=sys.stderr)
        sys.exit(3)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=NORM_EPS):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def blas_core():
    """The kernels ("core") the loaded OpenBLAS chose, e.g. Haswell or SkylakeX; "unknown" without OpenBLAS."""
    try:
        with open("/proc/self/maps") as f:
            paths = [line[line.index("/"):].strip() for line in f if "libopenblas" in line and "/" in line]
        lib = ctypes.CDLL(paths[0])
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, IndexError, AttributeError):
        return "unknown"


def rope_tables(head_dim, seq, theta=ROPE_THETA):
    """cos/sin of shape [seq, head_dim/2]: angle t * theta^(-2i/hd) for pair i."""
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(seq, dtype=torch.float32), inv)
    return angles.cos(), angles.sin()


def apply_rope(x, cos, sin):
    """x: [B, H, T, hd]; rotates adjacent channel pairs (2i, 2i+1)."""
    x0 = x[..., 0::2]
    x1 = x[..., 1::2]
    r0 = x0 * cos - x1 * sin
    r1 = x0 * sin + x1 * cos
    return torch.stack((r0, r1), dim=-1).flatten(-2)


class Attention(nn.Module):
    def __init__(self, dim, heads, kv_heads):
        super().__init__()
        assert dim % heads == 0 and heads % kv_heads == 0
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, dim // heads
        self.q_proj = nn.Linear(dim, heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(dim, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(dim, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(heads * self.head_dim, dim, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        rep = self.heads // self.kv_heads
        if rep > 1:  # query head h uses KV head h // rep
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        scores = (q * (1.0 / math.sqrt(self.head_dim))) @ k.transpose(-2, -1) + mask  # scale the smaller tensor
        out = F.softmax(scores, dim=-1) @ v
        return self.o_proj(out.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class MLP(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden, bias=False)
        self.up_proj = nn.Linear(dim, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, dim, heads, kv_heads, hidden):
        super().__init__()
        self.norm1 = RMSNorm(dim)
        self.attn = Attention(dim, heads, kv_heads)
        self.norm2 = RMSNorm(dim)
        self.mlp = MLP(dim, hidden)

    def forward(self, x, cos, sin, mask):
        x = x + self.attn(self.norm1(x), cos, sin, mask)
        return x + self.mlp(self.norm2(x))


class Llama(nn.Module):
    def __init__(self, dim, layers, heads, kv_heads, hidden, vocab, max_seq):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList(Block(dim, heads, kv_heads, hidden) for _ in range(layers))
        self.norm = RMSNorm(dim)
        cos, sin = rope_tables(dim // heads, max_seq)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.register_buffer("mask", torch.full((max_seq, max_seq), float("-inf")).triu(1), persistent=False)
        residual_std = INIT_STD / math.sqrt(2 * layers)
        for name, p in self.named_parameters():
            if p.dim() >= 2:
                std = residual_std if name.endswith(("o_proj.weight", "down_proj.weight")) else INIT_STD
                nn.init.normal_(p, mean=0.0, std=std)

    def forward(self, tokens):
        t = tokens.shape[1]
        cos, sin, mask = self.cos[:t], self.sin[:t], self.mask[:t, :t]
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x, cos, sin, mask)
        return F.linear(self.norm(x), self.embed.weight)  # tied LM head


def parse_args(argv):
    mode = next((a for a in argv if a in ("train", "forward")), None)
    if mode is None:
        raise SystemExit("torch_twin: first argument must be train or forward")
    opts = {}
    rest = [a for a in argv if a != mode]
    for i in range(0, len(rest), 2):
        if not rest[i].startswith("--") or i + 1 >= len(rest):
            raise SystemExit(f"torch_twin: bad argument list {rest}")
        opts[rest[i][2:]] = rest[i + 1]
    base = PRESETS.get(opts.pop("model", "small"))
    if base is None:
        raise SystemExit(f"torch_twin: unknown model; presets: {', '.join(PRESETS)}")
    cfg = {k: int(opts.pop(k.replace("_", "-"), v)) for k, v in base.items()}
    run = {k: int(opts.pop(k, v)) for k, v in dict(batch=16, seq=128, warmup=5, steps=10).items()}
    if opts:
        raise SystemExit(f"torch_twin: unknown options {sorted(opts)}")
    return mode, cfg, run


def main(argv):
    check_blas()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    mode, cfg, run = parse_args(argv)
    batch, seq, warmup, steps = run["batch"], run["seq"], run["warmup"], run["steps"]
    total = warmup + steps
    torch.manual_seed(1)

    t0 = time.perf_counter()
    model = Llama(max_seq=max(256, seq), **cfg)
    build_s = time.perf_counter() - t0
    params = sum(p.numel() for p in model.parameters())

    gen = torch.Generator().manual_seed(1)
    data = torch.randint(0, cfg["vocab"], (total, batch, seq + 1), generator=gen)
    times = []
    if mode == "train":
        model.train()
        decay = [p for p in model.parameters() if p.dim() >= 2]
        no_decay = [p for p in model.parameters() if p.dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
        # cosine decay 1e-3 -> 1e-4 over the run, no warm-up (as Sinter's TrainingConfig in ModelBenchmark)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
        for i in range(total):
            s = time.perf_counter()
            window = data[i]
            x, y = window[:, :-1], window[:, 1:]
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            loss_value = loss.item()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            times.append(time.perf_counter() - s)
            if i == 0:
                print(f"torch_twin: initial loss {loss_value:.4f} (ln vocab = {math.log(cfg['vocab']):.4f})",
                      file=sys.stderr)
            if not math.isfinite(loss_value):
                raise SystemExit(f"torch_twin: loss diverged at step {i + 1}: {loss_value}")
    else:
        model.eval()
        with torch.no_grad():
            for i in range(total):
                x = data[i, :, :seq]
                s = time.perf_counter()
                logits = model(x)
                times.append(time.perf_counter() - s)
                if i == 0:
                    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), data[i, :, 1:].reshape(-1))
                    print(f"torch_twin: initial loss {loss.item():.4f} (ln vocab = {math.log(cfg['vocab']):.4f})",
                          file=sys.stderr)

    measured = sorted(times[warmup:])
    median = measured[len(measured) // 2]  # same (upper) median as ModelBenchmark
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"impl": "pytorch", "mode": mode, "params": params,
                      "tokens_per_s": round(batch * seq / median, 1), "median_step_s": round(median, 4),
                      "first_step_s": round(times[0], 3), "build_s": round(build_s, 3),
                      "peak_rss_mb": round(peak_rss_mb, 1), "blas_core": blas_core()}))


if __name__ == "__main__":
    main(sys.argv[1:])
