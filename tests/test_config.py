"""Configuration: precedence flag > QUIZZER_* env > file > default, strict validation, secrets never shown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizzer.core.config import config_path, load_config
from quizzer.core.errors import ConfigError
from quizzer.grading.offline.bands import fitted_bands, global_bands

REPO = Path(__file__).resolve().parent.parent


def write_config(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml", environ={})
    # The grader's bands are fitted from data (evals/fit_grader.py): unset, they are the fitted ones.
    assert config.resolve("grader.correct_above").value is None
    assert config.resolve("grader.correct_above").source == "default"
    assert global_bands(config) == fitted_bands()
    assert config.llm.model is None


def test_precedence_flag_over_env_over_file_over_default(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[llm]\nmodel = "from-file"\ntimeout = 5\n')
    file_only = load_config(path, environ={})
    assert file_only.resolve("llm.model").value == "from-file"
    assert file_only.resolve("llm.model").source == f"config file {path}:2"
    assert file_only.llm.timeout == 5.0 and isinstance(file_only.llm.timeout, float)

    with_env = load_config(path, environ={"QUIZZER_LLM_MODEL": "from-env", "QUIZZER_LLM_TIMEOUT": "7.5"})
    assert with_env.resolve("llm.model").value == "from-env"
    assert with_env.resolve("llm.model").source == "env QUIZZER_LLM_MODEL"
    assert with_env.llm.timeout == 7.5

    with_flag = with_env.with_flags(llm__model="from-flag", llm__timeout=None)
    assert with_flag.resolve("llm.model").value == "from-flag"
    assert with_flag.resolve("llm.model").source == "flag"
    assert with_flag.llm.timeout == 7.5  # a flag left at None does not override
    assert with_flag.grader.correct_above is None


def test_empty_env_variable_is_ignored_and_aliases_apply(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml", environ={"QUIZZER_LLM_API_KEY": "", "OPENAI_API_KEY": "sk-alias"})
    assert config.resolve("llm.api_key").value == "sk-alias"
    assert config.resolve("llm.api_key").source == "env OPENAI_API_KEY"


def test_list_setting_from_env(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml", environ={"QUIZZER_DECKS": "msft-asr, e2e-asr"})
    assert config.decks == ["msft-asr", "e2e-asr"]


def test_invalid_env_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="QUIZZER_QUIZ_NEW_PER_DAY='many' is not an integer"):
        load_config(tmp_path / "absent.toml", environ={"QUIZZER_QUIZ_NEW_PER_DAY": "many"})


def test_every_invalid_env_value_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "absent.toml", environ={"QUIZZER_LLM_TIMEOUT": "soon", "QUIZZER_LLM_CACHE": "maybe"})
    assert "QUIZZER_LLM_TIMEOUT='soon' is not a number" in raised.value.message
    assert "QUIZZER_LLM_CACHE='maybe' is not true or false" in raised.value.message


def test_unknown_keys_and_wrong_types_are_all_named_with_their_lines(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'db = "/tmp/x.db"\n'
        "\n"
        "[grader]\n"
        "correct_above = \"high\"\n"
        "corect_below = 0.2\n"
        "\n"
        "[llm]\n"
        "attempts = 2.5\n"
        "\n"
        "[colours]\n"
        'bg = "red"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = caught.value.message
    assert f"{path}:4: grader.correct_above must be a number, not str" in message
    assert f"{path}:5: unknown setting 'grader.corect_below'" in message
    assert f"{path}:8: llm.attempts must be an integer, not float" in message
    assert f"{path}:10: unknown setting 'colours'" in message
    assert "quizzer config show" in (caught.value.hint or "")


def test_dotted_keys_get_their_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, '# comment\ngrader.cosine_threshold = "x"\nllm.model = "m"\n')
    with pytest.raises(ConfigError, match=rf"{path}:2: grader.cosine_threshold must be a number"):
        load_config(path, environ={})
    path.write_text('llm.model = "m"\n', encoding="utf-8")
    assert load_config(path, environ={}).resolve("llm.model").source == f"config file {path}:1"


def test_invalid_toml_and_directory_are_config_errors(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[llm\nmodel = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, environ={})
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path, environ={})


def test_unknown_flag_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown setting 'llm.modle'"):
        load_config(tmp_path / "absent.toml", environ={}).with_flags(llm__modle="x")


def test_secret_in_a_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[llm]\napi_key = "sk-file-secret"\n', mode=0o644)
    with pytest.raises(ConfigError, match="others can read it") as caught:
        load_config(path, environ={})
    assert "chmod 600" in (caught.value.hint or "")
    assert "sk-file-secret" not in caught.value.message
    path.chmod(0o600)
    config = load_config(path, environ={"OPENAI_API_KEY": "sk-env-secret"}).with_flags(llm__api_key="sk-flag-secret")
    assert config.llm.api_key == "sk-flag-secret"
    assert load_config(path, environ={}).llm.api_key == "sk-file-secret"
    assert not any(secret in repr(config) for secret in ("sk-file-secret", "sk-env-secret", "sk-flag-secret"))


def run_quizzer(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quizzer", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("QUIZZER_") and key != "OPENAI_API_KEY"}
    return {**env, "COLUMNS": "200", **extra}


def test_config_show_never_prints_a_secret(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[llm]\napi_key = "sk-file-secret-123"\nmodel = "judge-model"\n')
    result = run_quizzer("config", "show", env=clean_env(tmp_path, QUIZZER_CONFIG=str(path)))
    assert result.returncode == 0, result.stderr
    assert "sk-file-secret-123" not in result.stdout + result.stderr
    assert "judge-model" in result.stdout
    assert "(set)" in result.stdout
    from_env = run_quizzer(
        "config", "show", env=clean_env(tmp_path, QUIZZER_CONFIG=str(tmp_path / "none.toml"),
                                        OPENAI_API_KEY="sk-env-secret-456"),
    )
    assert from_env.returncode == 0, from_env.stderr
    assert "sk-env-secret-456" not in from_env.stdout + from_env.stderr
    assert "env OPENAI_API_KEY" in from_env.stdout


def test_quizzer_config_overrides_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere.toml"
    monkeypatch.setenv("QUIZZER_CONFIG", str(target))
    assert config_path() == target
    result = run_quizzer("config", "path", env=clean_env(tmp_path, QUIZZER_CONFIG=str(target)))
    assert result.returncode == 0 and result.stdout.strip() == str(target)


def test_invalid_config_file_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[grader]\nthreshold = 1\n")
    result = run_quizzer("config", "show", env=clean_env(tmp_path, QUIZZER_CONFIG=str(path)))
    assert result.returncode == 2
    assert f"{path}:2: unknown setting 'grader.threshold'" in result.stderr
    assert "Traceback" not in result.stderr


def test_out_of_range_numbers_are_named_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[quiz]\nnew_per_day = -3\n[grader]\ncorrect_above = 7.5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path, environ={})
    message = raised.value.message
    assert f"{path}:2: quiz.new_per_day must be at least 0, not -3" in message
    assert f"{path}:4: grader.correct_above must be at most 1, not 7.5" in message


def test_an_out_of_range_environment_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="QUIZZER_LLM_CONCURRENCY: llm.concurrency must be at least 1"):
        load_config(tmp_path / "none.toml", environ={"QUIZZER_LLM_CONCURRENCY": "0"})


@pytest.mark.parametrize("command", [["quiz", "msft-asr"], ["serve", "msft-asr", "--port", "0"], ["grade", "answers.jsonl"],
                                     ["eval", "answers.jsonl"]])
def test_escalate_on_quiz_serve_grade_and_eval_is_the_llm_escalate_setting(command: list[str], tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from quizzer.cli.app import app

    row = '{"question": "Q?", "reference": "A.", "answer": "A.", "label": "correct"}\n'
    (tmp_path / "answers.jsonl").write_text(row, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # A value the setting does not take is refused as the setting's own (the CLI's error handler, around the
    # typer app, prints it), before anything is graded or asked.
    result = CliRunner().invoke(app, [*command, "--escalate", "always"])
    assert isinstance(result.exception, ConfigError), result.output
    assert result.exception.message == "flag llm.escalate must be one of uncertain, risky, not 'always'"
