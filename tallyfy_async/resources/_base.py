"""What every resource client shares: its scope, its ids, and the one way in.

A resource is built with the organization it serves and a scope (see
:mod:`~tallyfy_async.resources._scopes`). Its methods follow one argument order:
positional arguments are ids, the parents' first (the scope's), then the record's
own; everything else is keyword-only. A method acting on one record also takes the
record's model in place of its ids: a model carries its parents' ids
(``task.run_id``), so ``complete(task)`` and ``complete(task.run_id, task.id)``
name the same task.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from tallyfy_async._routes import Route
from tallyfy_async._serde import Converter
from tallyfy_async._transport import Response, Transfer
from tallyfy_async._unset import UNSET
from tallyfy_async._urls import QueryParams, encode_query
from tallyfy_async.errors import UnexpectedResponseError
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._kinds import INCLUDES, Kind
from tallyfy_async.resources._scopes import ORG, Scope

if TYPE_CHECKING:
    from tallyfy_async.client import OrgClient

T = TypeVar("T")
R = TypeVar("R", bound="Resource")

#: Arguments of a listing that shape the walk, not the query.
_PAGING = frozenset(("per_page", "limit", "concurrency"))


def structure_or_raise(hook: Callable[[Any, Any], T], model: type[T], data: Any) -> T:
    """``data`` as a ``model``, or an :class:`UnexpectedResponseError` saying why not."""
    try:
        return hook(data, model)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnexpectedResponseError(
            f"Tallyfy's answer does not read as a {model.__name__}: {exc}", data
        ) from exc


def _read_dict(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise UnexpectedResponseError(
            f"expected a JSON object in the response's data, got {type(data).__name__}", data
        )
    return data


class Resource:
    """Base of the resource clients.

    Subclasses say where one of their records lives under their scope
    (``records = "/runs/{process_id}"``, whose last placeholder names the record's own
    id) and which model stands for one (``model = Process``).
    """

    #: The path of one record under the scope; children hang from it.
    records: ClassVar[str] = ""
    #: The model of one record; a method acting on one takes it in place of its ids.
    model: ClassVar[type[Any] | None] = None

    def __init__(self, org: OrgClient, scope: Scope = ORG) -> None:
        self._org = org
        #: The organization's id, checked (``OrgClient`` checks it): filled into every path.
        self._org_id = org.org_id
        self._scope = scope
        #: The scope of one record: where the resources attached to a record hang.
        self._record_scope = scope.under(self.records, self.model)
        self._not_options = frozenset(("self", *self._record_scope.parents, *_PAGING))
        #: Per model: the structure hook last seen and the response reader made of it.
        self._readers: dict[type[Any], tuple[object, Callable[[Any], Any]]] = {}

    def __repr__(self) -> str:
        where = "" if self._scope == ORG else f" at {self._scope.path}"
        return f"<{type(self).__name__} of {self._org_id}{where}>"

    @property
    def _converter(self) -> Converter:
        return self._org.client.converter

    # -- ids -----------------------------------------------------------------------------

    def _ids(self, *given: object) -> dict[str, Any]:
        """The path ids of one record (the scope's parents', then its own).

        ``given`` are the method's positional arguments in order: ids, or models
        standing for them (see :meth:`Scope.ids <tallyfy_async.resources._scopes.Scope.ids>`).

        Raises:
            ValueError: an id missing, or a model that does not carry one.
            TypeError: more arguments than ids.
        """
        return self._record_scope.ids(given)

    def _parent_ids(self, *given: object) -> dict[str, Any]:
        """The path ids of the scope (a listing's, a create's), as :meth:`_ids`."""
        return self._scope.ids(given)

    def _record(self, given: object) -> Any:
        """``given`` when it is this resource's model, else None."""
        return given if self.model is not None and isinstance(given, self.model) else None

    # -- what is sent --------------------------------------------------------------------

    def _arguments(
        self, arguments: Mapping[str, Any], skip: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """A method's options from its ``locals()``.

        ``self``, the path ids (named as the scope names them), the paging arguments
        and ``skip`` are left out. A class serving several parents calls its parent's
        id ``parent_id`` and skips it.
        """
        left_out = self._not_options.union(skip) if skip else self._not_options
        return {name: value for name, value in arguments.items() if name not in left_out}

    def _body(
        self,
        kinds: Mapping[str, Kind],
        arguments: Mapping[str, Any],
        *,
        skip: tuple[str, ...] = (),
    ) -> Body:
        """A :class:`Body` of a method's options (its ``locals()``, see :meth:`_arguments`).

        Every option must have a kind in ``kinds``.
        """
        body = Body(self._converter)
        body.put_all(kinds, self._arguments(arguments, skip))
        return body

    def _query(
        self,
        kinds: Mapping[str, Kind],
        arguments: Mapping[str, Any],
        *,
        skip: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Query parameters from a listing's keyword arguments (as :meth:`_body`)."""
        left_out = self._not_options
        for name, value in arguments.items():
            if (
                name not in left_out
                and name not in skip
                and (value is not UNSET or name not in kinds)
            ):
                break
        else:
            return {}  # a read without options, the common case: nothing to check
        options = self._arguments(arguments, skip)
        body = Body(self._converter)
        body.put_all(kinds, options)
        return body.query()

    def _includes(self, with_: object) -> dict[str, Any]:
        """The query of a single read's ``with_`` option (see :meth:`_query`); a read
        without it, the common case, has nothing to check."""
        return {} if with_ is UNSET else self._query(INCLUDES, {"with_": with_})

    def _send(
        self,
        route: Route,
        ids: dict[str, object] | None = None,
        *,
        params: QueryParams | None = None,
        json: Any = None,
        decode: bool = True,
        transfer: Transfer | None = None,
    ) -> Awaitable[Response]:
        # Returns the transport's coroutine rather than awaiting it: a frame fewer.
        return self._org.client._call(
            self._scope.route(route),
            self._org_id,
            ids or {},
            params=params,
            json=json,
            decode=decode,
            transfer=transfer,
        )

    def _url(self, route: Route, ids: dict[str, object]) -> str:
        """The URL ``route`` names for ``ids`` (for an error about it)."""
        path = self._scope.route(route).compile(ids, self._org_id)
        return str(self._org.client._url(path, None))

    def _structure(self, data: Any, model: type[T]) -> T:
        return structure_or_raise(self._converter.get_structure_hook(model), model, data)

    def _item(
        self,
        route: Route,
        model: type[T],
        ids: dict[str, object] | None = None,
        *,
        params: QueryParams | None = None,
        json: Any = None,
    ) -> Awaitable[T]:
        """The call of ``route``, its answer read as ``model``.

        Not a coroutine: the model is made inside the transport's coroutine (``read``),
        so a typed call has one coroutine fewer to resume on every I/O event. It calls
        ``_call`` as :meth:`_send` does, with ``read`` in place of ``decode`` and
        ``transfer`` (which ``_send``'s callers need and a read never takes).
        """
        return self._org.client._call(
            self._scope.route(route),
            self._org_id,
            ids or {},
            params=params,
            json=json,
            read=self._reader(model),
        )

    def _reader(self, model: type[T]) -> Callable[[Any], T]:
        """Reads a response's data as ``model`` with the structure hook in force when the
        call is made; kept per model while that hook stays (not made again per call)."""
        hook = self._converter.get_structure_hook(model)
        known = self._readers.get(model)
        if known is not None and known[0] is hook:
            reader: Callable[[Any], T] = known[1]
            return reader
        reader = functools.partial(structure_or_raise, hook, model)
        self._readers[model] = (hook, reader)
        return reader

    def _raw_item(
        self, route: Route, ids: dict[str, object] | None = None, *, params: QueryParams | None
    ) -> Awaitable[dict[str, Any]]:
        """A single read's record as the dict Tallyfy sent (a ``get(..., raw=True)``)."""
        return self._org.client._call(
            self._scope.route(route), self._org_id, ids or {}, params=params, read=_read_dict
        )

    def _list(
        self,
        route: Route,
        model: type[T],
        arguments: Mapping[str, Any],
        filters: Mapping[str, Kind] | None = None,
        ids: dict[str, object] | None = None,
        *,
        skip: tuple[str, ...] = (),
    ) -> Paginator[T]:
        """A paginator over ``route``, built from a listing's ``locals()``.

        The query holds the filters (checked and named by ``filters``); ``per_page``,
        ``limit`` and ``concurrency`` shape the walk; ``ids`` and ``skip`` are left out
        of the query.
        """
        converter = self._converter
        base = self._query(filters or {}, arguments, skip=(*(ids or ()), *skip))
        if base:
            # Encoded once here for its refusals (a list value with a comma, a blank or an
            # empty list): raised by `.list()` itself, as every other bad filter is, not
            # by the first `await` or `async for` of the walk.
            encode_query(base, converter.unstructure)

        def fetch(page: int, size: int) -> Awaitable[Response]:
            # Undecoded: the paginator decodes each page when the walk reaches it.
            query = {**base, "page": page, "per_page": size}
            return self._send(route, ids, params=query, decode=False)

        return Paginator(
            fetch,
            converter.item_structurer(model),
            per_page=arguments["per_page"],
            limit=arguments["limit"],
            concurrency=arguments["concurrency"],
            model=model,
        )


class Child(Generic[R]):
    """A resource attached to each record of its parent resource.

    One line in the parent: ``tasks = Child(ProcessTasks)`` on ``Processes`` makes
    ``org.processes.tasks``, a ``ProcessTasks`` whose scope is one process
    (``/organizations/{org}/runs/{process_id}``). It is built on first use and kept.

    ``under`` hangs it from the records of another kind instead: it gives the scope
    of those records (``lambda org: org.tags._record_scope``). One resource class then
    serves every kind of record (custom-field values are gathered under
    ``org.custom_fields``).
    """

    def __init__(self, kind: type[R], under: Callable[[OrgClient], Scope] | None = None) -> None:
        self._kind = kind
        self._under = under
        self._name = ""
        self.__doc__ = kind.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, parent: None, owner: type[Any]) -> Child[R]: ...

    @overload
    def __get__(self, parent: Resource, owner: type[Any]) -> R: ...

    def __get__(self, parent: Resource | None, owner: type[Any]) -> Child[R] | R:
        if parent is None:
            return self
        scope = parent._record_scope if self._under is None else self._under(parent._org)
        child = self._kind(parent._org, scope)
        # Kept on the instance: later reads find it there and skip this descriptor.
        parent.__dict__[self._name] = child
        return child
