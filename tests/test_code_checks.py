"""The checks the next people rely on hold: `ruff check` with the rule set of pyproject.toml
finds nothing in the repository, and mypy finds no error in hacourse/. Each tool runs as CI and
a contributor run it, from the repository's root with its configuration, so a finding here is
the one they would see."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


def test_ruff_finds_nothing_in_the_repository() -> None:
    result = _run("ruff", "check", "--output-format", "concise", ".")
    assert result.returncode == 0, f"ruff check .:\n{result.stdout}{result.stderr}"


def test_mypy_finds_no_error_in_hacourse() -> None:
    """The type checker's configuration ([tool.mypy]: files, stubs of the third-party packages)
    is pyproject.toml's; its cache (.mypy_cache) makes a second run take a second or two."""
    result = _run("mypy")
    assert result.returncode == 0, f"mypy (hacourse/):\n{result.stdout}{result.stderr}"
