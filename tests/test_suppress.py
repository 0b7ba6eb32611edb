"""Inline suppressions, through the real policies and findings."""

from __future__ import annotations

import json
from datetime import date

from dicomguard.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, exit_code
from dicomguard.facts import storage
from dicomguard.findings import Finding
from dicomguard.model import Facts, Origin
from dicomguard.suppress import Suppression, apply_suppressions, parse_comment


def _volume_report(tmp_path, report_for, text: str, line: int):
    """An unencrypted volume whose block starts at `line` of main.tf holding `text`."""
    main = tmp_path / "main.tf"
    main.write_text(text, encoding="utf-8")
    facts = Facts(storage=[storage(Origin(str(main), line, line + 3, "aws_ebs_volume.images"),
                                   platform="aws", kind="block", encrypted=False)])
    return report_for(facts)


VOLUME = 'resource "aws_ebs_volume" "images" {\n  encrypted = false\n}\n'


def test_comment_above_the_block_suppresses_with_its_reason(tmp_path, report_for):
    text = '# dicomguard:ignore DG201 reason="scratch volume, no patient data"\n' + VOLUME
    report = _volume_report(tmp_path, report_for, text, line=2)
    [finding] = report.findings
    assert finding.suppressed
    assert finding.suppression_reason == "scratch volume, no patient data"
    assert report.errors == []
    assert exit_code(report, "low", strict=True) == EXIT_CLEAN


def test_slash_comments_and_the_findings_own_line_suppress(tmp_path, report_for):
    above = '// dicomguard:ignore DG201 reason="test fixture"\n' + VOLUME
    assert _volume_report(tmp_path, report_for, above, line=2).findings[0].suppressed
    trailing = VOLUME.replace("{\n", '{ # dicomguard:ignore DG201 reason="test fixture"\n', 1)
    assert _volume_report(tmp_path, report_for, trailing, line=1).findings[0].suppressed


def test_stacked_comments_above_the_block_each_count(tmp_path, report_for):
    text = ('# dicomguard:ignore DG101 reason="not this one"\n'
            "# the volume below holds only rendered thumbnails\n"
            '# dicomguard:ignore DG999, DG201 reason="thumbnails only" until=2999-01-01\n'
            + VOLUME)
    [finding] = _volume_report(tmp_path, report_for, text, line=4).findings
    assert finding.suppressed
    assert finding.suppression_reason == "thumbnails only"


def test_other_rule_ids_and_distant_comments_do_not_suppress(tmp_path, report_for):
    other_rule = '# dicomguard:ignore DG101 reason="wrong rule"\n' + VOLUME
    report = _volume_report(tmp_path, report_for, other_rule, line=2)
    assert not report.findings[0].suppressed
    assert exit_code(report, "low", strict=False) == EXIT_FINDINGS
    separated = '# dicomguard:ignore DG201 reason="too far away"\n\n' + VOLUME
    assert not _volume_report(tmp_path, report_for, separated, line=3).findings[0].suppressed


def test_a_suppression_without_reason_is_an_error_and_suppresses_nothing(tmp_path, report_for):
    text = "# dicomguard:ignore DG201\n" + VOLUME
    report = _volume_report(tmp_path, report_for, text, line=2)
    assert not report.findings[0].suppressed
    [error] = report.errors
    assert error.file == str(tmp_path / "main.tf")
    assert error.line == 1
    assert "reason" in error.message
    assert exit_code(report, "low", strict=False) == EXIT_ERROR


def test_an_empty_reason_is_no_reason(tmp_path, report_for):
    text = '# dicomguard:ignore DG201 reason=""\n' + VOLUME
    report = _volume_report(tmp_path, report_for, text, line=2)
    assert not report.findings[0].suppressed
    assert len(report.errors) == 1


def test_an_expired_suppression_stops_suppressing_and_says_so(tmp_path, report_for):
    text = '# dicomguard:ignore DG201 reason="migration" until=2020-01-31\n' + VOLUME
    report = _volume_report(tmp_path, report_for, text, line=2)
    assert not report.findings[0].suppressed
    assert report.errors == []
    [note] = report.notes
    assert "expired on 2020-01-31" in note["message"]
    assert note["origin"]["line"] == 1
    assert exit_code(report, "low", strict=False) == EXIT_FINDINGS


def test_until_is_inclusive(tmp_path):
    main = tmp_path / "main.tf"
    main.write_text('# dicomguard:ignore DG201 reason="migration" until=2026-03-01\n' + VOLUME)

    def finding() -> Finding:
        return Finding("DG201", "Images stored unencrypted", "unencrypted-storage", "high",
                       "confirmed", str(main), 2, 4, "aws_ebs_volume.images",
                       "aws_ebs_volume.images is not encrypted", "Turn on encryption.")

    on_the_day, day_after = finding(), finding()
    apply_suppressions([on_the_day], today=date(2026, 3, 1))
    outcome = apply_suppressions([day_after], today=date(2026, 3, 2))
    assert on_the_day.suppressed
    assert not day_after.suppressed
    assert len(outcome.notes) == 1


def test_an_unreadable_date_is_an_error(tmp_path, report_for):
    text = '# dicomguard:ignore DG201 reason="migration" until=next-week\n' + VOLUME
    report = _volume_report(tmp_path, report_for, text, line=2)
    assert not report.findings[0].suppressed
    [error] = report.errors
    assert "next-week" in error.message


def test_parse_comment_reads_ids_reason_and_date():
    parsed = parse_comment("  // dicomguard:ignore DG101,dg102 until=2027-06-30 "
                           "reason='VPN only, until=never'", "f.json", 7)
    assert parsed == Suppression(frozenset({"dg101", "dg102"}), "VPN only, until=never",
                                 date(2027, 6, 30), "f.json", 7)
    assert parsed.covers("DG102")
    assert parse_comment('name = "pacs"', "f.tf", 1) is None
    xml = parse_comment('<!-- dicomguard:ignore DG101 reason="lab" until=2027-01-01-->', "z.xml", 2)
    assert xml == Suppression(frozenset({"dg101"}), "lab", date(2027, 1, 1), "z.xml", 2)
    block = parse_comment('/* dicomguard:ignore DG301 reason="demo" */', "orthanc.json", 4)
    assert block == Suppression(frozenset({"dg301"}), "demo", None, "orthanc.json", 4)
    missing_id = parse_comment('# dicomguard:ignore reason="x"', "f.tf", 3)
    assert missing_id is not None and "rule id" in str(missing_id)


def test_a_malformed_suppression_anywhere_in_a_scanned_file_is_an_error(tmp_path):
    clean = tmp_path / "network.tf"
    clean.write_text('resource "aws_vpc" "main" {\n  // dicomguard:ignore DG101 until=2027-01-01\n'
                     "}\n")
    untouched = tmp_path / "other.tf"
    untouched.write_text('# dicomguard:ignore DG101 reason="fine"\n')
    outcome = apply_suppressions([], scanned_files=[str(clean), str(untouched)])
    [error] = outcome.errors
    assert (error.file, error.line) == (str(clean), 2)
    assert "reason" in error.message


COMPOSE = """\
services:
  gateway:
    image: nginx:1.27
    ports:
{comment}      - "104:104"{trailing}
      - "127.0.0.1:8042:8042"
"""


def _scan_compose(cli, tmp_path, comment: str = "", trailing: str = "", *args: str):
    (tmp_path / "docker-compose.yml").write_text(
        COMPOSE.format(comment=f"      {comment}\n" if comment else "", trailing=trailing))
    return cli("scan", ".", *args, cwd=tmp_path)


def test_end_to_end_a_suppressed_port_mapping_passes_the_gate(cli, tmp_path):
    exposed = _scan_compose(cli, tmp_path, "", "", "--format", "json")
    assert exposed.returncode == 1
    [finding] = json.loads(exposed.stdout)["findings"]
    assert (finding["rule_id"], finding["file"], finding["line"]) == \
        ("DG101", "docker-compose.yml", 5)

    reason = "modality VLAN only, reviewed by SecOps"
    above = _scan_compose(cli, tmp_path, f'# dicomguard:ignore DG101 reason="{reason}"', "",
                          "--format", "json")
    assert above.returncode == 0, above.stdout + above.stderr
    [finding] = json.loads(above.stdout)["findings"]
    assert finding["suppressed"] is True and finding["suppression_reason"] == reason
    assert json.loads(above.stdout)["summary"]["suppressed"] == 1

    trailing = _scan_compose(cli, tmp_path, "", f'  # dicomguard:ignore DG101 reason="{reason}"')
    assert trailing.returncode == 0
    assert "no findings, 1 suppressed in 1 file" in trailing.stdout

    sarif = _scan_compose(cli, tmp_path, f'# dicomguard:ignore DG101 reason="{reason}"', "",
                          "--format", "sarif")
    [result] = json.loads(sarif.stdout)["runs"][0]["results"]
    assert result["suppressions"][0]["justification"] == reason


def test_end_to_end_a_suppression_without_reason_fails_with_its_line(cli, tmp_path):
    result = _scan_compose(cli, tmp_path, "# dicomguard:ignore DG101", "")
    assert result.returncode == 2
    assert "DG101" in result.stdout
    assert "docker-compose.yml:5: suppression has no reason" in result.stdout


def test_end_to_end_an_expired_suppression_reports_again(cli, tmp_path):
    result = _scan_compose(
        cli, tmp_path, '# dicomguard:ignore DG101 reason="temporary" until=2021-12-31', "")
    assert result.returncode == 1
    assert "DG101" in result.stdout
    assert ("docker-compose.yml:5: suppression of DG101 expired on 2021-12-31; "
            "the finding is reported again") in result.stdout


TERRAFORM = """\
resource "aws_security_group" "pacs" {
  name = "pacs"
  # dicomguard:ignore DG101 reason="modalities reach it only through the site VPN"
  ingress {
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_db_instance" "index" {
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  allocated_storage = 20
  storage_encrypted = true
  publicly_accessible = true // dicomguard:ignore DG305 reason="no" until=2020-01-01
}
"""


def test_end_to_end_terraform_nested_blocks_and_attributes(cli, tmp_path):
    (tmp_path / "main.tf").write_text(TERRAFORM)
    result = cli("scan", ".", "--format", "json", cwd=tmp_path)
    report = json.loads(result.stdout)
    by_rule = {finding["rule_id"]: finding for finding in report["findings"]}
    assert by_rule["DG101"]["line"] == 4
    assert by_rule["DG101"]["suppressed"] is True
    assert by_rule["DG305"]["line"] == 17
    assert by_rule["DG305"]["suppressed"] is False
    assert "expired on 2020-01-01" in report["notes"][0]["message"]
    assert result.returncode == 1, result.stderr


def test_json_report_carries_the_suppression_expiry(tmp_path):
    from tests.conftest import scan_json

    (tmp_path / "main.tf").write_text(
        'resource "aws_ebs_volume" "scratch" {\n'
        '  # dicomguard:ignore DG201 reason="scratch disk" until=2999-01-31\n'
        "  encrypted = false\n}\n"
        'resource "aws_ebs_volume" "logs" {\n'
        '  # dicomguard:ignore DG201 reason="logs only"\n'
        "  encrypted = false\n}\n")
    _, report = scan_json(str(tmp_path))
    by_resource = {finding["resource"]: finding for finding in report["findings"]}
    assert by_resource["aws_ebs_volume.scratch"]["suppression_until"] == "2999-01-31"
    assert "suppression_until" not in by_resource["aws_ebs_volume.logs"]


SECURITY_GROUPS = '''resource "aws_security_group" "orthanc" {
  name = "orthanc"
  ingress {
    from_port   = 4242
    to_port     = 4242
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "viewer" {
  name = "viewer"
  ingress {
    from_port   = 11112
    to_port     = 11112
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
'''
IGNORE_DICOM = '# dicomguard:ignore DG101 reason="reviewed: modality VPN only"\n'


def _exposed(directory, text: str) -> dict[str, bool]:
    from tests.conftest import scan_json

    (directory / "main.tf").write_text(text, encoding="utf-8")
    _, report = scan_json(str(directory))
    return {finding["resource"]: finding["suppressed"] for finding in report["findings"]
            if finding["rule_id"] == "DG101"}


def test_a_comment_above_a_resource_covers_findings_on_its_nested_blocks(tmp_path):
    assert _exposed(tmp_path, IGNORE_DICOM + SECURITY_GROUPS) == {
        "aws_security_group.orthanc": True, "aws_security_group.viewer": False}


def test_a_comment_above_a_resource_does_not_cover_the_next_resource(tmp_path):
    text = SECURITY_GROUPS.replace('resource "aws_security_group" "viewer"',
                                   IGNORE_DICOM + 'resource "aws_security_group" "viewer"')
    assert _exposed(tmp_path, text) == {
        "aws_security_group.orthanc": False, "aws_security_group.viewer": True}


def test_a_comment_above_a_resource_covers_each_instance_in_a_module(tmp_path):
    module = tmp_path / "modules" / "pacs"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(IGNORE_DICOM + SECURITY_GROUPS.replace(
        'resource "aws_security_group" "orthanc" {',
        'resource "aws_security_group" "orthanc" {\n  count = 2'), encoding="utf-8")
    calls = 'module "site" {\n  source   = "./modules/pacs"\n  for_each = toset(["a", "b"])\n}\n'
    exposed = _exposed(tmp_path, calls)
    orthanc = {address: suppressed for address, suppressed in exposed.items()
               if ".orthanc" in address}
    assert len(orthanc) == 4 and all(orthanc.values()), exposed
    assert not any(suppressed for address, suppressed in exposed.items() if ".viewer" in address)
