"""The SDK's exceptions: every public one exported, and each survives pickle and deepcopy."""

from __future__ import annotations

import copy
import inspect
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from tallyfy_async import errors, webhooks
from tallyfy_async.errors import NotFoundError, TallyfyError

# How to make one of each kind: keyed by the class whose constructor the others inherit.
SAMPLES: dict[type[BaseException], tuple[tuple[Any, ...], dict[str, Any]]] = {
    errors.APIError: (
        ("Resource not found",),
        {
            "status": 404,
            "method": "GET",
            "url": "https://go.tallyfy.com/api/x",
            "code": "RESOURCE_NOT_FOUND",
            "errors": {"name": ["required"]},
            "request_id": "req-1",
            "body": {"message": "Resource not found"},
            "hint": "check the id",
        },
    ),
    errors.RateLimitError: (
        ("slow down",),
        {"status": 429, "method": "GET", "url": "https://x/y", "retry_after": 3.0},
    ),
    errors.TransportError: (("dropped",), {"method": "GET", "url": "https://x/y"}),
    errors.OutcomeUnknownError: (("dropped",), {"method": "POST", "url": "https://x/y"}),
    errors.FormValuesError: (("Kick-off", ["Amount: required"], ["Amount"]), {}),
    errors.FileTooLargeError: (("too big",), {"size": 3, "limit": 2}),
    errors.UnexpectedResponseError: (("no id",), {"data": {"a": 1}}),
    errors.SignInError: (("declined",), {"error": "access_denied", "description": "no"}),
    webhooks.MissingOrganizationError: ((), {}),
    webhooks.UnexpectedOrganizationError: (("org-b", ["org-a"]), {"detail": ""}),
    webhooks.WebhookTooLargeError: ((2_000_000, 1_000_000), {}),
    webhooks.WebhookDateError: (("02/10/2025 02:30 PM CST", "ambiguous"), {}),
    TallyfyError: (("something went wrong",), {}),
}


def public_classes(module: Any) -> list[type[BaseException]]:
    return [
        value
        for _, value in inspect.getmembers(module, inspect.isclass)
        if issubclass(value, BaseException) and not value.__name__.startswith("_")
    ]


ERROR_CLASSES = public_classes(errors) + [
    cls for cls in public_classes(webhooks) if issubclass(cls, TallyfyError)
]


def sample(cls: type[BaseException]) -> BaseException:
    maker = next(base for base in cls.__mro__ if base in SAMPLES)
    args, kwargs = SAMPLES[maker]
    return cls(*args, **kwargs)


def test_every_exception_class_of_errors_is_in_its_all() -> None:
    defined = {cls.__name__ for cls in public_classes(errors) if cls.__module__ == errors.__name__}
    assert defined - set(errors.__all__) == set()


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("duplicate", [lambda e: pickle.loads(pickle.dumps(e)), copy.deepcopy])
def test_every_error_survives_pickle_and_deepcopy(cls: type[BaseException], duplicate: Any) -> None:
    original = sample(cls)
    original.__notes__ = ["added after it was raised"]
    again = duplicate(original)
    assert type(again) is cls
    assert str(again) == str(original) and again.args == original.args
    assert vars(again) == vars(original)  # every attribute, the notes too


def raise_not_found(number: int) -> None:
    raise NotFoundError(
        "Resource not found", status=404, method="GET", url=f"https://x/{number}", code="X"
    )


def test_a_process_pool_hands_back_the_error_itself() -> None:
    with ProcessPoolExecutor(1) as pool, pytest.raises(NotFoundError) as caught:
        pool.submit(raise_not_found, 7).result()
    assert (caught.value.status, caught.value.url, caught.value.code) == (404, "https://x/7", "X")
