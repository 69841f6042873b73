"""The on-disk embedding cache: references are encoded once per (model, text), and read back identically."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from quizzer.core.types import Submission
from quizzer.grading.offline.decision import load_decision_model
from quizzer.grading.offline.embedder import Embedder, get_embedder
from quizzer.grading.offline.embedding import EmbeddingGrader
from quizzer.storage.embeddings import EmbeddingCache, embedding_cache

pytestmark = pytest.mark.slow

SUBMISSIONS = [
    Submission("Why does the transducer use so much memory?", ("Because of its 4-D joint output.",), answer)
    for answer in ("The 4-D joint output tensor.", "Because the joint output is four-dimensional.")
]


def fresh_embedder(shared: Embedder, cache_dir: Path) -> Embedder:
    """A new embedder (own counters, own cache folder); the loaded model is shared per process."""
    return Embedder(shared.model_name, EmbeddingCache(cache_dir))


def test_a_second_run_reads_references_from_the_cache_instead_of_encoding_them(embedding_model, tmp_path) -> None:
    first = fresh_embedder(embedding_model, tmp_path)
    grades_first = EmbeddingGrader(first, load_decision_model()).grade_batch(SUBMISSIONS)
    # question + reference + the reference's clause (the same text) once, then the two answers
    assert first.encoded_texts == 4
    second = fresh_embedder(embedding_model, tmp_path)  # a new process would look like this
    grades_second = EmbeddingGrader(second, load_decision_model()).grade_batch(SUBMISSIONS)
    assert second.encoded_texts == 2  # only the answers
    assert [g.probability for g in grades_second] == [g.probability for g in grades_first]
    assert [g.verdict for g in grades_second] == [g.verdict for g in grades_first]


def test_preparing_a_card_encodes_its_side_so_the_answer_is_all_that_grading_encodes(embedding_model, tmp_path) -> None:
    embedder = fresh_embedder(embedding_model, tmp_path)
    grader = EmbeddingGrader(embedder, load_decision_model())
    card = Submission("Why is the sky blue?", ("Air scatters blue light more than red light.",), "",
                      key_points=("scattering", "shorter wavelengths scatter more"))
    grader.prepare([card])
    assert embedder.encoded_texts == 4  # question, reference, two key points; no answer
    assert len(EmbeddingCache(tmp_path).get_many(embedder.model_name, [card.question, *card.references])) == 2
    grader.grade(replace(card, answer="Blue light is scattered more by the air."))
    assert embedder.encoded_texts == 5  # only the answer


def test_cached_encodings_round_trip_and_are_keyed_by_model(embedding_model, tmp_path) -> None:
    encoding = fresh_embedder(embedding_model, tmp_path).encode(["Terminal 1 is not connected."])[0]
    cache = EmbeddingCache(tmp_path)
    cache.put_many("model-a", [encoding])
    found = cache.get_many("model-a", [encoding.text, "never stored"])
    assert list(found) == [encoding.text]
    back = found[encoding.text]
    np.testing.assert_array_equal(back.vector, encoding.vector)
    np.testing.assert_array_equal(back.token_ids, encoding.token_ids)
    np.testing.assert_allclose(back.token_vectors, encoding.token_vectors, atol=2e-3)
    assert cache.get_many("model-b", [encoding.text]) == {}
    assert len(back.token_ids) == len(back.offsets) == back.token_vectors.shape[0]


def test_warm_up_from_threads_loads_one_model_shared_by_every_embedder(embedding_model, tmp_path) -> None:
    embedders = [get_embedder(store=embedding_cache(tmp_path / str(index))) for index in range(3)]
    threads = [threading.Thread(target=embedder.warm_up) for embedder in embedders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    models = {id(embedder._load()) for embedder in [*embedders, embedding_model]}
    assert len(models) == 1
    assert get_embedder(store=embedding_cache(tmp_path / "0")) is embedders[0]
