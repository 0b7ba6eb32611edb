"""Accuracy: precision and recall of dicomguard over the labelled corpus in ../shared/corpus.

    python bench/accuracy.py               tables per category and per platform
    python bench/accuracy.py --markdown    the same, plus every disagreement, as Markdown
    python bench/accuracy.py --update-docs the same, written into docs/accuracy.md and README.md

Each sample file is scanned on its own (the corpus keeps several variants of one resource in
one directory). Units: a file for exposure (category A) and for KICS samples; a labelled
resource for Checkov's B and C samples, which label resources one by one. A unit is predicted
positive when a confirmed finding of the mapped categories points at it (unresolved findings
are reported to users but do not fail a gate, so they count as negative here).

Two figures per scope, side by side. "Upstream labels": agreement with the corpus's labels
as they are (for A, the corpus's `dicom_ports_exposed` annotation, since the upstream labels
are about SSH, RDP or HTTP; for B and C, the upstream label). "After N decisions": the same
after DECISIONS, each a label this project reads differently, with its reason and the source of
the provider behaviour it rests on (and, for A, samples whose annotated world-open rules reach a
catalogue port the annotation does not look at). 0/0 is "n/a". KNOWN_GAPS gives the reason of
each disagreement that remains after the decisions.
Family-agnostic: Ansible and docker-compose samples are measured with whatever collectors are
installed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
CATEGORIES = {
    "A-exposed-port": {"exposed-dicom-port"},
    "B-unencrypted": {"unencrypted-storage", "unencrypted-transport"},
    "C-public-access": {"missing-authentication"},
}

S3_DEFAULT_ENCRYPTION = ("https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
                         "default-encryption-faq.html")
S3_MEANING_OF_PUBLIC = ("https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
                        "access-control-block-public-access.html#access-control-block-public-"
                        "access-policy-status")
AZURE_DISK_SSE = ("https://learn.microsoft.com/en-us/azure/virtual-machines/"
                  "disk-encryption")
GCP_DEFAULT_ENCRYPTION = "https://cloud.google.com/docs/security/encryption/default-encryption"
EBS_ENCRYPTION = "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html"


@dataclass(frozen=True, slots=True)
class Decision:
    """A corpus label this project reads differently, from the provider's documented behaviour."""

    truth: bool
    reason: str
    source: str


# (sample path, resource or "") -> the decided truth: doubtful labels decided from the
# provider's documented behaviour, and exposure annotations this project reads differently.
DECISIONS: dict[tuple[str, str], Decision] = {
    ("kics/terraform/aws/sensitive_port_is_exposed_to_entire_network/negative.tf", ""): Decision(
        True, "negative3/4/6 admit 1.2.3.4/5 (134 million public addresses) to ports that "
              "include 104; a public range wider than /8 is the internet at large",
        "dicomguard DESIGN.md, 'The internet' (very wide public ranges)"),
    ("kics/terraform/aws/launch_configuration_is_not_encrypted/negative1.tf", ""): Decision(
        True, "no root_block_device: the root volume is created from the AMI's snapshot, "
              "unencrypted unless EBS encryption by default is on (nothing in the sample "
              "turns it on)",
        EBS_ENCRYPTION),
    ("kics/terraform/aws/s3_bucket_access_to_any_principal/positive1.tf", ""): Decision(
        False, "Principal * restricted by aws:SourceIp 8.8.8.8/32: S3 itself does not count "
               "such a policy as public (Block Public Access, 'the meaning of public')",
        S3_MEANING_OF_PUBLIC),
    ("kics/terraform/aws/s3_bucket_access_to_any_principal/positive2.tf", ""): Decision(
        False, "the policy goes to terraform-aws-modules/s3-bucket without attach_policy, so "
               "the module attaches nothing",
        "https://registry.terraform.io/modules/terraform-aws-modules/s3-bucket/aws/latest"
        "#input_attach_policy"),
    ("kics/terraform/aws/db_instance_storage_not_encrypted/positive2.tf", ""): Decision(
        False, "terraform-aws-modules/rds defaults storage_encrypted to true",
        "https://registry.terraform.io/modules/terraform-aws-modules/rds/aws/latest"
        "#input_storage_encrypted"),
    ("kics/terraform/azure/encryption_on_managed_disk_disabled/positive.tf", ""): Decision(
        False, "Azure managed disks are always encrypted at rest (SSE with platform keys); "
               "encryption_settings is Azure Disk Encryption inside the guest",
        AZURE_DISK_SSE),
    ("checkov/terraform/azure/example_AzureManagedDiskEncryption/main.tf",
     "azurerm_managed_disk.fail"): Decision(
        False, "Azure managed disks are always encrypted at rest with platform keys",
        AZURE_DISK_SSE),
    ("checkov/terraform/azure/example_AzureManagedDiskEncryption/main.tf",
     "azurerm_managed_disk.fail2"): Decision(
        False, "Azure managed disks are always encrypted at rest with platform keys",
        AZURE_DISK_SSE),
    ("checkov/terraform/azure/example_StorageBlobRestrictPublicAccess/main.tf",
     "azurerm_storage_account.fail2"): Decision(
        False, "the account only permits public containers (azurerm default); no container "
               "is public, so nothing is readable anonymously",
        "https://learn.microsoft.com/en-us/azure/storage/blobs/anonymous-read-access-configure"),
    ("checkov/terraform/aws/example_S3AllowsAnyPrincipal/main.tf",
     "aws_s3_bucket.pass_w_condition"): Decision(
        True, "Principal * with ArnNotEquals one user admits everyone else",
        S3_MEANING_OF_PUBLIC),
    ("checkov/terraform/aws/example_S3AllowsAnyPrincipal/main.tf",
     "aws_s3_bucket_policy.pass_w_condition"): Decision(
        True, "Principal * with ArnNotEquals one user admits everyone else",
        S3_MEANING_OF_PUBLIC),
    ("kics/terraform/aws/network_acl_with_unrestricted_access_to_ssh/negative5.tf", ""): Decision(
        False, "the only world-open rule is a network ACL entry (of a remote module): ACLs are "
               "stateless filters in front of security groups, which still deny by default, "
               "so an allow-all ACL opens no port by itself",
        "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html"),
    ("kics/terraform/azure/public_storage_account/negative1.tf", ""): Decision(
        True, "azurerm_storage_account_network_rules negative2 has default_action Allow: every "
              "network is admitted, the 127.0.0.1 ip_rule restricts nothing",
        "https://learn.microsoft.com/en-us/azure/storage/common/storage-network-security"),
}
for _sample in ("kics/ansible/aws/remote_desktop_port_open/positive.yaml",
                "kics/ansible/aws/remote_desktop_port_open/negative.yaml"):
    DECISIONS[(_sample, "")] = Decision(
        True, "groups 6 and 7 open TCP ports -1..25 and 15..-1 to the internet: AWS refuses a "
              "TCP port of -1, and dicomguard reads it as every port, for Ansible as for "
              "Terraform (docs/decisions.md); the annotation leaves such ranges out as ambiguous",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html")
for _bad in ("bucket_bad_2", "bucket_bad_3", "bucket_bad_4", "bucket_bad_5", "bucket_bad_6"):
    DECISIONS[("checkov/terraform_graph/S3BucketEncryption/main.tf", f"aws_s3_bucket.{_bad}")] = (
        Decision(False, "S3 encrypts every new object with SSE-S3 at least since January 2023; "
                        "a missing or odd SSE configuration does not leave objects in plaintext",
                 S3_DEFAULT_ENCRYPTION))
for _disk in ("kics/terraform/gcp/disk_encryption_disabled/positive1.tf",
              "kics/terraform/gcp/disk_encryption_disabled/positive2.tf",
              "kics/terraform/gcp/disk_encryption_disabled/positive3.tf",
              "kics/ansible/gcp/disk_encryption_disabled/positive1.yaml",
              "kics/ansible/gcp/disk_encryption_disabled/positive2.yaml"):
    DECISIONS[(_disk, "")] = Decision(
        False, "GCP persistent disks are always encrypted with Google-managed keys",
        GCP_DEFAULT_ENCRYPTION)

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
    label: bool
    decision: Decision | None = None

    @property
    def truth(self) -> bool:
        return self.label if self.decision is None else self.decision.truth


@dataclass(slots=True)
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if predicted and truth:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def units(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        """None when nothing was flagged: there is nothing to be precise about."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """None when the scope holds no violation: there is nothing to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass(slots=True)
class Measurement:
    """Tallies against the corpus labels as they are (`upstream`) and after DECISIONS
    (`decided`), keyed by scope; disagreements are with the decided truth."""

    units: list[Unit]
    upstream: dict[str, Tally]
    decided: dict[str, Tally]
    disagreements: list[tuple[Unit, bool]]

    @property
    def decisions_applied(self) -> list[Unit]:
        return [unit for unit in self.units if unit.decision is not None]


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
        if entry["category"] == "A-exposed-port":
            label = bool(entry.get("dicom_ports_exposed"))
            return [Unit(**base, resource="", label=label, decision=_exposure_decision(entry))]
        label = entry["expect"] == "violation"
        return [Unit(**base, resource="", label=label,
                     decision=DECISIONS.get((entry["path"], "")))]
    labelled = [(name, True) for name in entry["failing_resources"]]
    labelled += [(name, False) for name in entry["passing_resources"]]
    return [Unit(**base, resource=name, label=label,
                 decision=DECISIONS.get((entry["path"], name)))
            for name, label in labelled]


def catalogue_ports() -> set[int]:
    data = json.loads((PROJECT / "policies" / "data.json").read_text(encoding="utf-8"))
    return {entry["port"] for entry in data["dicomguard"]["catalogue"]["ports"]}


def _exposure_decision(entry: dict[str, Any]) -> Decision | None:
    """DECISIONS for an exposure sample, or else a decision when the annotation calls it clean
    although a world-open rule reaches a catalogue port the annotation does not look at."""
    decided = DECISIONS.get((entry["path"], ""))
    if decided is not None or entry.get("dicom_ports_exposed") or not _opens_catalogue_port(entry):
        return decided
    return Decision(True, "a world-open TCP rule reaches a catalogue port beyond the four the "
                          "`dicom_ports_exposed` annotation looks at (104, 4242, 8042, 11112)",
                    "policies/data.json, the DICOM/PACS port catalogue")


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


def measure(corpus: Path) -> Measurement:
    scanner = Scanner()
    cache: dict[str, list[tuple[str, set[str]]]] = {}
    result = Measurement(units(corpus), defaultdict(Tally), defaultdict(Tally), [])
    for unit in result.units:
        if unit.path not in cache:
            cache[unit.path] = scanner.hits(corpus / unit.path)
        wanted = CATEGORIES[unit.category]
        predicted = any(category in wanted and (not unit.resource or unit.resource in targets)
                        for category, targets in cache[unit.path])
        for key in (f"category {unit.category}", f"platform {unit.platform}",
                    f"{unit.platform} {unit.category}", "all"):
            result.upstream[key].add(unit.label, predicted)
            result.decided[key].add(unit.truth, predicted)
        if predicted != unit.truth:
            result.disagreements.append((unit, predicted))
    result.upstream, result.decided = dict(result.upstream), dict(result.decided)
    return result


def percent(figure: float | None) -> str:
    return "n/a" if figure is None else f"{figure:.1%}"


def table(result: Measurement, markdown: bool) -> list[str]:
    """One row per scope: counts and figures against the upstream labels, then after the
    decisions, side by side."""
    decided = f"after {len(result.decisions_applied)} decisions"
    if markdown:
        lines = [f"| scope | units | upstream labels: TP / FP / FN / TN | precision | recall "
                 f"| {decided}: TP / FP / FN / TN | precision | recall |",
                 "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    else:
        lines = [f"{'':40} {'':6} {'upstream labels':>44}   {decided:>44}"]
    for key in sorted(result.upstream):
        raw, kept = result.upstream[key], result.decided[key]
        halves = [(f"{tally.tp} / {tally.fp} / {tally.fn} / {tally.tn}",
                   percent(tally.precision), percent(tally.recall)) for tally in (raw, kept)]
        if markdown:
            cells = [key, str(raw.units), *halves[0], *halves[1]]
            lines.append("| " + " | ".join(cells) + " |")
        else:
            lines.append(f"{key:40} n={raw.units:<4} " + "   ".join(
                f"{counts:>18} P={precision:>6} R={recall:>6}"
                for counts, precision, recall in halves))
    return lines


def describe(unit: Unit, predicted: bool) -> str:
    where = unit.path + (f" `{unit.resource}`" if unit.resource else "")
    verdict = "flagged, truth clean" if predicted else "missed, truth violation"
    reason = KNOWN_GAPS.get((unit.path, unit.resource), "NOT EXPLAINED")
    return f"- {where} ({unit.category}): {verdict}. {reason}"


def describe_decision(unit: Unit) -> str:
    assert unit.decision is not None
    where = unit.path + (f" `{unit.resource}`" if unit.resource else "")
    upstream = "violation" if unit.label else "clean"
    decided = "violation" if unit.decision.truth else "clean"
    return (f"- {where}: {upstream} -> {decided}. {unit.decision.reason} "
            f"(source: {unit.decision.source})")


def markdown_report(result: Measurement) -> tuple[str, str, str]:
    """(table, remaining disagreements, decisions applied) as Markdown."""
    gaps = [describe(unit, predicted) for unit, predicted in result.disagreements]
    decisions = [describe_decision(unit) for unit in
                 sorted(result.decisions_applied, key=lambda unit: (unit.path, unit.resource))]
    return "\n".join(table(result, True)), "\n".join(gaps), "\n".join(decisions)


def update_docs(result: Measurement) -> None:
    """Write the figures into docs/accuracy.md (results, disagreements, decisions) and the
    README's accuracy table, so that no figure there is typed by hand."""
    results, gaps, decisions = markdown_report(result)
    doc = PROJECT / "docs" / "accuracy.md"
    text = doc.read_text(encoding="utf-8")
    block = ("## Results\n\n" + results + "\n\n"
             "Each row gives the agreement with the corpus's labels as they are, then after the "
             "documented decisions listed below. \"n/a\" marks a figure with nothing to count "
             "(no finding, or no violation in the scope).\n\n"
             "## Remaining disagreements (after the decisions)\n\n" + gaps + "\n\n"
             "## Labels decided from provider behaviour\n\n"
             "Each decision changes one corpus label (upstream -> decided), with its reason and "
             "the documentation of the provider behaviour it rests on.\n\n" + decisions + "\n\n")
    doc.write_text(_replace_between(text, "## Results", "## Decisions that shape", block),
                   encoding="utf-8")
    decided = f"after {len(result.decisions_applied)} decisions"
    lines = ["On the labelled corpus (`python bench/accuracy.py`), against the corpus's labels "
             f"as they are and {decided} (labels read differently from the provider's "
             "documented behaviour, each with its reason and source):", "",
             f"| scope | units | precision, upstream labels | recall, upstream labels "
             f"| precision, {decided} | recall, {decided} |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for scope in ("all", "platform terraform", "platform ansible"):
        raw, kept = result.upstream[scope], result.decided[scope]
        lines.append(f"| {scope} | {raw.units} | {percent(raw.precision)} | "
                     f"{percent(raw.recall)} | {percent(kept.precision)} | "
                     f"{percent(kept.recall)} |")
    lines += ["", "Every decision and every remaining disagreement is listed with its reason in "
              "[docs/accuracy.md](docs/accuracy.md).", "", ""]
    readme = PROJECT / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(_replace_between(text, "On the labelled corpus (`python bench/accuracy.py`)",
                                       "Design decisions and their measurements",
                                       "\n".join(lines)), encoding="utf-8")


def _replace_between(text: str, start: str, end: str, block: str) -> str:
    return text[:text.index(start)] + block + text[text.index(end):]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args()
    corpus = shared_dir() / "corpus"
    if not (corpus / "README.md").is_file():
        print(f"corpus not found at {corpus} (set DICOMGUARD_SHARED)", file=sys.stderr)
        return 2
    result = measure(corpus)
    if args.update_docs:
        update_docs(result)
    if args.markdown:
        results, gaps, decisions = markdown_report(result)
        print(f"{results}\n\n### Disagreements after the decisions\n\n{gaps}\n\n"
              f"### Decisions applied\n\n{decisions}")
        return 0
    print("\n".join(table(result, False)))
    print("\nDisagreements after the decisions:")
    for unit, predicted in result.disagreements:
        print(describe(unit, predicted))
    print("\nDecisions applied:")
    for unit in sorted(result.decisions_applied, key=lambda unit: (unit.path, unit.resource)):
        print(describe_decision(unit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
