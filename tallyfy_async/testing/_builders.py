"""The data helpers of :class:`FakeTallyfy`: build organizations, people, blueprints, processes
and tasks directly, without HTTP (synchronous; before or after the server starts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from tallyfy_async.testing import _seed
from tallyfy_async.testing._actions.blueprints import add_capture, add_step, create_blueprint
from tallyfy_async.testing._actions.runs import launch as launch_run
from tallyfy_async.testing._actions.tasks import create_oneoff, store_owners
from tallyfy_async.testing._dates import (
    REQUEST_DATE_ORDERS,
    fmt,
    now_iso,
    parse_request_date,
    soon_iso,
)
from tallyfy_async.testing._fields import Fields
from tallyfy_async.testing._http import ApiError
from tallyfy_async.testing._state import Collection, Org, Record, State, User, Wire, new_id
from tallyfy_async.testing._state.org import (
    StoredFile,
    asset_wire,
    custom_key_wire,
    folder_wire,
    group_wire,
    tag_wire,
)
from tallyfy_async.testing._state.people import ROLES
from tallyfy_async.testing._validate import capture_definition, form_values, owners_from
from tallyfy_async.testing._webhooks import WebhookSender


class DataHelpers:
    """Methods of :class:`FakeTallyfy` that fill its state directly."""

    state: State
    webhooks: WebhookSender

    @property
    def request_dates(self) -> str:
        """How the tenant reads request dates: ``"YYYY-MM-DD"`` (Tallyfy's documented order,
        the default) or ``"YYYY-DD-MM"`` (day first: ``2023-15-05 14:30:00`` is 15 May).

        Set it to test a client configured with ``RequestDateFormat.YEAR_DAY_MONTH``.
        """
        return self.state.request_dates

    @request_dates.setter
    def request_dates(self, order: str) -> None:
        if order not in REQUEST_DATE_ORDERS:
            raise ValueError(f"request_dates must be one of {REQUEST_DATE_ORDERS}, got {order!r}")
        self.state.request_dates = order

    def add_organization(self, name: str = "Acme", *, org_id: str | None = None) -> str:
        """Create an organization; returns its id."""
        return self.state.add_org(name, now_iso(), org_id).id

    def add_member(
        self,
        org_id: str,
        *,
        email: str,
        password: str = "password",
        role: str = "standard",
        first_name: str = "Test",
        last_name: str = "User",
    ) -> int:
        """Add a member (one user may join several organizations); returns the user id."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {role!r}")
        user = self.state.add_user(email, password, first_name, last_name, now_iso())
        self.state.add_member(self._org(org_id), user, role)
        return user.id

    def add_guest(
        self, org_id: str, email: str, *, first_name: str = "", last_name: str = ""
    ) -> int:
        """Add a guest; returns the guest id."""
        return self.state.add_guest(self._org(org_id), email, now_iso(), first_name, last_name).id

    def add_group(
        self, org_id: str, name: str, *, members: Iterable[int] = (), guests: Iterable[str] = ()
    ) -> str:
        """Add a group; returns its id."""
        org = self._org(org_id)
        group_id = new_id()
        org.groups.add(
            Record(org_id, group_wire(group_id, name, list(members), list(guests), now_iso()))
        )
        return group_id

    def add_tag(self, org_id: str, title: str, *, color: str = "#3b82f6") -> str:
        """Add a tag; returns its id."""
        org = self._org(org_id)
        tag_id = new_id()
        org.tags.add(Record(org_id, tag_wire(tag_id, title, color, now_iso())))
        return tag_id

    def add_folder(self, org_id: str, name: str, *, folder_type: str = "checklist") -> str:
        """Add a folder (``checklist`` or ``run``); returns its id."""
        org = self._org(org_id)
        folder_id = new_id()
        org.folders.add(
            Record(
                org_id, folder_wire(folder_id, name, folder_type, len(org.folders) + 1, now_iso())
            )
        )
        return folder_id

    def add_custom_field_key(
        self,
        org_id: str,
        key: str,
        *,
        applies_to: str,
        field_type: str,
        key_type: str = "custom",
        is_required: bool = False,
        is_active: bool = True,
        options: Sequence[str] = (),
        columns: Sequence[str] = (),
    ) -> str:
        """Define a custom-field key; returns its id. ``key_type="system"`` makes one of
        Tallyfy's own keys, which no route can create."""
        org = self._org(org_id)
        fields = {
            "key": key,
            "applies_to": applies_to,
            "field_type": field_type,
            "key_type": key_type,
            "is_required": is_required,
            "is_active": is_active,
            "options": list(options),
            "columns": list(columns),
        }
        wire = custom_key_wire(new_id(), fields, now_iso())
        org.custom_field_keys.add(Record(org_id, wire))
        return str(wire["id"])

    def set_custom_field(
        self, org_id: str, applies_to: str, record_id: str | int, key: str, value: Any
    ) -> None:
        """Store a custom-field value as is, unchecked (a system key's, as Tallyfy sets them).

        ``applies_to`` names the kind of record (``"process"``, ``"member"``, ``"capture"``...).
        """
        org = self._org(org_id)
        if applies_to in ("member", "guest"):
            slot = (applies_to, str(record_id))
            org.custom_values[slot] = {**org.custom_values.get(slot, {}), key: value}
            return
        collections: dict[str, Collection[Any]] = {
            "process": org.runs,
            "task": org.tasks,
            "template": org.blueprints,
            "folder": org.folders,
            "tag": org.tags,
        }
        if applies_to in collections:
            record = collections[applies_to].get(str(record_id))
            if record is None:
                raise KeyError(f"no {applies_to} {record_id} in {org_id}")
            record.update({"custom_fields": {**record.wire["custom_fields"], key: value}})
            return
        for blueprint in org.blueprints:
            if applies_to == "step":
                step = blueprint.step(str(record_id))
                if step is not None:
                    step.update({"custom_fields": {**step.wire["custom_fields"], key: value}})
                    return
                continue
            list_key = "prerun" if applies_to == "prerun" else "captures"
            owners: list[Record] = [blueprint] if applies_to == "prerun" else [*blueprint.steps]
            for owner in owners:
                items = owner.wire[list_key]
                if any(item["id"] == record_id for item in items):
                    merged = [
                        {**item, "custom_fields": {**item["custom_fields"], key: value}}
                        if item["id"] == record_id
                        else item
                        for item in items
                    ]
                    owner.update({list_key: merged})
                    return
        raise KeyError(f"no {applies_to} {record_id} in {org_id}")

    def add_file(
        self,
        org_id: str,
        content: bytes,
        *,
        filename: str = "file.pdf",
        subject_type: str = "Organization",
        subject_id: str | None = None,
        content_type: str = "application/pdf",
    ) -> str:
        """Store a file directly (an organization's logo by default); returns its id."""
        org = self._org(org_id)
        asset_id = new_id()
        subject = {"id": subject_id or org_id, "type": subject_type}
        wire = asset_wire(asset_id, org_id, filename, subject, {}, now_iso())
        org.assets.add(StoredFile(org_id, wire, content, content_type))
        return asset_id

    def add_client(
        self,
        org_ids: Iterable[str] = (),
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uris: Iterable[str] = (),
    ) -> tuple[str, str]:
        """Register an OAuth client linked to ``org_ids``, with the redirect URIs its browser
        sign-in may return to; returns (client_id, client_secret)."""
        if client_id is not None and not client_id.isdigit():
            raise ValueError("Tallyfy client ids are numeric")
        client = self.state.add_client(set(org_ids), client_id, client_secret, set(redirect_uris))
        return client.client_id, client.secret

    def add_blueprint(
        self,
        org_id: str,
        *,
        title: str,
        steps: Sequence[str | Mapping[str, Any]] = ("Step 1",),
        kickoff: Sequence[Mapping[str, Any]] = (),
        owner_id: int | None = None,
        **fields: Any,
    ) -> str:
        """Add a blueprint; returns its id.

        ``steps`` are titles or step bodies as POST .../steps takes them, with an optional
        ``captures`` list of form-field definitions; ``kickoff`` holds kick-off field
        definitions (``{"label", "field_type", "required", "options"?, "columns"?}``).
        Definitions are checked like the API checks them (ValueError otherwise).
        """
        org = self._org(org_id)
        owner = owner_id if owner_id is not None else self._any_member(org_id)
        errors: dict[str, list[str]] = {}
        definitions = [
            capture_definition(dict(d), f"kickoff.{i}.", errors) for i, d in enumerate(kickoff)
        ]
        if errors:
            raise ValueError(f"invalid kick-off fields: {errors}")
        now = now_iso()
        blueprint = create_blueprint(
            org, owner, now, title=title, fields=fields, kickoff=[d for d in definitions if d]
        )
        for index, step in enumerate(steps):
            body: dict[str, Any] = {"title": step} if isinstance(step, str) else dict(step)
            captures = body.pop("captures", [])
            added = add_step(blueprint, now, body.pop("title"), body)
            for number, capture in enumerate(captures):
                definition = capture_definition(
                    dict(capture), f"steps.{index}.captures.{number}.", errors
                )
                if definition is None:
                    raise ValueError(f"invalid form field: {errors}")
                add_capture(added, definition, now)
        return blueprint.id

    def launch(
        self,
        org_id: str,
        blueprint_id: str,
        *,
        user_id: int | None = None,
        name: str | None = None,
        kickoff: Mapping[str, Any] | None = None,
    ) -> str:
        """Launch a process as ``user_id`` (any member by default); returns the run id.

        ``kickoff`` values are checked as ``POST /runs`` checks ``prerun`` (ValueError).
        While the fake runs, the blueprint's webhook hears of the launch, as through the API.
        """
        org = self._org(org_id)
        blueprint = org.blueprints.get(blueprint_id)
        if blueprint is None:
            raise KeyError(f"no blueprint {blueprint_id} in {org_id}")
        launcher = self._user(user_id if user_id is not None else self._any_member(org_id))
        try:
            prerun = form_values(
                blueprint.kickoff_fields(), dict(kickoff or {}), key="prerun", org=org, require=True
            )
        except ApiError as refused:
            raise ValueError(refused.reply.body.decode()) from None
        run = launch_run(org, blueprint, launcher, now_iso(), soon_iso(), name=name, prerun=prerun)
        self.webhooks._on_launch(org, run)
        return run.id

    def add_task(
        self,
        org_id: str,
        *,
        title: str,
        owners: Mapping[str, Any] | None = None,
        deadline: str | None = None,
        task_type: str = "task",
        user_id: int | None = None,
    ) -> str:
        """Add a one-off task; returns its id.

        ``deadline`` is a request date (default: three days from now).
        """
        org = self._org(org_id)
        starter = user_id if user_id is not None else self._any_member(org_id)
        fields = Fields(dict(owners or {"users": [starter]}))
        checked = owners_from(fields, org)
        if fields.errors:
            raise ValueError(f"invalid owners: {fields.errors}")
        now = now_iso()
        moment = parse_request_date(deadline, self.state.request_dates) if deadline else None
        if deadline and moment is None:
            raise ValueError(f"not a date the API accepts: {deadline!r}")
        when = fmt(moment) if moment else fmt(datetime.fromisoformat(now) + timedelta(days=3))
        task = create_oneoff(
            org,
            starter,
            now,
            title=title,
            task_type=task_type,
            owners=store_owners(self.state, org, checked, now),
            deadline=when,
        )
        return task.id

    def seed_demo(
        self,
        processes: int = 20,
        tasks_per_process: int = 5,
        *,
        org_name: str = "Acme Demo",
        admin_email: str = "admin@acme.test",
        admin_password: str = "demo-password",
        client_id: str | None = None,
        client_secret: str | None = None,
        oneoff_tasks: int = 10,
        org_id: str | None = None,
    ) -> _seed.DemoOrg:
        """Add a realistic demo organization and return its ids and credentials.

        Members (admin, standard, light and more), guests, groups, tags, folders, three
        blueprints of ``tasks_per_process`` steps (one whose kick-off form has a required field
        of every type), ``processes`` processes in every status (active, complete, problem,
        archived, overdue) with tasks in several statuses, and ``oneoff_tasks`` one-off tasks.
        ``org_id``, ``client_id`` and ``client_secret`` pin what is otherwise random (a
        script that starts the fake can then know them in advance).
        100,000 tasks (``processes=10_000, tasks_per_process=10``) take about two seconds.
        """
        return _seed.seed_demo(
            self,
            processes=processes,
            tasks_per_process=tasks_per_process,
            org_name=org_name,
            admin_email=admin_email,
            admin_password=admin_password,
            client_id=client_id,
            client_secret=client_secret,
            oneoff_tasks=oneoff_tasks,
            org_id=org_id,
        )

    def snapshot(self, org_id: str, kind: str, item_id: str) -> Wire | None:
        """A copy of a stored object as the API would send it, or ``None``.

        ``kind`` is ``"blueprints"``, ``"runs"``, ``"tasks"``, ``"groups"``, ``"tags"`` or
        ``"folders"``.
        """
        collection = getattr(self._org(org_id), kind)
        record = collection.get(item_id)
        return dict(record.wire) if record is not None else None

    def _org(self, org_id: str) -> Org:
        org = self.state.orgs.get(org_id)
        if org is None:
            raise KeyError(f"no organization {org_id}")
        return org

    def _user(self, user_id: int) -> User:
        user = self.state.users.get(user_id)
        if user is None:
            raise KeyError(f"no user {user_id}")
        return user

    def _any_member(self, org_id: str) -> int:
        org = self._org(org_id)
        if org.default_admin_id is not None:
            return org.default_admin_id
        if not org.members:
            raise ValueError(f"organization {org_id} has no member: add_member() first")
        return next(iter(org.members))
