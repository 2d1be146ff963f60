"""The contracts vertical."""
