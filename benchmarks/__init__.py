"""Scripts that print numbers: retrieval quality, search latency, ingestion throughput."""
