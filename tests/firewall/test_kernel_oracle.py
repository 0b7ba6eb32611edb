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
