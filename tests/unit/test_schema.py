"""Strict schema checks: the shipped schema files, version selection, and problems located at
the offending key or value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npaudit.errors import UserError
from npaudit.schema import (
    DEFAULT_KUBERNETES_VERSION,
    SUPPORTED_KUBERNETES_VERSIONS,
    Problem,
    UnknownKubernetesVersion,
    check_object,
    dotted,
    resolve_version,
    schema_kinds,
    served_api_versions,
    validate_instance,
)
from tests.conftest import REPO_ROOT

SCHEMA_DIR = REPO_ROOT / "schemas" / "k8s"
MODEL_KINDS = {
    "NetworkPolicy", "Namespace", "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
    "Job", "CronJob", "ReplicationController", "Service",
}


def _bundle(version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMA_DIR / f"v{version}.json").read_text(encoding="utf-8"))
    return data


def _walk(node: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    out = [(path, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _walk(v, path + (str(i),))
    return out


# --- the shipped files --------------------------------------------------------------------


def test_two_or_more_versions_ship_and_the_default_is_the_newest() -> None:
    files = sorted(p.stem for p in SCHEMA_DIR.glob("v*.json"))
    assert files == sorted(f"v{v}" for v in SUPPORTED_KUBERNETES_VERSIONS)
    assert len(SUPPORTED_KUBERNETES_VERSIONS) >= 2
    newest = max(SUPPORTED_KUBERNETES_VERSIONS, key=lambda v: tuple(map(int, v.split("."))))
    assert DEFAULT_KUBERNETES_VERSION == newest


@pytest.mark.parametrize("version", SUPPORTED_KUBERNETES_VERSIONS)
def test_bundle_is_pruned_closed_small_and_strict(version: str) -> None:
    bundle = _bundle(version)
    assert set(bundle["kinds"]) == MODEL_KINDS
    assert (SCHEMA_DIR / f"v{version}.json").stat().st_size < 120_000
    defs = bundle["$defs"]
    refs = {v for _, v in _walk(bundle) if isinstance(v, str) and v.startswith("#/$defs/")}
    assert all(r.removeprefix("#/$defs/") in defs for r in refs), "every $ref resolves locally"
    roots = {name for per_kind in bundle["kinds"].values() for name in per_kind.values()}
    assert {r.removeprefix("#/$defs/") for r in refs} | roots == set(defs), "no unreferenced $defs"
    for path, node in _walk(defs):
        if isinstance(node, dict) and (path[-1:] != ("properties",)):
            assert "description" not in node or isinstance(node["description"], dict), path
            if node.get("type") in ("object", ["object", "null"]) and "properties" in node:
                assert node.get("additionalProperties") is False, f"not strict: {path}"
    assert bundle["source"]["package"] == "kubernetes-validate" and len(bundle["source"]["sha256"]) == 64


@pytest.mark.parametrize("version", SUPPORTED_KUBERNETES_VERSIONS)
def test_int_or_string_accepts_null(version: str) -> None:
    """The upstream nullable oneOf rejected `port: null` (both branches match null)."""
    policy = {"spec": {"podSelector": None, "ingress": [{"ports": [{"port": None, "protocol": None, "endPort": None}]}]}}
    assert check_object(policy, "NetworkPolicy", version) == []


# --- versions ----------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "expected"), [("1.33", "1.33"), ("v1.37", "1.37"), ("1.35.4", "1.35"), (" 1.34 ", "1.34"), (None, DEFAULT_KUBERNETES_VERSION)])
def test_resolve_version(given: str | None, expected: str) -> None:
    assert resolve_version(given) == expected


@pytest.mark.parametrize("given", ["1.20", "2.0", "latest", "", "1", "1.37.0.1", "master"])
def test_unknown_version_is_a_usage_error(given: str) -> None:
    with pytest.raises(UnknownKubernetesVersion) as info:
        resolve_version(given)
    assert isinstance(info.value, ValueError) and isinstance(info.value, UserError)
    assert "1.33" in str(info.value) and "1.37" in str(info.value)


def test_versions_differ_where_kubernetes_changed() -> None:
    """`spec.podSelector` became optional in 1.34; `hostnameOverride` arrived after 1.33."""
    policy = {"apiVersion": "networking.k8s.io/v1", "spec": {}}
    assert check_object(policy, "NetworkPolicy", "1.33") == [Problem(("spec",), 'missing required field "podSelector"', True)]
    assert check_object(policy, "NetworkPolicy", "1.37") == []
    pod = {"spec": {"containers": [{"name": "c"}], "hostnameOverride": "h"}}
    assert check_object(pod, "Pod", "1.37") == []
    assert check_object(pod, "Pod", "1.33") == [Problem(("spec", "hostnameOverride"), 'unknown field "hostnameOverride"', True)]


# --- problems and their paths ------------------------------------------------------------


def test_unknown_field_points_at_the_key() -> None:
    policy = {"spec": {"podSelector": {}, "ingress": [{"ports": [{"portt": 80}], "form": []}]}}
    assert check_object(policy, "NetworkPolicy", "1.37") == [
        Problem(("spec", "ingress", 0, "form"), 'unknown field "form"', True),
        Problem(("spec", "ingress", 0, "ports", 0, "portt"), 'unknown field "portt"', True),
    ]


def test_wrong_types_point_at_the_value() -> None:
    policy = {"spec": {"podSelector": [], "ingress": [{"ports": [{"port": True, "endPort": 80.0}]}]}}
    problems = check_object(policy, "NetworkPolicy", "1.37")
    assert problems == [
        Problem(("spec", "ingress", 0, "ports", 0, "endPort"), "expected integer, got number", False),
        Problem(("spec", "ingress", 0, "ports", 0, "port"), "expected string or integer, got boolean", False),
        Problem(("spec", "podSelector"), "expected object, got array", False),
    ]


def test_missing_required_points_at_the_parent() -> None:
    policy = {"spec": {"egress": [{"to": [{"ipBlock": {"except": ["10.0.0.0/8"]}}]}]}}
    assert check_object(policy, "NetworkPolicy", "1.37") == [
        Problem(("spec", "egress", 0, "to", 0, "ipBlock"), 'missing required field "cidr"', True)
    ]


def test_unserved_api_version_is_located_at_apiversion() -> None:
    problems = check_object({"apiVersion": "extensions/v1beta1", "spec": {}}, "NetworkPolicy", "1.37")
    assert problems is not None and [p.path for p in problems] == [("apiVersion",)]
    assert "networking.k8s.io/v1" in problems[0].message
    assert served_api_versions("Deployment") == ("apps/v1",)
    assert served_api_versions("CronJob") == ("batch/v1",)


def test_kinds_without_schema_are_not_checked() -> None:
    assert check_object({"data": {"x": 1}, "bogus": True}, "ConfigMap", "1.37") is None
    assert "ConfigMap" not in schema_kinds()


def test_workloads_are_strict_but_snapshots_with_status_pass() -> None:
    pod = {
        "apiVersion": "v1",
        "metadata": {"name": "p", "uid": "1", "resourceVersion": "2", "creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 80}]}]},
        "status": {"phase": "Running", "podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}], "hostIP": "1.1.1.1"},
    }
    assert check_object(pod, "Pod", "1.37") == []
    deployment = {
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "imagee": "x"}]}},
        },
        "status": {"replicas": 1, "readyReplicas": 1},
    }
    assert check_object(deployment, "Deployment", "1.37") == [
        Problem(("spec", "template", "spec", "containers", 0, "imagee"), 'unknown field "imagee"', True)
    ]


def test_validate_instance_for_npaudit_files() -> None:
    problems = validate_instance({"id": "x", "bogus": 1}, "rule.schema.json")
    assert (("bogus",), 'unknown key "bogus"') in problems
    assert ((), 'missing required key "docs"') in problems


def test_dotted_paths() -> None:
    assert dotted(("spec", "ingress", 0, "ports", 1, "port")) == "spec.ingress[0].ports[1].port"
    assert dotted(("metadata", "labels", "app.kubernetes.io/name")) == 'metadata.labels["app.kubernetes.io/name"]'
    assert dotted(()) == ""


# --- the fast validity predicate agrees with jsonschema ------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 70000) | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "TCP", "v1", "apps/v1", "Ingress", "10.0.0.0/8", "x"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "port", "cidr", "labels", "matchLabels", "bogus", "ports", "spec"]), inner, max_size=3),
    max_leaves=10,
)

_OBJECTS: list[tuple[str, dict[str, Any]]] = [
    ("NetworkPolicy", {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", "labels": {"a": "b"}},
        "spec": {
            "podSelector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "k", "operator": "In", "values": ["v"]}]},
            "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}], "ports": [{"port": 80, "protocol": "TCP"}]}],
            "egress": [{"to": [{"namespaceSelector": {}, "podSelector": None}], "ports": [{"port": "dns", "endPort": None}]}],
            "policyTypes": ["Ingress", "Egress"],
        },
    }),
    ("Deployment", {
        "apiVersion": "apps/v1", "metadata": {"name": "d", "namespace": "n"},
        "spec": {
            "replicas": 2, "selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": {
                "hostNetwork": False,
                "containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80, "name": "http"}],
                                "resources": {"limits": {"cpu": "1", "memory": 5}}}],
            }},
        },
        "status": {"replicas": 2},
    }),
    ("Pod", {"metadata": {"name": "p", "ownerReferences": [{"apiVersion": "v1", "kind": "ReplicaSet", "name": "r", "uid": "u", "controller": True}]},
             "spec": {"containers": [{"name": "c"}]}, "status": {"podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}]}}),
    ("Service", {"spec": {"selector": {"a": "b"}, "ports": [{"port": 80, "targetPort": "http", "protocol": "UDP"}]}}),
    ("CronJob", {"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}}}),
    ("Namespace", {"metadata": {"name": "n", "labels": {"team": "a"}}}),
]


def _mutate(value: object, data: st.DataObject, depth: int = 0) -> object:
    children = list(value.items()) if isinstance(value, dict) else list(enumerate(value)) if isinstance(value, list) else []
    choice = data.draw(st.integers(0, 5))
    if not children or depth > 9 or choice == 0:
        return data.draw(_JSON)
    if choice == 1 and isinstance(value, dict):  # add a (possibly unknown) key
        return {**value, data.draw(st.sampled_from(["bogus", "name", "port", "status", "labels"])): data.draw(_JSON)}
    key, child = data.draw(st.sampled_from(children))
    copy: Any = dict(value) if isinstance(value, dict) else list(value)  # type: ignore[call-overload]
    copy[key] = _mutate(child, data, depth + 1)
    return copy


@settings(max_examples=400, deadline=None)
@given(st.data(), st.sampled_from(["1.33", "1.37"]))
def test_fast_predicate_agrees_with_jsonschema(data: st.DataObject, version: str) -> None:
    from npaudit import schema

    kind, obj = data.draw(st.sampled_from(_OBJECTS))
    mutated = _mutate(obj, data)
    api_version = schema.served_api_versions(kind, version)[0]
    fast = schema._fast_check(version, kind, api_version)
    assert fast is not None, "the generated bundles use only supported keywords"
    slow_valid = not any(True for _ in schema._kind_validator(version, kind, api_version).iter_errors(mutated))
    assert fast(mutated) is slow_valid


@pytest.mark.parametrize(("kind", "obj"), _OBJECTS, ids=[k for k, _ in _OBJECTS])
def test_templates_of_the_differential_test_are_valid(kind: str, obj: dict[str, Any]) -> None:
    assert check_object(obj, kind, "1.37") == []
