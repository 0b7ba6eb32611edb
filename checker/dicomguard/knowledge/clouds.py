"""Cloud defaults and switches a manifest or a configuration relies on."""

from __future__ import annotations

# Service annotations that make a Kubernetes LoadBalancer internal on AWS, Azure and GKE (each
# cloud controller's documentation): annotation -> value that does it.
INTERNAL_LOAD_BALANCER = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
    "networking.gke.io/load-balancer-type": "internal",
    "cloud.google.com/load-balancer-type": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
}
