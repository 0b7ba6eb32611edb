"""Benchmark scenario: a repository of 200 PACS deployments as compose files with mounted
Orthanc configurations, and Kubernetes manifests."""

from __future__ import annotations

from pathlib import Path

NAME = "apps"
DESCRIPTION = "200 compose stacks (Orthanc, dcm4chee-arc, PostgreSQL) with mounted " \
              "orthanc.json, and 200 Kubernetes manifests; one site in ten insecure"
SITES = 200

COMPOSE = """\
services:
  orthanc:
    image: orthancteam/orthanc:24.{minor}.1
    ports:
      - "${{BIND:-0.0.0.0}}:{http}:8042"
      - "${{BIND:-0.0.0.0}}:{dicom}:4242"
    environment:
      ORTHANC__NAME: "site {index}"
      ORTHANC__DICOM_ALWAYS_ALLOW_STORE: "{store}"
    volumes:
      - ./orthanc.json:/etc/orthanc/orthanc.json:ro
  index:
    image: postgres:16
    environment:
      POSTGRES_USER: orthanc
      POSTGRES_PASSWORD: ${{INDEX_PASSWORD}}
  archive:
    image: dcm4che/dcm4chee-arc-psql:5.31.{minor}{secure}
    ports:
      - target: {arc_target}
        published: {arc}
        host_ip: 10.0.{minor}.5
      - "${{BIND:-0.0.0.0}}:2762:2762"
"""

ORTHANC_JSON = """\
{{
  // site {index}
  "DicomAet": "SITE{index}",
  "RemoteAccessAllowed": true,
  "AuthenticationEnabled": {authentication},
  "RegisteredUsers": {{ "radiology": "{password}" }},
  "SslEnabled": {tls},
  "DicomTlsEnabled": {tls},
  "DicomModalities": {{ "ct": ["CT{index}", "10.1.{minor}.7", 104] }}
}}
"""

KUBERNETES = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orthanc-{index}
spec:
  template:
    metadata:
      labels: {{app: orthanc-{index}}}
    spec:
      containers:
        - name: orthanc
          image: jodogne/orthanc:1.12.{minor}
          env:
            - name: ORTHANC__SSL_ENABLED
              value: "{tls}"
            - name: ORTHANC__DICOM_TLS_ENABLED
              value: "{tls}"
            - name: ORTHANC__DICOM_ALWAYS_ALLOW_STORE
              value: "{store}"
            - name: ORTHANC__REGISTERED_USERS
              valueFrom:
                secretKeyRef: {{name: orthanc-users, key: users}}
---
apiVersion: v1
kind: Service
metadata:
  name: orthanc-{index}
spec:
  type: {service_type}
  selector: {{app: orthanc-{index}}}
  ports:
    - port: 443
      targetPort: 8042
"""


def _site_values(index: int) -> dict[str, object]:
    """One site in ten is deployed insecurely; the others bind to the hospital network, use
    TLS and declared modalities, as most of a real estate would."""
    insecure = index % 10 == 0
    return {
        "index": index, "minor": index % 10, "http": 8042 + index % 3,
        "dicom": 104 if insecure else 11112, "store": str(insecure).lower(),
        "secure": "" if insecure else "-secure", "arc": 8080 + index % 5,
        "arc_target": 8080 if insecure else 8443,
        "authentication": "false" if insecure else "true",
        "password": "radiology" if insecure else f"k8#Vd{index}qLp!x2",
        "tls": "false" if insecure else "true",
        "service_type": "LoadBalancer" if insecure else "ClusterIP",
        "bind": "" if insecure else f"BIND=10.0.{index % 10}.5\n",
    }


def build(workdir: Path) -> list[str]:
    root = workdir / "pacs-sites"
    for index in range(SITES):
        site = root / f"site-{index:03d}"
        site.mkdir(parents=True, exist_ok=True)
        values = _site_values(index)
        (site / "docker-compose.yml").write_text(COMPOSE.format(**values), encoding="utf-8")
        (site / "orthanc.json").write_text(ORTHANC_JSON.format(**values), encoding="utf-8")
        (site / ".env").write_text(str(values["bind"]), encoding="utf-8")
        (site / "k8s.yaml").write_text(KUBERNETES.format(**values), encoding="utf-8")
    return [str(root)]
