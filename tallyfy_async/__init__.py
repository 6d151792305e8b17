"""tallyfy-async: an async-first client for the Tallyfy REST API.

The public names are the ones below; everything else is private or lives in a
submodule (``tallyfy_async.testing`` for the fake server).
"""

from tallyfy_async._serde import RequestDateFormat
from tallyfy_async._transport import Attempt, Response
from tallyfy_async._unset import UNSET, Unset, UnsetOr
from tallyfy_async._version import __version__
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
    FormValuesError,
    NotFoundError,
    OutcomeUnknownError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TallyfyError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)

__all__ = [
    "UNSET",
    "APIError",
    "ApplicationUser",
    "Attempt",
    "AuthenticationError",
    "ClientClosedError",
    "ClientCredentials",
    "ConflictError",
    "ConnectionLimits",
    "FileTokenStore",
    "FormValuesError",
    "MemoryTokenStore",
    "NotFoundError",
    "OrgClient",
    "OutcomeUnknownError",
    "PaginationError",
    "PasswordGrant",
    "PermissionDeniedError",
    "PersonalAccessToken",
    "RateLimitError",
    "RefreshToken",
    "RequestDateFormat",
    "Response",
    "RetryPolicy",
    "ServerError",
    "TallyfyClient",
    "TallyfyError",
    "Timeouts",
    "Token",
    "TokenStore",
    "TransportError",
    "UnexpectedResponseError",
    "Unset",
    "UnsetOr",
    "ValidationError",
    "__version__",
]
