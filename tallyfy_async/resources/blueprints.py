"""Blueprints (the API's ``checklists``), their kick-off fields and automations (catalogue §15)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from tallyfy_async import _constants as C
from tallyfy_async._routes import Route
from tallyfy_async.models.blueprints import (
    Automation,
    AutomationAction,
    AutomationCondition,
    Blueprint,
    BlueprintFormFields,
    BlueprintType,
    DeletedBlueprint,
)
from tallyfy_async.models.form_fields import FormField
from tallyfy_async.pagination import Paginator
from tallyfy_async.resources._base import Resource
from tallyfy_async.resources._field_definitions import form_field_definitions
from tallyfy_async.resources._payload import (
    UNSET,
    _Bool,
    _Int,
    _OptStr,
    _Str,
    _Unset,
    _With,
    expect,
    ids,
    items,
    keep_unsent_lists,
    max_length,
    one_of,
    payload,
    query,
    require,
)

LIST_BLUEPRINTS: Final = Route("GET", "/organizations/{org}/checklists")
CREATE_BLUEPRINT: Final = Route("POST", "/organizations/{org}/checklists")
GET_BLUEPRINT: Final = Route("GET", "/organizations/{org}/checklists/{blueprint_id}")
UPDATE_BLUEPRINT: Final = Route("PUT", "/organizations/{org}/checklists/{blueprint_id}")
ARCHIVE_BLUEPRINT: Final = Route("DELETE", "/organizations/{org}/checklists/{blueprint_id}")
DELETE_BLUEPRINT: Final = Route("DELETE", "/organizations/{org}/checklists/{blueprint_id}/delete")
RESTORE_BLUEPRINT: Final = Route("PUT", "/organizations/{org}/checklists/{blueprint_id}/restore")
CLONE_BLUEPRINT: Final = Route("POST", "/organizations/{org}/checklists/{blueprint_id}/clone")
PUBLISH_BLUEPRINT: Final = Route("PUT", "/organizations/{org}/checklists/{blueprint_id}/publish")
BLUEPRINT_FORM_FIELDS: Final = Route(
    "GET", "/organizations/{org}/checklists/{blueprint_id}/form-fields"
)
CREATE_AUTOMATION: Final = Route(
    "POST", "/organizations/{org}/checklists/{blueprint_id}/automated-actions"
)
UPDATE_AUTOMATION: Final = Route(
    "PUT", "/organizations/{org}/checklists/{blueprint_id}/automated-actions/{automation_id}"
)
DELETE_AUTOMATION: Final = Route(
    "DELETE", "/organizations/{org}/checklists/{blueprint_id}/automated-actions/{automation_id}"
)

BLUEPRINT_TYPES: Final = frozenset(member.value for member in BlueprintType)
TITLE_MAX: Final = 250
SUMMARY_MAX: Final = 2000
_LOGIC: Final = frozenset({"AND", "OR", "and", "or"})

#: How each blueprint write field is checked (catalogue §15.1, create and update bodies).
_KINDS: Final = {
    "title": "title",
    "type": "type",
    **dict.fromkeys(
        (
            "summary",
            "webhook",
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
        "text",
    ),
    "alias": "str",
    "owner_id": "int",
    "user_id": "int",
    **dict.fromkeys(
        (
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
        "bool",
    ),
    "users": "ints",
    "groups": "strs",
    "prerun": "prerun",
}

_Kickoff = Sequence[FormField | Mapping[str, Any]] | _Unset


def _checked(**fields: Any) -> dict[str, Any]:
    """Check blueprint write fields by kind (see ``_KINDS``); UNSET ones are kept as UNSET.

    Raises:
        TypeError, ValueError: naming the field.
    """
    for name, value in fields.items():
        if value is UNSET:
            continue
        kind = _KINDS[name]
        if kind == "title":
            require(name, value)
            expect(name, value, str)
            max_length(name, value, TITLE_MAX)
        elif kind == "type":
            fields[name] = one_of(name, value, BLUEPRINT_TYPES)
        elif kind == "text":
            expect(name, value, str, nullable=True)
            if name == "summary":
                max_length(name, value, SUMMARY_MAX)
        elif kind == "str":
            expect(name, value, str)
        elif kind in ("int", "bool"):
            expect(name, value, int if kind == "int" else bool)
        elif kind == "ints":
            fields[name] = items(name, value, int)
        elif kind == "strs":
            fields[name] = items(name, value, str)
        else:
            fields[name] = form_field_definitions(name, value, keep_existing=True)
    return fields


class Blueprints(Resource):
    """Blueprints of one organization (``org.blueprints``).

    Blueprints are what the API calls ``checklists`` and the docs call templates;
    every process is launched from one.
    """

    def list(
        self,
        *,
        q: _Str = UNSET,
        status: _Str = UNSET,
        type: BlueprintType | str | _Unset = UNSET,
        starred: _Bool = UNSET,
        folder: str | Sequence[str] | _Unset = UNSET,
        tag: _Str = UNSET,
        owner_id: _Int = UNSET,
        archived: bool | Literal["only"] | _Unset = UNSET,
        with_: _With = UNSET,
        sort: _Str = UNSET,
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
        for name, value in (("q", q), ("status", status), ("tag", tag), ("sort", sort)):
            expect(name, value, str)
        if type is not UNSET:
            type = one_of("type", type, BLUEPRINT_TYPES)
        expect("starred", starred, bool)
        expect("owner_id", owner_id, int)
        if archived is not UNSET and archived != "only":
            expect("archived", archived, bool)
        params = query(
            q=q,
            status=status,
            type=type,
            starred=starred,
            folder=ids("folder", folder, str),
            tag=tag,
            owner_id=owner_id,
            archived=archived,
            sort=sort,
            with_=with_,
        )
        return self._list(
            LIST_BLUEPRINTS,
            Blueprint,
            params=params,
            per_page=per_page,
            limit=limit,
            concurrency=concurrency,
        )

    async def get(
        self,
        blueprint_id: str,
        *,
        with_: _With = UNSET,
        version: _Int = UNSET,
    ) -> Blueprint:
        """Read a blueprint: ``GET /organizations/{org}/checklists/{id}``.

        Kick-off fields (``prerun``) and automations always come inline; steps and
        tags only when asked for (``with_=["steps", "tags"]``). An archived blueprint
        answers 404 here.

        Args:
            blueprint_id: the blueprint's id.
            with_: includes: ``steps``, ``tags``, ``folder``, ...
            version: a published version number.

        Returns:
            The :class:`Blueprint`.

        Raises:
            NotFoundError: no such (live) blueprint.
        """
        expect("version", version, int)
        params = query(version=version, with_=with_)
        return await self._item(
            GET_BLUEPRINT, Blueprint, {"blueprint_id": blueprint_id}, params=params
        )

    async def create(
        self,
        *,
        title: str,
        type: BlueprintType | str,
        summary: _OptStr = UNSET,
        owner_id: _Int = UNSET,
        user_id: _Int = UNSET,
        webhook: _OptStr = UNSET,
        explanation_video: _OptStr = UNSET,
        starred: _Bool = UNSET,
        guidance: _OptStr = UNSET,
        icon: _OptStr = UNSET,
        is_public: _Bool = UNSET,
        is_featured: _Bool = UNSET,
        public_cover: _OptStr = UNSET,
        folder_id: _OptStr = UNSET,
        default_process_name_format: _OptStr = UNSET,
        is_public_kickoff: _Bool = UNSET,
        auto_naming: _Bool = UNSET,
        dual_version_enabled: _Bool = UNSET,
        users: Sequence[int] | _Unset = UNSET,
        groups: Sequence[str] | _Unset = UNSET,
        prerun: _Kickoff = UNSET,
        folderize_process: _Bool = UNSET,
        tag_process: _Bool = UNSET,
        allow_launcher_change_name: _Bool = UNSET,
        can_add_oot: _Bool = UNSET,
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
                allow_launcher_change_name, can_add_oot: flags, as in Tallyfy's editor.
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
        require("type", type)
        fields = _checked(
            title=title,
            type=type,
            summary=summary,
            owner_id=owner_id,
            user_id=user_id,
            webhook=webhook,
            explanation_video=explanation_video,
            starred=starred,
            guidance=guidance,
            icon=icon,
            is_public=is_public,
            is_featured=is_featured,
            public_cover=public_cover,
            folder_id=folder_id,
            default_process_name_format=default_process_name_format,
            is_public_kickoff=is_public_kickoff,
            auto_naming=auto_naming,
            dual_version_enabled=dual_version_enabled,
            users=users,
            groups=groups,
            prerun=prerun,
            folderize_process=folderize_process,
            tag_process=tag_process,
            allow_launcher_change_name=allow_launcher_change_name,
            can_add_oot=can_add_oot,
        )
        body = payload(self._org.client.converter, fields)
        return await self._item(CREATE_BLUEPRINT, Blueprint, json=body)

    async def update(
        self,
        blueprint_id: str,
        *,
        title: str,
        type: BlueprintType | str | _Unset = UNSET,
        summary: _OptStr = UNSET,
        guidance: _OptStr = UNSET,
        icon: _OptStr = UNSET,
        alias: _Str = UNSET,
        webhook: _OptStr = UNSET,
        explanation_video: _OptStr = UNSET,
        kickoff_title: _OptStr = UNSET,
        kickoff_description: _OptStr = UNSET,
        is_public: _Bool = UNSET,
        is_featured: _Bool = UNSET,
        auto_naming: _Bool = UNSET,
        folderize_process: _Bool = UNSET,
        tag_process: _Bool = UNSET,
        allow_launcher_change_name: _Bool = UNSET,
        is_pinned: _Bool = UNSET,
        default_folder: _OptStr = UNSET,
        folder_changeable_by_launcher: _Bool = UNSET,
        folder_id: _OptStr = UNSET,
        starred: _Bool = UNSET,
        default_process_name_format: _OptStr = UNSET,
        can_add_oot: _Bool = UNSET,
        owner_id: _Int = UNSET,
        users: Sequence[int] | _Unset = UNSET,
        groups: Sequence[str] | _Unset = UNSET,
        prerun: _Kickoff = UNSET,
        is_public_kickoff: _Bool = UNSET,
    ) -> Blueprint:
        """Change a blueprint: ``PUT /organizations/{org}/checklists/{id}``.

        Tallyfy requires ``title`` on every PUT, and **clears** ``users`` and ``groups``
        when a PUT leaves them out (catalogue §2). So when you do not pass ``users`` or
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
        fields = _checked(
            title=title,
            type=type,
            summary=summary,
            guidance=guidance,
            icon=icon,
            alias=alias,
            webhook=webhook,
            explanation_video=explanation_video,
            kickoff_title=kickoff_title,
            kickoff_description=kickoff_description,
            is_public=is_public,
            is_featured=is_featured,
            auto_naming=auto_naming,
            folderize_process=folderize_process,
            tag_process=tag_process,
            allow_launcher_change_name=allow_launcher_change_name,
            is_pinned=is_pinned,
            default_folder=default_folder,
            folder_changeable_by_launcher=folder_changeable_by_launcher,
            folder_id=folder_id,
            starred=starred,
            default_process_name_format=default_process_name_format,
            can_add_oot=can_add_oot,
            owner_id=owner_id,
            users=users,
            groups=groups,
            prerun=prerun,
            is_public_kickoff=is_public_kickoff,
        )
        await keep_unsent_lists(fields, ("users", "groups"), lambda: self.get(blueprint_id))
        body = payload(self._org.client.converter, fields)
        return await self._item(
            UPDATE_BLUEPRINT, Blueprint, {"blueprint_id": blueprint_id}, json=body
        )

    async def archive(self, blueprint_id: str) -> DeletedBlueprint:
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

    async def delete(self, blueprint_id: str) -> DeletedBlueprint:
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

    async def _deleted(self, route: Route, blueprint_id: str) -> DeletedBlueprint:
        response = await self._send(route, {"blueprint_id": blueprint_id})
        body = dict(response.body) if isinstance(response.body, dict) else {}
        references = body.get("deleted_references")
        # The docs show an empty object where production sends a list.
        if isinstance(references, dict):
            body["deleted_references"] = list(references.values())
        return self._structure(body, DeletedBlueprint)

    async def restore(self, blueprint_id: str) -> Blueprint:
        """Bring an archived blueprint back: ``PUT .../checklists/{id}/restore``.

        Args:
            blueprint_id: the blueprint's id.

        Returns:
            The restored :class:`Blueprint`.

        Raises:
            NotFoundError: no such blueprint.
        """
        return await self._item(RESTORE_BLUEPRINT, Blueprint, {"blueprint_id": blueprint_id})

    async def clone(
        self, blueprint_id: str, *, title: _Str = UNSET, tenant: _Str = UNSET
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
        expect("title", title, str)
        max_length("title", title, TITLE_MAX)
        expect("tenant", tenant, str)
        body = payload(
            self._org.client.converter,
            {"tenant": self._org.org_id if tenant is UNSET else tenant, "title": title},
        )
        return await self._item(
            CLONE_BLUEPRINT, Blueprint, {"blueprint_id": blueprint_id}, json=body
        )

    async def publish(self, blueprint_id: str) -> None:
        """Publish a blueprint's current draft: ``PUT .../checklists/{id}/publish``.

        Args:
            blueprint_id: the blueprint's id.

        Raises:
            NotFoundError: no such blueprint.
        """
        await self._send(PUBLISH_BLUEPRINT, {"blueprint_id": blueprint_id})

    async def form_fields(self, blueprint_id: str) -> BlueprintFormFields:
        """Every form field of a blueprint: ``GET .../checklists/{id}/form-fields``.

        Args:
            blueprint_id: the blueprint's id.

        Returns:
            :class:`BlueprintFormFields`: the steps' fields and the kick-off fields.

        Raises:
            NotFoundError: no such blueprint.
        """
        return await self._item(
            BLUEPRINT_FORM_FIELDS, BlueprintFormFields, {"blueprint_id": blueprint_id}
        )

    async def kickoff_fields(self, blueprint_id: str) -> builtins.list[FormField]:
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

    # -- automations -------------------------------------------------------------------

    async def create_automation(
        self,
        blueprint_id: str,
        *,
        conditions: Sequence[AutomationCondition],
        then_actions: Sequence[AutomationAction],
        automated_alias: _Str = UNSET,
        condition_logic: _Str = UNSET,
    ) -> Automation:
        """Add an if-then rule: ``POST .../checklists/{id}/automated-actions``.

        Args:
            blueprint_id: the blueprint's id.
            conditions: the "if" part (at least one).
            then_actions: the "then" part (at least one).
            automated_alias: the rule's name.
            condition_logic: ``AND`` or ``OR`` across the conditions.

        Returns:
            The new :class:`Automation`.

        Raises:
            TypeError, ValueError: a missing or malformed condition or action.
            ValidationError: Tallyfy refused the rule (422).
        """
        body = self._automation(conditions, then_actions, automated_alias, condition_logic)
        return await self._item(
            CREATE_AUTOMATION, Automation, {"blueprint_id": blueprint_id}, json=body
        )

    async def update_automation(
        self,
        blueprint_id: str,
        automation_id: str,
        *,
        conditions: Sequence[AutomationCondition],
        then_actions: Sequence[AutomationAction],
        automated_alias: _Str = UNSET,
        condition_logic: _Str = UNSET,
    ) -> Automation:
        """Replace a rule: ``PUT .../checklists/{id}/automated-actions/{automation_id}``.

        Tallyfy needs the whole rule on every update: pass every condition and action
        (those of ``blueprint.automated_actions`` can be reused as they are).

        Args:
            blueprint_id: the blueprint's id.
            automation_id: the rule's id.
            conditions: every condition of the rule.
            then_actions: every action of the rule.
            automated_alias: the rule's name.
            condition_logic: ``AND`` or ``OR``.

        Returns:
            The updated :class:`Automation`.

        Raises:
            TypeError, ValueError: a missing or malformed condition or action.
            NotFoundError: no such blueprint or rule.
            ValidationError: Tallyfy refused the rule (422).
        """
        body = self._automation(conditions, then_actions, automated_alias, condition_logic)
        ids: dict[str, object] = {"blueprint_id": blueprint_id, "automation_id": automation_id}
        return await self._item(UPDATE_AUTOMATION, Automation, ids, json=body)

    def _automation(
        self,
        conditions: Any,
        then_actions: Any,
        automated_alias: _Str,
        condition_logic: _Str,
    ) -> dict[str, Any]:
        checked_conditions = items("conditions", conditions, AutomationCondition)
        checked_actions = items("then_actions", then_actions, AutomationAction)
        if not checked_conditions:
            raise ValueError("conditions must hold at least one AutomationCondition")
        if not checked_actions:
            raise ValueError("then_actions must hold at least one AutomationAction")
        for index, condition in enumerate(checked_conditions):
            require(f"conditions[{index}].conditionable_id", condition.conditionable_id)
            require(f"conditions[{index}].operation", condition.operation)
        for index, action in enumerate(checked_actions):
            require(f"then_actions[{index}].action_type", action.action_type)
        expect("automated_alias", automated_alias, str)
        if condition_logic is not UNSET:
            one_of("condition_logic", condition_logic, _LOGIC)
        return payload(
            self._org.client.converter,
            {
                "automated_alias": automated_alias,
                "condition_logic": condition_logic,
                "conditions": checked_conditions,
                "then_actions": checked_actions,
            },
        )

    async def delete_automation(self, blueprint_id: str, automation_id: str) -> None:
        """Delete a rule: ``DELETE .../checklists/{id}/automated-actions/{automation_id}``.

        Args:
            blueprint_id: the blueprint's id.
            automation_id: the rule's id.

        Raises:
            NotFoundError: no such blueprint or rule.
        """
        ids: dict[str, object] = {"blueprint_id": blueprint_id, "automation_id": automation_id}
        await self._send(DELETE_AUTOMATION, ids)
