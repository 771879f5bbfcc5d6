#!/usr/bin/env python3
"""Generate npaudit's pruned, strict Kubernetes schemas (schemas/k8s/v<X.Y>.json).

Source: the strict ("-local-strict") JSON Schemas shipped in the PyPI package
`kubernetes-validate` (Apache-2.0), themselves generated from the Kubernetes OpenAPI spec.
This script is a development tool, never run at runtime, and `kubernetes-validate` is not a
dependency of npaudit. Run it from a throwaway virtual environment:

    python -m venv /tmp/kv && /tmp/kv/bin/pip install kubernetes-validate
    /tmp/kv/bin/python scripts/gen_schemas.py 1.37 1.33

What it does, per Kubernetes minor version:
- keeps only the kinds npaudit models (KINDS below) and the `$defs` they reference;
- rewrites `/api/_definitions.json#/$defs/X` references to local `#/$defs/X`;
- strips `description`, `format` and `x-kubernetes-*` annotations (documentation only; `format`
  is not asserted by jsonschema without a format checker anyway);
- fixes the nullable `oneOf` unions (IntOrString, Quantity): both branches accept `null`, so a
  `null` value matched two branches and `oneOf` rejected it (`port: null` is valid Kubernetes).
  A `oneOf` whose branches are plain `type` lists becomes a single `type` list;
- writes one combined file with `kinds` (kind -> apiVersion -> definition name), `$defs` and
  provenance (package version, sha256 of the source definitions file).

Only the standard library is used here, so the script runs in any Python >= 3.11.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: kind -> the (group/version, definition name) pairs npaudit validates. List kinds are
#: flattened by the loader (each item is validated on its own, with a better location).
KINDS: dict[str, tuple[tuple[str, str], ...]] = {
    "NetworkPolicy": (("networking.k8s.io/v1", "io.k8s.api.networking.v1.NetworkPolicy"),),
    "Namespace": (("v1", "io.k8s.api.core.v1.Namespace"),),
    "Pod": (("v1", "io.k8s.api.core.v1.Pod"),),
    "ReplicationController": (("v1", "io.k8s.api.core.v1.ReplicationController"),),
    "Service": (("v1", "io.k8s.api.core.v1.Service"),),
    "Deployment": (("apps/v1", "io.k8s.api.apps.v1.Deployment"),),
    "ReplicaSet": (("apps/v1", "io.k8s.api.apps.v1.ReplicaSet"),),
    "StatefulSet": (("apps/v1", "io.k8s.api.apps.v1.StatefulSet"),),
    "DaemonSet": (("apps/v1", "io.k8s.api.apps.v1.DaemonSet"),),
    "Job": (("batch/v1", "io.k8s.api.batch.v1.Job"),),
    "CronJob": (("batch/v1", "io.k8s.api.batch.v1.CronJob"),),
}

_REMOTE_PREFIX = "/api/_definitions.json#/$defs/"
_LOCAL_PREFIX = "#/$defs/"
#: Keywords whose value is a map of *names* to schemas (the names are data, not keywords).
_NAMED_SCHEMAS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def _clean(schema: Any) -> Any:
    """Strip documentation keys, localise refs and fix nullable unions, schema-aware."""
    if isinstance(schema, list):
        return [_clean(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("description", "format", "$schema", "$id") or key.startswith("x-kubernetes-"):
            continue
        if key in _NAMED_SCHEMAS and isinstance(value, dict):
            out[key] = {name: _clean(sub) for name, sub in value.items()}
        elif key == "$ref" and isinstance(value, str):
            out[key] = _LOCAL_PREFIX + value[len(_REMOTE_PREFIX):] if value.startswith(_REMOTE_PREFIX) else value
        else:
            out[key] = _clean(value)
    return _merge_type_union(out)


def _merge_type_union(schema: dict[str, Any]) -> dict[str, Any]:
    """`oneOf: [{type: [string, null]}, {type: [integer, null]}]` -> `type: [string, integer, null]`."""
    branches = schema.get("oneOf")
    if not isinstance(branches, list) or not all(isinstance(b, dict) and set(b) == {"type"} for b in branches):
        return schema
    types: list[str] = []
    for branch in branches:
        for t in branch["type"] if isinstance(branch["type"], list) else [branch["type"]]:
            if t not in types:
                types.append(t)
    merged = {k: v for k, v in schema.items() if k != "oneOf"}
    merged["type"] = types
    return merged


def _refs(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_LOCAL_PREFIX):
                yield value[len(_LOCAL_PREFIX):]
            else:
                yield from _refs(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _refs(item)


def _reachable(defs: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    keep: dict[str, Any] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep[name] = defs[name]
        todo.extend(r for r in _refs(defs[name]) if r not in keep)
    return dict(sorted(keep.items()))


def _source_dir(version: str, source: Path | None) -> Path:
    if source is None:
        from importlib.resources import files  # the kubernetes-validate package, if installed

        source = Path(str(files("kubernetes_validate") / "kubernetes-json-schema"))
    path = source / f"v{version}.0-local-strict"
    if not path.is_dir():
        raise SystemExit(f"no strict schemas for {version} under {source}")
    return path


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("kubernetes-validate")
    except Exception:  # noqa: BLE001 - provenance only
        return "unknown"


def generate(version: str, source: Path | None) -> dict[str, Any]:
    directory = _source_dir(version, source)
    raw = (directory / "_definitions.json").read_bytes()
    defs = {name: _clean(schema) for name, schema in json.loads(raw)["$defs"].items()}
    kinds = {kind: dict(pairs) for kind, pairs in KINDS.items()}
    roots = [name for pairs in KINDS.values() for _, name in pairs]
    missing = [r for r in roots if r not in defs]
    if missing:
        raise SystemExit(f"{version}: definitions missing: {missing}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "Generated by scripts/gen_schemas.py; do not edit.",
        "kubernetesVersion": version,
        "source": {
            "package": "kubernetes-validate",
            "packageVersion": _package_version(),
            "path": f"kubernetes-json-schema/{directory.name}/_definitions.json",
            "sha256": hashlib.sha256(raw).hexdigest(),
            "license": "Apache-2.0 (Kubernetes OpenAPI specification)",
        },
        "kinds": kinds,
        "$defs": _reachable(defs, roots),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="+", help="Kubernetes minor versions, e.g. 1.37 1.33")
    parser.add_argument("--source", type=Path, help="kubernetes-json-schema directory (default: from the installed package)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "schemas" / "k8s")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for version in args.versions:
        bundle = generate(version, args.source)
        target = args.out / f"v{version}.json"
        target.write_text(json.dumps(bundle, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
        sys.stderr.write(f"{target}: {len(bundle['$defs'])} definitions, {target.stat().st_size} bytes\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
