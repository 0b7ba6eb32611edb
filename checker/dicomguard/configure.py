"""The settings of one run: a configuration document with the command line on top."""

from __future__ import annotations

import argparse
import os

from dicomguard.config import ConfigError
from dicomguard.policies import PolicySet
from dicomguard.settings import EngineSettings, Settings


def settings_from(configured: Settings, args: argparse.Namespace, policies: PolicySet,
                  config_name: str) -> Settings:
    """The configuration's settings with the options of `args` on top: rule ids as the rules
    spell them, exclude patterns checked, the engine chosen."""
    rules = None
    if configured.rules is not None or args.rule:
        rules = [*policies.rule_ids(configured.rules or [], f"{config_name}: rules"),
                 *policies.rule_ids(args.rule, "--rule")]
    overrides = configured.severity
    return Settings(
        fail_on=configured.fail_on,
        extra_ports=configured.extra_ports,
        rules=rules,
        disabled_rules=[
            *policies.rule_ids(configured.disabled_rules, f"{config_name}: disabled_rules"),
            *policies.rule_ids(args.skip_rule, "--skip-rule"),
        ],
        severity=dict(zip(policies.rule_ids(list(overrides), f"{config_name}: severity"),
                          overrides.values(), strict=True)),
        exclude=_exclude_patterns(configured.exclude, args.exclude, config_name),
        ansible_extra_vars=configured.ansible_extra_vars,
        policy_dirs=configured.policy_dirs,
        max_file_size=args.max_file_size or configured.max_file_size,
        internet_interfaces=configured.internet_interfaces,
        helm_values_files=configured.helm_values_files,
        engine=_engine(configured.engine, args),
    )


def _exclude_patterns(configured: list[str], given: list[str], config_name: str) -> list[str]:
    """The configuration's exclude patterns and --exclude, checked to be gitignore syntax."""
    from dicomguard.ignore_rules import PatternError, compile_patterns

    for patterns, where in ((configured, f"{config_name}: exclude"), (given, "--exclude")):
        if not patterns:
            continue
        try:
            compile_patterns(patterns)
        except PatternError as error:
            raise ConfigError(f"{where}: {error}") from None
    return [*configured, *given]


def _engine(configured: EngineSettings, args: argparse.Namespace) -> EngineSettings:
    return EngineSettings(
        name=args.engine or configured.name,
        opa_url=args.opa_url or configured.opa_url or os.environ.get("DICOMGUARD_OPA_URL"),
        opa_preloaded=args.opa_preloaded,
        opa_token_env=configured.opa_token_env,
        opa_ca_bundle=args.opa_ca_bundle or configured.opa_ca_bundle,
        opa_timeout=configured.opa_timeout,
    )
