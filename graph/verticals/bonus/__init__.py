"""The bonus vertical."""
