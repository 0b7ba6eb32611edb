"""Collect ingress facts from every firewall file of a scan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dicomguard.firewall.analyse import evaluate_ruleset
from dicomguard.firewall.netfilter import Ruleset
from dicomguard.limits import MOST_CHAIN_VISITS, evaluation
from dicomguard.model import CollectResult, InputError, ScanError, SourceFile
from dicomguard.sources import ScanContext
from dicomguard.units import unit_budget, unit_error

Parser = Callable[[str, str, int], Ruleset]


def _iptables(version: int) -> Parser:
    def parse(text: str, file: str, line_offset: int) -> Ruleset:
        from dicomguard.firewall import iptables

        return iptables.parse(text, file, version, line_offset=line_offset)
    return parse


def _nftables(text: str, file: str, line_offset: int) -> Ruleset:
    from dicomguard.firewall import nftables

    return nftables.parse(text, file, line_offset=line_offset)


def _nftables_json(text: str, file: str, line_offset: int) -> Ruleset:
    from dicomguard.firewall import nftables_json

    return nftables_json.parse(text, file, line_offset=line_offset)


def _ufw_rules(version: int) -> Parser:
    def parse(text: str, file: str, line_offset: int) -> Ruleset:
        from dicomguard.firewall import ufw

        role = "user" if version == 4 else "user6"
        return ufw.from_files({role: (file, text, line_offset)}, version)
    return parse


def _ufw_status(text: str, file: str, line_offset: int) -> Ruleset:
    from dicomguard.firewall import ufw_status

    return ufw_status.parse(text, file, line_offset=line_offset)


def _firewalld_zone(text: str, file: str, line_offset: int) -> Ruleset:
    from dicomguard.firewall import firewalld

    return firewalld.from_files({file: (text, line_offset)}, {}, None)


PARSERS: dict[str, Parser] = {
    "iptables": _iptables(4),
    "ip6tables": _iptables(6),
    "nftables": _nftables,
    "nftables-json": _nftables_json,
    "ufw-rules": _ufw_rules(4),
    "ufw6-rules": _ufw_rules(6),
    "ufw-status": _ufw_status,
    "firewalld-zone": _firewalld_zone,
}


def parse_text(kind: str, text: str, file: str, line_offset: int = 0) -> Ruleset:
    """The rule set of one file of a kind in PARSERS; InputError when it is not valid."""
    parser = PARSERS.get(kind)
    if parser is None:
        raise ValueError(f"unknown firewall kind {kind!r}")
    return parser(text, file, line_offset)


def analyse_one(kind: str, text: str, file: str, catalogue: list[dict[str, Any]],
                line_offset: int = 0, uplinks: tuple[str, ...] | None = None) -> CollectResult:
    try:
        ruleset = parse_text(kind, text, file, line_offset)
    except InputError as error:
        where = getattr(error, "file", file)
        return CollectResult(errors=[ScanError(where, error.line, f"not a valid {kind} file: "
                                               f"{error.message}")])
    except Exception as error:  # one rule set's failure costs its own findings only
        failed = unit_error(file, error)
        return CollectResult(errors=[ScanError(file, failed.line, f"not a valid {kind} file: "
                                               f"{failed.message}")])
    return _evaluated(ruleset, catalogue, file, uplinks)


def _evaluated(ruleset: Ruleset, catalogue: list[dict[str, Any]], file: str,
               uplinks: tuple[str, ...] | None) -> CollectResult:
    ruleset.configured_uplinks = uplinks
    try:
        with unit_budget(), evaluation("the jumps between its chains", MOST_CHAIN_VISITS):
            return evaluate_ruleset(ruleset, catalogue, file)
    except Exception as error:  # one rule set's failure costs its own findings only
        return CollectResult(errors=[unit_error(file, error)])


def _read(source: SourceFile, result: CollectResult) -> str | None:
    try:
        return source.read_text()
    except (OSError, UnicodeDecodeError) as error:
        result.errors.append(ScanError(source.path, None, f"cannot read: {error}"))
        return None


def rule_sets(files: list[SourceFile]) -> list[list[SourceFile]]:
    """The files of each rule set, in the order collect() reads them: single-file rule sets,
    then ufw's and firewalld's, whose files belong together."""
    singles: list[list[SourceFile]] = []
    ufw_parts: dict[str, list[SourceFile]] = {}
    firewalld_parts: dict[str, list[SourceFile]] = {}
    for source in files:
        if source.kind.startswith("ufw") and source.kind != "ufw-status":
            ufw_parts.setdefault(_ufw_root(source.path), []).append(source)
        elif source.kind.startswith("firewalld-"):
            firewalld_parts.setdefault(_firewalld_root(source.path), []).append(source)
        else:
            singles.append([source])
    return [*singles, *ufw_parts.values(), *firewalld_parts.values()]


def collect(files: list[SourceFile], context: ScanContext) -> CollectResult:
    result = CollectResult()
    for group in rule_sets(files):
        source = group[0]
        if source.kind.startswith("ufw") and source.kind != "ufw-status":
            _extend(result, _collect_ufw(group, context))
        elif source.kind.startswith("firewalld-"):
            _extend(result, _collect_firewalld(group, context))
        else:
            text = _read(source, result)
            if text is not None:
                _extend(result, analyse_one(source.kind, text, source.path, context.catalogue,
                                            uplinks=configured_uplinks(context)))
    return result


def configured_uplinks(context: ScanContext) -> tuple[str, ...] | None:
    """The interfaces the configuration says the internet arrives on, if it says."""
    from dicomguard.settings import Settings

    configured = Settings.of(context.settings).internet_interfaces
    return None if configured is None else tuple(configured)


def _extend(total: CollectResult, part: CollectResult) -> None:
    total.facts.extend(part.facts)
    total.errors.extend(part.errors)


def _ufw_root(path: str) -> str:
    """etc/ufw/user.rules and etc/default/ufw belong together."""
    parent = Path(path).parent
    if parent.name in {"ufw", "default"}:
        parent = parent.parent
    return str(parent)


def _firewalld_root(path: str) -> str:
    parent = Path(path).parent
    if parent.name in {"zones", "services"}:
        parent = parent.parent
    return str(parent)


def _collect_ufw(group: list[SourceFile], context: ScanContext) -> CollectResult:
    from dicomguard.firewall import ufw

    result = CollectResult()
    texts: dict[str, tuple[str, str, int]] = {}
    for source in group:
        text = _read(source, result)
        if text is not None:
            texts[ufw.ROLES[source.kind]] = (source.path, text, 0)
    for version in (4, 6):
        if not ufw.has_rules(texts, version):
            continue
        try:
            ruleset = ufw.from_files(texts, version)
        except ufw.UfwInputError as error:
            result.errors.append(ScanError(error.file, error.line, error.message))
            continue
        except Exception as error:  # one rule set's failure costs its own findings only
            result.errors.append(unit_error(group[0].path, error))
            continue
        _extend(result, _evaluated(ruleset, context.catalogue, ruleset.file,
                                   configured_uplinks(context)))
    return result


def _collect_firewalld(group: list[SourceFile], context: ScanContext) -> CollectResult:
    from dicomguard.firewall import firewalld

    result = CollectResult()
    zones: dict[str, tuple[str, int]] = {}
    services: dict[str, tuple[str, int]] = {}
    conf: tuple[str, str] | None = None
    for source in group:
        text = _read(source, result)
        if text is None:
            continue
        if source.kind == "firewalld-zone":
            zones[source.path] = (text, 0)
        elif source.kind == "firewalld-service":
            services[source.path] = (text, 0)
        else:
            conf = (source.path, text)
    if not zones:
        return result
    try:
        ruleset = firewalld.from_files(zones, services, conf)
    except firewalld.FirewalldInputError as error:
        result.errors.append(ScanError(error.file, error.line, error.message))
        return result
    except Exception as error:  # one rule set's failure costs its own findings only
        result.errors.append(unit_error(min(zones), error))
        return result
    _extend(result, _evaluated(ruleset, context.catalogue, ruleset.file,
                               configured_uplinks(context)))
    return result
