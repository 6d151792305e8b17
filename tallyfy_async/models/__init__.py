"""Typed response models, one module per API area."""
