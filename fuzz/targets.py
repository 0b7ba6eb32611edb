"""Fuzz targets: one per kind of file dicomguard reads. Each target writes the input as a file of
that kind into a scratch tree and runs the kind's family collector on it, exactly as a scan
does, then builds the policy input the engines receive.

A target fails (and the fuzzer reports the input) when anything other than the project's own
input handling happens: an exception escapes, the collector reports an internal error, or the
facts cannot be encoded for an engine. An input error naming the file is the right answer to a
malformed file, so it is not a failure.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dicomguard.model import SourceFile
from dicomguard.policies import load_policies
from dicomguard.scan import policy_input, unique_facts
from dicomguard.sources import FAMILIES, ScanContext


@dataclass(frozen=True)
class Target:
    name: str
    family: str
    kind: str
    file_name: str  # where the input is written, relative to the scratch root
    seed_kinds: tuple[str, ...] = ()  # kinds whose example and corpus files seed it
    # A file read only through another (a Caddyfile a compose service mounts): the files
    # written beside it once, the one the collector is given, and names whose example and
    # corpus files seed it.
    beside: tuple[tuple[str, str], ...] = ()
    scanned: str = ""
    seed_names: tuple[str, ...] = ()

    def seeds(self) -> tuple[str, ...]:
        return self.seed_kinds or (self.kind,)


TARGETS = {target.name: target for target in (
    Target("hcl", "terraform", "tf", "main.tf"),
    Target("tf-json", "terraform", "tf-json", "main.tf.json"),
    Target("plan-json", "terraform", "plan", "plan.json"),
    Target("tfvars", "terraform", "tfvars", "terraform.tfvars"),
    Target("tfvars-json", "terraform", "tfvars-json", "terraform.tfvars.json"),
    Target("iptables", "firewall", "iptables", "rules.v4"),
    Target("ip6tables", "firewall", "ip6tables", "rules.v6"),
    Target("nftables", "firewall", "nftables", "nftables.conf"),
    Target("nftables-json", "firewall", "nftables-json", "ruleset.json"),
    Target("ufw", "firewall", "ufw-rules", "etc/ufw/user.rules"),
    Target("ufw-status", "firewall", "ufw-status", "ufw-status.txt"),
    Target("firewalld", "firewall", "firewalld-zone", "etc/firewalld/zones/public.xml"),
    Target("compose", "apps", "compose", "docker-compose.yml"),
    Target("kubernetes", "apps", "kubernetes", "deployment.yaml"),
    Target("orthanc-json", "apps", "orthanc-json", "orthanc.json"),
    Target("caddyfile", "apps", "compose", "Caddyfile", beside=(("docker-compose.yml", (
        "services:\n  caddy:\n    image: caddy:2\n    ports: [\"80:80\", \"443:443\"]\n"
        "    environment:\n      DOMAIN: pacs.example.org\n    volumes:\n"
        "      - ./Caddyfile:/etc/caddy/Caddyfile:ro\n      - ./:/etc/caddy/sites:ro\n"
        "  orthanc:\n    image: orthancteam/orthanc:24.12.1\n")),),
           scanned="docker-compose.yml", seed_names=("Caddyfile", "*.caddyfile")),
    Target("ansible-playbook", "ansible", "playbook", "site.yml"),
    Target("ansible-inventory", "ansible", "inventory", "inventory/hosts"),
    Target("ansible-vars", "ansible", "vars", "group_vars/all.yml"),
    Target("ansible-tasks", "ansible", "tasks", "roles/pacs/tasks/main.yml"),
)}


class Defect(Exception):
    """What the fuzzer must report: dicomguard mishandled an input."""


def make_runner(target: Target) -> Callable[[bytes], None]:
    """A function that checks one input against the target; it raises Defect on a defect."""
    family = next(family for family in FAMILIES if family.name == target.family)
    collect = family.collect
    catalogue = load_policies(()).catalogue()
    scratch = Path(tempfile.mkdtemp(prefix=f"dicomguard-fuzz-{target.name}-"))
    path = scratch / target.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    for name, text in target.beside:
        (scratch / name).write_text(text, encoding="utf-8")
    scanned = scratch / (target.scanned or target.file_name)

    def run(data: bytes) -> None:
        path.write_bytes(data)
        source = SourceFile(str(scanned), target.kind, str(scratch))
        context = ScanContext(roots=[str(scratch)], catalogue=catalogue, all_files=[source])
        result = collect([source], context)
        internal = [error for error in result.errors if "internal error" in error.message]
        if internal:
            raise Defect(str(internal[0]))
        facts, identity_errors = unique_facts(result.facts)
        if identity_errors:
            raise Defect(str(identity_errors[0]))
        try:
            json.dumps(policy_input(facts, {}), ensure_ascii=False).encode("utf-8")
            for error in result.errors:
                str(error).encode("utf-8")
        except UnicodeEncodeError as error:
            raise Defect(f"facts or errors cannot be encoded for an engine: {error}") from None

    return run
