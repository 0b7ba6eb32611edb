"""The rule pages in docs/rules are what `dicomguard policies docs` writes from the policies."""

from __future__ import annotations

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
