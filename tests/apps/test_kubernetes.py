"""Kubernetes: Services that expose catalogue ports, and the PACS containers behind them."""

from __future__ import annotations

import textwrap

from dicomguard.apps.collect import analyse_text

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: pacs
  namespace: imaging
spec:
  template:
    metadata:
      labels:
        app: pacs
    spec:
      containers:
        - name: orthanc
          image: orthancteam/orthanc:25.9.0
          ports:
            - name: http
              containerPort: 8042
            - name: dicom
              containerPort: 4242
          env:
            - name: ORTHANC__AUTHENTICATION_ENABLED
              value: "false"
            - name: ORTHANC__REGISTERED_USERS
              valueFrom:
                secretKeyRef: {name: orthanc-users, key: users}
"""


def service(kind_line, annotations="", extra=""):
    return textwrap.dedent(f"""\
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: pacs
          namespace: imaging
          {annotations}
        spec:
          {kind_line}
          selector:
            app: pacs
          ports:
            - name: web
              port: 443
              targetPort: http
            - name: dicom
              port: 104
              targetPort: 4242
          {extra}
        """)


def scan(text, context):
    result = analyse_text("kubernetes", text, "k8s/pacs.yaml", context)
    assert result.errors == []
    facts = {fact["id"].rsplit("#", 1)[1]: fact for fact in result.facts.services}
    return result.facts.ingress, facts


def test_load_balancer_exposes_the_selected_orthanc_to_the_internet(context):
    ingress, services = scan(DEPLOYMENT + service("type: LoadBalancer"), context)
    assert [(fact["ports"], fact["peers"][0]["scope"]) for fact in ingress] == [
        ([[443, 443], [8042, 8042]], "internet"), ([[104, 104], [4242, 4242]], "internet")]
    assert ingress[0]["origin"]["address"] == "Service/pacs"
    assert services["http"]["reach"] == "internet"  # named targetPort resolved
    assert services["http"]["authentication"] is False
    assert services["http"]["origin"]["line"] == 21
    assert services["dicom"]["reach"] == "internet"


def test_internal_load_balancer_is_the_network(context):
    annotations = 'annotations: {service.beta.kubernetes.io/aws-load-balancer-internal: "true"}'
    ingress, services = scan(DEPLOYMENT + service("type: LoadBalancer", annotations), context)
    assert {fact["peers"][0]["scope"] for fact in ingress} == {"private"}
    assert services["http"]["reach"] == "network"


def test_source_ranges_limit_the_load_balancer(context):
    extra = "loadBalancerSourceRanges: [10.0.0.0/8]"
    ingress, services = scan(DEPLOYMENT + service("type: LoadBalancer", extra=extra), context)
    assert ingress[0]["peers"] == [{"cidr": "10.0.0.0/8", "scope": "private"}]
    assert services["http"]["reach"] == "network"


def test_node_port_reach_is_unresolved(context):
    ingress, services = scan(DEPLOYMENT + service("type: NodePort"), context)
    assert ingress[0]["peers"][0]["scope"] == "unknown"
    assert [30000, 32767] in ingress[0]["ports"]
    assert services["http"]["reach"] == "unknown"


def test_cluster_ip_has_no_ingress_but_the_cluster_network_reaches_it(context):
    ingress, services = scan(DEPLOYMENT + service("type: ClusterIP"), context)
    assert ingress == []
    assert services["http"]["reach"] == "network"


def test_a_service_in_another_namespace_does_not_select(context):
    other = service("type: LoadBalancer").replace("namespace: imaging", "namespace: web")
    _, services = scan(DEPLOYMENT + other, context)
    assert services["http"]["reach"] == "network"


def test_secret_references_are_unknown_not_weak(context):
    text = DEPLOYMENT.replace('value: "false"', 'value: "true"')
    _, services = scan(text, context)
    assert services["http"]["authentication"] is True
    assert services["http"]["weak_credentials"] == []


def test_orthanc_config_from_a_config_map_in_the_same_file(context):
    text = textwrap.dedent("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: orthanc-config
        data:
          orthanc.json: |
            {
              // mounted at /etc/orthanc
              "RemoteAccessAllowed": true,
              "AuthenticationEnabled": true,
              "RegisteredUsers": {"admin": "admin"}
            }
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: orthanc
        spec:
          hostNetwork: true
          containers:
            - name: orthanc
              image: jodogne/orthanc:1.12.4
              volumeMounts:
                - {name: config, mountPath: /etc/orthanc/orthanc.json, subPath: orthanc.json}
          volumes:
            - name: config
              configMap: {name: orthanc-config}
        """)
    _, services = scan(text, context)
    assert services["http"]["reach"] == "unknown"  # hostNetwork: the node's addresses
    assert services["http"]["weak_credentials"] == [{"user": "admin",
                                                     "reason": "a vendor default password"}]
    assert services["http"]["origin"]["line"] == 11


def test_a_config_volume_from_elsewhere_makes_settings_unknown(context):
    text = DEPLOYMENT.replace("          env:", textwrap.indent(
        "volumeMounts:\n  - {name: config, mountPath: /etc/orthanc}\nenv:", " " * 10))
    _, services = scan(text, context)
    assert services["http"]["reach"] == "unknown"


def test_list_documents_and_other_kinds(context):
    text = textwrap.dedent("""\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Service
            metadata: {name: dicom}
            spec:
              type: LoadBalancer
              ports: [{port: 11112}]
          - apiVersion: v1
            kind: Namespace
            metadata: {name: imaging}
        """)
    ingress, services = scan(text, context)
    assert [fact["ports"] for fact in ingress] == [[[11112, 11112]]]
    assert services == {}


def test_host_port_opens_the_node(context):
    text = DEPLOYMENT.replace("              containerPort: 4242",
                              "              containerPort: 4242\n              hostPort: 104")
    ingress, services = scan(text, context)
    assert [(fact["ports"], fact["peers"][0]["scope"], fact["mechanism"]) for fact in ingress] \
        == [([[104, 104]], "unknown", "hostPort")]
    assert services["dicom"]["reach"] == "unknown"
    assert services["http"]["reach"] == "network"


def ingress(tls=True, annotations=""):
    tls_block = "  tls:\n    - hosts: [pacs.hospital.example]\n      secretName: pacs-tls\n" \
        if tls else ""
    return textwrap.dedent("""\
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: pacs
          namespace: imaging
        """) + (f"  annotations: {annotations}\n" if annotations else "") + "spec:\n" + \
        tls_block + textwrap.indent(textwrap.dedent("""\
          rules:
            - host: pacs.hospital.example
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: pacs
                        port:
                          name: web
        """), "  ")


def test_ingress_with_tls_exposes_the_web_port_to_the_internet(context):
    text = DEPLOYMENT + service("type: ClusterIP") + ingress()
    facts, services = scan(text, context)
    (exposed,) = facts
    assert exposed["mechanism"] == "Ingress"
    assert exposed["ports"] == [[443, 443], [8042, 8042]]
    assert exposed["peers"][0]["scope"] == "internet"
    http = services["http"]
    assert http["reach"] == "internet"
    assert http["authentication"] is False
    assert http["listeners"][0]["reach"] == "network"  # clear text only inside the cluster
    assert services["dicom"]["reach"] == "network"  # the Ingress forwards only the web port


def test_ingress_without_tls_leaves_the_traffic_in_clear(context):
    facts, services = scan(DEPLOYMENT + service("type: ClusterIP") + ingress(tls=False), context)
    assert facts[0]["ports"] == [[80, 80], [443, 443], [8042, 8042]]
    assert services["http"]["listeners"][0]["reach"] == "internet"


def test_internal_or_allow_listed_ingress_is_the_network(context):
    internal = ingress(annotations='{alb.ingress.kubernetes.io/scheme: internal}')
    _, services = scan(DEPLOYMENT + service("type: ClusterIP") + internal, context)
    assert services["http"]["reach"] == "network"
    allowed = ingress(annotations='{nginx.ingress.kubernetes.io/whitelist-source-range: '
                                  '"10.0.0.0/8, 192.168.0.0/16"}')
    facts, services = scan(DEPLOYMENT + service("type: ClusterIP") + allowed, context)
    assert [peer["scope"] for peer in facts[0]["peers"]] == ["private", "private"]
    assert services["http"]["reach"] == "network"


def test_a_resource_of_the_wrong_shape_is_an_error_and_the_others_are_read(context):
    text = DEPLOYMENT + service("type: LoadBalancer") + textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: dicom}
        spec: [LoadBalancer, 104]
        """)
    result = analyse_text("kubernetes", text, "k8s/pacs.yaml", context)
    assert len(result.errors) == 1
    assert "unexpected structure" in result.errors[0].message
    broken = text.splitlines().index("metadata: {name: dicom}") + 1
    assert result.errors[0].line == broken - 2  # the resource's first line
    assert result.facts.services


def test_variables_from_config_maps_and_secrets_in_the_same_file(context):
    text = DEPLOYMENT.replace(
        "              valueFrom:\n                secretKeyRef: {name: orthanc-users, key: users}",
        "              valueFrom:\n                secretKeyRef: {name: orthanc-users, key: users}"
        "\n          envFrom:\n            - configMapRef: {name: orthanc-settings}") + \
        textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: orthanc-users, namespace: imaging}
        data:
          users: eyJhZG1pbiI6ICJhZG1pbiJ9
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: orthanc-settings, namespace: imaging}
        data:
          ORTHANC__SSL_ENABLED: "true"
        """)
    text = text.replace('ORTHANC__AUTHENTICATION_ENABLED\n              value: "false"',
                        'ORTHANC__AUTHENTICATION_ENABLED\n              value: "true"')
    _, services = scan(text, context)
    assert services["http"]["weak_credentials"] == [{"user": "admin",
                                                     "reason": "a vendor default password"}]
    assert services["http"]["tls"] is True


def test_env_from_a_source_elsewhere_makes_unset_settings_unknown(context):
    text = DEPLOYMENT.replace(
        "          env:\n", "          envFrom:\n            - secretRef: {name: elsewhere}\n"
        "          env:\n")
    _, services = scan(text, context)
    assert services["http"]["authentication"] is False  # set explicitly in env
    assert services["http"]["tls"] is None  # SslEnabled may come from the Secret
    assert services["http"]["reach"] == "unknown"


GATEWAY_API = """\
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: edge
  namespace: imaging
spec:
  gatewayClassName: {gateway_class}
  listeners:
    - name: dicom
      protocol: TCP
      port: 11112
    - name: web
      protocol: HTTPS
      port: 443
      tls: {{certificateRefs: [{{name: pacs-cert}}]}}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata:
  name: dicom
  namespace: imaging
spec:
  parentRefs: [{{name: edge, sectionName: dicom}}]
  rules:
    - backendRefs: [{{name: pacs, port: 104}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: viewer
  namespace: imaging
spec:
  parentRefs: [{{name: edge, sectionName: web}}]
  rules:
    - backendRefs: [{{name: pacs, port: 443}}]
"""


def test_a_gateway_api_tcp_route_publishes_dicom_to_the_internet(context):
    text = DEPLOYMENT + service("type: ClusterIP") + GATEWAY_API.format(
        gateway_class="gke-l7-global-external-managed")
    ingress, services = scan(text, context)
    by_route = {fact["origin"]["address"]: fact for fact in ingress}
    dicom = by_route["TCPRoute/dicom"]
    assert dicom["ports"] == [[11112, 11112], [4242, 4242]]
    assert dicom["peers"][0]["scope"] == "internet"
    assert "Gateway/edge listener dicom (TCP 11112)" in dicom["path"]
    assert dicom["path"].endswith("TCPRoute/dicom -> Service/pacs:104")
    assert services["dicom"]["reach"] == "internet"
    assert services["http"]["reach"] == "internet"
    assert services["http"]["listeners"][0]["reach"] == "network"  # TLS ends at the gateway


def test_an_internal_gateway_class_reaches_the_network_only(context):
    text = DEPLOYMENT + service("type: ClusterIP") + GATEWAY_API.format(
        gateway_class="gke-l7-rilb")
    ingress, services = scan(text, context)
    assert {fact["peers"][0]["scope"] for fact in ingress} == {"private"}
    assert services["dicom"]["reach"] == "network"


ISTIO = """\
---
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: pacs-gateway
  namespace: imaging
spec:
  selector: {istio: ingressgateway}
  servers:
    - port: {number: 4242, name: dicom, protocol: TCP}
      hosts: ["*"]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: pacs
  namespace: imaging
spec:
  hosts: ["*"]
  gateways: [pacs-gateway]
  tcp:
    - match: [{port: 4242}]
      route:
        - destination: {host: pacs.imaging.svc.cluster.local, port: {number: 104}}
"""


def test_an_istio_virtual_service_on_the_ingress_gateway_publishes_dicom(context):
    ingress, services = scan(DEPLOYMENT + service("type: ClusterIP") + ISTIO, context)
    (fact,) = ingress
    assert fact["mechanism"] == "Istio Gateway"
    assert fact["ports"] == [[4242, 4242]]
    assert fact["path"] == ("the Istio ingress gateway (istio: ingressgateway) -> "
                            "Gateway/pacs-gateway listener dicom (TCP 4242) -> "
                            "VirtualService/pacs -> Service/pacs:104")
    assert fact["peers"][0]["scope"] == "internet"
    assert services["dicom"]["reach"] == "internet"


def test_an_istio_gateway_whose_service_is_internal_reaches_the_network(context):
    gateway_service = textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: istio-ingressgateway
          namespace: imaging
          annotations: {networking.gke.io/load-balancer-type: Internal}
        spec:
          type: LoadBalancer
          selector: {istio: ingressgateway}
          ports: [{name: tcp-dicom, port: 4242}]
        """)
    _, services = scan(DEPLOYMENT + service("type: ClusterIP") + ISTIO + gateway_service,
                       context)
    assert services["dicom"]["reach"] == "network"


def test_a_config_map_mounted_in_run_secrets_configures_the_orthancteam_image(tmp_path):
    from tests.conftest import scan_json

    (tmp_path / "orthanc.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pacs-config\ndata:\n"
        "  orthanc.json: |\n"
        '    {\n      "AuthenticationEnabled": true,\n'
        '      "RegisteredUsers": {"radiology": "orthanc"}\n    }\n'
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pacs\nspec:\n"
        "  template:\n    spec:\n      containers:\n        - name: orthanc\n"
        "          image: osimis/orthanc:23.11.1\n"
        "          volumeMounts:\n            - name: config\n"
        "              mountPath: /run/secrets/orthanc.json\n              subPath: orthanc.json\n"
        "      volumes:\n        - name: config\n"
        "          configMap:\n            name: pacs-config\n")
    code, report = scan_json(str(tmp_path))
    weak = [(finding["line"], finding["message"]) for finding in report["findings"]
            if finding["rule_id"] == "DG303"]
    # The user the ConfigMap registers, at its line; not the image's default account.
    assert len(weak) == 1 and weak[0][0] == 9 and "'radiology'" in weak[0][1], weak
    assert (code, report["errors"]) == (1, [])
