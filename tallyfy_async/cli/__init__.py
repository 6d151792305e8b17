"""The command-line tool: ``tallyfy-async`` (also ``python -m tallyfy_async``).

``export`` writes an organization to JSON Lines or SQLite, ``launch`` starts one process
per CSV row exactly once, ``orgs``, ``whoami``, ``get`` and ``list`` take quick looks, and
``serve-fake`` runs FakeTallyfy. Every command that talks to Tallyfy takes ``--fake`` to
run against an embedded FakeTallyfy instead; its ids are new on every run, so ``get`` and
``launch``, which take an id, need a ``serve-fake`` server (``--base-url``) to be tried
out. ``tallyfy-async COMMAND --help`` says more.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from tallyfy_async._version import __version__
from tallyfy_async.cli._export import export
from tallyfy_async.cli._failures import EXIT_CODES_HELP, ExitCode
from tallyfy_async.cli._fake import serve_fake
from tallyfy_async.cli._launch import launch
from tallyfy_async.cli._look import get, list_, orgs, whoami


@click.group(
    epilog="Credentials come from the environment (TALLYFY_ACCESS_TOKEN, or TALLYFY_CLIENT_ID, "
    "TALLYFY_CLIENT_SECRET, TALLYFY_USERNAME and TALLYFY_PASSWORD), from files "
    "(--access-token-file, --client-secret-file, --password-file) or a prompt, never from "
    f"a value on the command line. {EXIT_CODES_HELP}",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="tallyfy-async")
def app() -> None:
    """Export, launch and look around a Tallyfy organization."""


for command in (export, launch, orgs, whoami, get, list_, serve_fake):
    app.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; returns its exit code (see :class:`ExitCode`)."""
    try:
        app.main(args=list(argv) if argv is not None else None, prog_name="tallyfy-async")
    except SystemExit as exit:
        if exit.code is None:
            return int(ExitCode.OK)
        return exit.code if isinstance(exit.code, int) else int(ExitCode.FAILED)
    return int(ExitCode.OK)


__all__ = ["ExitCode", "app", "main"]
