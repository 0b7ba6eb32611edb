"""Adopting the gate in an existing repository: a baseline of today's findings, so that only
new findings fail, with an identity that survives unrelated edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

RULES = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:PACS - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m multiport --dports 104,4242 -j PACS
-A INPUT -p tcp -m tcp --dport 2575 ! -s 10.0.0.0/8 -j ACCEPT
-A PACS -s 10.20.0.0/16 -j ACCEPT
-A PACS -p tcp -m tcp --dport 104 -j ACCEPT
-A PACS -j DROP
COMMIT
"""
NEW_EXPOSURE = "-A PACS -p tcp -m tcp --dport 4242 -j ACCEPT\n"
VOLUME = 'resource "aws_ebs_volume" "images" {\n  size      = 500\n  encrypted = false\n}\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with two findings in a firewall and one in Terraform."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "hosts").mkdir()
    (tmp_path / "hosts" / "rules.v4").write_text(RULES, encoding="utf-8")
    (tmp_path / "terraform").mkdir()
    (tmp_path / "terraform" / "storage.tf").write_text(VOLUME, encoding="utf-8")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _json(result) -> dict:
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def _create(cli, repo: Path, *args: str):
    result = cli("baseline", "create", *args, cwd=repo)
    assert result.returncode == 0, result.stderr
    return result


def test_a_baseline_lets_todays_findings_pass_and_reports_them_as_baselined(cli, repo):
    assert cli("scan", cwd=repo).returncode == 1
    created = _create(cli, repo)
    assert "wrote .dicomguard-baseline.json (3 findings)" in created.stdout
    result = cli("scan", "--baseline", ".dicomguard-baseline.json", "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stdout
    report = _json(result)
    assert [finding["baseline"] for finding in report["findings"]] == ["unchanged"] * 3
    assert report["baseline"]["unchanged"] == 3
    assert report["baseline"]["fixed"] == []
    text = cli("scan", "--baseline", ".dicomguard-baseline.json", cwd=repo).stdout
    assert "DG101" not in text
    assert "3 in the baseline" in text and text.rstrip().endswith("passed (--fail-on low)")


def test_the_baseline_file_is_sorted_versioned_and_the_same_when_recreated(cli, repo):
    _create(cli, repo)
    first = (repo / ".dicomguard-baseline.json").read_text()
    document = json.loads(first)
    assert document["version"] == 1
    entries = document["findings"]
    assert entries == sorted(entries, key=lambda e: (e["file"], e["rule_id"], e["resource"],
                                                     e["detail"]))
    assert {entry["file"] for entry in entries} == {"hosts/rules.v4", "terraform/storage.tf"}
    assert all("line" not in entry for entry in entries)
    _create(cli, repo)
    assert (repo / ".dicomguard-baseline.json").read_text() == first


def test_only_a_new_finding_fails_and_sarif_says_which_is_new(cli, repo):
    _create(cli, repo)
    _edit(repo / "hosts" / "rules.v4", "-A PACS -j DROP\n", NEW_EXPOSURE + "-A PACS -j DROP\n")
    result = cli("scan", "--baseline", ".dicomguard-baseline.json", "--format", "json", cwd=repo)
    assert result.returncode == 1
    new = [f for f in _json(result)["findings"] if f["baseline"] == "new"]
    assert [(f["rule_id"], f["ports"]) for f in new] == [("DG101", [4242])]
    text = cli("scan", "--baseline", ".dicomguard-baseline.json", cwd=repo).stdout
    assert "4242" in text and "to 104" not in text
    sarif = _json(cli("scan", "--baseline", ".dicomguard-baseline.json", "--format", "sarif",
                      cwd=repo))
    states = sorted(r["baselineState"] for r in sarif["runs"][0]["results"])
    assert states == ["new", "unchanged", "unchanged", "unchanged"]


def test_identity_survives_a_rule_inserted_above_and_code_moved_down(cli, repo):
    _create(cli, repo)
    before = _json(cli("scan", "--format", "sarif", cwd=repo))["runs"][0]["results"]
    _edit(repo / "hosts" / "rules.v4", "-A INPUT -i lo -j ACCEPT\n",
          "-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n")
    _edit(repo / "terraform" / "storage.tf", "resource", "# images\n\nresource")
    after = _json(cli("scan", "--format", "sarif", cwd=repo))["runs"][0]["results"]
    assert "INPUT rule 3" in before[0]["message"]["text"] + before[1]["message"]["text"]
    assert "INPUT rule 4" in after[0]["message"]["text"] + after[1]["message"]["text"]
    assert {json.dumps(r["partialFingerprints"]) for r in after} == \
        {json.dumps(r["partialFingerprints"]) for r in before}
    result = cli("scan", "--baseline", ".dicomguard-baseline.json", cwd=repo)
    assert result.returncode == 0, result.stdout


def test_the_same_findings_match_from_another_directory_and_another_scan_path(cli, repo):
    _create(cli, repo)
    result = cli("scan", str(repo / "hosts"), "--baseline",
                 str(repo / ".dicomguard-baseline.json"), "--format", "json", cwd=repo.parent)
    assert result.returncode == 0, result.stdout
    assert {f["baseline"] for f in _json(result)["findings"]} == {"unchanged"}


def test_fixed_entries_are_reported_and_update_prunes_them(cli, repo):
    _create(cli, repo)
    _edit(repo / "terraform" / "storage.tf", "encrypted = false", "encrypted = true")
    result = cli("scan", "--baseline", ".dicomguard-baseline.json", "--format", "json", cwd=repo)
    assert result.returncode == 0
    fixed = _json(result)["baseline"]["fixed"]
    assert [(e["rule_id"], e["file"], e["resource"]) for e in fixed] == \
        [("DG201", "terraform/storage.tf", "aws_ebs_volume.images")]
    text = cli("scan", "--baseline", ".dicomguard-baseline.json", cwd=repo).stdout
    assert "fixed since the baseline" in text and "aws_ebs_volume.images" in text
    updated = cli("baseline", "update", cwd=repo)
    assert updated.returncode == 0, updated.stderr
    entries = json.loads((repo / ".dicomguard-baseline.json").read_text())["findings"]
    assert {entry["rule_id"] for entry in entries} == {"DG101"} and len(entries) == 2


def test_update_keeps_new_findings_out_unless_asked(cli, repo):
    _create(cli, repo)
    _edit(repo / "hosts" / "rules.v4", "-A PACS -j DROP\n", NEW_EXPOSURE + "-A PACS -j DROP\n")
    assert cli("baseline", "update", cwd=repo).returncode == 0
    assert cli("scan", "--baseline", ".dicomguard-baseline.json", cwd=repo).returncode == 1
    assert cli("baseline", "update", "--add-new", cwd=repo).returncode == 0
    assert cli("scan", "--baseline", ".dicomguard-baseline.json", cwd=repo).returncode == 0
    entries = json.loads((repo / ".dicomguard-baseline.json").read_text())["findings"]
    assert len(entries) == 4


def test_scanning_some_files_calls_no_other_entry_fixed(cli, repo):
    """A pre-commit hook passes the changed files only."""
    _create(cli, repo)
    result = cli("scan", "terraform/storage.tf", "--baseline", ".dicomguard-baseline.json",
                 "--format", "json", cwd=repo)
    assert result.returncode == 0
    assert _json(result)["baseline"]["fixed"] == []
    assert cli("baseline", "update", "terraform", cwd=repo).returncode == 0
    entries = json.loads((repo / ".dicomguard-baseline.json").read_text())["findings"]
    assert len(entries) == 3


@pytest.mark.parametrize(("content", "expected"), [
    ("{", "baseline.json:1: the baseline is not valid JSON"),
    ("[]", "baseline.json: not a dicomguard baseline"),
    ('{"version": 7, "findings": []}', "baseline.json: not a dicomguard baseline"),
    ('{"version": 1, "findings": {}}', 'baseline.json: "findings" must be a list'),
    ('{"version": 1, "findings": [{"file": 3}]}', "baseline.json: findings[0]: expected"),
])
def test_a_malformed_baseline_exits_2_naming_it(cli, repo, content, expected):
    (repo / "baseline.json").write_text(content, encoding="utf-8")
    for command in (("scan", "--baseline", "baseline.json"),
                    ("baseline", "update", "-o", "baseline.json")):
        result = cli(*command, cwd=repo)
        assert result.returncode == 2
        assert expected in result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert (repo / "baseline.json").read_text() == content


def test_a_missing_baseline_exits_2_naming_it(cli, repo):
    result = cli("scan", "--baseline", "missing.json", cwd=repo)
    assert result.returncode == 2
    assert "missing.json: cannot read the baseline" in result.stderr


def test_no_baseline_is_written_while_input_cannot_be_read(cli, repo):
    (repo / "terraform" / "broken.tf").write_text('resource "x" {\n', encoding="utf-8")
    result = cli("baseline", "create", cwd=repo)
    assert result.returncode == 2
    assert "broken.tf" in result.stderr
    assert not (repo / ".dicomguard-baseline.json").exists()


def test_an_unwritable_baseline_path_exits_2_naming_it(cli, repo):
    target = repo / "missing-directory" / "baseline.json"
    result = cli("baseline", "create", "-o", str(target), cwd=repo)
    assert result.returncode == 2
    assert f"{target}: cannot write the baseline" in result.stderr
    assert "internal error" not in result.stderr
