"""The outage vertical."""
