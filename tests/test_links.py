"""scripts/links.sh: the Binder badge and links come from the repository's own GitHub remote, in
its https or ssh form; without one, one line says what to do. A fork's links name the fork."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("links", REPO / "scripts" / "links.py")
assert _spec and _spec.loader
links = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(links)


@pytest.mark.parametrize("url", [
    "https://github.com/alice/hacourse-fall.git",
    "https://github.com/alice/hacourse-fall",
    "https://github.com/alice/hacourse-fall/",
    "https://x-access-token:secret@github.com/alice/hacourse-fall.git",  # a CI checkout
    "git@github.com:alice/hacourse-fall.git",
    "git@github.com:alice/hacourse-fall",
    "ssh://git@github.com/alice/hacourse-fall.git",
    "ssh://git@ssh.github.com:443/alice/hacourse-fall.git",
])
def test_https_and_ssh_remotes_name_the_same_repository(url):
    assert links.github_repository(url) == ("alice", "hacourse-fall")


@pytest.mark.parametrize("url", [
    "https://gitlab.com/alice/hacourse-fall.git",
    "git@gitlab.com:alice/hacourse-fall.git",
    "https://github.com.example.org/alice/hacourse-fall.git",
    "/srv/git/hacourse.git",
    "https://github.com/alice",
])
def test_other_remotes_are_not_github(url):
    assert links.github_repository(url) is None


def _fork(tmp_path: Path, remote: str | None) -> Path:
    """A copy of the repository's scripts, README and notebooks, with one scenario of its own."""
    root = tmp_path / "fork"
    (root / "scripts").mkdir(parents=True)
    for name in ("links.sh", "links.py"):
        shutil.copy2(REPO / "scripts" / name, root / "scripts" / name)
    shutil.copy(REPO / "README.md", root / "README.md")
    shutil.copytree(REPO / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns("text", "exercises"))
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    shutil.copytree(REPO / "hacourse" / "scenarios", root / "hacourse" / "scenarios")
    shutil.copy(REPO / "scenarios" / "pacific-mgmt-down.yaml", root / "scenarios" / "week3-flapping.yaml")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    if remote:
        subprocess.run(["git", "-C", str(root), "remote", "add", "origin", remote], check=True)
    return root


def _links(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(root / "scripts" / "links.sh"), *args], capture_output=True, text=True,
                          check=False, timeout=60)


def test_a_fork_prints_and_writes_its_own_links(tmp_path):
    root = _fork(tmp_path, "git@github.com:alice/hacourse-fall.git")
    result = _links(root, "--readme")
    assert result.returncode == 0, result.stderr
    base = "https://mybinder.org/v2/gh/alice/hacourse-fall/HEAD?urlpath="
    lesson_1 = f"{base}lab/tree/notebooks/01-storage-network-down-non-spm.ipynb"
    assert lesson_1 in result.stdout
    assert f"{base}voila/render/notebooks/01-storage-network-down-non-spm.ipynb" in result.stdout
    # a shipped scenario by its name, the fork's own by its path from notebooks/
    opened = f"{base}voila/render/notebooks/open-scenario.ipynb%3Fscenario%3D"
    assert f"{opened}pacific-mgmt-down\n" in result.stdout + "\n"
    assert f"{opened}../scenarios/week3-flapping.yaml" in result.stdout
    readme = (root / "README.md").read_text()
    assert f"[![Binder](https://mybinder.org/badge_logo.svg)]({lesson_1})" in readme
    site = "https://alice.github.io/hacourse-fall/lab/index.html?path=notebooks/"
    opened = f"<{site}01-storage-network-down-non-spm.ipynb>"  # the Pages site pages.yml publishes
    assert f"**Open the course in your browser** (nothing to install; Python runs in the page): {opened}" in readme
    assert f"{site}open-scenario.ipynb&scenario=pacific-mgmt-down" in result.stdout
    assert "OWNER" not in readme
    assert _links(root, "--readme").returncode == 0
    assert (root / "README.md").read_text() == readme, "a second run writes the same README"


def test_a_branch_is_linked_by_its_name(tmp_path):
    root = _fork(tmp_path, "https://github.com/alice/hacourse-fall.git")
    result = _links(root, "--ref", "fall-2026")
    assert "https://mybinder.org/v2/gh/alice/hacourse-fall/fall-2026?urlpath=lab/tree/" in result.stdout


@pytest.mark.parametrize(("remote", "said"), [
    (None, "no git remote 'origin'"),
    ("https://gitlab.com/alice/hacourse-fall.git", "not a GitHub repository"),
])
def test_without_a_github_remote_one_line_says_what_to_do(tmp_path, remote, said):
    root = _fork(tmp_path, remote)
    before = (root / "README.md").read_text()
    result = _links(root, "--readme")
    assert result.returncode == 1
    assert result.stdout == ""
    assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert (root / "README.md").read_text() == before


def test_the_readme_names_no_placeholder_owner():
    assert "OWNER" not in (REPO / "README.md").read_text()
    assert "gh/OWNER" not in (REPO / "docs" / "instructor-guide.md").read_text()
