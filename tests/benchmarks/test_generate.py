"""The benchmark generator: determinism, exact sizes, valid NetworkPolicy shapes, and a
second revision that differs in exactly one policy."""

from __future__ import annotations

import ipaddress
from collections import Counter
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from benchmarks.cluster import SIZES, parse_size
from benchmarks.generate import build, generate, main, mutate_one_policy, stats, write

_yaml = YAML(typ="safe", pure=False)
_OPERATORS = {"In", "NotIn", "Exists", "DoesNotExist"}


@pytest.fixture(scope="module")
def s_texts() -> dict[str, str]:
    return generate("S", seed=7)


def _docs(texts: dict[str, str]) -> list[tuple[str, dict]]:
    return [(path, d) for path, text in texts.items() for d in _yaml.load_all(text) if d is not None]


def test_same_seed_gives_identical_bytes(s_texts: dict[str, str], tmp_path: Path) -> None:
    assert generate("S", seed=7) == s_texts
    write(s_texts, tmp_path / "a")
    main(["--size", "S", "--seed", "7", "--out", str(tmp_path / "b")])
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.yaml"))
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_other_seed_gives_other_cluster(s_texts: dict[str, str]) -> None:
    assert generate("S", seed=8) != s_texts


def test_s_size_counts_are_exact(s_texts: dict[str, str]) -> None:
    kinds = Counter(d["kind"] for _, d in _docs(s_texts))
    size = SIZES["S"]
    # kube-system and CoreDNS are added on top of the size's counts
    assert kinds["Namespace"] == size.namespaces + 1
    assert kinds["Deployment"] + kinds["StatefulSet"] + kinds["DaemonSet"] == size.workloads + 1
    assert kinds["NetworkPolicy"] == size.policies
    s = stats(build(SIZES["S"], seed=7))
    assert (s.namespaces, s.workloads, s.policies) == (size.namespaces, size.workloads, size.policies)


def _check_selector(sel: dict) -> None:
    assert set(sel) <= {"matchLabels", "matchExpressions"}
    for req in sel.get("matchExpressions", []):
        assert req["operator"] in _OPERATORS
        # In/NotIn need values; Exists/DoesNotExist must have none (API server validation)
        assert bool(req.get("values")) == (req["operator"] in {"In", "NotIn"})


def _check_peer(peer: dict) -> None:
    if "ipBlock" in peer:
        assert set(peer) == {"ipBlock"}  # ipBlock cannot be combined with selectors
        cidr = ipaddress.ip_network(peer["ipBlock"]["cidr"])
        for exc in peer["ipBlock"].get("except", []):
            assert ipaddress.ip_network(exc).subnet_of(cidr)  # type: ignore[arg-type]
    for key in ("podSelector", "namespaceSelector"):
        if key in peer:
            _check_selector(peer[key])


def _check_port(port: dict) -> None:
    assert port.get("protocol", "TCP") in {"TCP", "UDP", "SCTP"}
    if "endPort" in port:
        assert isinstance(port["port"], int) and port["port"] <= port["endPort"] <= 65535


def test_policies_are_valid_networking_v1(s_texts: dict[str, str]) -> None:
    names = Counter()
    for path, d in _docs(s_texts):
        if d["kind"] != "NetworkPolicy":
            continue
        meta, spec = d["metadata"], d["spec"]
        assert path.startswith(meta["namespace"] + "/")
        names[(meta["namespace"], meta["name"])] += 1
        _check_selector(spec["podSelector"])
        assert set(spec.get("policyTypes", [])) <= {"Ingress", "Egress"}
        for section, peer_key in (("ingress", "from"), ("egress", "to")):
            for rule in spec.get(section, []):
                assert set(rule) <= {peer_key, "ports"}
                for peer in rule.get(peer_key, []):
                    _check_peer(peer)
                for port in rule.get("ports", []):
                    _check_port(port)
    assert names and max(names.values()) == 1  # names unique per namespace


def test_workload_named_ports_are_declared_by_their_containers(s_texts: dict[str, str]) -> None:
    seen = Counter()
    for _, d in _docs(s_texts):
        if d["kind"] not in {"Deployment", "StatefulSet", "DaemonSet"}:
            continue
        template = d["spec"]["template"]
        for key, value in d["spec"]["selector"]["matchLabels"].items():
            assert template["metadata"]["labels"][key] == value  # the selector selects its pods
        for c in template["spec"]["containers"]:
            for p in c["ports"]:
                assert p["name"] and 1 <= p["containerPort"] <= 65535
                seen[p["name"]] += 1
    assert seen["http"] and seen["metrics"]


def test_s_mix_covers_the_required_features(s_texts: dict[str, str]) -> None:
    text = "\n".join(s_texts.values())
    for needle in (
        "k8s-app: kube-dns", "endPort:", "except:", "operator: NotIn", "operator: Exists",
        "operator: DoesNotExist", "operator: In", "namespaceSelector:", "pod-template-hash:",
        "policyTypes:", "port: http",
    ):
        assert needle in text, needle


def test_mutation_changes_exactly_one_policy() -> None:
    tree = build(SIZES["S"], seed=3)
    mutated, changed = mutate_one_policy(tree)
    assert build(SIZES["S"], seed=3).texts() == tree.texts()  # the base is untouched
    before, after = tree.texts(), mutated.texts()
    assert before.keys() == after.keys()
    differing = [p for p in before if before[p] != after[p]]
    assert len(differing) == 1 and changed.startswith(differing[0])
    docs_before = list(_yaml.load_all(before[differing[0]]))
    docs_after = list(_yaml.load_all(after[differing[0]]))
    assert len(docs_before) == len(docs_after)
    changed_docs = [(a, b) for a, b in zip(docs_before, docs_after) if a != b]
    assert len(changed_docs) == 1 and changed_docs[0][0]["kind"] == "NetworkPolicy"
    assert changed_docs[0][0]["metadata"] == changed_docs[0][1]["metadata"]


def test_custom_and_unknown_sizes() -> None:
    assert parse_size("xl") is SIZES["XL"]
    custom = parse_size("4x12x9")
    assert (custom.namespaces, custom.workloads, custom.policies) == (4, 12, 9)
    with pytest.raises(ValueError):
        parse_size("huge")


def test_harness_prints_one_table_with_the_parse_floor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.__main__ import main as bench_main

    assert bench_main(["--sizes", "3x6x4", "--phases", "parse", "--workdir", str(tmp_path), "--out", str(tmp_path / "t.md")]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| 3x6x4 |")]
    assert [r.split("|")[2].strip() for r in rows] == ["parse", "startup-cli"]  # the floor always runs
    assert " MB |" in rows[0] and "floor: " in rows[0]
    assert (tmp_path / "t.md").read_text() == out
    assert bench_main(["--sizes", "3x6x4", "--phases", "nope"]) == 2
