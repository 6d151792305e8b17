"""Credentials, tokens and the per-organization token cache."""
