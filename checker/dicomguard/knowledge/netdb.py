"""Service names as iptables, nft and ufw resolve them: /etc/services from Debian's netbase
(data/etc_services.json). The scanning machine's own /etc/services is never read: the verdict
must not depend on where dicomguard runs."""

from __future__ import annotations

from dicomguard.knowledge.tables import table


def service_port(name: str, protocol: str = "tcp") -> int | None:
    """The port a service name stands for, the first /etc/services line naming it winning as
    in glibc: `dicom` is an alias of acr-nema, 104/tcp (netbase's later `dicom 11112/tcp` line
    is never reached)."""
    entry = table("etc_services")["services"].get(name.strip())
    if entry is None:
        return None
    wanted = protocol if protocol in {"tcp", "udp", "sctp", "dccp"} else "tcp"
    port = entry.get(wanted, entry.get("tcp", entry.get("udp")))
    return int(port) if port is not None else None


def numbered(spec: str, protocol: str = "tcp") -> str:
    """A port spec with its service names as numbers, as iptables reads `--dport`:
    'dicom' -> '104', 'ssh:dicom' -> '22:104'; names it does not know are left as written."""
    ends = spec.split(":")
    return ":".join(str(service_port(end, protocol) or end)
                    if end.strip() and not end.strip().isdigit() else end for end in ends)
