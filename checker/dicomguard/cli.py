"""The `dicomguard` command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomguard.arguments import COMMAND_HELP, build_parser
from dicomguard.gate import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Gate

if TYPE_CHECKING:
    from dicomguard.scan import ScanReport
    from dicomguard.settings import Settings

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "exit_code", "main"]


class UsageError(Exception):
    """A mistake in how dicomguard was called or configured: exit 2."""


def _parse_vars(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise UsageError(f"--var {pair!r}: expected NAME=VALUE")
        values[name] = value
    return values


def _progress_printer(args: argparse.Namespace) -> Any:
    """Progress on standard error, only for a person at a terminal."""
    if args.quiet or not sys.stderr.isatty():
        return None

    def show(message: str) -> None:
        sys.stderr.write(f"\rdicomguard: {message}...\033[K")
        sys.stderr.flush()

    return show


def run_configured_scan(args: argparse.Namespace) -> tuple[ScanReport, Settings]:
    """Scan args.paths with the configuration and options given: (report, settings)."""
    if getattr(args, "staged", False) or getattr(args, "changed", False):
        return _run_staged_scan(args)
    return _run_scan(args)


def _run_staged_scan(args: argparse.Namespace) -> tuple[ScanReport, Settings]:
    """The scan of git's index: args.paths name changed repository files, not scan roots."""
    from dicomguard.git_index import GitError, repository_root
    from dicomguard.staged import changed_paths, scan_staged

    try:
        repository = repository_root(Path.cwd())
        given = [] if args.paths == ["."] else list(args.paths)
        changed = (changed_paths(repository, given, args.changed)
                   if given or args.changed else None)
        _make_absolute(args)
        args.paths = ["."]
        report, settings = scan_staged(repository, changed, lambda: _run_scan(args),
                                       args.max_file_size)
        args.paths = report.paths
        return report, settings
    except GitError as error:
        raise UsageError(str(error)) from error


def _make_absolute(args: argparse.Namespace) -> None:
    """Files named on the command line stay where they are while the scan runs elsewhere."""
    def absolute(path: str) -> str:
        return os.path.abspath(path)

    args.config = args.config and absolute(args.config)
    args.policy = [absolute(path) for path in args.policy]
    args.var_file = [absolute(path) for path in args.var_file]
    args.opa_ca_bundle = args.opa_ca_bundle and absolute(args.opa_ca_bundle)


def _run_scan(args: argparse.Namespace) -> tuple[ScanReport, Settings]:
    from dicomguard import units
    from dicomguard.config import find_config, load_config
    from dicomguard.configure import settings_from
    from dicomguard.discover import LARGEST_FILE_MIB
    from dicomguard.engines import make_engine
    from dicomguard.policies import load_policies
    from dicomguard.scan import run_scan
    from dicomguard.settings import Settings
    from dicomguard.sources import ScanContext

    for path in args.paths:
        if not Path(path).exists():
            raise UsageError(f"{path}: no such file or directory")
    units.BUDGET = units.Budget(args.unit_timeout, args.unit_memory)
    if args.repo_root and not Path(args.repo_root).is_dir():
        raise UsageError(f"--repo-root {args.repo_root}: no such directory")
    configuration = load_config(args.config, args.paths)
    configured = Settings.from_mapping(configuration.settings)
    policies = load_policies([*configured.policy_dirs, *args.policy])
    config_name = str(args.config or find_config(args.paths) or "configuration")
    settings = settings_from(configured, args, policies, config_name)
    catalogue = policies.catalogue() + list(settings.extra_ports)
    engine = make_engine(
        settings.engine.name, opa_url=settings.engine.opa_url,
        opa_preloaded=settings.engine.opa_preloaded, opa_token_env=settings.engine.opa_token_env,
        opa_ca_bundle=settings.engine.opa_ca_bundle, opa_timeout=settings.engine.opa_timeout,
        scanned_paths=list(args.paths),
    )
    context = ScanContext(
        roots=list(args.paths), catalogue=catalogue, settings=settings,
        terraform_var_files=list(args.var_file), terraform_vars=_parse_vars(args.var),
        terraform_env_vars=args.env_vars,
    )
    report = run_scan(args.paths, policies, engine, context, settings.exclude,
                      progress=_progress_printer(args), whole_modules=True,
                      largest_file_mib=settings.max_file_size or LARGEST_FILE_MIB,
                      honour_gitignore=not args.include_gitignored,
                      repo_root=args.repo_root, jobs=_jobs(args),
                      keep_facts=bool(getattr(args, "dump_facts", None)))
    report.notes[:0] = configuration.notes
    if sys.stderr.isatty() and not args.quiet:
        sys.stderr.write("\r\033[K")
    return report, settings


def _jobs(args: argparse.Namespace) -> int:
    from dicomguard.cores import usable_cores

    return args.jobs or usable_cores()


def _docs_url(args: argparse.Namespace) -> str:
    """The rule pages' base URL: absolute, as SARIF helpUri requires."""
    url = args.docs_url or os.environ.get("DICOMGUARD_DOCS_URL", "")
    if url and not url.startswith(("https://", "http://")):
        raise UsageError(f"--docs-url {url!r}: must be an absolute http(s) URL")
    return url


def command_scan(args: argparse.Namespace) -> int:
    from dicomguard.arguments import report_requests
    from dicomguard.report import RenderOptions
    from dicomguard.report.outputs import write_file, write_reports
    from dicomguard.report.text_format import summary_line

    docs_url = _docs_url(args)
    try:
        requests = report_requests(args.reports)
    except ValueError as error:
        raise UsageError(str(error)) from error
    baseline = None
    if args.baseline:
        from dicomguard.baseline import load as load_baseline

        baseline = load_baseline(args.baseline)
    report, settings = run_configured_scan(args)
    if baseline is not None:
        from dicomguard.baseline import apply_baseline

        apply_baseline(report, baseline, args.paths)
    problems = []
    if args.dump_facts:
        import json

        from dicomguard.scan import policy_input

        facts = json.dumps(policy_input(report.facts, settings), indent=2) + "\n"
        problems.append(write_file(args.dump_facts, facts, "facts"))
    gate = Gate(args.fail_on or settings.fail_on, args.strict, args.soft_fail)
    options = RenderOptions(quiet=args.quiet, gate=gate, compact=args.compact, docs_url=docs_url)
    problems += write_reports(report, requests, options, sys.stdout, args.no_color)
    if not args.quiet and all(request.output for request in requests):
        sys.stderr.write(summary_line(report, options) + "\n")
    for problem in filter(None, problems):
        sys.stderr.write(f"dicomguard: error: {problem}\n")
    if any(problems):
        return EXIT_ERROR
    return gate.exit_code(report)


def exit_code(report: Any, fail_on: str, strict: bool) -> int:
    return Gate(fail_on, strict).exit_code(report)


def command_baseline(args: argparse.Namespace) -> int:
    from dicomguard import baseline

    if args.baseline_command is None:
        sys.stderr.write(args.usage)
        return EXIT_ERROR
    existing = baseline.load(args.output) if args.baseline_command == "update" else None
    report, _ = run_configured_scan(args)
    if report.errors:
        for error in report.errors:
            sys.stderr.write(f"dicomguard: error: {error}\n")
        sys.stderr.write(f"dicomguard: {args.output} not written: fix the errors first, or a "
                         "finding hidden by one would be missing from the baseline\n")
        return EXIT_ERROR
    if existing is None:
        entries = baseline.current_entries(report)
    else:
        entries = baseline.updated_entries(report, existing, args.paths, args.add_new)
    baseline.write(args.output, entries)
    if not args.quiet:
        recorded = len(set(entries))
        sys.stdout.write(f"dicomguard: wrote {args.output} ({recorded} "
                         f"{'finding' if recorded == 1 else 'findings'})\n")
    return EXIT_CLEAN


def command_policies(args: argparse.Namespace) -> int:
    from dicomguard.policies import load_policies

    if args.policies_command is None:
        sys.stderr.write(args.usage)
        return EXIT_ERROR
    policies = load_policies(args.policy)
    rules = sorted(policies.rules.values(), key=lambda rule: rule.id)
    if args.policies_command == "show":
        rule = policies.rule_by_id(args.rule_id)
        if rule is None:
            known = ", ".join(r.id for r in rules)
            raise UsageError(f"no rule {args.rule_id!r}; known rules: {known}")
        references = "\n".join(f"  - {reference}" for reference in rule.references)
        sys.stdout.write(
            f"{rule.id}  {rule.title}\n"
            f"severity: {rule.severity}    category: {rule.category}\n\n"
            f"{rule.description}\n\nremediation:\n  {rule.remediation}\n\n"
            f"references:\n{references}\n"
        )
        return EXIT_CLEAN
    if args.policies_command == "bundle":
        return write_bundle(policies, Path(args.output))
    if args.policies_command == "docs":
        return write_docs(rules, Path(args.output))
    if args.policies_command == "list":
        width = max(len(rule.id) for rule in rules)
        for rule in rules:
            sys.stdout.write(
                f"{rule.id:<{width}}  {rule.severity:<8}  {rule.category:<22}  {rule.title}\n")
        return EXIT_CLEAN
    raise UsageError(f"policies: unknown action {args.policies_command!r}")


def write_docs(rules: list[Any], directory: Path) -> int:
    from dicomguard.rule_docs import write_rule_pages

    try:
        written = write_rule_pages(rules, directory)
    except OSError as error:
        sys.stderr.write(f"dicomguard: error: {directory}: cannot write the rule pages: "
                         f"{error.strerror or error}\n")
        return EXIT_ERROR
    sys.stdout.write(f"dicomguard: wrote {len(written)} pages to {directory}\n")
    return EXIT_CLEAN


def write_bundle(policies: Any, output: Path) -> int:
    from dicomguard.bundle import bundle_files, revision, write_archive

    files = bundle_files(policies)
    try:
        write_archive(files, output)
    except OSError as error:
        raise UsageError(f"{output}: cannot write: {error.strerror}") from error
    sys.stdout.write(f"wrote {output} (revision {revision(files)}, "
                     f"{len(policies.rules)} rules)\n")
    return EXIT_CLEAN


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in {*COMMAND_HELP, "-h", "--help", "--version"}):
        argv = ["scan", *argv]
    parser = build_parser(argv[0] if argv[0] in COMMAND_HELP else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return EXIT_ERROR if exit_request.code not in (0, None) else EXIT_CLEAN
    from dicomguard.baseline import BaselineError
    from dicomguard.config import ConfigError
    from dicomguard.engines import EngineError
    from dicomguard.policies import PolicyError
    from dicomguard.report.escaping import safe_text

    try:
        if args.command == "policies":
            return command_policies(args)
        if args.command == "baseline":
            return command_baseline(args)
        return command_scan(args)
    except (UsageError, ConfigError, PolicyError, EngineError, BaselineError) as error:
        sys.stderr.write(safe_text(f"dicomguard: error: {error}") + "\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("dicomguard: interrupted\n")
        return 130
    except Exception as error:  # a bug must still fail the gate, with a readable message
        sys.stderr.write(safe_text(f"dicomguard: internal error: {type(error).__name__}: {error}")
                         + "\n"
                         "Please report it with the command line that caused it; set "
                         "DICOMGUARD_DEBUG=1 for the traceback.\n")
        if os.environ.get("DICOMGUARD_DEBUG"):
            import traceback

            traceback.print_exc()
        return EXIT_ERROR
