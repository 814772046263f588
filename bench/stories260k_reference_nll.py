#!/usr/bin/env python3
"""Independent reference for Stories260KTest: stories260K's mean next-token NLL on the TinyStories sample.

Written from llama2.c's run.c and ../shared/data/README.md, sharing no code with Sinter's Java path:
it reads the legacy (v0) checkpoint and tok512.bin itself, encodes the text with llama2.c's
SentencePiece-style BPE (dummy-prefix space, UTF-8 characters with byte fallback, greedy merge of the
highest-scoring pair), and runs the forward pass in float64 NumPy: RMSNorm (eps 1e-5), RoPE over adjacent
pairs (theta 10000, frequencies computed as run.c does, the file's freq_cis tables skipped), grouped-query
causal attention, SwiGLU MLP, classifier tied to the embedding.

Each story (split on <|endoftext|>, stripped, blank ones skipped) is scored as the Java test does: BOS +
tokens, cut to seq_len + 1 tokens; the result is sum of NLL over all predicted tokens / their count.

Run from the repository root (needs NumPy: apt-get install python3-numpy):
    /usr/bin/python3 bench/stories260k_reference_nll.py
"""
import argparse
import struct
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RMS_EPS = 1e-5
ROPE_THETA = 10000.0


def read_checkpoint(path):
    """Header of 7 int32, then fp32 arrays, each row-major [out, in] (../shared/data/README.md)."""
    raw = Path(path).read_bytes()
    dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len = struct.unpack("<7i", raw[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    hs = dim // n_heads
    kv_dim = n_kv_heads * hs
    data = np.frombuffer(raw, dtype="<f4", offset=28).astype(np.float64)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        a = data[pos:pos + n].reshape(shape)
        pos += n
        return a

    w = {"emb": take(vocab, dim), "rms_att": take(n_layers, dim), "wq": take(n_layers, dim, dim),
         "wk": take(n_layers, kv_dim, dim), "wv": take(n_layers, kv_dim, dim), "wo": take(n_layers, dim, dim),
         "rms_ffn": take(n_layers, dim), "w1": take(n_layers, hidden, dim), "w2": take(n_layers, dim, hidden),
         "w3": take(n_layers, hidden, dim), "rms_final": take(dim)}
    take(seq_len, hs // 2)  # freq_cis_real: unused, run.c computes the frequencies
    take(seq_len, hs // 2)  # freq_cis_imag
    w["cls"] = w["emb"] if shared else take(vocab, dim)
    if pos != data.size:
        raise ValueError(f"{path}: {data.size - pos} unread floats after the weights")
    cfg = dict(dim=dim, hidden=hidden, n_layers=n_layers, n_heads=n_heads, n_kv_heads=n_kv_heads, vocab=vocab,
               seq_len=seq_len)
    return cfg, w


def read_tokenizer(path, vocab_size):
    """int32 max_token_length, then vocab_size entries of {float32 score, int32 length, bytes}."""
    raw = Path(path).read_bytes()
    off = 4
    pieces, scores = [], []
    for _ in range(vocab_size):
        score, n = struct.unpack("<fi", raw[off:off + 8])
        off += 8
        pieces.append(raw[off:off + n])
        scores.append(score)
        off += n
    if off != len(raw):
        raise ValueError(f"{path}: {len(raw) - off} trailing bytes")
    return pieces, np.array(scores, dtype=np.float32)


def encode(text, pieces, scores):
    """llama2.c's encode(text, bos=0, eos=0): the token ids of text, without BOS/EOS."""
    lookup = {}
    for i, p in enumerate(pieces):
        lookup.setdefault(p, i)
    data = text.encode("utf-8")
    tokens = [lookup[b" "]] if data else []
    buf = bytearray()
    for i, b in enumerate(data):
        if b & 0xC0 != 0x80:  # not a continuation byte: a new character starts
            buf.clear()
        buf.append(b)
        if i + 1 < len(data) and data[i + 1] & 0xC0 == 0x80 and len(buf) < 4:
            continue
        if bytes(buf) in lookup:
            tokens.append(lookup[bytes(buf)])
        else:
            tokens.extend(c + 3 for c in buf)  # byte fallback: ids 3..258 are <0x00>..<0xFF>
        buf.clear()
    while True:
        best, best_id, best_i = -1e10, -1, -1
        for i in range(len(tokens) - 1):
            j = lookup.get(pieces[tokens[i]] + pieces[tokens[i + 1]], -1)
            if j != -1 and scores[j] > best:
                best, best_id, best_i = scores[j], j, i
        if best_i == -1:
            return tokens
        tokens[best_i:best_i + 2] = [best_id]


def rmsnorm(x, weight):  # x [T, D]
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + RMS_EPS) * weight


def rope(x, hs):  # x [T, H, hs]: rotate the adjacent pairs (2i, 2i+1) of each head by pos * theta^(-2i/hs)
    t = x.shape[0]
    freq = ROPE_THETA ** (-np.arange(0, hs, 2) / hs)  # [hs/2]
    angle = np.arange(t)[:, None] * freq[None, :]  # [T, hs/2]
    cos, sin = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]
    even, odd = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


def logits(cfg, w, ids):
    """Logits [T, V] for the token ids (one sequence)."""
    t, dim, nh, nkv = len(ids), cfg["dim"], cfg["n_heads"], cfg["n_kv_heads"]
    hs = dim // nh
    x = w["emb"][ids]  # [T, D]
    causal = np.triu(np.full((t, t), -np.inf), k=1)  # [T, T]
    for l in range(cfg["n_layers"]):
        xb = rmsnorm(x, w["rms_att"][l])
        q = rope((xb @ w["wq"][l].T).reshape(t, nh, hs), hs)  # [T, H, hs]
        k = rope((xb @ w["wk"][l].T).reshape(t, nkv, hs), hs)  # [T, KV, hs]
        v = (xb @ w["wv"][l].T).reshape(t, nkv, hs)
        k = np.repeat(k, nh // nkv, axis=1)  # query head h reads key/value head h // (H / KV)
        v = np.repeat(v, nh // nkv, axis=1)
        att = np.einsum("thd,shd->hts", q, k) / np.sqrt(hs) + causal  # [H, T, T]
        att = np.exp(att - att.max(axis=-1, keepdims=True))
        att /= att.sum(axis=-1, keepdims=True)
        o = np.einsum("hts,shd->thd", att, v).reshape(t, dim)
        x = x + o @ w["wo"][l].T
        xb = rmsnorm(x, w["rms_ffn"][l])
        gate = xb @ w["w1"][l].T
        hb = gate / (1 + np.exp(-gate)) * (xb @ w["w3"][l].T)  # silu(gate) * up, [T, hidden]
        x = x + hb @ w["w2"][l].T
    return rmsnorm(x, w["rms_final"]) @ w["cls"].T


def sequence_nll(cfg, w, ids):
    """Summed NLL of ids[1:] given their prefixes."""
    z = logits(cfg, w, ids[:-1])
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -logp[np.arange(len(ids) - 1), ids[1:]].sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=ROOT / "testdata/models/stories260K/stories260K.bin")
    ap.add_argument("--tokenizer", default=ROOT / "testdata/models/stories260K/tok512.bin")
    ap.add_argument("--text", default=ROOT / "testdata/corpora/tinystories_sample.txt")
    a = ap.parse_args()
    cfg, w = read_checkpoint(a.model)
    pieces, scores = read_tokenizer(a.tokenizer, cfg["vocab"])
    total, count = 0.0, 0
    for story in Path(a.text).read_text(encoding="utf-8").split("<|endoftext|>"):
        if not story.strip():
            continue
        ids = [1] + encode(story.strip(), pieces, scores)  # BOS = 1
        ids = ids[:cfg["seq_len"] + 1]
        total += sequence_nll(cfg, w, ids)
        count += len(ids) - 1
    print(f"mean next-token NLL {total / count:.6f} nats over {count} tokens")


if __name__ == "__main__":
    main()
