"""numpy arrays <-> lavin_picture, and answers."""

import ctypes
import dataclasses
import os
from typing import Optional

import numpy as np

from . import _native as N
from ._context import media_context


def as_picture(image):
    """(Picture, keep): a lavin_picture viewing `image` without a copy when
    its pixels are packed within rows (any row stride, as strides[0]); else
    over a packed copy. `keep` must outlive every use of the Picture.
    Accepts H x W (gray), H x W x 1|3|4 (alpha ignored), uint8 or uint16."""
    a = np.asarray(image)
    if a.dtype not in (np.uint8, np.uint16):
        raise TypeError(f"lavin: pictures are uint8 or uint16 arrays, not {a.dtype}")
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4):
        raise ValueError(f"lavin: a picture is H x W or H x W x 1, 3 or 4, not shape {np.shape(image)}")
    h, w, c = a.shape
    item = a.dtype.itemsize
    packed_rows = (a.strides[2] == item or c == 1) and (a.strides[1] == c * item or w == 1)
    if (not packed_rows or a.strides[0] < w * c * item or not a.dtype.isnative
            or a.ctypes.data % item != 0 or a.strides[0] % item != 0):
        a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))
    pic = N.Picture(width=w, height=h, channels=c, depth=8 * item, stride=a.strides[0] if h > 1 else w * c * item,
                    data=a.ctypes.data)
    return pic, a


def pictures(images):
    """(Picture array, keep) for a sequence of images."""
    images = list(images)
    arr = (N.Picture * max(1, len(images)))()
    keep = []
    for i, image in enumerate(images):
        arr[i], k = as_picture(image)
        keep.append(k)
    return arr, keep


def from_picture(pic):
    """A packed copy of a lavin_picture: H x W (1 channel) or H x W x C,
    uint8 or uint16."""
    dtype = np.uint16 if pic.depth == 16 else np.uint8
    h, w, c = pic.height, pic.width, pic.channels
    if not pic.data or h <= 0 or w <= 0:
        return np.zeros((max(h, 0), max(w, 0)) + ((c,) if c > 1 else ()), dtype)
    row = w * c * np.dtype(dtype).itemsize
    raw = (ctypes.c_uint8 * (pic.stride * (h - 1) + row)).from_address(pic.data)
    a = np.lib.stride_tricks.as_strided(np.frombuffer(raw, np.uint8), (h, row), (pic.stride, 1))
    a = a.copy().view(dtype).reshape(h, w, c)  # a copy: the caller frees pic
    return a[:, :, 0] if c == 1 else a


@dataclasses.dataclass
class Answer:
    """One output frame of a task.

    task:    the task's name ("depth", "normal", "segmentation", "edges", "raw", ...)
    kind:    what the answer holds: "depth", "normal", "edges" (values),
             "labels" (labels and palette) or "rgb" (the picture only)
    values:  float32, H x W (depth: inverse depth in [0, 1], near = 1; edges:
             strength in [0, 1]) or H x W x 3 (normal: unit vectors, x right,
             y up, z to the viewer); None for other kinds
    labels:  uint8 H x W indices into palette; None but for "labels"
    palette: uint8 N x 3 class colours; None but for "labels"
    picture: the model's output, uint8 H x W x 3, as every task has it
    """
    task: str
    kind: str
    values: Optional[np.ndarray]
    labels: Optional[np.ndarray]
    palette: Optional[np.ndarray]
    picture: np.ndarray

    @property
    def data(self):
        """What Session.run() returns: values, else labels, else the picture."""
        if self.values is not None:
            return self.values
        if self.labels is not None:
            return self.labels
        return self.picture

    @property
    def shape(self):
        return self.picture.shape[:2]

    def write(self, path):
        """The task's files for this answer (lavin.write_answer())."""
        from .media import write_answer
        write_answer(self, path)


def from_answer(a):
    """An Answer copied out of a filled lavin_answer (which the caller frees)."""
    kind = N.ANSWER_KINDS[a.kind] if 0 <= a.kind < len(N.ANSWER_KINDS) else str(a.kind)
    h, w = a.height, a.width
    values = labels = palette = None
    if a.values and a.channels > 0:
        n = h * w * a.channels
        values = np.ctypeslib.as_array(a.values, (n,)).copy()
        values = values.reshape((h, w) if a.channels == 1 else (h, w, a.channels))
    if a.labels:
        labels = np.ctypeslib.as_array(a.labels, (h * w,)).copy().reshape(h, w)
        palette = np.ctypeslib.as_array(a.palette)[:max(0, a.palette_size)].copy()
    return Answer(N.text(a.task), kind, values, labels, palette, from_picture(a.picture))


def answers(arr, n):
    """Copies out and frees n lavin_answers."""
    lib = N.lib()
    try:
        return [from_answer(arr[i]) for i in range(n)]
    finally:
        for i in range(n):
            lib.lavin_answer_free(ctypes.byref(arr[i]))


def to_answer(answer):
    """(lavin_answer, keep) over an Answer's arrays, for the media calls."""
    kind = N.ANSWER_KINDS.index(answer.kind)
    a = N.Answer(task=answer.task.encode(), kind=kind)
    pic, keep_pic = as_picture(np.ascontiguousarray(answer.picture))  # packed 8-bit RGB only
    a.picture = pic
    a.height, a.width = pic.height, pic.width
    keep = [keep_pic]
    if answer.values is not None:
        v = np.ascontiguousarray(answer.values, dtype=np.float32)
        a.channels = 1 if v.ndim == 2 else v.shape[2]
        a.values = v.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        keep.append(v)
    if answer.labels is not None:
        lab = np.ascontiguousarray(answer.labels, dtype=np.uint8)
        a.labels = lab.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8))
        pal = np.asarray(answer.palette, dtype=np.uint8).reshape(-1, 3)
        if len(pal) > N.PALETTE_MAX:
            raise ValueError(f"lavin: a palette has at most {N.PALETTE_MAX} colours")
        a.palette_size = len(pal)
        for i, rgb in enumerate(pal):
            a.palette[i][:] = [int(x) for x in rgb]
        keep.append(lab)
    return a, keep


def fspath(p):
    return os.fsencode(os.fspath(p))


def align_answers(answers, shared):
    """The answers of one clip on the scale of the clip before it
    (lavin_answers_align): answers[:len(shared)] show the same frames as
    `shared`, that clip's answers. Depth answers get the least-squares scale
    and shift onto `shared` over those frames, in full there and easing to
    none at the last answer; answers of other kinds are absolute and come
    back as they are. Returns new Answers (the arguments stay as they are);
    raises InvalidInput when shared is longer than answers or the answers
    differ in kind or size."""
    answers, shared = list(answers), list(shared)
    if not all(isinstance(a, Answer) for a in answers + shared):
        raise TypeError("lavin: align_answers takes lists of lavin.Answer (Session.run_clip(..., full=True))")
    ctx = media_context()
    arr, ref = (N.Answer * max(1, len(answers)))(), (N.Answer * max(1, len(shared)))()
    keep = []
    for i, answer in enumerate(answers):  # copies: the library aligns in place
        values = None if answer.values is None else np.array(answer.values, np.float32)
        arr[i], k = to_answer(dataclasses.replace(answer, picture=np.array(answer.picture), values=values))
        keep.append(k)
    for i, answer in enumerate(shared):
        ref[i], k = to_answer(answer)
        keep.append(k)
    with ctx.lock:
        ctx.check(N.lib().lavin_answers_align(ctx.h, arr, len(answers), ref, len(shared)))
    out = [from_answer(arr[i]) for i in range(len(answers))]
    del keep
    return out
