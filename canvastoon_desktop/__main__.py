"""``python -m canvastoon_desktop`` is the ``canvastoon`` command."""

import sys

from .cli import main

sys.exit(main())
