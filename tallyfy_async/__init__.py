"""tallyfy-async: an async-first client for the Tallyfy REST API.

The names most code needs are importable from here. Every other type a signature or a
result shows is importable from a public submodule and listed in its ``__all__``:
``tallyfy_async.models`` (every response model and enumeration), ``tallyfy_async.auth``
(credentials, tokens, stores, the token cache), ``tallyfy_async.pagination``,
``tallyfy_async.testing`` (the fake server and its pytest fixtures), ``tallyfy_async.bulk``
(bulk jobs), ``tallyfy_async.rate`` (the adaptive rate), ``tallyfy_async.notebook``
(listings as tables), ``tallyfy_async.cli`` (the ``tallyfy-async`` command).
"""

from tallyfy_async import bulk, rate
from tallyfy_async._responses import Attempt, Response
from tallyfy_async._serde import RequestDateFormat
from tallyfy_async._unset import UNSET, Unset, UnsetOr
from tallyfy_async._version import __version__
from tallyfy_async.auth.browser import BrowserToken
from tallyfy_async.auth.credentials import (
    ApplicationUser,
    ClientCredentials,
    PasswordGrant,
    PersonalAccessToken,
    RefreshToken,
)
from tallyfy_async.auth.tokens import FileTokenStore, MemoryTokenStore, Token, TokenStore
from tallyfy_async.client import OrgClient, TallyfyClient
from tallyfy_async.config import ConnectionLimits, RetryPolicy, Timeouts
from tallyfy_async.errors import (
    APIError,
    AuthenticationError,
    ClientClosedError,
    ConflictError,
    FileTooLargeError,
    FormValuesError,
    NotFoundError,
    OutcomeUnknownError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    SignInError,
    TallyfyError,
    TokenStoreError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from tallyfy_async.pagination import Page, Paginator

__all__ = [
    "UNSET",
    "APIError",
    "ApplicationUser",
    "Attempt",
    "AuthenticationError",
    "BrowserToken",
    "ClientClosedError",
    "ClientCredentials",
    "ConflictError",
    "ConnectionLimits",
    "FileTokenStore",
    "FileTooLargeError",
    "FormValuesError",
    "MemoryTokenStore",
    "NotFoundError",
    "OrgClient",
    "OutcomeUnknownError",
    "Page",
    "PaginationError",
    "Paginator",
    "PasswordGrant",
    "PermissionDeniedError",
    "PersonalAccessToken",
    "RateLimitError",
    "RefreshToken",
    "RequestDateFormat",
    "Response",
    "RetryPolicy",
    "ServerError",
    "SignInError",
    "TallyfyClient",
    "TallyfyError",
    "Timeouts",
    "Token",
    "TokenStore",
    "TokenStoreError",
    "TransportError",
    "UnexpectedResponseError",
    "Unset",
    "UnsetOr",
    "ValidationError",
    "__version__",
    "bulk",
    "rate",
]
