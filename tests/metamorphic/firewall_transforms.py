"""Firewall rewrites that cannot change the verdict. Rule order is meaningful, so only
order-free changes: a user chain renamed, an unrelated rule after the existing ones, comments."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tests.metamorphic.tree import NotApplicable, Tree, Variant, changed

UNRELATED_V4 = "10.0.0.0/8"
UNRELATED_V6 = "fd00::/8"
SUFFIX = "_mm"


def _is_netfilter_save(text: str) -> bool:
    return bool(re.search(r"^\*(filter|nat|mangle|raw)\s*$", text, re.MULTILINE)
                and re.search(r"^COMMIT\s*$", text, re.MULTILINE))


def _is_ufw(name: str) -> bool:
    return "ufw/" in name or name.startswith("ufw")


def _is_nft(name: str, text: str) -> bool:
    return (name.endswith((".nft", ".conf")) and re.search(r"^\s*table\s", text, re.MULTILINE)
            is not None and "chain" in text)


def _nft_json(name: str, text: str) -> dict[str, Any] | None:
    if not name.endswith(".json"):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) and "nftables" in document else None


UFW_STATUS_ROW = re.compile(r"^(?:\[\s*\d+\]\s*)?\S.*?\s(ALLOW|DENY|REJECT|LIMIT)\b.*$",
                            re.MULTILINE)


def _is_ufw_status(text: str) -> bool:
    return text.startswith("Status:") and re.search(r"^To\s+Action\s+From", text,
                                                    re.MULTILINE) is not None


def _append_ufw_status(text: str) -> str:
    rows = list(UFW_STATUS_ROW.finditer(text))
    if not rows:
        return text
    end = rows[-1].end()
    numbered = re.match(r"\[\s*(\d+)\]", rows[-1].group(0))
    prefix = f"[{int(numbered.group(1)) + 1:2}] " if numbered else ""
    return text[:end] + f"\n{prefix}22/tcp                     ALLOW IN    10.0.0.0/8" + text[end:]


def _comment_ufw_status(text: str) -> str:
    return UFW_STATUS_ROW.sub(lambda row: row.group(0) if "#" in row.group(0)
                              else row.group(0) + "    # a comment", text)


def _is_firewalld_zone(name: str, text: str) -> bool:
    return name.endswith(".xml") and "<zone" in text


def _renamer(names: list[str]) -> Callable[[str], str]:
    patterns = [re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])") for name in names]

    def rename(address: str) -> str:
        for pattern, name in zip(patterns, names, strict=True):
            address = pattern.sub(name + SUFFIX, address)
        return address
    return rename


def rename_chains(tree: Tree) -> Variant:
    """User-defined iptables chains and nftables chains renamed <name>_mm everywhere."""
    files = dict(tree)
    renamed: list[str] = []
    for name, text in tree.items():
        if _is_netfilter_save(text) and not _is_ufw(name):
            chains = re.findall(r"^:([\w-]+) - ", text, re.MULTILINE)
            for chain in chains:
                text = re.sub(rf"(^:|^-[AIDRNFZ] |-[jg] ){re.escape(chain)}(?=\s|$)",
                              rf"\g<1>{chain}{SUFFIX}", text, flags=re.MULTILINE)
            renamed += chains
        elif _is_nft(name, text):
            chains = re.findall(r"\bchain\s+([\w-]+)\s*\{", text)
            for chain in chains:
                text = re.sub(rf"\b(chain|jump|goto)(\s+){re.escape(chain)}\b",
                              rf"\g<1>\g<2>{chain}{SUFFIX}", text)
            renamed += chains
        elif (document := _nft_json(name, text)) is not None:
            chains = [item["chain"]["name"] for item in document["nftables"]
                      if isinstance(item, dict) and "chain" in item]
            text = json.dumps(_rename_json_chains(document, set(chains)), indent=1) + "\n"
            renamed += chains
        files[name] = text
    if not renamed:
        raise NotApplicable
    return Variant(changed(tree, files), _renamer(sorted(set(renamed), key=len, reverse=True)))


def _rename_json_chains(value: Any, chains: set[str]) -> Any:
    if isinstance(value, list):
        return [_rename_json_chains(item, chains) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key == "chain" and isinstance(item, dict) and item.get("name") in chains:
            result[key] = {**item, "name": item["name"] + SUFFIX}
        elif key in {"chain", "target"} and isinstance(item, str) and item in chains:
            result[key] = item + SUFFIX
        else:
            result[key] = _rename_json_chains(item, chains)
    return result


def _v6(name: str, text: str) -> bool:
    return "6" in name.rsplit("/", 1)[-1] or "ip6tables" in text


def _append_netfilter(name: str, text: str) -> str:
    """An ACCEPT for tcp 22 from a private range, at the end of the filter table's input."""
    source = UNRELATED_V6 if _v6(name, text) else UNRELATED_V4
    if _is_ufw(name):
        chain = "ufw6-user-input" if ":ufw6-user-input" in text else "ufw-user-input"
        if f":{chain} " not in text:
            return text
    else:
        chain = "INPUT"
    lines = text.splitlines(keepends=True)
    in_filter = False
    for index, line in enumerate(lines):
        if line.strip() == "*filter":
            in_filter = True
        elif in_filter and line.strip() == "COMMIT":
            rule = f"-A {chain} -s {source} -p tcp -m tcp --dport 22 -j ACCEPT\n"
            return "".join([*lines[:index], rule, *lines[index:]])
    return text


def _append_nft(text: str) -> str:
    """The same rule appended to every chain hooked on input."""
    out = text
    for match in reversed(list(re.finditer(r"\bchain\s+[\w-]+\s*\{", text))):
        depth, position = 1, match.end()
        while depth and position < len(text):
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            position += 1
        body = text[match.end():position - 1]
        if not re.search(r"\bhook\s+input\b", body):
            continue
        family = _nft_family(text, match.start())
        rule = ("ip6 saddr fd00::/8" if family == "ip6" else "ip saddr 10.0.0.0/8")
        out = out[:position - 1] + f"\t\t{rule} tcp dport 22 accept\n\t" + out[position - 1:]
    return out


def _nft_family(text: str, position: int) -> str:
    tables = list(re.finditer(r"\btable\s+(?:(ip6|ip|inet|arp|bridge|netdev)\s+)?[\w-]+\s*\{",
                              text[:position]))
    return (tables[-1].group(1) or "ip") if tables else "ip"


def _append_nft_json(document: dict[str, Any]) -> dict[str, Any]:
    items = list(document["nftables"])
    for item in document["nftables"]:
        chain = item.get("chain") if isinstance(item, dict) else None
        if not chain or chain.get("hook") != "input":
            continue
        match_ip = {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field":
                    "saddr"}}, "right": {"prefix": {"addr": "10.0.0.0", "len": 8}}}}
        match_port = {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field":
                      "dport"}}, "right": 22}}
        items.append({"rule": {"family": chain["family"], "table": chain["table"],
                               "chain": chain["name"],
                               "expr": [match_ip, match_port, {"accept": None}]}})
    return {**document, "nftables": items}


def _append_firewalld(text: str) -> str:
    rule = ('  <rule family="ipv4">\n    <source address="10.0.0.0/8"/>\n'
            '    <port protocol="tcp" port="22"/>\n    <accept/>\n  </rule>\n')
    return re.sub(r"(</zone>)", lambda match: rule + match.group(1), text, count=1)


def append_unrelated_rule(tree: Tree) -> Variant:
    """ACCEPT tcp 22 from 10.0.0.0/8 (fd00::/8) after every existing rule of the input path."""
    files = dict(tree)
    for name, text in tree.items():
        if _is_netfilter_save(text):
            files[name] = _append_netfilter(name, text)
        elif _is_nft(name, text):
            files[name] = _append_nft(text)
        elif (document := _nft_json(name, text)) is not None:
            files[name] = json.dumps(_append_nft_json(document), indent=1) + "\n"
        elif _is_firewalld_zone(name, text):
            files[name] = _append_firewalld(text)
        elif _is_ufw_status(text):
            files[name] = _append_ufw_status(text)
    return Variant(changed(tree, files))


def _hash_comments(text: str, continued: Callable[[str], bool]) -> str:
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n")
        if not continued(line):
            out.append("# a comment that changes nothing\n")
    return "".join(out)


def add_comments(tree: Tree) -> Variant:
    """A comment line after every line (XML: before every element line)."""
    files = dict(tree)
    for name, text in tree.items():
        if _is_netfilter_save(text) or (_is_ufw(name) and "/default/" in name):
            files[name] = _hash_comments(text, lambda line: False)
        elif _is_nft(name, text):
            files[name] = _hash_comments(text, lambda line: line.rstrip().endswith("\\"))
        elif name.endswith(".xml") and "firewalld" in name:
            files[name] = re.sub(r"^(\s*)(<(?!\?xml)[a-z])", r"\1<!-- a comment -->\n\1\2", text,
                                 flags=re.MULTILINE)
        elif _is_ufw_status(text):
            files[name] = _comment_ufw_status(text)
    return Variant(changed(tree, files))


TRANSFORMATIONS = {
    "fw-rename-chains": rename_chains,
    "fw-append-unrelated-rule": append_unrelated_rule,
    "fw-add-comments": add_comments,
}
