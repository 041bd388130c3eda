"""``python -m schedkit`` is the ``schedkit`` command."""

import sys

from schedkit.cli import main

sys.exit(main())
