"""Picture and video files through liblavin (lavin/media.h)."""

import ctypes
import os

import numpy as np

from . import _native as N
from ._context import Closing, media_context
from ._pictures import Answer, as_picture, from_picture, to_answer


def _take_picture(ctx, fill):
    """The picture fill(pic) makes the library allocate, as an array; the
    library's copy is freed, whatever fill returned."""
    pic = N.Picture()
    try:
        with ctx.lock:
            ctx.check(fill(pic))
        return from_picture(pic)
    finally:
        N.lib().lavin_picture_free(ctypes.byref(pic))


def _read(ctx, path):
    return _take_picture(ctx, lambda pic: N.lib().lavin_picture_read(ctx.h, N.path_bytes(path), ctypes.byref(pic)))


def read_image(path):
    """Any still picture FFmpeg decodes, as a uint8 H x W x 3 RGB array."""
    return _read(media_context(), path)


def write_png(image, path):
    """A PNG of a uint8 or uint16 H x W or H x W x 3 array, as it is."""
    ctx = media_context()
    pic, keep = as_picture(np.ascontiguousarray(image))  # the library writes packed rows only
    with ctx.lock:
        ctx.check(N.lib().lavin_picture_write_png(ctx.h, N.path_bytes(path), ctypes.byref(pic)))
    del keep


def write_answer(answer, path):
    """The task's files for one Answer, in the format path's extension names
    (.png, .tif, .tiff): depth a 16-bit gray picture and a colour preview
    beside it (OUT.preview.EXT); normal 16-bit RGB; segmentation 8-bit labels
    and a preview; edges 8-bit gray; others the RGB picture. Returns the
    paths written."""
    if not isinstance(answer, Answer):
        raise TypeError("lavin: write_answer takes a lavin.Answer (Session.answer() or run(..., full=True))")
    ctx = media_context()
    a, keep = to_answer(answer)
    with ctx.lock:
        ctx.check(N.lib().lavin_answer_write(ctx.h, ctypes.byref(a), N.path_bytes(path)))
    del keep
    buf = ctypes.create_string_buffer(len(N.path_bytes(path)) + 64)
    written = [os.fspath(path)]
    if N.lib().lavin_answer_preview_path(N.path_bytes(path), buf, len(buf)) == 0:
        preview = os.fsdecode(buf.value)
        if os.path.exists(preview):
            written.append(preview if isinstance(written[0], str) else os.fsencode(preview))
    return written


def check_format(path, video=False):
    """Raises InvalidInput (or Unsupported) unless lavin writes path's format:
    pictures .png, .tif, .tiff; videos (video=True) .mp4, .mov, .mkv, .webm.
    Opens nothing."""
    ctx = media_context()
    fn = N.lib().lavin_video_format_check if video else N.lib().lavin_picture_format_check
    with ctx.lock:
        ctx.check(fn(ctx.h, N.path_bytes(path)))


def answer_preview(answer):
    """The uint8 H x W x 3 frame a video of the task shows for an Answer."""
    ctx = media_context()
    a, keep = to_answer(answer)
    return _take_picture(ctx, lambda pic: N.lib().lavin_answer_preview(ctx.h, ctypes.byref(a), ctypes.byref(pic)))


class VideoReader(Closing):
    """The frames of a video file's first video stream, upright, as uint8
    H x W x 3 arrays: iterate, or read() until None; `pts` is the last frame's
    time in `time_base` (num, den) seconds. Attributes: width, height, fps
    (num, den), frames (-1 when unknown), has_audio, rotation, flipped."""

    def __init__(self, path):
        self._h = None
        self._ctx = media_context()
        info = N.VideoInfo()
        h = ctypes.c_void_p()
        with self._ctx.lock:
            self._ctx.check(N.lib().lavin_video_input_open(self._ctx.h, N.path_bytes(path), ctypes.byref(h),
                                                           ctypes.byref(info)))
        self._h = h
        self.path = os.fspath(path)
        self.width, self.height = info.width, info.height
        self.fps, self.time_base = (info.fps_num, info.fps_den), (info.time_base_num, info.time_base_den)
        self.frames, self.has_audio = info.frames, bool(info.has_audio)
        self.rotation, self.flipped = info.rotation, bool(info.flipped)
        self.pts = None

    def read(self):
        """The next frame, or None at the end."""
        if not self._h:
            return None
        pic, pts = N.Picture(), ctypes.c_int64()
        try:
            with self._ctx.lock:
                rc = self._ctx.check(N.lib().lavin_video_input_read(self._h, ctypes.byref(pic), ctypes.byref(pts)))
            if rc == 0:
                return None
            self.pts = pts.value
            return from_picture(pic)
        finally:
            N.lib().lavin_picture_free(ctypes.byref(pic))

    def __iter__(self):
        while (frame := self.read()) is not None:
            yield frame

    def close(self):
        if self._h:
            with self._ctx.lock:
                N.lib().lavin_video_input_close(ctypes.byref(self._h))
                self._h = None


class VideoWriter(Closing):
    """A video of width x height uint8 RGB frames in the container path's
    extension names (.mp4, .mov, .mkv: H.264; .webm: VP9). fps: (num, den)
    or an int; time_base: (num, den) seconds per unit of the pts given to
    write() (None: frames counted); streams_from: a file whose audio,
    subtitle and data streams are copied. finish() completes the file; a with
    block finishes it, or drops it on an exception; close() before finish()
    drops it."""

    def __init__(self, path, width, height, fps=(30, 1), *, time_base=None, streams_from=None):
        self._h = None
        self._ctx = media_context()
        p = N.VideoOutputParams()
        N.lib().lavin_video_output_params_default(ctypes.byref(p))
        p.width, p.height = int(width), int(height)
        p.fps_num, p.fps_den = (fps, 1) if isinstance(fps, int) else (int(fps[0]), int(fps[1]))
        if time_base is not None:
            p.time_base_num, p.time_base_den = int(time_base[0]), int(time_base[1])
        p.streams_from = N.path_bytes(streams_from)
        h = ctypes.c_void_p()
        with self._ctx.lock:
            self._ctx.check(N.lib().lavin_video_output_open(self._ctx.h, N.path_bytes(path), ctypes.byref(p),
                                                            ctypes.byref(h)))
        self._h = h

    def write(self, frame, pts=None):
        """One frame; pts in the time base, after the previous one's (None:
        one frame duration after it)."""
        if not self._h:
            raise ValueError("lavin: the video is finished or closed")
        pic, keep = as_picture(frame)
        with self._ctx.lock:
            self._ctx.check(N.lib().lavin_video_output_write(self._h, ctypes.byref(pic),
                                                             N.PTS_NEXT if pts is None else int(pts)))
        del keep

    def finish(self):
        if self._h:
            with self._ctx.lock:
                rc = N.lib().lavin_video_output_finish(ctypes.byref(self._h))
                self._h = None
                self._ctx.check(rc)

    def close(self):
        """Drops an unfinished file."""
        if self._h:
            with self._ctx.lock:
                N.lib().lavin_video_output_abort(ctypes.byref(self._h))
                self._h = None

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.finish()
        self.close()
