"""``python -m twin``: see :mod:`twin.cli`."""

import os
import sys

from twin.cli import main

try:
    sys.exit(main())
except BrokenPipeError:
    # The reader (e.g. ``| head``) went away: stop quietly, as command-line tools do.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)
