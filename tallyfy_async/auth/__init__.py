"""Credentials, tokens, token stores and the per-organization token cache.

Each kind of credentials obtains and renews its own tokens (:class:`Credentials`); the
:class:`TokenCache` decides when, refreshes once per organization, and saves every token to a
:class:`TokenStore` before it is used.
"""

from tallyfy_async.auth.browser import BrowserToken
from tallyfy_async.auth.cache import NO_ORG, CredentialsSource, TokenCache
from tallyfy_async.auth.credentials import (
    ApplicationUser,
    ClientCredentials,
    PasswordGrant,
    PersonalAccessToken,
    RefreshToken,
)
from tallyfy_async.auth.flows import Credentials, GrantClient, TokenEndpoint, TokenFlow
from tallyfy_async.auth.tokens import (
    FileTokenStore,
    LockingTokenStore,
    MemoryTokenStore,
    StoredToken,
    Token,
    TokenStore,
    VersionedTokenStore,
)

__all__ = [
    "NO_ORG",
    "ApplicationUser",
    "BrowserToken",
    "ClientCredentials",
    "Credentials",
    "CredentialsSource",
    "FileTokenStore",
    "GrantClient",
    "LockingTokenStore",
    "MemoryTokenStore",
    "PasswordGrant",
    "PersonalAccessToken",
    "RefreshToken",
    "StoredToken",
    "Token",
    "TokenCache",
    "TokenEndpoint",
    "TokenFlow",
    "TokenStore",
    "VersionedTokenStore",
]
