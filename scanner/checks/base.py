"""The interface every check kind implements, and the context checks run in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from npaudit.findings import Finding, Severity
from npaudit.model.types import Model
from npaudit.span import Span

if TYPE_CHECKING:  # engines are imported lazily: a scan that needs no proof never loads z3
    pass


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """One rule of the catalogue (built-in `rules/<id>.yaml` or a user property file).

    `severity` is the effective severity (after config overrides). `params` are the kind's
    parameters (already merged with config overrides). `source` is where the rule came from.
    """

    id: str
    name: str
    kind: str
    severity: Severity
    summary: str
    docs: Mapping[str, str]
    tags: tuple[str, ...] = ()
    security_severity: float | None = None
    status: str = "stable"
    params: Mapping[str, Any] = field(default_factory=dict)
    #: False for opt-in rules: they run only when the config lists them in `rules.enable`.
    default_enabled: bool = True
    source: str = ""
    #: where the rule is defined (its `id:` key), for findings with no better place
    span: Span | None = None


class CheckContext:
    """What a check may look at. Engines are built lazily and at most once per scan.

    `engine_factory` / `prover_factory` are injected by the pipeline so this module does not
    import the engines (layering: checks depend on engines only through the context).
    """

    def __init__(
        self,
        model: Model,
        *,
        config: Mapping[str, Any] | None = None,
        engine_factory: Callable[[Model], Any] | None = None,
        prover_factory: Callable[[Model, Mapping[str, Any]], Any] | None = None,
    ) -> None:
        self.model = model
        self.config: Mapping[str, Any] = config or {}
        self._engine_factory = engine_factory
        self._prover_factory = prover_factory
        #: answers already computed for a property (keyed by the property and whether it was
        #: explained), so `npaudit report` does not prove what its scan just proved
        self.answers: dict[tuple[Any, bool], Any] = {}

    @cached_property
    def connectivity(self) -> Any:
        """The semantics engine's result for the model (see npaudit.engine)."""
        if self._engine_factory is None:
            raise RuntimeError("no semantics engine configured")
        return self._engine_factory(self.model)

    @cached_property
    def prover(self) -> Any:
        """The Z3 prover for the model (see npaudit.encode)."""
        if self._prover_factory is None:
            raise RuntimeError("no prover configured")
        return self._prover_factory(self.model, self.config)


RunFn = Callable[[CheckContext, RuleMeta], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class CheckKind:
    """A check kind. `params_schema` is a JSON Schema for `RuleMeta.params` (None = no params).
    `run` yields findings with `rule.id` as rule id and `rule.severity` as severity."""

    name: str
    run: RunFn
    params_schema: Mapping[str, Any] | None = None
    description: str = ""
