"""What a Google Cloud forwarding rule reaches behind it: its target proxy (and URL map) or
backend service, the backend service's instance groups, the port its `port_name` names among
the groups' named ports, and the instances' network tags and service accounts (from an instance
group's instances, or a managed group's instance template)."""

from __future__ import annotations

from typing import Any

from dicomguard.model import is_unknown
from dicomguard.records import field, record
from dicomguard.terraform.adapters.parts import Part, items, referenced_address
from dicomguard.terraform.evaluated import Configuration, Resource

BACKEND_SERVICES = ("google_compute_backend_service", "google_compute_region_backend_service")
URL_MAPS = ("google_compute_url_map", "google_compute_region_url_map")
GROUPS = ("google_compute_instance_group", "google_compute_instance_group_manager",
          "google_compute_region_instance_group_manager")
TEMPLATES = ("google_compute_instance_template", "google_compute_region_instance_template")
DEFAULT_PORT_NAME = "http"  # the provider's default for port_name


@record
class Group:
    """An instance group a backend service sends to."""

    address: str
    named_ports: dict[str, Any]
    tags: set[str] | None  # None: not known (instances or template not in the configuration)
    accounts: set[str] | None


@record
class Backend:
    """A backend service with the port its port_name resolves to in its groups."""

    address: str
    port_name: str
    ports: list[Any] = field(default_factory=list)  # one per group that names the port
    groups: list[Group] = field(default_factory=list)


def _address(value: Any) -> str:
    return referenced_address(value) or ""


def _instances_identity(resources: list[Resource]) -> tuple[set[str] | None, set[str] | None]:
    """The network tags and service account emails of instances or templates."""
    if not resources:
        return None, None
    tags: set[str] = set()
    accounts: set[str] = set()
    for resource in resources:
        part = Part.of(resource)
        found = part.get("tags")
        if is_unknown(found):
            return None, None
        tags.update(str(tag) for tag in items(found))
        for account in part.parts("service_account"):
            email = account.get("email")
            named = referenced_address(email) or (None if is_unknown(email) else email)
            if named is None:
                return tags, None
            accounts.add(str(named))
    return tags, accounts


def _group(resource: Resource, by_address: dict[str, Resource]) -> Group:
    part = Part.of(resource)
    named = {str(port.get("name")): port.get("port") for port in part.parts("named_port")
             if isinstance(port.get("name"), str)}
    if resource.type == "google_compute_instance_group":
        members = [by_address[_address(item)] for item in items(part.get("instances"))
                   if _address(item) in by_address]
    else:
        templates = [part.get("instance_template"),
                     *(version.get("instance_template") for version in part.parts("version"))]
        members = [by_address[_address(item)] for item in templates if _address(item)
                   in by_address]
    tags, accounts = _instances_identity(members)
    return Group(resource.address, named, tags, accounts)


def build_backends(configuration: Configuration) -> dict[str, Any]:
    """Every resource a forwarding rule's route may pass through, by address."""
    return {resource.address: resource for resource in configuration.of_type(
        *BACKEND_SERVICES, *URL_MAPS, *GROUPS, *TEMPLATES, "google_compute_instance",
        "google_compute_target_http_proxy", "google_compute_target_https_proxy",
        "google_compute_target_tcp_proxy", "google_compute_target_ssl_proxy",
        "google_compute_region_target_http_proxy", "google_compute_region_target_https_proxy",
        "google_compute_region_target_tcp_proxy")}


def _services_of(address: str, by_address: dict[str, Resource], depth: int = 0) -> list[str]:
    """The backend services a target proxy, URL map or backend service leads to."""
    resource = by_address.get(address)
    if resource is None or depth > 3:
        return []
    if resource.type in BACKEND_SERVICES:
        return [address]
    part = Part.of(resource)
    if resource.type in URL_MAPS:
        named = [part.get("default_service")]
        for matcher in part.parts("path_matcher"):
            named.append(matcher.get("default_service"))
            named += [rule.get("service") for rule in matcher.parts("path_rule")]
        return list(dict.fromkeys(found for item in named
                                  for found in _services_of(_address(item), by_address,
                                                            depth + 1)))
    return _services_of(_address(part.get("backend_service") or part.get("url_map")),
                        by_address, depth + 1)


def backends_of(rule: Part, by_address: dict[str, Resource]) -> list[Backend]:
    """The backend services behind a forwarding rule, each with its groups and the port its
    port_name names in them."""
    found = []
    for address in _services_of(_address(rule.get("backend_service") or rule.get("target")),
                                by_address):
        service = Part.of(by_address[address])
        port_name = service.get("port_name", DEFAULT_PORT_NAME)
        backend = Backend(address, str(port_name))
        for block in service.parts("backend"):
            group_resource = by_address.get(_address(block.get("group")))
            if group_resource is None or group_resource.type not in GROUPS:
                continue
            group = _group(group_resource, by_address)
            backend.groups.append(group)
            if backend.port_name in group.named_ports:
                backend.ports.append(group.named_ports[backend.port_name])
        found.append(backend)
    return found
