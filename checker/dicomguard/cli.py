"""The `dicomguard` command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from dicomguard import __version__

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

DESCRIPTION = """\
Static compliance checker for medical imaging infrastructure. Reads Terraform, Ansible, host
firewall rules and PACS application configs, and fails when a change would expose a DICOM/PACS
port to the internet, store images unencrypted, or serve them without authentication.
"""

SCAN_EPILOG = """\
exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  usage error, or input that could not be read or parsed (other files are still reported)

examples:
  dicomguard scan                                  scan the current directory
  dicomguard scan infra/ --format sarif -o dicomguard.sarif
  dicomguard scan --fail-on high --strict          fail on high and critical, unresolved too
  dicomguard scan --dump-facts facts.json          see what policies see
  dicomguard scan --policy ./our-policies          add your own Rego rules

suppress a finding on the line above the block or attribute:
  # dicomguard:ignore DG101 reason="VPN-only subnet, reviewed by SecOps" until=2027-06-30
"""


class UsageError(Exception):
    """A mistake in how dicomguard was called or configured: exit 2."""


def _add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    from dicomguard.report import FORMATS

    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or directories to scan, recursively (default: .)")
    parser.add_argument("-f", "--format", choices=FORMATS, default="text",
                        help="report format (default: text)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--fail-on", choices=("critical", "high", "medium", "low"),
                        help="lowest severity that fails the scan (default: low, or config)")
    parser.add_argument("--strict", action="store_true",
                        help="unresolved findings (values that could not be known) fail too")
    parser.add_argument("-c", "--config", metavar="FILE",
                        help="configuration file (default: .dicomguard.yaml in the scanned root)")
    parser.add_argument("-p", "--policy", action="append", default=[], metavar="DIR",
                        help="extra directory of Rego policies (repeatable)")
    parser.add_argument("--dump-facts", metavar="FILE",
                        help="write the facts document policies evaluate to FILE")
    parser.add_argument("--engine", choices=("auto", "embedded", "opa"), default=None,
                        help="policy engine: embedded (regopy, default when installed), opa "
                             "(an OPA server with --opa-url, else a local opa binary)")
    parser.add_argument("--opa-url", metavar="URL",
                        help="OPA server to evaluate with (also DICOMGUARD_OPA_URL)")
    parser.add_argument("--opa-preloaded", action="store_true",
                        help="use the policies the OPA server already has (a bundle)")
    parser.add_argument("--opa-ca-bundle", metavar="FILE",
                        help="CA certificates that sign the https OPA server's certificate "
                             "(the bearer token is read from DICOMGUARD_OPA_TOKEN)")
    parser.add_argument("--var-file", action="append", default=[], metavar="FILE",
                        help="Terraform variables file, as terraform -var-file (repeatable)")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="Terraform variable, as terraform -var (repeatable)")
    parser.add_argument("--env-vars", action="store_true",
                        help="read Terraform variables from TF_VAR_* in the environment")
    parser.add_argument("--max-file-size", type=_mebibytes, metavar="MIB",
                        help="largest file read, in MiB; a larger one it would read is an error "
                             "(default: 32, or max_file_size in config)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print only findings and errors")
    parser.add_argument("--no-color", action="store_true",
                        help="no colour (also when NO_COLOR is set or output is not a terminal)")


def _mebibytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of MiB")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dicomguard", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dicomguard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    scan = commands.add_parser(
        "scan", help="scan infrastructure code (the default command)",
        description="Scan infrastructure code for exposed DICOM ports, unencrypted storage and "
                    "missing authentication.",
        epilog=SCAN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_scan_arguments(scan)
    policies = commands.add_parser("policies", help="list, show or bundle the policies")
    policy_commands = policies.add_subparsers(dest="policies_command", metavar="ACTION")
    listing = policy_commands.add_parser("list", help="id, severity, category, title of each rule")
    listing.add_argument("-p", "--policy", action="append", default=[], metavar="DIR")
    show = policy_commands.add_parser("show", help="description, remediation and references")
    show.add_argument("rule_id", metavar="ID")
    show.add_argument("-p", "--policy", action="append", default=[], metavar="DIR")
    bundle = policy_commands.add_parser(
        "bundle", help="write an OPA bundle of the policies and their data",
        description="Write the built-in and --policy policies, with their data, as an OPA bundle "
                    "that `opa run --server --bundle FILE` loads; scan with --opa-url URL "
                    "--opa-preloaded.")
    bundle.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="bundle to write, e.g. dicomguard-bundle.tar.gz")
    bundle.add_argument("-p", "--policy", action="append", default=[], metavar="DIR")
    return parser


def _color_wanted(args: argparse.Namespace, stream: Any) -> bool:
    if args.no_color or os.environ.get("NO_COLOR") or args.output:
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


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


def command_scan(args: argparse.Namespace) -> int:
    from dicomguard.config import load_config
    from dicomguard.discover import LARGEST_FILE_MIB
    from dicomguard.engines import make_engine
    from dicomguard.policies import load_policies
    from dicomguard.report import RenderOptions, render
    from dicomguard.scan import run_scan
    from dicomguard.sources import ScanContext

    for path in args.paths:
        if not Path(path).exists():
            raise UsageError(f"{path}: no such file or directory")
    configuration = load_config(args.config, args.paths)
    settings = configuration.settings
    policies = load_policies([*settings.get("policy_dirs", []), *args.policy])
    catalogue = policies.catalogue() + list(settings.get("extra_ports", []))
    engine = make_engine(
        args.engine or settings.get("engine", "auto"),
        opa_url=args.opa_url or settings.get("opa_url") or os.environ.get("DICOMGUARD_OPA_URL"),
        opa_preloaded=args.opa_preloaded,
        opa_token_env=settings.get("opa_token_env"),
        opa_ca_bundle=args.opa_ca_bundle or settings.get("opa_ca_bundle"),
        opa_timeout=settings.get("opa_timeout"),
    )
    context = ScanContext(
        roots=list(args.paths), catalogue=catalogue, settings=settings,
        terraform_var_files=list(args.var_file), terraform_vars=_parse_vars(args.var),
        terraform_env_vars=args.env_vars,
    )
    report = run_scan(args.paths, policies, engine, context, settings.get("exclude", []),
                      progress=_progress_printer(args),
                      largest_file_mib=args.max_file_size or settings.get("max_file_size",
                                                                          LARGEST_FILE_MIB))
    report.notes[:0] = configuration.notes
    if args.dump_facts:
        import json

        from dicomguard.scan import policy_input

        Path(args.dump_facts).write_text(
            json.dumps(policy_input(report.facts, settings), indent=2) + "\n", encoding="utf-8")
    fail_on = args.fail_on or settings.get("fail_on", "low")
    options = RenderOptions(color=_color_wanted(args, sys.stdout), quiet=args.quiet,
                            fail_on=fail_on, strict=args.strict)
    if sys.stderr.isatty() and not args.quiet:
        sys.stderr.write("\r\033[K")
    text = render(report, args.format, options)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return exit_code(report, fail_on, args.strict)


def exit_code(report: Any, fail_on: str, strict: bool) -> int:
    from dicomguard.report import RenderOptions
    from dicomguard.report.gate import fails_gate

    if report.errors:
        return EXIT_ERROR
    options = RenderOptions(fail_on=fail_on, strict=strict)
    if any(fails_gate(finding, options) for finding in report.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def command_policies(args: argparse.Namespace) -> int:
    from dicomguard.policies import load_policies

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
    if args.policies_command == "list":
        width = max(len(rule.id) for rule in rules)
        for rule in rules:
            sys.stdout.write(
                f"{rule.id:<{width}}  {rule.severity:<8}  {rule.category:<22}  {rule.title}\n")
        return EXIT_CLEAN
    raise UsageError("policies needs an action: list, show ID, bundle -o FILE "
                     "(see dicomguard policies --help)")


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
    parser = build_parser()
    if not argv or (argv[0] not in {"scan", "policies", "-h", "--help", "--version"}):
        argv = ["scan", *argv]
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return EXIT_ERROR if exit_request.code not in (0, None) else EXIT_CLEAN
    from dicomguard.config import ConfigError
    from dicomguard.engines import EngineError
    from dicomguard.policies import PolicyError
    from dicomguard.report.escaping import safe_text

    try:
        if args.command == "policies":
            return command_policies(args)
        return command_scan(args)
    except (UsageError, ConfigError, PolicyError, EngineError) as error:
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
