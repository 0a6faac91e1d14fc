"""The bundled examples, opened as the user's own untitled copies.

An example's files live in the install, which is no place to save over or to write into: a
copy reads its images (characters, masks) from the bundle, writes its exports under the
user's documents folder (``CanvasToon/<example>/``), and Save As starts there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from canvastoon_desktop.core.fileformat import SUFFIX, load_graph
from canvastoon_desktop.core.graph import Graph
from canvastoon_desktop.core.nodetype import NodeRegistry
from canvastoon_desktop.core.params import ParamKind
from canvastoon_desktop.core.paths import path_params


def documents_home() -> Path:
    """Where the app puts the user's own files by default (the documents folder)."""
    return Path(platformdirs.user_documents_dir()) / "CanvasToon"


def example_title(path: Path) -> str:
    """The name an example gives itself (``meta.name``), else its file name in words."""
    try:
        doc = json.loads(path.read_text("utf-8"))
        name = doc.get("meta", {}).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    if isinstance(name, str) and name.strip():
        return name.strip()[:80]
    words = path.stem.replace("_", " ").replace("kpop", "K-pop")
    return words[:1].upper() + words[1:]


@dataclass
class ExampleCopy:
    graph: Graph
    #: what the window calls it until saved
    name: str
    #: where its exports go and Save As starts
    folder: Path

    @property
    def save_as(self) -> Path:
        return self.folder / f"{self.folder.name}{SUFFIX}"


def example_copy(example: Path, registry: NodeRegistry) -> ExampleCopy:
    """An untitled copy of ``example``: input files read from the bundle, folders it writes
    to moved under the documents folder (raises GraphFileError on a broken file)."""
    graph = load_graph(example, registry)
    bundle = example.resolve().parent
    folder = documents_home() / example.stem
    for node, spec, value in list(path_params(graph)):
        if Path(value).is_absolute() or value.startswith("~"):
            continue
        if spec.kind is ParamKind.FILE:
            node.params[spec.name] = str((bundle / value).resolve())
        elif spec.kind is ParamKind.FOLDER:
            node.params[spec.name] = str(folder / value)
    return ExampleCopy(graph, f"{example_title(example)} (example)", folder)
