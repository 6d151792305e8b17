"""The pytest plugin as a user meets it: a project of their own, run by pytest in a subprocess.

(These tests drive the SDK through a user's test file, unlike the raw-HTTP tests beside them.)
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

CONFIG = """\
[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
"""

USER_TEST = """\
from tallyfy_async.testing import FakeTallyfy


async def test_the_demo_has_active_processes(tallyfy_org, tallyfy_demo):
    page = await tallyfy_org.processes.list(status="active")
    assert page.total == len(tallyfy_demo.processes_by_status["active"]) > 0


async def test_the_client_is_wired_to_the_fake(tallyfy_client, tallyfy_fake: FakeTallyfy):
    assert str(tallyfy_client.base_url) == tallyfy_fake.base_url
    await tallyfy_client.request("GET", "/me")
    assert [r.status for r in tallyfy_fake.log if r.path.endswith("/me")] == [200]
"""


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


def make_project(tmp_path: Path, config: str = CONFIG) -> Path:
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "test_user.py").write_text(USER_TEST)
    return tmp_path


def test_a_users_tests_run_with_the_fixtures_and_no_warning(tmp_path: Path) -> None:
    done = run_pytest(make_project(tmp_path), "-W", "error", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert "warning" not in (done.stdout + done.stderr).lower()


def test_without_pytest_asyncio_the_run_stops_once_saying_what_to_install(
    tmp_path: Path,
) -> None:
    done = run_pytest(make_project(tmp_path), "-p", "no:asyncio", "-q")
    output = done.stdout + done.stderr
    assert done.returncode == 4, output  # a usage error: nothing ran
    assert output.count('pip install "tallyfy-async[test]"') == 1
    assert "need pytest-asyncio" in output
    assert "AssertionError" not in output and "passed" not in output


def test_a_project_that_does_not_use_the_fixtures_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    done = run_pytest(tmp_path, "-p", "no:asyncio", "-q", "-W", "error")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_loop_scope_of_the_fixtures_does_not_depend_on_the_project(tmp_path: Path) -> None:
    config = textwrap.dedent(
        """\
        [tool.pytest.ini_options]
        asyncio_mode = "auto"
        asyncio_default_fixture_loop_scope = "module"
        """
    )
    done = run_pytest(make_project(tmp_path, config), "-q", "-W", "error")
    assert done.returncode == 0, done.stdout + done.stderr
