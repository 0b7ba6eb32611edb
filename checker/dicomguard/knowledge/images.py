"""Container images dicomguard knows: which product an image is, the ports it listens on, and
the passwords its vendor documents as defaults. An image is matched by its repository (registry
host and tag dropped), never by a substring of its name: `ohif/viewer-orthanc` is no Orthanc."""

from __future__ import annotations

# Orthanc images as published on Docker Hub -> the family whose defaults they carry.
# osimis/orthanc is the former name of orthancteam/orthanc.
ORTHANC_IMAGES = {
    "orthancteam/orthanc": "orthancteam", "osimis/orthanc": "orthancteam",
    "jodogne/orthanc": "jodogne", "jodogne/orthanc-plugins": "jodogne",
    "jodogne/orthanc-python": "jodogne",
}
# Their publishers' other images are companions (orthancteam/orthanc-auth-service,
# orthancteam/orthanc-nginx, ...), not Orthanc.
# Ports an image listens on (its documented defaults), for a container on the host's network.
LISTENING_PORTS: dict[str, tuple[int, ...]] = {
    "orthanc": (4242, 8042),
    "dcm4chee-arc": (8080, 8443, 11112, 2762, 2575, 12575),
    "dcm4che-tools": (11112,),
    "ohif": (80, 3000),
    "postgres": (5432,),
    "mysql": (3306,),
    "slapd": (389, 636),
}
# WildFly's debug port, open in the images that run WildFly (dcm4chee-arc, wildfly).
WILDFLY_DEBUG_PORT = 8787
# Passwords an image sets when none is given: dcm4che/slapd-dcm4chee's LDAP root and config
# "secret", dcm4che/keycloak's bootstrap admin "changeit".
SLAPD_DEFAULT_PASSWORD = "secret"
DCM4CHE_KEYCLOAK_DEFAULT_PASSWORD = "changeit"
DCM4CHE_PUBLISHER = "dcm4che"
# dcm4chee-arc's listeners: (port, protocol, TLS), as the dcm4che/dcm4chee-arc-psql image
# documents them.
DCM4CHEE_LISTENERS = ((8080, "http", False), (8443, "http", True), (11112, "dicom", False),
                      (2762, "dicom", True), (2575, "hl7", False), (12575, "hl7", True))
OHIF_IMAGES = frozenset({"ohif/viewer", "ohif/app"})
# Images that run nginx with its configuration in /etc/nginx (the official image reads
# /etc/nginx/nginx.conf, which includes /etc/nginx/conf.d/*.conf).
NGINX_IMAGES = frozenset({"nginx", "nginxinc/nginx-unprivileged", "bitnami/nginx",
                          "openresty/openresty"})
# Images that run Traefik (the official image, and the copy k3s mirrors).
TRAEFIK_IMAGES = frozenset({"traefik", "rancher/mirrored-library-traefik"})
# Images that run Caddy 2 on /etc/caddy/Caddyfile (the official image's command). Caddy 1
# images (abiosoft/caddy) read another grammar and are not among them.
CADDY_IMAGES = frozenset({"caddy"})
# The Docker official images whose entrypoint reads MYSQL_* (and MARIADB_*) variables and
# creates root@'%' by default (MYSQL_ROOT_HOST); other MySQL images read other variables.
MYSQL_IMAGES = frozenset({"mysql", "mariadb"})
DCM4CHE_TOOLS_IMAGES = frozenset({"dcm4che/dcm4che-tools"})
# Defaults documented by the vendors of those images: Orthanc's orthanc/orthanc, dcm4chee-arc's
# LDAP root "secret", Keycloak/WildFly "changeit", its database "pacs".
VENDOR_DEFAULT_PASSWORDS = frozenset({
    "orthanc", "admin", "changeit", "secret", "pacs", "postgres", "dcm4chee", "keycloak",
    "wildfly", "root",
})


def image_parts(image: str) -> tuple[str, str]:
    """(repository in lower case, tag) of an image reference; a digest is dropped."""
    reference = image.split("@")[0]
    last = reference.split("/")[-1]
    repository, tag = (reference.rpartition(":")[0], reference.rpartition(":")[2]) \
        if ":" in last else (reference, "")
    return repository.lower(), tag


def hub_repository(repository: str) -> str:
    """A repository without its registry host or Docker Hub's `library/`:
    docker.io/jodogne/orthanc -> jodogne/orthanc, docker.io/library/postgres -> postgres."""
    parts = repository.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "library":
        parts = parts[1:]
    return "/".join(parts)


def repository_of(image: str) -> str:
    """An image reference's repository as Docker Hub names it: no registry, tag or digest."""
    return hub_repository(image_parts(image)[0])


def orthanc_family(image: str) -> str | None:
    """'jodogne' or 'orthancteam' for an official Orthanc image, by its repository; None for
    any other image, whatever its name says (ohif/viewer-orthanc, orthanc-tools, an image of
    someone's own making: that one is taken for Orthanc only on evidence in its configuration,
    such as ORTHANC__ variables or a configuration mounted into /etc/orthanc)."""
    return ORTHANC_IMAGES.get(repository_of(image))


# Where an Orthanc image reads its configuration when its command line names none: the
# jodogne images run Orthanc on /etc/orthanc; the orthancteam images merge /etc/orthanc/*.json,
# then /run/secrets/*.json (docker/orthanc/generateConfiguration.py of orthanc-builder).
ORTHANC_CONFIG_DIRS = {"jodogne": ("/etc/orthanc",),
                       "orthancteam": ("/etc/orthanc", "/run/secrets")}


def orthanc_config_dirs(image: object) -> tuple[str, ...]:
    """The directories an image's Orthanc reads its JSON configuration from by default
    (/etc/orthanc for an image dicomguard does not know)."""
    family = orthanc_family(image) if isinstance(image, str) else None
    return ORTHANC_CONFIG_DIRS.get(family or "jodogne", ORTHANC_CONFIG_DIRS["jodogne"])


def product(image: str) -> str | None:
    """The product an image runs, a key of LISTENING_PORTS or 'slapd' / 'keycloak'."""
    if orthanc_family(image) is not None:
        return "orthanc"
    repository = repository_of(image)
    name = repository.split("/")[-1]
    if repository in OHIF_IMAGES:
        return "ohif"
    if repository in NGINX_IMAGES:
        return "nginx"
    if repository in CADDY_IMAGES:
        return "caddy"
    if repository in DCM4CHE_TOOLS_IMAGES:
        return "dcm4che-tools"
    if repository in MYSQL_IMAGES:
        return "mysql"
    if name.startswith("dcm4chee-arc"):
        return "dcm4chee-arc"
    if name.startswith("postgres"):
        return "postgres"
    if name.startswith("slapd"):
        return "slapd"
    if "keycloak" in name:
        return "keycloak"
    return None


def runs_nginx(image: str) -> bool:
    """Images whose web server is nginx reading /etc/nginx: nginx's own, and the OHIF viewer
    images, built on nginx."""
    return product(image) in {"nginx", "ohif"}


def runs_traefik(image: str) -> bool:
    return repository_of(image) in TRAEFIK_IMAGES


def runs_caddy(image: str) -> bool:
    """Images whose web server is Caddy 2 reading /etc/caddy/Caddyfile."""
    return product(image) == "caddy"


def runs_wildfly(image: str) -> bool:
    return product(image) == "dcm4chee-arc" or \
        "wildfly" in repository_of(image).split("/")[-1]


def published_by_dcm4che(image: str) -> bool:
    return repository_of(image).startswith(f"{DCM4CHE_PUBLISHER}/")


def listening_ports(image: str) -> tuple[int, ...]:
    found = product(image)
    return LISTENING_PORTS.get(found, ()) if found else ()
