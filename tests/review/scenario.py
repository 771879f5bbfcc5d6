"""Small manifests for the diff tests, written as text so each test can change one thing.

Namespace `shop`: web (app=web), api (app=api, TCP 8080), db (app=db, TCP 5432); namespace
`ops`: tool (app=tool). `shop` is default-deny for ingress; egress is open everywhere.
"""

from __future__ import annotations


def deployment(name: str, namespace: str, port: int | None = None) -> str:
    ports = f"""
        ports:
        - containerPort: {port}
          protocol: TCP""" if port else ""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: main
        image: example/{name}:1{ports}
"""


def namespaces() -> str:
    return """apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Namespace
metadata:
  name: ops
"""


def workloads() -> str:
    return "---\n".join([deployment("web", "shop", 80), deployment("api", "shop", 8080),
                         deployment("db", "shop", 5432), deployment("tool", "ops")])


DEFAULT_DENY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""


def allow(name: str, target: str, source_selector: str, ports: str) -> str:
    """An ingress allow for `app: target` from `source_selector` (YAML flow text) on `ports`."""
    return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: {target}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {source_selector}
    ports: {ports}
"""


ALLOW_API = allow("allow-api", "api", "{matchLabels: {app: web}}", "[{protocol: TCP, port: 8080}]")
ALLOW_WEB = allow("allow-web", "web", "{matchLabels: {app: api}}", "[{protocol: TCP, port: 80}]")
ALLOW_DB = allow("allow-db", "db", "{matchLabels: {app: api}}", "[{protocol: TCP, port: 5432}]")


def base_files() -> dict[str, str]:
    return {
        "k8s/namespaces.yaml": namespaces(),
        "k8s/workloads.yaml": workloads(),
        "k8s/policies.yaml": "---\n".join([DEFAULT_DENY, ALLOW_API, ALLOW_WEB]),
    }


PROPERTY_CONFIG = """properties:
  - id: no-web-to-db
    name: NoWebToDb
    kind: deny-reach
    severity: error
    summary: The web tier never opens a connection to the database directly.
    docs: {what: w, why: w, example: w, fix: w}
    params:
      from: {podSelector: {matchLabels: {app: web}}}
      to: {podSelector: {matchLabels: {app: db}}}
      scope: workloads
"""
