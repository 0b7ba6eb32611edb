"""Plan JSON (https://developer.hashicorp.com/terraform/internals/json-format)."""

import json

from dicomguard.terraform.evaluated import Reference

PLAN = {
    "format_version": "1.2",
    "terraform_version": "1.9.5",
    "planned_values": {"root_module": {
        "resources": [{
            "address": "aws_security_group.pacs", "mode": "managed",
            "type": "aws_security_group", "name": "pacs",
            "values": {"name": "pacs", "ingress": [
                {"from_port": 104, "to_port": 104, "protocol": "tcp",
                 "cidr_blocks": ["0.0.0.0/0"]}]},
        }, {
            "address": "data.aws_vpc.main", "mode": "data", "type": "aws_vpc", "name": "main",
            "values": {},
        }],
        "child_modules": [{"address": "module.db", "resources": [{
            "address": "module.db.aws_db_instance.index", "mode": "managed",
            "type": "aws_db_instance", "name": "index",
            "values": {"storage_encrypted": False, "kms_key_id": None},
        }]}],
    }},
    "resource_changes": [{
        "address": "aws_security_group.pacs",
        "change": {"after_unknown": {"id": True, "ingress": [{"ipv6_cidr_blocks": True}]}},
    }],
}


def test_plan_resources_come_from_planned_values_with_after_unknown(configuration) -> None:
    loaded = configuration({"tfplan.json": json.dumps(PLAN, indent=2)})
    assert loaded.errors == []
    assert [(r.address, r.mode) for r in loaded.resources] == [
        ("aws_security_group.pacs", "managed"), ("data.aws_vpc.main", "data"),
        ("module.db.aws_db_instance.index", "managed")]
    group = loaded.resources[0]
    assert group.body.file == "tfplan.json"
    assert group.body.line == 8  # where the resource's address is written
    [ingress] = group.body.blocks_of("ingress")
    assert ingress.attr("from_port") == 104
    assert isinstance(ingress.attr("ipv6_cidr_blocks"), Reference)
    assert isinstance(group.body.attr("id"), Reference)
    database = loaded.resources[2]
    assert database.module_address == "module.db"
    assert database.body.attr("storage_encrypted") is False
    assert not database.body.has("kms_key_id")


def test_a_json_file_that_merely_looks_like_a_plan_is_an_error(configuration) -> None:
    loaded = configuration({"state.json": '{"format_version": "1.0", "terraform_version": "1"}'})
    [error] = loaded.errors
    assert error.file == "state.json"


def _volume_plan(configured: dict) -> dict:
    """A plan for one EBS volume as `terraform show -json` writes it: the provider computes
    kms_key_id, so after_unknown marks it even when the configuration does not set it."""
    return {
        "format_version": "1.2", "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": [{
            "address": "aws_ebs_volume.images", "mode": "managed", "type": "aws_ebs_volume",
            "name": "images",
            "values": {"availability_zone": "eu-west-1a", "size": 500,
                       "encrypted": configured["encrypted"]["constant_value"]},
        }]}},
        "resource_changes": [{
            "address": "aws_ebs_volume.images", "mode": "managed", "type": "aws_ebs_volume",
            "change": {"actions": ["create"], "after_unknown": {
                "arn": True, "id": True, "iops": True, "kms_key_id": True,
                "snapshot_id": True, "throughput": True, "type": True}},
        }],
        "configuration": {"root_module": {"resources": [{
            "address": "aws_ebs_volume.images", "mode": "managed", "type": "aws_ebs_volume",
            "name": "images",
            "expressions": {"availability_zone": {"constant_value": "eu-west-1a"},
                            "size": {"constant_value": 500}, **configured},
        }]}},
    }


def test_a_kms_key_the_provider_computes_does_not_make_a_planned_volume_encrypted(scan_tf):
    plan = _volume_plan({"encrypted": {"constant_value": False}})
    result = scan_tf(tfplan__json=json.dumps(plan, indent=2))
    assert result.errors == []
    assert result.resources("DG201") == {"aws_ebs_volume.images"}


def test_a_kms_key_the_configuration_sets_still_encrypts_a_planned_volume(scan_tf):
    plan = _volume_plan({"encrypted": {"constant_value": True},
                         "kms_key_id": {"references": ["aws_kms_key.images.arn"]}})
    result = scan_tf(tfplan__json=json.dumps(plan, indent=2))
    assert result.errors == []
    assert result.resources("DG201") == set()
    assert result.resources("DG201", "unresolved") == set()
