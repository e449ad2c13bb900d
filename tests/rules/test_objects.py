"""node-port-service (KL701), configmap-credentials (KL702), ingress-without-tls (KL703)."""

from __future__ import annotations

import pytest
from helpers import messages, where

from klint.rules.objects import is_literal, names_credential

SERVICES = """
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  ports:
    - port: 80
      nodePort: 30080
---
apiVersion: v1
kind: Service
metadata:
  name: internal
spec:
  ports:
    - port: 80
"""


def test_node_port_service() -> None:
    assert where(SERVICES, "node-port-service") == ["6:3"]
    assert messages(SERVICES, "node-port-service") == [
        'Service "web" is of type NodePort (spec.type): every node opens port 30080 on all its '
        'addresses; use '
        "ClusterIP behind an Ingress or Gateway, or a LoadBalancer"]


CONFIG_MAPS = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  DB_PASSWORD: hunter2
  password_file: /run/secrets/db
  admin-password: ${ADMIN_PASSWORD}
  settings.yaml: |
    database:
      host: db
      password: "s3cr3t"
  app.env: |
    # set the password below
    export API_KEY=abc123
  tls.key: |
    -----BEGIN RSA PRIVATE KEY-----
    MIIEpAIBAAKCAQEA
    -----END RSA PRIVATE KEY-----
  passwords.txt: |
    min_password_length: 12
    password_file = /etc/app/pw
"""


def test_configmap_credentials() -> None:
    assert where(CONFIG_MAPS, "configmap-credentials") == ["6:3", "12:7", "15:5", "16:3"]
    assert messages(CONFIG_MAPS, "configmap-credentials") == [
        'ConfigMap "app" holds a credential in data.DB_PASSWORD; move it to a Secret',
        'ConfigMap "app" holds a credential in data.settings.yaml (its password line); move it to a Secret',
        'ConfigMap "app" holds a credential in data.app.env (its API_KEY line); move it to a Secret',
        'ConfigMap "app" holds a private key in data.tls.key; move it to a Secret',
    ]


@pytest.mark.parametrize(("key", "credential"), [
    ("password", True), ("DB_PASSWORD", True), ("admin-password", True), ("ssl_passphrase", True),
    ("aws_access_key_id", True), ("AWS-SECRET-ACCESS-KEY", True), ("oauth.client_secret", True),
    ("password_file", False), ("passwordPolicy", False), ("username", False), ("token_ttl", False),
])
def test_credential_keys(key: str, credential: bool) -> None:
    assert names_credential(key) is credential


@pytest.mark.parametrize(("value", "literal"), [
    ("hunter2", True), ('"s3cr3t"', True), ("changeme", True),
    ("", False), ("${DB_PASSWORD}", False), ("$(DB_PASSWORD)", False), ("{{ .Values.password }}", False),
    ("<your password>", False), ("****", False), ("true", False),
])
def test_credential_values(value: str, literal: bool) -> None:
    assert is_literal(value) is literal


def test_configmap_credentials_only_in_configmaps() -> None:
    secret = CONFIG_MAPS.replace("kind: ConfigMap", "kind: Secret").replace("data:", "stringData:")
    assert where(secret, "configmap-credentials") == []


INGRESSES = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: plain
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
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: alb
  annotations:
    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:eu-west-1:123456789012:certificate/abc
spec:
  defaultBackend:
    service:
      name: web
      port:
        number: 80
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: tls
spec:
  tls:
    - hosts: [web.example.com]
      secretName: web-tls
  defaultBackend:
    service:
      name: web
      port:
        number: 80
"""


def test_ingress_without_tls() -> None:
    assert where(INGRESSES, "ingress-without-tls") == ["5:1"]
    assert messages(INGRESSES, "ingress-without-tls") == [
        'Ingress "plain" serves plain HTTP: it has no spec.tls; add a tls entry with a certificate Secret']


def test_falco_twins_are_named() -> None:
    from klint.rules.objects import ConfigMapCredentials, IngressWithoutTLS, NodePortService

    assert NodePortService.equivalents["falco"] == ("Create NodePort Service",)
    assert ConfigMapCredentials.equivalents["falco"] == ("Create/Modify Configmap With Private Credentials",)
    assert IngressWithoutTLS.equivalents["falco"] == ("Ingress Object without TLS Certificate Created",)
