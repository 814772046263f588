#!/usr/bin/env python3
"""PyTorch decode twin: greedy generation with a KV cache from a Hugging Face Llama-family directory.

The peer of Sinter's decoder in the generation benchmark (issue 19). It reads what `sinter export --format hf` writes
(config.json, model.safetensors or model.safetensors.index.json + shards; F32, F16 or BF16) with its own minimal
safetensors reader, and runs HF's Llama forward (modeling_llama.py: RMSNorm, rotate-half RoPE with rope_theta, GQA by
repeating key/value heads, SwiGLU MLP, tied or untied LM head; Qwen2's q/k/v biases) in float32, one token at a time
against a preallocated KV cache.

  /usr/bin/python3 bench/torch_decode_twin.py DIR --new-tokens 400 --prompt-tokens 1 --threads 1

The prompt is BOS (config's bos_token_id, else 1) followed by P-1 fixed ids (i·7919 mod vocab), unless --prompt-ids
gives them. Time to first token = the prompt's prefill (one batched pass that fills the cache) + picking the first new
token; decode tokens/s counts the remaining N-1 tokens, each a one-token pass. Prints one JSON line.
"""
import argparse
import ctypes
import json
import math
import re
import resource
import time
from pathlib import Path

import numpy as np
import torch

from hf_llama_twin import read_weights as read_weights_f64  # the safetensors reader of the forward-pass twin


def read_weights(model_dir):
    """The directory's tensors as float32 torch tensors (F32, F16 and BF16 values are exact in float64 and float32)."""
    return {name: torch.from_numpy(a.astype(np.float32)) for name, a in read_weights_f64(model_dir).items()}


class Llama:
    """HF's LlamaForCausalLM forward with a KV cache of [layers][kv_heads, max_len, head_dim]."""

    def __init__(self, model_dir, max_len):
        cfg = json.loads((model_dir / "config.json").read_text())
        self.cfg = cfg
        w = read_weights(model_dir)
        self.d = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg.get("num_key_value_heads", self.heads)
        self.hd = self.d // self.heads
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.layers = cfg["num_hidden_layers"]
        self.vocab = cfg["vocab_size"]
        self.params = sum(t.numel() for t in w.values())
        self.embed = w["model.embed_tokens.weight"]
        self.head = w.get("lm_head.weight", self.embed)  # tie_word_embeddings: the embedding is the head
        self.norm = w["model.norm.weight"]
        self.w = w
        theta = cfg.get("rope_theta", 10000.0)
        inv_freq = 1.0 / (theta ** (torch.arange(0, self.hd, 2, dtype=torch.int64).float() / self.hd))
        freqs = torch.outer(torch.arange(max_len, dtype=torch.float32), inv_freq)  # [max_len, hd/2]
        emb = torch.cat([freqs, freqs], dim=-1)  # [max_len, hd]
        self.cos, self.sin = emb.cos(), emb.sin()
        self.k_cache = [torch.zeros(self.kv_heads, max_len, self.hd) for _ in range(self.layers)]
        self.v_cache = [torch.zeros(self.kv_heads, max_len, self.hd) for _ in range(self.layers)]

    def rms(self, x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * weight

    @staticmethod
    def rotate_half(x):
        half = x.shape[-1] // 2
        return torch.cat([-x[..., half:], x[..., :half]], dim=-1)

    def linear(self, x, name):
        bias = self.w.get(name + ".bias")
        return torch.nn.functional.linear(x, self.w[name + ".weight"], bias)

    def forward(self, ids, start):
        """Logits [T, V] of ids at positions start..start+T-1; keys and values go into the cache."""
        t = len(ids)
        x = self.embed[torch.tensor(ids)]  # [T, D]
        cos, sin = self.cos[start:start + t], self.sin[start:start + t]  # [T, hd]
        end = start + t
        causal = torch.full((t, end), float("-inf")).triu(start + 1)  # [T, end]: row i sees columns <= start+i
        group = self.heads // self.kv_heads
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = self.rms(x, self.w[p + "input_layernorm.weight"])
            q = self.linear(h, p + "self_attn.q_proj").view(t, self.heads, self.hd).transpose(0, 1)  # [H, T, hd]
            k = self.linear(h, p + "self_attn.k_proj").view(t, self.kv_heads, self.hd).transpose(0, 1)  # [KV, T, hd]
            v = self.linear(h, p + "self_attn.v_proj").view(t, self.kv_heads, self.hd).transpose(0, 1)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            self.k_cache[i][:, start:end] = k
            self.v_cache[i][:, start:end] = v
            keys = self.k_cache[i][:, :end].repeat_interleave(group, dim=0)  # [H, end, hd] (HF's repeat_kv)
            values = self.v_cache[i][:, :end].repeat_interleave(group, dim=0)
            scores = q @ keys.transpose(1, 2) / math.sqrt(self.hd) + causal  # [H, T, end]
            att = torch.softmax(scores, dim=-1) @ values  # [H, T, hd]
            x = x + self.linear(att.transpose(0, 1).reshape(t, self.d), p + "self_attn.o_proj")
            h = self.rms(x, self.w[p + "post_attention_layernorm.weight"])
            gate = torch.nn.functional.silu(self.linear(h, p + "mlp.gate_proj"))
            x = x + self.linear(gate * self.linear(h, p + "mlp.up_proj"), p + "mlp.down_proj")
        return torch.nn.functional.linear(self.rms(x, self.norm), self.head)  # [T, V]


def blas_info():
    """What torch computes with: its build's BLAS/LAPACK and CPU-capability lines, the BLAS library mapped into this
    process, and OpenBLAS's core (the kernels it picked, e.g. SkylakeX) when that library is OpenBLAS."""
    shown = torch.__config__.show()
    info = {"cpu_capability": None, "build": {}}
    for line in shown.splitlines():
        if "CPU capability usage" in line:
            info["cpu_capability"] = line.split(":", 1)[1].strip()
        if "Build settings" in line:
            info["build"] = dict(re.findall(r"\b(BLAS_INFO|LAPACK_INFO|USE_MKLDNN|USE_OPENMP)=([^,]*)", line))
    maps = Path("/proc/self/maps").read_text() if Path("/proc/self/maps").exists() else ""
    libs = sorted({m.split("/")[-1] for m in re.findall(r"(/\S*(?:blas|mkl)\S*\.so[.\d]*)", maps)})
    info["blas_libraries"] = libs
    for path in sorted(set(re.findall(r"(/\S*openblas\S*\.so[.\d]*)", maps))):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            info["openblas_core"] = lib.openblas_get_corename().decode()
            break
        except (OSError, AttributeError):
            continue
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path, help="HF Llama directory (e.g. from `sinter export --format hf`)")
    ap.add_argument("--new-tokens", type=int, default=400)
    ap.add_argument("--prompt-tokens", type=int, default=1)
    ap.add_argument("--prompt-ids", default=None, help="comma-separated prompt ids (overrides --prompt-tokens)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    cfg = json.loads((args.dir / "config.json").read_text())
    if args.prompt_ids:
        prompt = [int(s) for s in args.prompt_ids.split(",")]
    else:
        bos = cfg.get("bos_token_id", 1)
        prompt = [bos] + [(i * 7919) % cfg["vocab_size"] for i in range(1, args.prompt_tokens)]
    max_len = len(prompt) + args.new_tokens
    if max_len > cfg.get("max_position_embeddings", max_len):
        raise SystemExit(f"prompt + new tokens = {max_len} exceeds max_position_embeddings "
                         f"{cfg['max_position_embeddings']}; lower --new-tokens or --prompt-tokens")
    model = Llama(args.dir, max_len)
    load_s = time.perf_counter() - t0
    out = []
    with torch.inference_mode():
        s = time.perf_counter()
        logits = model.forward(prompt, 0)
        out.append(int(torch.argmax(logits[-1])))
        ttft = time.perf_counter() - s
        s = time.perf_counter()
        for pos in range(len(prompt), max_len - 1):
            logits = model.forward([out[-1]], pos)
            out.append(int(torch.argmax(logits[-1])))
        decode_s = time.perf_counter() - s
    decoded = len(out) - 1
    print(json.dumps({
        "impl": "pytorch-kv", "dir": str(args.dir), "params": model.params, "threads": torch.get_num_threads(),
        "torch": torch.__version__, "blas": blas_info(), "prompt_tokens": len(prompt), "new_tokens": len(out),
        "load_s": round(load_s, 3), "ttft_s": round(ttft, 4),
        "decode_tokens_per_s": round(decoded / decode_s, 1) if decoded else None,
        "decode_s": round(decode_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "ids": out}))


if __name__ == "__main__":
    main()
