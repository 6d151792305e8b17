"""Reproducible benchmarks of tallyfy-async against raw aiohttp and the official SDK.

Run ``python -m benchmarks``; see ``benchmarks/README.md``. Modules the orchestrator
imports use the standard library only: a client process must be able to hide orjson
before anything imports the SDK.
"""
