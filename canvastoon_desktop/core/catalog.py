"""The model catalog: every model the app can use, declared once.

Provider, model id, the model's real parameter schema (names, types, enums, ranges and 9:16
defaults, from the providers' documents in ``reference/``), its role in a short, how its
price is computed, and how long it usually takes. Node types, the properties panel,
validation, adapters and the price table all read from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from .errors import ParamError
from .params import ParamKind, ParamSpec


class Provider(StrEnum):
    AIML = "aiml"
    REPLICATE = "replicate"
    LOCAL = "local"  # offline, no key, no network

    @property
    def label(self) -> str:
        return {"aiml": "AIML API", "replicate": "Replicate", "local": "Offline"}[self.value]


class Task(StrEnum):
    CHAT = "chat"  # text in, text out
    IMAGE = "image"  # prompt -> image
    IMAGE_EDIT = "image_edit"  # prompt + reference images -> image
    INPAINT = "inpaint"  # image + mask -> image
    VIDEO = "video"  # (prompt, first frame) -> video
    SPEECH = "speech"  # text -> spoken audio
    MUSIC = "music"  # prompt (or the artist's file) -> a music bed


class Role(StrEnum):
    SCENARIO = "scenario"
    MAIN = "main"
    PREVIEW = "preview"
    REFERENCE = "reference"
    CLEANUP = "cleanup"
    ACTION = "action"
    MOTION = "motion"
    CINEMATIC = "cinematic"
    VOICE = "voice"
    MUSIC = "music"
    OFFLINE = "offline"


class PriceUnit(StrEnum):
    """What a provider counts when it bills a model (the numbers live in the price table)."""

    TOKENS = "tokens"  # per million input / output tokens
    OUTPUT = "output"  # per output: an image, a video, a generation
    OUTPUT_SECOND = "output_second"  # per second of output video or audio
    CHARACTER = "character"  # per million characters of input text (text-to-speech)
    GPU_SECOND = "gpu_second"  # predict seconds x the hardware's rate (community models)
    FREE = "free"


#: the price-table key that holds a unit's numbers
PRICE_KEYS = {
    PriceUnit.OUTPUT: "usd_per_output",
    PriceUnit.OUTPUT_SECOND: "usd_per_second",
    PriceUnit.CHARACTER: "usd_per_million_characters",
}


@dataclass(frozen=True, slots=True)
class PriceBy:
    """A parameter that picks the price: one level of the table entry's nested numbers.

    ``labels`` name values in the table (``{True: "audio", False: "silent"}``); without
    them a value is written as itself (``"720p"``, ``"6"``). With ``megapixels`` the level
    is a ladder of "up to N megapixels" tiers over ``param`` × ``megapixels`` (width ×
    height), and the smallest tier that holds the image is used.
    """

    param: str
    labels: Mapping[Any, str] = field(default_factory=dict)
    megapixels: str | None = None

    @property
    def name(self) -> str:
        return "megapixels" if self.megapixels else self.param

    def key(self, params: Mapping[str, Any]) -> str:
        value = params.get(self.param)
        if value in self.labels:
            return self.labels[value]
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def pixels(self, params: Mapping[str, Any]) -> float:
        return float(params.get(self.param) or 0) * float(params.get(self.megapixels or "") or 0)


@dataclass(frozen=True, slots=True)
class PriceRule:
    """How a model is billed: the unit, the parameters that pick the rate, and the
    parameters that say how many units a call makes. One declaration per model; TTS
    (``CHARACTER`` or ``OUTPUT_SECOND``) and music (``OUTPUT`` or ``OUTPUT_SECOND``) fit the
    same shape."""

    unit: PriceUnit
    by: tuple[PriceBy, ...] = ()
    count: str | None = None  # the parameter giving the number of outputs
    seconds: str | None = None  # the parameter giving each output's length
    #: seconds per unit of the ``seconds`` parameter (0.001 for a length in milliseconds)
    seconds_scale: float = 1.0
    max_tokens: str | None = None  # the parameter capping the output tokens

    FREE: ClassVar[PriceRule]

    @property
    def free(self) -> bool:
        return self.unit is PriceUnit.FREE

    def output_seconds(self, params: Mapping[str, Any]) -> float | None:
        """Each output's length in seconds, from its ``seconds`` parameter (None: the
        rule has no such parameter)."""
        if not self.seconds:
            return None
        return float(params.get(self.seconds) or 0) * self.seconds_scale

    def describe(self) -> str:
        """What the rule counts, e.g. "per output by resolution, duration"."""
        what = {
            PriceUnit.TOKENS: "per million tokens",
            PriceUnit.OUTPUT: "per output",
            PriceUnit.OUTPUT_SECOND: "per second of output",
            PriceUnit.CHARACTER: "per million characters",
            PriceUnit.GPU_SECOND: "per GPU second",
            PriceUnit.FREE: "free",
        }[self.unit]
        if self.by:
            what += " by " + ", ".join(b.name for b in self.by)
        return what


PriceRule.FREE = PriceRule(PriceUnit.FREE)


@dataclass(frozen=True, slots=True)
class ParamRule:
    """A combination of parameter values a model refuses: when ``when`` holds, ``param``
    may only take ``allowed`` (Hailuo makes 1080P videos of 6 s only)."""

    when: Mapping[str, Any]
    param: str
    allowed: tuple[Any, ...]
    why: str

    def problem(self, values: Mapping[str, Any]) -> str | None:
        applies = all(values.get(k) == v for k, v in self.when.items())
        return self.why if applies and values.get(self.param) not in self.allowed else None


@dataclass(frozen=True, slots=True)
class FileInput:
    """A file a model takes, fed from a node input port of the same name."""

    name: str
    required: bool = False
    max_count: int = 1  # > 1 for reference image lists


@dataclass(frozen=True, slots=True)
class ModelSpec:
    id: str
    label: str
    provider: Provider
    task: Task
    role: Role
    params: tuple[ParamSpec, ...]
    price_rule: PriceRule
    typical_seconds: tuple[float, float]  # min-max before the user's own history exists
    description: str = ""
    files: tuple[FileInput, ...] = ()
    prompt_required: bool = True
    max_prompt_length: int | None = None
    replicate_version: str | None = None  # community models run by version id
    duration_param: str | None = None  # which param gives the output video length
    #: the model to use instead when reference images are given (an "edit" variant)
    with_references: str | None = None
    #: combinations of values the provider refuses (checked before anything is sent)
    rules: tuple[ParamRule, ...] = ()
    #: the request's name of a param named otherwise there, a dotted path for a nested
    #: field ("voice_settings.stability"); every other param is sent by its own name
    wire_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def offline(self) -> bool:
        return self.provider is Provider.LOCAL

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    def file(self, name: str) -> FileInput | None:
        return next((f for f in self.files if f.name == name), None)

    @property
    def free(self) -> bool:
        return self.price_rule.free

    def problems(self, values: Mapping[str, Any]) -> list[str]:
        """Combinations of this model's params that the provider refuses."""
        return [p for p in (rule.problem(values) for rule in self.rules) if p]

    def call_params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """This model's own params from a node's values: each checked, else its default (a
        node switched to an edit variant may hold values the variant does not accept)."""
        out: dict[str, Any] = {}
        for spec in self.params:
            try:
                out[spec.name] = spec.coerce(values.get(spec.name, spec.default))
            except ParamError:
                out[spec.name] = spec.default
        return out

    def wire_params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """This model's params as its provider's request names them, nested where the
        request nests them; params without a value (None, "") are left out."""
        body: dict[str, Any] = {}
        for spec in self.params:
            value = values.get(spec.name)
            if value is None or value == "":
                continue
            *parents, leaf = self.wire_names.get(spec.name, spec.name).split(".")
            target = body
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value
        return body

    @property
    def choice_label(self) -> str:
        """What the model chooser shows: name, role and provider."""
        return f"{self.label} — {self.role.value} · {self.provider.label}"


@dataclass
class Catalog:
    models: dict[str, ModelSpec] = field(default_factory=dict)
    #: derived declarations (a node's param list for a model), dropped when models change
    derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def add(self, spec: ModelSpec) -> ModelSpec:
        self.models[spec.id] = spec
        self.derived.clear()
        return spec

    def get(self, model_id: str) -> ModelSpec | None:
        return self.models.get(model_id)

    def __getitem__(self, model_id: str) -> ModelSpec:
        return self.models[model_id]

    def __contains__(self, model_id: object) -> bool:
        return model_id in self.models

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self.models.values())

    def for_tasks(self, tasks: Iterable[Task]) -> list[ModelSpec]:
        wanted = set(tasks)
        return [m for m in self.models.values() if m.task in wanted]

    def copy(self) -> Catalog:
        return Catalog(dict(self.models))


def _seed(minimum: int | None = None) -> ParamSpec:
    return ParamSpec(
        "seed",
        ParamKind.SEED,
        None,
        minimum=minimum,
        help="Fixed seed for repeatable results; empty = random",
        advanced=True,
    )


ASPECT_9_16 = "9:16"

GPT_4O = ModelSpec(
    id="gpt-4o",
    label="GPT-4o",
    provider=Provider.AIML,
    task=Task.CHAT,
    role=Role.SCENARIO,
    description="Scenario writing and image / video prompt engineering.",
    params=(
        ParamSpec(
            "temperature",
            ParamKind.FLOAT,
            0.8,
            minimum=0.0,
            maximum=2.0,
            step=0.1,
            help="Higher is more inventive, lower more literal",
        ),
        ParamSpec(
            "max_tokens",
            ParamKind.INT,
            1024,
            label="Max output tokens",
            minimum=16,
            maximum=16384,
            help="Caps the answer's length and its price",
        ),
        _seed(minimum=1),  # AIML's gpt-4o schema: "seed": {"minimum": 1}
    ),
    price_rule=PriceRule(PriceUnit.TOKENS, max_tokens="max_tokens"),
    typical_seconds=(3.0, 20.0),
)

NANO_BANANA_PRO = ModelSpec(
    id="google/nano-banana-pro",
    label="Nano Banana Pro",
    provider=Provider.AIML,
    task=Task.IMAGE,
    role=Role.MAIN,
    description="High-quality main cuts and final character art (Gemini 3 Pro Image).",
    params=(
        ParamSpec(
            "aspect_ratio",
            ParamKind.ENUM,
            ASPECT_9_16,
            choices=("9:16", "2:3", "3:4", "4:5", "1:1", "5:4", "4:3", "3:2", "16:9", "21:9"),
        ),
        ParamSpec("resolution", ParamKind.ENUM, "1K", choices=("1K", "2K", "4K")),
        ParamSpec("num_images", ParamKind.INT, 1, label="Images", minimum=1, maximum=4),
    ),
    price_rule=PriceRule(PriceUnit.OUTPUT, by=(PriceBy("resolution"),), count="num_images"),
    typical_seconds=(8.0, 30.0),
    max_prompt_length=20_000,
    with_references="google/gemini-3-pro-image-edit",
)

NANO_BANANA_PRO_EDIT = ModelSpec(
    id="google/gemini-3-pro-image-edit",
    label="Nano Banana Pro Edit",
    provider=Provider.AIML,
    task=Task.IMAGE_EDIT,
    role=Role.REFERENCE,
    description="Nano Banana Pro with up to 5 reference images: the same character across shots.",
    params=(
        ParamSpec(
            "aspect_ratio",
            ParamKind.ENUM,
            ASPECT_9_16,
            choices=("9:16", "3:4", "1:1", "4:3", "16:9"),
        ),
        ParamSpec("resolution", ParamKind.ENUM, "1K", choices=("1K", "2K", "4K")),
        ParamSpec("num_images", ParamKind.INT, 1, label="Images", minimum=1, maximum=4),
    ),
    files=(FileInput("references", required=True, max_count=5),),
    price_rule=PriceRule(PriceUnit.OUTPUT, by=(PriceBy("resolution"),), count="num_images"),
    typical_seconds=(10.0, 35.0),
    max_prompt_length=20_000,
)

Z_IMAGE_TURBO = ModelSpec(
    id="prunaai/z-image-turbo",
    label="Z-Image Turbo",
    provider=Provider.REPLICATE,
    task=Task.IMAGE,
    role=Role.PREVIEW,
    description="Hyper-fast previews and storyboards (under a second, under $0.001).",
    params=(
        ParamSpec("width", ParamKind.INT, 720, minimum=64, maximum=1440, step=16),
        ParamSpec("height", ParamKind.INT, 1280, minimum=64, maximum=1440, step=16),
        ParamSpec("num_inference_steps", ParamKind.INT, 8, label="Steps", minimum=1, maximum=50),
        ParamSpec(
            "guidance_scale",
            ParamKind.FLOAT,
            0.0,
            label="Guidance",
            minimum=0.0,
            maximum=20.0,
            step=0.5,
        ),
        ParamSpec("output_format", ParamKind.ENUM, "png", choices=("png", "jpg", "webp")),
        ParamSpec("output_quality", ParamKind.INT, 90, minimum=0, maximum=100, advanced=True),
        _seed(),
    ),
    # an official model: billed per output image, by its megapixels
    price_rule=PriceRule(PriceUnit.OUTPUT, by=(PriceBy("width", megapixels="height"),)),
    typical_seconds=(0.4, 3.0),
)

LAMA = ModelSpec(
    id="allenhooo/lama",
    label="LaMa",
    provider=Provider.REPLICATE,
    task=Task.INPAINT,
    role=Role.CLEANUP,
    description="Removes text artifacts, logos and unwanted objects (white mask area is filled).",
    params=(),
    files=(FileInput("image", required=True), FileInput("mask", required=True)),
    prompt_required=False,
    price_rule=PriceRule(PriceUnit.GPU_SECOND),  # a community model: billed by GPU time
    typical_seconds=(2.0, 8.0),
    replicate_version="cdac78a1bec5b23c07fd29692fb70baa513ea403a39e643c48ec5edadb15fe72",
)

HAILUO_FAST = ModelSpec(
    id="minimax/hailuo-2.3-fast",
    label="Hailuo 2.3 Fast",
    provider=Provider.AIML,
    task=Task.VIDEO,
    role=Role.ACTION,
    description="High-speed action and dynamic camera moves; the video takes the first frame's aspect.",
    params=(
        ParamSpec("duration", ParamKind.ENUM, 10, label="Duration (s)", choices=(6, 10)),
        ParamSpec("resolution", ParamKind.ENUM, "768P", choices=("768P", "1080P")),
        ParamSpec(
            "enhance_prompt", ParamKind.BOOL, True, help="Let the provider rewrite the prompt"
        ),
    ),
    files=(FileInput("image", required=True),),
    price_rule=PriceRule(PriceUnit.OUTPUT, by=(PriceBy("resolution"), PriceBy("duration"))),
    duration_param="duration",
    typical_seconds=(60.0, 180.0),
    max_prompt_length=2000,
    rules=(
        ParamRule(
            {"resolution": "1080P"},
            "duration",
            (6,),
            "Hailuo 2.3 Fast makes 1080P videos of 6 s only; choose 6 s or 768P",
        ),
    ),
)

SEEDANCE_FAST = ModelSpec(
    id="bytedance/seedance-1-pro-fast",
    label="Seedance 1 Pro Fast",
    provider=Provider.REPLICATE,
    task=Task.VIDEO,
    role=Role.MOTION,
    description="Human motion: dancing, walking, performance.",
    params=(
        ParamSpec("duration", ParamKind.INT, 10, label="Duration (s)", minimum=2, maximum=12),
        ParamSpec("resolution", ParamKind.ENUM, "720p", choices=("480p", "720p", "1080p")),
        ParamSpec(
            "aspect_ratio",
            ParamKind.ENUM,
            ASPECT_9_16,
            choices=("9:16", "3:4", "1:1", "4:3", "16:9", "21:9"),
            help="Ignored when a first frame is given",
        ),
        ParamSpec("fps", ParamKind.ENUM, 24, choices=(24,), advanced=True),
        ParamSpec("camera_fixed", ParamKind.BOOL, False, label="Fixed camera"),
        _seed(),
    ),
    files=(FileInput("image"),),
    price_rule=PriceRule(PriceUnit.OUTPUT_SECOND, by=(PriceBy("resolution"),), seconds="duration"),
    duration_param="duration",
    typical_seconds=(40.0, 120.0),
)

VEO_FAST = ModelSpec(
    id="google/veo-3.1-fast",
    label="Veo 3.1 Fast",
    provider=Provider.REPLICATE,
    task=Task.VIDEO,
    role=Role.CINEMATIC,
    description="Cinematic intros and emotional scenes, 4 to 8 s, with sound.",
    params=(
        ParamSpec("duration", ParamKind.ENUM, 8, label="Duration (s)", choices=(4, 6, 8)),
        ParamSpec("aspect_ratio", ParamKind.ENUM, ASPECT_9_16, choices=("9:16", "16:9")),
        ParamSpec("resolution", ParamKind.ENUM, "720p", choices=("720p", "1080p")),
        ParamSpec("generate_audio", ParamKind.BOOL, True, label="Audio"),
        ParamSpec("negative_prompt", ParamKind.STRING, "", label="Avoid", max_length=2000),
        _seed(),
    ),
    files=(FileInput("image"), FileInput("last_frame")),
    price_rule=PriceRule(
        PriceUnit.OUTPUT_SECOND,
        by=(PriceBy("resolution"), PriceBy("generate_audio", {True: "audio", False: "silent"})),
        seconds="duration",
    ),
    duration_param="duration",
    typical_seconds=(60.0, 150.0),
)

# Offline models: real algorithms that need no key and no network.
TEMPLATE_WRITER = ModelSpec(
    id="local/template-writer",
    label="Template Writer (offline)",
    provider=Provider.LOCAL,
    task=Task.CHAT,
    role=Role.OFFLINE,
    description="Fills the preset's template with the input text. No AI, no key, instant.",
    params=(),
    prompt_required=False,
    price_rule=PriceRule.FREE,
    typical_seconds=(0.0, 0.1),
)

STORYBOARD_CARD = ModelSpec(
    id="local/storyboard-card",
    label="Storyboard Card (offline)",
    provider=Provider.LOCAL,
    task=Task.IMAGE,
    role=Role.OFFLINE,
    description="Lays the prompt out on a 9:16 storyboard card with a sketch panel.",
    params=(
        ParamSpec("size", ParamKind.ENUM, "720x1280", choices=("540x960", "720x1280", "1080x1920")),
        ParamSpec("seed", ParamKind.INT, 0, minimum=0, maximum=2**31 - 1, advanced=True),
    ),
    price_rule=PriceRule.FREE,
    typical_seconds=(0.05, 0.5),
    with_references="local/storyboard-card-refs",
)

STORYBOARD_CARD_REFS = ModelSpec(
    id="local/storyboard-card-refs",
    label="Storyboard Card with references (offline)",
    provider=Provider.LOCAL,
    task=Task.IMAGE_EDIT,
    role=Role.OFFLINE,
    description="A storyboard card that shows the character reference images.",
    params=STORYBOARD_CARD.params,
    files=(FileInput("references", required=True, max_count=5),),
    price_rule=PriceRule.FREE,
    typical_seconds=(0.05, 0.5),
)

OPENCV_INPAINT = ModelSpec(
    id="local/opencv-inpaint",
    label="OpenCV Inpaint (offline)",
    provider=Provider.LOCAL,
    task=Task.INPAINT,
    role=Role.OFFLINE,
    description="Fills the white mask area from its surroundings (Telea or Navier-Stokes).",
    params=(
        ParamSpec(
            "method",
            ParamKind.ENUM,
            "telea",
            choices=("telea", "ns"),
            choice_labels={"telea": "Telea", "ns": "Navier-Stokes"},
        ),
        ParamSpec("radius", ParamKind.INT, 5, minimum=1, maximum=50),
    ),
    files=(FileInput("image", required=True), FileInput("mask", required=True)),
    prompt_required=False,
    price_rule=PriceRule.FREE,
    typical_seconds=(0.1, 1.0),
)

PAN_ZOOM = ModelSpec(
    id="local/pan-zoom",
    label="Pan & Zoom (offline)",
    provider=Provider.LOCAL,
    task=Task.VIDEO,
    role=Role.OFFLINE,
    description="A Ken Burns move over the first frame, written as H.264 MP4.",
    params=(
        ParamSpec(
            "duration",
            ParamKind.FLOAT,
            4.0,
            label="Duration (s)",
            minimum=1.0,
            maximum=20.0,
            step=0.5,
        ),
        ParamSpec(
            "motion",
            ParamKind.ENUM,
            "zoom_in",
            choices=("zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down"),
        ),
        ParamSpec("strength", ParamKind.FLOAT, 0.15, minimum=0.02, maximum=0.5, step=0.01),
        ParamSpec("size", ParamKind.ENUM, "720x1280", choices=("540x960", "720x1280", "1080x1920")),
        ParamSpec("fps", ParamKind.ENUM, 24, choices=(24, 30)),
    ),
    files=(FileInput("image", required=True),),
    prompt_required=False,
    price_rule=PriceRule.FREE,
    duration_param="duration",
    typical_seconds=(1.0, 6.0),
)

# Voices, from the providers' documents; Character nodes offer the same lists.
#: AIML ``/v1/tts`` ``voice`` enum for ElevenLabs models (docs.aimlapi.com, eleven_multilingual_v2
#: API schema, read 2026-12)
ELEVENLABS_VOICES = (
    "Rachel", "Drew", "Clyde", "Paul", "Aria", "Domi", "Dave", "Roger", "Fin", "Sarah",
    "Antoni", "Laura", "Thomas", "Charlie", "George", "Emily", "Elli", "Callum", "Patrick",
    "River", "Harry", "Liam", "Dorothy", "Josh", "Arnold", "Charlotte", "Alice", "Matilda",
    "James", "Joseph", "Will", "Jeremy", "Jessica", "Eric", "Michael", "Ethan", "Chris",
    "Gigi", "Freya", "Santa Claus", "Brian", "Grace", "Daniel", "Lily", "Serena", "Adam",
    "Nicole", "Bill", "Jessie", "Sam", "Glinda", "Giovanni", "Mimi",
)  # fmt: skip
#: espeak-ng voices (language, +variant) that read the languages of K-pop shorts
ESPEAK_VOICES = (
    "en-us", "en-us+f3", "en-us+m3", "en-gb", "en-gb+f3", "ko", "ko+f3", "ko+m3",
    "ja", "ja+f3", "cmn", "cmn+f3", "es", "fr-fr", "de",
)  # fmt: skip

ELEVEN_MULTILINGUAL = ModelSpec(
    id="elevenlabs/eleven_multilingual_v2",
    label="Eleven Multilingual v2",
    provider=Provider.AIML,
    task=Task.SPEECH,
    role=Role.VOICE,
    description="Natural speech in 29 languages (Korean and English among them).",
    params=(
        ParamSpec(
            "voice",
            ParamKind.ENUM,
            "Rachel",
            choices=ELEVENLABS_VOICES,
            help="Used when the line's character names no voice of its own",
        ),
        ParamSpec(
            "stability",
            ParamKind.FLOAT,
            0.5,
            minimum=0.0,
            maximum=1.0,
            step=0.05,
            help="Lower is more expressive, higher more even",
            advanced=True,
        ),
        ParamSpec(
            "speed", ParamKind.FLOAT, 1.0, minimum=0.7, maximum=1.2, step=0.05, advanced=True
        ),
        _seed(),
    ),
    price_rule=PriceRule(PriceUnit.CHARACTER),
    typical_seconds=(1.0, 6.0),
    max_prompt_length=5000,
    # AIML's /v1/tts schema: the voice settings are one nested object
    wire_names={"stability": "voice_settings.stability", "speed": "voice_settings.speed"},
)

ELEVEN_MUSIC = ModelSpec(
    id="elevenlabs/eleven_music",
    label="Eleven Music",
    provider=Provider.AIML,
    task=Task.MUSIC,
    role=Role.MUSIC,
    description="A music bed from a prompt (genre, mood, tempo, instruments).",
    params=(
        ParamSpec(
            "music_length_ms",
            ParamKind.INT,
            30_000,
            label="Length (ms)",
            minimum=10_000,
            maximum=300_000,
            step=1000,
            help="The model may not keep to it exactly",
        ),
    ),
    price_rule=PriceRule(PriceUnit.OUTPUT_SECOND, seconds="music_length_ms", seconds_scale=0.001),
    typical_seconds=(20.0, 90.0),
    max_prompt_length=2000,
)

# Offline speech and music.
ESPEAK_NG = ModelSpec(
    id="local/espeak-ng",
    label="eSpeak NG (offline)",
    provider=Provider.LOCAL,
    task=Task.SPEECH,
    role=Role.OFFLINE,
    description="Formant speech synthesis: robotic but clear, instant, any language.",
    params=(
        ParamSpec(
            "voice",
            ParamKind.ENUM,
            "en-us",
            choices=ESPEAK_VOICES,
            help="Used when the line's character names no offline voice of its own",
        ),
        ParamSpec("speed", ParamKind.INT, 165, label="Words per minute", minimum=80, maximum=400),
        ParamSpec("pitch", ParamKind.INT, 50, minimum=0, maximum=99, advanced=True),
    ),
    prompt_required=True,
    price_rule=PriceRule.FREE,
    typical_seconds=(0.05, 0.5),
)

AUDIO_FILE = ModelSpec(
    id="local/audio-file",
    label="Your own file (offline)",
    provider=Provider.LOCAL,
    task=Task.MUSIC,
    role=Role.OFFLINE,
    description="The track connected to the File input (Load Audio), used as it is.",
    params=(),
    files=(FileInput("file", required=True),),
    prompt_required=False,
    price_rule=PriceRule.FREE,
    typical_seconds=(0.0, 0.2),
)

HOSTED_MODELS = (
    GPT_4O,
    NANO_BANANA_PRO,
    NANO_BANANA_PRO_EDIT,
    Z_IMAGE_TURBO,
    LAMA,
    HAILUO_FAST,
    SEEDANCE_FAST,
    VEO_FAST,
    ELEVEN_MULTILINGUAL,
    ELEVEN_MUSIC,
)
OFFLINE_MODELS = (
    TEMPLATE_WRITER,
    STORYBOARD_CARD,
    STORYBOARD_CARD_REFS,
    OPENCV_INPAINT,
    PAN_ZOOM,
    ESPEAK_NG,
    AUDIO_FILE,
)


def default_catalog() -> Catalog:
    catalog = Catalog()
    for spec in (*HOSTED_MODELS, *OFFLINE_MODELS):
        catalog.add(spec)
    return catalog
