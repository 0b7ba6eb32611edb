"""A 5,000-rule iptables-save file: a 2,000-address block list, per-site user chains with
allow-lists and multiport matches, and conntrack rules, evaluated for every catalogue port."""

import random
from pathlib import Path

NAME = "iptables_5000"
DESCRIPTION = "one iptables-save file with 5,000 rules (block list, 40 user chains, NAT)"
RULES = 5000


def _address(chooser: random.Random) -> str:
    return f"{chooser.randint(11, 99)}.{chooser.randint(0, 255)}.{chooser.randint(0, 255)}." \
           f"{chooser.randint(1, 254)}"


def build(workdir: Path) -> list[str]:
    chooser = random.Random(5000)
    sites = [f"SITE{index:02d}" for index in range(40)]
    rules = ["-A INPUT -i lo -j ACCEPT",
             "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
             "-A INPUT -m conntrack --ctstate INVALID -j DROP"]
    rules += [f"-A INPUT -s {_address(chooser)}/32 -j DROP" for _ in range(2000)]
    per_site = (RULES - len(rules) - len(sites) - 2) // len(sites)
    for site in sites:
        rules.append(f"-A INPUT -s 10.{sites.index(site)}.0.0/16 -j {site}")
    for site in sites:
        for _ in range(per_site):
            port = chooser.choice([22, 80, 443, 104, 4242, 8042, 11112, 3306, 5432])
            source = f"10.{sites.index(site)}.{chooser.randint(0, 255)}.0/24"
            rules.append(f"-A {site} -s {source} -p tcp -m multiport --dports {port},{port + 1}"
                         f" -m comment --comment \"{site} host\" -j ACCEPT")
    rules.append("-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT")
    rules.append("-A INPUT -p tcp -m tcp --dport 104 -j ACCEPT")
    chains = "".join(f":{site} - [0:0]\n" for site in sites)
    text = ("*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
            "-A PREROUTING -p tcp -m tcp --dport 8443 -j DNAT --to-destination 10.1.0.5:8042\n"
            "COMMIT\n*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            f"{chains}" + "\n".join(rules) + "\nCOMMIT\n")
    target = workdir / "rules.v4"
    target.write_text(text)
    return [str(target)]
