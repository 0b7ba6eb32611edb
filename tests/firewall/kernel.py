"""A throw-away network in namespaces to ask the real kernel what a rule set does.

    internet (198.51.100.2, 2001:db8:1::2)
        | veth
    firewall (198.51.100.1, 2001:db8:1::1)  <- the rule set under test, forwarding on
        | veth "docker0" (also 172.17.0.1/16, as Docker's bridge is)
    backend  (10.99.0.2, fd00:99::2,        <- where DNAT sends traffic
              172.17.0.2: a container)

Every namespace, veth and listener is removed on exit, also after a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FIREWALL_ADDRESS = {4: "198.51.100.1", 6: "2001:db8:1::1"}
PROBE_TIMEOUT = 0.6

LISTENER = r"""
import selectors, socket, sys
ports = [int(p) for p in sys.argv[1:]]
selector = selectors.DefaultSelector()
for port in ports:
    server = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    server.bind(("::", port))
    server.listen(16)
    server.setblocking(False)
    selector.register(server, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in selector.select():
        connection, _ = key.fileobj.accept()
        connection.close()
"""

PROBER = r"""
import json, socket, sys
from concurrent.futures import ThreadPoolExecutor
timeout = float(sys.argv[1])
targets = json.loads(sys.argv[2])
def reach(target):
    address, port = target
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False
with ThreadPoolExecutor(max_workers=len(targets) or 1) as pool:
    print(json.dumps(list(pool.map(reach, targets))))
"""


def _run(*command: str, stdin: str | None = None) -> None:
    subprocess.run(command, input=stdin, text=True, check=True, capture_output=True, timeout=20)


class Lab:
    def __init__(self, tag: str) -> None:
        self.names = {role: f"dg{role[0]}{tag}" for role in ("internet", "firewall", "backend")}
        self.listeners: list[subprocess.Popen[str]] = []

    def ns(self, role: str, *command: str, stdin: str | None = None) -> None:
        _run("ip", "netns", "exec", self.names[role], *command, stdin=stdin)

    def build(self) -> None:
        inet, fw, back = (self.names[r] for r in ("internet", "firewall", "backend"))
        for name in (inet, fw, back):
            _run("ip", "netns", "add", name)
            _run("ip", "-n", name, "link", "set", "lo", "up")
        _run("ip", "link", "add", "i0", "netns", inet, "type", "veth", "peer", "name", "f0",
             "netns", fw)
        _run("ip", "link", "add", "docker0", "netns", fw, "type", "veth", "peer", "name", "b0",
             "netns", back)
        for name, device, v4, v6 in ((inet, "i0", "198.51.100.2/24", "2001:db8:1::2/64"),
                                     (fw, "f0", "198.51.100.1/24", "2001:db8:1::1/64"),
                                     (fw, "docker0", "10.99.0.1/24", "fd00:99::1/64"),
                                     (back, "b0", "10.99.0.2/24", "fd00:99::2/64")):
            _run("ip", "-n", name, "addr", "add", v4, "dev", device)
            _run("ip", "-n", name, "-6", "addr", "add", v6, "dev", device, "nodad")
            _run("ip", "-n", name, "link", "set", device, "up")
        _run("ip", "-n", fw, "addr", "add", "172.17.0.1/16", "dev", "docker0")
        _run("ip", "-n", back, "addr", "add", "172.17.0.2/16", "dev", "b0")
        _run("ip", "-n", back, "route", "add", "default", "via", "10.99.0.1")
        _run("ip", "-n", back, "-6", "route", "add", "default", "via", "fd00:99::1")
        self.ns("firewall", "sysctl", "-qw", "net.ipv4.ip_forward=1")
        self.ns("firewall", "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")

    def load(self, kind: str, path: Path) -> None:
        text = path.read_text()
        if kind == "iptables":
            self.ns("firewall", "iptables-restore", stdin=text)
        elif kind == "ip6tables":
            self.ns("firewall", "ip6tables-restore", stdin=text)
        elif kind == "nftables-json":
            self.ns("firewall", "nft", "-j", "-f", "-", stdin=text)
        else:
            self.ns("firewall", "nft", "-f", "-", stdin=text)

    def load_ufw(self, etc: Path, scratch: Path) -> None:
        """Enable the real ufw inside the firewall namespace, with the shipped configuration
        overlaid by the example's etc/ufw and etc/default/ufw (ufw --rootdir)."""
        root = scratch / "ufw-root"
        shutil.copytree("/etc/ufw", root / "etc" / "ufw")
        shutil.copytree(Path("/lib/ufw").resolve(), root / "lib" / "ufw")
        for source in etc.rglob("*"):
            if source.is_file():
                target = root / "etc" / source.relative_to(etc)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target)
        self.ns("firewall", "ufw", f"--rootdir={root}", f"--datadir={root}", "enable")

    def listen(self, ports: list[int]) -> None:
        for role in ("firewall", "backend"):
            process = subprocess.Popen(
                ["ip", "netns", "exec", self.names[role], sys.executable, "-c", LISTENER,
                 *map(str, ports)], stdout=subprocess.PIPE, text=True)
            self.listeners.append(process)
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"

    def probe(self, targets: list[tuple[int, int]]) -> list[bool]:
        """Connect from the internet namespace to (IP version, port) on the firewall."""
        pairs = [[FIREWALL_ADDRESS[version], port] for version, port in targets]
        return self._connect("internet", pairs)

    def _connect(self, role: str, pairs: list[list[object]]) -> list[bool]:
        result = subprocess.run(
            ["ip", "netns", "exec", self.names[role], sys.executable, "-c", PROBER,
             str(PROBE_TIMEOUT), json.dumps(pairs)],
            capture_output=True, text=True, check=True, timeout=30)
        return json.loads(result.stdout)

    def wait_until_reachable(self, port: int, attempts: int = 20) -> None:
        """IPv6 neighbours take a moment to settle; wait, before any rule is loaded, until both
        hops answer on both IP versions."""
        checks = {"internet": [[FIREWALL_ADDRESS[4], port], [FIREWALL_ADDRESS[6], port]],
                  "firewall": [["10.99.0.2", port], ["fd00:99::2", port]]}
        for _ in range(attempts):
            if all(all(self._connect(role, pairs)) for role, pairs in checks.items()):
                return
            time.sleep(0.1)
        raise AssertionError("the namespaces did not become reachable")

    def tear_down(self) -> None:
        for process in self.listeners:
            process.kill()
            process.wait(timeout=5)
        for name in self.names.values():
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=20)


@contextmanager
def lab(tag: str) -> Iterator[Lab]:
    network = Lab(f"{os.getpid() % 100000}{tag}")
    try:
        network.build()
        yield network
    finally:
        network.tear_down()
