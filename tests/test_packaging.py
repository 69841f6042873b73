"""The install itself: what a wheel carries and what the constraints keep out."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from conftest import REPO_ROOT


def test_wheel_ships_bundled_decks_prompts_grader_parameters_and_word_lists(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO_ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("quizzer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for deck in sorted((REPO_ROOT / "decks").glob("*.yaml")):
        assert f"quizzer/_bundled/decks/{deck.name}" in names
    for prompt in sorted((REPO_ROOT / "prompts").glob("*.md")):
        assert f"quizzer/_bundled/prompts/{prompt.name}" in names
    assert any(name.startswith("quizzer/_bundled/decks/") and name.endswith(".yaml") for name in names)
    # The grader's fitted parameters: without them a non-editable install cannot grade.
    for fitted in ("grader_params.json", "idf.json", "verifier.npz"):
        assert f"quizzer/grading/offline/{fitted}" in names
    # Word lists kept as data beside the modules that read them.
    for package in ("grading/offline", "deck"):
        for data in sorted((REPO_ROOT / "quizzer" / package / "data").iterdir()):
            assert f"quizzer/{package}/data/{data.name}" in names
    # `quizzer serve`'s templates and assets: the page loads nothing from anywhere else.
    web_files = [path for path in (REPO_ROOT / "quizzer" / "web").rglob("*") if path.suffix in (".html", ".js", ".css", ".svg")]
    assert len(web_files) >= 10
    for path in web_files:
        assert path.relative_to(REPO_ROOT).as_posix() in names


def test_installed_environment_has_no_cuda_packages() -> None:
    names = {(dist.metadata["Name"] or "").lower() for dist in metadata.distributions()}
    cuda = sorted(name for name in names if name.startswith(("nvidia-", "cuda", "triton")))
    assert cuda == []
    assert metadata.version("torch").endswith("+cpu")
