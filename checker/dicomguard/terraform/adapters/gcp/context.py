"""What one Google Cloud resource's facts depend on elsewhere in the configuration (public
access prevention of buckets, the firewall rules of each network, IAM policy documents), built
once per configuration, and the signature every Google Cloud adapter has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dicomguard.model import Facts, is_unknown
from dicomguard.records import field, record
from dicomguard.terraform.adapters.gcp.backends import build_backends
from dicomguard.terraform.adapters.gcp.rules import Firewall, firewall_rule
from dicomguard.terraform.adapters.parts import referenced_address
from dicomguard.terraform.evaluated import Configuration, Resource

PLATFORM = "gcp"


@record
class GcpContext:
    prevented_buckets: dict[str, Any] = field(default_factory=dict)  # address or name -> state
    firewalls: dict[str, Firewall] = field(default_factory=dict)
    iam_policies: dict[str, Resource] = field(default_factory=dict)
    # Target proxies, URL maps, backend services, instance groups and templates, by address.
    routes: dict[str, Resource] = field(default_factory=dict)

    def prevention(self, bucket: Any) -> Any:
        key = referenced_address(bucket) or (bucket if isinstance(bucket, str) else "")
        return self.prevented_buckets.get(key, False)


def build_context(configuration: Configuration) -> GcpContext:
    context = GcpContext()
    for resource in configuration.of_type("google_storage_bucket"):
        setting = resource.body.attr("public_access_prevention", "inherited")
        state = setting if is_unknown(setting) else setting == "enforced"
        context.prevented_buckets[resource.address] = state
        name = resource.body.attr("name")
        if isinstance(name, str):
            context.prevented_buckets[name] = state
    for resource in configuration.of_type("google_compute_firewall"):
        rule = firewall_rule(resource)
        if rule is not None:
            context.firewalls[resource.address] = rule
    context.routes = build_backends(configuration)
    for resource in configuration.resources:
        if resource.type == "google_iam_policy":
            context.iam_policies[resource.address] = resource
    return context


Adapter = Callable[[Resource, GcpContext, Facts], None]
