"""The core's surface for node code: everything a module in ``nodes/`` imports from the core.

Nodes import the core only through this module (an import-linter contract holds them to it),
so what a node may rely on is listed here, and the rest of the core can change behind it.
"""

from __future__ import annotations

from .assets import Asset, AssetKind, ItemList, Value, input_hashes
from .catalog import (
    ELEVENLABS_VOICES,
    ESPEAK_VOICES,
    Catalog,
    ModelSpec,
    Role,
    Task,
    default_catalog,
)
from .errors import CoreError, GraphError, MediaError, NodeError
from .export import export_assets
from .export_presets import CUSTOM, PRESETS
from .generation import ModelCall
from .graph import Edge, Graph, Node, new_node_id
from .library import Library
from .media import (
    Clip,
    ClipError,
    assemble_clips,
    decode_image,
    probe_image_file,
    probe_video_file,
    sniff_mime,
)
from .media import mix as mixing
from .media.assemble import clip_sound, timeline_seconds
from .media.audio import decode_audio, probe_audio_file
from .media.captions import Cue, Overlay, render_caption, to_srt
from .media.loudness import Normalised, normalise
from .media.mix import snap_cuts
from .media.progress import check_cancel
from .media.sniff import AUDIO_MIMES
from .media.strip import Lettering, compose_strip, jpeg_under, slices
from .media.writer import AUDIO_RATE
from .nodetype import NodeRegistry, NodeType
from .params import ParamKind, ParamSpec
from .ports import Port, PortType
from .pricing import CostRange, PriceTable
from .regular_files import FileRefused, open_regular
from .resources import resources_dir
from .runtime import NodeContext, PortValues, SourceContext
from .settings import config_dir
from .shots import (
    MAX_SHOTS,
    ROLES,
    SPOKEN_FIELDS,
    Shot,
    ShotListError,
    parse_shot_list,
    repair_prompt,
    shot_from_json,
    shot_list_schema,
    shot_to_json,
    shots_as_text,
)

__all__ = [
    "AUDIO_MIMES",
    "AUDIO_RATE",
    "CUSTOM",
    "ELEVENLABS_VOICES",
    "ESPEAK_VOICES",
    "MAX_SHOTS",
    "PRESETS",
    "ROLES",
    "SPOKEN_FIELDS",
    "Asset",
    "AssetKind",
    "Catalog",
    "Clip",
    "ClipError",
    "CoreError",
    "CostRange",
    "Cue",
    "Edge",
    "FileRefused",
    "Graph",
    "GraphError",
    "ItemList",
    "Lettering",
    "Library",
    "MediaError",
    "ModelCall",
    "ModelSpec",
    "Node",
    "NodeContext",
    "NodeError",
    "NodeRegistry",
    "NodeType",
    "Normalised",
    "Overlay",
    "ParamKind",
    "ParamSpec",
    "Port",
    "PortType",
    "PortValues",
    "PriceTable",
    "Role",
    "Shot",
    "ShotListError",
    "SourceContext",
    "Task",
    "Value",
    "assemble_clips",
    "check_cancel",
    "clip_sound",
    "compose_strip",
    "config_dir",
    "decode_audio",
    "decode_image",
    "default_catalog",
    "export_assets",
    "input_hashes",
    "jpeg_under",
    "mixing",
    "new_node_id",
    "normalise",
    "open_regular",
    "parse_shot_list",
    "probe_audio_file",
    "probe_image_file",
    "probe_video_file",
    "render_caption",
    "repair_prompt",
    "resources_dir",
    "shot_from_json",
    "shot_list_schema",
    "shot_to_json",
    "shots_as_text",
    "slices",
    "snap_cuts",
    "sniff_mime",
    "timeline_seconds",
    "to_srt",
]
