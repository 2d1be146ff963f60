"""The onboarding vertical."""
