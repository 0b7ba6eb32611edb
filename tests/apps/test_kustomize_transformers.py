"""kustomize's namePrefix / nameSuffix, commonLabels / labels and images, applied as
`kustomize build` applies them, and findings of one base built by two overlays kept apart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, scan_json

INSECURE = EXAMPLES / "kubernetes" / "kustomize-transformers-insecure"
SECURE = EXAMPLES / "kubernetes" / "kustomize-transformers-secure"
PLAIN = EXAMPLES / "kubernetes" / "kustomize-insecure"


def found(directory: Path) -> set[tuple[str, str, int, str]]:
    _, report = scan_json(str(directory))
    assert report["errors"] == []
    return {(item["rule_id"], item["file"].split(directory.name + "/")[-1], item["line"],
             item["confidence"]) for item in report["findings"]}


def test_the_insecure_example_is_judged_with_the_image_and_names_the_overlay_gives():
    code, report = scan_json(str(INSECURE))
    assert (code, report["errors"]) == (1, [])
    assert {(item["rule_id"], item["file"].split("insecure/")[-1], item["line"],
             item["confidence"]) for item in report["findings"]} >= {
        ("DG301", "base/orthanc.json", 4, "confirmed"),
        ("DG101", "base/service.yaml", 13, "confirmed")}
    assert {item["resource"] for item in report["findings"]
            if item["rule_id"] == "DG101"} == {
        "Service/pacs-orthanc-prod (built by ../overlays/production)"}
    assert all(item["confidence"] == "confirmed" for item in report["findings"])


def test_the_secure_transformers_example_passes():
    code, report = scan_json(str(SECURE))
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_images_decide_the_product(tmp_path):
    shutil.copytree(PLAIN, tmp_path / "deploy")
    deployment = tmp_path / "deploy" / "base" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("jodogne/orthanc-plugins:1.12.4",
                                                         "registry.example.org/pacs"))
    before = found(tmp_path / "deploy")
    overlay = tmp_path / "deploy" / "overlays" / "production" / "kustomization.yaml"
    overlay.write_text(overlay.read_text() + "images:\n  - name: registry.example.org/pacs\n"
                       "    newName: jodogne/orthanc-plugins\n    newTag: 1.12.4\n")
    assert found(tmp_path / "deploy") == found(PLAIN.parent / PLAIN.name) != before


@pytest.mark.parametrize("transform", [
    "namePrefix: pacs-\n", "nameSuffix: -v2\n", "namePrefix: a-\nnameSuffix: -b\n",
    "commonLabels:\n  tier: archive\n",
    "labels:\n  - pairs:\n      tier: archive\n    includeSelectors: true\n"])
@pytest.mark.parametrize("level", ["base", "overlays/production"])
def test_a_rename_or_label_on_both_sides_of_every_join_keeps_the_verdict(tmp_path, transform,
                                                                         level):
    shutil.copytree(PLAIN, tmp_path / "kustomize-insecure")
    kustomization = tmp_path / "kustomize-insecure" / level / "kustomization.yaml"
    kustomization.write_text(transform + kustomization.read_text())
    assert {item[:2] + item[3:] for item in found(tmp_path / "kustomize-insecure")} == {
        item[:2] + item[3:] for item in found(PLAIN)}


OVERLAY_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: pacs
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: pacs-orthanc
                port:
                  number: 80
"""


def test_an_overlay_resource_naming_what_the_base_built_joins_it(tmp_path):
    """The base renames its Service pacs-orthanc; an Ingress of the overlay names it so, and
    the overlay's own nameSuffix renames the reference with the Service."""
    shutil.copytree(PLAIN, tmp_path / "deploy")
    base = tmp_path / "deploy" / "base" / "kustomization.yaml"
    base.write_text("namePrefix: pacs-\n" + base.read_text())
    overlay = tmp_path / "deploy" / "overlays" / "production"
    (overlay / "kustomization.yaml").write_text(
        "nameSuffix: -prod\nresources:\n  - ../../base\n  - ingress.yaml\n")
    (overlay / "ingress.yaml").write_text(OVERLAY_INGRESS)
    _, report = scan_json(str(tmp_path / "deploy"))
    assert report["errors"] == []
    assert ("DG101", "ingress.yaml") in {(item["rule_id"], Path(item["file"]).name)
                                         for item in report["findings"]}
    assert [item["message"].endswith("without authentication, reachable from the internet")
            for item in report["findings"] if item["rule_id"] == "DG301"] == [True]


def test_labels_added_to_pod_templates_join_a_service_that_selects_them(tmp_path):
    shutil.copytree(PLAIN, tmp_path / "deploy")
    overlay = tmp_path / "deploy" / "overlays" / "production"
    (overlay / "kustomization.yaml").write_text(
        "resources:\n  - ../../base\n  - edge.yaml\nlabels:\n  - pairs:\n"
        "      environment: production\n    includeTemplates: true\n")
    (overlay / "edge.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: edge\nspec:\n  type: LoadBalancer\n"
        "  selector:\n    app: orthanc\n    environment: production\n  ports:\n"
        "    - port: 443\n      targetPort: 8042\n")
    code, report = scan_json(str(tmp_path / "deploy"))
    assert report["errors"] == []
    assert code == 1
    assert [item["message"].endswith("without authentication, reachable from the internet")
            for item in report["findings"] if item["rule_id"] == "DG301"] == [True]


def test_two_overlays_of_one_base_give_findings_of_distinct_identity(tmp_path):
    tree = tmp_path / "deploy"
    shutil.copytree(PLAIN, tree)
    (tree / "overlays" / "staging").mkdir()
    (tree / "overlays" / "staging" / "kustomization.yaml").write_text(
        "resources:\n  - ../../base\n")
    _, report = scan_json(str(tree))
    fingerprints = [item["fingerprint"] for item in report["findings"]]
    assert len(fingerprints) == len(set(fingerprints)) > 4
    in_base = {item["resource"] for item in report["findings"]
               if item["file"].endswith("base/deployment.yaml")}
    assert in_base == {"Deployment/orthanc.containers.orthanc (built by ../overlays/production)",
                       "Deployment/orthanc.containers.orthanc (built by ../overlays/staging)"}
