"""Sportello's knowledge base: documents, embeddings, Qdrant storage and hybrid retrieval."""

from knowledge.offline import apply_offline_defaults

# Importing the package is enough to make it offline-safe (no telemetry, no hub, tiktoken primed).
apply_offline_defaults()
