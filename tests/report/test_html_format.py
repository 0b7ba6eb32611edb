"""HTML report: one self-contained page a reviewer or auditor opens in a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from dicomguard.report import RenderOptions, render
from tests.conftest import need

HOSTILE_FILE = "<img src=x onerror=alert(1)>.tf"
EXPOSED = """\
resource "aws_security_group" "pacs" {
  ingress {
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
SUPPRESSED_VOLUME = """\
resource "aws_ebs_volume" "scratch" {
  size      = 10
  # dicomguard:ignore DG201 reason="scratch disk, no images" until=2999-01-31
  encrypted = false
}
"""


def _repository(root: Path) -> Path:
    root.mkdir()
    (root / "main.tf").write_text(EXPOSED)
    (root / "volumes.tf").write_text(SUPPRESSED_VOLUME)
    (root / HOSTILE_FILE).write_text(EXPOSED.replace('"pacs"', '"hostile"'))
    return root


def _html_report(tmp_path: Path, cli) -> tuple[int, str, Path]:
    output = tmp_path / "report.html"
    result = cli("scan", str(_repository(tmp_path / "repo")), "--format", "html",
                 "-o", str(output))
    return result.returncode, output.read_text(encoding="utf-8"), output


def _rendered_dom(page: Path) -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    need(chromium is not None, "chromium is not installed (apt-get install chromium)")
    result = subprocess.run([str(chromium), "--headless", "--no-sandbox", "--disable-gpu",
                             "--dump-dom", page.as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_report_renders_in_a_browser_with_findings_by_file(tmp_path, cli):
    code, _, page = _html_report(tmp_path, cli)
    assert code == 1
    dom = _rendered_dom(page)
    assert "DICOM or PACS port reachable from the internet" in dom
    assert "aws_security_group.pacs" in dom
    assert "main.tf" in dom and "0.0.0.0/0" in dom
    assert "Limit the source to the networks" in dom  # the fix
    # The hostile file name is text on the page, not an element.
    assert "&lt;img src=x onerror=alert(1)&gt;.tf" in dom
    assert "<img" not in dom


def test_report_loads_nothing_from_the_network_and_runs_no_script(tmp_path, cli):
    _, page, _ = _html_report(tmp_path, cli)
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"<(?:script|link|iframe|object|embed|img)\b", page, re.I)
    assert "@import" not in page and "url(" not in page
    assert "http://" not in page and "https://" not in page
    assert "default-src 'none'" in page


def test_a_script_in_a_resource_name_is_escaped(pacs_facts, report_for):
    _, facts = pacs_facts
    report = report_for(facts)
    report.findings[0].resource = "<script>alert(document.cookie)</script>"
    page = render(report, "html", RenderOptions())
    assert "<script" not in page
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in page


def test_control_matrix_shows_checked_passed_and_failed_controls(tmp_path, cli):
    _, page, _ = _html_report(tmp_path, cli)
    rows = dict(re.findall(r"<tr><td>([^<]+)</td>.*?verdict (\w+)", page))
    # DG101 fires: the controls it maps to fail. DG201 is suppressed: its controls pass.
    assert rows["HIPAA 45 CFR 164.312(e)(1) Transmission security"] == "failed"
    assert rows["DICOM PS3.15 Annex B, Secure Transport Connection Profiles"] == "failed"
    assert rows["HIPAA 45 CFR 164.312(a)(2)(iv) Encryption and decryption"] == "passed"
    checked = len(rows)
    passed = sum(1 for status in rows.values() if status == "passed")
    assert f"{checked} controls checked: {passed} passed, {checked - passed} failed" in page


def test_suppressions_show_reason_and_expiry(tmp_path, cli):
    _, page, _ = _html_report(tmp_path, cli)
    suppressions = page.split("<h2>Suppressions</h2>")[1].split("<h2>")[0]
    assert "DG201" in suppressions and "aws_ebs_volume.scratch" in suppressions
    assert "scratch disk, no images" in suppressions
    assert "2999-01-31" in suppressions
    findings = page.split("<h2>Findings</h2>")[1].split("<h2>")[0]
    assert "aws_ebs_volume.scratch" not in findings


def test_input_errors_are_listed_and_fail_the_scan(tmp_path, cli):
    repository = _repository(tmp_path / "repo")
    (repository / "broken.tf").write_text('resource "aws_s3_bucket" "x" {\n')
    output = tmp_path / "report.html"
    result = cli("scan", str(repository), "--format", "html", "-o", str(output))
    assert result.returncode == 2
    page = output.read_text()
    errors = page.split("<h2>Errors</h2>")[1].split("<h2>")[0]
    assert "broken.tf" in errors
    assert "aws_security_group.pacs" in page  # the other files are still reported


def test_a_scan_that_read_nothing_says_so(tmp_path, cli):
    (tmp_path / "empty").mkdir()
    result = cli("scan", str(tmp_path / "empty"), "--format", "html")
    assert result.returncode == 0
    assert "No file dicomguard reads was found in" in result.stdout
    assert "No findings." in result.stdout


def test_the_same_input_gives_the_same_page(tmp_path, cli):
    repository = _repository(tmp_path / "repo")
    pages = [cli("scan", str(repository), "--format", "html").stdout for _ in range(2)]
    assert pages[0] == pages[1]
