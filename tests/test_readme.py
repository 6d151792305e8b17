"""Every Python block of README.md runs, against FakeTallyfy.

How blocks are run (the README's "Working on the README" says the same):

- A ```python block is a complete program. Its placeholders (``<ORG_ID>``, ``<CLIENT_ID>``...:
  ``placeholders()`` below, the README's table) are replaced with the values of a fresh demo
  organization (``FakeTallyfy.seed_demo()``), and it runs with ``python`` in a subprocess whose
  ``TALLYFY_BASE_URL`` and ``TALLYFY_TOKEN_URL`` point at that fake. It must exit 0.
- An HTML comment on the line above the fence picks another context:
  - ``<!-- readme-test: pytest -->``: the block is a test module of a user's project. It is
    written to a new directory whose ``pyproject.toml`` is the README's
    ``[tool.pytest.ini_options]`` block and run with ``python -m pytest -W error``; it must pass.
  - ``<!-- readme-test: notebook -->``: the block is a notebook cell. It runs like a program
    (same placeholders, same fake), compiled with top-level ``await`` as IPython compiles a cell.
- A placeholder that ``placeholders()`` does not know fails the block.

Adding a block needs nothing here: blocks are found when the tests are collected.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from tallyfy_async.testing import DemoOrg, FakeTallyfy

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: Documents whose blocks run, and whose citations must name files of the repository.
DOCUMENTS = [README]
CONTEXTS = ("program", "pytest", "notebook")
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]+>")
FENCE = re.compile(
    r"(?:^<!-- readme-test: (?P<context>\w+) -->\n)?^```(?P<lang>\w*)\n(?P<code>.*?)^```$",
    re.M | re.S,
)

#: Runs a notebook cell: top-level await, as IPython compiles it.
NOTEBOOK = """\
import ast, asyncio, sys
source = open(sys.argv[1], encoding="utf-8").read()
code = compile(source, sys.argv[1], "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
result = eval(code, {"__name__": "__main__"})
if asyncio.iscoroutine(result):
    asyncio.run(result)
"""


@attrs.frozen
class Block:
    document: Path
    line: int
    lang: str
    context: str
    code: str

    @property
    def name(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"


def blocks(documents: list[Path] = DOCUMENTS) -> Iterator[Block]:
    for document in documents:
        text = document.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start("code"))
            yield Block(document, line, match["lang"], match["context"] or "program", match["code"])


PYTHON = [block for block in blocks() if block.lang == "python"]


def placeholders(demo: DemoOrg, fake: FakeTallyfy) -> dict[str, str]:
    """What the placeholders of the README stand for, in the demo organization."""
    purchase = demo.blueprint_ids[1]
    snapshot = fake.snapshot(demo.org_id, "blueprints", purchase)
    assert snapshot is not None and snapshot["title"] == "Purchase Request"
    return {
        "<CLIENT_ID>": demo.client_id,
        "<CLIENT_SECRET>": demo.client_secret,
        "<USERNAME>": demo.admin_email,
        "<PASSWORD>": demo.admin_password,
        "<ORG_ID>": demo.org_id,
        "<BLUEPRINT_ID>": purchase,
    }


def pytest_config() -> str:
    """The README's ``[tool.pytest.ini_options]`` block: the config of a user's project."""
    [config] = [b.code for b in blocks([README]) if b.lang == "toml" and "pytest" in b.code]
    assert "asyncio_mode" in tomllib.loads(config)["tool"]["pytest"]["ini_options"]
    return config


async def run(*command: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command to its end without blocking the event loop the fake serves on."""
    import asyncio

    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    text = output.decode(errors="replace")
    assert process.returncode == 0, f"{shlex.join(command)} failed:\n{text}"
    return text


@pytest.mark.parametrize("block", PYTHON, ids=[b.name for b in PYTHON])
async def test_the_block_runs(block: Block, fake: FakeTallyfy, tmp_path: Path) -> None:
    assert block.context in CONTEXTS, f"{block.name}: unknown context {block.context!r}"
    if block.context == "pytest":
        (tmp_path / "pyproject.toml").write_text(pytest_config(), encoding="utf-8")
        (tmp_path / "test_readme_block.py").write_text(block.code, encoding="utf-8")
        output = await run(
            sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider",
            cwd=tmp_path,
        )  # fmt: skip
        assert " passed" in output and "failed" not in output, output
        return
    demo = fake.seed_demo()
    code = block.code
    for placeholder, value in placeholders(demo, fake).items():
        code = code.replace(placeholder, value)
    unknown = sorted(set(PLACEHOLDER.findall(code)))
    assert unknown == [], f"{block.name}: placeholders the test does not know: {unknown}"
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    env = dict(os.environ, TALLYFY_BASE_URL=fake.base_url, TALLYFY_TOKEN_URL=fake.token_url)
    env["PYTHONWARNINGS"] = "error::ResourceWarning"
    if block.context == "notebook":
        await run(sys.executable, "-c", NOTEBOOK, str(script), cwd=tmp_path, env=env)
    else:
        await run(sys.executable, str(script), cwd=tmp_path, env=env)
    assert fake.server_errors == []


# -- what the README promises about itself ----------------------------------------------------


def readme_commands() -> list[str]:
    [first] = [b for b in blocks([README]) if b.lang == "bash"][:1]
    return first.code.strip().splitlines()


def test_the_readme_has_its_two_commands_and_ci_runs_the_second_one() -> None:
    install_and_run, test = readme_commands()
    assert install_and_run == "pip install . && tallyfy-async export --fake --out export.sqlite"
    assert test.startswith('pip install ".[dev]" && python -m pytest ')
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci, "CI must run the README's test command exactly"


def exported(folder: Path) -> list[tuple[str, bool]]:
    """The files in ``folder``, and whether each holds over a megabyte."""
    return [(path.name, path.stat().st_size > 1_000_000) for path in folder.iterdir()]


async def test_the_first_command_exports_the_demo_organization(tmp_path: Path) -> None:
    install_and_run, _ = readme_commands()
    _, export = install_and_run.split(" && ")
    program, *args = shlex.split(export)
    script = Path(sys.executable).with_name(program)  # the console script pip installed
    command = [str(script)] if script.exists() else [sys.executable, "-m", "tallyfy_async"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALLYFY_")}
    output = await run(*command, *args, cwd=tmp_path, env=env)
    assert re.search(r"^exported 3 blueprints, 1,000 processes \(100 archived\), ", output, re.M)
    assert re.search(r"records in [\d.]+ s \([\d,]+ records/s\)", output), output
    assert exported(tmp_path) == [("export.sqlite", True)]


def test_extras_are_quoted_so_every_shell_takes_them() -> None:
    text = README.read_text(encoding="utf-8")
    for command in re.findall(r"pip install[^\n`]*", text):
        for word in command.split()[2:]:
            assert "[" not in word or word[0] in "'\"", f"unquoted extra in: {command}"


def test_the_test_extra_holds_what_the_fixtures_need_and_dev_the_rest() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[<>=\[; ]", r, maxsplit=1)[0] for r in requirements}

    assert names(extras["test"]) == {"pytest", "pytest-asyncio"}
    assert "tallyfy-async" in names(extras["dev"])  # dev brings test
    assert {"ruff", "mypy", "hypothesis", "aioresponses"} <= names(extras["dev"])


def test_documents_cite_only_files_of_the_repository() -> None:
    # CHANGELOG names files a change removed: only what lies outside the repository is
    # checked there.
    for record in (ROOT / "CHANGELOG.md", ROOT / "SECURITY.md"):
        text = record.read_text(encoding="utf-8")
        assert "shared/" not in text and "catalogue" not in text.lower(), record.name
        assert not re.search(r"DESIGN\.md|\bissue \d", text), record.name
    for document in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        text = document.read_text(encoding="utf-8")
        assert "shared/" not in text and "catalogue" not in text.lower(), document.name
        # Nor the design notes beside the repository, nor the issues behind a change.
        assert not re.search(r"DESIGN\.md|\bissue \d", text), document.name
        for path in re.findall(r"`((?:[\w.-]+/)*[\w-]+\.(?:md|py|json|toml))`", text):
            assert (ROOT / path).exists() or path.startswith(("test_", "block")), (
                f"{document.name} cites {path}, which the repository does not have"
            )


def test_every_python_block_is_found() -> None:
    # Guards the block finder: the README has programs, pytest modules and a notebook cell.
    contexts = {block.context for block in PYTHON}
    assert contexts == set(CONTEXTS)
    assert len([b for b in PYTHON if b.document == README]) >= 6
