"""The official ``tallyfy`` 3.1.0 SDK (synchronous, requests-based), for comparison.

It takes an access token and a ``base_url``. It has no organization-wide task listing, so
paging calls the two things its own listings call (``get_my_tasks``,
``get_tasks_for_process``): ``sdk._make_request("GET", ...)`` and ``TasksList.from_dict``.
Imported only inside a client process.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from tallyfy import TallyfySDK
from tallyfy.models import TasksList

from benchmarks.jobs import OrgLogin, Target

CALLS = {
    "small_get": "sdk.tasks.get_standalone_task(org_id, task_id)",
    "paging": "TasksList.from_dict(sdk._make_request('GET', 'organizations/{org}/tasks', ...))",
    "export": "the same, page after page, sequentially",
    "launch": "sdk.tasks.launch_process(org_id, template_id, name, prerun=...)",
}


def official_version() -> str:
    """The installed version of ``tallyfy``."""
    return version("tallyfy")


class OfficialClient:
    """One ``TallyfySDK`` (one ``requests.Session``); make one per thread."""

    def __init__(self, target: Target, login: OrgLogin, token: str) -> None:
        self.target = target
        self.org_id = login.org_id
        self.sdk = TallyfySDK(api_key=token, base_url=target.base_url)

    def close(self) -> None:
        """Close the requests session."""
        self.sdk.session.close()

    def get_task(self, _: int = 0) -> Any:
        """One typed task."""
        return self.sdk.tasks.get_standalone_task(self.org_id, self.target.task_id)

    def page(self, number: int, per_page: int) -> TasksList:
        """One typed page of the organization's tasks."""
        body = self.sdk._make_request(
            "GET",
            f"organizations/{self.org_id}/tasks",
            params={"page": number, "per_page": per_page},
        )
        return TasksList.from_dict(body)

    def launch(self, index: int) -> Any:
        """Launch one process with kick-off values."""
        return self.sdk.tasks.launch_process(
            self.org_id,
            self.target.blueprint_id,
            f"Bench launch {index}",
            prerun=self.target.kickoff,
        )
