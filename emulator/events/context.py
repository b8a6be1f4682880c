"""What one generated event's fields share: its ``Context`` (one FileId and media profile,
times in order, an outcome), made from the factory's random."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import vocabulary as v
from .schema import Field

_SUCCESS_RATE = 0.85  # of finished tasks
_FINISHED_RATE = 0.9  # the rest are PROCESSING (a "Change" notification mid-flow)


@dataclass
class Media:
    """One coherent media file: everything a MetaData or a URL says about it agrees."""

    width: int
    height: int
    fps: int
    duration: float
    video_bitrate: int
    audio_bitrate: int
    video_codec: str
    container: str
    ext: str

    @property
    def bitrate(self) -> int:
        return self.video_bitrate + self.audio_bitrate

    @property
    def size(self) -> int:
        return int(self.duration * self.bitrate / 8)


@dataclass
class Context:
    """What one event's fields share."""

    rng: random.Random
    texts: v.Texts
    app_id: int
    file_id: str
    name: str
    media: Media
    done: bool  # the task has finished (else it is still PROCESSING)
    success: bool
    failure: v.Failure
    created: float
    updated: float
    finished: float
    path: str
    task_ids: dict[str, str] = field(default_factory=dict)

    @property
    def url_stem(self) -> str:
        """The file name as it appears in URLs: the media's name when it is plain ASCII."""
        return self.name if self.name.isascii() else self.file_id[-12:]

    def url(self, stem: str, ext: str) -> str:
        return v.vod_url(self.app_id, self.path, stem, ext)

    def task_id(self, kind: str) -> str:
        """One task id per kind per event: a flow's events agree on it."""
        if kind not in self.task_ids:
            self.task_ids[kind] = v.new_task_id(self.rng, self.app_id, kind)
        return self.task_ids[kind]

    @property
    def failed(self) -> bool:
        return self.done and not self.success


def new_context(rng: random.Random, app_id: int, now: float) -> Context:
    """A fresh event: its file, media, outcome and times."""
    width, height = rng.choice(v.RESOLUTIONS)
    codec, container, ext = rng.choice(v.FORMATS)
    media = Media(
        width=width, height=height, fps=rng.choice(v.FRAME_RATES),
        duration=round(rng.uniform(5, 3600), 3),
        video_bitrate=int(width * height * rng.uniform(1.0, 2.5)),
        audio_bitrate=rng.choice(v.AUDIO_BITRATES), video_codec=codec, container=container,
        ext=ext,
    )
    created = now - rng.uniform(30, 3600)
    updated = created + rng.uniform(1, 20)
    finished = min(now, updated + rng.uniform(0, 600))
    texts = v.load_texts()
    return Context(
        rng=rng, texts=texts, app_id=app_id, file_id=v.new_file_id(rng),
        name=rng.choice(texts.titles), media=media, done=rng.random() < _FINISHED_RATE,
        success=rng.random() < _SUCCESS_RATE, failure=rng.choice(v.FAILURES),
        created=created, updated=updated, finished=finished, path=v.new_path(rng),
    )


def pair(context: Context, spec: Field, holder: dict[str, Any], beside: dict[str, Any],
         free: bool) -> None:
    """Keep ``holder[spec.name]`` to what its pairing allows with the field it depends on,
    found in ``beside`` (the same object, or the one holding it): an audio Codec one its
    Container takes, a DrmType one its Package takes. A value the pairing does not allow is
    drawn again among those it does; none allowed (a model that takes no Resolution) leaves
    the field out. A ``free`` controlling field (one the SDK lists no values for, as a task's
    ModelName) that the pairing does not name is drawn among those it names first."""
    pairing = spec.pairing
    if pairing is None or spec.name not in holder or pairing.field not in beside:
        return
    allowed = pairing.values_for(beside[pairing.field])
    if allowed is None and free and pairing.allowed:
        beside[pairing.field] = context.rng.choice(sorted(pairing.allowed))
        allowed = pairing.values_for(beside[pairing.field])
    if allowed is None:
        return
    value = holder[spec.name]
    if isinstance(value, list):
        holder[spec.name] = [item for item in value if item in allowed]
    elif value not in allowed:
        if allowed:
            holder[spec.name] = context.rng.choice(allowed)
        else:
            del holder[spec.name]


Maker = Callable[[Context, Field], Any]
