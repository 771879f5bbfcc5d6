"""The fast engine agrees with the reference `decide` on random small models, for every pair of
endpoints (workloads, replicas of one workload, external address pieces) and every port where
a verdict can change."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from npaudit.engine import HostNetwork, analyze, decide
from npaudit.model.types import Model
from tests.engine.strategies import models, probe_ports


def _check(m: Model, mode: HostNetwork) -> None:
    conn = analyze(m, mode)
    ports = probe_ports(m)
    endpoints = list(m.workloads) + list(conn.externals)
    for src in endpoints:
        for dst in endpoints:
            if not (src in m.workloads or dst in m.workloads):
                continue  # outside to outside is not NetworkPolicy's business
            allowed = conn.allowed(src, dst)
            for protocol, port in ports:
                expected = decide(m, src, dst, protocol, port, mode).allowed
                assert allowed.contains(protocol, port) == expected, (src, dst, protocol, port, str(allowed))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_fast_engine_matches_reference(m: Model) -> None:
    _check(m, HostNetwork.ALLOW)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_fast_engine_matches_reference_host_network_as_pod(m: Model) -> None:
    _check(m, HostNetwork.AS_POD)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_external_addresses_match_reference(m: Model) -> None:
    """An address anywhere in a piece gets the piece's verdict (first and last address)."""
    conn = analyze(m)
    for rng in conn.externals:
        for address in (rng.first, rng.last):
            for w in m.workloads:
                for protocol, port in probe_ports(m)[::7]:
                    assert conn.is_allowed(address, w, protocol, port) == decide(m, address, w, protocol, port).allowed
                    assert conn.is_allowed(w, address, protocol, port) == decide(m, w, address, protocol, port).allowed
