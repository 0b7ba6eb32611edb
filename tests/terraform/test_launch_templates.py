"""Instances and auto scaling groups launched from a template get their volumes from it."""

from __future__ import annotations

import pytest

ENCRYPTED_TEMPLATE = '''
    resource "aws_launch_template" "orthanc" {
      name = "orthanc"
      block_device_mappings {
        device_name = "/dev/xvda"
        ebs {
          volume_size = 100
          encrypted   = true
        }
      }
    }
'''
BARE_TEMPLATE = '''
    resource "aws_launch_template" "orthanc" {
      name          = "orthanc"
      image_id      = "ami-0905a3c97561e0b69"
      instance_type = "m6i.large"
    }
'''


@pytest.mark.parametrize("reference", [
    "id = aws_launch_template.orthanc.id",
    'name = "orthanc"',
    "name = aws_launch_template.orthanc.name",
    'id = "lt-0123456789abcdef0"\n    version = aws_launch_template.orthanc.latest_version',
])
def test_an_instance_launched_from_an_encrypting_template_is_encrypted(scan_tf, reference):
    result = scan_tf(ENCRYPTED_TEMPLATE + f'''
        resource "aws_instance" "orthanc" {{
          launch_template {{
            {reference}
          }}
        }}
    ''')
    assert result.resources("DG201") == set()
    assert result.resources("DG201", "unresolved") == set()


def test_an_instance_from_a_template_without_volumes_gets_the_unencrypted_ami_root(scan_tf):
    result = scan_tf(BARE_TEMPLATE + '''
        resource "aws_instance" "orthanc" {
          launch_template {
            id = aws_launch_template.orthanc.id
          }
        }
    ''')
    assert result.resources("DG201") == {"aws_instance.orthanc"}


def test_an_instance_from_a_template_outside_the_configuration_is_unresolved(scan_tf):
    result = scan_tf('''
        variable "template_id" {
          type = string
        }

        resource "aws_instance" "orthanc" {
          launch_template {
            id = var.template_id
          }
        }
    ''')
    assert result.resources("DG201") == set()
    assert result.resources("DG201", "unresolved") == {"aws_instance.orthanc"}


@pytest.mark.parametrize("group", [
    '''
    launch_template {
      id      = aws_launch_template.orthanc.id
      version = "$Latest"
    }''',
    '''
    mixed_instances_policy {
      launch_template {
        launch_template_specification {
          launch_template_name = "orthanc"
        }
      }
    }''',
])
def test_an_auto_scaling_group_follows_its_launch_template(scan_tf, group):
    asg = f'''
        resource "aws_autoscaling_group" "orthanc" {{
          min_size = 1
          max_size = 2
          {group}
        }}
    '''
    assert scan_tf(ENCRYPTED_TEMPLATE + asg).resources("DG201") == set()
    assert scan_tf(BARE_TEMPLATE + asg).resources("DG201") == {"aws_autoscaling_group.orthanc"}


def test_an_auto_scaling_group_from_an_unknown_template_is_unresolved(scan_tf):
    result = scan_tf('''
        data "aws_launch_template" "shared" {
          name = "shared-orthanc"
        }

        resource "aws_autoscaling_group" "orthanc" {
          min_size = 1
          max_size = 2
          launch_template {
            id = data.aws_launch_template.shared.id
          }
        }
    ''')
    assert result.resources("DG201") == set()
    assert result.resources("DG201", "unresolved") == {"aws_autoscaling_group.orthanc"}
