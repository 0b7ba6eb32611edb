"""Walk a rule set the way netfilter walks a NEW connection from the internet, per port and IP
version: PREROUTING (DNAT), then INPUT for a local socket or FORWARD for a forwarded one.

The packet's possible source addresses travel as a set (see addresses.py); a rule that cannot be
decided statically lets both outcomes happen and records why, so the verdict becomes unresolved
instead of guessed.
"""

from __future__ import annotations

from dicomguard.firewall import addresses
from dicomguard.firewall.addresses import Span
from dicomguard.firewall.netfilter import Chain, Probe, Rule, Ruleset, Source, Target
from dicomguard.limits import spend
from dicomguard.records import field, record

MAX_DEPTH = 64


class RulesetError(Exception):
    """A rule set the kernel would refuse (a jump loop, a missing chain)."""

    def __init__(self, message: str, file: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line


@record(frozen=True)
class Flow:
    span: Span
    reasons: tuple[str, ...] = ()

    def because(self, reason: str) -> Flow:
        if reason in self.reasons:
            return self
        return Flow(self.span, (*self.reasons, reason))


@record(frozen=True)
class Decision:
    """The rule or chain policy that let a flow through, and the path to it."""

    file: str
    line: int
    path: str
    by_rule: bool
    chain: str = ""


@record
class Ending:
    verdict: str  # accept | drop | dnat
    flow: Flow
    decision: Decision
    target: Target | None = None


@record(frozen=True)
class Admission:
    """Traffic from `span` that reaches a socket: locally or forwarded after DNAT."""

    version: int
    protocol: str
    arrival_port: int
    service_port: int
    span: Span
    reasons: tuple[str, ...]
    decision: Decision
    forwarded_to: str = ""

    @property
    def scope(self) -> str:
        return addresses.scope(self.span, self.version)


@record
class Verdict:
    """What the kernel does with a NEW connection from the internet to one arrival port."""

    version: int
    protocol: str
    port: int
    status: str  # exposed | closed | unresolved
    admissions: list[Admission] = field(default_factory=list)


def merge(flows: list[Flow]) -> list[Flow]:
    """Flows with the same reasons are one flow."""
    if len(flows) < 2:
        return [flow for flow in flows if flow.span]
    by_reasons: dict[tuple[str, ...], Span] = {}
    for flow in flows:
        if flow.span:
            by_reasons[flow.reasons] = addresses.union(by_reasons.get(flow.reasons, ()), flow.span)
    return [Flow(span, reasons) for reasons, span in by_reasons.items()]


DENYING = frozenset({"drop", "reject"})


def coalesced(chain: Chain) -> list[Rule]:
    """The chain's rules with runs of denying rules that differ only in their source address
    (block lists of thousands of addresses) merged into one rule per run. A denied packet is
    never reported, so which rule of the run denied it does not matter."""
    if chain.coalesced is None:
        runs: list[list[Rule]] = []
        for rule in chain.rules:
            if runs and _same_but_source(runs[-1][0], rule):
                runs[-1].append(rule)
            else:
                runs.append([rule])
        chain.coalesced = [run[0] if len(run) == 1 else _merged(run) for run in runs]
    return chain.coalesced


def _same_but_source(first: Rule, rule: Rule) -> bool:
    return (first.target.kind in DENYING and rule.target.kind == first.target.kind
            and len(first.source) == len(rule.source) == 1
            and not first.source[0].negated and not rule.source[0].negated
            and first.source[0].spans.keys() == rule.source[0].spans.keys()
            and first.static == rule.static and first.choice == rule.choice)


def _merged(run: list[Rule]) -> Rule:
    first = run[0]
    spans = {version: addresses.union(*(rule.source[0].spans[version] for rule in run))
             for version in first.source[0].spans}
    return Rule(first.file, first.line, first.number,
                [*first.static, *first.choice, Source(spans)], first.target)


class Walker:
    def __init__(self, ruleset: Ruleset, probe: Probe) -> None:
        self.ruleset = ruleset
        self.probe = probe
        self.chain_label = ""
        self.transparent: dict[str, bool] = {}

    def split(self, rule: Rule, flows: list[Flow]) -> tuple[list[Flow], list[Flow]]:
        """The flows a rule matches and those that go on to the next rule."""
        reasons: list[str] = []
        chosen = False
        for match in rule.static:
            result = match.test(self.probe)
            if result is False:
                return [], flows
            if isinstance(result, str):
                reasons.append(result)
        for match in rule.choice:
            result = match.test(self.probe)
            if result is False:
                return [], flows
            if result == "choice":
                chosen = True
        matched: list[Flow] = []
        rest: list[Flow] = []
        version = self.probe.version
        for flow in flows:
            inside = flow.span
            for source in rule.source:
                if version not in source.spans and not source.negated:
                    inside = addresses.EMPTY
                    break
                inside = addresses.intersect(inside, source.span(version))
            if not inside:
                rest.append(flow)
                continue
            outside = addresses.subtract(flow.span, inside)
            if outside:
                rest.append(Flow(outside, flow.reasons))
            taken = Flow(inside, flow.reasons)
            for reason in reasons:
                taken = taken.because(reason)
            matched.append(taken)
            if chosen:
                rest.append(Flow(inside, flow.reasons))
            elif reasons:
                passed = Flow(inside, flow.reasons)
                if rule.target.kind != "accept":
                    for reason in reasons:
                        passed = passed.because(reason)
                rest.append(passed)
        return merge(matched), merge(rest)

    def chain(self, chain: Chain, flows: list[Flow], path: tuple[str, ...],
              stack: tuple[str, ...]) -> tuple[list[Ending], list[Flow]]:
        """Endings reached inside the chain, and the flows that return from it."""
        if chain.name in stack or len(stack) > MAX_DEPTH:
            raise RulesetError(f"chain {chain.label} jumps back into itself", chain.file,
                               chain.line)
        spend(1, chain.line)  # jumps fanning out level after level: exponentially many visits
        stack = (*stack, chain.name)
        caller, self.chain_label = self.chain_label, chain.label
        endings: list[Ending] = []
        returned: list[Flow] = []
        live = flows
        for rule in coalesced(chain):
            if not live:
                break
            target = rule.target
            if target.kind == "continue" or (
                    target.kind == "jump" and self.is_transparent(target.chain, ())):
                continue
            matched, live = self.split(rule, live)
            if not matched:
                continue
            step = (*path, f"{chain.label} rule {rule.number}")
            if target.kind == "vmap":
                chosen = self.vmap_choice(target)
                if chosen is None:
                    live = merge(live + matched)
                    continue
                target = chosen
            more_endings, back, onward = self.apply(target, rule, matched, step, stack)
            endings.extend(more_endings)
            returned.extend(back)
            if onward:
                live = merge(live + onward)
        returned.extend(live)
        self.chain_label = caller
        return endings, merge(returned)

    def is_transparent(self, name: str, stack: tuple[str, ...]) -> bool:
        """A chain that only logs or counts and always returns: jumping to it changes nothing,
        whatever the jump's matches are."""
        if name not in self.transparent:
            chain = self.ruleset.chains.get(name)
            self.transparent[name] = chain is not None and name not in stack and all(
                rule.target.kind in {"continue", "return"} or (
                    rule.target.kind == "jump"
                    and self.is_transparent(rule.target.chain, (*stack, name)))
                for rule in chain.rules)
        return self.transparent[name]

    def vmap_choice(self, target: Target) -> Target | None:
        if target.vmap_key == "ct state":
            key = "new"
        elif target.vmap_key == "dport":
            key = str(self.probe.dport)
        else:
            return Target("undecidable", reason=f"verdict map on {target.vmap_key}")
        for keys, verdict in target.vmap:
            if any(_key_matches(candidate, key) for candidate in keys):
                return verdict
        return None

    def apply(self, target: Target, rule: Rule, matched: list[Flow], step: tuple[str, ...],
              stack: tuple[str, ...]) -> tuple[list[Ending], list[Flow], list[Flow]]:
        """Endings, flows returning from this chain, flows continuing after this rule."""
        decision = Decision(rule.file, rule.line, " -> ".join(step), True, self.chain_label)
        kind = target.kind
        if kind in {"accept", "drop", "reject"}:
            verdict = "accept" if kind == "accept" else "drop"
            return [Ending(verdict, flow, decision) for flow in matched], [], []
        if kind == "return":
            return [], matched, []
        if kind == "taint":
            return [], [], [flow.because(target.reason) for flow in matched]
        if kind in {"dnat", "redirect"}:
            return [Ending("dnat", flow, decision, target) for flow in matched], [], []
        if kind == "undecidable":
            taken = [flow.because(target.reason) for flow in matched]
            return [Ending("accept", flow, decision) for flow in taken], [], []
        if kind in {"jump", "goto"}:
            callee = self.ruleset.chains.get(target.chain)
            if callee is None:
                raise RulesetError(f"jump to undefined chain {target.chain}", rule.file, rule.line)
            endings, back = self.chain(callee, matched, step, stack)
            if kind == "goto":
                return endings, back, []
            return endings, [], back
        raise RulesetError(f"unsupported target {kind}", rule.file, rule.line)


def _key_matches(candidate: str, key: str) -> bool:
    if candidate == key:
        return True
    low, separator, high = candidate.partition("-")
    if separator and key.isdigit() and low.isdigit() and high.isdigit():
        return int(low) <= int(key) <= int(high)
    return False


def _hook(ruleset: Ruleset, hook: str, probe: Probe,
          entries: list[tuple[Flow, Decision | None]]
          ) -> tuple[list[tuple[Flow, Decision | None]], list[Ending]]:
    """Run every base chain of a hook in priority order. Returns the flows that pass (with the
    decision that let them) and the DNAT endings (which leave the hook translated)."""
    chains = ruleset.base_chains(hook, probe.version)
    if not chains:
        reason = ruleset.missing_hook_reason.get(hook)
        default = Decision(ruleset.file, 1, f"no {hook} chain: kernel default ACCEPT", False)
        return [(flow.because(reason) if reason else flow, decision or default)
                for flow, decision in entries], []
    walker = Walker(ruleset, probe)
    dnats: list[Ending] = []
    for chain in chains:
        passed: list[tuple[Flow, Decision | None]] = []
        for flow, earlier in entries:
            endings, returned = walker.chain(chain, [flow], (), ())
            for ending in endings:
                if ending.verdict == "accept":
                    passed.append((ending.flow, ending.decision))
                elif ending.verdict == "dnat":
                    dnats.append(ending)
            if returned and chain.policy != "drop":
                policy = Decision(chain.file, chain.policy_line or chain.line,
                                  f"{chain.label} policy {(chain.policy or 'accept').upper()}",
                                  False, chain.label)
                keep = earlier if earlier is not None and earlier.by_rule else policy
                passed.extend((flow, keep) for flow in returned)
        entries = passed
        if not entries:
            break
    return entries, dnats


def admissions(ruleset: Ruleset, version: int, protocol: str, port: int) -> list[Admission]:
    """Everything a NEW connection from the internet to `port` can reach."""
    start = Flow(addresses.everything(version), ruleset.global_reasons)
    uplinks, complete = ruleset.uplinks(), ruleset.configured_uplinks is not None
    pre = Probe(version, protocol, port, "prerouting", uplinks=uplinks, uplinks_complete=complete)
    local, dnats = _hook(ruleset, "prerouting", pre, [(start, None)])
    found: list[Admission] = []
    probe = Probe(version, protocol, port, "input", uplinks=uplinks, uplinks_complete=complete)
    for flow, decision in _hook(ruleset, "input", probe, local)[0]:
        found.append(_admission(probe, port, port, flow, decision))
    for ending in dnats:
        found.extend(_translated(ruleset, ending, version, protocol, port))
    return found


def _translated(ruleset: Ruleset, ending: Ending, version: int, protocol: str,
                port: int) -> list[Admission]:
    target = ending.target
    assert target is not None
    new_port = target.port if target.port is not None else port
    local = target.kind == "redirect" or _is_loopback(target.address)
    hook = "input" if local else "forward"
    probe = Probe(version, protocol, new_port, hook, None if local else target.address or None,
                  natted=True, uplinks=ruleset.uplinks(),
                  uplinks_complete=ruleset.configured_uplinks is not None,
                  bridges=ruleset.bridges(version))
    nat_step = ending.decision.path
    host = f"[{target.address}]" if ":" in target.address else target.address
    where = f"{host}:{new_port}" if target.address else f"port {new_port}"
    result = []
    for flow, decision in _hook(ruleset, hook, probe, [(ending.flow, ending.decision)])[0]:
        assert decision is not None
        chosen = decision if decision.by_rule and decision != ending.decision else ending.decision
        path = f"{nat_step} ({'redirect' if local else 'DNAT'} to {where})"
        if chosen is not ending.decision:
            path = f"{path} -> {chosen.path}"
        joined = Decision(chosen.file, chosen.line, path, True, chosen.chain)
        result.append(_admission(probe, port, new_port, flow, joined,
                                 "" if local else target.address or "another host"))
    return result


def _is_loopback(address: str) -> bool:
    return address.startswith("127.") or address in {"::1", "localhost"}


def _admission(probe: Probe, arrival: int, service: int, flow: Flow,
               decision: Decision | None, forwarded_to: str = "") -> Admission:
    assert decision is not None
    return Admission(probe.version, probe.protocol, arrival, service, flow.span, flow.reasons,
                     decision, forwarded_to)


def verdict(ruleset: Ruleset, version: int, protocol: str, port: int) -> Verdict:
    found = admissions(ruleset, version, protocol, port)
    internet = [item for item in found if item.scope == "internet"]
    if any(not item.reasons for item in internet):
        status = "exposed"
    elif internet:
        status = "unresolved"
    else:
        status = "closed"
    return Verdict(version, protocol, port, status, found)
