"""The evaluation gives the same decisions under different CPU settings (`make eval-determinism`).

Runs `sportello eval` twice in fresh processes, once with one thread and PyTorch's portable
kernels, once with two threads and its AVX2 kernels, and compares every turn of every case:
route, intent, urgency, language, reply, tool calls and retrieved documents. Prints the
differences and exits 1 if there are any.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SETTINGS = {
    "one thread, portable kernels": {
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "ATEN_CPU_CAPABILITY": "default",
    },
    "two threads, AVX2 kernels": {
        "OMP_NUM_THREADS": "2",
        "OPENBLAS_NUM_THREADS": "2",
        "ATEN_CPU_CAPABILITY": "avx2",
    },
}
COMPARED = ("output", "route", "intent", "urgency", "language", "tools", "failed_tools", "doc_ids")


def decisions(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Case id -> what the assistant did on each turn (no timings, no scores)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for case in report["cases"]:
        out[str(case["id"])] = [{key: turn.get(key) for key in COMPARED} for turn in case["turns"]]
    return out


def run(label: str, env: dict[str, str], out: Path, datasets: list[str]) -> dict[str, Any]:
    args = [sys.executable, "-m", "api.cli", "eval", "--out", str(out), "--baseline", "none"]
    for dataset in datasets:
        args += ["--dataset", dataset]
    print(f"{label}: {' '.join(f'{k}={v}' for k, v in env.items())}", file=sys.stderr)
    subprocess.run(args, env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    return json.loads((out / "report.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", action="append", default=[], help="default: all")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sportello-determinism-") as scratch:
        runs = {
            label: decisions(run(label, env, Path(scratch) / str(n), args.dataset))
            for n, (label, env) in enumerate(SETTINGS.items())
        }
    (first, a), (second, b) = runs.items()
    differing = sorted(case for case in a.keys() | b.keys() if a.get(case) != b.get(case))
    turns = sum(len(v) for v in a.values())
    print(
        f"{len(a)} cases, {turns} turns: {len(differing)} differ between '{first}' and '{second}'"
    )
    for case in differing[:20]:
        print(f"  {case}: {a.get(case)} != {b.get(case)}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
