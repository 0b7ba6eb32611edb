"""Every verdict-preserving transformation, by name."""

from __future__ import annotations

from collections.abc import Callable

from tests.metamorphic import (
    caddy_transforms,
    compose_transforms,
    firewall_transforms,
    json_transforms,
    kustomize_transforms,
    nginx_transforms,
    terraform_transforms,
    traefik_transforms,
    yaml_transforms,
)
from tests.metamorphic.tree import Tree, Variant

Transformation = Callable[[Tree], Variant]

TRANSFORMATIONS: dict[str, Transformation] = {
    **terraform_transforms.TRANSFORMATIONS,
    **yaml_transforms.TRANSFORMATIONS,
    **json_transforms.TRANSFORMATIONS,
    **firewall_transforms.TRANSFORMATIONS,
    **compose_transforms.TRANSFORMATIONS,
    **nginx_transforms.TRANSFORMATIONS,
    **kustomize_transforms.TRANSFORMATIONS,
    **traefik_transforms.TRANSFORMATIONS,
    **caddy_transforms.TRANSFORMATIONS,
}
