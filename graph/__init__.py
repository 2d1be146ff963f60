"""The conversation graph: supervisor, policy, verticals and their backends."""
