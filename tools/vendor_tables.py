"""Regenerate the vendor tables in checker/dicomguard/data/ from Debian's own packages.

    cd /tmp && apt-get download firewalld netbase ufw openssh-server nginx-common postfix \
        cups-daemon bind9 dovecot-imapd samba
    python tools/vendor_tables.py /tmp/*.deb

ufw's own profiles come from the ufw package; the others from the server packages that drop a
profile into /etc/ufw/applications.d.

Each table records the package and version it was read from. The service XMLs, /etc/services
and the ufw profiles are read as data only: the tables keep names, ports and protocols (facts),
not the packages' text.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "checker" / "dicomguard" / "data"


def _extract(deb: Path, into: Path) -> tuple[str, str]:
    """(package, version) of a .deb, unpacked into `into`."""
    fields = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version"], check=True,
                            capture_output=True, text=True).stdout
    values = dict(line.split(": ", 1) for line in fields.splitlines())
    subprocess.run(["dpkg-deb", "-x", str(deb), str(into)], check=True)
    return values["Package"], values["Version"]


def _source(package: str, version: str) -> dict[str, str]:
    return {"package": package, "version": version, "distribution": "Debian 12 (bookworm)"}


def firewalld_tables(root: Path, package: str, version: str) -> tuple[dict, dict]:
    services: dict[str, dict] = {}
    for path in sorted((root / "usr/lib/firewalld/services").glob("*.xml")):
        element = ElementTree.parse(path).getroot()
        services[path.stem] = {
            "ports": [[port.get("port", ""), port.get("protocol", "")]
                      for port in element.iter("port")],
            "protocols": [item.get("value", "") for item in element.iter("protocol")],
            "source_ports": [[port.get("port", ""), port.get("protocol", "")]
                             for port in element.iter("source-port")],
            "includes": [item.get("service", "") for item in element.iter("include")],
        }
    zones: dict[str, dict] = {}
    for path in sorted((root / "usr/lib/firewalld/zones").glob("*.xml")):
        element = ElementTree.parse(path).getroot()
        zones[path.stem] = {"target": element.get("target", "default"),
                            "services": [item.get("name", "") for item in element.iter("service")]}
    conf = (root / "etc/firewalld/firewalld.conf").read_text(encoding="utf-8")
    default_zone = next(line.split("=", 1)[1].strip() for line in conf.splitlines()
                        if line.startswith("DefaultZone="))
    source = _source(package, version)
    return ({"source": source, "license": "GPL-2.0-or-later (service definitions); ports and "
             "protocols only", "services": services},
            {"source": source, "default_zone": default_zone, "zones": zones})


def netbase_table(root: Path, package: str, version: str) -> dict:
    """name or alias -> {protocol: port}; the first line naming it wins, as in glibc."""
    names: dict[str, dict[str, int]] = {}
    for raw in (root / "etc/services").read_text(encoding="utf-8").splitlines():
        words = raw.split("#", 1)[0].split()
        if len(words) < 2:
            continue
        port, _, protocol = words[1].partition("/")
        for name in [words[0], *words[2:]]:
            names.setdefault(name, {}).setdefault(protocol, int(port))
    return {"source": _source(package, version), "services": names}


def ufw_profiles(root: Path, package: str, version: str) -> dict[str, dict[str, str]]:
    """Application profiles a package drops into /etc/ufw/applications.d."""
    profiles: dict[str, dict[str, str]] = {}
    for path in sorted((root / "etc/ufw/applications.d").iterdir()):
        section = ""
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
            elif line.startswith("ports=") and section:
                profiles[section] = {"ports": line.split("=", 1)[1],
                                     "package": f"{package} {version}"}
    return profiles


def main(debs: list[str]) -> None:
    profiles: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as temporary:
        for deb in debs:
            into = Path(temporary) / Path(deb).name
            package, version = _extract(Path(deb), into)
            if package == "firewalld":
                services, zones = firewalld_tables(into, package, version)
                _write("firewalld_services.json", services)
                _write("firewalld_zones.json", zones)
            elif package == "netbase":
                _write("etc_services.json", netbase_table(into, package, version))
            if (into / "etc/ufw/applications.d").is_dir():
                profiles.update(ufw_profiles(into, package, version))
            elif package not in {"firewalld", "netbase"}:
                raise SystemExit(f"{deb}: no table is read from package {package}")
    if profiles:
        _write("ufw_profiles.json", {"distribution": "Debian 12 (bookworm)",
                                     "profiles": profiles})


def _write(name: str, table: dict) -> None:
    (DATA / name).write_text(json.dumps(table, indent=1, sort_keys=True) + "\n",
                             encoding="utf-8")
    print(f"wrote {DATA / name}")


if __name__ == "__main__":
    main(sys.argv[1:])
