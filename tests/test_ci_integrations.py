"""The GitHub Action and the GitLab CI template do what they promise when their scripts run as
the runners run them: the reports are written and the job's exit code is the gate's.

The scripts run with bash in a workspace holding an example. Most tests switch the install
inputs off and put the dicomguard under test on PATH; the last ones run the install steps too,
into a fresh virtualenv, from this checkout and from a release tag of a clone, as a runner does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES, PROJECT, need

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _runner_env(bin_dir: Path | None = None) -> dict[str, str]:
    """The test's dicomguard (or the one installed in bin_dir) first on PATH, as an installed
    one would be."""
    first = bin_dir or Path(sys.executable).parent
    return {**os.environ, "NO_COLOR": "1", "PATH": f"{first}{os.pathsep}{os.environ['PATH']}"}


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


def _run_action(workspace: Path, bin_dir: Path | None = None, **given: str) -> int:
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
                              cwd=workspace, env={**_runner_env(bin_dir), **env},
                              capture_output=True, text=True, timeout=600)
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


def _run_gitlab_job(workspace: Path, bin_dir: Path | None = None,
                    **variables: str) -> subprocess.CompletedProcess[str]:
    template = yaml.safe_load(
        (PROJECT / "ci" / "gitlab" / "dicomguard.gitlab-ci.yml").read_text(encoding="utf-8"))
    job = template["dicomguard"]
    unknown = set(variables) - set(job["variables"])
    assert not unknown, f"the template has no variables {unknown}"
    env = {**_runner_env(bin_dir),
           **{name: str(value) for name, value in job["variables"].items()}, **variables}
    script = "\n".join([*job.get("before_script", []), *job["script"]])
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=workspace, env=env, capture_output=True, text=True, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.mark.parametrize(("example", "gate"), [("insecure-pacs", 1), ("secure-pacs", 0)])
def test_the_gitlab_job_writes_both_reports_and_exits_with_the_gate(
        tmp_path: Path, example: str, gate: int) -> None:
    workspace = _workspace(tmp_path, example)
    job_log = _run_gitlab_job(workspace, DICOMGUARD_PATHS="infra")
    assert job_log.returncode == gate
    assert ("DG101" in job_log.stdout) == bool(gate), "the job log shows the findings"
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
                           DICOMGUARD_BASELINE="base line.json").returncode == 0
    assert _run_gitlab_job(workspace, DICOMGUARD_PATHS="infra",
                           DICOMGUARD_ARGS="--strict --rule DG101").returncode == 1


@pytest.fixture(scope="module")
def runner_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv without dicomguard, as a CI runner's Python is: what the install
    steps put there comes from the package index and the source they are given."""
    environment = tmp_path_factory.mktemp("runner") / "venv"
    venv.create(environment, with_pip=True)
    return environment / "bin" / "python"


def test_the_action_installs_dicomguard_from_its_checkout(
        tmp_path: Path, runner_python: Path) -> None:
    workspace = _workspace(tmp_path, "insecure-pacs")
    code = _run_action(workspace, bin_dir=runner_python.parent, install="true",
                       python=str(runner_python), paths="infra")
    assert code == 1
    assert (runner_python.parent / "dicomguard").is_file()
    assert "DG101" in _sarif_rules(workspace / "dicomguard.sarif")


def _release_clone(tmp_path: Path) -> Path:
    """A clone of this repository with the release tag the release step makes."""
    from dicomguard import __version__

    clone = tmp_path / "dicomguard"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(PROJECT), str(clone)],
                   check=True, capture_output=True)
    subprocess.run(["git", "-C", str(clone), "-c", "user.name=release",
                    "-c", "user.email=release@localhost", "tag", "-a", "-f",
                    f"v{__version__}", "-m", f"dicomguard {__version__}"],
                   check=True, capture_output=True)
    return clone


def test_the_gitlab_job_installs_dicomguard_from_a_release_tag(
        tmp_path: Path, runner_python: Path) -> None:
    """The template's DICOMGUARD_SOURCE as the README writes it, with the clone's file:// URL
    standing for https://<host>/<owner>: pip fetches the tag and installs it."""
    from dicomguard import __version__

    need(shutil.which("git") is not None, "git is not installed")
    source = f"git+file://{_release_clone(tmp_path)}@v{__version__}"
    workspace = _workspace(tmp_path, "insecure-pacs")
    job_log = _run_gitlab_job(workspace, bin_dir=runner_python.parent,
                              DICOMGUARD_SOURCE=source, DICOMGUARD_PATHS="infra")
    assert job_log.returncode == 1, job_log.stderr
    assert f"dicomguard {__version__}" in job_log.stdout
    assert (workspace / "gl-dicomguard-junit.xml").is_file()
