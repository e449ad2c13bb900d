"""Objects other than workloads and RBAC: Services, ConfigMaps, Ingresses (Falco's audit rules that
a manifest alone decides)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from klint.k8s import K8sObject, as_dict, as_list
from klint.rule import KindRule, Severity, Violation
from klint.rules.common import FALCO_K8S_AUDIT_RULES

# Falco's macro `contains_private_credentials` looks for these words anywhere in a ConfigMap; klint
# wants a key that names a credential and a value that is one. Keys are compared lower-cased with
# `-` read as `_`, and must end with the word: `db_password` is a credential, `password_file` and
# `password_min_length` are not.
CREDENTIAL_KEY_ENDINGS = (
    "password", "passwd", "passphrase", "access_key_id", "secret_access_key", "access_key", "secret_key",
    "account_key", "storage_key", "batch_key", "key_content", "client_secret", "api_key", "apikey",
    "private_key", "auth_token", "access_token", "api_token", "bearer_token", "refresh_token",
)
# `key: value`, `key = value`, `export KEY=value` and `"key": "value",` lines of an embedded file.
ASSIGNMENT = re.compile(r"""^\s*(?:export\s+)?["']?([A-Za-z0-9_.\-]+)["']?\s*[:=]\s*(.*?)\s*,?\s*$""")
# Values that stand for a credential rather than being one: references, templates, placeholders.
PLACEHOLDER = re.compile(r"""^(|\$.*|\{\{.*\}\}|<.*>|%.*%|\*+|x+|null|none|~|true|false|\[\]|\{\})$""", re.I)
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
# Ingress annotations that terminate TLS outside the Ingress' own `tls` (a cloud load balancer).
EXTERNAL_TLS_ANNOTATIONS = (
    "alb.ingress.kubernetes.io/certificate-arn",
    "networking.gke.io/managed-certificates",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "service.beta.kubernetes.io/aws-load-balancer-ssl-cert",
)


def names_credential(key: str) -> bool:
    key = key.strip().lower().replace("-", "_")
    return key.endswith(CREDENTIAL_KEY_ENDINGS)


def may_name_credential(text: str) -> bool:
    """Whether some word of `text` may be a key that `names_credential` accepts: a quick test before
    reading an embedded file line by line."""
    lowered = text.lower().replace("-", "_")
    return any(ending in lowered for ending in CREDENTIAL_KEY_ENDINGS)


def is_literal(value: str) -> bool:
    """Whether a value is a credential itself, not a reference to one or a placeholder."""
    return PLACEHOLDER.match(value.strip().strip("\"'")) is None


class NodePortService(KindRule):
    """Services should not be of type NodePort.

    ## What it checks
    `spec.type` of Services: it fails for `NodePort`. Beyond the Pod Security Standards. It
    is the static twin of Falco's "Create NodePort Service". LoadBalancer Services, which
    also open node ports unless `allocateLoadBalancerNodePorts: false`, pass, as in Falco.

    ## Why
    A NodePort opens the port on every node, on all of its addresses, for anyone who can
    reach a node: it bypasses the load balancer, ingress controller and their TLS and
    authentication, and usually the firewall rules meant for them.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      type: NodePort
      selector:
        app: web
      ports:
        - port: 80
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Service
    metadata:
      name: web
    spec:
      selector:
        app: web
      ports:
        - port: 80
    ```

    ## Fix
    No automatic fix: use a ClusterIP Service behind an Ingress or Gateway, or a
    LoadBalancer Service.
    """

    code = "KL701"
    name = "node-port-service"
    topic = "objects"
    severity = Severity.LOW
    references = ("https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport",
                  FALCO_K8S_AUDIT_RULES)
    equivalents = {
        "kube-linter": ("exposed-services",),
        "falco": ("Create NodePort Service",),
    }

    kinds = ("Service",)

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        if obj.get(("spec", "type")) == "NodePort":
            ports = [str(port["nodePort"]) for port in map(as_dict, as_list(obj.get(("spec", "ports"))))
                     if port.get("nodePort")]
            opens = f"port {', '.join(ports)}" if ports else "a port from the node port range"
            yield Violation(("spec", "type"),
                            f'Service "{obj.ref.name}" is of type NodePort (spec.type): every node opens '
                            f"{opens} on all its addresses; use ClusterIP behind an Ingress or Gateway, "
                            "or a LoadBalancer")


class ConfigMapCredentials(KindRule):
    """ConfigMaps must not hold credentials.

    ## What it checks
    The `data` of ConfigMaps, for:
    - a key that names a credential (ending in password, passwd, passphrase, access_key_id,
      secret_access_key, access_key, secret_key, account_key, storage_key, batch_key,
      key_content, client_secret, api_key, apikey, private_key, auth_token, access_token,
      api_token, bearer_token or refresh_token; case and `-`/`_` do not matter) with a value;
    - a line of an embedded file that assigns such a key (`password: ...`,
      `DB_PASSWORD=...`, `"password": "..."`);
    - a PEM private key (`-----BEGIN ... PRIVATE KEY-----`).

    Values that stand for a credential pass: empty, `$VAR` and `${VAR}` references,
    `{{ template }}`, `<placeholder>`, `****`, `xxxx`, `true`/`false` (Polaris fails on the key
    alone, placeholder or not). Beyond the Pod Security
    Standards. It is the static twin of Falco's "Create/Modify Configmap With Private
    Credentials", whose macro `contains_private_credentials` matches the words
    aws_access_key_id, aws-access-key-id, aws_s3_access_key_id, aws-s3-access-key-id, password
    and passphrase anywhere in the object; klint asks for a key that names a credential and a
    value that is one, so that `password_file` or a comment mentioning a password passes.

    ## Why
    ConfigMaps are not secret: they are readable by anyone with `get configmaps`, shown by
    `kubectl describe`, stored unencrypted in etcd and committed to Git. A credential in one
    has leaked already.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: app
    data:
      DB_PASSWORD: hunter2
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Secret
    metadata:
      name: app
    stringData:
      DB_PASSWORD: hunter2
    ```

    ## Fix
    No automatic fix: move the value to a Secret (or an external secret store) and rotate
    it, since it has been exposed.
    """

    code = "KL702"
    name = "configmap-credentials"
    topic = "objects"
    severity = Severity.HIGH
    precision = "high"
    references = ("https://kubernetes.io/docs/concepts/configuration/secret/", FALCO_K8S_AUDIT_RULES)
    equivalents = {
        "polaris": ("sensitiveConfigmapContent",),
        "trivy": ("KSV109",),
        "falco": ("Create/Modify Configmap With Private Credentials",),
    }

    kinds = ("ConfigMap",)

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for key, value in as_dict(obj.get(("data",))).items():
            if not isinstance(value, str):
                continue
            path = ("data", key)
            if names_credential(str(key)) and "\n" not in value.strip() and is_literal(value):
                yield Violation(path, f'ConfigMap "{obj.ref.name}" holds a credential in data.{key}; '
                                      "move it to a Secret")
                continue
            if PRIVATE_KEY.search(value):
                yield Violation(path, f'ConfigMap "{obj.ref.name}" holds a private key in data.{key}; '
                                      "move it to a Secret")
                continue
            for line in value.splitlines() if may_name_credential(value) else ():
                match = ASSIGNMENT.match(line)
                if match and names_credential(match.group(1)) and is_literal(match.group(2)):
                    yield Violation(path, f'ConfigMap "{obj.ref.name}" holds a credential in data.{key} (its '
                                          f"{match.group(1)} line); move it to a Secret",
                                    span=obj.span_in_value(path, line.strip()))  # else at the key
                    break


class IngressWithoutTLS(KindRule):
    """Ingresses should terminate TLS.

    ## What it checks
    Ingresses that route traffic (`spec.rules` or `spec.defaultBackend`) without a
    `spec.tls` entry. It passes when an annotation says TLS is terminated by a cloud load
    balancer instead (`alb.ingress.kubernetes.io/certificate-arn`,
    `networking.gke.io/managed-certificates`, `ingress.gcp.kubernetes.io/pre-shared-cert`,
    `service.beta.kubernetes.io/aws-load-balancer-ssl-cert`).
    Beyond the Pod Security Standards. It is the static twin of Falco's "Ingress Object
    without TLS Certificate Created", which checks `spec.tls` alone.

    ## Why
    Without TLS, credentials, session cookies and data cross the network in clear text and
    can be read or altered by anyone on the path.

    ## Failing example
    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: web
    spec:
      rules:
        - host: web.example.com
          http:
            paths:
              - path: /
                pathType: Prefix
                backend:
                  service:
                    name: web
                    port:
                      number: 80
    ```

    ## Passing example
    ```yaml
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: web
    spec:
      tls:
        - hosts: [web.example.com]
          secretName: web-tls
      rules:
        - host: web.example.com
          http:
            paths:
              - path: /
                pathType: Prefix
                backend:
                  service:
                    name: web
                    port:
                      number: 80
    ```

    ## Fix
    No automatic fix: add a `tls` entry with a certificate Secret (cert-manager can issue
    one).
    """

    code = "KL703"
    name = "ingress-without-tls"
    topic = "objects"
    severity = Severity.LOW
    references = ("https://kubernetes.io/docs/concepts/services-networking/ingress/#tls",
                  FALCO_K8S_AUDIT_RULES)
    equivalents = {
        "polaris": ("tlsSettingsMissing",),
        "falco": ("Ingress Object without TLS Certificate Created",),
    }

    kinds = ("Ingress",)

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        if as_list(obj.get(("spec", "tls"))):
            return
        if not (as_list(obj.get(("spec", "rules"))) or obj.get(("spec", "defaultBackend"))):
            return
        annotations = as_dict(obj.get(("metadata", "annotations")))
        if any(name in annotations for name in EXTERNAL_TLS_ANNOTATIONS):
            return
        yield Violation(("spec", "tls"), f'Ingress "{obj.ref.name}" serves plain HTTP: it has no spec.tls; '
                                         "add a tls entry with a certificate Secret")
