"""Sessions: a task's pairs encoded once, then queries."""

import ctypes
import itertools
import os

from . import _native as N
from ._context import Closing, Progress, media_context, progress_property
from ._pictures import answers, pictures


def session_params(context, *, pairs=None, task=None, size=None, fit="stretch", steps=20, cfg=1.5, seed=0,
                   batch=0, vae_tile="auto", keep_model_size=False, clips=False, clip_frames=None, context_frames=9,
                   rope="auto", rope_anchor=None, pair_images=None):
    """(lavin_session_params, keep) for Session's keywords."""
    p = N.SessionParams()
    N.lib().lavin_session_params_default(ctypes.byref(p))
    p.context = N.path_bytes(context)
    if task is not None:
        p.task = task.encode()
    if pairs == "all":
        p.pairs = N.PAIRS_ALL
    elif pairs is not None:
        if isinstance(pairs, bool) or not isinstance(pairs, int) or pairs < 1:
            raise ValueError(f"lavin: pairs is a count >= 1 or 'all', not {pairs!r}")
        p.pairs = pairs
    if size is not None:
        p.width, p.height = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    if fit not in N.FITS:
        raise ValueError(f"lavin: fit is one of {', '.join(N.FITS)}, not {fit!r}")
    p.fit = N.FITS[fit]
    if rope not in N.ROPES:
        raise ValueError(f"lavin: rope is one of {', '.join(N.ROPES)}, not {rope!r}")
    p.rope = N.ROPES[rope]
    if rope_anchor is not None:
        p.rope_anchor_width, p.rope_anchor_height = ((rope_anchor, rope_anchor) if isinstance(rope_anchor, int)
                                                     else (int(rope_anchor[0]), int(rope_anchor[1])))
    p.steps, p.cfg, p.seed, p.batch = int(steps), float(cfg), int(seed), int(batch)
    if vae_tile == "auto":
        p.vae_tiling = N.VAE_TILE_AUTO
    elif vae_tile in ("off", None, False):
        p.vae_tiling = N.VAE_TILE_OFF
    else:
        tile, frames = (vae_tile, 0) if isinstance(vae_tile, int) else vae_tile
        p.vae_tiling, p.vae_tile, p.vae_tile_frames = N.VAE_TILE_FIXED, int(tile), int(frames)
    p.keep_model_size, p.clips = int(bool(keep_model_size)), int(bool(clips))
    p.clip_frames, p.context_frames = int(clip_frames or 0), int(context_frames)
    keep = None
    if pair_images is not None:
        pairs_list = [tuple(pair) for pair in pair_images]
        if any(len(pair) != 2 for pair in pairs_list):
            raise ValueError("lavin: pair_images is a list of (input, target) pictures")
        inputs, keep_in = pictures(pair[0] for pair in pairs_list)
        targets, keep_tg = pictures(pair[1] for pair in pairs_list)
        p.pair_inputs, p.pair_targets, p.npairs = inputs, targets, len(pairs_list)
        keep = (inputs, targets, keep_in, keep_tg)
    return p, keep


_DEFAULT = object()


def check_session(context=_DEFAULT, **settings):
    """Checks a session's settings, pair files and task as Model.session()
    would, without a model (nothing loads, no device starts): raises what
    Model.session() would raise for them."""
    if context is _DEFAULT:
        context = None if settings.get("pair_images") is not None else "depth"
    p, keep = session_params(context, **settings)
    ctx = media_context()
    with ctx.lock:
        ctx.check(N.lib().lavin_session_check(ctx.h, ctypes.byref(p)))
    del keep


class Session(Closing):
    """A task's example pairs, encoded once, and the sampling settings
    (Model.session()). The queries are uint8 or uint16 numpy arrays, H x W
    (gray) or H x W x 3 or 4 (RGB; alpha ignored) of any size, or file paths.

    run(image) returns the answer's data: float32 H x W for depth and edges,
    float32 H x W x 3 unit vectors for normal, uint8 H x W palette indices for
    segmentation, uint8 H x W x 3 for the other tasks; answer(image), or
    full=True, returns the whole lavin.Answer (with the palette).

    context: a bundled context's name or a folder of NAME_input / NAME_target
    files; pairs: how many are drawn (default 4) or "all"; pair_images: a
    list of (input, target) arrays instead; task: the decoding (default: the
    context's name); size: the model's input (width, height); fit:
    "stretch", "pad" or "crop"; rope: the J-DiT's positions at sizes other
    than rope_anchor (the model's native size by default; an int or (width,
    height)), "extrapolate", "interpolate" or "auto" (docs/computation.md
    section 2.5.1); vae_tile: "auto", "off", a tile size in
    pixels or (pixels, frames); batch: most queries sampled together (0:
    what memory allows); clips, clip_frames: clip queries of clip_frames
    frames (1 + 4k; None: the model's, info.clip_frames); context_frames:
    the past frames predict() conditions on; progress: as the Model's (the
    default).
    """

    def __init__(self, model, context, *, progress=None, **settings):
        self._h = None
        self._model = model
        self._progress = Progress(progress if progress is not None else model.progress)
        lib = N.lib()
        p, self._keep = session_params(context, **settings)
        p.progress = self._progress.cfunc
        self._params = p
        ctx = model._ctx
        h = ctypes.c_void_p()
        with ctx.lock:
            rc = lib.lavin_session_create(model._handle(), ctypes.byref(p), ctypes.byref(h))
            self._progress.check(ctx, rc, lambda: lib.lavin_session_destroy(ctypes.byref(h)))
        self._h = h
        model._sessions.add(self)
        self.task = N.text(lib.lavin_session_task(h))
        w, hh = ctypes.c_int(), ctypes.c_int()
        lib.lavin_session_size(h, ctypes.byref(w), ctypes.byref(hh))
        self.size = (w.value, hh.value)
        self.clip_frames = lib.lavin_session_clip_frames(h)

    model = property(lambda self: self._model, doc="The Model the session runs on.")

    progress = progress_property()

    @property
    def batch_size(self):
        """How many pictures the next run_many() should hold to fill the device."""
        with self._model._ctx.lock:
            return N.lib().lavin_session_batch_size(self._handle())

    def _handle(self):
        if not self._h:
            raise ValueError("lavin: the session is closed")
        return self._h

    def _images(self, images):
        from .media import _read
        return [_read(self._model._ctx, x) if isinstance(x, (str, bytes, os.PathLike)) else x for x in images]

    def _call(self, fn, images, nout, *extra, full=False):
        pics, keep = pictures(self._images(images))
        out = (N.Answer * max(1, nout))()
        ctx = self._model._ctx
        with ctx.lock:
            rc = fn(self._handle(), pics, len(keep), *extra, out)
            self._progress.check(ctx, rc, lambda: answers(out, nout))
        result = answers(out, nout)
        return result if full else [a.data for a in result]

    def run(self, image, *, full=False):
        """The answer's data for one picture (or the Answer with full=True)."""
        return self._call(N.lib().lavin_session_run, [image], 1, full=full)[0]

    def answer(self, image):
        """The whole lavin.Answer for one picture."""
        return self.run(image, full=True)

    def run_many(self, images, *, full=False):
        """Answers for many pictures, sampled in batches; each is the same as
        run() would give."""
        images = list(images)
        if not images:
            return []
        return self._call(N.lib().lavin_session_run, images, len(images), full=full)

    def run_clip(self, frames, *, full=False):
        """A clip session: answers for one clip of 1..clip_frames frames."""
        frames = list(frames)
        return self._call(N.lib().lavin_session_run_clip, frames, len(frames), full=full)

    def run_video(self, frames, *, stride=0, full=False):
        """A clip session's answers for a video of any length (frames: any
        iterable of pictures, or a VideoReader), yielded in frame order as
        each is final: overlapping clips every `stride` frames (0: half a
        clip), each put on the scale of the answers before it and averaged
        into them (lavin_clip_stream)."""
        lib, ctx = N.lib(), self._model._ctx
        h = ctypes.c_void_p()
        with ctx.lock:
            self._progress.check(ctx, lib.lavin_clip_stream_open(self._handle(), int(stride), ctypes.byref(h)))
        try:
            for frame in itertools.chain(frames, [None]):
                pics, keep = pictures([frame]) if frame is not None else (None, None)
                out, ready = N.Answer(), []
                with ctx.lock:
                    self._progress.check(ctx, lib.lavin_clip_stream_push(h, pics, 0))
                    while self._progress.check(ctx, lib.lavin_clip_stream_pull(h, ctypes.byref(out), None)) > 0:
                        ready += answers(ctypes.pointer(out), 1)
                del keep
                yield from (a if full else a.data for a in ready)
        finally:
            with ctx.lock:
                lib.lavin_clip_stream_close(ctypes.byref(h))

    def predict(self, frames, n, *, full=False):
        """n future frames after the past frames, at the last one's size."""
        return self._call(N.lib().lavin_session_predict, list(frames), int(n), int(n), full=full)

    def close(self):
        if self._h:
            with self._model._ctx.lock:
                N.lib().lavin_session_destroy(ctypes.byref(self._h))
                self._h = None
            self._model._sessions.discard(self)

    def __repr__(self):
        return f"<lavin.Session {self.task} {self.size[0]}x{self.size[1]}{'' if self._h else ' closed'}>"
