"""The instalments vertical."""
