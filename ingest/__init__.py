"""Ingestion for knowledge managers: partition, chunk, embed and upsert documents, versioned."""

import knowledge  # noqa: F401  (applies the offline defaults before unstructured is imported)
