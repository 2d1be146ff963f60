"""The self_reading vertical."""
