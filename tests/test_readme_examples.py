"""Every example the README shows runs as shown: commands exit as the text says, sample output
is what dicomguard prints, and snippets for the hook, the action and the GitLab template name
only what those files define. (tests/test_readme.py covers the configuration, baseline and
policy examples; tests/test_ci_integrations.py runs the CI files themselves.)"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml

from tests.conftest import EXAMPLES, PROJECT, run_cli, scan_json

README = (PROJECT / "README.md").read_text(encoding="utf-8")
INSECURE = "examples/terraform/insecure-pacs"


def _block(language: str, starting: str) -> str:
    """The README's fenced block of that language whose text starts with `starting`."""
    found = re.search(rf"```{language}\n({re.escape(starting)}.*?)```", README, re.S)
    assert found, f"the README shows a {language} block starting {starting!r}"
    return found.group(1)


def _commands(block: str) -> list[list[str]]:
    return [line.split("#")[0].split() for line in block.splitlines() if line.split("#")[0].strip()]


def test_the_sample_output_is_what_the_scan_prints() -> None:
    sample = _block("text", f"{INSECURE}/network.tf")
    printed = run_cli("scan", INSECURE, env={"COLUMNS": "100"}).stdout
    *excerpts, summary = [part.strip("\n") for part in sample.split("...\n")]
    for excerpt in excerpts:
        assert excerpt in printed, excerpt
    timed = re.escape(summary.strip()).replace(r"0\.09\ s", r"\d+\.\d\d\ s")
    assert re.search(timed, printed), (summary, printed[-200:])


def test_the_rule_table_is_what_policies_list_prints() -> None:
    shown = _block("text", "$ dicomguard policies list")
    printed = run_cli("policies", "list")
    assert printed.returncode == 0
    assert printed.stdout.strip() == shown.split("\n", 1)[1].strip()


def test_policies_show_prints_the_fix_and_references() -> None:
    assert "`dicomguard policies show DG101`" in README
    shown = run_cli("policies", "show", "DG101")
    assert shown.returncode == 0
    assert "HIPAA" in shown.stdout and "fix" in shown.stdout.lower()


def test_the_gradual_start_switches_exit_as_described() -> None:
    block = _block("sh", "dicomguard scan --rule")
    expected = {"--rule": 1, "--skip-rule": 1, "--soft-fail": 0}
    for argv in _commands(block):
        switch = argv[2]
        result = run_cli(*argv[1:], INSECURE)
        assert result.returncode == expected[switch], (argv, result.stderr)
        assert "Traceback" not in result.stderr
    only = run_cli("scan", "--format", "json", "--rule", "DG101", "--rule", "dg201", INSECURE)
    assert {finding["rule_id"] for finding in json.loads(only.stdout)["findings"]} == {
        "DG101", "DG201"}


def test_the_several_reports_line_writes_sarif_and_annotates(tmp_path: Path) -> None:
    line = _block("yaml", "- run: dicomguard scan").strip().removeprefix("- run: ")
    shutil.copytree(EXAMPLES / "terraform" / "insecure-pacs", tmp_path / "infra")
    result = run_cli(*line.split()[1:], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    sarif = json.loads((tmp_path / "dicomguard.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"]
    assert re.search(r"^::error file=infra/network\.tf,line=\d+", result.stdout, re.M)


def test_the_suppression_comment_suppresses_the_finding_below_it(tmp_path: Path) -> None:
    comment = _block("hcl", "# dicomguard:ignore").splitlines()[0]
    network = (EXAMPLES / "terraform" / "insecure-pacs" / "network.tf").read_text()
    shutil.copytree(EXAMPLES / "terraform" / "insecure-pacs", tmp_path / "infra")
    _, before = scan_json(str(tmp_path / "infra"))
    exposed = next(finding for finding in before["findings"]
                   if finding["rule_id"] == "DG101" and finding["file"].endswith("network.tf"))
    lines = network.splitlines()
    block_start = max(number for number in range(exposed["line"])
                      if lines[number - 1].startswith("resource "))
    lines.insert(block_start - 1, comment)
    (tmp_path / "infra" / "network.tf").write_text("\n".join(lines) + "\n")
    _, after = scan_json(str(tmp_path / "infra"))
    suppressed = [finding for finding in after["findings"] if finding.get("suppressed")]
    assert [finding["rule_id"] for finding in suppressed] == ["DG101"]
    assert "VPN concentrator" in json.dumps(suppressed[0])


def test_the_pre_commit_example_names_the_hook_this_repository_defines() -> None:
    example = yaml.safe_load(_block("yaml", "# .pre-commit-config.yaml"))
    hooks = {hook["id"] for hook in yaml.safe_load(
        (PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    (repo,) = example["repos"]
    assert {hook["id"] for hook in repo["hooks"]} <= hooks


def test_the_action_example_uses_only_inputs_the_action_has() -> None:
    (step,) = [step for step in yaml.safe_load(_block("yaml", "- uses: actions/setup-python"))
               if "dicomguard@" in step.get("uses", "")]
    action = yaml.safe_load((PROJECT / "action.yml").read_text(encoding="utf-8"))
    assert set(step["with"]) <= set(action["inputs"])
    other_inputs = README.split("Other inputs:", 1)[1].split("Without the action", 1)[0]
    named_in_text = re.findall(r"`([a-z-]+)(?::[^`]*)?`", other_inputs)
    assert set(named_in_text) - {"PATH"} <= set(action["inputs"])


def test_the_gitlab_example_sets_only_variables_the_template_has() -> None:
    example = yaml.safe_load(_block("yaml", "include:\n  - remote:"))
    template = yaml.safe_load(
        (PROJECT / "ci" / "gitlab" / "dicomguard.gitlab-ci.yml").read_text(encoding="utf-8"))
    variables = set(template["dicomguard"]["variables"])
    assert set(example["variables"]) <= variables
    assert {"DICOMGUARD_BASELINE", "DICOMGUARD_ARGS"} <= variables
    assert example["include"][0]["remote"].endswith("/ci/gitlab/dicomguard.gitlab-ci.yml")
