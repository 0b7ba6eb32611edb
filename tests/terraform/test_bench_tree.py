"""The generated benchmark tree is valid Terraform the loader evaluates without error, so its
timing measures real work."""

import importlib.util
from pathlib import Path

from tests.conftest import PROJECT
from tests.terraform.conftest import load_tree


def scenario():
    path = PROJECT / "bench" / "scenarios" / "terraform_tree.py"
    spec = importlib.util.spec_from_file_location("terraform_tree_scenario", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tree_has_the_asked_size_and_loads_cleanly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    [tree] = scenario().build(tmp_path, files=60)
    tf_files = list(Path(tree).rglob("*.tf"))
    assert 55 <= len(tf_files) <= 65
    loaded = load_tree(Path(tree))
    assert loaded.errors == []
    assert loaded.notes == []
    groups = [r for r in loaded.resources if r.type == "aws_security_group"
              and "module." in r.module_address]
    assert groups and all('["north"]' in r.address or '["south"]' in r.address for r in groups)
    ports = {block.attr("from_port")
             for group in groups for block in group.body.blocks_of("ingress")}
    assert {104, 11112, 443, 22} <= ports
