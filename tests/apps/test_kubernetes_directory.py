"""Manifests of one directory are applied together: a pod reads the ConfigMaps and Secrets of
the files beside its own, through the command line."""

from __future__ import annotations

from tests.conftest import EXAMPLES, scan_json

MANIFEST = (EXAMPLES / "kubernetes" / "insecure" / "orthanc.yaml").read_text()
CONFIG_MAP, WORKLOADS = MANIFEST.split("---\n", 1)


def _found(report: dict) -> set[tuple[str, str, int, str]]:
    return {(finding["rule_id"], finding["file"].rsplit("/", 1)[-1], finding["line"],
             finding["confidence"]) for finding in report["findings"]}


def test_a_config_map_of_another_file_configures_the_pod_that_mounts_it(tmp_path):
    (tmp_path / "config.yaml").write_text(CONFIG_MAP)
    (tmp_path / "orthanc.yaml").write_text(WORKLOADS)
    (tmp_path / "elsewhere").mkdir()  # applied on its own: the ConfigMap is not there
    (tmp_path / "elsewhere" / "pacs.yaml").write_text(WORKLOADS)
    code, report = scan_json(str(tmp_path))
    assert (code, report["errors"]) == (1, [])
    found = _found(report)
    assert ("DG301", "config.yaml", 13, "confirmed") in found
    assert ("DG301", "pacs.yaml", 17, "unresolved") in found
    assert not any(file == "orthanc.yaml" and confidence == "unresolved"
                   for _, file, _, confidence in found)


def test_a_secret_of_another_file_gives_the_environment_it_references(tmp_path):
    (tmp_path / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: orthanc-env\n  namespace: imaging\n"
        "stringData:\n  ORTHANC__AUTHENTICATION_ENABLED: \"false\"\n")
    workloads = WORKLOADS.replace(
        "          volumeMounts:\n",
        "          envFrom:\n            - secretRef:\n                name: orthanc-env\n"
        "          volumeMounts:\n").replace("mountPath: /etc/orthanc/orthanc.json",
                                            "mountPath: /srv/unused.json").replace(
        "jodogne/orthanc-plugins:1.12.4", "orthancteam/orthanc:25.9.0")
    (tmp_path / "orthanc.yaml").write_text(workloads)
    code, report = scan_json(str(tmp_path))
    assert (code, report["errors"]) == (1, [])
    assert ("DG301", "orthanc.yaml", 25, "confirmed") in _found(report)  # the envFrom entry

