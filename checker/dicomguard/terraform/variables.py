"""Values of a root module's input variables, by Terraform's precedence
(https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence):
environment TF_VAR_* < terraform.tfvars < terraform.tfvars.json < *.auto.tfvars(.json) in
lexical order < --var-file < --var. Defaults apply when none of these sets a variable."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dicomguard.model import InputError, SourceFile
from dicomguard.regular_files import read_regular_text
from dicomguard.sources import ScanContext
from dicomguard.surrogates import check_decoded
from dicomguard.terraform.expressions import Scope, evaluate
from dicomguard.terraform.instance import ModuleSource, Session
from dicomguard.terraform.values import EvaluationError


def _no_references(name: str) -> Any:
    raise EvaluationError(f"variables files cannot refer to {name!r}", malformed=True)


def _definition_order(path: str) -> tuple[int, str]:
    name = Path(path).name
    if name == "terraform.tfvars":
        return (0, name)
    if name == "terraform.tfvars.json":
        return (1, name)
    if name.endswith((".auto.tfvars", ".auto.tfvars.json")):
        return (2, name)
    return (3, name)  # other files are read only when given with --var-file


def read_variables_file(path: str, text: str, session: Session) -> dict[str, Any]:
    """The values a .tfvars or .tfvars.json file sets."""
    if path.endswith(".json"):
        try:
            document = json.loads(text)
        except ValueError as error:
            session.error(path, getattr(error, "lineno", None), f"invalid JSON: {error}")
            return {}
        except RecursionError:
            session.error(path, 1, "invalid JSON: nested too deeply to be read")
            return {}
        if not isinstance(document, dict):
            session.error(path, 1, "a variables file must hold a JSON object")
            return {}
        try:
            check_decoded(document, text)
        except InputError as error:
            session.error(path, error.line, error.message)
            return {}
        return document
    from dicomguard.terraform.hcl import parse_file

    try:
        body = parse_file(text, path)
    except InputError as error:
        session.error(path, error.line, error.message)
        return {}
    values: dict[str, Any] = {}
    scope = Scope({}, _no_references)
    for name, attribute in body.attributes.items():
        try:
            values[name] = evaluate(attribute.expression, scope)
        except EvaluationError as error:
            session.error(path, attribute.line, error.message)
    for block in body.blocks:
        session.error(path, block.line, f"a variables file cannot contain a {block.type} block")
    return values


def _command_line_value(text: str) -> Any:
    """--var NAME=VALUE: a list or map is written in HCL; anything else is the string itself
    and type conversion makes it a number or bool where the variable asks for one."""
    if text.strip().startswith(("[", "{")):
        from dicomguard.terraform.hcl import parse_expression

        try:
            return evaluate(parse_expression(text, "--var", 1), Scope({}, _no_references))
        except (InputError, EvaluationError):
            return text
    return text


def _read(path: str, session: Session) -> dict[str, Any]:
    try:
        text = read_regular_text(path)
    except (OSError, UnicodeDecodeError) as error:
        session.error(path, None, f"cannot read variables file: {error}")
        return {}
    return read_variables_file(path, text, session)


def root_inputs(module: ModuleSource, automatic_files: list[SourceFile], context: ScanContext,
                session: Session) -> dict[str, Callable[[], Any]]:
    values: dict[str, Any] = {}
    if context.terraform_env_vars:
        for key, text in os.environ.items():
            if key.startswith("TF_VAR_"):
                values[key[len("TF_VAR_"):]] = _command_line_value(text)
    for source in sorted(automatic_files, key=lambda item: _definition_order(item.path)):
        if _definition_order(source.path)[0] < 3:
            values.update(_read(source.path, session))
    for path in context.terraform_var_files:
        values.update(_read(path, session))
    for name, text in context.terraform_vars.items():
        values[name] = _command_line_value(text)
    return {name: _constant(value) for name, value in values.items()
            if name in module.variables}


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value
