"""report.json and a self-contained report.html (inline SVG charts, a sortable failures table,
the diff against a baseline and the answers that changed)."""

from __future__ import annotations

import html
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from evals import metrics
from evals.gate import GateFailure
from evals.runner import CaseResult

# A case fails on any of these pass/fail scores below 1.
CASE_CHECKS = (
    "route_accuracy",
    "emergency_recall",
    "doc_hit",
    "tool_call_accuracy",
    "refusal_rate",
    "benign_answered",
    "reply_contains",
    "claims_supported",
)
HEADLINE = (
    "route_accuracy",
    "emergency_recall",
    "tool_call_accuracy",
    "tool_call_f1",
    "id_context_precision",
    "id_context_recall",
    "doc_hit",
    "nonllm_context_recall",
    "context_fact_recall",
    "fact_presence",
    "string_presence",
    "rouge_l",
    "string_similarity",
    "claims_supported",
    "refusal_rate",
    "benign_answered",
    "reply_contains",
)


def latencies(results: Iterable[CaseResult]) -> list[float]:
    return [t.latency_ms for r in results for t in r.turns]


def summary(results: Sequence[CaseResult]) -> dict[str, float]:
    return metrics.summarise([r.scores for r in results], latencies(results))


def grouped(results: Sequence[CaseResult], key: str) -> dict[str, dict[str, float]]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        groups[str(getattr(result, key))].append(result)
    return {name: summary(members) for name, members in sorted(groups.items())}


def case_failures(result: CaseResult) -> list[str]:
    return [m for m in CASE_CHECKS if m in result.scores and result.scores[m] < 1 - 1e-9]


def confusion(results: Sequence[CaseResult]) -> dict[str, dict[str, int]]:
    return metrics.confusion_matrix(
        (str(r.expected["route"]), r.turns[0].intent) for r in results if "route" in r.expected
    )


def build_report(
    results: Sequence[CaseResult],
    *,
    meta: Mapping[str, Any],
    baseline: Mapping[str, Any] | None = None,
    failures: Sequence[GateFailure] = (),
    judged: Mapping[str, Mapping[str, float]] | None = None,
    changed: Sequence[Mapping[str, Any]] = (),
    spread: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """`spread`: each overall metric's standard deviation over repeated runs (--repeats)."""
    overall = summary(results)
    report: dict[str, Any] = {
        "meta": dict(meta),
        "overall": overall,
        "counts": metrics.counts([r.scores for r in results]),
        "spread": dict(spread or {}),
        "by_dataset": grouped(results, "dataset"),
        "by_vertical": grouped(results, "vertical"),
        "by_language": grouped(results, "language"),
        "routing": {"confusion": confusion(results)},
        "judged": dict(judged or {}),
        "gate": {
            "passed": not failures,
            "failures": [
                {
                    "metric": f.metric,
                    "scope": f.scope,
                    "value": f.value,
                    "limit": f.limit,
                    "baseline": f.baseline,
                    "cases": list(f.cases),
                }
                for f in failures
            ],
        },
        "changed_answers": list(changed),
        "cases": [
            {
                **r.model_dump(),
                "inputs": [t.input for t in r.turns],
                "outputs": r.outputs,
                "doc_ids": r.doc_ids,
                "contexts": r.contexts,
                "failed": case_failures(r),
            }
            for r in results
        ],
    }
    if baseline is not None:
        report["baseline"] = {
            "overall": _same_cases_baseline(results, baseline),
            "file": meta.get("baseline"),
        }
    return report


def _same_cases_baseline(
    results: Sequence[CaseResult], baseline: Mapping[str, Any]
) -> dict[str, float]:
    """The baseline's figures on the cases of this run (a subset run compares like with like)."""
    ids = {r.id for r in results}
    cases = [c for c in baseline.get("cases", []) if c["id"] in ids]
    if not cases:
        return {}
    scores = [{k: float(v) for k, v in c.get("scores", {}).items()} for c in cases]
    figures = metrics.summarise(scores, [])
    for name in ("latency_p50_ms", "latency_p95_ms"):
        if name in baseline.get("overall", {}):
            figures[name] = float(baseline["overall"][name])
    return figures


def baseline_from(report: Mapping[str, Any]) -> dict[str, Any]:
    """The compact baseline kept in the repository: figures, and per case its scores, the
    documents it expected and cited, and its answers (for --impacted-by)."""
    return {
        "meta": report["meta"],
        "overall": report["overall"],
        "by_vertical": report["by_vertical"],
        "by_language": report["by_language"],
        "cases": [
            {
                "id": c["id"],
                "dataset": c["dataset"],
                "vertical": c["vertical"],
                "language": c["language"],
                "reference_doc_ids": c["expected"].get("reference_doc_ids", []),
                "doc_ids": c["doc_ids"],
                "outputs": c["outputs"],
                "scores": {k: round(v, 4) for k, v in c["scores"].items()},
            }
            for c in report["cases"]
        ],
    }


def write_baseline(baseline: Mapping[str, Any], path: Path) -> None:
    """One case per line, so that refreshing the baseline shows a readable diff."""
    head = {k: v for k, v in baseline.items() if k != "cases"}
    lines = [json.dumps(c, ensure_ascii=False, default=_plain) for c in baseline["cases"]]
    text = json.dumps(head, ensure_ascii=False, indent=1, default=_plain)[:-2]
    text += ',\n "cases": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"
    path.write_text(text, encoding="utf-8")


def write_json(report: Mapping[str, Any], path: Path) -> None:
    path.write_text(
        json.dumps(report, ensure_ascii=False, indent=1, default=_plain), encoding="utf-8"
    )


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


def overall_table(report: Mapping[str, Any]) -> str:
    """The overall figures as a Markdown table, with the baseline when there is one."""
    base = report.get("baseline", {}).get("overall", {})
    spread = report.get("spread", {})
    rows = ["| metric | cases | value | baseline |", "|---|---|---|---|"]
    for name, value in report["overall"].items():
        before = base.get(name)
        shown = f"{before:.3f}" if before is not None else ""
        count = report["counts"].get(name, "")
        now = f"{value:.3f}" + (f" ± {spread[name]:.3f}" if name in spread else "")
        rows.append(f"| {name} | {count} | {now} | {shown} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------------- HTML

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2733;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #dde3ea}
table{border-collapse:collapse;margin:8px 0;width:100%}
th,td{border:1px solid #dde3ea;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f1f4f7;cursor:pointer;user-select:none}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#17813b}.bad{color:#b3261e;font-weight:600}.muted{color:#6b7785}
.pill{display:inline-block;border-radius:9px;padding:0 7px;font-size:12px;background:#f1f4f7}
.pass{background:#dff3e4;color:#17813b}.fail{background:#fbe2e0;color:#b3261e}
pre{white-space:pre-wrap;margin:0;font:12px/1.4 ui-monospace,monospace}
svg text{font:11px system-ui,sans-serif;fill:#1d2733}
"""

_SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var asc = th.dataset.dir !== 'asc';
    th.closest('tr').querySelectorAll('th').forEach(function (o) { delete o.dataset.dir; });
    th.dataset.dir = asc ? 'asc' : 'desc';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v || a.cells[col].textContent;
      var y = b.cells[col].dataset.v || b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _colour(value: float) -> str:
    """Red (0) to amber to green (1)."""
    value = max(0.0, min(1.0, value))
    red = int(220 - 170 * max(0.0, value - 0.5) * 2) if value > 0.5 else 220
    green = int(60 + 130 * min(1.0, value * 2)) if value <= 0.5 else 170
    return f"rgb({red},{green},70)"


def bar_chart(
    title: str, values: Mapping[str, float], marks: Mapping[str, float] | None = None
) -> str:
    """Horizontal bars for scores in [0, 1]; `marks` draws the baseline as a tick."""
    names = [n for n in values if 0 <= values[n] <= 1]
    label_w, bar_w, row_h = 190, 420, 20
    height = 30 + row_h * len(names)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}" '
        f'width="{label_w + bar_w + 70}" height="{height}">',
        f'<text x="0" y="14" font-weight="600">{_e(title)}</text>',
    ]
    for i, name in enumerate(names):
        y = 24 + i * row_h
        value = values[name]
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{_e(name)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="{row_h - 6}" fill="#eef1f4"/>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{bar_w * value:.1f}" '
            f'height="{row_h - 6}" fill="{_colour(value)}"><title>{_e(name)}: {value:.3f}'
            "</title></rect>"
        )
        if marks and name in marks and 0 <= marks[name] <= 1:
            x = label_w + bar_w * marks[name]
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + row_h - 2}" '
                'stroke="#1d2733" stroke-width="2"><title>baseline '
                f"{marks[name]:.3f}</title></line>"
            )
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 13}">{value:.3f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap(
    title: str,
    rows: Mapping[str, Mapping[str, float]],
    columns: Sequence[str],
    *,
    counts: bool = False,
) -> str:
    """A grid of coloured cells: groups by metrics, or the routing confusion matrix."""
    row_names = list(rows)
    label_w, cell_w, cell_h, head_h = 120, 62, 22, 96
    width = label_w + cell_w * len(columns) + 90  # room for the last slanted label
    height = head_h + cell_h * len(row_names) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}" '
        f'width="{width}" height="{height}">',
        f'<text x="0" y="14" font-weight="600">{_e(title)}</text>',
    ]
    for j, column in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        parts.append(
            f'<text transform="translate({x:.0f},{head_h - 6}) rotate(-40)">{_e(column)}</text>'
        )
    for i, row in enumerate(row_names):
        y = head_h + i * cell_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(row)}</text>')
        total = sum(rows[row].values()) if counts else 1
        for j, column in enumerate(columns):
            value = rows[row].get(column)
            x = label_w + j * cell_w
            if value is None:
                fill, label = "#f6f7f9", ""
            elif counts:
                share = value / total if total else 0
                right = column == row
                fill = f"rgba({'23,129,59' if right else '179,38,30'},{0.15 + 0.85 * share:.2f})"
                label = str(int(value)) if value else ""
            else:
                fill, label = _colour(value), f"{value:.2f}"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{fill}"><title>{_e(row)} / {_e(column)}: {_e(label)}</title></rect>'
            )
            parts.append(
                f'<text x="{x + cell_w / 2 - 1}" y="{y + 15}" text-anchor="middle">{label}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def histogram(title: str, values: Sequence[float], bins: int = 24) -> str:
    """Turn latencies: counts per bin up to p99 (slower turns in the last bin), p50 and p95."""
    width, height, left, bottom = 640, 190, 40, 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}" '
        f'width="{width}" height="{height}">',
        f'<text x="0" y="14" font-weight="600">{_e(title)}</text>',
    ]
    if values:
        top = metrics.percentile(values, 99) or 1.0
        step = top / bins
        counts = [0] * bins
        for value in values:
            counts[min(bins - 1, int(value / step))] += 1
        peak = max(counts) or 1
        plot_w, plot_h = width - left - 10, height - bottom - 44
        base_y = 44 + plot_h
        for i, count in enumerate(counts):
            h = plot_h * count / peak
            x = left + i * plot_w / bins
            parts.append(
                f'<rect x="{x:.1f}" y="{base_y - h:.1f}" width="{plot_w / bins - 1:.1f}" '
                f'height="{h:.1f}" fill="#4a78b5"><title>{i * step:.0f}–{(i + 1) * step:.0f} ms: '
                f"{count}</title></rect>"
            )
        for row, q in enumerate((50, 95)):
            mark = metrics.percentile(values, q)
            x = left + plot_w * min(mark, top) / top
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{22 + 12 * row}" y2="{base_y}" '
                f'stroke="#b3261e" stroke-dasharray="3,2"/>'
                f'<text x="{x + 3:.1f}" y="{30 + 12 * row}">p{q} {mark:.0f} ms</text>'
            )
        parts.append(
            f'<text x="{left}" y="{height - 8}">0</text>'
            f'<text x="{width - 10}" y="{height - 8}" text-anchor="end">'
            f"{top:.0f} ms (p99) and slower</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _metric_table(report: Mapping[str, Any]) -> str:
    base = report.get("baseline", {}).get("overall", {})
    judged = report.get("judged", {})
    spread = report.get("spread", {})
    rows = []
    for name, value in report["overall"].items():
        shown = f"{value:.3f}" + (f" ± {spread[name]:.3f}" if name in spread else "")
        before = base.get(name)
        delta = "" if before is None else f"{value - before:+.3f}"
        worse = before is not None and (
            value > before if name in metrics.LOWER_IS_BETTER else value < before - 1e-9
        )
        rows.append(
            f'<tr><td>{_e(name)}</td><td class="num">{report["counts"].get(name, "")}</td>'
            f'<td class="num" data-v="{value:.6f}">{shown}</td>'
            f'<td class="num">{"" if before is None else f"{before:.3f}"}</td>'
            f'<td class="num {"bad" if worse else "ok"}">{delta}</td></tr>'
        )
    for name, stats in judged.items():
        rows.append(
            f'<tr><td>{_e(name)} <span class="pill">judge</span></td>'
            f'<td class="num">{int(stats.get("cases", 0))}</td>'
            f'<td class="num">{stats["mean"]:.3f} ± {stats.get("std", 0.0):.3f}</td>'
            "<td></td><td></td></tr>"
        )
    return (
        '<table class="sortable"><thead><tr><th>metric</th><th>cases</th><th>value</th>'
        f"<th>baseline</th><th>Δ</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _failures_table(report: Mapping[str, Any]) -> str:
    gated = {c for f in report["gate"]["failures"] for c in f["cases"]}
    rows = []
    for case in report["cases"]:
        if not case["failed"] and case["id"] not in gated:
            continue
        failed = ", ".join(case["failed"]) + (" · gate" if case["id"] in gated else "")
        worst = min((case["scores"][m] for m in case["failed"]), default=1.0)
        rows.append(
            f"<tr><td>{_e(case['id'])}</td><td>{_e(case['dataset'])}</td>"
            f"<td>{_e(case['vertical'])}</td><td>{_e(case['language'])}</td>"
            f'<td>{_e(failed)}</td><td class="num" data-v="{worst:.4f}">{worst:.2f}</td>'
            f"<td>{_e(' ⏎ '.join(case['inputs']))[:300]}</td>"
            f"<td>{_e((case['outputs'] or [''])[-1] or '')[:400]}</td>"
            f"<td>{_e(', '.join(case['doc_ids']))}</td></tr>"
        )
    if not rows:
        return '<p class="ok">No failing case.</p>'
    return (
        '<table class="sortable" id="failures"><thead><tr><th>case</th><th>dataset</th>'
        "<th>vertical</th><th>language</th><th>failed</th><th>worst</th><th>input</th>"
        f"<th>last answer</th><th>cited</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _gate_section(report: Mapping[str, Any]) -> str:
    gate = report["gate"]
    if gate["passed"]:
        return '<p><span class="pill pass">gate passed</span></p>'
    items = "".join(
        f"<li><b>{_e(f['metric'])}</b> [{_e(f['scope'])}] {f['value']:.3f} &lt; "
        f"{f['limit']:.3f}: {_e(', '.join(f['cases'][:20]))}</li>"
        for f in gate["failures"]
    )
    return f'<p><span class="pill fail">gate failed</span></p><ul>{items}</ul>'


def _changed_section(report: Mapping[str, Any]) -> str:
    changed = report.get("changed_answers") or []
    if not changed:
        return ""
    rows = "".join(
        f"<tr><td>{_e(c['id'])}</td><td><pre>{_e(c['before'])}</pre></td>"
        f"<td><pre>{_e(c['after'])}</pre></td></tr>"
        for c in changed
    )
    return (
        "<h2>Answers that changed</h2>"
        '<table class="sortable" id="changed"><thead><tr><th>case</th><th>baseline answer</th>'
        f"<th>new answer</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render_html(report: Mapping[str, Any]) -> str:
    meta = report["meta"]
    overall = {k: v for k, v in report["overall"].items() if k in HEADLINE}
    base = report.get("baseline", {}).get("overall", {})
    by_vertical = {
        g: {k: v for k, v in s.items() if k in HEADLINE} for g, s in report["by_vertical"].items()
    }
    columns = [m for m in HEADLINE if any(m in s for s in by_vertical.values())]
    by_language = report["by_language"]
    language_columns = [m for m in HEADLINE if any(m in s for s in by_language.values())]
    matrix = report["routing"]["confusion"]
    labels = sorted({*matrix, *(p for row in matrix.values() for p in row)})
    lat = [t["latency_ms"] for c in report["cases"] for t in c["turns"]]
    charts = [
        bar_chart("Overall (tick: baseline)", overall, base),
        heatmap("By vertical", by_vertical, columns),
        heatmap("By language", by_language, language_columns),
    ]
    if matrix:
        charts.append(
            heatmap(
                "Routing confusion (rows: expected, columns: taken)",
                {r: {k: float(v) for k, v in cols.items()} for r, cols in matrix.items()},
                labels,
                counts=True,
            )
        )
    charts.append(histogram("Latency per turn", lat))
    datasets = ", ".join(f"{_e(d['name'])} ({d['cases']})" for d in meta.get("datasets", []))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sportello evaluation</title>
<style>{_STYLE}</style></head><body>
<h1>Sportello evaluation</h1>
<p class="muted">{_e(meta.get("started", ""))} · {meta.get("cases", 0)} cases · {datasets}
 · {meta.get("duration_s", 0):.0f} s · brain: {_e(meta.get("brain", "offline"))}
 · baseline: {_e(meta.get("baseline") or "none")}</p>
{_gate_section(report)}
<h2>Metrics</h2>
{_metric_table(report)}
<h2>Charts</h2>
{"".join(f"<div>{c}</div>" for c in charts)}
{_changed_section(report)}
<h2>Failing cases</h2>
{_failures_table(report)}
<script>{_SORT_JS}</script>
</body></html>
"""


def write_html(report: Mapping[str, Any], path: Path) -> None:
    path.write_text(render_html(report), encoding="utf-8")
