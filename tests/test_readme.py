"""What the README tells users to type works as it says."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import EXAMPLES, PROJECT, scan_json

README = (PROJECT / "README.md").read_text(encoding="utf-8")


def test_the_policy_example_runs_as_a_user_policy(tmp_path: Path) -> None:
    rego = re.search(r"```rego\n(.*?)```", README, re.S)
    assert rego, "the README shows a policy"
    (tmp_path / "acme.rego").write_text(rego.group(1), encoding="utf-8")
    code, report = scan_json(str(EXAMPLES / "compose" / "insecure"), "--policy", str(tmp_path))
    assert code == 1
    assert any(finding["rule_id"] == "ACME001" for finding in report["findings"])


def test_the_install_command_scans_the_insecure_example_and_fails() -> None:
    assert "dicomguard scan examples/terraform/insecure-pacs" in README
    code, report = scan_json(str(EXAMPLES / "terraform" / "insecure-pacs"))
    assert code == 1
    categories = {finding["category"] for finding in report["findings"]}
    assert {"exposed-dicom-port", "unencrypted-storage", "missing-authentication"} <= categories


def test_the_configuration_example_is_valid(tmp_path: Path) -> None:
    config = re.search(r"```yaml\n(fail_on:.*?)```", README, re.S)
    assert config, "the README shows a configuration"
    (tmp_path / ".dicomguard.yaml").write_text(
        config.group(1).replace("policy_dirs: [policies/]", "policy_dirs: []"), encoding="utf-8")
    code, report = scan_json(str(tmp_path))
    assert code == 0, report


def test_the_baseline_commands_let_an_existing_repository_pass(cli, tmp_path: Path) -> None:
    commands = re.search(r"```sh\n(dicomguard baseline create.*?)```", README, re.S)
    assert commands, "the README shows how to adopt the gate with a baseline"
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "terraform" / "insecure-pacs", repo)
    (repo / ".git").mkdir()
    for line in commands.group(1).splitlines():
        argv = line.split("#")[0].split()
        result = cli(*argv[1:], cwd=repo)
        assert result.returncode == 0, (line, result.stdout, result.stderr)
    assert (repo / ".dicomguard-baseline.json").is_file()


def test_no_snippet_installs_dicomguard_from_a_package_index() -> None:
    """dicomguard is not on PyPI: `pip install dicomguard` would fetch nothing, or a stranger's
    package of that name."""
    documents = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md")),
                 PROJECT / "action.yml", *sorted((PROJECT / "ci").rglob("*.yml"))]
    for document in documents:
        text = document.read_text(encoding="utf-8")
        assert not re.search(r"pip install (-\S+ )*['\"]?dicomguard\b(?!-)", text), document


def test_the_pre_commit_example_names_the_current_release_tag() -> None:
    from dicomguard import __version__

    hook = re.search(r"```yaml\n# \.pre-commit-config\.yaml\n(.*?)```", README, re.S)
    assert hook, "the README shows the pre-commit hook"
    assert re.search(rf"\brev: v{re.escape(__version__)}\b", hook.group(1)), (
        "the release step (docs/releasing.md) tags vX.Y.Z; the example must name that tag")
