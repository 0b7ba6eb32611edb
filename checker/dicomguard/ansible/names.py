"""Module names: FQCN and short forms, and the modules dicomguard understands."""

from __future__ import annotations

ADAPTED_MODULES = frozenset({
    "firewalld", "ufw", "iptables", "ec2_security_group", "ec2_group",
    "azure_rm_securitygroup", "gcp_compute_firewall", "docker_container", "ec2_vol",
    "s3_bucket", "aws_s3", "s3_object", "rds_instance", "gcp_compute_disk", "gcp_storage_bucket",
    "azure_rm_storageblob", "template", "copy", "docker_compose", "docker_compose_v2",
    "k8s", "postgresql_pg_hba", "win_firewall_rule", "win_firewall",
})

# Keywords of a task that are not its module.
TASK_KEYWORDS = frozenset({
    "name", "when", "loop", "loop_control", "vars", "tags", "register", "notify", "become",
    "become_user", "become_method", "become_flags", "ignore_errors", "ignore_unreachable",
    "changed_when", "failed_when", "delegate_to", "delegate_facts", "run_once", "no_log",
    "environment", "args", "until", "retries", "delay", "check_mode", "diff", "any_errors_fatal",
    "async", "poll", "throttle", "timeout", "connection", "collections", "module_defaults",
    "debugger", "listen", "local_action", "action", "rescue", "always", "block", "remote_user",
    "port", "vars_files", "with_items", "with_list", "with_dict", "with_fileglob",
    "with_together", "with_nested", "with_subelements", "with_sequence", "with_first_found",
    "with_indexed_items", "with_flattened", "with_random_choice", "with_lines",
})

INCLUDE_TASKS = frozenset({"include_tasks", "import_tasks", "include"})
INCLUDE_ROLE = frozenset({"include_role", "import_role"})


def short_name(module: str) -> str:
    """`ansible.posix.firewalld` -> `firewalld`; `ansible.legacy.copy` -> `copy`."""
    return module.rsplit(".", 1)[-1]
