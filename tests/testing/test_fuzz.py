"""Property-based fuzzing of a running FakeTallyfy with schemathesis.

Two descriptions drive it. ``tests/data/fake-api.swagger.json`` is the fake's own (what
``GET /docs/index`` serves, kept in the repository so a change to the API surface shows in a
diff; a test below checks it is current): every operation is called with generated path,
query and body values, and every answer must be JSON, never 5xx, with a status the
description lists and an error body in the described shape. The Power Platform connector's
2021 description (``tests/data/powerplatform-connector.swagger.json``, Tallyfy's own old
schemas for task, process and comment bodies) adds realistic bodies for the operations where
it agrees with the current API; it lists only 200, so there only "no 5xx" and "JSON" apply.

Path parameters are mostly replaced by ids of the seeded demo organization, chosen from the
generated value, so that calls get past the 404 and into the routes' validation.

The fake serves from its own thread and event loop: schemathesis calls it synchronously.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tallyfy_async.testing import DemoOrg, FakeTallyfy

DATA = Path(__file__).resolve().parents[1] / "data"
OWN = DATA / "fake-api.swagger.json"
CONNECTOR = DATA / "powerplatform-connector.swagger.json"
#: Examples per operation: about 110 operations, so a few thousand requests in all.
EXAMPLES = 10

#: Connector operations that disagree with the current API: the micro-function routes are gone,
#: and reopening a process task is DELETE (the connector says POST).
DISAGREES = r"^/processes/micro-functions/|/runs/\{run\}/completed-tasks/\{task\}$"

own = schemathesis.openapi.from_dict(json.loads(OWN.read_text(encoding="utf-8")))
connector = schemathesis.openapi.from_dict(
    json.loads(CONNECTOR.read_text(encoding="utf-8"))
).exclude(path_regex=DISAGREES)

FUZZ_SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    database=None,
)


class LiveFake:
    """A seeded FakeTallyfy serving from a thread of its own until ``stop()``."""

    def __init__(self) -> None:
        self.fake: FakeTallyfy
        self.demo: DemoOrg
        self.token = ""
        self.session = requests.Session()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)

    def start(self) -> LiveFake:
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError("the fake did not start")
        return self

    def stop(self) -> None:
        self.session.close()
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    async def _serve(self) -> None:
        async with FakeTallyfy(seed=18) as fake:
            self.fake = fake
            self.demo = fake.seed_demo()
            self.token = fake.issue_token(self.demo.admin_id)
            org_id = self.demo.org_id
            fake.add_file(
                org_id, b"%PDF-1.4", subject_type="Task", subject_id=self.demo.oneoff_task_ids[0]
            )
            for kind in ("process", "task", "member", "guest", "folder", "tag", "template"):
                fake.add_custom_field_key(org_id, "note", applies_to=kind, field_type="text")
            fake.add_custom_field_key(
                org_id, "origin", applies_to="process", field_type="text", key_type="system"
            )
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await self._stop.wait()

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "X-Tallyfy-Client": "APIClient",
            "Accept": "application/json",
        }

    def ids(self, name: str, chosen: dict[str, Any]) -> list[Any]:
        """Ids of the demo organization a path parameter can take, given those already
        chosen (a step of the chosen blueprint, a task of the chosen process)."""
        org = self.fake.state.orgs[self.demo.org_id]
        blueprint = org.blueprints.get(str(chosen.get("checklist_id", "")))
        run = org.runs.get(str(chosen.get("run_id", chosen.get("run", ""))))
        task = org.tasks.get(str(chosen.get("task_id", chosen.get("task", ""))))
        step = blueprint.step(str(chosen.get("step_id", ""))) if blueprint else None
        pools: dict[str, list[Any]] = {
            "checklist_id": [b.id for b in org.blueprints],
            "run_id": [r.id for r in org.runs],
            "task_id": [t.id for t in (run.tasks if run else org.tasks)],
            "step_id": [s.id for s in blueprint.steps] if blueprint else [],
            "capture_id": [c["id"] for c in step.captures()] if step else [],
            "prerun_id": [f["id"] for f in blueprint.wire["prerun"]] if blueprint else [],
            "automation_id": (
                [a["id"] for a in blueprint.wire["automated_actions"]] if blueprint else []
            ),
            "comment_id": [c.id for c in task.threads] if task else [],
            "tag_id": [t.id for t in org.tags],
            "group_id": [g.id for g in org.groups],
            "folder_id": [f.id for f in org.folders],
            "user_id": sorted(org.members),
            "guest_id": [self.demo.guest_id],
            "guest_code": [self.demo.guest_id],
            "email": [self.demo.guest_email],
            "asset_id": [a.id for a in org.assets],
            "key_id": [k.id for k in org.custom_field_keys],
            "key": sorted({k.wire["key"] for k in org.custom_field_keys}),
            "watcher_id": sorted(org.watchers),
        }
        pools["run"], pools["task"], pools["member"] = (
            pools["run_id"],
            pools["task_id"],
            pools["user_id"],
        )
        return pools.get(name, [])

    def aim(self, case: schemathesis.Case) -> None:
        """Point the case at the demo organization and, mostly, at objects that exist."""
        chosen: dict[str, Any] = {}
        for name, value in (case.path_parameters or {}).items():
            if name == "org":
                chosen[name] = self.demo.org_id
                continue
            pool = self.ids(name, chosen)
            # Three values in four become a real id, picked by the generated value itself,
            # so that hypothesis can replay and shrink the case.
            pick = sum(str(value).encode()) if value is not None else 0
            chosen[name] = pool[pick % len(pool)] if pool and pick % 4 else value
        if case.path_parameters is not None:
            case.path_parameters = chosen
        # Authentication is tried elsewhere: here every call is made as the administrator.
        case.headers = {**(case.headers or {}), **self.headers}


def is_json(response: schemathesis.Response) -> bool:
    values = response.headers.get("content-type") or response.headers.get("Content-Type") or [""]
    return values[0].startswith("application/json")


@pytest.fixture(scope="module")
def live() -> Iterator[LiveFake]:
    fake = LiveFake().start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True, scope="module")
def no_server_errors(live: LiveFake) -> Iterator[None]:
    yield
    statuses = Counter(entry.status for entry in live.fake.log)
    print(f"\nfuzz: {len(live.fake.log)} requests, statuses {dict(sorted(statuses.items()))}")
    assert live.fake.server_errors == []


@own.parametrize()
@FUZZ_SETTINGS
def test_fake_against_its_own_description(case: schemathesis.Case, live: LiveFake) -> None:
    live.aim(case)
    response = case.call(base_url=live.fake.base_url, session=live.session, headers=live.headers)
    case.validate_response(
        response,
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        headers=live.headers,
    )
    assert not response.content or is_json(response), response.content[:200]


@connector.parametrize()
@FUZZ_SETTINGS
def test_fake_against_the_connector_description(case: schemathesis.Case, live: LiveFake) -> None:
    live.aim(case)
    response = case.call(base_url=live.fake.base_url, session=live.session, headers=live.headers)
    assert response.status_code < 500, response.text
    assert not response.content or is_json(response), response.content[:200]


async def test_the_kept_description_is_what_the_fake_serves(tallyfy_fake: FakeTallyfy) -> None:
    served = tallyfy_fake.api_description()
    kept = json.loads(OWN.read_text(encoding="utf-8"))
    assert kept == served, (
        "tests/data/fake-api.swagger.json is out of date; regenerate it with\n"
        "python -c 'import json; from tallyfy_async.testing import FakeTallyfy; "
        "print(json.dumps(FakeTallyfy().api_description(), indent=1, ensure_ascii=False))' "
        "> tests/data/fake-api.swagger.json"
    )
