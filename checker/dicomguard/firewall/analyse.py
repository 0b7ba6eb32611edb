"""From a rule set to ingress facts: a verdict per catalogue port and IP version."""

from __future__ import annotations

from typing import Any

from dicomguard import facts
from dicomguard.firewall import addresses
from dicomguard.firewall.evaluate import Admission, RulesetError, Verdict, verdict
from dicomguard.firewall.netfilter import DestinationPort, Ruleset
from dicomguard.model import CollectResult, InputError, Origin, ScanError, Unknown


def probe_ports(ruleset: Ruleset, catalogue: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Catalogue ports, plus every arrival port that NAT translates to a catalogue port."""
    wanted = {(str(entry.get("protocol", "tcp")), int(entry["port"])) for entry in catalogue}
    service_ports = {port for _, port in wanted}
    for chain in ruleset.chains.values():
        for rule in chain.rules:
            target = rule.target
            if target.kind not in {"dnat", "redirect"} or target.port not in service_ports:
                continue
            for match in rule.matches:
                if isinstance(match, DestinationPort) and not match.negated:
                    protocols = match.protocols - {"all"} or {"tcp"}
                    wanted.update((protocol, low) for protocol in protocols
                                  for low, _ in match.ranges)
    return sorted(wanted)


def verdicts(ruleset: Ruleset, catalogue: list[dict[str, Any]]) -> list[Verdict]:
    return [verdict(ruleset, version, protocol, port)
            for version in sorted(ruleset.platform)
            for protocol, port in probe_ports(ruleset, catalogue)]


def ingress_facts(ruleset: Ruleset, found: list[Verdict],
                  catalogue: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One fact per admitted (catalogue port, IP version): the first rule that lets the
    internet in, else the first that might, else the first that admits a narrower source."""
    catalogue_ports = {int(entry["port"]) for entry in catalogue}
    grouped: dict[tuple[int, str, int], list[Admission]] = {}
    for item in found:
        for admission in item.admissions:
            for port in sorted({admission.arrival_port, admission.service_port}
                               & catalogue_ports):
                grouped.setdefault((item.version, item.protocol, port), []).append(admission)
    result = []
    for (version, protocol, port), admitted in sorted(grouped.items()):
        internet = [a for a in admitted if a.scope == "internet"]
        confirmed = [a for a in internet if not a.reasons]
        chosen = (confirmed or internet or admitted)[0]
        if confirmed or not internet:
            scope = chosen.scope
            peer = {**facts.peer(addresses.describe(chosen.span, version)), "scope": scope}
        else:
            reasons = sorted({reason for a in internet for reason in a.reasons})
            peer = facts.peer(Unknown("; ".join(reasons)))
        result.append(_fact(ruleset, chosen, version, protocol, port, peer))
    return result


def _fact(ruleset: Ruleset, admission: Admission, version: int, protocol: str, port: int,
          peer: dict[str, Any]) -> dict[str, Any]:
    decision = admission.decision
    origin = Origin(decision.file, decision.line, decision.line,
                    f"IPv{version} {decision.path}")
    return facts.ingress(
        origin,
        platform=ruleset.platform[version],
        mechanism=decision.chain,
        protocol=protocol,
        ports=[[port, port]],
        peers=[peer],
        path=decision.path,
        suffix=f"ipv{version}/{protocol}/{port}",
    )


def evaluate_ruleset(ruleset: Ruleset, catalogue: list[dict[str, Any]],
                     file: str) -> CollectResult:
    result = CollectResult()
    try:
        found = verdicts(ruleset, catalogue)
    except RulesetError as error:
        result.errors.append(ScanError(error.file or file, error.line, error.message))
        return result
    result.facts.ingress.extend(ingress_facts(ruleset, found, catalogue))
    inferred = ruleset.uplink_rules() if ruleset.configured_uplinks is None else {}
    for name, (chain, rule) in inferred.items():
        result.facts.notes.append(facts.note(
            Origin(rule.file, rule.line, rule.line, f"{chain.label} rule {rule.number}"),
            f"{name} is taken as the interface the internet arrives on: the rule set "
            f"masquerades through it; rules with -i {name} / iifname {name} are judged so"))
    for name, spans, chain, rule in ruleset.bridge_rules():
        subnets = ", ".join(addresses.describe(span, version) for version, span in spans.items())
        result.facts.notes.append(facts.note(
            Origin(rule.file, rule.line, rule.line, f"{chain.label} rule {rule.number}"),
            f"{subnets} is taken as reached only through the bridge {name}: the rule set "
            f"masquerades it out of every other interface; a packet DNAT sends there leaves by "
            f"{name}"))
    return result


def input_error(file: str, error: InputError) -> ScanError:
    return ScanError(file, error.line, error.message)
