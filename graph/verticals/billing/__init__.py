"""The billing vertical."""
