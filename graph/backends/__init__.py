"""The utility's systems as seen by the graph: ports (Protocols) and their adapters."""
