"""Words that name traffic sources: every source (the internet) or only private networks.
Azure service tags: `Internet`, `*` and `Any` mean every source; `VirtualNetwork` and
`AzureLoadBalancer` mean private ones. ufw writes `Anywhere`, iptables `0/0`."""

from __future__ import annotations

AZURE_INTERNET_TAGS = frozenset({"internet", "*", "any"})
AZURE_PRIVATE_TAGS = frozenset({"virtualnetwork", "azureloadbalancer"})
INTERNET_WORDS = AZURE_INTERNET_TAGS | frozenset({"all", "0.0.0.0", "/0", "0/0", "anywhere"})
PRIVATE_WORDS = AZURE_PRIVATE_TAGS | frozenset({"localhost", "loopback", "self", "intranet"})
