"""In-process phases, each run in a fresh child process by the harness:

    python -m benchmarks.phases GROUP DIR

prints one JSON line: {"rows": [{"phase", "seconds", "status", "note"}...]}. The harness reads
the child's peak memory from its own rusage. Every npaudit API is resolved at run time: a
phase whose API does not exist (yet) reports `n/a (not implemented)` instead of failing.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks import hooks
from benchmarks.hooks import NOT_IMPLEMENTED, Missing

Row = dict[str, Any]


def _api(module: str, name: str) -> Any:
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise Missing(f"{module}: {exc}") from exc
    obj = getattr(mod, name, None)
    if obj is None:
        raise Missing(f"{module}.{name}")
    return obj


#: When set (by `python -m benchmarks --profile DIR`), every timed call is also profiled with
#: cProfile into DIR/<PROFILE_PREFIX><phase>.prof (timings then include the profiler's overhead).
PROFILE_DIR = os.environ.get("NPAUDIT_BENCH_PROFILE_DIR")
PROFILE_PREFIX = os.environ.get("NPAUDIT_BENCH_PROFILE_PREFIX", "")


#: CPU seconds (user + system) of the last `_timed` call, waited-for children included (the
#: loader parses large inputs on two cores in a forked child): robust when other processes
#: compete for the cores, where wall time is not.
_last_cpu: list[float] = [0.0]


def _cpu() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(fn: Callable[[], Any], phase: str) -> tuple[float, Any]:
    profiler = None
    if PROFILE_DIR:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start, cpu = time.perf_counter(), _cpu()
    value = fn()
    seconds = time.perf_counter() - start
    _last_cpu[0] = _cpu() - cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(Path(PROFILE_DIR) / f"{PROFILE_PREFIX}{phase}.prof"))
    return seconds, value


def yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def loaders() -> list[tuple[str, Callable[[str], int]]]:
    """The C-accelerated YAML loaders available: PyYAML's libyaml `CSafeLoader` (PyYAML is not
    an npaudit dependency) and ruamel's C `typ='safe'` loader. Each entry: a name and a function
    that parses one text completely and returns its number of documents."""
    found: list[tuple[str, Callable[[str], int]]] = []
    try:
        import yaml

        c_loader = yaml.CSafeLoader
        found.append(("PyYAML CSafeLoader", lambda text: sum(1 for _ in yaml.load_all(text, Loader=c_loader))))
    except (ImportError, AttributeError):
        pass
    try:
        from ruamel.yaml import YAML

        parser = YAML(typ="safe", pure=False)
        if getattr(parser, "Parser", None) is not None and "C" in parser.Parser.__name__:
            found.append(("ruamel C safe loader", lambda text: sum(1 for _ in parser.load_all(text))))
    except ImportError:
        pass
    return found


def phase_parse(root: Path) -> Iterator[Row]:
    """The parse floor: read and parse every file with each available C loader; the fastest
    one is the floor (the others are named in the note)."""
    files = yaml_files(root)
    timings = []
    for name, count in loaders():
        seconds, docs = _timed(lambda: sum(count(p.read_text(encoding="utf-8")) for p in files), f"parse-{name.split()[0]}")
        timings.append((seconds, name, docs, _last_cpu[0]))
    if not timings:
        raise Missing("no C-accelerated YAML loader (PyYAML with libyaml, or ruamel.yaml.clib)")
    timings.sort()
    seconds, name, docs, cpu = timings[0]
    others = "; ".join(f"{n} {t:.3f} s" for t, n, _, _ in timings[1:])
    size = sum(p.stat().st_size for p in files)
    note = f"floor: {name}{f' (also {others})' if others else ''}; {len(files)} files, {size / 1e6:.1f} MB, {docs} docs"
    yield {"phase": "parse", "seconds": seconds, "cpu": cpu, "note": note}


def _load(root: Path) -> Any:
    load_paths = _api("npaudit.load", "load_paths")
    kwargs = {"root": root} if "root" in inspect.signature(load_paths).parameters else {}
    return load_paths((str(root),), **kwargs)


def _build(documents: Any) -> Any:
    return _api("npaudit.model.build", "build_model")(documents)


def phase_load(root: Path) -> Iterator[Row]:
    seconds, loaded = _timed(lambda: _load(root), "load")
    yield {"phase": "load", "seconds": seconds, "note": f"npaudit.load.load_paths: {len(loaded.documents)} docs, {len(loaded.findings)} findings"}


def phase_model(root: Path) -> Iterator[Row]:
    loaded = _load(root)
    seconds, built = _timed(lambda: _build(loaded.documents), "model")
    m = built.model
    yield {"phase": "model", "seconds": seconds, "note": f"build_model after load: {len(m.workloads)} workloads, {len(m.policies)} policies"}


def _model(root: Path) -> Any:
    return _build(_load(root).documents).model


def phase_connectivity(root: Path) -> Iterator[Row]:
    model = _model(root)
    seconds, note = _timed(lambda: hooks.connectivity(model), "connectivity")
    yield {"phase": "connectivity", "seconds": seconds, "note": f"engine, all pairs, after model: {note}"}


def phase_prove(root: Path) -> Iterator[Row]:
    model = _model(root)
    seconds, prover = _timed(lambda: hooks.build_prover(model), "prove-build")
    yield {"phase": "prove-build", "seconds": seconds, "note": "encode.build_prover after model (formula built once)"}
    for scope in ("workloads", "any-pod"):
        seconds, verdict = _timed(lambda: hooks.prove_one(prover, scope), f"prove-query-{scope}")
        yield {"phase": f"prove-query-{scope}", "seconds": seconds, "note": f"no-db-from-ui, scope {scope}: {verdict}"}


def _pipeline_loaded(root: Path) -> tuple[Any, Any]:
    pipeline = importlib.import_module("npaudit.pipeline")
    options = pipeline.ScanOptions(paths=(str(root),), root=root)
    return pipeline, pipeline.load(options)


def phase_hygiene(root: Path) -> Iterator[Row]:
    pipeline, loaded = _pipeline_loaded(root)
    rules = [r for r in pipeline.selected_rules(loaded.catalogue, None) if "hygiene" in r.tags]
    if not rules:
        raise Missing("no rule tagged hygiene")
    ctx = pipeline.make_context(loaded.model, loaded.config)
    seconds, findings = _timed(lambda: pipeline.run_rules(ctx, rules), "hygiene")
    internal = sum(1 for f in findings if f.rule_id == pipeline.INTERNAL_RULE_ID)
    note = f"{len(rules)} hygiene rules after model: {len(findings)} findings"
    if internal:
        note += f", {internal} internal errors"
    yield {"phase": "hygiene", "seconds": seconds, "note": note}


def phase_scan(root: Path) -> Iterator[Row]:
    pipeline = importlib.import_module("npaudit.pipeline")
    options = pipeline.ScanOptions(paths=(str(root),), root=root)
    seconds, report = _timed(lambda: pipeline.scan(options), "scan-api")
    yield {"phase": "scan-api", "seconds": seconds, "note": f"pipeline.scan in process: {len(report.findings)} findings"}


GROUPS: dict[str, Callable[[Path], Iterator[Row]]] = {
    "parse": phase_parse,
    "load": phase_load,
    "model": phase_model,
    "connectivity": phase_connectivity,
    "prove": phase_prove,
    "hygiene": phase_hygiene,
    "scan": phase_scan,
}


def run_group(group: str, root: Path) -> list[Row]:
    rows: list[Row] = []
    try:
        for row in GROUPS[group](root):
            rows.append({"status": "ok", "cpu": _last_cpu[0], **row})
    except Exception as exc:  # noqa: BLE001 - a benchmark reports the failure and goes on
        rows.append(_failure(group, exc))
    return rows


def _failure(group: str, exc: Exception) -> Row:
    missing_module = isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith("npaudit")
    if isinstance(exc, Missing) or missing_module:
        return {"phase": group, "seconds": None, "status": NOT_IMPLEMENTED, "note": str(exc)}
    return {"phase": group, "seconds": None, "status": f"error: {type(exc).__name__}", "note": str(exc)[:200]}


def peak_kb() -> int | None:
    """This process's own peak resident memory (VmHWM) in kB. Unlike rusage's maxrss it does
    not include the parent's memory, which the child held between fork and exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def main(argv: list[str]) -> int:
    group, root = argv[0], Path(argv[1]).resolve()
    rows = run_group(group, root)
    sys.stdout.write(json.dumps({"rows": rows, "peak_kb": peak_kb()}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
