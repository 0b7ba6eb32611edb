"""Orthanc's own rules for who may use the archive, applied to its effective configuration.

The configuration is layered the way Orthanc and its Docker images build it: the image's
defaults, then the JSON files Orthanc reads, then `ORTHANC_JSON`, then `ORTHANC__*` variables
(orthancteam/orthanc images). Each setting remembers the file and line it came from.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dicomguard.apps.credentials import weak_credentials
from dicomguard.apps.located import Located
from dicomguard.facts import listener, service, tristate
from dicomguard.knowledge.images import image_parts, orthanc_family
from dicomguard.model import InputError, Origin, Unknown, is_unknown
from dicomguard.records import field, record

# Since Orthanc 1.5.8 an unset AuthenticationEnabled follows RemoteAccessAllowed; before, it
# was off.
AUTHENTICATION_FOLLOWS_REMOTE_ACCESS = (1, 5, 8)
# Orthanc 1.12.9 stopped creating the default orthanc/orthanc account when "RegisteredUsers"
# is present but empty; when it is absent, every release since 1.5.8 still creates it.
NO_DEFAULT_ACCOUNT_FOR_EMPTY_USERS = (1, 12, 9)
ORTHANC_DEFAULTS = {
    "RemoteAccessAllowed": False, "SslEnabled": False, "HttpPort": 8042, "DicomPort": 4242,
    "DicomServerEnabled": True, "HttpServerEnabled": True, "DicomTlsEnabled": False,
    "DicomAlwaysAllowStore": True, "DicomCheckCalledAet": False, "WebDavEnabled": True,
    "DicomAlwaysAllowFind": False, "DicomAlwaysAllowGet": False, "DicomAlwaysAllowMove": False,
    "DicomCheckModalityHost": False,
    # Since DICOM TLS came (1.9.0) a caller must present a certificate Orthanc trusts; 1.9.3
    # made that optional, on by default.
    "DicomTlsRemoteCertificateRequired": True,
}
ANONYMOUS_RETRIEVAL = (("C-FIND", "DicomAlwaysAllowFind"), ("C-GET", "DicomAlwaysAllowGet"),
                       ("C-MOVE", "DicomAlwaysAllowMove"))
ENV_PREFIX = "ORTHANC__"


@record(frozen=True)
class Setting:
    value: Any
    file: str
    line: int
    source: str  # what a user reads: "orthanc.json", "ORTHANC__SSL_ENABLED", "image default"


@record
class OrthancConfig:
    """The effective settings, the Orthanc version when known, and what could not be read."""

    settings: dict[str, Setting] = field(default_factory=dict)
    version: tuple[int, ...] | None = None
    unreadable: list[str] = field(default_factory=list)  # config sources dicomguard cannot see
    # jodogne images keep their defaults in /etc/orthanc/orthanc.json: a mounted config
    # replaces them, where orthancteam images apply theirs only to what no file sets.
    mounts_replace_defaults: bool = False

    def layer(self, settings: dict[str, Setting]) -> None:
        for key, setting in settings.items():
            current = self.settings.get(key)
            if (current is not None and isinstance(current.value, dict)
                    and isinstance(setting.value, dict) and key != "RegisteredUsers"):
                merged = {**current.value, **setting.value}
                self.settings[key] = Setting(merged, setting.file, setting.line, setting.source)
            else:
                self.settings[key] = setting

    def get(self, key: str) -> Any:
        if key in self.settings:
            return self.settings[key].value
        if self.unreadable:
            return Unknown(f"{key} may be set in {', '.join(self.unreadable)}, which dicomguard "
                           "cannot read")
        return ORTHANC_DEFAULTS.get(key)

    def where(self, key: str, fallback: Origin) -> tuple[str, int]:
        setting = self.settings.get(key)
        return (setting.file, setting.line) if setting else (fallback.file, fallback.line)


def settings_from_json(located: Located, file: str) -> dict[str, Setting]:
    if not isinstance(located.value, dict):
        raise InputError("an Orthanc configuration must be a JSON object", located.line())
    return {key: Setting(value, file, located.line(key), file)
            for key, value in located.value.items()}


def _setting_name(env_word: str) -> str:
    """ORTHANC__DICOM_TLS_ENABLED -> DicomTlsEnabled, as the orthancteam images map them."""
    return "".join(part.capitalize() for part in env_word.split("_") if part)


def _env_value(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@record
class EnvironmentSettings:
    settings: dict[str, Setting] = field(default_factory=dict)
    problems: list[InputError] = field(default_factory=list)  # ORTHANC_JSON that is not JSON
    unknown_sources: list[str] = field(default_factory=list)  # ORTHANC_JSON from elsewhere


def settings_from_environment(environment: dict[str, Any], file: str,
                              lines: dict[str, int], default_line: int,
                              files: dict[str, str] | None = None) -> EnvironmentSettings:
    """ORTHANC_JSON, then ORTHANC__* variables on top of it. files: the file that sets a
    variable, when not file."""
    found = EnvironmentSettings()
    setting_files = files or {}
    settings = found.settings
    document = environment.get("ORTHANC_JSON")
    line = lines.get("ORTHANC_JSON", default_line)
    if is_unknown(document):
        found.unknown_sources.append(f"ORTHANC_JSON ({document.reason})")
    elif isinstance(document, str) and document.strip():
        from dicomguard.apps import jsonc

        try:
            parsed = jsonc.loads(document)
        except InputError as error:
            found.problems.append(InputError(f"ORTHANC_JSON is not valid JSON: {error.message}",
                                             line))
        else:
            if isinstance(parsed.value, dict):
                for key, value in parsed.value.items():
                    settings[key] = Setting(value, setting_files.get("ORTHANC_JSON", file),
                                            line, "ORTHANC_JSON")
    for name, raw in environment.items():
        if not name.startswith(ENV_PREFIX):
            continue
        path = [_setting_name(word) for word in name[len(ENV_PREFIX):].split("__")]
        value = raw if is_unknown(raw) else _env_value(raw)
        line = lines.get(name, default_line)
        where = setting_files.get(name, file)
        top = path[0]
        if len(path) == 1:
            settings[top] = Setting(value, where, line, name)
            continue
        container = dict(settings[top].value) if top in settings and isinstance(
            settings[top].value, dict) else {}
        cursor = container
        for part in path[1:-1]:
            cursor = cursor.setdefault(part, {})
        cursor[path[-1]] = value
        settings[top] = Setting(container, where, line, name)
    return found


def _version(text: str) -> tuple[int, ...] | None:
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(part) for part in match.groups("0")) if match else None


def image_config(image: str, origin: Origin) -> OrthancConfig | None:
    """What an Orthanc image brings before any file or variable: None for other images."""
    family = orthanc_family(image)
    if family is None:
        return None
    tag = image_parts(image)[1]
    config = OrthancConfig()
    source = f"default of image {image}"

    def default(key: str, value: Any) -> None:
        config.settings[key] = Setting(value, origin.file, origin.line, source)

    if family == "jodogne":
        # The image's /etc/orthanc/orthanc.json: remote access on, the orthanc/orthanc account.
        default("RemoteAccessAllowed", True)
        default("AuthenticationEnabled", True)
        default("RegisteredUsers", {"orthanc": "orthanc"})
        config.version = _version(tag)
        config.mounts_replace_defaults = True
    else:
        # orthancteam/orthanc (formerly osimis/orthanc): remote access and authentication on,
        # RegisteredUsers absent. Tags are YY.M.P; 25.8 and later ship Orthanc 1.12.9 or newer.
        default("RemoteAccessAllowed", True)
        default("AuthenticationEnabled", True)
        release = _version(tag)
        if release and release[0] < 100:
            config.version = (1, 12, 9) if release[:2] >= (25, 8) else (1, 12, 8)
    return config


@record
class Access:
    """Who may use the HTTP server (REST API, DICOMweb, WebDAV)."""

    remote: bool | None
    authentication: Any  # True, False or Unknown
    weak: list[dict[str, str]]
    deciding_key: str
    notes: list[str]


def _authorization_plugin(config: OrthancConfig) -> bool:
    section = config.get("Authorization")
    return isinstance(section, dict) and any(
        key.startswith("WebService") for key in section)


def http_access(config: OrthancConfig) -> Access:
    remote = config.get("RemoteAccessAllowed")
    explicit = "AuthenticationEnabled" in config.settings
    if explicit or config.unreadable:
        authentication = config.get("AuthenticationEnabled")
    elif config.version is not None and config.version < AUTHENTICATION_FOLLOWS_REMOTE_ACCESS:
        authentication = False
    else:
        authentication = remote
    notes: list[str] = []
    deciding = "AuthenticationEnabled" if explicit else "RemoteAccessAllowed"
    state = tristate(authentication)
    if is_unknown(authentication) or state is None:
        reason = authentication.reason if is_unknown(authentication) else (
            f"AuthenticationEnabled is {authentication!r}")
        return Access(tristate(remote), Unknown(reason), [], deciding, notes)
    if _authorization_plugin(config):
        notes.append("access is decided by the Orthanc authorization plugin")
        return Access(tristate(remote), True, [], "Authorization", notes)
    if not state:
        return Access(tristate(remote), False, [], deciding, notes)
    users = config.get("RegisteredUsers")
    if is_unknown(users):
        return Access(tristate(remote), True, [], "RegisteredUsers", [users.reason])
    if isinstance(users, dict) and users:
        weak = weak_credentials(users)
        source = config.settings["RegisteredUsers"].source
        if source.startswith("default of image"):
            image = source.removeprefix("default of image ")
            weak = [{"user": entry["user"], "reason": f"the password built into the image {image}"}
                    for entry in weak]
        return Access(tristate(remote), True, weak, "RegisteredUsers", notes)
    default_account = [{"user": "orthanc", "reason": "the default password that Orthanc sets "
                        "when no user is registered"}]
    if "RegisteredUsers" not in config.settings:
        return Access(tristate(remote), True, default_account, deciding, notes)
    if config.version is None:
        return Access(tristate(remote), Unknown(
            "RegisteredUsers is empty: Orthanc releases before 1.12.9 then create the default "
            "orthanc/orthanc account, and the release in use is not known"), [],
            "RegisteredUsers", notes)
    if config.version < NO_DEFAULT_ACCOUNT_FOR_EMPTY_USERS:
        return Access(tristate(remote), True, default_account, "RegisteredUsers", notes)
    return Access(tristate(remote), True, [], "RegisteredUsers", notes)


def orthanc_facts(
    config: OrthancConfig,
    origin: Origin,
    *,
    platform: str,
    reach_of: Any,
    transport_reach: Any = None,
) -> list[dict[str, Any]]:
    """Service facts for Orthanc's HTTP server and DICOM server.

    reach_of(port, listens_everywhere) gives who can reach a port Orthanc listens on;
    listens_everywhere is False when Orthanc itself only accepts local connections.
    transport_reach(port, reach) gives who can read that port's clear text (a TLS proxy in
    front narrows it); by default the same as reach.
    """
    transport = transport_reach or (lambda port, reach: reach)
    facts: list[dict[str, Any]] = []
    access = http_access(config)
    if tristate(config.get("HttpServerEnabled")) is not False:
        http_port = config.get("HttpPort")
        reach = "local" if access.remote is False else reach_of(http_port, True)
        if access.remote is None and reach != "local":
            reach = "unknown"
        webdav = tristate(config.get("WebDavEnabled")) is not False
        file, line = config.where(access.deciding_key, origin)
        tls = config.get("SslEnabled")
        facts.append(service(
            _origin_at(file, line, origin),
            platform=platform,
            product="Orthanc REST API and WebDAV" if webdav else "Orthanc REST API",
            reach=reach,
            authentication=access.authentication,
            listeners=[listener(http_port, "http", tls=tls, reach=transport(http_port, reach),
                                name="Orthanc HTTP",
                                tls_origin=_setting_origin(config, "SslEnabled", origin))],
            tls=tls,
            weak_credentials=access.weak,
            detail="; ".join(access.notes),
            suffix="http",
            unknown=access.notes if is_unknown(access.authentication) else (),
        ))
    if tristate(config.get("DicomServerEnabled")) is not False:
        facts.append(_dicom_fact(config, origin, platform, reach_of, transport))
    return facts


def _callers_need_a_certificate(config: OrthancConfig) -> bool:
    """DICOM TLS with remote certificates required: only a caller holding a certificate from
    DicomTlsTrustedCertificates gets an association, whatever the DicomAlwaysAllow* settings."""
    return (tristate(config.get("DicomTlsEnabled")) is True
            and tristate(config.get("DicomTlsRemoteCertificateRequired")) is True)


def _dicom_fact(config: OrthancConfig, origin: Origin, platform: str,
                reach_of: Any, transport: Any) -> dict[str, Any]:
    port = config.get("DicomPort")
    reach = reach_of(port, True)  # the DICOM server ignores RemoteAccessAllowed
    certified = _callers_need_a_certificate(config)
    anyone_retrieves = [] if certified else [op for op, key in ANONYMOUS_RETRIEVAL
                                             if tristate(config.get(key)) is True]
    undecided = [] if certified else [key for _, key in ANONYMOUS_RETRIEVAL
                                      if tristate(config.get(key)) is None]
    if anyone_retrieves:
        authentication: Any = False
        key = dict(ANONYMOUS_RETRIEVAL)[anyone_retrieves[0]]
    elif undecided:
        authentication = Unknown(f"{undecided[0]} cannot be known")
        key = undecided[0]
    else:
        authentication = True
        deciding = ("DicomTlsRemoteCertificateRequired", "DicomTlsEnabled") if certified else \
            ("DicomAlwaysAllowStore", "DicomTlsEnabled")
        key = next((name for name in (*deciding, "DicomPort") if name in config.settings),
                   "DicomPort")
    file, line = config.where(key, origin)
    tls = config.get("DicomTlsEnabled")
    anonymous = list(anyone_retrieves)
    detail = []
    if certified:
        detail.append("callers need a certificate from DicomTlsTrustedCertificates")
    elif tristate(config.get("DicomAlwaysAllowStore")) is True:
        anonymous.append("C-STORE")
        detail.append("DicomAlwaysAllowStore is on")
    if tristate(config.get("DicomCheckCalledAet")) is not True:
        detail.append("DicomCheckCalledAet is off")
    if tristate(config.get("DicomCheckModalityHost")) is not True:
        detail.append("DicomCheckModalityHost is off")
    product = "Orthanc DICOM server"
    if anyone_retrieves:
        product += ": " + ", ".join(anyone_retrieves) + " open to any modality"
    return service(
        _origin_at(file, line, origin),
        platform=platform,
        product=product,
        reach=reach,
        authentication=authentication,
        listeners=[listener(port, "dicom", tls=tls, reach=transport(port, reach),
                            name="Orthanc DICOM", anonymous=anonymous,
                            tls_origin=_setting_origin(config, "DicomTlsEnabled", origin))],
        tls=tls,
        detail="; ".join(detail),
        suffix="dicom",
    )


def _setting_origin(config: OrthancConfig, key: str, origin: Origin) -> Origin | None:
    """Where a setting is written, when it is written (an image's default is not)."""
    setting = config.settings.get(key)
    if setting is None or setting.source.startswith("default of image"):
        return None
    return _origin_at(setting.file, setting.line, origin)


def _origin_at(file: str, line: int, origin: Origin) -> Origin:
    """A setting's line, or the whole block when the setting is the block's own default. A
    setting in another file (a mounted configuration, a Dockerfile) may serve several
    deployments: the block's file keeps their facts apart."""
    end = origin.end_line if (file, line) == (origin.file, origin.line) else line
    return Origin(file, line, end, origin.address,
                  origin.key if file == origin.file else f"{origin.file}/{origin.key}")


def standalone_reach(port: Any, listens_everywhere: bool) -> str:
    """An Orthanc configuration seen on its own: listening on every interface of its host."""
    return "network" if listens_everywhere else "local"
