"""CanvasToon's node types, each declared once; ``default_registry()`` gathers them."""

from __future__ import annotations

from canvastoon_desktop.core.api import NodeRegistry, NodeType, default_catalog

from .assemble import AssembleShort
from .character import Character
from .dialogue import DialogueLines
from .export import Export
from .image_gen import ImageGen
from .inpaint import Inpaint
from .load_audio import LoadAudio
from .load_image import LoadImage
from .music import Music
from .painted_mask import PaintedMask
from .prompt_llm import PromptLLM
from .route import RouteVideo
from .shots import PickShots, ShotField
from .speech import Speech
from .strip import WebtoonStrip
from .text import TextInput
from .video import Video

NODE_TYPES: tuple[type[NodeType], ...] = (
    TextInput,
    LoadImage,
    Character,
    PromptLLM,
    ShotField,
    PickShots,
    ImageGen,
    Inpaint,
    Video,
    RouteVideo,
    Export,
    PaintedMask,
    DialogueLines,
    Speech,
    LoadAudio,
    Music,
    AssembleShort,
    WebtoonStrip,
)

__all__ = [
    "NODE_TYPES",
    "AssembleShort",
    "Character",
    "DialogueLines",
    "Export",
    "ImageGen",
    "Inpaint",
    "LoadAudio",
    "LoadImage",
    "Music",
    "PaintedMask",
    "PickShots",
    "PromptLLM",
    "RouteVideo",
    "ShotField",
    "Speech",
    "TextInput",
    "Video",
    "WebtoonStrip",
    "default_registry",
]


def default_registry() -> NodeRegistry:
    return NodeRegistry(default_catalog(), list(NODE_TYPES))
