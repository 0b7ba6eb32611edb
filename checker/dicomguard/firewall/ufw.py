"""ufw's rule files (user.rules, before.rules, after.rules and /etc/default/ufw) assembled the
way ufw loads them, into one iptables rule set per IP version.

ufw hooks its chains into INPUT in a fixed order (ufw-init): before-logging, before (which ends
by jumping to the user chain), after, after-logging, reject, track; the INPUT policy is
DEFAULT_INPUT_POLICY. Files a repository does not keep are taken as ufw ships them.
"""

from __future__ import annotations

import re

from dicomguard.firewall import iptables
from dicomguard.firewall.netfilter import Ruleset
from dicomguard.model import InputError

ROLES = {"ufw-rules": "user", "ufw6-rules": "user6", "ufw-before": "before",
         "ufw6-before": "before6", "ufw-after": "after", "ufw6-after": "after6",
         "ufw-default": "default"}
DEFAULT_SETTING = re.compile(r'^\s*(DEFAULT_INPUT_POLICY|IPV6)\s*=\s*"?(\w+)"?', re.MULTILINE)
SHIPPED_DEFAULT = "(ufw's shipped default)"

# The part of ufw's shipped before.rules / before6.rules that can touch a NEW TCP or UDP
# connection to a DICOM port (ICMP, DHCP and multicast rules cannot).
SHIPPED_BEFORE = """*filter
:{p}-before-input - [0:0]
:{p}-not-local - [0:0]
-A {p}-before-input -i lo -j ACCEPT
-A {p}-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A {p}-before-input -m conntrack --ctstate INVALID -j DROP
-A {p}-before-input -j {p}-not-local
-A {p}-not-local -m addrtype --dst-type LOCAL -j RETURN
-A {p}-not-local -m addrtype --dst-type MULTICAST -j RETURN
-A {p}-not-local -m addrtype --dst-type BROADCAST -j RETURN
-A {p}-not-local -j DROP
COMMIT
"""
CHAINS = ("before-logging-input", "before-input", "user-input", "after-input",
          "after-logging-input", "reject-input", "track-input", "logging-deny",
          "logging-allow", "user-limit", "user-limit-accept", "skip-to-policy-input",
          "user-logging-input", "not-local")


class UfwInputError(InputError):
    def __init__(self, file: str, line: int | None, message: str) -> None:
        super().__init__(message, line)
        self.file = file


def has_rules(texts: dict[str, tuple[str, str, int]], version: int) -> bool:
    return ("user" if version == 4 else "user6") in texts


def _defaults(texts: dict[str, tuple[str, str, int]]) -> tuple[str, str, int, bool]:
    """(input policy, file, line, IPv6 enabled)."""
    policy, file, line, ipv6 = "DROP", SHIPPED_DEFAULT, 0, True
    if "default" in texts:
        file, text, offset = texts["default"]
        for match in DEFAULT_SETTING.finditer(text):
            value = match.group(2).upper()
            if match.group(1) == "IPV6":
                ipv6 = value == "YES"
            else:
                policy, line = value, text.count("\n", 0, match.start()) + 1 + offset
    return policy, file, line, ipv6


def from_files(texts: dict[str, tuple[str, str, int]], version: int) -> Ruleset:
    """texts: role (see ROLES) -> (file, text, line offset)."""
    suffix = "" if version == 4 else "6"
    prefix = f"ufw{suffix}"
    user_file = texts.get(f"user{suffix}", ("", "", 0))[0]
    policy, policy_file, policy_line, ipv6 = _defaults(texts)
    ruleset = Ruleset(platform={version: "ufw"} if ipv6 or version == 4 else {},
                      file=user_file)
    skeleton = _skeleton(prefix, policy)
    _add(ruleset, skeleton, SHIPPED_DEFAULT, 0, version)
    before = texts.get(f"before{suffix}")
    if before is None:
        _add(ruleset, SHIPPED_BEFORE.format(p=prefix), SHIPPED_DEFAULT, 0, version)
    else:
        _add(ruleset, before[1], before[0], before[2], version)
    for role in (f"user{suffix}", f"after{suffix}"):
        if role in texts:
            file, text, offset = texts[role]
            _add(ruleset, text, file, offset, version)
    _hook_user_chain(ruleset, prefix, version)
    chain = ruleset.chains["filter/INPUT"]
    chain.policy = "accept" if policy == "ACCEPT" else "drop"
    chain.file = policy_file if policy_line else user_file
    chain.policy_line = policy_line or 1
    return ruleset


def _skeleton(prefix: str, policy: str) -> str:
    declarations = "\n".join(f":{prefix}-{name} - [0:0]" for name in CHAINS)
    jumps = "\n".join(f"-A INPUT -j {prefix}-{name}" for name in
                      ("before-logging-input", "before-input", "after-input",
                       "after-logging-input", "reject-input", "track-input"))
    reject = f"-A {prefix}-reject-input -j REJECT\n" if policy == "REJECT" else ""
    return f"*filter\n{declarations}\n{jumps}\n{reject}COMMIT\n"


def _add(ruleset: Ruleset, text: str, file: str, offset: int, version: int) -> None:
    try:
        iptables.add_tables(ruleset, text, file, version, offset)
    except InputError as error:
        raise UfwInputError(file, error.line, f"not a valid ufw rules file: {error.message}"
                            ) from None


def _hook_user_chain(ruleset: Ruleset, prefix: str, version: int) -> None:
    """ufw-init ends the before chain with a jump to the user chain."""
    _add(ruleset, f"*filter\n-A {prefix}-before-input -j {prefix}-user-input\nCOMMIT\n",
         SHIPPED_DEFAULT, 0, version)
