"""The gate: a metric below its baseline minus its tolerance, on the same cases, fails."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals import metrics

THRESHOLDS = Path(__file__).parent / "thresholds.toml"
MIN_TURNS_FOR_LATENCY = 50  # fewer turns make a p95 one slow turn on a busy machine
MIN_SCOPE_FOR_CASES = 10  # a smaller scope forgives no case: one is too large a share of it


class GateConfigError(ValueError):
    """The thresholds file is malformed."""


@dataclass(frozen=True)
class Threshold:
    tolerance: float = 0.02  # allowed drop of the mean below the baseline on the same cases
    per_group: bool = False  # also gate each vertical and each language
    group_tolerance: float | None = None  # the drop allowed in a group (default: tolerance)
    cases: int = 0  # or this many whole cases' worth of drop, if that is more
    group_cases: int | None = None  # the same in a group (default: cases)
    minimum: float | None = None  # absolute floor, baseline or not
    maximum: float | None = None  # absolute ceiling (latency)

    def allowed_drop(self, scope: str, paired: int) -> float:
        """The drop of the mean this scope may take: a fraction, or a number of cases. Cases
        are forgiven only in a scope of MIN_SCOPE_FOR_CASES cases or more: in a scope of
        two, one case is half of it, not a near-tie."""
        group = scope != "overall"
        tolerance = self.group_tolerance if group and self.group_tolerance is not None else None
        cases = self.group_cases if group and self.group_cases is not None else self.cases
        forgiven = cases / paired if paired >= MIN_SCOPE_FOR_CASES else 0.0
        return max(self.tolerance if tolerance is None else tolerance, forgiven)


@dataclass(frozen=True)
class ScoredCase:
    """What the gate needs of a case: where it belongs and its scores."""

    id: str
    vertical: str
    language: str
    scores: Mapping[str, float]


@dataclass(frozen=True)
class GateFailure:
    metric: str
    scope: str  # "overall", "vertical:instalments", "language:fr"
    value: float
    limit: float
    baseline: float | None
    cases: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        against = f"baseline {self.baseline:.3f}, " if self.baseline is not None else ""
        named = ", ".join(self.cases[:12]) + (" …" if len(self.cases) > 12 else "")
        return (
            f"{self.metric} [{self.scope}] {self.value:.3f} ({against}limit {self.limit:.3f})"
            + (f": {named}" if named else "")
        )


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, Threshold]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise GateConfigError(f"{path}: {exc}") from exc
    default = data.get("default", {})
    found: dict[str, Threshold] = {}
    for name, values in data.get("metrics", {}).items():
        merged = {**default, **values}
        known = {"tolerance", "per_group", "group_tolerance", "cases", "group_cases", "min", "max"}
        unknown = set(merged) - known
        if unknown:
            raise GateConfigError(f"{path}: {name}: unknown keys {sorted(unknown)}")
        found[name] = Threshold(
            tolerance=float(merged.get("tolerance", 0.02)),
            per_group=bool(merged.get("per_group", False)),
            group_tolerance=merged.get("group_tolerance"),
            cases=int(merged.get("cases", 0)),
            group_cases=merged.get("group_cases"),
            minimum=merged.get("min"),
            maximum=merged.get("max"),
        )
    return found


def _scopes(cases: Sequence[ScoredCase], per_group: bool) -> dict[str, list[ScoredCase]]:
    scopes: dict[str, list[ScoredCase]] = {"overall": list(cases)}
    if per_group:
        for case in cases:
            scopes.setdefault(f"vertical:{case.vertical}", []).append(case)
            scopes.setdefault(f"language:{case.language}", []).append(case)
    return scopes


def check_gate(
    cases: Sequence[ScoredCase],
    baseline: Mapping[str, Mapping[str, float]],
    thresholds: Mapping[str, Threshold],
    latencies_ms: Sequence[float] = (),
) -> list[GateFailure]:
    """Failures of every gated metric: against the baseline's scores of the same cases (so a
    subset run is compared with the same subset), and against absolute floors and ceilings."""
    failures: list[GateFailure] = []
    for metric, threshold in thresholds.items():
        if metric in metrics.LOWER_IS_BETTER:
            failures += _ceiling(metric, threshold, latencies_ms)
            continue
        for scope, members in _scopes(cases, threshold.per_group).items():
            scored = [c for c in members if metric in c.scores]
            if not scored:
                continue
            value = metrics.mean(c.scores[metric] for c in scored)
            paired = [c for c in scored if metric in baseline.get(c.id, {})]
            if paired:
                before = metrics.mean(baseline[c.id][metric] for c in paired)
                now = metrics.mean(c.scores[metric] for c in paired)
                limit = before - threshold.allowed_drop(scope, len(paired))
                if now < limit - 1e-9:
                    worse = sorted(
                        (c for c in paired if c.scores[metric] < baseline[c.id][metric] - 1e-9),
                        key=lambda c: c.scores[metric] - baseline[c.id][metric],
                    )
                    failures.append(
                        GateFailure(metric, scope, now, limit, before, tuple(c.id for c in worse))
                    )
            if threshold.minimum is not None and value < threshold.minimum - 1e-9:
                low = tuple(c.id for c in scored if c.scores[metric] < threshold.minimum)
                failures.append(GateFailure(metric, scope, value, threshold.minimum, None, low))
    return failures


def _ceiling(metric: str, threshold: Threshold, latencies_ms: Sequence[float]) -> list[GateFailure]:
    if threshold.maximum is None or len(latencies_ms) < MIN_TURNS_FOR_LATENCY:
        return []
    quantile = 95 if metric.endswith("p95_ms") else 50
    value = metrics.percentile(latencies_ms, quantile)
    if value > threshold.maximum:
        return [GateFailure(metric, "overall", value, threshold.maximum, None)]
    return []


def baseline_scores(report: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Case id -> scores, from a baseline (or a previous report.json)."""
    return {
        str(c["id"]): {k: float(v) for k, v in c.get("scores", {}).items() if not _nan(v)}
        for c in report.get("cases", [])
    }


def _nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
