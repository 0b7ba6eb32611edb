"""The settings a scan runs with: the configuration file's, with the command line's on top.

Built once per run (settings_from in configure.py) and read by every stage. Which keys a
repository's own configuration may set is decided before, when the file is read (config.py,
OPERATOR_ONLY_KEYS); these types only carry the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dicomguard.records import field, record


@record(frozen=True)
class EngineSettings:
    """Which policy engine evaluates, and how to reach an OPA server (operator-only)."""

    name: str = "auto"
    opa_url: str | None = None
    opa_preloaded: bool = False
    opa_token_env: str | None = None
    opa_ca_bundle: str | None = None
    opa_timeout: float | None = None


@record(frozen=True)
class Settings:
    fail_on: str = "low"  # --fail-on, when given, wins (see gate.Gate)
    extra_ports: list[dict[str, Any]] = field(default_factory=list)  # catalogue additions
    rules: list[str] | None = None  # only these rule ids report; None: every rule
    disabled_rules: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)  # rule id -> severity
    exclude: list[str] = field(default_factory=list)  # gitignore patterns
    ansible_extra_vars: dict[str, Any] = field(default_factory=dict)
    policy_dirs: list[str] = field(default_factory=list)
    max_file_size: float | None = None  # MiB; None: discovery's default
    internet_interfaces: list[str] | None = None  # None: inferred from each rule set
    # Helm chart directory -> values files given to `helm template` after the chart's own
    helm_values_files: dict[str, list[str]] = field(default_factory=dict)
    engine: EngineSettings = field(default_factory=EngineSettings)

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any]) -> Settings:
        """The settings a validated configuration document gives (config.load_config)."""
        rules = document.get("rules")
        return cls(
            fail_on=document.get("fail_on", "low"),
            extra_ports=list(document.get("extra_ports", [])),
            rules=None if rules is None else list(rules),
            disabled_rules=list(document.get("disabled_rules", [])),
            severity=dict(document.get("severity", {})),
            exclude=list(document.get("exclude", [])),
            ansible_extra_vars=dict(document.get("ansible_extra_vars") or {}),
            policy_dirs=list(document.get("policy_dirs", [])),
            max_file_size=document.get("max_file_size"),
            internet_interfaces=None if document.get("internet_interfaces") is None
            else list(document["internet_interfaces"]),
            helm_values_files=dict((document.get("helm") or {}).get("values_files") or {}),
            engine=EngineSettings(
                name=document.get("engine", "auto"), opa_url=document.get("opa_url"),
                opa_token_env=document.get("opa_token_env"),
                opa_ca_bundle=document.get("opa_ca_bundle"),
                opa_timeout=document.get("opa_timeout")),
        )

    @classmethod
    def of(cls, given: Settings | Mapping[str, Any]) -> Settings:
        """Settings as given, or built from a configuration mapping (for library callers)."""
        return given if isinstance(given, Settings) else cls.from_mapping(given)
