"""Offline and judged evaluations of answers, routing and tool use."""
