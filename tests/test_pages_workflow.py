"""The workflow that publishes the course site (.github/workflows/pages.yml) builds it with the
README's command and publishes what that command writes."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def test_the_pages_workflow_builds_the_site_with_the_readmes_command_and_publishes_it():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pages.yml").read_text())
    build = workflow["jobs"]["build"]["steps"]
    assert any(step.get("run") == "bash scripts/build_site.sh" for step in build)
    upload = next(step for step in build if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "build/site"  # where build_site.sh writes by default
    assert "bash scripts/build_site.sh" in (REPO / "README.md").read_text()
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["steps"][0]["uses"].startswith("actions/deploy-pages")
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
