"""The OPA server engine: a running OPA reached with opa-python-client.

By default the policies and their data are pushed under the `dicomguard` namespace before the
query (PUT replaces, so any number of CI jobs can push the same policies). With `preloaded` the
server's own policies (a bundle) are used as they are. Either way one query of
`data.dicomguard.rules` returns every rule's deny set, and every rule the scanner knows must be
there: a server without them is an error, never an empty result.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

from dicomguard.engines import EngineError, deny_sets
from dicomguard.policies import RULES_PACKAGE, PolicySet
from dicomguard.records import record

if TYPE_CHECKING:
    from requests import PreparedRequest, Response

TOKEN_VARIABLE = "DICOMGUARD_OPA_TOKEN"
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_RETRIES = 2
RETRY_BACKOFF_SECONDS = 0.5
_RETRYABLE_STATUS = {429, 502, 503, 504}
_REGO_V1_HINT = "dicomguard policies are Rego v1 and need OPA 1.0 or later"

Result = TypeVar("Result")


@record(frozen=True)
class ServerAddress:
    scheme: str
    host: str
    port: int
    prefix: str  # a path in front of /v1 when OPA sits behind a reverse proxy

    @property
    def display(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{self.prefix}"


def parse_url(url: str) -> ServerAddress:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise EngineError(f"--opa-url {url!r}: expected http://HOST:PORT or https://HOST:PORT")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise EngineError(f"--opa-url {url!r}: invalid port") from error
    return ServerAddress(parts.scheme, parts.hostname, port, parts.path.rstrip("/"))


def _import_client() -> tuple[Any, tuple[type[Exception], ...]]:
    """opa-python-client, and the errors it raises for OPA's error documents."""
    try:
        import opa_client
        from opa_client import errors
    except ImportError as error:
        raise EngineError("--engine opa with --opa-url needs opa-python-client: "
                          "pip install 'dicomguard[opa]'") from error
    return opa_client, (errors.RegoParseError, errors.PatchDataError, errors.TypeException,
                        errors.PolicyNotFoundError)


class OpaServerEngine:
    def __init__(self, url: str, preloaded: bool = False, token_variable: str = TOKEN_VARIABLE,
                 ca_bundle: str | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 retries: int = DEFAULT_RETRIES) -> None:
        self.address = parse_url(url)
        self.preloaded = preloaded
        self.token = os.environ.get(token_variable) or None
        self.token_variable = token_variable
        if ca_bundle and not Path(ca_bundle).is_file():
            raise EngineError(f"{ca_bundle}: CA bundle not found")
        if ca_bundle and self.address.scheme != "https":
            raise EngineError(f"a CA bundle was given but {url} is not https")
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self.retries = max(0, retries)
        self._opa_client, self._client_errors = _import_client()
        import requests

        self._requests = requests

    def evaluate(self, policies: PolicySet, facts_input: dict[str, Any]) -> dict[str, list[Any]]:
        """Every rule's deny set. In preloaded mode, rules the server has and this installation
        does not (a central team's additions) are added to `policies` from the server's own
        modules, so their findings carry their METADATA instead of being dropped."""
        client = self._client()
        try:
            if not self.preloaded:
                self._push(client, policies)
            response = self._call(
                lambda: client.query_rule(input_data=facts_input, package_path=RULES_PACKAGE),
                f"query data.{RULES_PACKAGE}")
            packages = response.get("result") if isinstance(response, dict) else None
            denials = deny_sets(packages)
            missing = sorted(set(policies.rules) - set(denials))
            if missing:
                how = ("load the dicomguard bundle on the server (dicomguard policies bundle) "
                       "or drop --opa-preloaded" if self.preloaded else _REGO_V1_HINT)
                raise EngineError(f"OPA at {self.address.display} has no deny rule for "
                                  f"{', '.join(missing)}; {how}")
            unknown = set(denials) - set(policies.rules)
            if self.preloaded and unknown:
                self._learn_rules(client, policies, unknown)
        finally:
            client.close_connection()
        return denials

    def _learn_rules(self, client: Any, policies: PolicySet, packages: set[str]) -> None:
        from dicomguard.policies import PolicyError, rule_from_module

        for policy_id in self._call(client.get_policies_list, "list the server's policies"):
            # Bundle module ids start with "/", which only survives in the URL encoded.
            document = self._call(partial(client.get_policy, quote(policy_id, safe="")),
                                  f"read policy {policy_id}")
            source = str((document.get("result") or {}).get("raw") or "")
            try:
                rule = rule_from_module(source, f"{self.address.display} {policy_id}")
            except PolicyError as error:
                if any(f"package {package}\n" in source for package in packages):
                    raise EngineError(f"a rule on the server cannot be reported: {error}") from None
                continue
            if rule is not None and rule.package in packages:
                other = policies.rule_by_id(rule.id)
                if other is not None and other.package != rule.package:
                    raise EngineError(f"{policy_id} on {self.address.display} reuses rule id "
                                      f"{rule.id} of {other.path}")
                policies.rules[rule.package] = rule

    def _client(self) -> Any:
        verify: bool | str = False
        if self.address.scheme == "https":
            verify = self.ca_bundle or True
        client = self._opa_client.OpaClient(
            host=self.address.host, port=self.address.port, ssl=verify, token=self.token,
            retries=0, timeout=self.timeout)
        client.root_url = f"{self.address.display}/v1"
        if self.ca_bundle:
            # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's CA bundle;
            # the one given for this server must win.
            client._session.mount(f"https://{self.address.host}:{self.address.port}",
                                  _pinned_ca_adapter(self.ca_bundle))
        return client

    def _push(self, client: Any, policies: PolicySet) -> None:
        """Upload the modules (helpers first, then whatever imports them, until no upload makes
        progress) and the data documents they read."""
        from dicomguard.bundle import module_names
        from dicomguard.engines.sandbox import refuse_forbidden_calls

        refuse_forbidden_calls(policies.modules)
        for key, value in sorted(policies.data.items()):
            self._push_data(client, key, value)
        pending = sorted(module_names(policies).items(),
                         key=lambda item: f"package {RULES_PACKAGE}." in policies.modules[item[0]])
        while pending:
            failed: list[tuple[str, str]] = []
            last_error: Exception | None = None
            for path, name in pending:
                try:
                    self._call(partial(client.update_policy_from_string, policies.modules[path],
                                       name, rego_compat=False), f"upload {path}")
                except _UploadRejected as error:
                    failed.append((path, name))
                    last_error = error
            if len(failed) == len(pending):
                raise EngineError(f"OPA at {self.address.display} rejected the policies: "
                                  f"{last_error}; {_REGO_V1_HINT}")
            pending = failed

    def _push_data(self, client: Any, key: str, value: Any) -> None:
        """Data under `dicomguard` is written key by key, so the documents never overwrite
        the rule packages that share the namespace."""
        if key == "dicomguard" and isinstance(value, dict):
            for name, document in sorted(value.items()):
                self._write_data(client, f"dicomguard/{name}", document)
        else:
            self._write_data(client, key, value)

    def _write_data(self, client: Any, path: str, document: Any) -> None:
        if isinstance(document, dict):
            self._call(lambda: client.update_or_create_data(document, path), f"write data {path}")
        else:
            self._call(lambda: client.patch_data(
                "", [{"op": "add", "path": f"/{path}", "value": document}]),
                f"write data {path}")

    def _call(self, action: Callable[[], Result], what: str) -> Result:
        """Run one request with bounded retries on connection failures and overloaded or
        restarting servers; any other failure is an EngineError at once."""
        requests = self._requests
        for attempt in range(self.retries + 1):
            try:
                return action()
            except requests.exceptions.SSLError as error:
                raise EngineError(f"cannot {what}: TLS failure talking to "
                                  f"{self.address.display}: {error}") from error
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
                if attempt == self.retries:
                    raise EngineError(
                        f"cannot {what}: OPA at {self.address.display} is unreachable after "
                        f"{self.retries + 1} attempts ({type(error).__name__})") from error
            except requests.exceptions.HTTPError as error:
                status = error.response.status_code if error.response is not None else 0
                if status not in _RETRYABLE_STATUS or attempt == self.retries:
                    raise EngineError(self._http_failure(what, error, status)) from error
            except ValueError as error:  # JSON decoding, requests' own included
                raise EngineError(f"cannot {what}: {self.address.display} did not answer "
                                  "like an OPA server (its response is not OPA's JSON)") from error
            except requests.exceptions.RequestException as error:
                raise EngineError(f"cannot {what}: {error}") from error
            except self._client_errors as error:
                raise self._refusal(what, error) from error
            time.sleep(RETRY_BACKOFF_SECONDS * 2**attempt)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _refusal(self, what: str, error: Any) -> EngineError:
        """OPA answered with an error document: its code says whose fault it is."""
        code = str(getattr(error, "expression", "") or "")
        message = str(getattr(error, "message", "") or "")
        if code == "unauthorized":
            return EngineError(f"cannot {what}: OPA at {self.address.display} refused access "
                               f"({message}); {self._token_hint()}")
        details = _compile_errors(error)
        if details:
            return _UploadRejected(f"cannot {what}: {details}")
        if "bundle" in message:
            return EngineError(f"cannot {what}: {message}; the server serves a bundle, "
                               "use --opa-preloaded")
        if not code and not message:
            return EngineError(f"cannot {what}: {self.address.display} did not answer like an "
                               "OPA server (unexpected response)")
        return EngineError(f"cannot {what}: OPA at {self.address.display} answered "
                           f"{code}: {message}")

    def _token_hint(self) -> str:
        if self.token:
            return f"the token in {self.token_variable} was refused"
        return f"set {self.token_variable} to a token the server accepts"

    def _http_failure(self, what: str, error: Any, status: int) -> str:
        detail = ""
        if error.response is not None:
            try:
                detail = str(error.response.json().get("message", ""))
            except ValueError:
                detail = error.response.text[:200].strip()
        if status in {401, 403}:
            return (f"cannot {what}: OPA at {self.address.display} answered {status}; "
                    f"{self._token_hint()}")
        if status == 404:
            return (f"cannot {what}: {self.address.display} answered 404; is it an OPA server "
                    "with the v1 REST API?")
        return f"cannot {what}: OPA at {self.address.display} answered {status}: {detail}"


def _pinned_ca_adapter(ca_bundle: str) -> Any:
    from requests.adapters import HTTPAdapter

    class PinnedCaAdapter(HTTPAdapter):
        def send(self, request: PreparedRequest, stream: bool = False,
                 timeout: float | tuple[float, float] | tuple[float, None] | None = None,
                 verify: bool | str = True,
                 cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
                 proxies: Mapping[str, str] | None = None) -> Response:
            return super().send(request, stream=stream, timeout=timeout, verify=ca_bundle,
                                cert=cert, proxies=proxies)

    return PinnedCaAdapter()


class _UploadRejected(EngineError):
    """The server refused a module or document; the push decides whether that is final."""


def _compile_errors(error: Any) -> str:
    errors = getattr(error, "errors", None) or []
    details = []
    for item in errors:
        if not isinstance(item, dict):
            continue
        location = item.get("location") or {}
        row = f" line {location['row']}" if location.get("row") else ""
        details.append(f"{item.get('message', '')}{row}")
    return "; ".join(details)
