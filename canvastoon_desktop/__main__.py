"""``python -m canvastoon_desktop`` is the ``canvastoon`` command."""

import sys

from .main import main

sys.exit(main())
