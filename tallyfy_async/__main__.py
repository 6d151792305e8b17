"""``python -m tallyfy_async``: the command-line tool (``tallyfy-async``)."""

import sys

from tallyfy_async.cli import main

sys.exit(main())
