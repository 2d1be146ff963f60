"""The deployment files stay complete and valid: .env.example names every setting, compose.yaml
parses and wires the services together, the Dockerfile installs what the code needs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from graph.backends.bill_pdf import FONTS
from knowledge.settings import Settings
from tests.conftest import ROOT

ENV_EXAMPLE = (ROOT / ".env.example").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
# Variables compose.yaml requires (${VAR:?...}); .env.example leaves them to be chosen.
REQUIRED = {
    "SPORTELLO_SECRET": "s" * 40,
    "POSTGRES_PASSWORD": "test-password",
    "QDRANT_API_KEY": "test-key",
}


def documented(name: str) -> bool:
    """A `NAME=` line, set or commented out."""
    return re.search(rf"^(# )?{name}=", ENV_EXAMPLE, re.MULTILINE) is not None


def test_env_example_names_every_setting() -> None:
    missing = [name.upper() for name in Settings.model_fields if not documented(name.upper())]
    assert not missing, f"add these settings to .env.example: {missing}"


def test_env_example_names_the_judge_and_compose_variables() -> None:
    for name in ("JUDGE_BASE_URL", "JUDGE_MODEL", "JUDGE_API_KEY", *REQUIRED):
        assert documented(name), name


def test_env_example_as_is_is_valid_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cp .env.example .env` must not break anything: its set values pass validation."""
    (tmp_path / ".env").write_text(ENV_EXAMPLE)
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    Settings()


def test_dockerfile_installs_the_pinned_cpu_torch_and_the_bill_fonts() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    torch = next(d for d in dependencies if d.startswith("torch=="))
    assert f"pip install --index-url https://download.pytorch.org/whl/cpu {torch}" in DOCKERFILE
    assert "fonts-dejavu-core" in DOCKERFILE  # installs DejaVuSans(-Bold).ttf in FONTS
    assert str(FONTS) == "/usr/share/fonts/truetype/dejavu"
    assert re.search(r"^FROM \$\{PYTHON_IMAGE\}$", DOCKERFILE, re.MULTILINE)
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE
    assert re.search(r"^USER sportello$", DOCKERFILE, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", DOCKERFILE, re.MULTILINE)
    assert "sportello ingest /opt/sportello/corpus" in DOCKERFILE


def test_compose_wires_the_services_with_health_checks() -> None:
    services = COMPOSE["services"]
    assert {"api", "worker", "qdrant", "postgres", "redis"} <= set(services)
    assert services["api"]["command"][:3] == ["sportello", "serve", "--no-worker"]
    assert services["worker"]["command"] == ["sportello", "worker", "--concurrency", "4"]
    assert services["migrate"]["command"] == ["sportello", "db", "upgrade"]
    assert services["qdrant"]["image"].startswith("qdrant/qdrant:")
    for name in ("api", "worker", "qdrant", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("api", "worker"):
        conditions = {k: v["condition"] for k, v in services[name]["depends_on"].items()}
        assert conditions["migrate"] == "service_completed_successfully"
        assert conditions["postgres"] == conditions["qdrant"] == "service_healthy"
        assert conditions["redis"] == "service_healthy"
        assert services[name]["env_file"] == ".env"
        environment = services[name]["environment"]
        assert environment["QDRANT_URL"] == "http://qdrant:6333"
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert environment["REDIS_URL"].startswith("redis://redis:")


def compose_command() -> list[str]:
    """`docker compose` (the v2 plugin) or the standalone `docker-compose`."""
    if shutil.which("docker") is None:
        pytest.skip("the docker binary is not installed")
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    if probe.returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("docker has no compose plugin and docker-compose is not installed")


def run_config(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """`config` as a user runs it: compose.yaml beside a .env copied from .env.example."""
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    env = {k: v for k, v in os.environ.items() if k.upper() not in REQUIRED}
    return subprocess.run(
        [*compose_command(), "-f", "compose.yaml", "config"],
        cwd=tmp_path,
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_docker_compose_config_parses_compose_yaml(tmp_path: Path) -> None:
    result = run_config(tmp_path, **REQUIRED)
    assert result.returncode == 0, result.stderr
    parsed = yaml.safe_load(result.stdout)
    api = parsed["services"]["api"]
    assert api["environment"]["SPORTELLO_SECRET"] == REQUIRED["SPORTELLO_SECRET"]
    assert api["environment"]["SPORTELLO_ENV"] == "prod"


def test_docker_compose_refuses_to_start_without_the_secrets(tmp_path: Path) -> None:
    result = run_config(tmp_path)
    assert result.returncode != 0
    assert "set SPORTELLO_SECRET in .env" in result.stderr + result.stdout
