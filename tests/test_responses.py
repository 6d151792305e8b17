"""A response prints its shape, never its body (pages are large and may hold guest links)."""

from __future__ import annotations

from tallyfy_async import TallyfyClient
from tallyfy_async._responses import EncodedBody, Response
from tallyfy_async.testing import DemoOrg


async def test_a_response_prints_its_shape_not_its_body(
    client: TallyfyClient, demo: DemoOrg
) -> None:
    org = client.org(demo.org_id)
    page = await org.request("GET", f"/organizations/{org.org_id}/runs", params={"per_page": 2})
    assert repr(page) == "Response(status=200, data=list[2], meta keys=['pagination'])"
    one = await org.request("GET", f"/organizations/{org.org_id}/runs/{demo.process_ids[0]}")
    assert repr(one) == f"Response(status=200, data=dict[{len(one.data)} keys])"
    raw = EncodedBody(b'{"data": []}', "application/json", 200, "GET", "https://x/y")
    assert repr(Response(200, {}, raw)) == "Response(status=200, body=<12 bytes undecoded>)"
