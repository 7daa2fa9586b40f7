"""Settings: every one documented in the README, validated, and a bad value is one line in the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimwatch.errors import ConfigError
from claimwatch.settings import SETTINGS, Settings
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_in_the_readme_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in readme.splitlines() if line.startswith("| `CLAIMWATCH_")}
    assert set(rows) == {s.env for s in SETTINGS}
    for s in SETTINGS:
        assert s.help and s.help in rows[s.env], s.env
        default = (repr(s.default) if s.default else "(empty)") if isinstance(s.default, str) else str(s.default)
        assert f"`{default}`" in rows[s.env], s.env


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("MAX_BYTES", "abc", "valid integer"),
        ("MAX_BYTES", "0", "greater than 0"),
        ("FETCH_DEADLINE", "soon", "valid number"),
        ("ALLOW_PRIVATE_FETCH", "maybe", "valid boolean"),
        ("NEAR_DUPLICATE_THRESHOLD", "1.5", "less than or equal to 1"),
    ],
)
def test_bad_environment_values_are_one_config_error_line(monkeypatch: pytest.MonkeyPatch, name: str, value: str, problem: str) -> None:
    monkeypatch.setenv(f"CLAIMWATCH_{name}", value)
    with pytest.raises(ConfigError) as exc:
        Settings.from_env()
    message = str(exc.value)
    assert "\n" not in message and f"CLAIMWATCH_{name}={value!r}" in message and problem in message


def test_environment_and_explicit_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMWATCH_FETCH_DEADLINE", "2.5")
    monkeypatch.setenv("CLAIMWATCH_ALLOW_PRIVATE_FETCH", "true")
    s = Settings.from_env(db="x.db", max_bytes=None)
    assert (s.fetch_deadline, s.allow_private_fetch, s.db, s.max_bytes) == (2.5, True, "x.db", 20 * 1024 * 1024)
    assert s.with_(max_redirects=2).max_redirects == 2
    with pytest.raises(ConfigError, match="option max_redirects"):
        s.with_(max_redirects=-1)


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["claims", "list"], {"CLAIMWATCH_MAX_BYTES": "abc"}, "error: invalid setting CLAIMWATCH_MAX_BYTES='abc'"),
        (["dossier"], {}, "error: Missing argument 'CLAIM_ID'"),
        (["dossier", "abc"], {}, "error: Invalid value for 'CLAIM_ID'"),
        (["frobnicate"], {}, "error: No such command 'frobnicate'"),
        (["export", "--format", "csv", "--json"], {}, "error: --json needs --output"),
        (["articles", "show", str(2**64)], {}, f"error: no article with id {2**64}"),
    ],
)
def test_cli_errors_are_one_line_without_traceback(tmp_path: Path, args: list[str], env: dict[str, str], expected: str) -> None:
    proc = run_cli(*args, *(["--db", str(tmp_path / "e.db")] if args[0] in {"export", "articles"} else []), env=env, timeout=120)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].lower().startswith(expected.lower()), lines[0]
    assert "Traceback" not in proc.stderr
