"""The command line's grammar: commands, their options and help texts."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from dicomguard import __version__
from dicomguard.units import DEFAULT_UNIT_MEBIBYTES, DEFAULT_UNIT_SECONDS

DESCRIPTION = """\
Static compliance checker for medical imaging infrastructure. Reads Terraform, Ansible, host
firewall rules and PACS application configs, and fails when a change would expose a DICOM/PACS
port to the internet, store images unencrypted, or serve them without authentication.
"""

SCAN_EPILOG = """\
exit codes:
  0  nothing at or above --fail-on (or --soft-fail; or only findings in --baseline)
  1  findings at or above --fail-on
  2  usage error, or input that could not be read or parsed (other files are still reported)

examples:
  dicomguard scan                                  scan the current directory
  dicomguard scan infra/ --format sarif -o dicomguard.sarif
  dicomguard scan -f sarif -o dicomguard.sarif -f text   a SARIF file and text on the console
  dicomguard scan --fail-on high --strict          fail on high and critical, unresolved too
  dicomguard scan --dump-facts facts.json          see what policies see
  dicomguard scan --policy ./our-policies          add your own Rego rules
  dicomguard scan --baseline .dicomguard-baseline.json   fail only on new findings
  dicomguard scan --skip-rule DG304 --soft-fail    report without failing, one rule off
  dicomguard scan --staged --changed               what a commit changes, in its context

suppress a finding on the line above the block or attribute:
  # dicomguard:ignore DG101 reason="VPN-only subnet, reviewed by SecOps" until=2027-06-30
"""


BASELINE_EPILOG = """\
examples:
  dicomguard baseline create                       record today's findings
  dicomguard scan --baseline .dicomguard-baseline.json
  dicomguard baseline update                       drop entries that were fixed
  dicomguard baseline update --add-new             accept today's new findings too
"""



def _add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """What to scan and how: shared by `scan` and `baseline`."""
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or directories to scan, recursively (default: .)")
    parser.add_argument("-c", "--config", metavar="FILE",
                        help="configuration file (default: .dicomguard.yaml in the scanned root)")
    parser.add_argument("-p", "--policy", action="append", default=[], metavar="DIR",
                        help="extra directory of Rego policies (repeatable)")
    parser.add_argument("--rule", action="append", default=[], metavar="ID",
                        help="report only this rule (repeatable; any letter case)")
    parser.add_argument("--skip-rule", action="append", default=[], metavar="ID",
                        help="do not report this rule (repeatable; any letter case)")
    parser.add_argument("--engine", choices=("auto", "embedded", "opa"), default=None,
                        help="policy engine: embedded (regopy), opa (an OPA server with "
                             "--opa-url, else a local opa binary), or auto (the default: "
                             "embedded, and a local opa 1.x when present for inputs of 500 "
                             "facts or more under the built-in rules, where it is faster)")
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
    parser.add_argument("--unit-timeout", type=_positive("seconds"), metavar="SECONDS",
                        default=DEFAULT_UNIT_SECONDS,
                        help="longest time one unit (a Terraform root module, an Ansible play, "
                             "a rule set, an application config) may take; a slower one is an "
                             f"input error (default: {DEFAULT_UNIT_SECONDS:g})")
    parser.add_argument("--unit-memory", type=_mebibytes, metavar="MIB",
                        default=DEFAULT_UNIT_MEBIBYTES,
                        help="most memory one unit may add, in MiB; more is an input error "
                             f"(default: {DEFAULT_UNIT_MEBIBYTES:g})")
    parser.add_argument("--jobs", type=_job_count, metavar="N", default=None,
                        help="evaluate units in N worker processes (default: the usable cores; "
                             "small scans always run in one process)")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                        help="leave out paths matching PATTERN, gitignore syntax, relative to "
                             "each scanned path (repeatable; added to exclude in config)")
    parser.add_argument("--include-gitignored", action="store_true",
                        help="also scan files the scanned tree's .gitignore files ignore")
    parser.add_argument("--repo-root", metavar="DIR",
                        help="directory reported paths and baseline entries are relative to "
                             "(default: the repository holding the first PATH, found by .git)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print only findings and errors")


def _add_report_arguments(parser: argparse.ArgumentParser) -> None:
    from dicomguard.report import FORMATS
    from dicomguard.severity import SEVERITIES

    parser.add_argument("-f", "--format", choices=FORMATS, action=_ReportFormat, dest="reports",
                        default=[], help="report format (default: text); repeat for several "
                                         "reports, each -f followed by its -o")
    parser.add_argument("-o", "--output", metavar="FILE", action=_ReportOutput, dest="reports",
                        help="write the preceding -f's report to FILE instead of standard "
                             "output (at most one report goes to standard output)")
    parser.add_argument("--compact", action="store_true",
                        help="text report: print each rule's fix once, not under every finding")
    parser.add_argument("--fail-on", choices=SEVERITIES,
                        help="lowest severity that fails the scan (default: low, or config)")
    parser.add_argument("--strict", action="store_true",
                        help="unresolved findings (values that could not be known) fail too")
    parser.add_argument("--soft-fail", action="store_true",
                        help="report findings but exit 0; input errors still exit 2")
    parser.add_argument("--baseline", metavar="FILE",
                        help="fail only on findings not recorded in FILE "
                             "(see dicomguard baseline create)")
    parser.add_argument("--docs-url", metavar="URL",
                        help="absolute URL where the rule pages (docs/rules) are published; "
                             "SARIF rules then link to their page (also DICOMGUARD_DOCS_URL)")
    parser.add_argument("--dump-facts", metavar="FILE",
                        help="write the facts document policies evaluate to FILE")
    parser.add_argument("--no-color", action="store_true",
                        help="no colour (also when NO_COLOR is set, TERM=dumb or output is not "
                             "a terminal; FORCE_COLOR forces it)")


class _Parser(argparse.ArgumentParser):
    """A parser whose epilog is written only when its help is: the scan's lists the report
    formats, read from their modules' files, which a scan does not need."""

    def __init__(self, *args: Any, epilog_of: Callable[[], str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._epilog_of = epilog_of

    def format_help(self) -> str:
        if self._epilog_of is not None:
            self.epilog, self._epilog_of = self._epilog_of(), None
        return super().format_help()


def _scan_epilog() -> str:
    from dicomguard.report import formats_help

    return f"{SCAN_EPILOG}\n{formats_help()}"


COMMAND_HELP = {
    "scan": "scan infrastructure code (the default command)",
    "baseline": "record today's findings so that only new ones fail the scan",
    "policies": "list, show, document or bundle the policies",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's grammar; given the command being run, that command alone (the
    others are parsed only when named, and each parser argparse builds costs a scan time)."""
    parser = _Parser(
        prog="dicomguard", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dicomguard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    builders = {"scan": _add_scan_parser, "baseline": _add_baseline_parser,
                "policies": _add_policies_parser}
    for name, add in builders.items():
        if command in (None, name):
            add(commands)
    return parser


def _add_scan_parser(commands: Any) -> None:
    scan = commands.add_parser(
        "scan", help=COMMAND_HELP["scan"],
        description="Scan infrastructure code for exposed DICOM ports, unencrypted storage and "
                    "missing authentication.",
        epilog_of=_scan_epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_input_arguments(scan)
    scan.add_argument("--staged", action="store_true",
                      help="scan what the next commit records (git's index), not the work tree; "
                           "with PATHs, only the units those repository files touch")
    scan.add_argument("--changed", action="store_true",
                      help="with --staged: only the units touched by the staged changes")
    _add_report_arguments(scan)


def _add_policies_parser(commands: Any) -> None:
    policies = commands.add_parser("policies", help=COMMAND_HELP["policies"])
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
    docs = policy_commands.add_parser(
        "docs", help="write a Markdown page for each rule",
        description="Write one Markdown page per rule (DG101.md, ...) and an index, from each "
                    "rule's METADATA. The project's docs/rules is written this way.")
    docs.add_argument("-o", "--output", default="docs/rules", metavar="DIR",
                      help="directory to write the pages to (default: docs/rules)")
    docs.add_argument("-p", "--policy", action="append", default=[], metavar="DIR")
    policies.set_defaults(usage=policies.format_help())


def _add_baseline_parser(commands: Any) -> None:
    from dicomguard.baseline import DEFAULT_FILE

    baseline = commands.add_parser(
        "baseline", help=COMMAND_HELP["baseline"],
        description="Record the findings a repository has today in a baseline file; "
                    "`dicomguard scan --baseline FILE` then fails only on findings not in it.",
        epilog=BASELINE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = baseline.add_subparsers(dest="baseline_command", metavar="ACTION")
    create = actions.add_parser("create", help="write a baseline of every current finding")
    update = actions.add_parser("update", help="drop fixed entries from a baseline, keep the "
                                               "others (--add-new records new findings too)")
    update.add_argument("--add-new", action="store_true",
                        help="also record findings that are not in the baseline yet")
    for action in (create, update):
        _add_input_arguments(action)
        action.add_argument("-o", "--output", default=DEFAULT_FILE, metavar="FILE",
                            help=f"the baseline file (default: {DEFAULT_FILE})")
    baseline.set_defaults(usage=baseline.format_help())


class ReportRequest:
    """One report a scan writes: its format, and its file (None: standard output)."""

    def __init__(self, format_name: str | None, output: str | None) -> None:
        self.format = format_name
        self.output = output

    def __repr__(self) -> str:
        return f"ReportRequest({self.format!r}, {self.output!r})"


class _ReportFormat(argparse.Action):
    """-f FORMAT: a new report, or the format of a report whose -o came first."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        reports = list(getattr(namespace, self.dest) or [])
        if reports and reports[-1].format is None:
            reports[-1].format = values
        else:
            reports.append(ReportRequest(values, None))
        setattr(namespace, self.dest, reports)


class _ReportOutput(argparse.Action):
    """-o FILE: the file of the preceding -f's report, or of the next -f's when none precedes."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        reports = list(getattr(namespace, self.dest) or [])
        if reports and reports[-1].format is not None and reports[-1].output is None:
            reports[-1].output = values
        elif reports and reports[-1].format is None:
            parser.error(f"{option_string} {values}: two -o in a row; give each -o its own -f")
        else:
            reports.append(ReportRequest(None, values))
        setattr(namespace, self.dest, reports)


def report_requests(reports: list[ReportRequest]) -> list[ReportRequest]:
    """The reports asked for, text where no -f was given; an error message when more than one
    would go to standard output."""
    requests = [ReportRequest(request.format or "text", request.output) for request in reports]
    requests = requests or [ReportRequest("text", None)]
    to_stdout = [request.format or "text" for request in requests if request.output is None]
    if len(to_stdout) > 1:
        raise ValueError(f"{len(to_stdout)} reports ({', '.join(to_stdout)}) would go to "
                         "standard output; give all but one an -o FILE")
    return requests


def _positive(unit: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of {unit}")
        return value

    return parse


_mebibytes = _positive("MiB")


def _job_count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of processes, 1 or more")
    return int(text)
