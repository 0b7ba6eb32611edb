"""A scan reads its tree unit by unit, in worker processes: the report is the one a reading of
the whole tree at once gives, whatever the number of workers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dicomguard import facts
from dicomguard.findings import findings_of_facts
from dicomguard.model import Facts, Origin
from dicomguard.policies import PolicySet, load_policies
from dicomguard.stream import _Merge
from dicomguard.unit_scan import UnitResult, fact_digests
from tests.conftest import EXAMPLES, PROJECT, library_report, run_cli

EXPOSED_ROOT = """\
module "archive" {{
  source = "../../modules/archive"
  name   = "site-{index}"
}}

resource "aws_security_group" "dicom_{index}" {{
  name = "dicom-{index}"
  ingress {{
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
"""

SHARED_MODULE = """\
variable "name" {
  type = string
}

resource "aws_ebs_volume" "images" {
  availability_zone = "eu-west-1a"
  size              = 100
  encrypted         = false
  tags              = { Name = var.name }
}
"""


def generated_tree(root: Path, sites: int) -> Path:
    """`sites` root modules, each with an exposed security group, all calling one module with
    an unencrypted volume: large enough for the scan to use its workers."""
    (root / "modules" / "archive").mkdir(parents=True)
    (root / "modules" / "archive" / "main.tf").write_text(SHARED_MODULE)
    for index in range(sites):
        site = root / "live" / f"site-{index:04d}"
        site.mkdir(parents=True)
        (site / "main.tf").write_text(EXPOSED_ROOT.format(index=index))
    return root


def whole_tree_report(path: Path) -> dict:
    """The JSON report of the scan that reads the whole tree at once, as before units."""
    return _comparable(json.loads(_library_json(path, jobs=None)))


def cli_report(path: Path, *options: str) -> tuple[int, dict]:
    result = run_cli("scan", os.path.relpath(path, PROJECT), "--format", "json", *options)
    assert result.stdout, result.stderr
    return result.returncode, _comparable(json.loads(result.stdout))


def _comparable(report: dict) -> dict:
    report["summary"].pop("duration_seconds")
    return report


def trees(shared: Path, tmp_path: Path) -> list[Path]:
    return [EXAMPLES, shared / "corpus", generated_tree(tmp_path / "generated", 320)]


def test_unit_by_unit_report_is_the_whole_tree_report(shared_dir: Path, tmp_path: Path) -> None:
    for tree in trees(shared_dir, tmp_path):
        expected = whole_tree_report(tree)
        # also the trees a scan would read at once for their size
        streamed = _comparable(json.loads(_library_json(tree, jobs=1, whole_tree_below=0)))
        assert streamed == expected, tree
        assert expected["findings"], tree


def test_report_is_the_same_whatever_the_number_of_workers(shared_dir: Path,
                                                            tmp_path: Path) -> None:
    for tree in trees(shared_dir, tmp_path):
        one = run_cli("scan", str(tree), "--format", "json", "--jobs", "1")
        two = run_cli("scan", str(tree), "--format", "json", "--jobs", "2")
        assert one.returncode == two.returncode
        assert _comparable(json.loads(one.stdout)) == _comparable(json.loads(two.stdout)), tree


def test_a_module_called_from_many_roots_is_reported_once_per_root(tmp_path: Path) -> None:
    tree = generated_tree(tmp_path / "generated", 320)
    code, report = cli_report(tree, "--jobs", "2")
    assert code == 1
    volumes = [finding for finding in report["findings"] if finding["rule_id"] == "DG201"]
    assert len(volumes) == 320
    assert len({finding["resource"] for finding in volumes}) == 320
    assert not report["errors"]


def test_a_secure_root_next_to_an_insecure_one_hides_none_of_its_findings() -> None:
    """Each root module is a configuration of its own: an account-wide setting or a bucket
    declared in one says nothing about another's resources."""
    def findings(report: dict) -> set[tuple]:
        return {(finding["rule_id"], finding["file"], finding["line"], finding["resource"])
                for finding in report["findings"]
                if finding["file"].startswith("examples/terraform/insecure-pacs/")}

    _, alone = cli_report(EXAMPLES / "terraform" / "insecure-pacs")
    _, together = cli_report(EXAMPLES / "terraform")
    assert findings(alone)
    assert findings(together) == findings(alone)


def _workers(pid: int) -> list[int]:
    """The scan's worker processes: its children that run multiprocessing's spawn main."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_of_a_stopped_scan_end_without_a_traceback(tmp_path: Path) -> None:
    """A CI job cancelled mid-scan stops the scan's process: its workers find their pipe closed
    and end quietly, not with a Python traceback in the job's log."""
    tree = generated_tree(tmp_path / "generated", 600)
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        scan = subprocess.Popen(
            [sys.executable, "-m", "dicomguard", "scan", str(tree), "--format", "json", "-o",
             str(tmp_path / "report.json"), "--jobs", "2"], cwd=PROJECT,
            stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + 300
    while len(workers := _workers(scan.pid)) < 2 and scan.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    assert workers, "the scan ended before its workers started"
    time.sleep(0.5)  # at work
    scan.kill()
    scan.wait()
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_that_die_lose_no_finding_silently(tmp_path: Path) -> None:
    """A worker that dies has its batch read again in halves by a new worker; a unit on which a
    worker dies is an input error naming its file. Every unit is reported either way."""
    sites = 600
    tree = generated_tree(tmp_path / "generated", sites)
    output = tmp_path / "report.json"
    scan = subprocess.Popen(
        [sys.executable, "-m", "dicomguard", "scan", str(tree), "--format", "json", "-o",
         str(output), "--jobs", "2"], cwd=PROJECT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    killed: set[int] = set()
    deadline = time.monotonic() + 300
    while len(killed) < 8 and scan.poll() is None and time.monotonic() < deadline:
        workers = [pid for pid in _workers(scan.pid) if pid not in killed]
        if workers:
            time.sleep(0.2)  # at work, not starting
            with contextlib.suppress(ProcessLookupError):  # unless it has ended meanwhile
                os.kill(workers[0], signal.SIGKILL)
                killed.add(workers[0])
        time.sleep(0.02)
    _, stderr = scan.communicate(timeout=900)
    assert killed, "the scan ended before a worker could be stopped"
    report = json.loads(output.read_text())
    lost = report["errors"]
    assert scan.returncode == (2 if lost else 1), stderr
    for error in lost:
        assert "the worker process reading it stopped (signal 9)" in error["message"]
        assert "/live/site-" in error["file"] and error["file"].endswith("main.tf")
    exposed = [finding for finding in report["findings"] if finding["rule_id"] == "DG101"]
    assert len(exposed) + len(lost) == sites


def test_workers_that_grew_hand_over_to_fresh_ones_and_lose_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker past its memory threshold after a batch is replaced; with a threshold of 0 every
    batch is read by a new worker, and the report is the one of the whole tree."""
    from dicomguard import workers

    tree = generated_tree(tmp_path / "generated", 700)
    expected = whole_tree_report(tree)
    started: list[int] = []
    start = workers._Pool._start

    def counted(pool: workers._Pool) -> workers._Worker:
        worker = start(pool)
        started.append(worker.process.pid)
        return worker

    monkeypatch.setattr(workers, "RETIRE_AT_MIB", 0)
    monkeypatch.setattr(workers._Pool, "_start", counted)
    assert _comparable(json.loads(_library_json(tree, jobs=2))) == expected
    assert len(set(started)) >= 4  # two workers, then one per batch after their first


def _library_json(path: Path, jobs: int | None, whole_tree_below: int = 300) -> str:
    """The JSON report of a scan through the library: the whole tree at once without `jobs`,
    unit by unit with them."""
    return library_report(path, jobs=jobs, whole_tree_below=whole_tree_below)


REGEX_ROOT = """\
locals {
  service = replace("Orthanc-PACS", "/Orth[a-z]+/", "orthanc")
  port    = regex("[0-9]+", "dicom-11112")
}

resource "aws_security_group" "pacs" {
  name = local.service
  ingress {
    from_port   = tonumber(local.port)
    to_port     = tonumber(local.port)
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def test_regular_expressions_in_workers_are_evaluated(tmp_path: Path) -> None:
    """Workers load the embedded engine before any file: the RE2 that Terraform's regex
    functions run on must still work there (loaded after regopy's, it aborted the worker and
    the unit's finding became an error)."""
    generated_tree(tmp_path, 310)
    (tmp_path / "live" / "regex").mkdir()
    (tmp_path / "live" / "regex" / "main.tf").write_text(REGEX_ROOT)
    code, report = cli_report(tmp_path, "--jobs", "2", "--engine", "embedded")
    assert report["errors"] == []
    exposed = [finding for finding in report["findings"]
               if finding["file"].endswith("live/regex/main.tf")]
    assert [finding["rule_id"] for finding in exposed] == ["DG101"]
    assert "11112" in exposed[0]["message"]
    assert code == 1


def _exposure_result(fact: dict, policies: PolicySet) -> UnitResult:
    """What a unit that produced `fact` sends: its DG101 finding and the fact's digest."""
    package = next(name for name, rule in policies.rules.items() if rule.id == "DG101")
    denials = {package: [{"fact": fact["id"], "message": "DICOM open to the internet"}]}
    return UnitResult(findings=findings_of_facts(denials, policies, {fact["id"]: fact}),
                      facts=fact_digests(Facts(ingress=[fact])))


def test_a_fact_two_units_produce_alike_is_reported_once_and_a_clash_is_an_error() -> None:
    """Two roots that read one module may say the same thing about it: once in the report, as
    a reading of the whole tree says it. Two different facts under one id are both reported,
    with the internal error that names the clash."""
    policies = load_policies([])
    origin = Origin("modules/archive/main.tf", 3, 9, "aws_security_group.dicom")
    exposed = facts.ingress(origin, platform="aws", mechanism="aws_security_group",
                            protocol="tcp", ports=[facts.port_range(104)],
                            peers=[facts.peer("0.0.0.0/0")])
    merge = _Merge(keep_facts=False)
    merge.add("terraform", _exposure_result(exposed, policies))
    merge.add("terraform", _exposure_result(exposed, policies))
    assert len(merge.findings) == 1
    assert not merge.identity_errors

    other = facts.ingress(origin, platform="aws", mechanism="aws_security_group",
                          protocol="tcp", ports=[facts.port_range(11112)],
                          peers=[facts.peer("0.0.0.0/0")])
    assert other["id"] == exposed["id"]
    merge.add("terraform", _exposure_result(other, policies))
    assert len(merge.findings) == 2
    assert [(error.file, error.line) for error in merge.identity_errors] == [
        ("modules/archive/main.tf", 3)]
    assert "share the id" in merge.identity_errors[0].message
