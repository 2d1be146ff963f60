# syntax=docker/dockerfile:1
# Sportello: one image for every process (`sportello serve`, `sportello worker`, one-off jobs
# such as `sportello db upgrade` and `sportello ingest`). Alone it runs the embedded default
# (Qdrant Edge + SQLite in /data, the bundled corpus ingested at build time):
#   docker build -t sportello . && docker run -p 8000:8000 -e SPORTELLO_SECRET=... sportello
# With compose.yaml it runs against Qdrant, PostgreSQL and Redis servers (README "Production").

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- build: a virtualenv
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install --upgrade pip setuptools wheel
# The CPU build of the pinned torch first (pyproject pins torch==2.13.0, which 2.13.0+cpu
# satisfies): from PyPI alone, unstructured[pdf] would pull CUDA builds and ~4 GB of wheels.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY pyproject.toml README.md /src/
COPY api /src/api
COPY graph /src/graph
COPY knowledge /src/knowledge
COPY ingest /src/ingest
COPY evals /src/evals
RUN pip install /src

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE}
# fonts-dejavu-core: DejaVuSans(-Bold).ttf in /usr/share/fonts/truetype/dejavu, which the demo
# backend's bill PDFs use (graph/backends/bill_pdf.py; without them: Latin-1 core fonts).
# libgl1, libglib2.0-0: OpenCV, imported by unstructured when partitioning PDFs.
# libmagic1: file type detection in unstructured.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-dejavu-core libgl1 libglib2.0-0 libmagic1 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 sportello \
    && useradd --system --uid 10001 --gid sportello --create-home --home-dir /home/sportello sportello \
    && mkdir -p /data \
    && chown sportello:sportello /data
COPY --from=build /opt/venv /opt/venv
COPY --chown=sportello:sportello knowledge/corpus /opt/sportello/corpus
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DO_NOT_TRACK=1 \
    UNSTRUCTURED_DISABLE_NOTICE=1 \
    RAGAS_DO_NOT_TRACK=true \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TIKTOKEN_CACHE_DIR=/home/sportello/.cache/tiktoken \
    SPORTELLO_DATA_DIR=/data \
    API_HOST=0.0.0.0 \
    API_PORT=8000
USER sportello
WORKDIR /home/sportello
# The embedded default works with zero steps: schema migrated, corpus ingested (Qdrant Edge
# + SQLite in /data). With QDRANT_URL and DATABASE_URL these are one-off jobs instead.
# No secret is baked in: SPORTELLO_SECRET comes from the environment (required in prod).
RUN sportello db upgrade \
    && sportello ingest /opt/sportello/corpus \
    && rm -f /data/secret.key
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('API_PORT', '8000'), timeout=4)"]
CMD ["sportello", "serve"]
