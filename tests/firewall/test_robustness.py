"""Hostile or broken rule files give errors with a line, never a traceback or a hang."""

from __future__ import annotations

import random

import pytest

from dicomguard.firewall.collect import analyse_one
from tests.firewall.conftest import CATALOGUE, example_files

PARSED_ALONE = {"iptables", "ip6tables", "nftables", "nftables-json", "ufw-rules",
                "ufw-status", "firewalld-zone"}
NOISE = ["!", "{", "}", ";", "-j", "-A", ":", "abc", "999999", "-1", ",", "@x", "$Y", '"', "<",
         ">", "-", "/", "[", "]", "*filter", "COMMIT", "jump", "vmap", "dnat", "<rule>"]


def mutated(text: str, chooser: random.Random) -> str:
    words = text.replace("\n", " \n ").split(" ")
    for _ in range(chooser.randint(1, 4)):
        where = chooser.randrange(len(words))
        choice = chooser.random()
        if choice < 0.3:
            del words[where]
        elif choice < 0.6:
            words.insert(where, chooser.choice(words))
        elif choice < 0.8:
            words[where] = chooser.choice(NOISE)
        else:
            words[where] = words[where][:chooser.randrange(len(words[where]) + 1)]
    return " ".join(words).replace(" \n ", "\n")


@pytest.mark.parametrize("seed", range(4))
def test_mutated_examples_never_crash_the_reader(seed: int) -> None:
    chooser = random.Random(seed)
    files = [(path, kind) for path, kind in example_files() if kind in PARSED_ALONE]
    for _ in range(250):
        path, kind = chooser.choice(files)
        result = analyse_one(kind, mutated(path.read_text(), chooser), str(path), CATALOGUE)
        for error in result.errors:
            assert error.file and error.message


@pytest.mark.parametrize(("kind", "text"), [
    ("nftables", "table inet f {\n chain c {\n  tcp dport " + "{ " * 5000 + "\n"),
    ("nftables-json", '{"nftables": ' + "[" * 100000 + "]" * 100000 + "}"),
    ("iptables", "*filter\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A A -j B\n-A B -j A\nCOMMIT\n"),
])
def test_deep_nesting_and_loops_are_errors(kind: str, text: str) -> None:
    result = analyse_one(kind, text, "hostile", CATALOGUE)
    assert result.errors
