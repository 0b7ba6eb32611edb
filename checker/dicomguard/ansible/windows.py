"""Windows Firewall tasks (community.windows `win_firewall_rule` and `win_firewall`) as
ingress facts, with the network profile they apply to.

Windows applies a rule to the profiles it names: `public` is the profile of a network Windows
does not trust (the internet side of a host), `domain` and `private` are networks an
administrator chose to trust. A rule or an open firewall on the public profile (or on every
profile, the modules' default) admits the internet; on domain or private only it admits the
networks of those profiles (see docs/decisions.md)."""

from __future__ import annotations

import ipaddress
from typing import Any

from dicomguard import facts
from dicomguard.ansible.evaluate import TaskRun
from dicomguard.model import Facts, Unknown, is_unknown

PLATFORM = "ansible"
PROFILES = ("domain", "private", "public")
INTERNET = "0.0.0.0/0"


def _words(value: Any) -> list[Any]:
    """A list argument that may also be written as a comma list ('domain,private')."""
    found: list[Any] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            found.extend(part.strip() for part in item.split(",") if part.strip())
        elif item is not None:
            found.append(item)
    return found


def _profiles(run: TaskRun) -> Any:
    """The profiles a task applies to: a set of names, or Unknown."""
    value = run.args.get("profiles", run.args.get("profile"))
    if value is None:
        return set(PROFILES)
    names = _words(value)
    unknown = next((name for name in names if is_unknown(name)), None)
    if unknown is not None:
        return unknown
    chosen = {str(name).lower() for name in names}
    return set(PROFILES) if chosen & {"any", "all"} or not chosen else chosen


def _profile_path(profiles: Any) -> str:
    return "" if is_unknown(profiles) else \
        f"Windows Firewall {', '.join(sorted(profiles))} profile"


def _profile_peer(profiles: Any, sources: list[Any]) -> list[dict[str, Any]]:
    """The internet side of the host when the public profile is among `profiles`; otherwise
    only the trusted networks of the domain or private profile."""
    if is_unknown(profiles):
        return [facts.peer(Unknown(f"the firewall profile is not known: {profiles.reason}"))]
    if "public" in profiles:
        return [peer for source in sources for peer in _remote_peers(source)]
    return [facts.peer(f"Windows {'/'.join(sorted(profiles))} profile", tag=True)]


def _remote_peers(source: Any) -> list[dict[str, Any]]:
    """Peers of one `remoteip` entry: `any`, an address, a CIDR, a range `a-b`, or a
    Windows keyword (`LocalSubnet`, `Intranet`, `Internet`)."""
    if is_unknown(source):
        return [facts.peer(source)]
    text = str(source).strip()
    if text.lower() == "any":
        return [facts.peer(INTERNET)]
    if "-" in text:
        low, _, high = text.partition("-")
        try:
            networks = ipaddress.summarize_address_range(ipaddress.ip_address(low.strip()),
                                                         ipaddress.ip_address(high.strip()))
            return [facts.peer(str(network)) for network in networks]
        except (TypeError, ValueError):
            return [facts.peer(Unknown(f"remoteip {text!r} is not an address range"))]
    if not any(character.isdigit() or character in ":/" for character in text):
        return [facts.peer(text, tag=True)]
    return [facts.peer(text)]


def win_firewall_rule(run: TaskRun, result: Facts) -> None:
    args = run.args
    state = args.get("state", "present")
    if not is_unknown(state) and str(state).lower() == "absent":
        return
    if facts.tristate(args.get("enabled", True)) is False:
        return
    action, direction = args.get("action"), args.get("direction")
    if (isinstance(action, str) and action.lower() != "allow") or (
            isinstance(direction, str) and direction.lower() != "in"):
        return
    profiles = _profiles(run)
    peers = _profile_peer(profiles, _words(args.get("remoteip", "any")) or ["any"])
    undecided = [f"the rule's {what} is not in the task (it changes an existing rule)"
                 if value is None else f"the rule's {what} is not known: {value.reason}"
                 for value, what in ((action, "action"), (direction, "direction"))
                 if value is None or is_unknown(value)]
    if undecided:
        peers = [facts.peer(Unknown("; ".join(undecided)))]
    local = args.get("localport", "any")
    ports = [facts.parse_port_spec(port) for port in _words(local)] or facts.ALL_PORTS
    protocol = args.get("protocol", "any")
    result.ingress.append(facts.ingress(
        run.origin, platform=PLATFORM, mechanism="Windows Firewall rule",
        protocol=protocol if is_unknown(protocol) else facts.normalise_protocol(protocol),
        ports=ports, peers=peers, path=_profile_path(profiles), suffix="rule",
        unknown=run.notes))


def win_firewall(run: TaskRun, result: Facts) -> None:
    """A firewall turned off, or set to allow inbound traffic by default, admits every port."""
    args = run.args
    state, inbound = args.get("state"), args.get("inbound_action")
    open_reasons = []
    if state is not None and (is_unknown(state) or str(state).lower() == "disabled"):
        open_reasons.append("disabled")
    if inbound is not None and (is_unknown(inbound) or str(inbound).lower() == "allow"):
        open_reasons.append("inbound_action allow")
    if not open_reasons:
        return
    profiles = _profiles(run)
    peers = _profile_peer(profiles, ["any"])
    for value in (state, inbound):
        if is_unknown(value):
            peers = [facts.peer(value)]
    result.ingress.append(facts.ingress(
        run.origin, platform=PLATFORM,
        mechanism=f"Windows Firewall {' and '.join(open_reasons)}", protocol="all",
        ports=facts.ALL_PORTS, peers=peers, path=_profile_path(profiles), suffix="profile",
        unknown=run.notes))
