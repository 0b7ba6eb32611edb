"""Accuracy over the labelled Ansible samples of the shared corpus (kics/ansible).

Category A: every world-open TCP rule the manifest annotates must become an internet ingress
fact covering its ports (recall), and the DICOM ports dicomguard finds exposed must be exactly
the annotated ones (precision on what the gate fails on). Categories B and C: a file labelled
`violation` must give an unencrypted store or a public grant, a `clean` file none; the labels
marked debatable because of cloud defaults are checked against the documented default instead.
"""

from __future__ import annotations

import json
from pathlib import Path

from dicomguard.ansible.collect import collect
from dicomguard.ansible.detect import classify
from dicomguard.facts import parse_port_spec
from dicomguard.model import CollectResult, SourceFile
from dicomguard.sources import ScanContext
from tests.conftest import scan_json

DICOM_PORTS = (104, 4242, 8042, 11112)  # the ports the manifest annotates
CATALOGUE_PORTS = (*DICOM_PORTS, 2575, 2761, 2762)  # the ports DG101 checks
TCP = {"tcp", "all", None}


def samples(shared_dir: Path) -> tuple[Path, list[dict]]:
    corpus = shared_dir / "corpus"
    manifest = json.loads((corpus / "kics" / "MANIFEST.json").read_text())
    return corpus, [entry for entry in manifest if entry["platform"] == "ansible"]


def collected(corpus: Path, entry: dict) -> CollectResult:
    path = corpus / entry["path"]
    kind = classify(path, path.read_text()[:4096])
    assert kind, f"{entry['path']} is not recognised as Ansible"
    context = ScanContext(roots=[str(corpus)], catalogue=[])
    result = collect([SourceFile(str(path), kind, str(corpus))], context)
    assert result.errors == [], entry["path"]
    return result


def internet_tcp_ranges(result: CollectResult) -> list[list[int]]:
    return [ports for fact in result.facts.ingress
            if fact["protocol"] in TCP and fact["ports"]
            and any(peer["scope"] == "internet" for peer in fact["peers"])
            for ports in fact["ports"]]


def covered(ranges: list[list[int]], low: int, high: int) -> bool:
    return any(lo <= low and high <= hi for lo, hi in ranges)


def test_world_open_rules_are_all_found(shared_dir) -> None:
    corpus, entries = samples(shared_dir)
    found = missed = 0
    for entry in entries:
        if not entry["category"].startswith("A"):
            continue
        ranges = internet_tcp_ranges(collected(corpus, entry))
        for low, high in annotated_ranges(entry):
            if covered(ranges, low, high):
                found += 1
            else:
                missed += 1
    assert found >= 30
    assert missed == 0, (found, missed)


def test_exposed_dicom_ports_are_exactly_the_annotated_ones(shared_dir) -> None:
    corpus, entries = samples(shared_dir)
    checked = 0
    for entry in entries:
        if not entry["category"].startswith("A"):
            continue
        ranges = internet_tcp_ranges(collected(corpus, entry))
        ours = {port for port in DICOM_PORTS if covered(ranges, port, port)}
        annotated = {port for ports in (entry.get("dicom_ports_exposed") or {}).values()
                     for port in ports}
        if any(negative_port(rule) for rule in entry.get("world_open_ingress", [])):
            annotated |= set(DICOM_PORTS)
        assert ours == annotated, entry["path"]
        checked += 1
    assert checked == 12


def test_storage_and_public_access_labels(shared_dir) -> None:
    corpus, entries = samples(shared_dir)
    agreed = []
    for entry in entries:
        if entry["category"][0] not in "BC":
            continue
        result = collected(corpus, entry)
        flagged = any(fact["encrypted"] is not True for fact in result.facts.storage) or \
            any(fact["public"] is not False for fact in result.facts.grants)
        if "gcp/disk_encryption_disabled/positive" in entry["path"]:
            # Persistent disks are always encrypted (Google-managed keys); KICS wants CMEK.
            assert not flagged, entry["path"]
            continue
        assert flagged == (entry["expect"] == "violation"), entry["path"]
        agreed.append(entry["path"])
    assert len(agreed) == 12


def test_the_gate_over_the_ansible_corpus(shared_dir) -> None:
    """One real scan: DG101 fails exactly the files that expose a DICOM port."""
    corpus, entries = samples(shared_dir)
    code, report = scan_json(str(corpus / "kics" / "ansible"))
    assert code == 1 and report["errors"] == []
    failing = {(Path(report["root"]) / finding["file"]).resolve() for finding in report["findings"]
               if finding["rule_id"] == "DG101" and finding["confidence"] == "confirmed"}
    expected = {(corpus / entry["path"]).resolve() for entry in entries
                if any(covered(annotated_ranges(entry), port, port) for port in CATALOGUE_PORTS)}
    assert failing == expected


def annotated_ranges(entry: dict) -> list[list[int]]:
    ranges = []
    for rule in entry.get("world_open_ingress", []):
        if rule["ports"] == "NONE-DECLARED":
            continue
        every_port = rule["ports"] == "ALL" or negative_port(rule)
        specs = ["0-65535"] if every_port else rule["ports"].split(",")
        ranges.extend(list(parse_port_spec(spec)) for spec in specs)
    return ranges


def negative_port(rule: dict) -> bool:
    """A TCP rule with port -1, which the labels call ambiguous: AWS refuses it, and dicomguard
    reads it as every port for Ansible as for Terraform (docs/decisions.md)."""
    return "(has -1)" in rule["ports"] or rule["ports"] == "ALL(-1)"
