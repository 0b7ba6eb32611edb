"""Traefik's IngressRoute and IngressRouteTCP in front of a Kubernetes Service: Traefik's own
Services decide who reaches the entry points, its Middlewares and TLSOptions may stop
strangers, and findings name the way in at the route's match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, run_cli, scan_json

INSECURE = (EXAMPLES / "kubernetes" / "traefik-insecure" / "orthanc.yaml").read_text()
MATCH = "    - match: Host(`pacs.example.org`)\n      kind: Rule\n"
ORTHANC_AND_ROUTES = INSECURE[INSECURE.index("apiVersion: apps/v1\nkind: Deployment\n"
                                              "metadata:\n  name: orthanc"):]


def scanned(tmp_path: Path, text: str) -> tuple[int, dict, list[dict]]:
    """(exit code, JSON report, Traefik hop facts) of one manifest."""
    (tmp_path / "pacs.yaml").write_text(text)
    code, report = scan_json(str(tmp_path / "pacs.yaml"))
    dumped = tmp_path / "facts.out"
    run_cli("scan", "--dump-facts", str(dumped), str(tmp_path / "pacs.yaml"))
    facts = json.loads(dumped.read_text())
    return code, report, [fact for fact in facts["services"] + facts["ingress"]
                          if fact["platform"] == "traefik"]


def through_traefik(report: dict) -> list[tuple[str, int, str]]:
    return sorted((item["rule_id"], item["line"], item["confidence"])
                  for item in report["findings"] if "IngressRoute" in item["message"]
                  or "stream :" in item["message"])


def with_middleware(middleware: str, text: str = INSECURE) -> str:
    return text.replace(MATCH, MATCH + "      middlewares:\n        - name: guard\n") + (
        "---\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: guard\n"
        f"  namespace: imaging\nspec:\n{middleware}")


def test_the_insecure_traefik_example_names_the_way_in_at_the_route():
    code, report = scan_json(str(EXAMPLES / "kubernetes" / "traefik-insecure"))
    assert (code, report["errors"]) == (1, [])
    assert through_traefik(report) == [("DG101", 121, "confirmed"),
                                       ("DG301", 105, "confirmed")]
    (hop,) = [item for item in report["findings"] if item["line"] == 105]
    assert ("internet -> traefik:8443 Host(pacs.example.org) -> orthanc.imaging:8042 "
            in hop["message"])
    (relay,) = [item for item in report["findings"] if item["line"] == 121]
    assert relay["ports"] == [4242, 11112]


def test_the_secure_traefik_example_passes(tmp_path):
    code, report, facts = scanned(tmp_path, (EXAMPLES / "kubernetes" / "traefik-secure" /
                                             "orthanc.yaml").read_text())
    assert (code, report["findings"], report["errors"]) == (0, [], [])
    # the web route is public and asks for a password; DICOM only reaches the hospital network
    assert sorted((fact["path"].split(" ->")[0], fact.get("authentication"))
                  for fact in facts) == [("internet", True), ("network", None)]


@pytest.mark.parametrize("middleware", [
    "  basicAuth:\n    secret: pacs-users\n",
    "  digestAuth:\n    secret: pacs-users\n",
    "  forwardAuth:\n    address: http://oauth2-proxy.imaging:4180\n",
    "  ipAllowList:\n    sourceRange: [10.0.0.0/8]\n",
    "  ipWhiteList:\n    sourceRange: [192.168.0.0/16]\n",
])
def test_a_middleware_that_signs_in_or_allows_chosen_ranges_protects_the_route(tmp_path,
                                                                               middleware):
    _, report, facts = scanned(tmp_path, with_middleware(middleware))
    assert [item for item in through_traefik(report) if item[0] == "DG301"] == []
    assert [(fact["reach"], fact["authentication"]) for fact in facts
            if "authentication" in fact] == [("internet", True)]


def test_a_chain_in_the_older_api_group_counts_as_the_route_own(tmp_path):
    text = with_middleware("  chain:\n    middlewares:\n      - name: sso\n") + (
        "---\napiVersion: traefik.containo.us/v1alpha1\nkind: Middleware\nmetadata:\n"
        "  name: sso\n  namespace: imaging\nspec:\n  forwardAuth:\n"
        "    address: http://sso.imaging:4181\n")
    text = text.replace("apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\n",
                        "apiVersion: traefik.containo.us/v1alpha1\nkind: IngressRoute\n")
    _, report, _ = scanned(tmp_path, text)
    assert [item for item in through_traefik(report) if item[0] == "DG301"] == []
    assert [item[0] for item in through_traefik(report)] == ["DG101"]


def test_an_allow_list_open_to_everyone_does_not_count(tmp_path):
    _, report, _ = scanned(tmp_path, with_middleware(
        "  ipAllowList:\n    sourceRange: [0.0.0.0/0]\n"))
    assert ("DG301", 105, "confirmed") in through_traefik(report)


def test_a_middleware_not_among_the_manifests_leaves_the_verdict_unresolved(tmp_path):
    text = INSECURE.replace(MATCH, MATCH + "      middlewares:\n        - name: elsewhere\n")
    _, report, _ = scanned(tmp_path, text)
    assert ("DG301", 105, "unresolved") in through_traefik(report)


def test_a_tls_option_that_requires_verified_client_certificates_protects_the_route(tmp_path):
    text = INSECURE.replace("  tls: {}\n", "  tls:\n    options:\n      name: mtls\n") + (
        "---\napiVersion: traefik.io/v1alpha1\nkind: TLSOption\nmetadata:\n  name: mtls\n"
        "  namespace: imaging\nspec:\n  clientAuth:\n    secretNames: [hospital-ca]\n"
        "    clientAuthType: RequireAndVerifyClientCert\n")
    _, report, facts = scanned(tmp_path, text)
    assert [item for item in through_traefik(report) if item[0] == "DG301"] == []
    assert "clientAuth RequireAndVerifyClientCert" in facts[0]["detail"]


def test_traefik_only_the_cluster_reaches_routes_nothing_to_the_internet(tmp_path):
    text = INSECURE.replace("  type: LoadBalancer\n", "  type: ClusterIP\n")
    _, report, _ = scanned(tmp_path, text)
    assert through_traefik(report) == []
    assert through_traefik(scanned(tmp_path, INSECURE)[1])  # the same, published, does


def test_without_a_traefik_pod_the_chart_entry_points_are_public(tmp_path):
    text = ORTHANC_AND_ROUTES
    _, report, _ = scanned(tmp_path, text)
    hop = [item for item in report["findings"] if "IngressRoute" in item["message"]]
    assert [(item["rule_id"], item["confidence"]) for item in hop] == [("DG301", "confirmed")]
    assert "internet -> traefik:443 Host(pacs.example.org)" in hop[0]["message"]
    # the TCP route's entry point is none of the chart's: not judged, but said
    assert any("entry point dicom" in note["message"] for note in report.get("notes", []))
