"""The course's Binder badge and links, from this repository's own GitHub remote.

    bash scripts/links.sh              # print the badge and every Binder link (lessons, app, scenarios)
    bash scripts/links.sh --readme     # and write the badge and the app's link into README.md
    bash scripts/links.sh --ref fall   # links to a branch or tag instead of the default branch (HEAD)

mybinder.org builds a GitHub repository named in its URL (`/v2/gh/OWNER/REPO/REF`), so every
link is read off `git remote get-url origin` (https or ssh form): a fork gets its own links,
and nobody edits an owner's name by hand. Standard library only: it runs before any install.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
LESSON_1 = "notebooks/01-storage-network-down-non-spm.ipynb"
OPEN_SCENARIO = "notebooks/open-scenario.ipynb"
BEGIN, END = "<!-- binder links: bash scripts/links.sh --readme -->", "<!-- end binder links -->"

_GITHUB = re.compile(
    r"""^(?:
        (?:https?|git|ssh)://(?:[^@/]+@)?(?:www\.|ssh\.)?github\.com(?::\d+)?/   # https://, ssh://git@, git://
        | (?:[^@/]+@)?github\.com:                                                # git@github.com:
    )(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)/(?P<repo>[A-Za-z0-9._-]+?)(?:\.git)?/?$""",
    re.VERBOSE,
)


class NoLinks(Exception):
    """Why there are no links (no GitHub remote, no block in the README): the one line to print."""


def github_repository(url: str) -> tuple[str, str] | None:
    """(owner, repository) of a GitHub remote URL, https or ssh; None for any other URL."""
    match = _GITHUB.match(url.strip())
    return (match["owner"], match["repo"]) if match else None


def origin_url(root: Path = ROOT) -> str:
    """`git remote get-url origin` in `root`; NoLinks when there is none."""
    try:
        result = subprocess.run(["git", "-C", str(root), "remote", "get-url", "origin"],
                                capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise NoLinks("git is not installed: the links are read off `git remote get-url origin`") from None
    if result.returncode != 0:
        raise NoLinks(f"no git remote 'origin' in {root}: put the repository on GitHub "
                             "(git remote add origin https://github.com/YOU/hacourse.git), then run this again")
    return result.stdout.strip()


def remote_repository(root: Path = ROOT) -> tuple[str, str]:
    """(owner, repository) of `root`'s origin; NoLinks when it is not on GitHub."""
    url = origin_url(root)
    found = github_repository(url)
    if found is None:
        raise NoLinks(f"origin is {url}, not a GitHub repository: mybinder.org's links name a GitHub "
                             "repository (gh/OWNER/REPO); push a copy to GitHub and set origin to it")
    return found


def binder_url(owner: str, repo: str, urlpath: str, ref: str = "HEAD") -> str:
    """The mybinder.org link that builds `owner/repo` at `ref` and opens `urlpath` (its `?` and `=` encoded)."""
    return f"https://mybinder.org/v2/gh/{owner}/{repo}/{quote(ref, safe='')}?urlpath={quote(urlpath, safe='/')}"


def lab(notebook: str) -> str:
    return f"lab/tree/{notebook}"


def app(notebook: str, scenario: str | None = None) -> str:
    return f"voila/render/{notebook}" + (f"?scenario={scenario}" if scenario else "")


def scenario_names(root: Path = ROOT) -> list[str]:
    """What `open-scenario.ipynb?scenario=` takes for each scenario of the repository: a shipped
    scenario's name, any other file (a fork's own, in `scenarios/`) by its path from `notebooks/`."""
    shipped = {p.stem for p in (root / "hacourse" / "scenarios").glob("*.yaml")}
    return [p.stem if p.stem in shipped else f"../scenarios/{p.name}"
            for p in sorted((root / "scenarios").glob("*.y*ml"))]


def site_url(owner: str, repo: str, path: str = "") -> str:
    """The course site on the repository's GitHub Pages (.github/workflows/pages.yml publishes it)."""
    return f"https://{owner.lower()}.github.io/{repo}/{path}"


def site_lesson(owner: str, repo: str, notebook: str, query: str = "") -> str:
    """A notebook of the course site, opened in its JupyterLab (the kernel runs in the browser)."""
    return site_url(owner, repo, f"lab/index.html?path={notebook}" + (f"&{query}" if query else ""))


def badge(owner: str, repo: str, ref: str = "HEAD") -> str:
    return f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(owner, repo, lab(LESSON_1), ref)})"


def readme_block(owner: str, repo: str, ref: str = "HEAD") -> str:
    """The README's lines between BEGIN and END: the badge and the app's link."""
    return (f"{BEGIN}\n**Open the course in your browser** (nothing to install; Python runs in the page): "
            f"<{site_lesson(owner, repo, LESSON_1)}>\n\n{badge(owner, repo, ref)}\n"
            f"(the badge opens lesson 1 in JupyterLab on mybinder.org, built from {owner}/{repo}; the same "
            f"lesson as an app: <{binder_url(owner, repo, app(LESSON_1), ref)}>)\n{END}")


def with_block(readme: str, block: str) -> str:
    """`readme` with its binder-links block replaced by `block`."""
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(readme):
        raise NoLinks(f"README.md has no {BEGIN} ... {END} block to write the links into")
    return pattern.sub(lambda _: block, readme, count=1)


def listing(owner: str, repo: str, ref: str = "HEAD", root: Path = ROOT) -> str:
    """Every Binder link of the course, one per line, grouped."""
    lines = [f"Binder links of github.com/{owner}/{repo} at {ref} (from git remote get-url origin)", "",
             "README badge (Markdown):", f"  {badge(owner, repo, ref)}", "", "Lessons in JupyterLab:"]
    notebooks = sorted(p.relative_to(root).as_posix() for p in (root / "notebooks").glob("*.ipynb"))
    lines += [f"  {nb}: {binder_url(owner, repo, lab(nb), ref)}" for nb in notebooks]
    lines += ["", "Lesson 1 as an app (Voila):", f"  {binder_url(owner, repo, app(LESSON_1), ref)}", "",
              "Each scenario in the lesson panel (Voila, open-scenario.ipynb?scenario=...):"]
    lines += [f"  {name}: {binder_url(owner, repo, app(OPEN_SCENARIO, name), ref)}" for name in scenario_names(root)]
    lines += ["", "The course site (GitHub Pages: .github/workflows/pages.yml; the kernel runs in the browser):"]
    lines += [f"  {nb}: {site_lesson(owner, repo, nb)}" for nb in notebooks]
    lines += ["", "Each scenario on the site (open-scenario.ipynb; `hacourse link FILE` for your own file):"]
    lines += [f"  {name}: {site_lesson(owner, repo, OPEN_SCENARIO, f'scenario={name}')}"
              for name in scenario_names(root)]
    return "\n".join(lines)


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="scripts/links.sh", description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help="write the badge and the app's link into README.md")
    parser.add_argument("--ref", default="HEAD", help="branch, tag or commit to build (default: HEAD, the default branch)")
    args = parser.parse_args(argv)
    try:
        owner, repo = remote_repository(root)
        if args.readme:
            readme = root / "README.md"
            readme.write_text(with_block(readme.read_text(encoding="utf-8"), readme_block(owner, repo, args.ref)),
                              encoding="utf-8")
    except NoLinks as problem:
        print(f"scripts/links.sh: {problem}", file=sys.stderr)
        return 1
    print(listing(owner, repo, args.ref, root))
    if args.readme:
        print(f"\nREADME.md: badge and app link written for {owner}/{repo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
