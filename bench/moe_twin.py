#!/usr/bin/python3
"""PyTorch twin of dev.sinter.bench.MoeBenchmark: one top-1 MoE feed-forward layer against the dense SwiGLU MLP of
one expert's size, forward + backward (incl. dL/dh), on [N, D] activations, in interleaved rounds.

    env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=1 /usr/bin/python3 bench/moe_twin.py \
        [--tokens 2048] [--dim 256] [--hidden 688] [--experts 1,4,8,16] [--warmup 10] [--steps 20] [--threads 1]
        [--experts-only]

The MoE layer is the same algorithm as Sinter's MoeLayer (DeepSpeed's top1gating with random token selection,
capacity factor 1, l_aux, loss = mean(y²) + 0.01·l_aux), written the fastest way PyTorch offers on a CPU: tokens
are dispatched by index (index_select) rather than DeepSpeed's dense one-hot einsum (which alone would cost
N·E·C·D multiply-adds), each expert multiplies its C = N/E rows, and the combine reads each token's row back times
its gate. So the ratio MoE/dense here is what PyTorch's best eager code pays for expert routing and E small GEMMs on
this machine. `--experts-only` times the experts alone (a fixed random dispatch, no gating, no combine weights): the
cost of E small GEMMs against one large one, whatever the framework. Prints a table and one JSON line.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_twin  # noqa: E402  (exits 3 with a hint if torch is missing)
from torch_twin import torch, F  # noqa: E402


def mlp_weights(d, h, gen):
    return [(torch.randn(h, d, generator=gen) * 0.02).requires_grad_(),
            (torch.randn(h, d, generator=gen) * 0.02).requires_grad_(),
            (torch.randn(d, h, generator=gen) * 0.02).requires_grad_()]


def swiglu_mlp(x, w):
    gate, up, down = w
    return (F.silu(x @ gate.t()) * (x @ up.t())) @ down.t()


class Dense:
    def __init__(self, d, h, gen):
        self.w = mlp_weights(d, h, gen)

    def step(self, x):
        y = swiglu_mlp(x, self.w)
        (y * y).mean().backward()


class Moe:
    """Top-1 gating (softmax, argmax, RTS priority, capacity C = ceil(N / E)), index dispatch, per-expert MLPs."""

    def __init__(self, d, h, e, gen, experts_only):
        self.e = e
        self.experts_only = experts_only
        self.router = (torch.randn(e, d, generator=gen) * 0.02).requires_grad_()
        self.experts = [mlp_weights(d, h, gen) for _ in range(e)]

    def experts_step(self, x):
        """The experts alone: each multiplies N/E rows of a fixed random permutation of the tokens."""
        e = self.e
        cap = x.shape[0] // e
        rows = x[torch.randperm(x.shape[0])]
        y = torch.cat([swiglu_mlp(rows[j * cap:(j + 1) * cap], self.experts[j]) for j in range(e)])
        (y * y).mean().backward()

    def step(self, x):
        if self.experts_only:
            self.experts_step(x)
            return
        n, e = x.shape[0], self.e
        cap = -(-n // e)
        logits = x @ self.router.t()  # [N, E]
        gates = F.softmax(logits, dim=1)
        idx = torch.argmax(logits, dim=1)  # [N]
        mask = F.one_hot(idx, e).to(x.dtype)  # [N, E]
        l_aux = (gates.mean(0) * mask.mean(0)).sum() * e
        order = torch.randperm(n)  # random token selection: priority order
        loc = torch.empty_like(mask)
        loc[order] = torch.cumsum(mask[order], dim=0) - 1
        loc = (loc * mask).sum(1).long()  # [N] place in the expert's queue
        keep = loc < cap
        gate = (gates * mask).sum(1) * keep  # [N] combine weight, 0 when dropped
        slot = torch.where(keep, idx * cap + loc, torch.zeros_like(loc))  # [N]
        slot_token = torch.zeros(e * cap, dtype=torch.long)
        slot_token[slot[keep]] = torch.nonzero(keep).squeeze(1)  # empty slots read token 0, never read back
        rows = x.index_select(0, slot_token)  # [E·C, D]
        y = torch.cat([swiglu_mlp(rows[j * cap:(j + 1) * cap], self.experts[j]) for j in range(e)])
        out = y.index_select(0, slot) * gate.unsqueeze(1)  # [N, D]
        ((out * out).mean() + 0.01 * l_aux).backward()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=2048)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--hidden", type=int, default=688)
    ap.add_argument("--experts", default="1,4,8,16")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--experts-only", action="store_true", help="time the experts without gating and combine")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    gen = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    x = ((torch.rand(a.tokens, a.dim, generator=gen) - 0.5)).requires_grad_()  # dL/dh is computed too
    names = ["dense"]
    layers = [Dense(a.dim, a.hidden, gen)]
    for e in (int(v) for v in a.experts.split(",")):
        names.append(f"MoE E={e}")
        layers.append(Moe(a.dim, a.hidden, e, gen, a.experts_only))
    seconds = [[0.0] * len(layers) for _ in range(a.steps)]
    for s in range(a.warmup + a.steps):
        for k in range(len(layers)):
            l = (k + s) % len(layers)  # rotating order, as MoeBenchmark
            t0 = time.perf_counter()
            layers[l].step(x)
            if s >= a.warmup:
                seconds[s - a.warmup][l] = time.perf_counter() - t0
            x.grad = None
    med = lambda v: sorted(v)[len(v) // 2]
    rows = []
    print(f"PyTorch {torch.__version__}, {a.threads} thread(s), OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}: "
          f"MoE layer fwd+bwd, top-1, cf 1.0, N={a.tokens}, D={a.dim}, expert hidden {a.hidden}; {a.steps} steps"
          + (" (experts only: no gating, no combine)" if a.experts_only else ""))
    print(f"{'layer':12s} {'ms/step':>10s} {'ratio':>8s}")
    for l, name in enumerate(names):
        t = med([r[l] for r in seconds])
        ratio = med([r[l] / r[0] for r in seconds])
        rows.append({"layer": name, "ms_per_step": round(t * 1e3, 2), "ratio_to_dense": round(ratio, 3)})
        print(f"{name:12s} {t * 1e3:10.1f} {ratio:8.2f}")
    print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "threads": a.threads,
                      "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"), "tokens": a.tokens, "dim": a.dim,
                      "hidden": a.hidden, "warmup": a.warmup, "steps": a.steps, "experts_only": a.experts_only,
                      "layers": rows}))


if __name__ == "__main__":
    main()
