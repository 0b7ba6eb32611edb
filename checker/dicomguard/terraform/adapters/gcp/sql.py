"""Cloud SQL instances as database service facts: reachable from the internet through a public
IP and an authorised network that is the internet."""

from __future__ import annotations

from dicomguard.facts import peer, service, tristate
from dicomguard.model import Facts, is_unknown
from dicomguard.terraform.adapters.gcp.context import PLATFORM, Adapter, GcpContext
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


def sql_instance(resource: Resource, context: GcpContext, facts: Facts) -> None:
    """Reachable from the internet when it has a public IP and an authorised network that
    is the internet; a public IP without authorised networks only admits the Auth Proxy."""
    part = Part.of(resource)
    settings = part.part("settings")
    network = settings.part("ip_configuration") if settings else None
    reach, unknown = "network", []
    origin = part.origin()
    if network is not None:
        enabled = network.get("ipv4_enabled", True)
        sources = [peer(entry.get("value")) for entry in network.parts("authorized_networks")
                   if entry.has("value")]
        if is_unknown(enabled):
            reach, unknown = "unknown", [enabled.reason]
        elif tristate(enabled) and any(source["scope"] == "internet" for source in sources):
            reach = "internet"
            origin = network.origin()
        elif tristate(enabled) and any(source["scope"] == "unknown" for source in sources):
            reach = "unknown"
            unknown = [source.get("reason", "") for source in sources
                       if source["scope"] == "unknown"]
    version = part.get("database_version")
    facts.services.append(service(origin, platform=PLATFORM,
                                  product=version if isinstance(version, str) else "Cloud SQL",
                                  reach=reach, authentication=True, kind="database",
                                  unknown=unknown))


ADAPTERS: dict[str, Adapter] = {
    "google_sql_database_instance": sql_instance,
}
