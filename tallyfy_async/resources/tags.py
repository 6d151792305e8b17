"""Tags (``org.tags``), and attaching them to blueprints and processes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.blueprints import Blueprint
from tallyfy_async.models.processes import Process
from tallyfy_async.models.tags import Tag, TagAssociation, TagSubject, TagType
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._body import Body
from tallyfy_async.resources._checks import expect, int_id, one_subject

LIST_TAGS: Final = Route("GET", "/tags")
CREATE_TAG: Final = Route("POST", "/tags")
GET_TAG: Final = Route("GET", "/tags/{tag_id}")
UPDATE_TAG: Final = Route("PUT", "/tags/{tag_id}")
DELETE_TAG: Final = Route("DELETE", "/tags/{tag_id}")
ATTACH_TAG: Final = Route("POST", "/checklists/tags")
DETACH_TAG: Final = Route("DELETE", "/checklists/tags/{association_id}")

TITLE_MAX: Final = 30
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def _color(name: str, value: Any) -> str:
    expect(name, value, str)
    if not _COLOR.fullmatch(value):
        raise ValueError(f"{name} must be a color written #rrggbb (7 characters), got {value!r}")
    return str(value)


#: The fields of a tag's create and update (Tallyfy requires the title on both).
TAG_FIELDS: Final = {
    "title": kinds.Text(required=True, max_len=TITLE_MAX),
    "color": kinds.Checked(function=_color),
}
TAG_FILTERS: Final = {
    "q": kinds.TEXT,
    # Tallyfy compares it with the string "true": a bool is sent as that literal.
    "all": kinds.FLAG,
    "auto_generated": kinds.FLAG,
    "status": kinds.TEXT,
    "with_": kinds.WITH,
    "sort": kinds.TEXT,
}
UPDATE_FIELDS: Final = kinds.merged(TAG_FIELDS, title=kinds.Text(filled=True, max_len=TITLE_MAX))
ATTACH_FIELDS: Final = {
    "subject_id": kinds.Text(required=True),
    "subject_type": kinds.Choice(choices=frozenset(m.value for m in TagSubject), required=True),
    "tag_id": kinds.Text(required=True),
    "tag_type": kinds.Choice(choices=frozenset(m.value for m in TagType)),
}


class Tags(Resource):
    """The tags of one organization (``org.tags``), and their attachments.

    A tag attached to a blueprint or a process is an *association* with an integer id
    (:class:`~tallyfy_async.models.tags.TagAssociation`): :meth:`attach` returns it, a
    record read with ``with_="tags"`` lists them, :meth:`detach` takes one. Custom-field
    values of tags are in ``org.custom_fields.tags``.
    """

    records = "/tags/{tag_id}"
    model = Tag

    def list(
        self,
        *,
        q: UnsetOr[str] = UNSET,
        all: UnsetOr[bool] = UNSET,
        auto_generated: UnsetOr[bool] = UNSET,
        status: UnsetOr[str] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        sort: UnsetOr[str] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Tag]:
        """List tags: ``GET /organizations/{org}/tags``.

        Tallyfy's own tags (titles starting ``from:``, ``task:`` or ``step:``) are left
        out unless ``all=True``.

        Args:
            q: text the title contains.
            all: True to list Tallyfy's auto-generated tags too.
            auto_generated: only auto-generated tags (True) or only the others (False).
            status: a status filter, as Tallyfy names it.
            with_: ``"statistics"`` to count what each tag is attached to.
            sort: ``title`` or ``created_at``, ``-field`` for descending.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many tags.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Tag`.

        Raises:
            TypeError: a filter of the wrong type (nothing is sent).
        """
        return self._list(LIST_TAGS, Tag, locals(), TAG_FILTERS)

    @overload
    async def get(
        self,
        tag_id: str | Tag,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[False] = False,
    ) -> Tag: ...

    @overload
    async def get(
        self,
        tag_id: str | Tag,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        raw: Literal[True],
    ) -> dict[str, Any]: ...

    async def get(
        self,
        tag_id: str | Tag,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        raw: bool = False,
    ) -> Tag | dict[str, Any]:
        """Read a tag: ``GET /organizations/{org}/tags/{tag_id}``.

        Args:
            tag_id: the tag's id, or the :class:`Tag`.
            with_: ``"statistics"`` to count what it is attached to.
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Tag`; its dict with ``raw=True``.

        Raises:
            NotFoundError: no such tag.
        """
        params = self._includes(with_)
        if raw:
            return await self._raw_item(GET_TAG, self._ids(tag_id), params=params)
        return await self._item(GET_TAG, Tag, self._ids(tag_id), params=params)

    async def create(self, *, title: str, color: UnsetOr[str] = UNSET) -> Tag:
        """Create a tag: ``POST /organizations/{org}/tags`` (201).

        Args:
            title: at most 30 characters, unique in the organization.
            color: ``#rrggbb``.

        Returns:
            The new :class:`Tag`.

        Raises:
            TypeError, ValueError: a blank or too long title, a bad color (nothing sent).
            ValidationError: the title is taken (422).
        """
        body = self._body(TAG_FIELDS, locals())
        return await self._item(CREATE_TAG, Tag, json=body.json())

    async def update(
        self,
        tag_id: str | Tag,
        /,
        *,
        title: UnsetOr[str] = UNSET,
        color: UnsetOr[str] = UNSET,
    ) -> Tag:
        """Rename or recolor a tag: ``PUT /organizations/{org}/tags/{tag_id}``.

        Tallyfy requires the title on every update: when it is left out, the tag is read
        first and its title sent back (two requests).

        Args:
            tag_id: the tag's id, or the :class:`Tag` (whose title is then used as is).
            title: the new title (at most 30 characters).
            color: ``#rrggbb``.

        Returns:
            The updated :class:`Tag`.

        Raises:
            TypeError, ValueError: a too long title, a bad color (nothing sent).
            NotFoundError: no such tag.
            ValidationError: the title is taken (422).
        """
        body = self._body(UPDATE_FIELDS, locals())
        ids = self._ids(tag_id)
        await body.resend(("title",), lambda: self.get(ids["tag_id"]), given=self._record(tag_id))
        return await self._item(UPDATE_TAG, Tag, ids, json=body.json())

    async def delete(self, tag_id: str | Tag, /) -> None:
        """Delete a tag for good: ``DELETE /organizations/{org}/tags/{tag_id}``.

        Tallyfy answers 204 whether or not the tag existed, so deleting twice is safe.

        Args:
            tag_id: the tag's id, or the :class:`Tag`.
        """
        await self._send(DELETE_TAG, self._ids(tag_id))

    async def attach(
        self,
        tag_id: str | Tag,
        /,
        *,
        blueprint_id: UnsetOr[str | Blueprint] = UNSET,
        process_id: UnsetOr[str | Process] = UNSET,
        tag_type: UnsetOr[TagType | str] = UNSET,
    ) -> TagAssociation:
        """Attach a tag to a blueprint or a process: ``POST .../checklists/tags``.

        Give exactly one of ``blueprint_id`` and ``process_id``. A tag the record already
        has is not attached twice: Tallyfy answers with the existing association.

        Args:
            tag_id: the tag's id, or the :class:`Tag`.
            blueprint_id: the blueprint (its id, or the :class:`Blueprint`).
            process_id: the process (its id, or the :class:`Process`).
            tag_type: :class:`TagType`: which table Tallyfy checks the tag against.

        Returns:
            The :class:`TagAssociation` (its integer ``id`` is what :meth:`detach` takes).

        Raises:
            TypeError: both or neither of blueprint_id and process_id (nothing sent).
            ValidationError: an archived blueprint or process ("Subject not found", 422).
        """
        subject_type, subject_id = one_subject(
            "attach",
            blueprint_id=(TagSubject.BLUEPRINT, blueprint_id),
            process_id=(TagSubject.PROCESS, process_id),
        )
        body = Body(self._converter)
        body.put_all(
            ATTACH_FIELDS,
            {
                "subject_id": subject_id,
                "subject_type": subject_type,
                "tag_id": self._ids(tag_id)["tag_id"],
                "tag_type": tag_type,
            },
        )
        return await self._item(ATTACH_TAG, TagAssociation, json=body.json())

    async def detach(self, association_id: int | TagAssociation, /) -> None:
        """Take a tag off its blueprint or process: ``DELETE .../checklists/tags/{id}``.

        Args:
            association_id: the association's integer id, or the
                :class:`TagAssociation` (from :meth:`attach`, or a record's ``tags``).

        Raises:
            TypeError: an id that is not an int (nothing sent).
            NotFoundError: no such association.
        """
        association = int_id("association_id", association_id, TagAssociation)
        await self._send(DETACH_TAG, {"association_id": association})


__all__ = ["Tags"]
