"""Blueprints (the API's ``checklists``) and their kick-off fields."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, overload

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async._unset import UNSET, UnsetOr
from tallyfy_async.models.blueprints import (
    Blueprint,
    BlueprintFormFields,
    BlueprintType,
    DeletedBlueprint,
)
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources import _kinds as kinds
from tallyfy_async.resources._base import Child, Resource
from tallyfy_async.resources._checks import web_url
from tallyfy_async.resources._field_definitions import KICKOFF_FIELDS
from tallyfy_async.resources.automations import Automations
from tallyfy_async.resources.comments import Comments

LIST_BLUEPRINTS: Final = Route("GET", "/checklists")
CREATE_BLUEPRINT: Final = Route("POST", "/checklists")
GET_BLUEPRINT: Final = Route("GET", "/checklists/{blueprint_id}")
UPDATE_BLUEPRINT: Final = Route("PUT", "/checklists/{blueprint_id}")
ARCHIVE_BLUEPRINT: Final = Route("DELETE", "/checklists/{blueprint_id}")
DELETE_BLUEPRINT: Final = Route("DELETE", "/checklists/{blueprint_id}/delete")
RESTORE_BLUEPRINT: Final = Route("PUT", "/checklists/{blueprint_id}/restore")
CLONE_BLUEPRINT: Final = Route("POST", "/checklists/{blueprint_id}/clone")
PUBLISH_BLUEPRINT: Final = Route("PUT", "/checklists/{blueprint_id}/publish")
BLUEPRINT_FORM_FIELDS: Final = Route("GET", "/checklists/{blueprint_id}/form-fields")

BLUEPRINT_TYPES: Final = frozenset(member.value for member in BlueprintType)
TITLE_MAX: Final = 250
SUMMARY_MAX: Final = 2000

#: The filters of the blueprint list.
BLUEPRINT_FILTERS: Final = {
    "q": kinds.TEXT,
    "status": kinds.TEXT,
    "type": kinds.Choice(choices=BLUEPRINT_TYPES),
    "starred": kinds.FLAG,
    "folder": kinds.OneOrMany(item=str),
    "tag": kinds.TEXT,
    "owner_id": kinds.INT,
    "archived": kinds.ARCHIVED,
    "with_": kinds.WITH,
    "sort": kinds.TEXT,
}
BLUEPRINT_READ: Final = {"with_": kinds.WITH, "version": kinds.INT}

#: The fields of a blueprint's create and update.
BLUEPRINT_FIELDS: Final[dict[str, kinds.Kind]] = {
    "title": kinds.Text(max_len=TITLE_MAX, required=True),
    "type": kinds.Choice(choices=BLUEPRINT_TYPES),
    "summary": kinds.Text(max_len=SUMMARY_MAX, nullable=True),
    "webhook": kinds.WEBHOOK,
    **kinds.texts(
        "explanation_video",
        "guidance",
        "icon",
        "public_cover",
        "folder_id",
        "default_process_name_format",
        "kickoff_title",
        "kickoff_description",
        "default_folder",
    ),
    "alias": kinds.TEXT,
    "owner_id": kinds.INT,
    "user_id": kinds.INT,
    **kinds.flags(
        "starred",
        "is_public",
        "is_featured",
        "is_public_kickoff",
        "auto_naming",
        "dual_version_enabled",
        "folderize_process",
        "tag_process",
        "allow_launcher_change_name",
        "can_add_oot",
        "is_pinned",
        "folder_changeable_by_launcher",
    ),
    "users": kinds.ListOf(item=int),
    "groups": kinds.ListOf(item=str),
    "prerun": KICKOFF_FIELDS,
}
CREATE_FIELDS: Final = kinds.merged(
    BLUEPRINT_FIELDS, type=kinds.Choice(choices=BLUEPRINT_TYPES, required=True)
)
CLONE_FIELDS: Final = {"title": kinds.Text(max_len=TITLE_MAX), "tenant": kinds.TEXT}
#: The lists Tallyfy empties when a PUT leaves them out.
SHARING: Final = ("users", "groups")


class Blueprints(Resource):
    """Blueprints of one organization (``org.blueprints``).

    Blueprints are what the API calls ``checklists`` and the docs call templates;
    every process is launched from one.

    Attributes:
        automations: the blueprints' if-then rules (``org.blueprints.automations``).
        comments: comments and issues on blueprints (``org.blueprints.comments``).
    """

    records = "/checklists/{blueprint_id}"
    model = Blueprint
    automations = Child(Automations)
    comments = Child(Comments[Blueprint])

    def list(
        self,
        *,
        q: UnsetOr[str] = UNSET,
        status: UnsetOr[str] = UNSET,
        type: UnsetOr[BlueprintType | str] = UNSET,
        starred: UnsetOr[bool] = UNSET,
        folder: UnsetOr[str | Sequence[str]] = UNSET,
        tag: UnsetOr[str] = UNSET,
        owner_id: UnsetOr[int] = UNSET,
        archived: UnsetOr[bool | Literal["only"]] = UNSET,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        sort: UnsetOr[str] = UNSET,
        per_page: int = C.MAX_PER_PAGE,
        limit: int | None = None,
        concurrency: int = 1,
    ) -> Paginator[Blueprint]:
        """List blueprints: ``GET /organizations/{org}/checklists``.

        Pinned blueprints come first; Tallyfy sorts by last update otherwise.

        Args:
            q: text the title contains.
            status: e.g. ``active``.
            type: procedure, form or document.
            starred: only starred (True) or unstarred (False) blueprints.
            folder: a folder id, or several.
            tag: a tag id.
            owner_id: the owner's member id.
            archived: ``True`` to include archived blueprints, ``"only"`` for only them.
            with_: includes, e.g. ``["steps", "tags", "folder"]``.
            sort: a field, ``-field`` for descending.
            per_page: page size (Tallyfy caps it at 100).
            limit: stop after this many blueprints.
            concurrency: pages fetched at once after the first.

        Returns:
            A :class:`~tallyfy_async.pagination.Paginator` of :class:`Blueprint`.

        Raises:
            TypeError, ValueError: for a bad filter (nothing is sent).
        """
        return self._list(LIST_BLUEPRINTS, Blueprint, locals(), BLUEPRINT_FILTERS)

    @overload
    async def get(
        self,
        blueprint_id: str | Blueprint,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        version: UnsetOr[int] = ...,
        raw: Literal[False] = False,
    ) -> Blueprint: ...

    @overload
    async def get(
        self,
        blueprint_id: str | Blueprint,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = ...,
        version: UnsetOr[int] = ...,
        raw: Literal[True],
    ) -> dict[str, Any]: ...

    async def get(
        self,
        blueprint_id: str | Blueprint,
        /,
        *,
        with_: UnsetOr[str | Sequence[str]] = UNSET,
        version: UnsetOr[int] = UNSET,
        raw: bool = False,
    ) -> Blueprint | dict[str, Any]:
        """Read a blueprint: ``GET /organizations/{org}/checklists/{id}``.

        Kick-off fields (``prerun``) and automations always come inline; steps and
        tags only when asked for (``with_=["steps", "tags"]``). An archived blueprint
        answers 404 here.

        Args:
            blueprint_id: the blueprint's id.
            with_: includes: ``steps``, ``tags``, ``folder``, ...
            version: a published version number.
            raw: True for the record as the dict Tallyfy sent, no model built (dates
                as their text, includes as ``{"data": ...}``): see :meth:`Paginator.raw
                <tallyfy_async.pagination.Paginator.raw>`.

        Returns:
            The :class:`Blueprint`; its dict with ``raw=True``.

        Raises:
            NotFoundError: no such (live) blueprint.
        """
        params = self._query(BLUEPRINT_READ, locals(), skip=("raw",))
        if raw:
            return await self._raw_item(GET_BLUEPRINT, self._ids(blueprint_id), params=params)
        return await self._item(GET_BLUEPRINT, Blueprint, self._ids(blueprint_id), params=params)

    async def create(
        self,
        *,
        title: str,
        type: BlueprintType | str,
        summary: UnsetOr[str | None] = UNSET,
        owner_id: UnsetOr[int] = UNSET,
        user_id: UnsetOr[int] = UNSET,
        webhook: UnsetOr[str | None] = UNSET,
        explanation_video: UnsetOr[str | None] = UNSET,
        starred: UnsetOr[bool] = UNSET,
        guidance: UnsetOr[str | None] = UNSET,
        icon: UnsetOr[str | None] = UNSET,
        is_public: UnsetOr[bool] = UNSET,
        is_featured: UnsetOr[bool] = UNSET,
        public_cover: UnsetOr[str | None] = UNSET,
        folder_id: UnsetOr[str | None] = UNSET,
        default_process_name_format: UnsetOr[str | None] = UNSET,
        is_public_kickoff: UnsetOr[bool] = UNSET,
        auto_naming: UnsetOr[bool] = UNSET,
        dual_version_enabled: UnsetOr[bool] = UNSET,
        users: UnsetOr[Sequence[int]] = UNSET,
        groups: UnsetOr[Sequence[str]] = UNSET,
        prerun: UnsetOr[Sequence[FormField | Mapping[str, Any]]] = UNSET,
        folderize_process: UnsetOr[bool] = UNSET,
        tag_process: UnsetOr[bool] = UNSET,
        allow_launcher_change_name: UnsetOr[bool] = UNSET,
        can_add_oot: UnsetOr[bool] = UNSET,
    ) -> Blueprint:
        """Create a blueprint: ``POST /organizations/{org}/checklists`` (201).

        Args:
            title: at most 250 characters.
            type: procedure, form or document.
            summary: at most 2000 characters.
            owner_id: the owner's member id.
            user_id: the creator's member id.
            webhook: a URL Tallyfy posts to on launch and every task completion.
            explanation_video: a video URL.
            starred, is_public, is_featured, is_public_kickoff, auto_naming,
                dual_version_enabled, folderize_process, tag_process,
                allow_launcher_change_name, can_add_oot: kinds.flags, as in Tallyfy's editor.
            guidance, icon, public_cover, folder_id, default_process_name_format:
                as in Tallyfy's editor.
            users: member ids to share it with.
            groups: group ids to share it with.
            prerun: kick-off field definitions: mappings with the keys of a form field
                (``label``, ``field_type``, ``required``, ``options``, ...).

        Returns:
            The new :class:`Blueprint`.

        Raises:
            TypeError: an unknown argument or a value of the wrong type.
            ValueError: a missing or too long title, an unknown type, a bad kick-off field.
            ValidationError: Tallyfy refused the data (422).
        """
        body = self._body(CREATE_FIELDS, locals())
        return await self._item(CREATE_BLUEPRINT, Blueprint, json=body.json())

    async def update(
        self,
        blueprint_id: str | Blueprint,
        /,
        *,
        title: str,
        type: UnsetOr[BlueprintType | str] = UNSET,
        summary: UnsetOr[str | None] = UNSET,
        guidance: UnsetOr[str | None] = UNSET,
        icon: UnsetOr[str | None] = UNSET,
        alias: UnsetOr[str] = UNSET,
        webhook: UnsetOr[str | None] = UNSET,
        explanation_video: UnsetOr[str | None] = UNSET,
        kickoff_title: UnsetOr[str | None] = UNSET,
        kickoff_description: UnsetOr[str | None] = UNSET,
        is_public: UnsetOr[bool] = UNSET,
        is_featured: UnsetOr[bool] = UNSET,
        auto_naming: UnsetOr[bool] = UNSET,
        folderize_process: UnsetOr[bool] = UNSET,
        tag_process: UnsetOr[bool] = UNSET,
        allow_launcher_change_name: UnsetOr[bool] = UNSET,
        is_pinned: UnsetOr[bool] = UNSET,
        default_folder: UnsetOr[str | None] = UNSET,
        folder_changeable_by_launcher: UnsetOr[bool] = UNSET,
        folder_id: UnsetOr[str | None] = UNSET,
        starred: UnsetOr[bool] = UNSET,
        default_process_name_format: UnsetOr[str | None] = UNSET,
        can_add_oot: UnsetOr[bool] = UNSET,
        owner_id: UnsetOr[int] = UNSET,
        users: UnsetOr[Sequence[int]] = UNSET,
        groups: UnsetOr[Sequence[str]] = UNSET,
        prerun: UnsetOr[Sequence[FormField | Mapping[str, Any]]] = UNSET,
        is_public_kickoff: UnsetOr[bool] = UNSET,
    ) -> Blueprint:
        """Change a blueprint: ``PUT /organizations/{org}/checklists/{id}``.

        Tallyfy requires ``title`` on every PUT, and **clears** ``users`` and ``groups``
        when a PUT leaves them out. So when you do not pass ``users`` or
        ``groups``, this method first reads the blueprint (``GET .../checklists/{id}``)
        and re-sends what it has: leaving an argument out keeps it as it is. (Two
        requests; a change made by someone else between them can be overwritten.)

        ``prerun``, when given, replaces every kick-off field: pass the fields to keep
        (the :class:`FormField` objects of ``blueprint.prerun`` keep their ids) plus new
        definitions. Fields left out are deleted.

        Args:
            blueprint_id: the blueprint's id.
            title: required by Tallyfy on every update (at most 250 characters).
            users: member ids it is shared with (replaces the list).
            groups: group ids it is shared with (replaces the list).
            prerun: every kick-off field the blueprint should have.
            (the others): as in :meth:`create`; None clears a text field.

        Returns:
            The updated :class:`Blueprint`.

        Raises:
            TypeError: an unknown argument or a value of the wrong type.
            ValueError: a missing or too long title, an unknown type, a bad kick-off field.
            NotFoundError: no such blueprint.
            ValidationError: Tallyfy refused the data (422).
        """
        body = self._body(BLUEPRINT_FIELDS, locals())
        ids = self._ids(blueprint_id)
        await body.resend(SHARING, lambda: self.get(ids["blueprint_id"]))
        return await self._item(UPDATE_BLUEPRINT, Blueprint, ids, json=body.json())

    async def set_webhook(self, blueprint_id: str | Blueprint, /, *, url: str | None) -> Blueprint:
        """Set or clear the URL Tallyfy posts to for every process of the blueprint (on
        launch, on each task completed, on completion): ``PUT .../checklists/{id}``.

        The blueprint is read first: Tallyfy requires its title on every update and empties
        its sharing lists when a PUT leaves them out, so they are sent back as they are.

        Args:
            blueprint_id: the blueprint's id, or the :class:`Blueprint`.
            url: an absolute http(s) URL; None clears it.

        Returns:
            The updated :class:`Blueprint`.

        Raises:
            TypeError, ValueError: a URL that is not absolute http(s) (nothing is sent).
            NotFoundError: no such blueprint.
        """
        url = web_url("url", url, nullable=True)
        current = await self.get(blueprint_id)
        return await self.update(
            current,
            title=current.title or "",
            webhook=url,
            users=current.users,
            groups=current.groups,
        )

    async def archive(self, blueprint_id: str | Blueprint, /) -> DeletedBlueprint:
        """Archive a blueprint: ``DELETE /organizations/{org}/checklists/{id}``.

        Tallyfy also removes the blueprint from the blueprints and steps that embed it,
        and says which in ``deleted_references``. :meth:`restore` brings it back.

        Args:
            blueprint_id: the blueprint's id.

        Returns:
            :class:`DeletedBlueprint` (Tallyfy's message, without a ``data`` envelope).

        Raises:
            NotFoundError: no such blueprint.
        """
        return await self._deleted(ARCHIVE_BLUEPRINT, blueprint_id)

    async def delete(self, blueprint_id: str | Blueprint, /) -> DeletedBlueprint:
        """Delete an archived blueprint for good: ``DELETE .../checklists/{id}/delete``.

        Administrators only; archive it first.

        Args:
            blueprint_id: the blueprint's id.

        Returns:
            :class:`DeletedBlueprint` (Tallyfy's message).

        Raises:
            NotFoundError: no such blueprint.
            PermissionDeniedError: the user is not an administrator.
        """
        return await self._deleted(DELETE_BLUEPRINT, blueprint_id)

    async def _deleted(self, route: Route, blueprint_id: str | Blueprint) -> DeletedBlueprint:
        response = await self._send(route, self._ids(blueprint_id))
        body = dict(response.body) if isinstance(response.body, dict) else {}
        references = body.get("deleted_references")
        # The docs show an empty object where production sends a list.
        if isinstance(references, dict):
            body["deleted_references"] = list(references.values())
        return self._structure(body, DeletedBlueprint)

    async def restore(self, blueprint_id: str | Blueprint, /) -> Blueprint:
        """Bring an archived blueprint back: ``PUT .../checklists/{id}/restore``.

        Args:
            blueprint_id: the blueprint's id.

        Returns:
            The restored :class:`Blueprint`.

        Raises:
            NotFoundError: no such blueprint.
        """
        return await self._item(RESTORE_BLUEPRINT, Blueprint, self._ids(blueprint_id))

    async def clone(
        self,
        blueprint_id: str | Blueprint,
        /,
        *,
        title: UnsetOr[str] = UNSET,
        tenant: UnsetOr[str] = UNSET,
    ) -> Blueprint:
        """Copy a blueprint with its steps and fields: ``POST .../checklists/{id}/clone``.

        The body is sent as JSON, as Tallyfy's CLI sends it (the official Python SDK
        sends a form; both are accepted).

        Args:
            blueprint_id: the blueprint to copy.
            title: the copy's title (Tallyfy picks one when left out).
            tenant: the organization the blueprint is copied from; this one by default.

        Returns:
            The new :class:`Blueprint`.

        Raises:
            NotFoundError: no such blueprint.
        """
        body = self._body(CLONE_FIELDS, locals())
        if "tenant" not in body:
            body["tenant"] = self._org.org_id
        return await self._item(
            CLONE_BLUEPRINT, Blueprint, self._ids(blueprint_id), json=body.json()
        )

    async def publish(self, blueprint_id: str | Blueprint, /) -> None:
        """Publish a blueprint's current draft: ``PUT .../checklists/{id}/publish``.

        Args:
            blueprint_id: the blueprint's id.

        Raises:
            NotFoundError: no such blueprint.
        """
        await self._send(PUBLISH_BLUEPRINT, self._ids(blueprint_id))

    async def form_fields(self, blueprint_id: str | Blueprint, /) -> BlueprintFormFields:
        """Every form field of a blueprint: ``GET .../checklists/{id}/form-fields``.

        Args:
            blueprint_id: the blueprint's id.

        Returns:
            :class:`BlueprintFormFields`: the steps' fields and the kick-off fields.

        Raises:
            NotFoundError: no such blueprint.
        """
        return await self._item(BLUEPRINT_FORM_FIELDS, BlueprintFormFields, self._ids(blueprint_id))

    async def kickoff_fields(self, blueprint_id: str | Blueprint, /) -> builtins.list[FormField]:
        """A blueprint's kick-off fields, read with :meth:`get` (``GET .../checklists/{id}``).

        Their ``id`` (timeline id) is the key of a launch's kick-off values.

        Args:
            blueprint_id: the blueprint's id.

        Returns:
            The kick-off fields, in position order.

        Raises:
            NotFoundError: no such blueprint.
        """
        blueprint = await self.get(blueprint_id)
        return sorted(blueprint.prerun, key=lambda f: (f.position is None, f.position or 0))
