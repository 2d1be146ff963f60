"""The vertical agents, one package each; they never import one another."""
