"""The desktop editor: the only layer that imports Qt, NodeGraphQt and qasync.

``app.main(files)`` starts it. The window (``main_window``) shows one graph: the canvas
(``canvas``, ``node_item``) is kept in step with the core graph by ``canvas_bridge``, edits
are undo commands (``commands``), runs go through the executor (``run_controller``) and what
every node shows follows ``node_state``.
"""

import os

os.environ.setdefault("QT_API", "pyside6")  # qasync and NodeGraphQt (Qt.py) pick a binding
