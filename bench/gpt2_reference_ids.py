#!/usr/bin/env python3
"""Reference GPT-2 token ids for HfTokenizerTest, computed independently of HF tokenizers and of Sinter.

GPT-2's byte-level BPE as OpenAI's encoder.py defines it: the text is split with the pre-tokenizer regex
  's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
(the `regex` module, since `re` has no \\p{..}); each piece's UTF-8 bytes are mapped to printable characters with
bytes_to_unicode(); then the adjacent pair with the lowest rank in merges.txt is merged (all its occurrences, left to
right) until no ranked pair is left; the resulting symbols are looked up in vocab.json. `llama3_split_ids` are the
same vocabulary and merges behind Llama-3's pre-tokenizer regex instead, with Llama-3's ignore_merges (a pre-token that
is itself a vocabulary entry is not split), to check the Split + ByteLevel pre-tokenizer that Llama-3 files use.

Usage (from the repository root; this is the command that wrote the committed file):
  python3 bench/gpt2_reference_ids.py testdata/tokenizers/gpt2 > testdata/tokenizers/gpt2/reference_ids.json
"""
import json
import sys
from pathlib import Path

import regex

PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
# Llama-3's (tiktoken cl100k's) pre-tokenizer regex, as its tokenizer.json's Split pre-tokenizer holds it
LLAMA3_PATTERN = regex.compile(
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")

TEXTS = [
    "Hello world",
    "Hello, world! How's it going? I'm fine; you'll see.",
    "The year 2024 had 366 days, 8784 hours and 3.14159 pies.",
    "multiple   spaces    here  and a trailing space ",
    "line one\nline two\n\nline four\r\n\ttabbed",
    "Café naïve résumé Zürich façade",
    "日本語のテキストと中文文本",
    "emoji: 😀👍🏽 and 🇫🇷 flags",
    "   leading spaces",
    "HE'S here, DON'T go; we'LL see 12345678 x+y=z?!\n\n    indented()",
    "x",
    "",
]


def bytes_to_unicode():
    """Printable bytes map to themselves; the other 68 bytes to U+0100 onwards, in byte order."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


def bpe(word, ranks):
    symbols = list(word)
    while len(symbols) > 1:
        pairs = {(symbols[i], symbols[i + 1]) for i in range(len(symbols) - 1)}
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                merged.append(symbols[i] + symbols[i + 1])
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols


def encode(text, pattern, vocab, ranks, byte_chars, ignore_merges):
    """ignore_merges (Llama-3's tokenizer.json sets it): a pre-token that is a whole vocabulary entry is kept as is."""
    ids = []
    for piece in pattern.findall(text):
        word = "".join(byte_chars[b] for b in piece.encode("utf-8"))
        symbols = [word] if ignore_merges and word in vocab else bpe(word, ranks)
        ids.extend(vocab[s] for s in symbols)
    return ids


def main():
    folder = Path(sys.argv[1])
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    lines = (folder / "merges.txt").read_text(encoding="utf-8").split("\n")
    merges = [tuple(line.split(" ")) for line in lines if line and not line.startswith("#version")]
    ranks = {pair: rank for rank, pair in enumerate(merges)}
    byte_chars = bytes_to_unicode()
    cases = []
    for text in TEXTS:
        cases.append({"text": text, "ids": encode(text, PATTERN, vocab, ranks, byte_chars, False),
                      "llama3_split_ids": encode(text, LLAMA3_PATTERN, vocab, ranks, byte_chars, True)})
    rows = ",\n".join("  " + json.dumps(case, ensure_ascii=False) for case in cases)
    source = json.dumps("bench/gpt2_reference_ids.py (OpenAI encoder.py's byte-level BPE, regex module)")
    sys.stdout.write('{"source": ' + source + ',\n "cases": [\n' + rows + "\n ]}\n")


if __name__ == "__main__":
    main()
