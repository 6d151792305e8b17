"""tallyfy-async: an async-first client for the Tallyfy REST API."""

from tallyfy_async._version import __version__

__all__ = ["__version__"]
