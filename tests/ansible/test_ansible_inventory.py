from __future__ import annotations

from dicomguard.ansible.inventory import Inventory, expand_host_range, read_ini, read_yaml


def test_ini_groups_children_vars_and_host_ranges() -> None:
    inventory = Inventory("inv")
    read_ini("[pacs]\npacs[01:03].example.org dicom_port=104\n\n[imaging:children]\npacs\n"
             "[imaging:vars]\nsite='north'\n", inventory)
    assert inventory.hosts == ["pacs01.example.org", "pacs02.example.org", "pacs03.example.org"]
    assert inventory.host_variables["pacs02.example.org"] == {"dicom_port": 104}
    assert inventory.groups_of("pacs01.example.org") == ["all", "imaging", "pacs"]
    assert inventory.groups["imaging"].variables == {"site": "north"}
    assert inventory.hosts_matching("imaging:!pacs02.example.org") == [
        "pacs01.example.org", "pacs03.example.org"]


def test_yaml_inventory_with_nested_children() -> None:
    inventory = Inventory("inv")
    read_yaml("all:\n  vars: {ntp: 10.0.0.1}\n  children:\n    imaging:\n      children:\n"
              "        pacs:\n          hosts:\n            pacs1: {dicom_port: 4242}\n", inventory)
    assert inventory.hosts == ["pacs1"]
    assert inventory.groups_of("pacs1") == ["all", "imaging", "pacs"]
    assert inventory.groups["all"].variables == {"ntp": "10.0.0.1"}
    assert inventory.hosts_matching("imaging") == ["pacs1"]


def test_alphabetic_ranges() -> None:
    assert expand_host_range("db-[a:c]") == ["db-a", "db-b", "db-c"]
