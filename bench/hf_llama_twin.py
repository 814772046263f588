#!/usr/bin/env python3
"""Twins of Hugging Face's Llama-family forward pass, independent of Sinter's Java code.

Written from transformers' modeling_llama.py / modeling_qwen2.py (LlamaRMSNorm, LlamaRotaryEmbedding,
rotate_half / apply_rotary_pos_emb, repeat_kv, eager attention with a causal mask, LlamaMLP), twice: in float64
NumPy (--backend numpy, the default) and in PyTorch float32 with nn.Linear modules laid out as HF's
(--backend torch; Debian's python3-torch). Both read an HF directory themselves: config.json, model.safetensors or
model.safetensors.index.json + shards, with a minimal safetensors reader (F32, F16, BF16). Qwen2ForCausalLM adds
q/k/v biases; tie_word_embeddings reuses the embedding.

Commands (run from the repository root with /usr/bin/python3):
  logits DIR --ids 1,2,3 --out FILE.json [--backend numpy|torch]
                                           logits [T, V] of one sequence, as JSON {"ids": [...], "logits": [[...]]}
  make-tiny-qwen2 DIR                      writes a random tiny Qwen2 directory (BF16, 2 shards + index, GQA, untied)

The committed fixtures under testdata/models/hf/ were made by these commands (see testdata/models/hf/SOURCE.md).
"""
import argparse
import json
import math
import struct
from pathlib import Path

import numpy as np

DTYPES = {"F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": (None, 2)}


def read_safetensors(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        chunk = raw[base + begin:base + end]
        dtype = entry["dtype"]
        if dtype == "BF16":
            bits = np.frombuffer(chunk, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(chunk, dtype=DTYPES[dtype][0])
        out[name] = arr.astype(np.float64).reshape(entry["shape"])
    return out


def read_weights(model_dir):
    model_dir = Path(model_dir)
    single = model_dir / "model.safetensors"
    if single.exists():
        return read_safetensors(single)
    index = json.loads((model_dir / "model.safetensors.index.json").read_text())
    weights = {}
    for shard in sorted(set(index["weight_map"].values())):
        weights.update(read_safetensors(model_dir / shard))
    return weights


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(model_dir, ids):
    cfg = json.loads((Path(model_dir) / "config.json").read_text())
    w = read_weights(model_dir)
    d, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads", heads)
    hd = d // heads
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    bias = cfg["architectures"][0] == "Qwen2ForCausalLM"
    t = len(ids)
    # LlamaRotaryEmbedding: inv_freq = 1 / theta^(arange(0, hd, 2) / hd); emb = cat(freqs, freqs)
    inv_freq = 1.0 / theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd)
    freqs = np.outer(np.arange(t, dtype=np.float64), inv_freq)
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]  # [T, 1, hd]
    mask = np.triu(np.full((t, t), -np.inf), 1)
    x = w["model.embed_tokens.weight"][ids]  # [T, D]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)

        def proj(name):
            y = h @ w[p + f"self_attn.{name}_proj.weight"].T
            return y + w[p + f"self_attn.{name}_proj.bias"] if bias else y

        q = proj("q").reshape(t, heads, hd)
        k = proj("k").reshape(t, kv_heads, hd)
        v = proj("v").reshape(t, kv_heads, hd)
        q = q * cos + rotate_half(q) * sin  # apply_rotary_pos_emb
        k = k * cos + rotate_half(k) * sin
        group = heads // kv_heads
        k = np.repeat(k, group, axis=1)  # repeat_kv: KV head j serves query heads j·g … j·g+g-1
        v = np.repeat(v, group, axis=1)
        scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(hd) + mask
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        ctx = np.einsum("hts,shd->thd", probs, v).reshape(t, d)
        x = x + ctx @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = h @ w[p + "mlp.gate_proj.weight"].T
        up = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.T


def forward_torch(model_dir, ids):
    """The same forward as HF's modules compute it, in float32 (torch_dtype of Sinter's export)."""
    import torch
    from torch import nn

    cfg = json.loads((Path(model_dir) / "config.json").read_text())
    weights = {k: torch.tensor(v, dtype=torch.float32) for k, v in read_weights(model_dir).items()}
    d, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads", heads)
    hd = d // heads
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    bias = cfg["architectures"][0] == "Qwen2ForCausalLM"

    def linear(name, has_bias=False):
        w = weights[name + ".weight"]
        m = nn.Linear(w.shape[1], w.shape[0], bias=has_bias)
        m.weight.data.copy_(w)
        if has_bias:
            m.bias.data.copy_(weights[name + ".bias"])
        return m

    def rms_norm_t(x, w):  # LlamaRMSNorm
        variance = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
        return w * (x * torch.rsqrt(variance + eps))

    def rotate_half_t(x):
        x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
        return torch.cat((-x2, x1), dim=-1)

    with torch.no_grad():
        t = len(ids)
        inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
        freqs = torch.outer(torch.arange(t).float(), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]  # [1, 1, T, hd]
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = weights["model.embed_tokens.weight"][torch.tensor([ids])]  # [1, T, D]
        for i in range(cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            h = rms_norm_t(x, weights[p + "input_layernorm.weight"])
            q = linear(p + "self_attn.q_proj", bias)(h).view(1, t, heads, hd).transpose(1, 2)
            k = linear(p + "self_attn.k_proj", bias)(h).view(1, t, kv_heads, hd).transpose(1, 2)
            v = linear(p + "self_attn.v_proj", bias)(h).view(1, t, kv_heads, hd).transpose(1, 2)
            q, k = q * cos + rotate_half_t(q) * sin, k * cos + rotate_half_t(k) * sin  # apply_rotary_pos_emb
            g = heads // kv_heads  # repeat_kv
            k = k[:, :, None].expand(1, kv_heads, g, t, hd).reshape(1, heads, t, hd)
            v = v[:, :, None].expand(1, kv_heads, g, t, hd).reshape(1, heads, t, hd)
            scores = q @ k.transpose(2, 3) / math.sqrt(hd) + mask
            probs = nn.functional.softmax(scores, dim=-1, dtype=torch.float32)
            ctx = (probs @ v).transpose(1, 2).reshape(1, t, d)
            x = x + linear(p + "self_attn.o_proj")(ctx)
            h = rms_norm_t(x, weights[p + "post_attention_layernorm.weight"])
            act = nn.functional.silu(linear(p + "mlp.gate_proj")(h)) * linear(p + "mlp.up_proj")(h)
            x = x + linear(p + "mlp.down_proj")(act)
        x = rms_norm_t(x, weights["model.norm.weight"])
        head = weights["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) \
            else weights["lm_head.weight"]
        return (x @ head.T)[0].double().numpy()


def write_safetensors(path, tensors):
    """tensors: name -> (dtype name, shape, bytes), written in order."""
    header, offset = {}, 0
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        for _, _, data in tensors.values():
            f.write(data)


def bf16_bytes(a):
    """Round-to-nearest-even float32 -> bfloat16."""
    bits = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2").tobytes()


def make_tiny_qwen2(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    d, layers, heads, kv_heads, hidden, vocab = 32, 2, 4, 2, 48, 64
    kv = kv_heads * d // heads
    rng = np.random.default_rng(19)
    shapes = {"model.embed_tokens.weight": (vocab, d)}
    for i in range(layers):
        p = f"model.layers.{i}."
        shapes.update({p + "input_layernorm.weight": (d,), p + "self_attn.q_proj.weight": (d, d),
                       p + "self_attn.q_proj.bias": (d,), p + "self_attn.k_proj.weight": (kv, d),
                       p + "self_attn.k_proj.bias": (kv,), p + "self_attn.v_proj.weight": (kv, d),
                       p + "self_attn.v_proj.bias": (kv,), p + "self_attn.o_proj.weight": (d, d),
                       p + "post_attention_layernorm.weight": (d,), p + "mlp.gate_proj.weight": (hidden, d),
                       p + "mlp.up_proj.weight": (hidden, d), p + "mlp.down_proj.weight": (d, hidden)})
    shapes["model.norm.weight"] = (d,)
    shapes["lm_head.weight"] = (vocab, d)
    tensors = {}
    for name, shape in shapes.items():
        if name.endswith("norm.weight"):
            a = 1.0 + 0.1 * rng.standard_normal(shape)
        elif name.endswith(".bias"):
            a = 0.5 * rng.standard_normal(shape)
        else:
            a = 0.3 * rng.standard_normal(shape)
        tensors[name] = ("BF16", shape, bf16_bytes(a))
    names = list(tensors)
    first = {n: tensors[n] for n in names if not n.startswith("model.layers.1.") and n != "lm_head.weight"}
    second = {n: tensors[n] for n in names if n not in first}
    shard_names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    write_safetensors(out / shard_names[0], first)
    write_safetensors(out / shard_names[1], second)
    weight_map = {n: shard_names[0] for n in first} | {n: shard_names[1] for n in second}
    (out / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {"total_size": sum(len(t[2]) for t in tensors.values())}, "weight_map": weight_map}, indent=2) + "\n")
    config = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": d,
              "intermediate_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
              "num_key_value_heads": kv_heads, "vocab_size": vocab, "max_position_embeddings": 64,
              "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "rope_scaling": None, "hidden_act": "silu",
              "tie_word_embeddings": False, "use_sliding_window": False, "sliding_window": 64,
              "torch_dtype": "bfloat16"}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    lg = sub.add_parser("logits")
    lg.add_argument("dir")
    lg.add_argument("--ids", required=True)
    lg.add_argument("--out", required=True)
    lg.add_argument("--backend", choices=["numpy", "torch"], default="numpy")
    mk = sub.add_parser("make-tiny-qwen2")
    mk.add_argument("dir")
    args = ap.parse_args()
    if args.cmd == "make-tiny-qwen2":
        make_tiny_qwen2(args.dir)
        return
    ids = [int(s) for s in args.ids.split(",")]
    logits = forward_torch(args.dir, ids) if args.backend == "torch" else forward(args.dir, ids)
    rows = [[float(f"{v:.9g}") for v in row] for row in logits]
    Path(args.out).write_text(json.dumps({"model": args.dir, "backend": args.backend, "ids": ids, "logits": rows}, separators=(",", ":")) + "\n")
    print(f"{args.out}: logits [{len(ids)}, {logits.shape[1]}], first row max {logits[0].max():.6f}")


if __name__ == "__main__":
    main()
