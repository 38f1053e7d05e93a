#!/usr/bin/env python3
"""The Python module (python/lavin) over the shared library.

usage: test_python.py LIBLAVIN_SO SOURCE_ROOT

lavin-tiny on examples/scene.png: depth, normal and segmentation answers,
determinism, batches, strides, cancelling, errors, logs and files; and the
ctypes structs against the C headers (when a C compiler is at hand).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

if len(sys.argv) != 3:
    sys.exit(__doc__)
LIB, ROOT = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(ROOT, "python"))
try:
    import numpy as np
except ImportError:
    sys.exit(f"test_python: {sys.executable} has no numpy (Debian: apt-get install python3-numpy)")
import lavin  # noqa: E402
from lavin import _native as N  # noqa: E402
from lavin._pictures import as_picture  # noqa: E402

SCENE = os.path.join(ROOT, "examples", "scene.png")
TESTS = []
state = {}


def test(fn):
    TESTS.append(fn)
    return fn


@test
def load_and_version():
    assert lavin.load(LIB) == lavin.version()
    assert lavin.api_version()[0] == 1, lavin.api_version()
    try:
        N.check_api(2 << 16, "liblavin.so.2")
        raise AssertionError("API 2.0 accepted")
    except lavin.LibraryError as e:
        assert "2.0" in str(e) and f"{N.API_MAJOR}.{N.API_MINOR}" in str(e), str(e)
    try:
        N.check_api(1 << 16 | 1, "liblavin.so.1 of 1.1")
        raise AssertionError("API 1.1 accepted by a module that needs 1.2's precision parameter")
    except lavin.LibraryError as e:
        assert "1.1" in str(e), str(e)
    try:
        lavin.Model(precision="f64")
        raise AssertionError("precision f64 was accepted")
    except ValueError as e:
        assert "f64" in str(e), e
    assert "depth" in lavin.tasks() and "segmentation" in lavin.tasks(), lavin.tasks()


STRUCTS = {"lavin_device_info": N.DeviceInfo, "lavin_context_params": N.ContextParams,
           "lavin_progress": N.Progress, "lavin_model_params": N.ModelParams, "lavin_model_info": N.ModelInfo,
           "lavin_picture": N.Picture, "lavin_answer": N.Answer, "lavin_session_params": N.SessionParams,
           "lavin_video_info": N.VideoInfo}
CONSTANTS = [(N.EINVAL, "LAVIN_EINVAL"), (N.EIO, "LAVIN_EIO"), (N.EFORMAT, "LAVIN_EFORMAT"),
             (N.ECANCELED, "LAVIN_ECANCELED"), (N.API_MAJOR, "LAVIN_API_VERSION_MAJOR"),
             (N.PALETTE_MAX, "LAVIN_PALETTE_MAX"), (N.PAIRS_ALL, "LAVIN_PAIRS_ALL"),
             (N.FITS["crop"], "LAVIN_FIT_CROP"), (N.VAE_TILE_FIXED, "LAVIN_VAE_TILE_FIXED"),
             (N.WEIGHTS_DTYPES["bf16"], "LAVIN_WEIGHTS_BF16"), (N.STAGES.index("decode"), "LAVIN_STAGE_DECODE"),
             (N.ANSWER_KINDS.index("edges"), "LAVIN_ANSWER_EDGES"), (N.LOG_LEVELS.index("debug"), "LAVIN_LOG_DEBUG"),
             (N.DEVICE_TYPES.index("other"), "LAVIN_DEVICE_OTHER"),
             (1 << N.FEATURES.index("subgroup-shuffle"), "LAVIN_FEAT_SUBGROUP_SHUFFLE")]


@test
def structs_match_headers():
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        print("  (no C compiler: layout not checked)")
        return
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include \"lavin/lavin.h\"", "#include \"lavin/media.h\"",
             "int main(void) {"]
    expect = []
    for cname, cls in STRUCTS.items():
        lines.append(f'printf("%zu\\n", sizeof({cname}));')
        expect.append((f"sizeof({cname})", N.ctypes.sizeof(cls)))
        for field, *_ in cls._fields_:
            lines.append(f'printf("%zu\\n", offsetof({cname}, {field}));')
            expect.append((f"{cname}.{field}", getattr(cls, field).offset))
    for value, cname in CONSTANTS:
        lines.append(f'printf("%d\\n", (int)({cname}));')
        expect.append((cname, value))
    lines.append("return 0; }")
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "layout")
        subprocess.run([cc, "-std=c11", "-I", os.path.join(ROOT, "include"), "-x", "c", "-", "-o", exe],
                       input="\n".join(lines).encode(), check=True)
        got = [int(x) for x in subprocess.run([exe], check=True, capture_output=True).stdout.split()]
    bad = [f"{name}: C {c}, ctypes {p}" for (name, p), c in zip(expect, got) if c != p]
    assert len(got) == len(expect) and not bad, bad


@test
def pictures_without_copy():
    wide = np.zeros((40, 64, 3), np.uint8)
    view = wide[5:37, 8:40]  # rows 64 * 3 bytes apart, pixels packed
    pic, keep = as_picture(view)
    assert pic.data == view.ctypes.data and pic.stride == wide.strides[0], (pic.data, pic.stride)
    assert (pic.width, pic.height, pic.channels, pic.depth) == (32, 32, 3, 8)
    pic, keep = as_picture(view[:, ::2])  # pixels not packed: a copy
    assert keep.flags.c_contiguous and pic.stride == 16 * 3
    pic, keep = as_picture(np.zeros((8, 8), np.uint16))
    assert (pic.channels, pic.depth, pic.stride) == (1, 16, 16)
    for bad, exc in ((np.zeros((8, 8), np.float32), TypeError), (np.zeros((8, 8, 2), np.uint8), ValueError)):
        try:
            as_picture(bad)
            raise AssertionError(f"{bad.dtype} {bad.shape} accepted")
        except exc:
            pass


@test
def read_image():
    img = lavin.read_image(SCENE)
    assert img.dtype == np.uint8 and img.shape == (256, 256, 3) and img.std() > 0, (img.dtype, img.shape)
    root = img
    while isinstance(root.base, np.ndarray):
        root = root.base
    assert root.base is None and root.flags.owndata, "read_image() returned a view of the library's memory"
    state["scene"] = img
    try:
        lavin.read_image(os.path.join(ROOT, "no-such-picture.png"))
        raise AssertionError("a missing file was read")
    except lavin.InvalidInput as e:
        assert e.code == N.EIO and "no-such-picture.png" in e.message, (e.code, e.message)


@test
def open_model():
    logs = state["logs"] = []
    m = state["model"] = lavin.Model(log=lambda level, message: logs.append((level, message)))
    assert m.info.size == (128, 128) and m.info.dit_params > 0 and m.info.vae_params > 0, m.info
    assert m.info.clip_frames == 5, m.info.clip_frames
    assert m.info.dit_dtype in ("f32", "f16", "bf16", "mixed"), m.info.dit_dtype
    assert m.device is not None and m.device.name and m.device.type in N.DEVICE_TYPES, m.device
    assert m.memory_in_use > 0
    print(f"  {m.device.name} ({m.device.type}), lavin-tiny {m.info.dit_params} + {m.info.vae_params} parameters")


@test
def depth():
    img, m = state["scene"], state["model"]
    with m.session("depth", pairs=2) as s:  # the reference's 20 points
        assert s.task == "depth" and s.size == (128, 128), (s.task, s.size)
        t = time.time()
        d = s.run(img)
        print(f"  one depth query at 20 points: {time.time() - t:.1f} s")
    assert isinstance(d, np.ndarray) and d.dtype == np.float32 and d.shape == (256, 256), (d.dtype, d.shape)
    assert np.isfinite(d).all() and d.min() >= 0 and d.max() <= 1 and d.std() > 1e-3, (d.min(), d.max(), d.std())
    with m.session("depth", pairs=2, steps=4, keep_model_size=True) as small:
        a = small.answer(img)
    assert a.task == "depth" and a.kind == "depth" and a.labels is None and a.palette is None
    assert a.values.dtype == np.float32 and a.values.shape == (128, 128), a.values.shape
    assert a.picture.dtype == np.uint8 and a.picture.shape == (128, 128, 3)
    assert np.isfinite(a.values).all() and 0 <= a.values.min() and a.values.max() <= 1 and a.values.std() > 1e-3


@test
def same_answers():
    img, m = state["scene"], state["model"]
    s = state["fast"] = m.session("depth", pairs=2, steps=4, batch=2, size=(64, 64))  # cheap: 4 points, 64x64
    one = s.run(img)
    assert np.array_equal(one, s.run(img)), "the same query twice gave different answers"
    with m.session("depth", pairs=2, steps=4, size=(64, 64)) as again:
        assert np.array_equal(one, again.run(img)), "a new session with the same seed gave another answer"
    wide = np.zeros((256, 300, 4), np.uint8)
    wide[:, 20:276, :3] = img
    many = s.run_many([img, wide[:, 20:276, :3], img[::-1]])
    assert len(many) == 3 and np.array_equal(many[0], one), "a batch changed an answer"
    assert np.array_equal(many[1], one), "a strided view gave another answer"
    assert not np.array_equal(many[2], one), "a flipped picture gave the same answer"
    assert np.array_equal(s.run(img.astype(np.uint16) * 257), one), "uint16 samples v * 257 differ from uint8 v"
    gray = s.run(img.mean(axis=2).astype(np.uint8))
    assert gray.shape == (256, 256) and np.isfinite(gray).all()
    assert s.run_many([]) == []


@test
def normal():
    with state["model"].session("normal", pairs=2, steps=4) as s:
        n = s.run(state["scene"])
    assert n.dtype == np.float32 and n.shape == (256, 256, 3), (n.dtype, n.shape)
    length = np.linalg.norm(n, axis=2)
    assert np.abs(length - 1).max() < 1e-3, np.abs(length - 1).max()


@test
def segmentation():
    with state["model"].session("segmentation", pairs=2, steps=4) as s:
        a = s.answer(state["scene"])
        labels = s.run(state["scene"])
    assert a.kind == "labels" and a.values is None, a.kind
    assert a.labels.dtype == np.uint8 and a.labels.shape == (256, 256), (a.labels.dtype, a.labels.shape)
    assert a.palette.dtype == np.uint8 and a.palette.ndim == 2 and a.palette.shape[1] == 3 and len(a.palette) > 1
    assert int(a.labels.max()) < len(a.palette), (a.labels.max(), len(a.palette))
    assert np.array_equal(labels, a.labels) and a.data is a.labels
    state["segmentation"] = a


@test
def pairs_in_memory():
    ctx = os.path.join(ROOT, "contexts", "depth")
    pairs = [(lavin.read_image(os.path.join(ctx, f"scene0{i}_input.png")),
              lavin.read_image(os.path.join(ctx, f"scene0{i}_target.png"))) for i in (1, 2)]
    with state["model"].session(pair_images=pairs, task="depth", steps=4) as s:
        d = s.run(state["scene"])
    assert s.task == "depth" and d.dtype == np.float32 and d.shape == (256, 256) and np.isfinite(d).all()


@test
def cancel():
    s, seen = state["fast"], []

    def stop(stage, step, steps):
        seen.append((stage, step, steps))
        return stage == "sample" and step >= 1

    s.progress = stop
    try:
        s.run(state["scene"])
        raise AssertionError("not canceled")
    except lavin.Canceled as e:
        assert e.code == N.ECANCELED, e.code
    assert any(st == "sample" and k == 1 and n == 3 for st, k, n in seen), seen
    assert seen[0][0] == "encode" and not any(st == "decode" for st, _, _ in seen), seen

    def fail(stage, step, steps):
        raise KeyError("from the callback")

    s.progress = fail
    try:
        s.run(state["scene"])
        raise AssertionError("the callback's exception was lost")
    except KeyError:
        pass
    s.progress = None
    d = s.run(state["scene"])  # the session still works
    assert d.shape == (256, 256)


@test
def errors_and_log():
    m, logs = state["model"], state["logs"]
    try:
        m.session("no-such-context-xyz", pairs=2)
        raise AssertionError("a bad context was accepted")
    except lavin.InvalidInput as e:
        assert e.code == N.EINVAL and "no-such-context-xyz" in e.message, (e.code, e.message)
        assert ("error", e.message) in logs, logs[-3:]
    try:
        m.session("depth", fit="sideways")
        raise AssertionError("a bad fit was accepted")
    except ValueError:
        pass
    try:
        m.session("depth", steps=1)
        raise AssertionError("steps=1 was accepted")
    except lavin.InvalidInput as e:
        assert "steps" in e.message, e.message
    assert any(level == "info" for level, _ in logs), logs[:5]


@test
def write_answer():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "scene.segmentation.png")
        written = lavin.write_answer(state["segmentation"], path)
        assert written == [path, os.path.join(tmp, "scene.segmentation.preview.png")], written
        assert all(os.path.getsize(f) > 0 for f in written)
        back = lavin.read_image(path)
        assert back.shape == (256, 256, 3) and np.array_equal(back[:, :, 0], state["segmentation"].labels)
    lavin.check_format("out.tif")
    try:
        lavin.check_format("out.jpg")
        raise AssertionError("a JPEG answer was accepted")
    except lavin.InvalidInput as e:
        assert "out.jpg" in e.message, e.message


@test
def check_session():
    lavin.check_session("depth", pairs=2)
    try:
        lavin.check_session("no-such-context-xyz")
        raise AssertionError("a bad context passed")
    except lavin.InvalidInput as e:
        assert "no-such-context-xyz" in e.message, e.message


def quiet_ffmpeg():
    """FFmpeg's log level is the program's (the library leaves it): libx264's
    statistics stay out of the test's output."""
    try:
        avutil = N.ctypes.CDLL(N.ctypes.util.find_library("avutil") or "libavutil.so")
        avutil.av_log_set_level(16)  # AV_LOG_ERROR
    except (OSError, AttributeError):
        pass


@test
def video_and_clips():
    quiet_ffmpeg()
    with lavin.VideoReader(os.path.join(ROOT, "examples", "flythrough.mp4")) as r:
        assert (r.width, r.height) == (256, 256), (r.width, r.height)
        frames, pts = [], []
        for frame in r:
            frames.append(frame)
            pts.append(r.pts)
    assert len(frames) == 17 and frames[0].shape == (256, 256, 3) and frames[0].dtype == np.uint8, len(frames)
    assert all(b > a for a, b in zip(pts, pts[1:])), pts
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.mkv")
        with lavin.VideoWriter(path, 256, 256, fps=(8, 1)) as w:
            for frame in frames[:5]:
                w.write(frame)
        with lavin.VideoReader(path) as r:
            back = list(r)
        assert len(back) == 5 and np.abs(back[2].astype(int) - frames[2]).mean() < 8, len(back)
    with state["model"].session("depth-clip", clips=True, pairs=1, steps=3, size=(32, 32)) as s:
        assert s.clip_frames == 5, s.clip_frames
        out = s.run_clip(frames[:3])
        state["clips"] = s.run_clip(frames[2:5], full=True), s.run_clip(frames[:3], full=True)
        # A video shorter than a clip is that clip; a longer one, every frame
        # in order, the overlapping clips averaged (tests/api/clip_stream.c
        # checks the averaging).
        one = list(s.run_video(iter(frames[:3])))
        video = list(s.run_video(frames[:7], full=True))
        ends = list(s.run_video(frames[:7], stride=4))
        try:
            list(s.run_video(frames[:7], stride=5))
            raise AssertionError("stride 5 was taken for five-frame clips")
        except lavin.InvalidInput as e:
            assert "clip stride 5" in str(e), e
    assert len(out) == 3 and all(d.shape == (256, 256) and d.dtype == np.float32 for d in out)
    assert all(np.array_equal(a, b) for a, b in zip(one, out)) and len(one) == 3
    assert len(video) == 7 and video[6].task == "depth" and video[6].values.shape == (256, 256)
    assert len(ends) == 7 and not np.array_equal(ends[3], video[3].values), "stride made no difference"
    with state["model"].session("depth", pairs=1, steps=3, context_frames=5, size=(32, 32)) as s:
        future = s.predict(frames[:5], 2, full=True)
    assert len(future) == 2 and future[0].task == "depth" and future[0].values.shape == (256, 256)


@test
def align_answers():
    """Two clips sharing frame 2: the later one put on the earlier's scale
    by a least-squares fit computed here."""
    later, earlier = state["clips"]
    before = [a.picture.copy() for a in later]
    aligned = lavin.align_answers(later, earlier[2:])
    assert all(np.array_equal(a.picture, b) for a, b in zip(later, before)), "align_answers changed its argument"
    x, y = later[0].values.astype(np.float64).ravel(), earlier[2].values.astype(np.float64).ravel()
    s, t = np.polyfit(x, y, 1)
    if s <= 0:  # no positive scale: a shift only
        s, t = 1.0, y.mean() - x.mean()
    for i, w in enumerate((0.0, 0.5, 1.0)):  # eased from full on the shared frame to none on the last
        want = np.clip(np.round((s + (1 - s) * w) * later[i].picture + 255 * t * (1 - w)), 0, 255)
        assert np.abs(aligned[i].picture - want).max() <= 1, (i, np.abs(aligned[i].picture - want).max())
    assert np.array_equal(aligned[2].picture, later[2].picture) and aligned[0].kind == "depth"
    # A least-squares fit can only lower the squared error (scale 1 and
    # shift 0 are among its candidates); the absolute error may rise.
    fit = np.square(aligned[0].values - earlier[2].values).mean()
    assert fit < np.square(later[0].values - earlier[2].values).mean() or abs(s - 1) + abs(t) < 1e-3, fit
    picture = lavin.Answer("raw", "rgb", None, None, None, later[0].picture)
    assert np.array_equal(lavin.align_answers([picture], [picture])[0].picture, picture.picture)
    try:
        lavin.align_answers(later[:1], earlier[:2])
        raise AssertionError("more shared answers than answers were taken")
    except lavin.InvalidInput as e:
        assert "2" in str(e), e


@test
def close():
    m, s = state["model"], state["fast"]
    m.close()
    for fn in (lambda: s.run(state["scene"]), lambda: m.session("depth")):
        try:
            fn()
            raise AssertionError("a closed model ran")
        except ValueError:
            pass
    m.close()  # twice is fine
    with lavin.Model(log=False) as m2:
        with m2.session("depth", pairs=1, steps=2) as s2:
            assert s2.run(state["scene"][:64, :64]).shape == (64, 64)


passed = failed = 0
for fn in TESTS:
    t = time.time()
    try:
        fn()
        passed += 1
        print(f"ok   {fn.__name__} ({time.time() - t:.1f} s)", flush=True)
    except Exception:
        failed += 1
        print(f"FAIL {fn.__name__}\n{traceback.format_exc()}", flush=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
