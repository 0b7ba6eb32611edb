"""Accuracy over the labelled docker-compose samples of the shared corpus.

A sample labelled `violation` publishes a port on every host interface: dicomguard must make
an internet-scope ingress fact covering each port the manifest annotates. A `clean` sample must
give none. No sample publishes a DICOM port, so none may fail the gate.
"""

from __future__ import annotations

import json

from dicomguard.apps.collect import analyse_text
from dicomguard.apps.detect import classify
from dicomguard.facts import parse_port_spec
from tests.conftest import scan_json


def compose_samples(shared_dir):
    corpus = shared_dir / "corpus"
    manifest = json.loads((corpus / "kics" / "MANIFEST.json").read_text())
    entries = manifest if isinstance(manifest, list) else next(
        value for value in manifest.values() if isinstance(value, list))
    return corpus, [entry for entry in entries if entry["platform"] == "dockerCompose"]


def exposed_ports(facts):
    return [fact["ports"] for fact in facts.ingress
            if any(peer["scope"] == "internet" for peer in fact["peers"])]


def covers(port_lists, low, high):
    return any(ports and any(lo <= low and high <= hi for lo, hi in ports) for ports in port_lists)


def test_compose_samples_precision_and_recall(shared_dir, context):
    corpus, samples = compose_samples(shared_dir)
    assert len(samples) >= 9
    true_positive = false_positive = false_negative = 0
    for entry in samples:
        path = corpus / entry["path"]
        text = path.read_text()
        assert classify(path, text[:4096]) == "compose", entry["path"]
        result = analyse_text("compose", text, entry["path"], context)
        assert result.errors == [], entry["path"]
        exposed = exposed_ports(result.facts)
        if entry["expect"] == "violation":
            for rule in entry["world_open_ingress"]:
                low, high = parse_port_spec(rule["ports"])
                if covers(exposed, low, high):
                    true_positive += 1
                else:
                    false_negative += 1
        elif exposed:
            false_positive += 1
    precision = true_positive / (true_positive + false_positive)
    recall = true_positive / (true_positive + false_negative)
    assert (precision, recall) == (1.0, 1.0), (true_positive, false_positive, false_negative)


def test_compose_samples_do_not_fail_the_gate(shared_dir):
    corpus, _ = compose_samples(shared_dir)
    code, report = scan_json(str(corpus / "kics" / "dockerCompose"))
    assert report["errors"] == []
    assert [finding for finding in report["findings"] if finding["rule_id"] == "DG101"] == []
    assert code == 0
