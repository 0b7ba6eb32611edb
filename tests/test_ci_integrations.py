"""The GitHub Action and the GitLab CI template do what they promise when their scripts run as
the runners run them: the reports are written and the job's exit code is the gate's.

The scripts run with bash in a workspace holding an example; dicomguard is the one under test,
already on PATH (the install inputs are switched off, so no network is used).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES, PROJECT

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _runner_env() -> dict[str, str]:
    """The test's dicomguard first on PATH, as an installed one would be."""
    return {**os.environ, "NO_COLOR": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def _workspace(tmp_path: Path, example: str) -> Path:
    workspace = tmp_path / "workspace"
    shutil.copytree(EXAMPLES / "terraform" / example, workspace / "infra")
    return workspace


def _expand(text: str, inputs: dict[str, str]) -> str:
    """A `${{ }}` expression replaced as the Actions runner does for the ones the action uses."""
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression == "github.action_path":
            return str(PROJECT)
        name = expression.removeprefix("inputs.")
        assert name in inputs, f"unsupported expression {expression!r}"
        return inputs[name]

    return EXPRESSION.sub(value, text)


def _run_action(workspace: Path, **given: str) -> int:
    """The composite action's run steps in order, stopping at the first that fails: its exit
    code, or 0."""
    action = yaml.safe_load((PROJECT / "action.yml").read_text(encoding="utf-8"))
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    unknown = set(given) - set(inputs)
    assert not unknown, f"the action has no inputs {unknown}"
    inputs.update(given)
    for step in action["runs"]["steps"]:
        if "run" not in step:
            continue
        assert step["shell"] == "bash"
        env = {name: _expand(str(value), inputs) for name, value in step.get("env", {}).items()}
        script = _expand(step["run"], inputs)
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              cwd=workspace, env={**_runner_env(), **env},
                              capture_output=True, text=True, timeout=300)
        assert "Traceback" not in done.stderr, done.stderr
        if done.returncode != 0:
            return done.returncode
    return 0


def _create_baseline(workspace: Path, name: str) -> None:
    """Today's findings in infra/ recorded, as a team adopting the gate does."""
    created = subprocess.run(["dicomguard", "baseline", "create", "infra", "--output", name],
                             cwd=workspace, env=_runner_env(), capture_output=True, text=True,
                             timeout=300)
    assert created.returncode == 0, created.stderr


def _sarif_rules(path: Path) -> set[str]:
    sarif = json.loads(path.read_text(encoding="utf-8"))
    return {result["ruleId"] for run in sarif["runs"] for result in run["results"]}


def test_the_action_uploads_the_sarif_it_writes() -> None:
    action = yaml.safe_load((PROJECT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    (upload,) = [step for step in action["runs"]["steps"]
                 if step.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert upload["if"].startswith("always()")


def test_the_action_fails_the_job_on_an_insecure_deployment(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, "insecure-pacs")
    code = _run_action(workspace, install="false", paths="infra", **{"sarif-file": "out.sarif"})
    assert code == 1
    assert "DG101" in _sarif_rules(workspace / "out.sarif")


def test_the_action_passes_with_the_gate_raised_and_extra_args(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, "insecure-pacs")
    code = _run_action(workspace, install="false", paths="infra",
                       args="--rule DG101 --exclude network.tf")
    assert code == 0
    assert _sarif_rules(workspace / "dicomguard.sarif") == set()


def test_the_action_fails_only_on_findings_new_to_the_baseline(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, "insecure-pacs")
    _create_baseline(workspace, "baseline.json")
    assert _run_action(workspace, install="false", paths="infra", baseline="baseline.json") == 0
    assert (workspace / "dicomguard.sarif").is_file()


def _run_gitlab_job(workspace: Path, **variables: str) -> int:
    template = yaml.safe_load(
        (PROJECT / "ci" / "gitlab" / "dicomguard.gitlab-ci.yml").read_text(encoding="utf-8"))
    job = template["dicomguard"]
    unknown = set(variables) - set(job["variables"])
    assert not unknown, f"the template has no variables {unknown}"
    env = {**_runner_env(), **{name: str(value) for name, value in job["variables"].items()},
           **variables}
    script = "\n".join([*job.get("before_script", []), *job["script"]])
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=workspace, env=env, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode


@pytest.mark.parametrize(("example", "gate"), [("insecure-pacs", 1), ("secure-pacs", 0)])
def test_the_gitlab_job_writes_both_reports_and_exits_with_the_gate(
        tmp_path: Path, example: str, gate: int) -> None:
    workspace = _workspace(tmp_path, example)
    assert _run_gitlab_job(workspace, DICOMGUARD_PATHS="infra") == gate
    job = yaml.safe_load(
        (PROJECT / "ci" / "gitlab" / "dicomguard.gitlab-ci.yml").read_text())["dicomguard"]
    junit = job["artifacts"]["reports"]["junit"]
    assert (workspace / junit).read_text(encoding="utf-8").startswith("<?xml")
    sarif = next(path for path in job["artifacts"]["paths"] if path.endswith(".sarif"))
    assert bool(_sarif_rules(workspace / sarif)) == bool(gate)


def test_the_gitlab_job_fails_only_on_findings_new_to_the_baseline(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, "insecure-pacs")
    _create_baseline(workspace, "base line.json")
    assert _run_gitlab_job(workspace, DICOMGUARD_PATHS="infra",
                           DICOMGUARD_BASELINE="base line.json") == 0
    assert _run_gitlab_job(workspace, DICOMGUARD_PATHS="infra",
                           DICOMGUARD_ARGS="--strict --rule DG101") == 1
