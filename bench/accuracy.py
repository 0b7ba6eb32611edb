"""Accuracy: precision and recall of dicomguard over the labelled corpus in ../shared/corpus.

    python bench/accuracy.py               tables per category and per platform
    python bench/accuracy.py --markdown    the same, plus every disagreement, as Markdown

Each sample file is scanned on its own (the corpus keeps several variants of one resource in
one directory). Units: a file for exposure (category A) and for KICS samples; a labelled
resource for Checkov's B and C samples, which label resources one by one. A unit is predicted
positive when a confirmed finding of the mapped categories points at it (unresolved findings
are reported to users but do not fail a gate, so they count as negative here).

Truth: for A, the corpus's `dicom_ports_exposed` annotation (the upstream labels are about
SSH, RDP or HTTP), widened to the whole port catalogue; for B and C, the upstream label,
except where DECISIONS below decides a doubtful label from the provider's documented
behaviour. KNOWN_GAPS lists the disagreements that remain, with their reason.
Family-agnostic: Ansible and docker-compose samples are measured with whatever collectors are
installed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
CATEGORIES = {
    "A-exposed-port": {"exposed-dicom-port"},
    "B-unencrypted": {"unencrypted-storage", "unencrypted-transport"},
    "C-public-access": {"missing-authentication"},
}

# (sample path, resource or "") -> (truth, reason): doubtful labels decided from the
# provider's documented behaviour, and exposure annotations this project reads differently.
DECISIONS: dict[tuple[str, str], tuple[bool, str]] = {
    ("kics/terraform/aws/sensitive_port_is_exposed_to_entire_network/negative.tf", ""): (
        True, "negative3/4/6 admit 1.2.3.4/5 (134 million public addresses) to ports that "
              "include 104; a public range wider than /8 is the internet at large"),
    ("kics/terraform/aws/launch_configuration_is_not_encrypted/negative1.tf", ""): (
        True, "no root_block_device: the root volume is created from the AMI's snapshot, "
              "unencrypted unless EBS encryption by default is on (nothing in the sample "
              "turns it on)"),
    ("kics/terraform/aws/s3_bucket_access_to_any_principal/positive1.tf", ""): (
        False, "Principal * restricted by aws:SourceIp 8.8.8.8/32: S3 itself does not count "
               "such a policy as public (Block Public Access, 'the meaning of public')"),
    ("kics/terraform/aws/s3_bucket_access_to_any_principal/positive2.tf", ""): (
        False, "the policy goes to terraform-aws-modules/s3-bucket without attach_policy, so "
               "the module attaches nothing"),
    ("kics/terraform/aws/db_instance_storage_not_encrypted/positive2.tf", ""): (
        False, "terraform-aws-modules/rds defaults storage_encrypted to true"),
    ("kics/terraform/azure/encryption_on_managed_disk_disabled/positive.tf", ""): (
        False, "Azure managed disks are always encrypted at rest (SSE with platform keys); "
               "encryption_settings is Azure Disk Encryption inside the guest"),
    ("kics/terraform/gcp/disk_encryption_disabled/positive1.tf", ""): (
        False, "GCP persistent disks are always encrypted with Google-managed keys"),
    ("kics/terraform/gcp/disk_encryption_disabled/positive2.tf", ""): (
        False, "GCP persistent disks are always encrypted with Google-managed keys"),
    ("kics/terraform/gcp/disk_encryption_disabled/positive3.tf", ""): (
        False, "GCP persistent disks are always encrypted with Google-managed keys"),
    ("checkov/terraform/azure/example_AzureManagedDiskEncryption/main.tf",
     "azurerm_managed_disk.fail"): (
        False, "Azure managed disks are always encrypted at rest with platform keys"),
    ("checkov/terraform/azure/example_AzureManagedDiskEncryption/main.tf",
     "azurerm_managed_disk.fail2"): (
        False, "Azure managed disks are always encrypted at rest with platform keys"),
    ("checkov/terraform/azure/example_StorageBlobRestrictPublicAccess/main.tf",
     "azurerm_storage_account.fail2"): (
        False, "the account only permits public containers (azurerm default); no container "
               "is public, so nothing is readable anonymously"),
    ("checkov/terraform/aws/example_S3AllowsAnyPrincipal/main.tf",
     "aws_s3_bucket.pass_w_condition"): (
        True, "Principal * with ArnNotEquals one user admits everyone else"),
    ("checkov/terraform/aws/example_S3AllowsAnyPrincipal/main.tf",
     "aws_s3_bucket_policy.pass_w_condition"): (
        True, "Principal * with ArnNotEquals one user admits everyone else"),
}
for _bad in ("bucket_bad_2", "bucket_bad_3", "bucket_bad_4", "bucket_bad_5", "bucket_bad_6"):
    DECISIONS[("checkov/terraform_graph/S3BucketEncryption/main.tf", f"aws_s3_bucket.{_bad}")] = (
        False, "S3 encrypts every new object with SSE-S3 at least since January 2023; a "
               "missing or odd SSE configuration does not leave objects in plaintext")

for _disk in ("positive1.yaml", "positive2.yaml"):
    DECISIONS[(f"kics/ansible/gcp/disk_encryption_disabled/{_disk}", "")] = (
        False, "GCP persistent disks are always encrypted with Google-managed keys")
DECISIONS[("kics/terraform/aws/network_acl_with_unrestricted_access_to_ssh/negative5.tf", "")] = (
    False, "the only world-open rule is a network ACL entry (of a remote module): ACLs are "
           "stateless filters in front of security groups, which still deny by default, so "
           "an allow-all ACL opens no port by itself")
DECISIONS[("kics/terraform/azure/public_storage_account/negative1.tf", "")] = (
    True, "azurerm_storage_account_network_rules negative2 has default_action Allow: every "
          "network is admitted, the 127.0.0.1 ip_rule restricts nothing")

REMOTE_MODULE = ("calls a registry module that is not downloaded: dicomguard never downloads; "
                 "after `terraform init` the copy in .terraform/modules is scanned, until then "
                 "the scan reports a note naming the module")
NOT_HCL_BOOLEAN = ("writes False (capitalised), which HCL reads as a reference Terraform "
                   "rejects; dicomguard reports the value as unknown (an unresolved finding)")
# (sample path, resource or "") -> reason: disagreements that remain, and why.
KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("kics/terraform/aws/launch_configuration_is_not_encrypted/positive2.tf", ""): REMOTE_MODULE,
    ("kics/terraform/aws/launch_configuration_is_not_encrypted/positive3.tf", ""): REMOTE_MODULE,
    ("kics/terraform/aws/launch_configuration_is_not_encrypted/positive4.tf", ""): REMOTE_MODULE,
    ("kics/terraform/aws/db_instance_storage_not_encrypted/positive3.tf", ""): REMOTE_MODULE,
    ("kics/terraform/aws/s3_bucket_acl_allows_read_or_write_to_all_users/positive3.tf", ""):
        REMOTE_MODULE,
    ("kics/terraform/aws/s3_bucket_acl_allows_read_or_write_to_all_users/positive4.tf", ""):
        REMOTE_MODULE,
    ("kics/terraform/aws/rds_db_instance_publicly_accessible/positive2.tf", ""): REMOTE_MODULE,
    ("checkov/terraform/aws/example_EBSEncryption/aws_ebs_volume.tf",
     "aws_ebs_volume.disabled"): NOT_HCL_BOOLEAN,
    ("checkov/terraform/aws/example_LaunchConfigurationEBSEncryption/main.tf",
     "aws_instance.fail"): NOT_HCL_BOOLEAN,
    ("checkov/terraform/aws/example_RDSEncryption/main.tf", "aws_db_instance.disabled"):
        NOT_HCL_BOOLEAN,
    ("checkov/terraform_graph/S3PublicACLRead/main.tf", "aws_s3_bucket.grant_public_read_all"):
        "reported on aws_s3_bucket_acl.grant_public_read_all, which names its bucket by the "
        "literal name \"example\" that several buckets of the sample share, so the finding "
        "cannot be tied to this bucket",
    ("checkov/terraform_graph/S3PublicACLRead/main.tf", "aws_s3_bucket.website"):
        "acl = \"website\" is not an S3 canned ACL (the API rejects it); nothing is granted",
    ("checkov/terraform_graph/S3PublicACLRead/main.tf", "aws_s3_bucket.website_v4"):
        "acl = \"website\" is not an S3 canned ACL (the API rejects it); nothing is granted",
}


@dataclass(slots=True)
class Unit:
    path: str
    platform: str
    provider: str
    category: str
    resource: str
    truth: bool
    label: bool
    decided: str = ""


@dataclass(slots=True)
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    disagreements: list[tuple[Unit, bool]] = field(default_factory=list)

    def add(self, unit: Unit, predicted: bool) -> None:
        if predicted and unit.truth:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif unit.truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def shared_dir() -> Path:
    return Path(os.environ.get("DICOMGUARD_SHARED", PROJECT.parent / "shared"))


def units(corpus: Path) -> list[Unit]:
    found: list[Unit] = []
    for manifest in sorted(corpus.glob("*/MANIFEST.json")):
        for entry in json.loads(manifest.read_text(encoding="utf-8")):
            found.extend(_entry_units(entry))
    return found


def _entry_units(entry: dict[str, Any]) -> list[Unit]:
    base = {"path": entry["path"], "platform": entry["platform"],
            "provider": entry.get("provider") or "", "category": entry["category"]}
    per_resource = entry["category"] != "A-exposed-port" and "failing_resources" in entry
    if not per_resource:
        label = entry["expect"] == "violation"
        if entry["category"] == "A-exposed-port":
            label = bool(entry.get("dicom_ports_exposed")) or _opens_catalogue_port(entry)
        return [_decided(Unit(**base, resource="", truth=label, label=label))]
    labelled = [(name, True) for name in entry["failing_resources"]]
    labelled += [(name, False) for name in entry["passing_resources"]]
    return [_decided(Unit(**base, resource=name, truth=label, label=label))
            for name, label in labelled]


def catalogue_ports() -> set[int]:
    data = json.loads((PROJECT / "policies" / "data.json").read_text(encoding="utf-8"))
    return {entry["port"] for entry in data["dicomguard"]["catalogue"]["ports"]}


def _opens_catalogue_port(entry: dict[str, Any]) -> bool:
    """`dicom_ports_exposed` looks at 104, 4242, 8042 and 11112 only; the catalogue also holds
    2575, 2761 and 2762. Read the annotated world-open TCP rules for those too (ambiguous port
    specifications are skipped, as the annotation does)."""
    wanted = catalogue_ports()
    for rule in entry.get("world_open_ingress", []):
        spec = str(rule.get("ports", ""))
        if spec == "ALL":
            return True
        for piece in spec.split(","):
            low, _, high = piece.strip().partition("-")
            readable = low.isdigit() and (high.isdigit() or not high)
            if readable and any(int(low) <= port <= int(high or low) for port in wanted):
                return True
    return False


def _decided(unit: Unit) -> Unit:
    decision = DECISIONS.get((unit.path, unit.resource))
    if decision is not None:
        unit.truth, unit.decided = decision
    return unit


class Scanner:
    """Scans one file at a time in-process, with the policies and engine loaded once."""

    def __init__(self) -> None:
        from dicomguard.engines import make_engine
        from dicomguard.policies import load_policies

        self.policies = load_policies([])
        self.engine = make_engine("auto")

    def hits(self, path: Path) -> list[tuple[str, set[str]]]:
        """(category, resources it points at) for each confirmed finding."""
        from dicomguard.scan import run_scan
        from dicomguard.sources import ScanContext

        context = ScanContext(roots=[str(path)], catalogue=self.policies.catalogue())
        report = run_scan([str(path)], self.policies, self.engine, context)
        linked: dict[tuple[int, str], set[str]] = defaultdict(set)
        for fact in report.facts.grants:
            origin = fact["origin"]
            linked[(origin["line"], origin["address"])].add(fact["resource"])
        return [(finding.category, {finding.resource, *linked[(finding.line, finding.resource)]})
                for finding in report.findings
                if finding.confidence == "confirmed" and not finding.suppressed]


def measure(corpus: Path) -> tuple[dict[str, Tally], list[tuple[Unit, bool]]]:
    scanner = Scanner()
    cache: dict[str, list[tuple[str, set[str]]]] = {}
    tallies: dict[str, Tally] = defaultdict(Tally)
    disagreements: list[tuple[Unit, bool]] = []
    for unit in units(corpus):
        if unit.path not in cache:
            cache[unit.path] = scanner.hits(corpus / unit.path)
        wanted = CATEGORIES[unit.category]
        predicted = any(category in wanted and (not unit.resource or unit.resource in targets)
                        for category, targets in cache[unit.path])
        keys = [f"category {unit.category}", f"platform {unit.platform}",
                f"{unit.platform} {unit.category}", "all"]
        if (unit.path, unit.resource) not in KNOWN_GAPS:
            keys.append(f"platform {unit.platform}, within coverage")
        for key in keys:
            tallies[key].add(unit, predicted)
        if predicted != unit.truth:
            disagreements.append((unit, predicted))
    return dict(tallies), disagreements


def table(tallies: dict[str, Tally], markdown: bool) -> list[str]:
    lines = ["| scope | units | TP | FP | FN | TN | precision | recall |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"] if markdown else []
    for key in sorted(tallies):
        tally = tallies[key]
        count = tally.tp + tally.fp + tally.fn + tally.tn
        cells = [key, count, tally.tp, tally.fp, tally.fn, tally.tn,
                 f"{tally.precision:.1%}", f"{tally.recall:.1%}"]
        if markdown:
            lines.append("| " + " | ".join(map(str, cells)) + " |")
        else:
            lines.append(f"{key:40} n={count:<4} TP={tally.tp:<3} FP={tally.fp:<3} "
                         f"FN={tally.fn:<3} TN={tally.tn:<3} precision={cells[6]:>6} "
                         f"recall={cells[7]:>6}")
    return lines


def describe(unit: Unit, predicted: bool) -> str:
    where = unit.path + (f" `{unit.resource}`" if unit.resource else "")
    verdict = "flagged, truth clean" if predicted else "missed, truth violation"
    reason = KNOWN_GAPS.get((unit.path, unit.resource), "NOT EXPLAINED")
    return f"- {where} ({unit.category}): {verdict}. {reason}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    corpus = shared_dir() / "corpus"
    if not (corpus / "README.md").is_file():
        print(f"corpus not found at {corpus} (set DICOMGUARD_SHARED)", file=sys.stderr)
        return 2
    tallies, disagreements = measure(corpus)
    print("\n".join(table(tallies, args.markdown)))
    print("\nDisagreements:" if not args.markdown else "\n### Disagreements\n")
    for unit, predicted in disagreements:
        print(describe(unit, predicted))
    if args.markdown:
        print("\n### Labels decided from provider behaviour\n")
        for (path, resource), (truth, reason) in sorted(DECISIONS.items()):
            name = path + (f" `{resource}`" if resource else "")
            print(f"- {name}: {'violation' if truth else 'clean'}. {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
