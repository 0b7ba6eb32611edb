"""The text report people read in a terminal or a CI log."""

from __future__ import annotations

from dicomguard.model import Facts, ScanError
from dicomguard.report import RenderOptions, render

ESCAPE = "\033["


def test_findings_grouped_by_file_with_line_source_and_fix(pacs_facts, report_for):
    main, facts = pacs_facts
    text = render(report_for(facts), "text", RenderOptions())
    lines = text.splitlines()
    assert lines[0] == str(main)
    assert lines.count(str(main)) == 1
    assert "  CRITICAL  DG101  DICOM or PACS port reachable from the internet" in lines
    assert f"    {main}:1  aws_security_group.pacs" in lines
    assert "    aws_security_group.pacs admits 0.0.0.0/0 to 104 (DICOM)" in lines
    assert '      1 | resource "aws_security_group" "pacs" {' in lines
    assert f"    {main}:11  aws_ebs_volume.images" in lines
    assert any(line.startswith("    fix: Turn on encryption at rest") for line in lines)
    assert ESCAPE not in text


def test_unresolved_findings_are_marked_with_the_reason(pacs_facts, report_for):
    _, facts = pacs_facts
    text = render(report_for(facts), "text", RenderOptions())
    assert "DG101  DICOM or PACS port reachable from the internet  [unresolved]" in text
    assert "unresolved: var.dicom_port has no value" in text


def test_summary_line_counts_and_gives_the_verdict(pacs_facts, report_for):
    _, facts = pacs_facts
    report = report_for(facts)
    last = render(report, "text", RenderOptions()).splitlines()[-1]
    assert last.startswith("dicomguard: 5 findings (2 critical, 2 high, 1 medium; "
                           "3 unresolved) in 1 file (")
    assert last.endswith(": failed (--fail-on low)")
    for finding in report.findings:
        finding.suppressed = finding.confidence == "confirmed"
    last = render(report, "text", RenderOptions(fail_on="critical")).splitlines()[-1]
    assert "3 findings" in last and "2 suppressed" in last
    assert last.endswith(": passed (--fail-on critical)")
    assert "aws_ebs_volume.images" not in render(report, "text", RenderOptions())


def test_a_clean_scan_says_so(report_for):
    text = render(report_for(Facts()), "text", RenderOptions())
    assert text.splitlines()[-1].startswith("dicomguard: no findings in 0 files")
    assert text.rstrip().endswith("passed (--fail-on low)")


def test_errors_are_listed_with_file_line_and_reason(pacs_facts, report_for):
    _, facts = pacs_facts
    report = report_for(facts, errors=[ScanError("broken.tf", 7, "unclosed block")])
    text = render(report, "text", RenderOptions(quiet=True))
    assert "errors (input that could not be read or parsed):\n  broken.tf:7: unclosed block" in text


def test_quiet_prints_only_findings_and_errors(pacs_facts, report_for):
    main, facts = pacs_facts
    facts.notes.append({"origin": {"file": str(main), "line": 1, "end_line": 1, "address": ""},
                        "message": "remote module not followed"})
    report = report_for(facts, errors=[ScanError("broken.tf", None, "not UTF-8")])
    loud = render(report, "text", RenderOptions())
    quiet = render(report, "text", RenderOptions(quiet=True))
    assert "remote module not followed" in loud and "dicomguard: " in loud
    assert "remote module not followed" not in quiet
    assert "dicomguard: " not in quiet
    assert "DG201" in quiet and "broken.tf: not UTF-8" in quiet
    assert render(report_for(Facts()), "text", RenderOptions(quiet=True)) == ""


def test_colour_only_when_asked(pacs_facts, report_for):
    _, facts = pacs_facts
    coloured = render(report_for(facts), "text", RenderOptions(color=True))
    assert f"{ESCAPE}1;31mCRITICAL{ESCAPE}0m" in coloured
    assert f"{ESCAPE}1;31mfailed{ESCAPE}0m" in coloured
