"""GitHub Actions workflow commands, which become pull-request annotations."""

from __future__ import annotations

from dicomguard.model import Facts, ScanError
from dicomguard.report import RenderOptions, render
from dicomguard.report.github_format import command


def test_findings_become_annotations_at_their_lines(pacs_facts, report_for):
    main, facts = pacs_facts
    lines = render(report_for(facts), "github", RenderOptions()).splitlines()
    assert lines[0].startswith(
        f"::error file={main},line=1,endLine=9,"
        "title=DG101 DICOM or PACS port reachable from the internet::"
        "aws_security_group.pacs admits 0.0.0.0/0 to 104 (DICOM)%0AFix: Limit the source")
    unresolved = [line for line in lines if "(unresolved)" in line]
    assert len(unresolved) == 3
    assert all(line.startswith("::warning ") for line in unresolved)
    strict = render(report_for(facts), "github", RenderOptions(strict=True))
    assert strict.count("::error ") == 5


def test_suppressed_findings_make_no_annotation(pacs_facts, report_for):
    _, facts = pacs_facts
    report = report_for(facts)
    for finding in report.findings:
        finding.suppressed = True
    assert render(report, "github", RenderOptions()) == ""


def test_errors_are_annotated_and_values_escaped(report_for):
    report = report_for(Facts(), errors=[ScanError("a,b:c.tf", 4, "100% broken\nline two")])
    [line] = render(report, "github", RenderOptions()).splitlines()
    assert line == ("::error file=a%2Cb%3Ac.tf,line=4,title=dicomguard%3A input could not be "
                    "read::100%25 broken%0Aline two")


def test_command_escapes_properties_and_data():
    assert command("warning", "a\r\nb %", title="x: y, z") == \
        "::warning title=x%3A y%2C z::a%0D%0Ab %25"
    assert command("error", "no location") == "::error::no location"
