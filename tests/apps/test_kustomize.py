"""Kustomizations through the command line: resources, patches and generators resolved as
`kustomize build` would, findings at the file that wrote the value."""

from __future__ import annotations

import json
import shutil

from tests.conftest import EXAMPLES, git_repository, run_cli, scan_json

INSECURE = EXAMPLES / "kubernetes" / "kustomize-insecure"
SECURE = EXAMPLES / "kubernetes" / "kustomize-secure"


def _found(report: dict) -> list[tuple[str, str, int, str]]:
    return sorted((finding["rule_id"], finding["file"].split("kustomize-insecure/")[-1],
                   finding["line"], finding["confidence"]) for finding in report["findings"])


def test_insecure_overlay_is_built_and_reported_where_each_value_is_written():
    code, report = scan_json(str(INSECURE))
    assert (code, report["errors"]) == (1, [])
    found = _found(report)
    assert ("DG101", "base/service.yaml", 13, "confirmed") in found  # published by the patch
    assert ("DG301", "base/orthanc.json", 4, "confirmed") in found  # from configMapGenerator
    assert sum(rule == "DG101" for rule, *_ in found) == 2  # the base is not read on its own


def test_secure_overlay_is_built_and_scans_clean(tmp_path):
    dump = tmp_path / "facts.json"
    result = run_cli("scan", "--format", "json", "--dump-facts", str(dump), str(SECURE))
    report = json.loads(result.stdout)
    assert (result.returncode, report["findings"], report["errors"]) == (0, [], [])
    services = json.loads(dump.read_text())["services"]
    assert {(service["authentication"], service["tls"], service["reach"])
            for service in services} == {(True, True, "network")}


def test_two_overlays_of_one_base_are_judged_each_on_its_own(tmp_path):
    tree = tmp_path / "deploy"
    shutil.copytree(INSECURE, tree)
    (tree / "overlays" / "staging").mkdir()
    (tree / "overlays" / "staging" / "kustomization.yaml").write_text(
        "namespace: staging\nresources:\n  - ../../base\n")
    code, report = scan_json(str(tree))
    assert (code, report["errors"]) == (1, [])
    # The LoadBalancer is production's only; both overlays mount the open configuration.
    assert sum(finding["rule_id"] == "DG101" for finding in report["findings"]) == 2
    assert sum(finding["rule_id"] == "DG304" for finding in report["findings"]) == 2


def test_inline_patch_and_literal_generator(tmp_path):
    shutil.copytree(INSECURE / "base", tmp_path / "base")
    (tmp_path / "base" / "orthanc.json").write_text('{"AuthenticationEnabled": true}\n')
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n  - base\n"
        "configMapGenerator:\n  - name: orthanc-env\n    literals:\n"
        "      - ORTHANC__DICOM_ALWAYS_ALLOW_STORE=true\n"
        "patches:\n  - target:\n      kind: Deployment\n      name: orthanc\n    patch: |\n"
        "      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n"
        "        name: orthanc\n      spec:\n        template:\n          spec:\n"
        "            containers:\n              - name: orthanc\n"
        "                image: orthancteam/orthanc:25.9.0\n"
        "                envFrom:\n                  - configMapRef:\n"
        "                      name: orthanc-env\n"
        "  - patch: |\n      - op: replace\n        path: /spec/type\n        value: NodePort\n")
    code, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    found = {(finding["rule_id"], finding["file"].rsplit("/", 1)[-1], finding["line"])
             for finding in report["findings"]}
    assert ("DG304", "kustomization.yaml", 23) in found  # the envFrom the patch adds
    assert any("JSON 6902" in note["message"] for note in report["notes"])
    assert code == 1


def test_remote_resource_is_a_note_and_a_path_outside_the_tree_an_error(tmp_path):
    scanned = tmp_path / "scanned"
    scanned.mkdir()
    (tmp_path / "outside.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  type: LoadBalancer\n")
    (scanned / "kustomization.yaml").write_text(
        "resources:\n  - https://github.com/example/pacs//deploy?ref=v1\n")
    code, report = scan_json(str(scanned))
    assert (code, report["errors"]) == (0, [])
    assert any("remote resource" in note["message"] for note in report["notes"])
    (scanned / "kustomization.yaml").write_text("resources:\n  - ../outside.yaml\n")
    code, report = scan_json(str(scanned))
    assert code == 2
    assert report["errors"][0]["file"].endswith("kustomization.yaml")
    assert "outside the scanned tree" in report["errors"][0]["message"]


def test_a_staged_change_to_a_base_builds_the_overlays_again(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(INSECURE, repo / "deploy")
    git = git_repository(repo)
    git("add", ".")
    git("commit", "-qm", "deploy")
    service = repo / "deploy" / "base" / "service.yaml"
    service.write_text("# The archive's Service.\n" + service.read_text())
    git("add", ".")
    result = run_cli("scan", "--format", "json", "--staged", "--changed", cwd=repo)
    assert result.returncode == 1, result.stdout + result.stderr
    # Public only through the production overlay's patch, which did not change.
    assert ("DG101", "deploy/base/service.yaml", 14) in {
        (finding["rule_id"], finding["file"], finding["line"])
        for finding in json.loads(result.stdout)["findings"]}


def test_kustomizations_that_build_on_each_other_for_ever_are_an_error(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "kustomization.yaml").write_text("resources:\n  - ../b\n  - ../b\n")
    (tmp_path / "b" / "kustomization.yaml").write_text("resources:\n  - ../a\n  - ../a\n")
    code, report = scan_json(str(tmp_path))
    assert code == 2
    assert report["errors"]
    assert all("a cycle?" in error["message"] and error["file"].endswith("kustomization.yaml")
               for error in report["errors"])


def test_patch_written_inline_under_patches_strategic_merge_is_applied(tmp_path):
    shutil.copytree(INSECURE / "base", tmp_path / "base")
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n  - base\n"
        "patchesStrategicMerge:\n"
        "  - |-\n"
        "    apiVersion: v1\n    kind: Service\n    metadata:\n      name: orthanc\n"
        "    spec:\n      type: LoadBalancer\n")
    code, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    exposed = {(finding["file"].rsplit("/", 1)[-1], finding["line"])
               for finding in report["findings"] if finding["rule_id"] == "DG101"}
    assert exposed == {("service.yaml", 10), ("service.yaml", 13)}  # made public by the patch
    assert code == 1
