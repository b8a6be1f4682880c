"""The vocabulary of generated events: what ids, times, URLs and media look like.

The factory, the scenarios and the Hypothesis strategies all draw from here, and the tests
check payloads against the same patterns, so each format is written once.
"""

from __future__ import annotations

import json
import random
import re
from functools import cache
from pathlib import Path
from typing import NamedTuple

from .schema import Field

TEXTS_PATH = Path(__file__).with_name("data") / "texts.json"

# ----- ids

APP_IDS = (1_250_000_000, 1_260_000_000)  # [low, high): a VOD application's AppId
FILE_IDS = (5 * 10**18, 6 * 10**18)  # [low, high): 19-digit FileIds, as the real service's
SUB_APP_IDS = (1_500_000_000, 1_500_100_000)
TRTC_APP_IDS = (1_400_000_000, 1_401_000_000)
FILE_ID = re.compile(r"^\d{19}$")
# "<appid>-<Kind>-<32 hex>t<digit>", e.g. 1256768367-Procedure-2d4f…e1t1
TASK_ID = re.compile(r"^(\d+)-([A-Za-z][A-Za-z0-9]*)-[0-9a-f]{32}t\d$")


def hex_digits(rng: random.Random, length: int) -> str:
    return format(rng.getrandbits(4 * length), f"0{length}x")


def new_file_id(rng: random.Random) -> str:
    return str(rng.randrange(*FILE_IDS))


def task_id(app_id: int, kind: str, digest: str, digit: int) -> str:
    return f"{app_id}-{kind}-{digest}t{digit}"


def new_task_id(rng: random.Random, app_id: int, kind: str) -> str:
    return task_id(app_id, kind, hex_digits(rng, 32), rng.randint(0, 9))


def task_kind(name: str, model: str) -> str:
    """The kind a task id names: ``ProcedureTaskId`` -> Procedure; the ``TaskId`` of an
    EditMediaTask -> EditMedia; of a TranscodeTask2017 -> Transcode."""
    kind = name.removesuffix("TaskIds").removesuffix("TaskId")
    if not kind:
        kind = re.sub(r"(?:Task(?:2017)?|Info)$", "", model)
    return kind.removesuffix("Event").removesuffix("Complete") or "Procedure"


# ----- times

NEVER_EXPIRES = "9999-12-31T23:59:59Z"
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
URL_LIFETIME = 24 * 3600  # signed result URLs and pictures expire a day after the task

# ----- URLs: https://<appid>.vod2.myqcloud.com/<hex8>/<hex8>/<name>.<ext>

VOD_URL = re.compile(r"^https?://(\d+)\.vod2\.myqcloud\.com/[0-9a-f]{8}/[0-9a-f]{8}/[^/]+\.\w+$")


def vod_url(app_id: int, path: str, stem: str, ext: str) -> str:
    return f"https://{app_id}.vod2.myqcloud.com/{path}/{stem}.{ext}"


def new_path(rng: random.Random) -> str:
    return f"{hex_digits(rng, 8)}/{hex_digits(rng, 8)}"


# What a URL's file is, by what the schema says it holds: its extension.
EXTENSION_OF_HOLDS = {"subtitle": "vtt", "json": "json", "gif": "gif", "image": "jpg",
                      "3d": "glb", "voice": "mp3"}
_IMAGE_NAMES = ("Cover", "Pic", "Img", "Image", "Snapshot", "Sprite")


def url_extension(field: Field) -> str | None:
    """The extension of the file a URL field names; None: the media file's own."""
    name, model, holds = field.name, field.owner, field.holds
    if "Vtt" in name or holds == "subtitle":
        return "vtt"
    if holds in ("json", "gif") or "ResultSet" in name:
        return "gif" if holds == "gif" else "json"
    if "AdaptiveDynamicStreaming" in model:
        return "m3u8"
    if holds == "image" or "Image" in model or any(part in name for part in _IMAGE_NAMES):
        return "jpg"
    if holds == "3d" or "3D" in model:
        return "glb"
    if holds == "voice" or "Voice" in name:
        return "mp3"
    if "Video" in name:
        return "mp4"
    return None


# ----- media

RESOLUTIONS = ((1920, 1080), (1280, 720), (3840, 2160), (854, 480), (640, 360), (1080, 1920),
               (720, 1280))
FRAME_RATES = (24, 25, 30, 60)
AUDIO_BITRATES = (64_000, 128_000, 192_000)
SAMPLE_RATES = (44100, 48000)
# (video codec, container as ffprobe names it, file extension)
FORMATS = (("h264", "mov,mp4,m4a,3gp,3g2,mj2", "mp4"), ("hevc", "mov,mp4,m4a,3gp,3g2,mj2", "mp4"),
           ("h264", "flv", "flv"), ("h264", "hls,applehttp", "m3u8"))
AUDIO_CODEC = "aac"
DEFINITIONS = (100010, 100020, 100030, 100040, 100210, 100220, 10, 20)  # transcode templates
REGIONS = ("ap-guangzhou", "ap-chongqing", "ap-shanghai", "ap-beijing", "ap-singapore")


class Failure(NamedTuple):
    code: int
    code_ext: str
    message: str


FAILURES = (
    Failure(30010, "FailedOperation.SourceFileError",
            "source file error: the input media cannot be decoded"),
    Failure(70000, "InternalError", "internal error, please retry"),
    Failure(40000, "InvalidParameter.MediaFormat",
            "invalid input: the media format is not supported"),
    Failure(10008, "ResourceNotFound", "the source file does not exist"),
)
SUCCESS_MESSAGE = "SUCCESS"


# ----- text


class Texts(NamedTuple):
    """Names and sentences in Chinese and English (``data/texts.json``, made once by Faker)."""

    titles: tuple[str, ...]
    sentences: tuple[str, ...]
    words: tuple[str, ...]
    people: tuple[str, ...]


@cache
def load_texts(path: Path = TEXTS_PATH) -> Texts:
    document = json.loads(path.read_text(encoding="utf-8"))
    return Texts(*(tuple(document[name]) for name in Texts._fields))
