"""ctypes mirror of include/lavin/*.h (API 1.0) and the loaded library.

Everything here is private: the structs exactly as the C headers lay them out
(reserved arrays included), the function prototypes, and the one loaded
liblavin handle that the rest of the package reaches through lib().
"""

import ctypes
import ctypes.util
import os
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_float, c_int, c_int64, c_size_t, sizeof,
                    c_ssize_t, c_uint, c_uint8, c_uint32, c_uint64, c_void_p)

# The API this module was written for (LAVIN_API_VERSION_MAJOR/MINOR).
API_MAJOR = 1
API_MINOR = 5

# enum lavin_error
OK, EINVAL, ENOMEM, EDEVMEM, EVULKAN, EDEVLOST, ENODEV, EIO, EFORMAT, EUNSUPPORTED, ECANCELED = range(0, -11, -1)

LOG_LEVELS = ("error", "warning", "info", "debug")          # enum lavin_log_level
DEVICE_TYPES = ("discrete", "integrated", "virtual", "cpu", "other")  # enum lavin_device_type
STAGES = ("load", "encode", "sample", "decode")            # enum lavin_stage
WEIGHTS_DTYPES = {None: 0, "stored": 0, "f32": 1, "f16": 2, "bf16": 3}  # enum lavin_weights_dtype
FITS = {"stretch": 0, "pad": 1, "crop": 2}                  # enum lavin_fit
ROPES = {"auto": 0, "extrapolate": 1, "interpolate": 2}     # enum lavin_rope
PRECISIONS = {"auto": 0, "f32": 1, "f16": 2}                # enum lavin_precision
ANSWER_KINDS = ("rgb", "depth", "normal", "labels", "edges")  # enum lavin_answer_kind
VAE_TILE_AUTO, VAE_TILE_OFF, VAE_TILE_FIXED = 0, 1, 2       # enum lavin_vae_tiling
FEATURES = ("fp16-storage", "fp16-arith", "int8-storage", "int8-arith", "subgroup-arith", "nv-coopmat",
            "khr-coopmat", "subgroup-size-control", "subgroup-shuffle")  # enum lavin_feature, bit i
PAIRS_ALL = 0
PALETTE_MAX = 64

LOG_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p)


class DeviceInfo(Structure):
    _fields_ = [("index", c_int), ("name", c_char * 256), ("type", c_int), ("api_version", c_uint32),
                ("vendor_id", c_uint32), ("device_id", c_uint32), ("device_local_bytes", c_uint64),
                ("subgroup_size", c_uint32), ("max_shared_memory", c_uint32),
                ("max_storage_buffer_range", c_uint64), ("max_allocation_size", c_uint64), ("features", c_uint)]


class ContextParams(Structure):
    _fields_ = [("device", c_char_p), ("validation", c_int), ("profile", c_int), ("memory_limit", c_uint64),
                ("cache_dir", c_char_p), ("log", LOG_FN), ("log_user", c_void_p), ("log_level", c_int),
                ("contexts_dir", c_char_p), ("precision", c_int), ("reserved_int", c_int),
                ("reserved", c_void_p * (8 - 8 // sizeof(c_void_p)))]


class Progress(Structure):
    _fields_ = [("stage", c_int), ("step", c_int), ("steps", c_int), ("first", c_int), ("count", c_int),
                ("total", c_int)]


PROGRESS_FN = CFUNCTYPE(c_int, c_void_p, POINTER(Progress))


class ModelParams(Structure):
    _fields_ = [("dir", c_char_p), ("dit", c_char_p), ("vae", c_char_p), ("dit_config", c_char_p),
                ("vae_config", c_char_p), ("weights_dtype", c_int), ("allow_missing", c_int),
                ("progress", PROGRESS_FN), ("progress_user", c_void_p), ("reserved", c_void_p * 8)]


class ModelInfo(Structure):
    _fields_ = [("width", c_int), ("height", c_int), ("dit_params", c_int64), ("vae_params", c_int64),
                ("dit_dtype", c_char_p), ("vae_dtype", c_char_p), ("latent_channels", c_int),
                ("hidden_size", c_int), ("depth", c_int), ("num_heads", c_int), ("vae_scale", c_int),
                ("size_multiple", c_int), ("dit_path", c_char * 4096), ("vae_path", c_char * 4096),
                ("clip_frames", c_int), ("reserved_int", c_int), ("reserved", c_void_p * (8 - 8 // sizeof(c_void_p)))]


class Picture(Structure):
    _fields_ = [("width", c_int), ("height", c_int), ("channels", c_int), ("depth", c_int),
                ("stride", c_ssize_t), ("data", c_void_p)]


class Answer(Structure):
    _fields_ = [("task", c_char_p), ("kind", c_int), ("width", c_int), ("height", c_int), ("channels", c_int),
                ("values", POINTER(c_float)), ("labels", POINTER(c_uint8)), ("palette_size", c_int),
                ("palette", (c_uint8 * 3) * PALETTE_MAX), ("picture", Picture)]


class SessionParams(Structure):
    _fields_ = [("context", c_char_p), ("pair_inputs", POINTER(Picture)), ("pair_targets", POINTER(Picture)),
                ("npairs", c_int), ("task", c_char_p), ("clips", c_int), ("clip_frames", c_int),
                ("width", c_int), ("height", c_int), ("fit", c_int), ("keep_model_size", c_int),
                ("steps", c_int), ("cfg", c_float), ("seed", c_uint64), ("pairs", c_int), ("vae_tiling", c_int),
                ("vae_tile", c_int), ("vae_tile_frames", c_int), ("batch", c_int), ("context_frames", c_int),
                ("progress", PROGRESS_FN), ("progress_user", c_void_p), ("rope", c_int),
                ("rope_anchor_width", c_int), ("rope_anchor_height", c_int), ("reserved_int", c_int),
                ("reserved", c_void_p * (8 - 16 // sizeof(c_void_p)))]


class VideoInfo(Structure):
    _fields_ = [("width", c_int), ("height", c_int), ("fps_num", c_int), ("fps_den", c_int),
                ("frames", c_int64), ("has_audio", c_int), ("time_base_num", c_int), ("time_base_den", c_int),
                ("rotation", c_int), ("flipped", c_int)]


class VideoOutputParams(Structure):
    _fields_ = [("width", c_int), ("height", c_int), ("fps_num", c_int), ("fps_den", c_int),
                ("time_base_num", c_int), ("time_base_den", c_int), ("streams_from", c_char_p),
                ("reserved", c_void_p * 8)]


PTS_NEXT = -(1 << 63)  # LAVIN_PTS_NEXT


P = c_void_p  # opaque lavin_context, lavin_model, lavin_session, lavin_video_input/output pointers
_PROTOTYPES = {
    "lavin_version": (c_char_p, []),
    "lavin_api_version": (c_uint, []),
    "lavin_strerror": (c_char_p, [c_int]),
    "lavin_list_devices": (c_int, [POINTER(DeviceInfo), c_int, c_char_p, c_size_t]),
    "lavin_features_string": (None, [c_uint, c_char_p, c_size_t]),
    "lavin_context_params_default": (None, [POINTER(ContextParams)]),
    "lavin_context_create": (c_int, [POINTER(P), POINTER(ContextParams)]),
    "lavin_context_start": (c_int, [P]),
    "lavin_context_destroy": (None, [POINTER(P)]),
    "lavin_context_error": (c_char_p, [P]),
    "lavin_context_device": (POINTER(DeviceInfo), [P]),
    "lavin_validation_errors": (c_uint, [P]),
    "lavin_memory_in_use": (c_uint64, [P]),
    "lavin_memory_peak": (c_uint64, [P]),
    "lavin_memory_reset_peak": (None, [P]),
    "lavin_memory_available": (c_uint64, [P]),
    "lavin_profile_report": (c_size_t, [P, c_char_p, c_size_t]),
    "lavin_model_params_default": (None, [POINTER(ModelParams)]),
    "lavin_model_open": (c_int, [P, POINTER(ModelParams), POINTER(P)]),
    "lavin_model_close": (None, [POINTER(P)]),
    "lavin_model_get_info": (None, [P, POINTER(ModelInfo)]),
    "lavin_model_context": (P, [P]),
    "lavin_picture_free": (None, [POINTER(Picture)]),
    "lavin_answer_free": (None, [POINTER(Answer)]),
    "lavin_task_info": (c_int, [c_int, POINTER(c_char_p), POINTER(c_char_p)]),
    "lavin_session_params_default": (None, [POINTER(SessionParams)]),
    "lavin_session_create": (c_int, [P, POINTER(SessionParams), POINTER(P)]),
    "lavin_session_destroy": (None, [POINTER(P)]),
    "lavin_session_check": (c_int, [P, POINTER(SessionParams)]),
    "lavin_session_task": (c_char_p, [P]),
    "lavin_session_size": (None, [P, POINTER(c_int), POINTER(c_int)]),
    "lavin_session_clip_frames": (c_int, [P]),
    "lavin_session_batch_size": (c_int, [P]),
    "lavin_session_run": (c_int, [P, POINTER(Picture), c_int, POINTER(Answer)]),
    "lavin_session_run_clip": (c_int, [P, POINTER(Picture), c_int, POINTER(Answer)]),
    "lavin_session_predict": (c_int, [P, POINTER(Picture), c_int, c_int, POINTER(Answer)]),
    "lavin_clip_stream_open": (c_int, [P, c_int, POINTER(P)]),
    "lavin_clip_stream_close": (None, [POINTER(P)]),
    "lavin_clip_stream_push": (c_int, [P, POINTER(Picture), c_int64]),
    "lavin_clip_stream_pull": (c_int, [P, POINTER(Answer), POINTER(c_int64)]),
    "lavin_picture_read": (c_int, [P, c_char_p, POINTER(Picture)]),
    "lavin_picture_write_png": (c_int, [P, c_char_p, POINTER(Picture)]),
    "lavin_picture_format_check": (c_int, [P, c_char_p]),
    "lavin_answer_write": (c_int, [P, POINTER(Answer), c_char_p]),
    "lavin_answer_preview_path": (c_int, [c_char_p, c_char_p, c_size_t]),
    "lavin_answer_preview": (c_int, [P, POINTER(Answer), POINTER(Picture)]),
    "lavin_answers_align": (c_int, [P, POINTER(Answer), c_int, POINTER(Answer), c_int]),
    "lavin_video_input_open": (c_int, [P, c_char_p, POINTER(P), POINTER(VideoInfo)]),
    "lavin_video_input_read": (c_int, [P, POINTER(Picture), POINTER(c_int64)]),
    "lavin_video_input_close": (None, [POINTER(P)]),
    "lavin_video_format_check": (c_int, [P, c_char_p]),
    "lavin_video_output_params_default": (None, [POINTER(VideoOutputParams)]),
    "lavin_video_output_open": (c_int, [P, c_char_p, POINTER(VideoOutputParams), POINTER(P)]),
    "lavin_video_output_write": (c_int, [P, POINTER(Picture), c_int64]),
    "lavin_video_output_finish": (c_int, [POINTER(P)]),
    "lavin_video_output_abort": (None, [POINTER(P)]),
}


class LibraryError(OSError):
    """liblavin could not be found, or is not an API 1.x library."""


_lib = None
_lock = threading.Lock()


def _candidates(path):
    if path is not None:
        return [os.fspath(path)], "lavin.load()"
    env = os.environ.get("LAVIN_LIBRARY")
    if env:
        return [env], "LAVIN_LIBRARY"
    return ["liblavin.so.1", None], "the system library path"  # None: ask ctypes.util.find_library


def check_api(api, name):
    """Refuses a library whose LAVIN_API_VERSION is not 1.x (x >= API_MINOR)."""
    if api >> 16 != API_MAJOR or (api & 0xFFFF) < API_MINOR:
        raise LibraryError(f"lavin: {name} has API {api >> 16}.{api & 0xFFFF}, but this module was written for "
                           f"{API_MAJOR}.{API_MINOR}: use the lavin module that came with that library")


def load(path=None):
    """Loads liblavin: `path`, else $LAVIN_LIBRARY, else liblavin.so.1 on the
    system library path. Returns the library's release string. Only one
    library per process: a second load() of another file is refused."""
    global _lib
    with _lock:
        names, where = _candidates(path)
        if _lib is not None:
            if path is None or os.path.realpath(names[0]) == os.path.realpath(_lib._name):
                return _lib.lavin_version().decode()
            raise LibraryError(f"lavin: {_lib._name} is loaded already; cannot load {names[0]} too")
        errors = []
        for name in names:
            if name is None and not (name := ctypes.util.find_library("lavin")):
                continue
            try:
                handle = ctypes.CDLL(name)
                break
            except OSError as e:
                errors.append(str(e))
        else:
            raise LibraryError(f"lavin: cannot load liblavin from {where}: " + "; ".join(errors) +
                               " (pass lavin.load(PATH) or set LAVIN_LIBRARY)")
        try:
            api_fn = handle.lavin_api_version
        except AttributeError:
            raise LibraryError(f"lavin: {handle._name} is not liblavin (no lavin_api_version)") from None
        api_fn.restype, api_fn.argtypes = c_uint, []
        check_api(api_fn(), handle._name)
        for fname, (restype, argtypes) in _PROTOTYPES.items():
            try:
                fn = getattr(handle, fname)
            except AttributeError:
                raise LibraryError(f"lavin: {handle._name} lacks {fname}") from None
            fn.restype, fn.argtypes = restype, argtypes
        _lib = handle
        return handle.lavin_version().decode()


def lib():
    """The loaded library, loading the default one on first use."""
    if _lib is None:
        load()
    return _lib


def text(b):
    return "" if b is None else b.decode("utf-8", "replace")


def path_bytes(p):
    return None if p is None else os.fsencode(os.fspath(p))
