"""Helm charts through the command line: rendered with a real helm, confined, and reported at
the template lines that wrote what is exposed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, PROJECT, ensure_built, git_repository, need, run_cli

INSECURE_CHART = EXAMPLES / "kubernetes" / "helm-insecure"
SECURE_CHART = EXAMPLES / "kubernetes" / "helm-secure"


@pytest.fixture(scope="session")
def helm_path() -> str:
    """A PATH on which the pinned helm is found."""
    binary = ensure_built("ensure-helm", shutil.which("helm"))
    need(binary is not None, "no helm binary (put it on PATH or install Go)")
    assert binary is not None
    return f"{Path(binary).parent}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture
def no_helm_path(tmp_path) -> str:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    return str(empty)


def scan(path: Path | str, search_path: str, *extra: str, cwd: Path | None = None
         ) -> tuple[int, dict]:
    result = run_cli("scan", "--format", "json", *extra, str(path), cwd=cwd,
                     env={"PATH": search_path})
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def _where(report: dict) -> set[tuple[str, str, int]]:
    return {(finding["rule_id"], finding["file"].split("helm-insecure/")[-1], finding["line"])
            for finding in report["findings"]}


def copy_chart(source: Path, into: Path) -> Path:
    shutil.copytree(source, into)
    return into


def test_insecure_chart_is_reported_at_its_template_lines(helm_path):
    code, report = scan(INSECURE_CHART, helm_path)
    assert report["errors"] == []
    assert code == 1
    found = _where(report)
    assert ("DG101", "templates/service.yaml", 13) in found  # the DICOM port, 4242
    assert ("DG301", "templates/configmap.yaml", 10) in found  # AuthenticationEnabled
    assert all(finding["file"].startswith(str(INSECURE_CHART.relative_to(PROJECT)))
               for finding in report["findings"])


def test_secure_chart_is_rendered_and_scans_clean(tmp_path, helm_path):
    dump = tmp_path / "facts.json"
    code, report = scan(SECURE_CHART, helm_path, "--dump-facts", str(dump))
    assert (code, report["findings"], report["errors"]) == (0, [], [])
    services = json.loads(dump.read_text())["services"]
    assert {(service["product"], service["origin"]["file"].rsplit("/", 1)[-1], service["reach"])
            for service in services} >= {("Orthanc DICOM server", "deployment.yaml", "network")}


def test_without_helm_a_chart_is_a_note_and_its_templates_are_not_read(tmp_path, no_helm_path):
    chart = copy_chart(INSECURE_CHART, tmp_path / "chart")
    # A template without actions in its first lines looks like a manifest; it is not one yet.
    (chart / "templates" / "plain.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: plain\nspec:\n  type: LoadBalancer\n"
        "  ports:\n    - port: 104\n{{- if .Values.extra }}\n  externalIPs: [1.2.3.4]\n"
        "{{- end }}\n")
    code, report = scan(chart, no_helm_path)
    assert (code, report["findings"], report["errors"]) == (0, [], [])
    assert any("helm is not on PATH" in note["message"] and "'orthanc'" in note["message"]
               for note in report["notes"])


def test_chart_with_dependencies_not_vendored_is_a_note(tmp_path, helm_path):
    chart = copy_chart(INSECURE_CHART, tmp_path / "chart")
    with (chart / "Chart.yaml").open("a") as handle:
        handle.write("dependencies:\n  - name: postgresql\n    version: 12.0.0\n"
                     "    repository: https://charts.example.invalid\n")
    code, report = scan(chart, helm_path)
    assert (code, report["findings"], report["errors"]) == (0, [], [])
    assert any("postgresql" in note["message"] and "not vendored" in note["message"]
               for note in report["notes"])


def test_configured_values_file_is_rendered_on_top_of_the_charts_own(tmp_path, helm_path):
    chart = copy_chart(SECURE_CHART, tmp_path / "deploy" / "orthanc")
    (tmp_path / "deploy" / "values-public.yaml").write_text("service:\n  type: LoadBalancer\n")
    (tmp_path / ".dicomguard.yaml").write_text(
        "helm:\n  values_files:\n    deploy/orthanc: [deploy/values-public.yaml]\n")
    code, report = scan(tmp_path, helm_path)
    assert report["errors"] == []
    assert code == 1
    assert {(finding["rule_id"], finding["file"].rsplit("/", 2)[-2:][-1], finding["line"])
            for finding in report["findings"]} >= {("DG101", "service.yaml", 13)}
    assert chart.is_dir()


def test_values_file_outside_the_scanned_tree_is_an_error(tmp_path, helm_path):
    copy_chart(SECURE_CHART, tmp_path / "scanned" / "orthanc")
    (tmp_path / "outside.yaml").write_text("service:\n  type: LoadBalancer\n")
    (tmp_path / "scanned" / ".dicomguard.yaml").write_text(
        "helm:\n  values_files:\n    orthanc: [../outside.yaml]\n")
    code, report = scan(tmp_path / "scanned", helm_path)
    assert code == 2
    assert any("outside the scanned tree" in error["message"] for error in report["errors"])


def test_template_error_names_the_template_and_line(tmp_path, helm_path):
    chart = copy_chart(INSECURE_CHART, tmp_path / "chart")
    (chart / "templates" / "broken.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.missing.deeper }}\n")
    code, report = scan(chart, helm_path)
    assert code == 2
    errors = report["errors"]
    assert len(errors) == 1
    assert errors[0]["file"].endswith("templates/broken.yaml")
    assert errors[0]["line"] == 4
    assert "helm template failed" in errors[0]["message"]


def test_a_link_out_of_the_chart_is_never_rendered(tmp_path, helm_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "service.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: leaked\nspec:\n  type: LoadBalancer\n"
        "  ports:\n    - port: 104\n")
    (outside / "secret.txt").write_text("SECRET-FROM-OUTSIDE")
    chart = copy_chart(SECURE_CHART, tmp_path / "scanned" / "chart")
    (chart / "templates" / "linked.yaml").symlink_to(outside / "service.yaml")
    (chart / "leak.txt").symlink_to(outside / "secret.txt")
    (chart / "templates" / "files.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: files\ndata:\n"
        "  leaked: {{ .Files.Get \"leak.txt\" | quote }}\n")
    code, report = scan(tmp_path / "scanned", helm_path)
    assert (code, report["findings"], report["errors"]) == (0, [], [])
    assert sum("is not a regular file" in note["message"] for note in report["notes"]) == 2


def test_a_chart_that_renders_forever_is_stopped(tmp_path, helm_path):
    chart = copy_chart(SECURE_CHART, tmp_path / "chart")
    (chart / "templates" / "slow.yaml").write_text(
        "{{- range $i := until 100000 }}{{- range $j := until 100000 }}{{- end }}"
        "{{- end }}\n")
    result = run_cli("scan", "--format", "json", "--unit-timeout", "3", str(chart),
                     env={"PATH": helm_path})
    report = json.loads(result.stdout)
    assert result.returncode == 2
    assert any("took longer than 3 s" in error["message"] for error in report["errors"])


def test_a_staged_template_change_renders_its_chart_again(tmp_path, helm_path):
    repo = tmp_path / "repo"
    copy_chart(SECURE_CHART, repo / "deploy" / "orthanc")
    git = git_repository(repo)
    git("add", ".")
    git("commit", "-qm", "chart")
    service = repo / "deploy" / "orthanc" / "templates" / "service.yaml"
    service.write_text(service.read_text().replace("{{ .Values.service.type }}", "LoadBalancer"))
    git("add", ".")
    result = run_cli("scan", "--format", "json", "--staged", "--changed", cwd=repo,
                     env={"PATH": helm_path})
    assert result.returncode == 1, result.stdout + result.stderr
    assert ("DG101", "deploy/orthanc/templates/service.yaml", 13) in {
        (finding["rule_id"], finding["file"], finding["line"])
        for finding in json.loads(result.stdout)["findings"]}
