"""Custom fields (``org.custom_fields``): the keys, and their values on every kind of record.

The values of one kind of record are one :class:`CustomFieldValues`, built with the
scope of those records: the ten kinds differ only in their paths
(``/runs/{process_id}/custom-fields``, ``/tags/{tag_id}/custom-fields``...).
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.blueprints import Blueprint
from tallyfy_async.models.custom_fields import (
    AppliesTo,
    CustomFieldKey,
    CustomFieldType,
    KeyType,
)
from tallyfy_async.models.folders import Folder
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.models.people import Guest, User
from tallyfy_async.models.processes import Process
from tallyfy_async.models.steps import Step
from tallyfy_async.models.tags import Tag
from tallyfy_async.models.tasks import Task
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Child, Resource
from tallyfy_async.resources._custom_values import StaleKey, decode, encode
from tallyfy_async.resources._scopes import ORG, Scope

if TYPE_CHECKING:
    from tallyfy_async.client import OrgClient

LIST_KEYS: Final = Route("GET", "/custom-field-keys")
CREATE_KEY: Final = Route("POST", "/custom-field-keys")
UPDATE_KEY: Final = Route("PUT", "/custom-field-keys/{key_id}")
DELETE_KEY: Final = Route("DELETE", "/custom-field-keys/{key_id}")
# Written from the record's scope (``.../runs/{process_id}``).
READ_VALUES: Final = Route("GET", "/custom-fields")
REPLACE_VALUES: Final = Route("PUT", "/custom-fields")
SET_VALUE: Final = Route("PATCH", "/custom-fields/{key}")
REMOVE_VALUE: Final = Route("DELETE", "/custom-fields/{key}")

#: The kind of record a scope's records are, by the collection its path names last.
APPLIES_TO: Final = {
    "runs": AppliesTo.PROCESS,
    "tasks": AppliesTo.TASK,
    "users": AppliesTo.MEMBER,
    "guests": AppliesTo.GUEST,
    "folders": AppliesTo.FOLDER,
    "tags": AppliesTo.TAG,
    "checklists": AppliesTo.BLUEPRINT,
    "steps": AppliesTo.STEP,
    "captures": AppliesTo.FORM_FIELD,
    "preruns": AppliesTo.KICKOFF_FIELD,
}
#: Records on the blueprint side: their values are saved whole (no PATCH or DELETE of
#: one value), since a blueprint is copied when a process launches from it.
SAVED_WHOLE: Final = frozenset(
    (AppliesTo.BLUEPRINT, AppliesTo.STEP, AppliesTo.FORM_FIELD, AppliesTo.KICKOFF_FIELD)
)

APPLIES_TO_VALUES: Final = frozenset(member.value for member in AppliesTo)
FIELD_TYPES: Final = frozenset(member.value for member in CustomFieldType)
KEY_FILTERS: Final = {
    "applies_to": kinds.Choice(choices=APPLIES_TO_VALUES),
    "key_type": kinds.Choice(choices=frozenset(member.value for member in KeyType)),
    "field_type": kinds.Choice(choices=FIELD_TYPES),
    **kinds.flags("is_required", "is_active"),
    "q": kinds.TEXT,
    "sort_by": kinds.TEXT,
    "sort_direction": kinds.Choice(choices=frozenset(("asc", "desc"))),
}
KEY_FIELDS: Final = {
    "key": kinds.Text(required=True),
    "applies_to": kinds.Choice(choices=APPLIES_TO_VALUES, required=True),
    "field_type": kinds.Choice(choices=FIELD_TYPES, required=True),
    **kinds.flags("is_required", "is_active"),
    "options": kinds.ListOf(item=str),
    "columns": kinds.ListOf(item=str),
}
KEY_SETTINGS: Final = kinds.flags("is_required", "is_active")

#: The model of the record the values are on.
M = TypeVar("M")
#: A record's path ids, or its model.
RecordId = str | int


class CustomFieldValues(Resource, Generic[M]):
    """The custom-field values of one kind of record (``org.custom_fields.processes``...).

    Every method takes the record's path ids, its parents' first (``process_id,
    task_id`` for a task), or its model (a :class:`~tallyfy_async.models.tasks.Task`
    carries both). Values are typed by their key's field type both ways: a write takes
    ``str`` (text, textarea, email, an absolute http(s) url, one of the options of a
    radio or dropdown), ``int`` or ``float`` (number), ``bool`` (boolean), an aware
    ``datetime`` or a ``date`` (date), a list of options (multiselect), rows of one cell
    per column or dicts by column name (table); a read gives the same types, dates as
    aware UTC datetimes. A value of the wrong type, a key that does not apply to this
    kind of record, or a system key written is refused before anything is sent.

    The keys are read once (``GET .../custom-field-keys?applies_to=...``) and kept: a
    key's type never changes. A key or an option not found is read again before it is
    refused.
    """

    @property
    def applies_to(self) -> AppliesTo:
        """The kind of record these values are on, from the scope's path."""
        return APPLIES_TO[self._scope.path.rsplit("/", 2)[-2]]

    async def get(self, *record_ids: RecordId | M) -> dict[str, Any]:
        """Read a record's values: ``GET .../custom-fields``.

        Members and guests carry their values only here; the other records also carry
        them as sent, untyped, in their ``custom_fields``.

        Args:
            record_ids: the record's ids (parents first), or its model.

        Returns:
            ``{key: value}``, each value typed by its key (a date is an aware datetime,
            a number a number); system keys included.

        Raises:
            ValueError, TypeError: missing or extra ids (nothing is sent).
            NotFoundError: no such record.
        """
        ids = self._scope.ids(record_ids)
        response = await self._send(READ_VALUES, ids)
        return await self._typed(response.data)

    async def replace(
        self, *record_ids: RecordId | M, values: Mapping[str | CustomFieldKey, Any]
    ) -> dict[str, Any]:
        """Replace every value of a record: ``PUT .../custom-fields``.

        **Every key left out is cleared** (a value of None is left out too), system keys
        aside, which Tallyfy keeps. A required key must be given: Tallyfy answers 422,
        a :class:`~tallyfy_async.ValidationError` naming it.

        Args:
            record_ids: the record's ids (parents first), or its model.
            values: ``{key: value}``; a key is its name or the :class:`CustomFieldKey`.

        Returns:
            The record's values afterwards, typed.

        Raises:
            TypeError, ValueError: a value of the wrong type for its key, an unknown key,
                a system key (nothing is sent).
            ValidationError: a required key missing (422).
        """
        ids = self._scope.ids(record_ids)
        return await self._put(ids, await self._encoded(values))

    async def set(
        self, *record_ids: RecordId | M, key: str | CustomFieldKey, value: Any
    ) -> dict[str, Any]:
        """Set one value, leaving the others: ``PATCH .../custom-fields/{key}``.

        Blueprints, steps, form fields and kick-off fields take no single-value write:
        for them the values are read and all sent back with this one changed (two
        requests; a change made by someone else between them can be overwritten).

        Args:
            record_ids: the record's ids (parents first), or its model.
            key: the key's name, or the :class:`CustomFieldKey`.
            value: typed as the key says (see :meth:`replace`); use :meth:`remove` to
                clear it.

        Returns:
            The record's values afterwards, typed.

        Raises:
            TypeError, ValueError: a value of the wrong type, an unknown or system key,
                None (nothing is sent).
        """
        ids = self._scope.ids(record_ids)
        if value is None:
            raise ValueError("set(value=None) would store nothing: remove() clears a value")
        [(name, wire)] = (await self._encoded({key: value})).items()
        if self.applies_to in SAVED_WHOLE:
            return await self._put(ids, {**await self._writable(ids), name: wire})
        response = await self._send(SET_VALUE, {**ids, "key": name}, json={"value": wire})
        return await self._typed(response.data)

    async def remove(self, *record_ids: RecordId | M, key: str | CustomFieldKey) -> None:
        """Clear one value: ``DELETE .../custom-fields/{key}``.

        Blueprints, steps, form fields and kick-off fields take no single-value delete:
        for them the values are read and sent back without this one (two requests).

        Args:
            record_ids: the record's ids (parents first), or its model.
            key: the key's name, or the :class:`CustomFieldKey`.

        Raises:
            ValueError: an unknown key, or a system key (Tallyfy's own; Tallyfy answers
                403): nothing is sent.
            NotFoundError: no such record.
        """
        ids = self._scope.ids(record_ids)
        definition = await self._definition(key)
        self._writes(definition)
        if self.applies_to in SAVED_WHOLE:
            current = await self._writable(ids)
            current.pop(definition.key, None)
            await self._put(ids, current)
        else:
            await self._send(REMOVE_VALUE, {**ids, "key": definition.key})

    # -- keys and types ------------------------------------------------------------------

    @property
    def _keys(self) -> CustomFields:
        return self._org.custom_fields

    async def _definition(
        self, key: str | CustomFieldKey, *, fresh: bool = False
    ) -> CustomFieldKey:
        if isinstance(key, CustomFieldKey):
            if key.applies_to not in (None, self.applies_to):
                raise ValueError(
                    f"custom field {key.key!r} applies to {key.applies_to}, not to "
                    f"{self.applies_to} records"
                )
            return key
        if not isinstance(key, str):
            raise TypeError(f"a key is its name (str) or a CustomFieldKey, got {key!r:.60}")
        known = await self._keys._definitions(self.applies_to, fresh=fresh)
        if key not in known and not fresh:
            return await self._definition(key, fresh=True)
        if key not in known:
            names = ", ".join(sorted(known)) or "none"
            raise ValueError(
                f"no custom-field key {key!r} applies to {self.applies_to} records "
                f"(the keys are: {names})"
            )
        return known[key]

    def _writes(self, key: CustomFieldKey) -> None:
        if key.key_type is KeyType.SYSTEM:
            raise ValueError(
                f"custom field {key.key!r} is a system key: Tallyfy manages its value; it "
                "can be read, never written or removed"
            )

    async def _encoded(self, values: Mapping[str | CustomFieldKey, Any]) -> dict[str, Any]:
        if not isinstance(values, Mapping):
            raise TypeError(f"values must be a mapping of key to value, got {values!r:.60}")
        encoded = {}
        for key, value in values.items():
            definition = await self._definition(key)
            self._writes(definition)
            if value is None:
                continue  # left out: a replace clears it
            try:
                encoded[definition.key] = encode(definition, value)
            except StaleKey:
                if isinstance(key, CustomFieldKey):
                    raise
                # Options may have changed since the keys were read: read them again.
                encoded[definition.key] = encode(await self._definition(key, fresh=True), value)
        return encoded

    async def _typed(self, values: Any) -> dict[str, Any]:
        if not isinstance(values, dict):
            return {}
        known = await self._keys._definitions(self.applies_to)
        unread = self._keys._unknown.setdefault(self.applies_to, set())
        if any(name not in known and name not in unread for name in values):
            # A key created since the keys were read; one that stays unknown after a fresh
            # read (its key deleted) is not read for again, and comes back as sent.
            known = await self._keys._definitions(self.applies_to, fresh=True)
            unread.update(name for name in values if name not in known)
        return {name: decode(known.get(name), value) for name, value in values.items()}

    async def _put(self, ids: dict[str, Any], wire: dict[str, Any]) -> dict[str, Any]:
        """Send every value (already encoded) of a record, and read back what is stored."""
        response = await self._send(REPLACE_VALUES, ids, json={"custom_fields": wire})
        return await self._typed(response.data)

    async def _writable(self, ids: dict[str, Any]) -> dict[str, Any]:
        """A record's values as they are sent, system keys left out (a PUT keeps them)."""
        response = await self._send(READ_VALUES, ids)
        values = response.data if isinstance(response.data, dict) else {}
        known = await self._keys._definitions(self.applies_to)
        return {
            name: value
            for name, value in values.items()
            if value is not None and not (name in known and known[name].key_type is KeyType.SYSTEM)
        }


def _guests(org: OrgClient) -> Scope:
    # Guests' values are addressed by guest code (the guest's id), not by email as the
    # guests' own routes are: a Guest stands for its id here.
    return ORG.under("/guests/{guest_code}", Guest)


def _process_tasks(org: OrgClient) -> Scope:
    return org.processes.tasks._record_scope


class CustomFields(Resource):
    """Custom fields of one organization (``org.custom_fields``): keys and values.

    Custom fields are metadata about a record (a cost center on a process), not the
    form fields people fill in. Administrators define *keys* here (:meth:`list`,
    :meth:`create`...); each kind of record holds *values* for the keys that apply to
    it, in the attribute named after it::

        await org.custom_fields.processes.set(process_id, key="cost_center", value="CC-1")
        await org.custom_fields.tasks.get(process_id, task_id)
        await org.custom_fields.members.replace(user_id, values={"region": "EMEA"})

    Attributes:
        processes: values on processes (``/runs/{process_id}``).
        tasks: values on tasks of processes (``/runs/{process_id}/tasks/{task_id}``).
        members: values on members (``/users/{user_id}``).
        guests: values on guests, by guest code, the guest's id (``/guests/{guest_code}``).
        folders: values on folders.
        tags: values on tags.
        blueprints: values on blueprints (saved whole).
        steps: values on blueprint steps (saved whole).
        form_fields: values on step form fields (saved whole).
        kickoff_fields: values on kick-off fields (saved whole).
    """

    records = "/custom-field-keys/{key_id}"
    model = CustomFieldKey

    processes = Child(CustomFieldValues[Process], lambda org: org.processes._record_scope)
    tasks = Child(CustomFieldValues[Task], _process_tasks)
    members = Child(CustomFieldValues[User], lambda org: org.members._record_scope)
    guests = Child(CustomFieldValues[Guest], _guests)
    folders = Child(CustomFieldValues[Folder], lambda org: org.folders._record_scope)
    tags = Child(CustomFieldValues[Tag], lambda org: org.tags._record_scope)
    blueprints = Child(CustomFieldValues[Blueprint], lambda org: org.blueprints._record_scope)
    steps = Child(CustomFieldValues[Step], lambda org: org.steps._record_scope)
    form_fields = Child(CustomFieldValues[FormField], lambda org: org.form_fields._record_scope)
    kickoff_fields = Child(
        CustomFieldValues[FormField],
        lambda org: org.blueprints._record_scope.under("/preruns/{field_id}", FormField),
    )

    def __init__(self, org: OrgClient, scope: Scope = ORG) -> None:
        super().__init__(org, scope)
        self._known: dict[AppliesTo, dict[str, CustomFieldKey]] = {}
        self._reads: dict[AppliesTo, int] = {}
        self._reading = asyncio.Lock()
        #: Names found on records that no key of the kind had at its last fresh read.
        self._unknown: dict[AppliesTo, set[str]] = {}

    def list(
        self,
        *,
        applies_to: UnsetOr[AppliesTo | str] = UNSET,
        key_type: UnsetOr[KeyType | str] = UNSET,
        field_type: UnsetOr[CustomFieldType | str] = UNSET,
        is_required: UnsetOr[bool] = UNSET,
        is_active: UnsetOr[bool] = UNSET,
        q: UnsetOr[str] = UNSET,
        sort_by: UnsetOr[str] = UNSET,
        sort_direction: UnsetOr[str] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[CustomFieldKey]:
        """List keys: ``GET /organizations/{org}/custom-field-keys``.

        Args:
            applies_to: the :class:`AppliesTo` kind of record.
            key_type: ``custom`` or ``system``.
            field_type: a :class:`CustomFieldType`.
            is_required: only required keys (True) or only optional ones.
            is_active: only active keys (True) or only inactive ones.
            q: text the key contains.
            sort_by: a field to sort by; ``sort_direction`` ``asc`` or ``desc``.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many keys.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`CustomFieldKey`.

        Raises:
            TypeError, ValueError: an unknown kind, type or direction (nothing is sent).
        """
        return self._list(LIST_KEYS, CustomFieldKey, locals(), KEY_FILTERS)

    async def create(
        self,
        *,
        key: str,
        applies_to: AppliesTo | str,
        field_type: CustomFieldType | str,
        is_required: UnsetOr[bool] = UNSET,
        is_active: UnsetOr[bool] = UNSET,
        options: UnsetOr[Sequence[str]] = UNSET,
        columns: UnsetOr[Sequence[str]] = UNSET,
    ) -> CustomFieldKey:
        """Define a key (administrators only): ``POST .../custom-field-keys``.

        ``key``, ``applies_to`` and ``field_type`` cannot change afterwards.

        Args:
            key: the key's name (``cost_center``).
            applies_to: the :class:`AppliesTo` kind of record.
            field_type: the :class:`CustomFieldType` of its values.
            is_required: a replace of a record's values must give it.
            is_active: whether it is in use.
            options: the choices of a radio, dropdown or multiselect key (required there).
            columns: the column names of a table key (required there).

        Returns:
            The new :class:`CustomFieldKey`.

        Raises:
            TypeError, ValueError: an unknown kind or type, choices missing or misplaced
                (nothing is sent).
            PermissionDeniedError: the user is not an administrator.
            ValidationError: the key exists (422).
        """
        body = self._body(KEY_FIELDS, locals())
        kind = CustomFieldType(body["field_type"])
        choosing = kind in (
            CustomFieldType.RADIO,
            CustomFieldType.DROPDOWN,
            CustomFieldType.MULTISELECT,
        )
        for name, needed in (("options", choosing), ("columns", kind is CustomFieldType.TABLE)):
            if needed and not body.get(name):
                raise ValueError(f"a {kind} key needs {name}")
            if not needed and name in body:
                raise ValueError(f"a {kind} key takes no {name}")
        created = await self._item(CREATE_KEY, CustomFieldKey, json=body.json())
        self._forget(created)
        return created

    async def update(
        self,
        key_id: str | CustomFieldKey,
        /,
        *,
        is_required: UnsetOr[bool] = UNSET,
        is_active: UnsetOr[bool] = UNSET,
    ) -> CustomFieldKey:
        """Change a key's settings: ``PUT .../custom-field-keys/{key_id}``.

        Only these two settings can change. Tallyfy documents this operation but not
        its path; the path used is the one its API's conventions give, unconfirmed.

        Raises:
            NotFoundError: no such key.
            PermissionDeniedError: the user is not an administrator.
        """
        body = self._body(KEY_SETTINGS, locals())
        updated = await self._item(UPDATE_KEY, CustomFieldKey, self._ids(key_id), json=body.json())
        self._forget(updated)
        return updated

    async def delete(self, key_id: str | CustomFieldKey, /) -> None:
        """Delete a key and its values (administrators only):
        ``DELETE .../custom-field-keys/{key_id}``.

        Tallyfy documents this operation but not its path; the path used is the one its
        API's conventions give, unconfirmed.

        Raises:
            NotFoundError: no such key.
            PermissionDeniedError: the user is not an administrator.
        """
        await self._send(DELETE_KEY, self._ids(key_id))
        self._known.clear()

    async def _definitions(
        self, applies_to: AppliesTo, *, fresh: bool = False
    ) -> builtins.dict[str, CustomFieldKey]:
        """The keys that apply to one kind of record, by name: read once, then kept (a
        key's type never changes); ``fresh`` reads them again."""
        seen = self._reads.get(applies_to, 0)
        async with self._reading:
            # Callers that asked for a fresh read while another one ran take its result:
            # a thousand concurrent writes make one read.
            if applies_to not in self._known or (fresh and self._reads.get(applies_to, 0) == seen):
                keys = await self.list(applies_to=applies_to).to_list()
                self._known[applies_to] = {key.key: key for key in keys}
                self._reads[applies_to] = seen + 1
            return self._known[applies_to]

    def _forget(self, key: CustomFieldKey) -> None:
        if key.applies_to is not None:
            self._known.pop(key.applies_to, None)


__all__ = ["CustomFieldValues", "CustomFields", "RecordId"]
