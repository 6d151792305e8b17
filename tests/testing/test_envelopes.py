"""Envelopes, pagination, both mount points, includes and 404/405 answers."""

from __future__ import annotations

import re

from tallyfy_async.testing import DemoOrg, FakeTallyfy
from tests.testing.support import Api

ID32 = re.compile(r"^[0-9a-f]{32}$")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")


async def test_item_envelope(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    answer = await api.get(f"{org_path}/runs/{tallyfy_demo.process_ids[0]}")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert list(answer.json) == ["data"]
    run = answer.json["data"]
    assert ID32.match(run["id"]) and run["id"] == tallyfy_demo.process_ids[0]
    assert STAMP.match(run["created_at"])
    assert isinstance(run["started_by"], int)


async def test_list_envelope_and_pagination_meta(api: Api, org_path: str) -> None:
    answer = await api.get(f"{org_path}/runs")
    assert list(answer.json) == ["data", "meta"]
    pagination = answer.json["meta"]["pagination"]
    assert list(pagination) == [
        "total",
        "count",
        "per_page",
        "current_page",
        "total_pages",
        "links",
    ]
    live = 18  # 20 demo processes, 2 archived
    assert pagination == {
        "total": live,
        "count": 10,
        "per_page": 10,
        "current_page": 1,
        "total_pages": 2,
        "links": {"next": f"{api.fake.base_url}{org_path}/runs?page=2"},
    }
    assert len(answer.json["data"]) == 10


async def test_links_keep_the_query_and_name_previous(api: Api, org_path: str) -> None:
    answer = await api.get(f"{org_path}/runs?status=active&per_page=3&page=2")
    pagination = answer.json["meta"]["pagination"]
    base = f"{api.fake.base_url}{org_path}/runs"
    assert pagination["links"] == {
        "previous": f"{base}?status=active&per_page=3&page=1",
        "next": f"{base}?status=active&per_page=3&page=3",
    }
    assert pagination["current_page"] == 2
    assert pagination["total_pages"] == -(-pagination["total"] // 3)


async def test_a_repeated_query_name_is_read_as_its_last_value(api: Api, org_path: str) -> None:
    # As PHP reads a query string; the links carry one page, where the first one was.
    answer = await api.get(f"{org_path}/runs?per_page=2&page=1&status=active&page=2&per_page=3")
    pagination = answer.json["meta"]["pagination"]
    base = f"{api.fake.base_url}{org_path}/runs"
    assert (pagination["current_page"], pagination["per_page"]) == (2, 3)
    assert pagination["links"] == {
        "previous": f"{base}?per_page=2&page=1&status=active&per_page=3",
        "next": f"{base}?per_page=2&page=3&status=active&per_page=3",
    }


async def test_last_page_has_only_previous(api: Api, org_path: str) -> None:
    answer = await api.get(f"{org_path}/runs?per_page=10&page=2")
    assert answer.json["meta"]["pagination"]["links"] == {
        "previous": f"{api.fake.base_url}{org_path}/runs?per_page=10&page=1"
    }
    assert answer.json["meta"]["pagination"]["count"] == 8


async def test_links_are_an_empty_array_when_there_is_one_page(api: Api, org_path: str) -> None:
    answer = await api.get(f"{org_path}/checklists")
    assert answer.json["meta"]["pagination"]["links"] == []
    assert '"links":[]' in answer.text


async def test_empty_list_reports_one_page(api: Api, org_path: str) -> None:
    answer = await api.get(f"{org_path}/runs?q=no-such-process")
    assert answer.json == {
        "data": [],
        "meta": {
            "pagination": {
                "total": 0,
                "count": 0,
                "per_page": 10,
                "current_page": 1,
                "total_pages": 1,
                "links": [],
            }
        },
    }


async def test_per_page_is_capped_at_100(tallyfy_fake: FakeTallyfy, session: object) -> None:
    demo = tallyfy_fake.seed_demo(processes=150, tasks_per_process=1)
    api = Api(tallyfy_fake, session, tallyfy_fake.issue_token(demo.admin_id))  # type: ignore[arg-type]
    answer = await api.get(f"/organizations/{demo.org_id}/tasks?per_page=500")
    pagination = answer.json["meta"]["pagination"]
    assert pagination["per_page"] == 100
    assert pagination["count"] == 100
    assert len(answer.json["data"]) == 100
    assert pagination["total_pages"] == -(-pagination["total"] // 100)


async def test_page_beyond_the_end_is_empty(api: Api, org_path: str) -> None:
    answer = await api.get(f"{org_path}/runs?page=9")
    assert answer.json["data"] == []
    assert answer.json["meta"]["pagination"]["current_page"] == 9
    assert answer.json["meta"]["pagination"]["links"] == {
        "previous": f"{api.fake.base_url}{org_path}/runs?page=8"
    }


async def test_without_pagination_returns_everything_without_meta(api: Api, org_path: str) -> None:
    answer = await api.get(f"{org_path}/tasks?without_pagination=true")
    assert list(answer.json) == ["data"]
    assert len(answer.json["data"]) > 10


async def test_both_mount_points_answer_the_same(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    path = f"{org_path}/runs/{tallyfy_demo.process_ids[0]}"
    under_api = await api.get(path)
    at_root = await api.get(path, root=True)
    assert under_api.status == at_root.status == 200
    assert under_api.json == at_root.json


async def test_root_mount_links_stay_at_the_root(api: Api, org_path: str) -> None:
    answer = await api.get(f"{org_path}/runs", root=True)
    assert answer.json["meta"]["pagination"]["links"]["next"] == (
        f"{api.fake.root_url}{org_path}/runs?page=2"
    )


async def test_unknown_path_is_endpoint_not_found(api: Api) -> None:
    for root in (False, True):
        answer = await api.get("/no/such/route", root=root)
        assert answer.status == 404
        assert answer.text == (
            '{"error":true,"message":"API endpoint not found","code":"ENDPOINT_NOT_FOUND"}'
        )


async def test_unknown_id_is_resource_not_found_with_key_order(api: Api, org_path: str) -> None:
    answer = await api.get(f"{org_path}/runs/{'0' * 32}")
    assert answer.status == 404
    assert (
        answer.text == '{"message":"Resource not found","code":"RESOURCE_NOT_FOUND","error":true}'
    )


async def test_404_is_html_unless_json_is_accepted(api: Api, org_path: str) -> None:
    for accept in ("*/*", "text/html"):
        answer = await api.get(f"{org_path}/runs/{'0' * 32}", headers=api.headers(Accept=accept))
        assert answer.status == 404
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "<div>404 | Not Found</div>" in answer.text
    missing_path = await api.get("/nowhere", headers=api.headers(Accept="*/*"))
    assert "<div>404 | Not Found</div>" in missing_path.text


async def test_includes_are_wrapped_in_data(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    run_id = tallyfy_demo.process_ids[0]
    plain = await api.get(f"{org_path}/runs/{run_id}")
    assert "tasks" not in plain.json["data"]
    answer = await api.get(
        f"{org_path}/runs/{run_id}?with=checklist,tasks,next_task,tags,ko_form_fields"
    )
    run = answer.json["data"]
    assert run["checklist"]["data"]["id"] == run["checklist_id"]
    assert [task["run_id"] for task in run["tasks"]["data"]] == [run_id] * 5
    assert list(run["next_task"]["data"][0]) == [
        "id",
        "increment_id",
        "title",
        "alias",
        "owners",
        "deadline",
    ]
    # Every fifth demo process is tagged, the first one included.
    assert run["tags"]["data"][0]["tag_id"] in tallyfy_demo.tag_ids
    assert isinstance(run["tags"]["data"][0]["id"], int)
    assert len(run["ko_form_fields"]["data"]) == 10


async def test_blueprint_prerun_is_inline_and_steps_an_include(
    api: Api, org_path: str, tallyfy_demo: DemoOrg
) -> None:
    answer = await api.get(f"{org_path}/checklists/{tallyfy_demo.kickoff_blueprint_id}?with=steps")
    blueprint = answer.json["data"]
    assert isinstance(blueprint["prerun"], list) and len(blueprint["prerun"]) == 10
    assert blueprint["automated_actions"] == []
    assert len(blueprint["steps"]["data"]) == blueprint["steps_count"] == 5


async def test_unknown_includes_are_ignored(api: Api, org_path: str, tallyfy_demo: DemoOrg) -> None:
    answer = await api.get(f"{org_path}/runs/{tallyfy_demo.process_ids[0]}?with=nonsense")
    assert answer.status == 200
    assert "nonsense" not in answer.json["data"]


async def test_head_answers_like_get_without_a_body(api: Api) -> None:
    answer = await api.call("HEAD", "/me")
    assert answer.status == 200 and answer.text == ""


async def test_wrong_method_is_405_with_allow(api: Api, org_path: str) -> None:
    answer = await api.call("PATCH", f"{org_path}/runs")
    assert answer.status == 405
    assert answer.headers["Allow"] == "GET, POST"
