"""ufw application profiles as Debian ships them (data/ufw_profiles.json): ufw's own
applications.d and those of server packages (openssh-server, nginx-common, postfix, ...)."""

from __future__ import annotations

from dicomguard.knowledge.tables import table

# Profiles Ubuntu's packages ship and Debian's do not (apache2, nginx's QUIC profile), as
# Ubuntu documents them.
UBUNTU_PROFILES = {
    "Apache": "80/tcp", "Apache Secure": "443/tcp", "Apache Full": "80,443/tcp",
    "Nginx QUIC": "443/udp",
}


def profile_ports(name: str) -> list[str] | None:
    """The port specs of a profile ('80,443/tcp', '53' for tcp and udp), matched without regard
    to case as ufw status prints them; None when no package ships the profile."""
    wanted = name.strip().lower()
    profiles = {key.lower(): entry["ports"] for key, entry in table("ufw_profiles")["profiles"]
                .items()}
    profiles.update({key.lower(): ports for key, ports in UBUNTU_PROFILES.items()})
    ports = profiles.get(wanted)
    return ports.split("|") if ports is not None else None
