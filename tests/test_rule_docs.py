"""The rule pages in docs/rules are what `dicomguard policies docs` writes from the policies and
the examples beside them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PROJECT, run_cli

RULE_PAGES = PROJECT / "docs" / "rules"


def test_committed_rule_pages_are_current(tmp_path):
    result = run_cli("policies", "docs", "-o", str(tmp_path / "rules"))
    assert result.returncode == 0, result.stderr
    generated = {path.name: path.read_text() for path in (tmp_path / "rules").iterdir()}
    committed = {path.name: path.read_text() for path in RULE_PAGES.iterdir()}
    assert sorted(committed) == sorted(generated), \
        "docs/rules is out of date: run `dicomguard policies docs`"
    stale = [name for name in generated if committed[name] != generated[name]]
    assert not stale, f"out of date: {', '.join(stale)}; run `dicomguard policies docs`"


def test_every_rule_has_a_page_with_its_metadata(tmp_path):
    run_cli("policies", "docs", "-o", str(tmp_path))
    listing = run_cli("policies", "list").stdout.splitlines()
    for line in listing:
        rule_id, severity, category, title = line.split(None, 3)
        page = (tmp_path / f"{rule_id}.md").read_text()
        assert page.startswith(f"# {rule_id}: {title}\n")
        assert f"| {severity} | {category} |" in page
    assert "HIPAA 45 CFR 164.312(e)(1)" in (tmp_path / "DG101.md").read_text()


def test_unwritable_directory_is_an_error_naming_it(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_cli("policies", "docs", "-o", str(blocker / "rules"))
    assert result.returncode == 2
    assert str(blocker / "rules") in result.stderr
    assert "Traceback" not in result.stderr


def test_every_rule_page_shows_its_examples_per_source(tmp_path: Path) -> None:
    from dicomguard.policies import load_policies
    from dicomguard.rule_examples import examples_of

    assert run_cli("policies", "docs", "-o", str(tmp_path)).returncode == 0
    for rule in load_policies().rules.values():
        page = (tmp_path / f"{rule.id}.md").read_text()
        examples = examples_of(rule)
        assert examples, rule.id
        headings = [page.index(f"\n### {kind.label}\n") for kind in examples.kinds]
        for kind, start, end in zip(examples.kinds, headings, [*headings[1:], len(page)],
                                    strict=True):
            section = page[start:end]
            assert section.count("**Reported**") == len(kind.bad), (rule.id, kind.kind)
            assert section.count("**Not reported**") == len(kind.good), (rule.id, kind.kind)
            for example in [*kind.bad, *kind.good]:
                for content in example.files.values():
                    assert content.rstrip() in section
    dg101 = (tmp_path / "DG101.md").read_text()
    assert '```hcl\nresource "aws_security_group" "pacs" {' in dg101
    assert "**Reported** (file main.tf; line 4; ports 104; severity critical)" in dg101


ACME_RULE = """\
# METADATA
# title: Orthanc on its default HTTP port
# custom:
#   id: ACME7
#   severity: low
#   category: unencrypted-transport
package dicomguard.rules.acme_default_port

deny contains {"message": "x", "confidence": "confirmed"} if false
"""


def test_a_user_rule_page_shows_the_examples_beside_it(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "acme_default_port.rego").write_text(ACME_RULE)
    (policies / "acme_default_port.examples.yaml").write_text(
        "ACME7:\n  compose:\n    good:\n      - note: Orthanc on 8443.\n        files:\n"
        "          compose.yaml: \"services: {}\\n\"\n")
    result = run_cli("policies", "docs", "-p", str(policies), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "ACME7.md").read_text()
    assert "### Docker Compose\n\n**Not reported**: Orthanc on 8443.\n\n`compose.yaml`" in page


def test_examples_of_an_unknown_source_kind_are_an_error_naming_file_and_line(
        tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "acme_default_port.rego").write_text(ACME_RULE)
    examples = policies / "acme_default_port.examples.yaml"
    examples.write_text("ACME7:\n  compose:\n    good:\n      - files: {compose.yaml: x}\n"
                        "  helm:\n    bad:\n      - files: {values.yaml: x}\n")
    result = run_cli("policies", "docs", "-p", str(policies), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert f"{examples}:5: " in result.stderr
    assert "'helm'" in result.stderr
    assert "Traceback" not in result.stderr


def test_examples_naming_another_rule_are_an_error(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "acme_default_port.rego").write_text(ACME_RULE)
    examples = policies / "acme_default_port.examples.yaml"
    examples.write_text("DG101:\n  compose:\n    good:\n      - files: {compose.yaml: x}\n")
    result = run_cli("policies", "docs", "-p", str(policies), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert f"{examples}:1: names rule 'DG101', but the policy beside it is ACME7" in result.stderr
