"""The OPA server engine against real servers: pushing is idempotent, preloaded mode needs the
policies, bearer tokens and https with a private CA work, and a server that is down, failing or
not OPA fails the scan with exit 2 and a message, never a pass."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dicomguard.engines import EngineError, make_engine
from dicomguard.policies import load_policies
from tests.conftest import need, run_cli
from tests.engines.conftest import free_port, opa_server
from tests.engines.sample_facts import every_rule_firing

pytestmark = pytest.mark.slow


def scan_with(tmp_path: Path, *arguments: str, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    target = tmp_path / "infra"
    target.mkdir(exist_ok=True)
    return run_cli("scan", "--format", "json", *arguments, str(target), env=env)


def server_policy_ids(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/v1/policies", timeout=5) as response:
        return sorted(policy["id"] for policy in json.load(response)["result"])


def test_pushing_twice_replaces_instead_of_adding(opa_binary: str) -> None:
    policies = load_policies()
    facts_input = every_rule_firing()
    with opa_server(opa_binary) as url:
        engine = make_engine("opa", opa_url=url)
        first = engine.evaluate(policies, facts_input)
        ids_after_first = server_policy_ids(url)
        second = make_engine("opa", opa_url=url).evaluate(policies, facts_input)
        assert second == first
        assert server_policy_ids(url) == ids_after_first
    assert len(ids_after_first) == len(policies.modules)
    assert all(policy_id.startswith("dicomguard/") for policy_id in ids_after_first)


def test_preloaded_server_without_the_policies_is_an_error(tmp_path: Path,
                                                            opa_binary: str) -> None:
    with opa_server(opa_binary) as url:
        result = scan_with(tmp_path, "--engine", "opa", "--opa-url", url, "--opa-preloaded")
    assert result.returncode == 2
    assert "has no deny rule for dicomguard.rules." in result.stderr
    assert "dicomguard policies bundle" in result.stderr
    assert result.stdout == ""


def test_pushing_to_a_server_that_serves_the_bundle_says_so(tmp_path: Path,
                                                             bundle_url: str) -> None:
    result = scan_with(tmp_path, "--engine", "opa", "--opa-url", bundle_url)
    assert result.returncode == 2
    assert "--opa-preloaded" in result.stderr


def test_preloaded_bundle_server_is_used_as_is(tmp_path: Path, bundle_url: str) -> None:
    result = scan_with(tmp_path, "--engine", "opa", "--opa-url", bundle_url, "--opa-preloaded")
    assert result.returncode == 0, result.stderr


CENTRAL_RULE = """\
# METADATA
# title: Archive port reachable from a partner range
# custom:
#   id: CENTRAL1
#   severity: medium
#   category: exposed-dicom-port
#   remediation: Ask the imaging security team.
package dicomguard.rules.central_partner_range

deny contains {"fact": fact.id, "message": "reviewed centrally"} if {
	some fact in input.ingress
	some peer in fact.peers
	net.cidr_contains("10.0.0.0/8", peer.cidr)
}
"""


def test_rules_only_the_central_server_has_are_reported(tmp_path: Path,
                                                        opa_binary: str) -> None:
    from dicomguard.findings import build_findings

    central = tmp_path / "central"
    central.mkdir()
    (central / "partner_range.rego").write_text(CENTRAL_RULE, encoding="utf-8")
    bundle = tmp_path / "central-bundle.tar.gz"
    assert run_cli("policies", "bundle", "-p", str(central), "-o", str(bundle)).returncode == 0
    policies = load_policies()  # the runner knows only the built-in rules
    facts_input = every_rule_firing()
    with opa_server(opa_binary, "--bundle", str(bundle)) as url:
        denials = make_engine("opa", opa_url=url, opa_preloaded=True).evaluate(
            policies, facts_input)
    rule = policies.rules["dicomguard.rules.central_partner_range"]
    assert (rule.id, rule.severity, rule.title) == (
        "CENTRAL1", "medium", "Archive port reachable from a partner range")
    facts = {fact["id"]: fact for kind in ("ingress", "storage", "services", "grants")
             for fact in facts_input[kind]}
    central_findings = [finding for finding in build_findings(denials, policies, facts)
                        if finding.rule_id == "CENTRAL1"]
    assert [finding.resource for finding in central_findings] == ["aws_security_group.pacs"]


def test_unreachable_server_fails_after_bounded_retries(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = scan_with(tmp_path, "--engine", "opa", "--opa-url", url)
    assert result.returncode == 2
    assert f"OPA at {url} is unreachable after 3 attempts" in result.stderr
    assert "Traceback" not in result.stderr


class FakeServer:
    """A local HTTP server that answers every request the same way, counting them."""

    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                owner.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_PATCH = answer

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_server(request: pytest.FixtureRequest) -> Iterator[FakeServer]:
    status, body, content_type = request.param
    with FakeServer(status, body, content_type) as server:
        yield server


@pytest.mark.parametrize(("fake_server", "expected"), [
    ((500, b'{"code": "internal_error", "message": "storage failure"}', "application/json"),
     "answered internal_error: storage failure"),
    ((200, b"<html>welcome to nginx</html>", "text/html"), "did not answer like an OPA server"),
    ((200, b"{}", "application/json"), "did not answer like an OPA server"),
], indirect=["fake_server"], ids=["failing", "not-opa", "empty-answers"])
def test_a_server_that_is_not_a_working_opa_fails_the_scan(
        tmp_path: Path, fake_server: FakeServer, expected: str) -> None:
    result = scan_with(tmp_path, "--engine", "opa", "--opa-url", fake_server.url)
    assert result.returncode == 2
    assert expected in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("fake_server", [(200, b"{}", "application/json")], indirect=True)
def test_a_preloaded_server_without_results_fails_the_scan(
        tmp_path: Path, fake_server: FakeServer) -> None:
    result = scan_with(tmp_path, "--engine", "opa", "--opa-url", fake_server.url,
                       "--opa-preloaded")
    assert result.returncode == 2
    assert "has no deny rule for" in result.stderr


@pytest.mark.parametrize("fake_server", [(503, b"overloaded", "text/plain")], indirect=True)
def test_an_overloaded_server_is_retried_a_bounded_number_of_times(
        tmp_path: Path, fake_server: FakeServer) -> None:
    policies = load_policies()
    engine = make_engine("opa", opa_url=fake_server.url, opa_preloaded=True)
    with pytest.raises(EngineError, match="answered 503"):
        engine.evaluate(policies, every_rule_firing())
    assert fake_server.requests == 3


AUTHZ_POLICY = """\
package system.authz

default allow := false

allow if input.identity == "ci-runner-secret"

allow if input.path == ["health"]
"""


def test_bearer_token_from_the_environment(tmp_path: Path, opa_binary: str) -> None:
    authz = tmp_path / "authz.rego"
    authz.write_text(AUTHZ_POLICY, encoding="utf-8")
    with opa_server(opa_binary, "--authentication=token", "--authorization=basic",
                    str(authz)) as url:
        refused = scan_with(tmp_path, "--engine", "opa", "--opa-url", url,
                            env={"DICOMGUARD_OPA_TOKEN": ""})
        accepted = scan_with(tmp_path, "--engine", "opa", "--opa-url", url,
                             env={"DICOMGUARD_OPA_TOKEN": "ci-runner-secret"})
    assert refused.returncode == 2
    assert "set DICOMGUARD_OPA_TOKEN" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr


def test_server_and_token_variable_from_configuration(tmp_path: Path, opa_binary: str) -> None:
    authz = tmp_path / "authz.rego"
    authz.write_text(AUTHZ_POLICY, encoding="utf-8")
    with opa_server(opa_binary, "--authentication=token", "--authorization=basic",
                    str(authz)) as url:
        operator_config = tmp_path / "operator.yaml"
        operator_config.write_text(
            f"engine: opa\nopa_url: {url}\nopa_token_env: HOSPITAL_OPA_TOKEN\n"
            "opa_timeout: 5\n", encoding="utf-8")
        from_config = scan_with(tmp_path, "--config", str(operator_config),
                                env={"HOSPITAL_OPA_TOKEN": "ci-runner-secret"})
        wrong_token = scan_with(tmp_path, "--config", str(operator_config),
                                env={"HOSPITAL_OPA_TOKEN": "guess"})
        from_environment = scan_with(tmp_path, "--engine", "opa", env={
            "DICOMGUARD_OPA_URL": url, "DICOMGUARD_OPA_TOKEN": "ci-runner-secret"})
    assert from_config.returncode == 0, from_config.stderr
    assert wrong_token.returncode == 2
    assert "the token in HOSPITAL_OPA_TOKEN was refused" in wrong_token.stderr
    assert from_environment.returncode == 0, from_environment.stderr


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 signed by it."""
    def openssl(*arguments: str) -> None:
        subprocess.run(["openssl", *arguments], cwd=directory, check=True,
                       capture_output=True, timeout=60)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=dicomguard test CA", "-keyout", "ca.key", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr")
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem")
    return directory / "ca.pem", directory / "server.pem", directory / "server.key"


def test_https_with_a_private_ca_bundle(tmp_path: Path, opa_binary: str) -> None:
    need(shutil.which("openssl") is not None, "openssl is not installed")
    ca, certificate, key = make_certificates(tmp_path)
    import ssl

    context = ssl.create_default_context(cafile=str(ca))
    with opa_server(opa_binary, "--tls-cert-file", str(certificate),
                    "--tls-private-key-file", str(key), scheme="https", context=context) as url:
        trusted = scan_with(tmp_path, "--engine", "opa", "--opa-url", url,
                            "--opa-ca-bundle", str(ca))
        untrusted = scan_with(tmp_path, "--engine", "opa", "--opa-url", url)
    assert trusted.returncode == 0, trusted.stderr
    assert untrusted.returncode == 2
    assert "TLS failure" in untrusted.stderr


@pytest.mark.parametrize(("arguments", "expected"), [
    (["--engine", "opa", "--opa-preloaded"], "--opa-preloaded needs an OPA server"),
    (["--engine", "opa", "--opa-url", "ftp://opa.example"], "expected http://HOST:PORT"),
    (["--engine", "opa", "--opa-url", "http://127.0.0.1:8181", "--opa-ca-bundle", "nope.pem"],
     "nope.pem: CA bundle not found"),
])
def test_misconfigured_opa_engine_is_a_usage_error(tmp_path: Path, arguments: list[str],
                                                   expected: str) -> None:
    result = scan_with(tmp_path, *arguments)
    assert result.returncode == 2
    assert expected in result.stderr


def test_modules_are_pushed_in_an_order_the_server_accepts(tmp_path: Path,
                                                           opa_binary: str) -> None:
    # a_rules calls b_words, which calls a function of c_base: OPA refuses b_words until
    # c_base is there, although b_words comes first.
    (tmp_path / "a_rules.rego").write_text(
        "# METADATA\n# title: Words\n# custom:\n#   id: ACME2\n#   severity: low\n"
        "#   category: exposed-dicom-port\npackage dicomguard.rules.acme_words\n\n"
        "import data.acme.b_words\n\n"
        'deny contains {"fact": fact.id, "message": b_words.word} if some fact in input.ingress\n',
        encoding="utf-8")
    (tmp_path / "b_words.rego").write_text(
        'package acme.b_words\n\nimport data.acme.c_base\n\nword := c_base.shout("archive")\n',
        encoding="utf-8")
    (tmp_path / "c_base.rego").write_text("package acme.c_base\n\nshout(word) := upper(word)\n",
                                          encoding="utf-8")
    policies = load_policies([str(tmp_path)])
    with opa_server(opa_binary) as url:
        denials = make_engine("opa", opa_url=url).evaluate(policies, every_rule_firing())
    assert {entry["message"] for entry in denials["dicomguard.rules.acme_words"]} == {"ARCHIVE"}
