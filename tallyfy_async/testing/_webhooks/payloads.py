"""The two webhook payloads Tallyfy documents, built from the fake's state.

A process payload (launch, completion) is the run's fields plus ``process-tasks``,
``ko-form-fields``, ``guest-links`` and ``launcher``; a task-completion payload is
``this_task`` with the ``launcher``, ``completer``, ``process-tasks``, ``form-fields``,
``template``, ``process``, ``guest-links`` and ``next_task`` (``[]`` once every task is
done). Note the hyphenated top-level keys, as Tallyfy writes them.

Dates follow the organization's ``webhook_date_field_format``: ISO ``yyyy-MM-ddTHH:mm:ssZ``
(no milliseconds, unlike API responses) or ``d/m/Y h:i A T`` in the organization's
``timezone``.

A one-off task has no process, template or next task; Tallyfy documents no payload for
it, so the fake sends the task payload with ``process`` and ``template`` null and empty
process lists (a GUESS).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tallyfy_async.testing._state import Org, Run, State, Task, Wire

#: The organization setting ``webhook_date_field_format``: ISO 8601 (the default), or the
#: human ``d/m/Y h:i A T`` in the organization's time zone.
ISO_FORMAT = "yyyy-MM-ddTHH:mm:ssZ"
HUMAN_FORMAT = "d/m/Y h:i A T"
DATE_FORMATS = (ISO_FORMAT, HUMAN_FORMAT)

#: Tallyfy's web app, where its links point.
APP_URL = "https://go.tallyfy.com"


class Payloads:
    """Builds payloads for one organization, its date format and its people."""

    def __init__(self, state: State, org: Org) -> None:
        self.state = state
        self.org = org
        self._human = org.wire.get("webhook_date_field_format") == HUMAN_FORMAT
        self._zone = ZoneInfo(str(org.wire.get("timezone") or "UTC")) if self._human else None

    # ------------------------------------------------------------------ pieces

    def date(self, text: str | None) -> str | None:
        """A stored date (``...T14:30:00.000Z``) as the organization's webhooks write it.

        Never raises for a stored date, so building a payload after a write cannot fail it.
        """
        if text is None:
            return None
        if self._zone is None:
            return text[:19] + "Z"
        moment = datetime.fromisoformat(text)
        try:
            local = moment.astimezone(self._zone)
        except OverflowError:
            # A date at the calendar's edge (9999-12-31 ahead of UTC, 0001-01-01 behind it)
            # has no local time Python can hold: write it in UTC, with "UTC" as its zone, so
            # the payload names the zone it is in and the write that sent it still succeeds.
            local = moment.astimezone(UTC)
        return f"{local:%d/%m/%Y %I:%M %p} {local.tzname()}"

    def person(self, user_id: int | None) -> Wire | None:
        """``{id, email, full_name}`` of a member."""
        user = self.state.users.get(user_id) if user_id is not None else None
        if user is None:
            return None
        return {"id": user.id, "email": user.email, "full_name": user.full_name}

    def owners(self, task: Task) -> Wire:
        """Members as objects, guests by email (groups are not in the payload)."""
        owners = task.wire["owners"]
        users = [self.person(user_id) for user_id in owners["users"]]
        return {"users": [u for u in users if u is not None], "guests": list(owners["guests"])}

    def captures(self, task: Task) -> Wire:
        """The task's form fields and answers, by timeline id."""
        answers = task.wire["taskdata"]
        return {
            field["id"]: {
                "alias": field["alias"],
                "label": field["label"],
                "value": answers.get(field["id"]),
            }
            for field in task.captures()
        }

    def guest_links(self, tasks: list[Task]) -> Wire:
        """Each guest owner's link to their tasks."""
        links: Wire = {}
        for task in tasks:
            for email in task.wire["owners"]["guests"]:
                code = hashlib.sha256(f"{self.org.id}:{email}".encode()).hexdigest()[:16]
                links[email] = {"link_for_guest": f"{APP_URL}/guest-all-task/{self.org.id}/{code}"}
        return links

    @staticmethod
    def process_tasks(tasks: list[Task]) -> Wire:
        """Task id by alias (by id for a task without an alias)."""
        return {task.wire["alias"] or task.id: task.id for task in tasks}

    def kickoff_by_alias(self, run: Run) -> Wire:
        """Kick-off answers by the kick-off field's alias."""
        if run.blueprint is None:
            return {}
        fields = run.blueprint.kickoff_fields()
        return {
            fields[field_id]["alias"]: value
            for field_id, value in run.wire["prerun"].items()
            if field_id in fields
        }

    def task_summary(self, task: Task) -> Wire:
        """A task as ``next_task`` shows it (``this_task`` adds its completion)."""
        wire = task.wire
        return {
            "id": task.id,
            "title": wire["title"],
            "alias": wire["alias"],
            "status": wire["status"],
            "summary": task.summary,
            "position": wire["position"],
            "deadline": self.date(wire["deadline"]),
            "captures": self.captures(task),
            "owners": self.owners(task),
        }

    # ------------------------------------------------------------------ payloads

    def process(self, run: Run) -> Wire:
        """The launch / completion payload."""
        wire = run.wire
        org = self.org
        users = [self.state.users.get(user_id) for user_id in wire["users"]]
        groups = [org.groups.get(group_id) for group_id in wire["groups"]]
        return {
            "id": run.id,
            "increment_id": wire["increment_id"],
            "checklist_id": wire["checklist_id"],
            "checklist_title": wire["checklist_title"],
            "name": wire["name"],
            "summary": wire["summary"],
            "status": wire["status"],
            # A bare percentage, as Tallyfy's webhook example shows (reads send an object).
            "progress": wire["progress"]["percent"],
            "whole_progress": wire["whole_progress"]["percent"],
            "started_by": wire["started_by"],
            "owner_id": wire["owner_id"],
            "prerun": dict(wire["prerun"]),
            "prerun_status": wire["prerun_status"],
            "prerun_completed_at": self.date(wire["prerun_completed_at"]),
            "prerun_completed_by": wire["prerun_completed_by"],
            "prerun_length": wire["prerun_length"],
            "created_at": self.date(wire["created_at"]),
            "started_at": self.date(wire["started_at"]),
            "last_updated": self.date(wire["last_updated"]),
            "completed_at": self.date(wire["completed_at"]),
            "collaborators": list(wire["collaborators"]),
            "late_tasks": wire["late_tasks"],
            "due_soon": wire["due_soon"],
            "due_date": self.date(wire["due_date"]),
            "users": [{"user_id": u.id, "full_name": u.full_name} for u in users if u],
            "groups": [{"group_id": g.id, "name": g.wire["name"]} for g in groups if g],
            "process-tasks": self.process_tasks(run.tasks),
            "ko-form-fields": self.kickoff_by_alias(run),
            "guest-links": self.guest_links(run.tasks),
            "launcher": self.person(wire["started_by"]),
        }

    def task_completed(self, task: Task) -> Wire:
        """The task-completion payload."""
        wire = task.wire
        run = task.run
        this_task = {
            **self.task_summary(task),
            "completed_at": self.date(wire["completed_at"]),
            "completed_by": self.person(wire["completer_id"]),
            "assets": _assets(task),
        }
        if run is None:
            tasks = [task]
            launcher = wire["starter_id"]
            template = process = None
            next_task: Any = []
        else:
            tasks = run.tasks
            launcher = run.wire["started_by"]
            template = self._template(run)
            process = self._process(run)
            following = run.next_task()
            next_task = self.task_summary(following) if following is not None else []
        return {
            "this_task": this_task,
            "launcher": self.person(launcher),
            "completer": self.person(wire["completer_id"]),
            "process-tasks": self.process_tasks(tasks) if run is not None else [],
            "form-fields": self._answers_by_alias(tasks, run),
            "template": template,
            "process": process,
            "guest-links": self.guest_links(tasks),
            "next_task": next_task,
        }

    def _template(self, run: Run) -> Wire | None:
        blueprint = run.blueprint
        if blueprint is None:
            return None
        wire = blueprint.wire
        return {
            "id": blueprint.id,
            "title": wire["title"],
            "alias": wire["alias"],
            "summary": wire["summary"],
        }

    def _process(self, run: Run) -> Wire:
        wire = run.wire
        forms: Wire = {}
        for task in run.tasks:
            if task.step is not None and task.captures():
                forms[task.step.id] = self.captures(task)
        return {
            "id": run.id,
            "organization_id": self.org.id,
            "name": wire["name"],
            "summary": wire["summary"],
            "status": wire["status"],
            "progress": wire["progress"]["percent"],
            "created_at": self.date(wire["created_at"]),
            "ClientURL": f"{APP_URL}/tracker/{run.id}",
            "prerun": dict(wire["prerun"]),
            "process_forms": forms,
            "tags": [
                {"id": tag["tag_id"], "name": tag["title"], "color": tag["color"]}
                for tag in run.tags
            ],
        }

    def _answers_by_alias(self, tasks: list[Task], run: Run | None) -> Wire:
        """Every answer given so far, tasks and kick-off, by field alias."""
        answers: Wire = self.kickoff_by_alias(run) if run is not None else {}
        for task in tasks:
            given = task.wire["taskdata"]
            for field in task.captures():
                if field["id"] in given:
                    answers[field["alias"]] = given[field["id"]]
        return answers


def _assets(task: Task) -> list[Wire]:
    """Files uploaded to the task's file fields."""
    out = []
    for field in task.captures():
        if field["field_type"] != "file":
            continue
        for item in task.wire["taskdata"].get(field["id"]) or []:
            if isinstance(item, dict) and "id" in item:
                out.append(
                    {
                        "id": item["id"],
                        "filename": item.get("filename") or item.get("name"),
                        "version": str(item.get("version", 1)),
                        "public_link": item.get("url"),
                    }
                )
    return out
