"""Containers of PACS images (Orthanc, dcm4chee-arc and its companions, PostgreSQL) to facts.

Compose files, Kubernetes manifests and Ansible's docker_container tasks all describe the same
thing: an image, its environment and the ports published from it. `container_facts` turns that
into ingress facts (published ports) and service facts (who may use what the image serves).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from dicomguard.apps.credentials import weak_credentials
from dicomguard.apps.located import Located
from dicomguard.apps.orthanc import (
    OrthancConfig,
    image_config,
    orthanc_facts,
    settings_from_environment,
    settings_from_json,
)
from dicomguard.facts import ingress, listener, peer, service, widest_reach
from dicomguard.knowledge import images
from dicomguard.knowledge.images import DCM4CHEE_LISTENERS, image_parts, product
from dicomguard.model import CollectResult, InputError, Origin, ScanError, Unknown, is_unknown
from dicomguard.records import field, record

DOCKER_PATH = ("Docker publishes the port with DNAT rules ahead of the host firewall's INPUT "
               "chain, so ufw and firewalld rules do not restrict it")
JDWP_OPTION = re.compile(r"(?:-agentlib:jdwp=|-Xrunjdwp:)\S*?address=(?:[\w.*\[\]:-]*:)?(\d+)")
DCM4CHEE_WEB_PORTS = (8080, 8443)


@record
class PublishedPort:
    """A container port made reachable from outside the container."""

    container_port: Any  # int or Unknown
    host_ports: Any  # [low, high], or Unknown
    host_ip: Any = None  # None: every host interface; a string; or Unknown
    protocol: str = "tcp"
    line: int = 0
    host_port_chosen: bool = True  # False: Docker picks it (host_ports is then its range)
    file: str = ""  # the file that publishes it, when not the container's own (an override)


@record
class Container:
    """One container as an orchestrator describes it."""

    image: Any  # str or Unknown
    environment: dict[str, Any]
    origin: Origin  # the service / container block; address names it
    platform: str  # compose, kubernetes, ansible
    env_lines: dict[str, int] = field(default_factory=dict)
    # The file that sets a variable, when not the container's own (an override, extends).
    env_files: dict[str, str] = field(default_factory=dict)
    ports: list[PublishedPort] = field(default_factory=list)
    host_network: bool = False
    # Reach of container ports made reachable some other way (a Kubernetes Service).
    port_reach: dict[int, str] = field(default_factory=dict)
    unpublished_reach: str = "local"  # who reaches a port nothing publishes
    # Other containers of the networks it joins (a compose project's): they may connect to
    # any port, but their traffic stays on the host's bridge.
    neighbours_reach: str = "local"
    orthanc_files: list[tuple[Located, str]] = field(default_factory=list)
    unreadable_configs: list[str] = field(default_factory=list)
    image_line: int = 0  # where the image is named, for what the image itself brings
    image_file: str = ""  # when not the container's own file (an override, a Dockerfile)
    # Sources of variables dicomguard cannot read (a missing env_file, an envFrom Secret kept
    # elsewhere): any variable not set explicitly may come from them.
    unknown_environment: list[str] = field(default_factory=list)
    # Ports the outside reaches only through a TLS-terminating proxy (a Kubernetes Ingress):
    # their clear-text leg stays inside the cluster network.
    tls_fronted: set[int] = field(default_factory=set)
    # PostgreSQL: settings given on the command line or in a mounted config_file, and the
    # pg_hba.conf mounted from the scanned tree as (path shown, text).
    postgres_settings: dict[str, str] = field(default_factory=dict)
    pg_hba: tuple[str, str] | None = None
    # Files placed in the container (mounts, configs, Dockerfile copies): an nginx image's
    # configuration is read from them.
    placed: list[Any] = field(default_factory=list)
    # Compose: the names other containers reach it by, network by network (ServiceNames).
    network_names: Any = None
    # Labels as (key, value, file, line, as written) and command arguments as (argument,
    # file, line, as written): a Traefik container reads its routes from the one, its entry
    # points from the other.
    labels: list[tuple[Any, ...]] = field(default_factory=list)
    command: list[tuple[Any, ...]] = field(default_factory=list)

    def image_origin(self) -> Origin:
        line = self.image_line or self.origin.line
        return Origin(self.image_file or self.origin.file, line, line, self.origin.address)


def bind_reach(host_ip: Any) -> str:
    """Who can reach a port published on host_ip (None: every interface)."""
    if host_ip is None:
        return "internet"
    if is_unknown(host_ip):
        return "unknown"
    text = str(host_ip).strip().strip("[]")
    if text in {"", "0.0.0.0", "::", "*"}:
        return "internet"
    if text == "localhost":
        return "local"
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return "unknown"
    if address.is_loopback:
        return "local"
    if address.is_private or address.is_link_local:
        return "network"
    return "internet"


def _bind_peer(host_ip: Any) -> dict[str, Any]:
    if host_ip is None or is_unknown(host_ip):
        return peer("0.0.0.0") if host_ip is None else peer(host_ip)
    text = str(host_ip).strip().strip("[]")
    if text == "::":
        return peer("::/0")
    if bind_reach(text) == "internet":
        return peer("0.0.0.0" if text in {"", "0.0.0.0", "*"} else "0.0.0.0/0")
    if bind_reach(text) == "unknown":
        return peer(Unknown(f"host address {text!r} cannot be classified"))
    return peer(text)


def reach_of(container: Container, port: Any, listens_everywhere: bool) -> str:
    """Who can connect to a port the container listens on."""
    if not listens_everywhere:
        return "local"
    return widest_reach([_published_reach(container, port), container.neighbours_reach])


def _published_reach(container: Container, port: Any) -> str:
    if container.host_network:
        return "internet"
    if is_unknown(port) or port is None:
        return "unknown"
    reaches = [bind_reach(published.host_ip) for published in container.ports
               if is_unknown(published.container_port) or published.container_port == port]
    if port in container.port_reach:
        reaches.append(container.port_reach[port])
    # Whatever is published, the container's own network reaches the port too.
    return widest_reach([*reaches, container.unpublished_reach])


def transport_reach(container: Container, port: Any, reach: str) -> str:
    """Who can read a listener's unencrypted traffic: not the neighbours on the host's bridge,
    nor what only reaches it through a TLS-terminating proxy."""
    if reach != "local" and container.neighbours_reach != "local":
        reach = _published_reach(container, port)
    if reach == "internet" and port in container.tls_fronted:
        return "network"
    return reach


def exposed_ports(published: PublishedPort, catalogue_ports: set[int]) -> list[Any]:
    """The host ports a published port opens (Docker's ephemeral range when it picks one),
    and the container's port when it is a catalogue port the host ports leave out: the service
    behind a remapped or random port is reachable all the same."""
    ports = [published.host_ports]
    target = published.container_port
    if (not is_unknown(published.host_ports) and not is_unknown(target)
            and target in catalogue_ports
            and not published.host_ports[0] <= target <= published.host_ports[1]):
        ports.append([target, target])
    return ports


def ports_of_catalogue(catalogue: list[dict[str, Any]]) -> set[int]:
    return {int(entry["port"]) for entry in catalogue if "port" in entry}


def published_ingress(container: Container, catalogue_ports: set[int]) -> list[dict[str, Any]]:
    facts = []
    for index, published in enumerate(container.ports):
        if bind_reach(published.host_ip) == "local":
            continue
        ports = exposed_ports(published, catalogue_ports)
        line = published.line or container.origin.line
        facts.append(ingress(
            Origin(published.file or container.origin.file, line, line,
                   container.origin.address),
            platform=container.platform,
            mechanism="published container port",
            protocol=published.protocol,
            ports=ports,
            peers=[_bind_peer(published.host_ip)],
            path=DOCKER_PATH,
            suffix=f"port{index}",
        ))
    return facts


def _variable_origin(container: Container, *names: str) -> Origin:
    """Where the first of names that is set is set; the container when none is."""
    for name in names:
        if name in container.env_lines:
            return _at(container, container.env_lines[name], container.env_files.get(name))
    return _at(container, container.origin.line)


def _at(container: Container, line: int, file: str | None = None) -> Origin:
    origin = container.origin
    if file is None or file == origin.file:
        end = origin.end_line if line == origin.line else line
        return Origin(origin.file, line, end, origin.address)
    # A file several deployments share (extends): the container's file keeps them apart.
    return Origin(file, line, line, origin.address, f"{origin.file}/{origin.key}")


def _orthanc(container: Container, config: OrthancConfig, result: CollectResult) -> None:
    if container.unreadable_configs or (config.mounts_replace_defaults
                                        and container.orthanc_files):
        config.settings.clear()  # what the image would default is now up to the mounted files
    for located, file in container.orthanc_files:
        try:
            config.layer(settings_from_json(located, file))
        except InputError as error:
            result.errors.append(ScanError(file, error.line, error.message))
    environment = settings_from_environment(
        container.environment, container.origin.file, container.env_lines,
        container.origin.line, container.env_files)
    if environment.unknown_sources or container.unknown_environment:
        config.settings.clear()  # any of these could be overridden from a source not read
    config.unreadable.extend([*container.unreadable_configs, *environment.unknown_sources,
                              *container.unknown_environment])
    config.layer(environment.settings)
    result.errors.extend(ScanError(container.origin.file, problem.line, problem.message)
                         for problem in environment.problems)
    result.facts.services.extend(orthanc_facts(
        config, container.origin, platform=container.platform,
        reach_of=lambda port, everywhere: reach_of(container, port, everywhere),
        transport_reach=lambda port, reach: transport_reach(container, port, reach)))


def _dcm4chee_arc(container: Container, tag: str, result: CollectResult) -> None:
    authentication: Any
    if not tag or tag == "latest":
        authentication = False
    elif "${" in tag or "{{" in tag:
        authentication = Unknown(f"image tag {tag!r} cannot be known")
    else:
        authentication = "secure" in tag
    listeners = [listener(port, protocol, tls=tls, name=f"dcm4chee-arc {protocol}",
                          reach=transport_reach(container, port,
                                                reach_of(container, port, True)))
                 for port, protocol, tls in DCM4CHEE_LISTENERS]
    password = _password(container, "WILDFLY_ADMIN_PASSWORD", None)
    users = {} if password is None else {
        str(container.environment.get("WILDFLY_ADMIN_USER", "admin")): password}
    reach = widest_reach(reach_of(container, port, True) for port in DCM4CHEE_WEB_PORTS)
    result.facts.services.append(service(
        _at(container, container.origin.line),
        platform=container.platform,
        product={True: "dcm4chee-arc (secured with Keycloak)",
                 False: "dcm4chee-arc (image without authentication)"}.get(
                     authentication, "dcm4chee-arc"),
        reach=reach,
        authentication=authentication,
        listeners=listeners,
        weak_credentials=weak_credentials(users),
        suffix="dcm4chee-arc",
    ))


def _credential_service(container: Container, product: str, suffix: str,
                        users: dict[str, Any], lines: tuple[str, ...], ports: tuple[int, ...],
                        authentication: Any = True, kind: str = "image_service",
                        detail: str = "", listens_everywhere: bool = True
                        ) -> dict[str, Any] | None:
    """A service whose users are known from the environment; None when nothing about it
    matters (strong passwords, authentication on, and for a database: not reachable)."""
    weak = weak_credentials(users)
    reach = widest_reach(reach_of(container, port, listens_everywhere) for port in ports)
    exposed_database = kind == "database" and reach != "local"
    if not weak and authentication is True and not exposed_database:
        return None
    return service(_variable_origin(container, *lines), platform=container.platform,
                   product=product, reach=reach, authentication=authentication,
                   weak_credentials=weak, kind=kind, detail=detail, suffix=suffix)


def _postgres_listens_everywhere(container: Container) -> bool:
    from dicomguard.apps import postgresql_conf
    from dicomguard.apps.compose_databases import IMAGE_LISTEN_ADDRESSES

    listen = container.postgres_settings.get("listen_addresses", IMAGE_LISTEN_ADDRESSES)
    return postgresql_conf.listen_reach(listen) != "local"


def _postgres_hba(container: Container) -> CollectResult:
    """The records of a pg_hba.conf the container reads instead of the image's own."""
    from dicomguard.apps import databases, pg_hba

    result = CollectResult()
    if container.pg_hba is None:
        return result
    file, text = container.pg_hba
    try:
        parsed = pg_hba.parse(text)
    except InputError as error:
        result.errors.append(ScanError(file, error.line, error.message))
        return result
    reach = reach_of(container, images.LISTENING_PORTS["postgres"][0],
                     _postgres_listens_everywhere(container))
    return databases.hba_facts(parsed, file, platform=container.platform, server_reach=reach,
                               address=container.origin.address)


def _postgres(container: Container) -> dict[str, Any] | None:
    environment = container.environment
    method = _password(container, "POSTGRES_HOST_AUTH_METHOD", None)
    authentication: Any = True
    if container.pg_hba is not None:
        pass  # the mounted pg_hba.conf decides, not the one the entrypoint writes
    elif is_unknown(method):
        authentication = Unknown(f"POSTGRES_HOST_AUTH_METHOD cannot be known: {method.reason}")
    elif str(method or "").strip().lower() == "trust":
        authentication = False
    password = _password(container, "POSTGRES_PASSWORD", None)
    users = {} if password is None else {
        str(environment.get("POSTGRES_USER") or "postgres"): password}
    lines = ("POSTGRES_HOST_AUTH_METHOD", "POSTGRES_PASSWORD") if authentication is not True \
        else ("POSTGRES_PASSWORD",)
    detail = "POSTGRES_HOST_AUTH_METHOD=trust lets a client connect as any user without a " \
        "password (the image writes 'host all all all trust')" if authentication is False else ""
    return _credential_service(container, "PostgreSQL (archive index)", "postgresql", users,
                               lines, images.LISTENING_PORTS["postgres"], authentication,
                               kind="database", detail=detail,
                               listens_everywhere=_postgres_listens_everywhere(container))


def _mysql(container: Container, image: str) -> dict[str, Any] | None:
    """The official mysql and mariadb images: root@'%' (MYSQL_ROOT_HOST) gets
    MYSQL_ROOT_PASSWORD, or none at all when MYSQL_ALLOW_EMPTY_PASSWORD has any non-empty
    value ("no" and "false" included: the entrypoint only tests for emptiness)."""
    mariadb = images.repository_of(image) == "mariadb"

    def variable(mysql_name: str, mariadb_name: str) -> tuple[str, Any]:
        if mariadb and (mariadb_name in container.environment
                        or f"{mariadb_name}_FILE" in container.environment):
            return mariadb_name, _password(container, mariadb_name, None)
        return mysql_name, _password(container, mysql_name, None)

    root_key, root_password = variable("MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD")
    empty_key, allow_empty = variable("MYSQL_ALLOW_EMPTY_PASSWORD",
                                      "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD")
    random_key, random_root = variable("MYSQL_RANDOM_ROOT_PASSWORD",
                                       "MARIADB_RANDOM_ROOT_PASSWORD")
    _, root_hash = variable("MYSQL_ROOT_PASSWORD_HASH", "MARIADB_ROOT_PASSWORD_HASH")
    _, root_host = variable("MYSQL_ROOT_HOST", "MARIADB_ROOT_HOST")
    user_key, user = variable("MYSQL_USER", "MARIADB_USER")
    _, user_password = variable("MYSQL_PASSWORD", "MARIADB_PASSWORD")

    def given(value: Any) -> Any:
        return value if is_unknown(value) else bool(str(value if value is not None else ""))

    authentication: Any = True
    detail = ""
    remote_root = root_host is None or is_unknown(root_host) or str(root_host) != "localhost"
    sets_root = [given(value) for value in (root_password, root_hash, random_root)]
    if given(allow_empty) is True and not any(value is True for value in sets_root) \
            and remote_root:
        unknown = [value for value in [*sets_root, root_host] if is_unknown(value)]
        authentication = Unknown(unknown[0].reason) if unknown else False
        detail = f"{empty_key} is set: root connects from any host without a password"
    elif is_unknown(allow_empty) and not any(value is True for value in sets_root):
        authentication = Unknown(f"{empty_key} cannot be known: {allow_empty.reason}")
    users = {}
    if given(root_password) is True:
        users["root"] = root_password
    if isinstance(user, str) and user and user_password is not None:
        users[user] = user_password
    weak_root = any(found["user"] == "root" for found in weak_credentials(users))
    lines = (empty_key,) if authentication is not True else (
        (root_key, user_key) if weak_root else (user_key, root_key, random_key))
    return _credential_service(container, "MySQL (archive index)" if not mariadb
                               else "MariaDB (archive index)", "mysql", users, lines,
                               images.LISTENING_PORTS["mysql"], authentication,
                               kind="database", detail=detail)


def _jdwp(container: Container, image: str) -> list[dict[str, Any]]:
    ports: set[int] = set()
    for value in container.environment.values():
        if isinstance(value, str):
            ports.update(int(port) for port in JDWP_OPTION.findall(value))
    if images.runs_wildfly(image):
        ports.add(images.WILDFLY_DEBUG_PORT)
    facts = []
    for port in sorted(ports):
        # Whether WildFly's debug port listens is an assumption: judged by what publishes it.
        reach = _published_reach(container, port)
        if reach == "local":
            continue
        facts.append(service(
            _published_origin(container, port), platform=container.platform,
            product="JDWP debugger: runs any code it is sent", reach=reach,
            authentication=False,
            listeners=[listener(port, "jdwp", tls=False, reach=reach, name="JDWP")],
            suffix=f"jdwp{port}"))
    return facts


def _published_origin(container: Container, port: int) -> Origin:
    for published in container.ports:
        if published.container_port == port and published.line:
            return _at(container, published.line, published.file or None)
    return _at(container, container.origin.line)


def container_facts(
    image: Any,
    environment: dict[str, Any],
    ports: list[Any],
    origin: Origin,
    context: Any,
    *,
    platform: str = "ansible",
    env_lines: dict[str, int] | None = None,
    host_network: bool = False,
) -> CollectResult:
    """Facts for one container described by another family (an Ansible docker_container task).

    image: the image reference (str or Unknown); environment: variable name -> value (values may
    be Unknown); ports: published ports in docker syntax ("8042:8042", "127.0.0.1:104:104",
    "4242") or PublishedPort objects; origin: where findings point (address names the task);
    context: the ScanContext (its catalogue is used). env_lines: line of each variable.
    """
    from dicomguard.apps.compose import parse_short_port

    published = [port if isinstance(port, PublishedPort)
                 else parse_short_port(port, origin.line) for port in ports]
    return facts_for_container(Container(
        image=image, environment=dict(environment), origin=origin, platform=platform,
        env_lines=dict(env_lines or {}), ports=published, host_network=host_network,
    ), context.catalogue)


def _ldap(container: Container) -> dict[str, Any] | None:
    """dcm4che/slapd-dcm4chee: the root and config passwords default to "secret"."""
    default = images.SLAPD_DEFAULT_PASSWORD
    users = {"LDAP root": _password(container, "LDAP_ROOTPASS", default),
             "LDAP config": _password(container, "LDAP_CONFIGPASS", default)}
    return _credential_service(container, "OpenLDAP (archive configuration)", "ldap", users,
                               ("LDAP_ROOTPASS", "LDAP_CONFIGPASS"),
                               images.LISTENING_PORTS["slapd"])


def _keycloak(container: Container, image: str) -> dict[str, Any] | None:
    """Keycloak's bootstrap admin; dcm4che/keycloak defaults it to admin/changeit."""
    environment = container.environment
    user_key = next((key for key in ("KC_BOOTSTRAP_ADMIN_USERNAME", "KEYCLOAK_ADMIN")
                     if key in environment), "KEYCLOAK_ADMIN")
    password_key = next((key for key in ("KC_BOOTSTRAP_ADMIN_PASSWORD", "KEYCLOAK_ADMIN_PASSWORD")
                         if key in environment or f"{key}_FILE" in environment),
                        "KEYCLOAK_ADMIN_PASSWORD")
    default = images.DCM4CHE_KEYCLOAK_DEFAULT_PASSWORD if images.published_by_dcm4che(image) \
        else None
    password = _password(container, password_key, default)
    if password is None:
        return None
    return _credential_service(container, "Keycloak (archive sign-in)", "keycloak",
                               {str(environment.get(user_key, "admin")): password},
                               (password_key, user_key), (8080, 8443))


def _password(container: Container, key: str, default: str | None) -> Any:
    """A variable, its image default, or Unknown when read from a file (*_FILE) or possibly
    set by a source of variables dicomguard cannot read."""
    if key in container.environment:
        return container.environment[key]
    if f"{key}_FILE" in container.environment:
        return Unknown(f"{key} is read from a file")
    if container.unknown_environment:
        return Unknown(f"{key} may be set by {', '.join(container.unknown_environment)}")
    return default


def facts_for_container(container: Container, catalogue: list[dict[str, Any]]) -> CollectResult:
    """Ingress facts for the container's published ports and service facts for what its image
    serves. Unknown values (an image or variable that cannot be resolved) stay unknown."""
    result = CollectResult()
    result.facts.ingress.extend(published_ingress(container, ports_of_catalogue(catalogue)))
    image = container.image
    # Settings only Orthanc reads, or a configuration mounted where Orthanc looks for one.
    configures_orthanc = any(name.startswith("ORTHANC__") or name == "ORTHANC_JSON"
                             for name in container.environment) or bool(
        container.orthanc_files or container.unreadable_configs)
    if is_unknown(image) or not isinstance(image, str):
        if configures_orthanc:
            _orthanc(container, OrthancConfig(unreadable=["the image"]), result)
        return result
    tag = image_parts(image)[1]
    kind = product(image)
    orthanc = image_config(image, container.image_origin())
    if orthanc is None and configures_orthanc:  # an image built on an Orthanc image
        orthanc = OrthancConfig(unreadable=[f"the image {image}"])
    found: dict[str, Any] | None = None
    if orthanc is not None:
        _orthanc(container, orthanc, result)
    elif kind == "dcm4chee-arc":
        _dcm4chee_arc(container, tag, result)
    elif kind == "postgres":
        found = _postgres(container)
        hba = _postgres_hba(container)
        result.facts.extend(hba.facts)
        result.errors.extend(hba.errors)
    elif kind == "mysql":
        found = _mysql(container, image)
    elif kind == "slapd":
        found = _ldap(container)
    elif kind == "keycloak":
        found = _keycloak(container, image)
    if found:
        result.facts.services.append(found)
    result.facts.services.extend(_jdwp(container, image))
    return result
