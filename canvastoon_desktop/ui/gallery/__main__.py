"""``python -m canvastoon_desktop.ui.gallery [--library DIR]``: the library window alone."""

import sys

from . import main

sys.exit(main())
