"""The payments vertical."""
