"""A burst of WhatsApp customers against a real `sportello serve`: acknowledgements, replies, memory.

python -m benchmarks.load_burst [--senders 200] [--concurrency 50] [--workers 1|2|both]
                                [--quick] [--data-dir DIR] [--kill-worker SECONDS] [--out FILE]

`--senders` customers each send one signed webhook, `--concurrency` at a time, to a server
started as a subprocess on a free port (offline brain, SPORTELLO_ENV=demo). Replies go to a
stub Graph API (benchmarks/_whatsapp.py, its own process) that records when each arrives.
Configurations: `1` is plain `sportello serve` (API and worker in one process, SQLite);
`2` is `serve --no-worker` beside two `sportello worker` processes (WORKER_NICE=10: on shared
cores acknowledgements come first) on a fresh PostgreSQL
database (created and dropped here), each process on its own copy of the data dir (the
embedded vector store is single-process). Each server answers a few warm-up customers before
the clock starts (the first turns load models).

The burst's webhooks are posted by benchmarks/_http.py's lean client (httpx's own queueing
at 50 concurrent requests would be most of what is measured). Reported: acknowledgement
latency (webhook POST -> 200) p50/p95/p99, time to first reply per
customer p50/p95 and the earliest, throughput, peak RSS of the server processes, customers
left without a reply or answered twice, and, in-process, the offline cost of one turn.
Targets (2 cores, 200 at 50): ack p99 <= 50 ms, first reply p50 <= 5 s and the earliest
within 3 s, turn p50 <= 40 ms, nothing lost or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import httpx

from benchmarks._http import LeanClient
from benchmarks._whatsapp import APP_SECRET, PHONE_NUMBER_ID, free_port, signed, text_message
from tests.helpers import copy_data_dir  # sparse: the embedded store preallocates its files

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "ciao, come si legge il contatore del gas?",
    "come funziona il bonus sociale?",
    "quali sono i metodi di pagamento della bolletta?",
    "c'è un guasto, manca la luce in tutta la via",
    "posso rateizzare una bolletta alta?",
    "come faccio a fare l'autolettura?",
]
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
WEBHOOK = "/webhooks/whatsapp"
WORKER_NICE = 10  # the 2-process layout's workers, on the same 2 cores as the API
KILLED_CLAIM_TIMEOUT = 10.0  # with --kill-worker: the dead worker's claims are taken over
TARGETS = {"ack_p99_ms": 50.0, "first_reply_p50_s": 5.0, "earliest_reply_s": 3.0, "turn_ms": 40.0}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, psutil if installed, else /proc."""
    try:
        import psutil

        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except Exception:  # the process has gone
        pass
    return 0.0


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --------------------------------------------------------------------------- processes


def base_data_dir(tmp: Path, source: Path | None) -> Path:
    """A data dir with the ingested corpus: a copy of `source` (or .sportello), else ingested."""
    base = tmp / "base"
    source = source or ROOT / ".sportello"
    if (source / "sportello.db").exists() and (source / "qdrant").exists():
        copy_data_dir(source, base, ignore=shutil.ignore_patterns("bench", "eval"))
        return base
    print(f"no ingested data dir at {source}: ingesting knowledge/corpus into {base}")
    env = {**os.environ, "SPORTELLO_DATA_DIR": str(base)}
    subprocess.run(
        [sys.executable, "-m", "api.cli", "ingest", str(ROOT / "knowledge" / "corpus")],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return base


def server_env(data_dir: Path, cloud_url: str, database_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "SPORTELLO_DATA_DIR": str(data_dir),
        "SPORTELLO_ENV": "demo",
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_ACCESS_TOKEN": "bench-token",
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_API_BASE_URL": cloud_url,
        "WHATSAPP_DEBOUNCE_SECONDS": "0",
        "WHATSAPP_PAIR_INTERVAL_SECONDS": "0",
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    env.pop("DATABASE_URL", None)
    env.pop("LLM_BASE_URL", None)  # the offline brain: no model server in this benchmark
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_for(check: Any, seconds: float, what: str, processes: list[Any] = ()) -> None:  # type: ignore[assignment]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if any(p.poll() is not None for p in processes):
            raise SystemExit(f"a process exited while waiting for {what}")
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def stub_graph_api(tmp: Path) -> Iterator[str]:
    port = free_port()
    process = start(
        ["benchmarks._whatsapp", "--port", str(port)], dict(os.environ), tmp / "stub.log"
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: healthy(f"{url}/recorded"), 60, "the stub Graph API", [process])
        yield url
    finally:
        stop([process])


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new database on the machine's PostgreSQL, dropped afterwards."""
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    name = f"sportello_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield f"{POSTGRES}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def cluster(
    workers: int, base: Path, tmp: Path, cloud_url: str, claim_timeout: float | None = None
) -> Iterator[dict[str, Any]]:
    """`sportello serve` (workers=1), or `serve --no-worker` + `workers` x `sportello worker`
    on a fresh PostgreSQL. Yields the port and the processes by name."""
    processes: dict[str, subprocess.Popen[bytes]] = {}
    with fresh_postgres() if workers > 1 else nullcontext() as database_url:
        run = tmp / f"run-{workers}"
        port = free_port()
        try:
            names = ["api"] + [f"worker{n}" for n in range(1, workers + 1) if workers > 1]
            envs = {}
            for name in names:
                copy_data_dir(base, run / name)
                envs[name] = server_env(run / name, cloud_url, database_url)
            serve = ["api.cli", "serve", "--port", str(port)]
            if workers > 1:
                serve.append("--no-worker")
            processes["api"] = start(serve, envs["api"], run / "api.log")
            wait_for(
                lambda: healthy(f"http://127.0.0.1:{port}/healthz"),
                240,
                "the API",
                list(processes.values()),
            )
            for name in names[1:]:  # after the API migrated the schema and seeded the backend
                # Sharing the host's cores with the API: acknowledgements first (WORKER_NICE).
                worker_env = {**envs[name], "WORKER_NICE": str(WORKER_NICE)}
                if claim_timeout is not None:  # a killed worker's claims are taken over soon
                    worker_env["WORKER_CLAIM_TIMEOUT_SECONDS"] = str(claim_timeout)
                processes[name] = start(["api.cli", "worker"], worker_env, run / f"{name}.log")
            for name in names[1:]:
                log = run / f"{name}.log"
                wait_for(
                    lambda log=log: "worker started" in log.read_text(errors="replace"),
                    240,
                    name,
                    list(processes.values()),
                )
            yield {"port": port, "processes": processes, "logs": run}
        finally:
            stop(list(processes.values()))


# --------------------------------------------------------------------------- the burst


async def recorded(client: httpx.AsyncClient, cloud_url: str) -> list[dict[str, Any]]:
    response = await client.get(f"{cloud_url}/recorded")
    return list(response.json()["messages"])


async def wait_replies(
    client: httpx.AsyncClient, cloud_url: str, users: set[str], seconds: float
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while True:
        messages = await recorded(client, cloud_url)
        if users <= {m["to"] for m in messages} or time.monotonic() > deadline:
            return messages
        await asyncio.sleep(0.25)


async def sample_rss(pids: dict[str, int], peaks: dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in pids.items():
            peaks[name] = max(peaks.get(name, 0.0), rss_mb(pid))
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            pass


async def burst(
    port: int,
    cloud_url: str,
    pids: dict[str, int],
    senders: int,
    concurrency: int,
    tag: str,
    kill_after: float | None = None,
) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}{WEBHOOK}"
    warm_users = {f"39300{tag}{n:05}" for n in range(4 * len(pids))}  # a few per worker
    users = [f"39333{tag}{n:05}" for n in range(senders)]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        # Warm-up: the first turns of a process load models; not part of the burst.
        warm_started = time.monotonic()
        for n, user in enumerate(sorted(warm_users)):
            body, headers = signed(text_message(user, QUESTIONS[n % len(QUESTIONS)], f"w.{user}"))
            (await client.post(url, content=body, headers=headers)).raise_for_status()
        warm = await wait_replies(client, cloud_url, warm_users, 180)
        if not warm_users <= {m["to"] for m in warm}:
            raise SystemExit("the warm-up customers got no reply: see the server logs (--keep)")
        warm_first = min((m["at"] for m in warm), default=float("nan")) - warm_started
        await asyncio.sleep(1)

        bodies = [
            signed(text_message(user, QUESTIONS[n % len(QUESTIONS)], f"wamid.bench.{user}"))
            for n, user in enumerate(users)
        ]
        sent: dict[str, float] = {}
        acks: list[float] = []
        failures: Counter[str] = Counter()
        gate = asyncio.Semaphore(concurrency)

        async def send(user: str, body: bytes, headers: dict[str, str]) -> None:
            async with gate:
                began = time.monotonic()
                sent[user] = began
                try:
                    response = await lean.post(WEBHOOK, body, headers)
                except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                    failures[type(exc).__name__] += 1
                    return
                acks.append(time.monotonic() - began)
                if response.status_code != 200 or response.json().get("stored") != 1:
                    failures[f"HTTP {response.status_code}"] += 1

        peaks: dict[str, float] = {}
        done = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(pids, peaks, done))
        load_before = load()
        killed: list[float] = []

        async def kill_a_worker() -> None:
            assert kill_after is not None
            await asyncio.sleep(kill_after)
            os.kill(pids["worker1"], signal.SIGKILL)  # mid-burst, whatever it was doing
            killed.append(time.monotonic())

        killer = asyncio.create_task(kill_a_worker()) if kill_after is not None else None
        async with LeanClient("127.0.0.1", port, concurrency) as lean:
            started = time.monotonic()
            await asyncio.gather(*(send(u, b, h) for u, (b, h) in zip(users, bodies, strict=True)))
            acked = time.monotonic() - started
        if killer is not None:
            await killer
        messages = await wait_replies(client, cloud_url, set(users), max(180.0, senders))
        await asyncio.sleep(3)  # anything doubled would arrive now
        messages = await recorded(client, cloud_url)
        done.set()
        await sampler
        load_after = load()

    ours = [m for m in messages if m["to"] in sent]
    per_user = Counter(m["to"] for m in ours)
    first: dict[str, float] = {}
    for m in ours:
        first[m["to"]] = min(first.get(m["to"], m["at"]), m["at"])
    to_first = [first[u] - sent[u] for u in first]
    last = max((m["at"] for m in ours), default=started)
    return {
        "senders": senders,
        "concurrency": concurrency,
        "load_before": load_before,
        "load_after": load_after,
        "warm_up_first_reply_s": round(warm_first, 2),
        "webhook_failures": dict(failures),
        "acks_in_s": round(acked, 3),
        "ack_ms": {
            "p50": round(percentile(acks, 50) * 1000, 1),
            "p95": round(percentile(acks, 95) * 1000, 1),
            "p99": round(percentile(acks, 99) * 1000, 1),
            "max": round(max(acks, default=float("nan")) * 1000, 1),
        },
        "first_reply_s": {
            "p50": round(percentile(to_first, 50), 2),
            "p95": round(percentile(to_first, 95), 2),
            "max": round(max(to_first, default=float("nan")), 2),
        },
        "earliest_reply_s": round(min(first.values(), default=float("nan")) - started, 2),
        "all_replies_s": round(last - started, 2),
        "replies_per_s": round(len(ours) / (last - started), 1) if last > started else 0.0,
        "worker1_killed_after_s": round(killed[0] - started, 2) if killed else None,
        "lost": sum(1 for u in users if per_user[u] == 0),
        "doubled": sum(1 for u in users if per_user[u] > 1),
        "peak_rss_mb": {name: round(mb) for name, mb in peaks.items()}
        | {"total": round(sum(peaks.values()))},
    }


def run_configuration(
    workers: int,
    base: Path,
    tmp: Path,
    cloud_url: str,
    senders: int,
    concurrency: int,
    kill_after: float | None = None,
) -> dict[str, Any]:
    kill_after = kill_after if workers > 1 else None
    timeout = KILLED_CLAIM_TIMEOUT if kill_after is not None else None
    with cluster(workers, base, tmp, cloud_url, claim_timeout=timeout) as running:
        pids = {name: p.pid for name, p in running["processes"].items()}
        tag = str(workers) + ("k" if kill_after is not None else "")
        return asyncio.run(
            burst(running["port"], cloud_url, pids, senders, concurrency, tag, kill_after)
        )


# --------------------------------------------------------------------------- one turn, in-process


def turn_cost(base: Path, tmp: Path, turns: int = 30) -> dict[str, float]:
    """Median wall time of one graph turn (a customer's first message), offline brain."""
    from api.runtime import build_runtime
    from knowledge.settings import Settings

    data_dir = tmp / "turns"
    copy_data_dir(base, data_dir)
    settings = Settings(_env_file=None, sportello_data_dir=data_dir)  # type: ignore[call-arg]
    runtime = build_runtime(settings)
    try:
        for n, question in enumerate(QUESTIONS):  # models loaded, caches filled
            runtime.ask(question, user=f"turn-warm-{n}", channel="whatsapp")
        times = []
        for n in range(turns):
            began = time.perf_counter()
            runtime.ask(QUESTIONS[n % len(QUESTIONS)], user=f"turn-{n}", channel="whatsapp")
            times.append(time.perf_counter() - began)
    finally:
        runtime.close()
    return {
        "turns": turns,
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(percentile(times, 95) * 1000, 1),
    }


# --------------------------------------------------------------------------- report


def table(report: dict[str, Any]) -> str:
    configs = report["configurations"]
    names = list(configs)
    rows: list[tuple[str, list[str], str]] = [
        ("ack p50 / p95 / p99 ms", [], ""),
        ("first reply p50 / p95 s", [], f"p50 <= {TARGETS['first_reply_p50_s']:g}"),
        ("earliest reply s", [], f"<= {TARGETS['earliest_reply_s']:g}"),
        ("all replies after s", [], ""),
        ("replies/s", [], ""),
        ("lost / doubled", [], "0 / 0"),
        ("peak RSS MB (total)", [], ""),
        ("load avg before -> after", [], ""),
    ]
    rows[0] = (rows[0][0], [], f"p99 <= {TARGETS['ack_p99_ms']:g}")
    for name in names:
        c = configs[name]
        a, f = c["ack_ms"], c["first_reply_s"]
        rss = ", ".join(f"{k} {v}" for k, v in c["peak_rss_mb"].items() if k != "total")
        values = [
            f"{a['p50']} / {a['p95']} / {a['p99']}",
            f"{f['p50']} / {f['p95']}",
            f"{c['earliest_reply_s']}",
            f"{c['all_replies_s']}",
            f"{c['replies_per_s']}",
            f"{c['lost']} / {c['doubled']}",
            f"{c['peak_rss_mb']['total']} ({rss})",
            f"{c['load_before'][0]} -> {c['load_after'][0]}",
        ]
        for row, value in zip(rows, values, strict=True):
            row[1].append(value)
    widths = [max(len(r[0]) for r in rows)]
    widths += [max(len(n), *(len(r[1][i]) for r in rows)) for i, n in enumerate(names)]
    lines = [
        "  ".join(
            [f"{'':<{widths[0]}}", *(f"{n:<{w}}" for n, w in zip(names, widths[1:], strict=True))]
        )
        + "  target"
    ]
    for label, values, target in rows:
        cells = [f"{label:<{widths[0]}}"]
        cells += [f"{v:<{w}}" for v, w in zip(values, widths[1:], strict=True)]
        lines.append("  ".join(cells) + f"  {target}")
    turn = report["offline_turn"]
    lines.append(
        f"offline turn (in-process, {turn['turns']} turns): p50 {turn['p50_ms']} ms, "
        f"p95 {turn['p95_ms']} ms  (target p50 <= {TARGETS['turn_ms']:g})"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", choices=["1", "2", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server logs)")
    parser.add_argument("--quick", action="store_true", help="40 senders at 10, a fast check")
    parser.add_argument("--data-dir", type=Path, help="an ingested data dir (default .sportello)")
    parser.add_argument(
        "--kill-worker",
        type=float,
        metavar="SECONDS",
        help="2 workers: SIGKILL one this long after the burst starts (claims are taken "
        f"over after {KILLED_CLAIM_TIMEOUT:.0f} s); lost and doubled still count",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / ".sportello" / "bench" / "load_burst.json"
    )
    args = parser.parse_args()
    if args.quick:
        args.senders, args.concurrency = 40, 10
    counts = {"1": [1], "2": [2], "both": [1, 2]}[args.workers]
    report: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_at_start": load(),
        "senders": args.senders,
        "concurrency": args.concurrency,
        "targets": TARGETS,
        "configurations": {},
    }
    tmp = Path(tempfile.mkdtemp(prefix="sportello-load-"))
    try:
        base = base_data_dir(tmp, args.data_dir)
        with stub_graph_api(tmp) as cloud_url:
            for workers in counts:
                label = "1 worker (serve)" if workers == 1 else f"{workers} worker processes"
                print(f"{label}: {args.senders} senders, {args.concurrency} at a time ...")
                if args.kill_worker is not None and workers > 1:
                    label += f", one SIGKILLed at {args.kill_worker:g} s"
                report["configurations"][label] = run_configuration(
                    workers,
                    base,
                    tmp,
                    cloud_url,
                    args.senders,
                    args.concurrency,
                    args.kill_worker,
                )
        report["offline_turn"] = turn_cost(base, tmp)
    finally:
        if args.keep:
            print(f"logs and data dirs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report["load_at_end"] = load()
    print(table(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
