"""Every type a user meets in a public signature or result is importable from a public module.

The walk starts at the names ``tallyfy_async`` exports and follows every public method's
parameters and return type, every property, every resource an ``OrgClient`` offers and every
field of every attrs class it reaches. Each class of the SDK found that way must be listed in
the ``__all__`` of a public module (a module path with no part starting with ``_``). The
examples import public names only.
"""

from __future__ import annotations

import ast
import enum
import functools
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

import tallyfy_async
import tallyfy_async.models
import tallyfy_async.testing
from tallyfy_async.resources._base import Child, Resource

ROOT = Path(__file__).resolve().parents[1]

#: Types a public signature still shows under a private name. Each entry is a gap to close;
#: the test fails once one of them becomes public, so the list only shrinks.
NOT_YET_PUBLIC: set[str] = set()


def public_modules() -> Iterator[types.ModuleType]:
    for info in pkgutil.walk_packages(tallyfy_async.__path__, "tallyfy_async."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        if info.name in ("tallyfy_async.testing.plugin",):  # a pytest plugin, not an API
            continue
        yield importlib.import_module(info.name)
    yield tallyfy_async


def exported() -> dict[int, list[str]]:
    """id(object) -> the public ``module.name`` spellings that export it."""
    found: dict[int, list[str]] = {}
    for module in public_modules():
        for name in getattr(module, "__all__", ()):
            found.setdefault(id(getattr(module, name)), []).append(f"{module.__name__}.{name}")
    return found


def classes_in(annotation: Any) -> Iterator[type]:
    """The classes an annotation names, through unions, generics and aliases."""
    if isinstance(annotation, type) and not isinstance(annotation, types.GenericAlias):
        yield annotation
    for argument in typing.get_args(annotation):
        if isinstance(argument, list):  # Callable[[A, B], R]
            for item in argument:
                yield from classes_in(item)
        else:
            yield from classes_in(argument)
    origin = typing.get_origin(annotation)
    if isinstance(origin, type):
        yield origin


def hints(function: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function)
    except (NameError, TypeError):  # a builtin, or a name only TYPE_CHECKING imports
        module = importlib.import_module(function.__module__)
        namespace = {**vars(typing), **vars(tallyfy_async), **vars(module)}
        return typing.get_type_hints(function, globalns=namespace)


def members(cls: type, constructed: bool) -> Iterator[Any]:
    """Annotated things a user reaches on a class: methods, properties, attrs fields, and
    the constructor of a class users build themselves (``constructed``)."""
    if attrs.has(cls):
        yield from (f.type for f in attrs.fields(cls) if not f.name.startswith("_"))
        yield from hints(cls).values()
    dunders = (
        ("__init__", "__aenter__", "__await__") if constructed else ("__aenter__", "__await__")
    )
    for name, value in inspect.getmembers(cls):
        if name.startswith("_") and name not in dunders:
            continue
        if isinstance(value, property) and value.fget is not None:
            yield from hints(value.fget).values()
        elif isinstance(value, functools.cached_property):
            yield from hints(value.func).values()
        elif isinstance(value, Child):  # org.processes.tasks: a resource under a resource
            yield value._kind
        elif inspect.isfunction(value) or inspect.ismethod(value):
            yield from hints(value).values()


def reachable() -> set[type]:
    start = [
        getattr(module, name)
        for module in (tallyfy_async, tallyfy_async.models, tallyfy_async.testing)
        for name in module.__all__
    ]
    # Classes the SDK builds and hands out (resources) have constructors users never call.
    public = exported()
    seen: set[type] = set()
    todo = [item for item in start if isinstance(item, type)]
    while todo:
        cls = todo.pop()
        if cls in seen or not cls.__module__.startswith("tallyfy_async"):
            continue
        seen.add(cls)
        if issubclass(cls, BaseException | enum.Enum):
            continue
        # Resources are built by the SDK (``org.tasks``); users never call their constructor.
        constructed = id(cls) in public and not issubclass(cls, Resource)
        for annotation in members(cls, constructed=constructed):
            todo.extend(classes_in(annotation))
    return seen


def test_every_type_a_user_meets_is_importable_from_a_public_module() -> None:
    public = exported()
    private = sorted(
        f"{cls.__module__}.{cls.__qualname__}" for cls in reachable() if id(cls) not in public
    )
    assert set(private) - NOT_YET_PUBLIC == set(), (
        "types met in public signatures or results but not in a public __all__:\n"
        + "\n".join(private)
    )
    closed = NOT_YET_PUBLIC - set(private)
    assert not closed, f"now public: remove from NOT_YET_PUBLIC: {sorted(closed)}"


def test_the_walk_reaches_deep_types() -> None:
    # Guards the walk itself: these are only reachable through signatures and fields.
    names = {cls.__name__ for cls in reachable()}
    assert {"Page", "Paginator", "Task", "Owners", "StepDeadline", "Blueprints"} <= names
    assert {"ProcessTasks", "TaskComments", "Automations", "Unset"} <= names
    assert {"AutomationCondition", "Response", "Attempt", "LoggedRequest"} <= names


def test_every_all_names_what_its_module_has() -> None:
    for module in public_modules():
        names = getattr(module, "__all__", ())
        missing = [name for name in names if not hasattr(module, name)]
        assert missing == [], f"{module.__name__}.__all__ names what it lacks: {missing}"


def test_models_are_all_exported_from_tallyfy_async_models() -> None:
    from tallyfy_async.models._base import Model

    def every(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    models = {cls for cls in every(Model) if cls.__module__.startswith("tallyfy_async.models")}
    assert models
    assert {cls.__name__ for cls in models} <= set(tallyfy_async.models.__all__)


def test_examples_import_public_names_only() -> None:
    for path in sorted((ROOT / "examples").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tallyfy"):
                assert not any(p.startswith("_") for p in (node.module or "").split(".")), (
                    f"{path.name} imports from {node.module}"
                )
                assert not any(alias.name.startswith("_") for alias in node.names), path.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert not any(p.startswith("_") for p in alias.name.split(".")), path.name
