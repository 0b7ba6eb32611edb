"""The real kernel is the oracle: load each firewall example into a network namespace, listen on
every probed port behind it, connect from a namespace playing the internet, and compare what
got through with the checker's verdict, port by port and IP version by IP version."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import need
from tests.firewall.conftest import FIREWALL_EXAMPLES, example_files, verdicts_of
from tests.firewall.kernel import lab

LOADABLE = {"iptables", "ip6tables", "nftables", "nftables-json"}
ORACLE_EXAMPLES = [(path, kind) for path, kind in example_files() if kind in LOADABLE]


def _prerequisites() -> None:
    need(os.geteuid() == 0, "network namespaces need root")
    for tool in ("ip", "iptables-restore", "ip6tables-restore", "nft"):
        need(shutil.which(tool) is not None, f"{tool} is not installed (Debian: iptables, "
                                             "nftables, iproute2)")


UFW_EXAMPLES = sorted(path.parent.parent.parent for path, kind in example_files()
                      if kind == "ufw-rules")


def test_the_oracle_covers_every_loadable_format() -> None:
    kinds = {kind for _, kind in ORACLE_EXAMPLES}
    assert kinds == LOADABLE


@pytest.mark.parametrize(("path", "kind"), ORACLE_EXAMPLES,
                         ids=[str(p.relative_to(FIREWALL_EXAMPLES)) for p, _ in ORACLE_EXAMPLES])
def test_checker_verdict_equals_the_kernel(path: Path, kind: str) -> None:
    _prerequisites()
    found = verdicts_of(kind, path.read_text(), str(path))
    decided = [v for v in found if v.status != "unresolved"]
    assert decided, "an oracle example must have decidable ports"
    ports = sorted({v.port for v in found} | {8042, 104})
    with lab(str(ORACLE_EXAMPLES.index((path, kind)))) as network:
        network.listen(ports)
        network.wait_until_reachable(ports[0])
        network.load(kind, path)
        reached = network.probe([(v.version, v.port) for v in decided])
    kernel = {(v.version, v.port): "exposed" if ok else "closed"
              for v, ok in zip(decided, reached, strict=True)}
    checker = {(v.version, v.port): v.status for v in decided}
    assert checker == kernel


@pytest.mark.parametrize("root", UFW_EXAMPLES,
                         ids=[str(p.relative_to(FIREWALL_EXAMPLES)) for p in UFW_EXAMPLES])
def test_checker_verdict_equals_the_kernel_with_the_real_ufw(root: Path, tmp_path: Path) -> None:
    _prerequisites()
    need(shutil.which("ufw") is not None, "ufw is not installed (Debian: ufw)")
    from dicomguard.firewall import ufw
    from dicomguard.firewall.analyse import verdicts
    from dicomguard.firewall.detect import classify
    from tests.firewall.conftest import CATALOGUE

    texts = {}
    for path in (root / "etc").rglob("*"):
        kind = classify(path, path.read_text()[:4096]) if path.is_file() else None
        if kind in ufw.ROLES:
            texts[ufw.ROLES[kind]] = (str(path), path.read_text(), 0)
    found = [v for version in (4, 6) if ufw.has_rules(texts, version)
             for v in verdicts(ufw.from_files(texts, version), CATALOGUE)]
    decided = [v for v in found if v.status != "unresolved"]
    assert decided
    with lab(f"u{UFW_EXAMPLES.index(root)}") as network:
        network.listen(sorted({v.port for v in found}))
        network.wait_until_reachable(found[0].port)
        network.load_ufw(root / "etc", tmp_path)
        reached = network.probe([(v.version, v.port) for v in decided])
    kernel = {(v.version, v.port): "exposed" if ok else "closed"
              for v, ok in zip(decided, reached, strict=True)}
    assert {(v.version, v.port): v.status for v in decided} == kernel
