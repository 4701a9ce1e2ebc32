"""Sentence embeddings that run offline: wordllama's 256-dimension model, shipped inside its wheel.

Retrieval (`reportgen.corpus`) adds meaning to BM25's words with these: a segment saying "I'll
send the minutes round" shares no word with "action items" but sits near it. wordllama is
token embeddings averaged (no transformer), so a 1 h transcript's 1-2k segments embed in a few
hundred milliseconds on one core, and its 16 MB of weights come in the wheel.

The model is loaded from the wheel's own files with `tokenizers` and `safetensors`, never with
`WordLlama.load`: that looks for the tokenizer in a folder the wheel does not have and then
tries to download it, and this project sends nothing but to 127.0.0.1. When wordllama is not
installed (it is the `embeddings` extra) `embed` returns None and retrieval is BM25 alone.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from typing import Any

import numpy as np

MODEL = "l2_supercat"  # wordllama's default: Llama-2 tokenizer, 256 dimensions
DIM = 256
BATCH = 64


def available() -> bool:
    """wordllama (and with it tokenizers and safetensors) is installed."""
    return importlib.util.find_spec("wordllama") is not None


@functools.cache  # the model, loaded once per process: not a cache of anything read from sources
def _model() -> Any | None:
    if not available():
        return None
    from importlib import resources

    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    root = resources.files("wordllama")
    tokenizer = Tokenizer.from_file(str(root / "tokenizers" / f"{MODEL}_tokenizer_config.json"))
    with safe_open(str(root / "weights" / f"{MODEL}_{DIM}.safetensors"), framework="np", device="cpu") as f:
        table = f.get_tensor("embedding.weight")
    return WordLlamaInference(table, tokenizer, binary=False)


def embed(texts: Sequence[str]) -> np.ndarray | None:
    """One unit-length row per text (float32), or None when wordllama is not installed.

    A text with no tokens gets a zero row, so it is similar to nothing rather than NaN. Texts are
    embedded shortest first: a batch is padded to its longest text, and a transcript's turns run
    from "Yeah." to minutes of talk, so sorting makes a 1 h meeting's turns three to four times
    cheaper to embed (the same vectors)."""
    model = _model()
    if model is None:
        return None
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    order = np.argsort([len(t) for t in texts], kind="stable")
    with np.errstate(invalid="ignore", divide="ignore"):
        got = np.asarray(model.embed([texts[i] or " " for i in order], norm=False, batch_size=BATCH),
                         dtype=np.float32)
    vecs = np.empty_like(got)
    vecs[order] = got
    vecs = np.nan_to_num(vecs)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 0)
