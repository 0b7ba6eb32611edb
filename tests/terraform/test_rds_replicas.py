"""An RDS read replica is encrypted as its source is (docs.aws.amazon.com/AmazonRDS/latest/
UserGuide/Overview.Encryption.html: an unencrypted instance has no encrypted replica)."""

from __future__ import annotations

import pytest

SOURCES = '''
    resource "aws_db_instance" "index" {
      identifier        = "pacs-index"
      engine            = "postgres"
      instance_class    = "db.t4g.large"
      storage_encrypted = %s
    }
'''


@pytest.mark.parametrize("source", [
    "aws_db_instance.index.identifier", "aws_db_instance.index.id", '"pacs-index"'])
def test_a_replica_of_an_unencrypted_source_is_unencrypted(scan_tf, source):
    result = scan_tf(SOURCES % "false" + f'''
        resource "aws_db_instance" "replica" {{
          instance_class      = "db.t4g.large"
          replicate_source_db = {source}
        }}
    ''')
    assert result.resources("DG201") == {"aws_db_instance.index", "aws_db_instance.replica"}
    assert result.of("DG201", "unresolved") == []


def test_a_replica_of_an_encrypted_source_is_encrypted(scan_tf):
    result = scan_tf(SOURCES % "true" + '''
        resource "aws_db_instance" "replica" {
          instance_class      = "db.t4g.large"
          replicate_source_db = aws_db_instance.index.identifier
        }
    ''')
    assert result.of("DG201") == []
    assert result.of("DG201", "unresolved") == []


def test_a_replica_of_a_source_outside_the_configuration_is_unresolved(scan_tf):
    result = scan_tf('''
        resource "aws_db_instance" "replica" {
          instance_class      = "db.t4g.large"
          replicate_source_db = "arn:aws:rds:eu-west-1:111122223333:db:pacs-index"
        }
    ''')
    assert result.of("DG201") == []
    assert result.resources("DG201", "unresolved") == {"aws_db_instance.replica"}
