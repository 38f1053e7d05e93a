"""Models and sessions."""

import ctypes
import dataclasses
import os
import weakref

from . import _native as N
from ._context import Closing, Context, Progress, progress_property
from ._errors import error
from ._session import Session

_DEFAULT = object()


@dataclasses.dataclass(frozen=True)
class DeviceInfo:
    """A Vulkan device (lavin_device_info). type: "discrete", "integrated",
    "virtual", "cpu" or "other"; features: names of the lavin_feature bits."""
    index: int
    name: str
    type: str
    api_version: str
    vendor_id: int
    device_id: int
    device_local_bytes: int
    subgroup_size: int
    max_shared_memory: int
    max_storage_buffer_range: int
    max_allocation_size: int
    features: tuple

    @classmethod
    def _from(cls, d):
        v = d.api_version
        return cls(d.index, N.text(d.name), N.DEVICE_TYPES[d.type] if 0 <= d.type < 5 else str(d.type),
                   f"{(v >> 22) & 0x7F}.{(v >> 12) & 0x3FF}.{v & 0xFFF}", d.vendor_id, d.device_id,
                   d.device_local_bytes, d.subgroup_size, d.max_shared_memory, d.max_storage_buffer_range,
                   d.max_allocation_size, tuple(f for i, f in enumerate(N.FEATURES) if d.features >> i & 1))


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """A model as loaded (lavin_model_info). width x height is the native
    picture size; dtypes are "f32", "f16", "bf16" or "mixed"; clip_frames:
    the length clip sessions take unless told (lavin.clip_frames, else 9)."""
    width: int
    height: int
    dit_params: int
    vae_params: int
    dit_dtype: str
    vae_dtype: str
    latent_channels: int
    hidden_size: int
    depth: int
    num_heads: int
    vae_scale: int
    size_multiple: int
    dit_path: str
    vae_path: str
    clip_frames: int

    @property
    def size(self):
        return (self.width, self.height)


def devices():
    """The Vulkan devices with compute queues, as DeviceInfo."""
    lib = N.lib()
    err = ctypes.create_string_buffer(512)
    n = lib.lavin_list_devices(None, 0, err, len(err))
    if n > 0:
        infos = (N.DeviceInfo * n)()
        n = min(n, lib.lavin_list_devices(infos, n, err, len(err)))
    if n < 0:
        raise error(n, N.text(err.value))
    return [DeviceInfo._from(infos[i]) for i in range(n)] if n > 0 else []


def tasks():
    """{name: summary} of the tasks the library decodes."""
    lib, out, i = N.lib(), {}, 0
    name, summary = ctypes.c_char_p(), ctypes.c_char_p()
    while lib.lavin_task_info(i, ctypes.byref(name), ctypes.byref(summary)) == 0:
        out[N.text(name.value)] = N.text(summary.value)
        i += 1
    return out


class Model(Closing):
    """A LaVin-DiT model on its own context and device.

    path: a model folder (lavin_dit.safetensors, or lavin_dit.gguf as
    `lavin convert` writes it, quantized or not, and stvae.pt or
    stvae.safetensors); None with dit and vae None: the bundled lavin-tiny.
    dit, vae: the two files anywhere (both or neither). device: index or name
    substring (lavin.devices()); None takes the best. memory_limit: bytes of
    device memory lavin may allocate (0: the heap). cache_dir: folder for the
    pipeline cache. log: callable(level, message), level "error", "warning",
    "info" or "debug"; None sends lines to the logging logger "lavin", False
    drops them. log_level: the most verbose level passed on ("info" for a
    callable; for the logger, what it is enabled for when the model opens).
    progress: callable(stage, step, steps), a truthy result cancels
    (lavin.Canceled); used for loading and as the sessions' default.
    weights_dtype: None (as stored), "f32", "f16" or "bf16"; q8_0 and q4_0
    tensors stay as they are.
    precision: "auto", "f32" or "f16": the matrix products' and attention's
    arithmetic (lavin_context_params.precision); auto takes f16 where the
    device has cooperative matrices.

    Closes with close(), a with block, or when collected; sessions keep their
    model alive, and close() closes the model's sessions first.
    """

    def __init__(self, path=None, *, dit=None, vae=None, device=None, memory_limit=0, cache_dir=None, log=None,
                 progress=None, weights_dtype=None, dit_config=None, vae_config=None, allow_missing=False,
                 log_level=None, validation=False, profile=False, contexts_dir=None, precision="auto"):
        self._h = None
        self._sessions = weakref.WeakSet()
        if weights_dtype not in N.WEIGHTS_DTYPES:
            raise ValueError(f"lavin: weights_dtype is None, 'f32', 'f16' or 'bf16', not {weights_dtype!r}")
        self._ctx = Context(device=device, memory_limit=memory_limit, cache_dir=cache_dir, log=log,
                            log_level=log_level, validation=validation, profile=profile,
                            contexts_dir=contexts_dir, precision=precision)
        self._progress = Progress(progress)
        lib = N.lib()
        p = N.ModelParams()
        lib.lavin_model_params_default(ctypes.byref(p))
        p.dir, p.dit, p.vae = N.path_bytes(path), N.path_bytes(dit), N.path_bytes(vae)
        p.dit_config, p.vae_config = N.path_bytes(dit_config), N.path_bytes(vae_config)
        p.weights_dtype = N.WEIGHTS_DTYPES[weights_dtype]
        p.allow_missing = int(bool(allow_missing))
        p.progress = self._progress.cfunc
        h = ctypes.c_void_p()
        try:
            with self._ctx.lock:
                rc = lib.lavin_model_open(self._ctx.h, ctypes.byref(p), ctypes.byref(h))
                self._progress.check(self._ctx, rc, lambda: lib.lavin_model_close(ctypes.byref(h)))
        except BaseException:
            self._ctx.close()
            raise
        self._h = h
        i = N.ModelInfo()
        lib.lavin_model_get_info(h, ctypes.byref(i))
        self.info = ModelInfo(i.width, i.height, i.dit_params, i.vae_params, N.text(i.dit_dtype),
                              N.text(i.vae_dtype), i.latent_channels, i.hidden_size, i.depth, i.num_heads,
                              i.vae_scale, i.size_multiple, os.fsdecode(i.dit_path), os.fsdecode(i.vae_path), i.clip_frames)
        d = lib.lavin_context_device(self._ctx.h)
        self.device = DeviceInfo._from(d.contents) if d else None

    progress = progress_property()

    def _handle(self):
        if not self._h:
            raise ValueError("lavin: the model is closed")
        return self._h

    def session(self, context=_DEFAULT, *, pairs=None, task=None, size=None, fit="stretch", steps=20, cfg=1.5,
                seed=0, batch=0, vae_tile="auto", keep_model_size=False, clips=False, clip_frames=None,
                context_frames=9, rope="auto", rope_anchor=None, progress=None, pair_images=None):
        """An in-context session (lavin.Session); context defaults to
        "depth", or to none with pair_images."""
        if context is _DEFAULT:
            context = None if pair_images is not None else "depth"
        return Session(self, context, pairs=pairs, task=task, size=size, fit=fit, steps=steps, cfg=cfg, seed=seed,
                       batch=batch, vae_tile=vae_tile, keep_model_size=keep_model_size, clips=clips,
                       clip_frames=clip_frames, context_frames=context_frames, rope=rope, rope_anchor=rope_anchor,
                       progress=progress, pair_images=pair_images)

    def _memory(self, fn):
        with self._ctx.lock:
            return getattr(N.lib(), fn)(self._ctx.h) if self._ctx.h else 0

    @property
    def memory_in_use(self):
        """Device memory lavin holds now, in bytes."""
        return self._memory("lavin_memory_in_use")

    @property
    def memory_peak(self):
        """High-water mark of memory_in_use."""
        return self._memory("lavin_memory_peak")

    @property
    def memory_available(self):
        """What lavin may still allocate, in bytes."""
        return self._memory("lavin_memory_available")

    @property
    def validation_errors(self):
        return self._memory("lavin_validation_errors")

    def profile_report(self):
        """With Model(profile=True): a table of the ops run so far."""
        lib = N.lib()
        with self._ctx.lock:
            n = lib.lavin_profile_report(self._ctx.h, None, 0)
            buf = ctypes.create_string_buffer(n + 1)
            lib.lavin_profile_report(self._ctx.h, buf, n + 1)
        return N.text(buf.value)

    def close(self):
        """Closes the model's sessions, then the model and its context."""
        for s in list(self._sessions):
            s.close()
        if self._h:
            with self._ctx.lock:
                N.lib().lavin_model_close(ctypes.byref(self._h))
                self._h = None
        self._ctx.close()

    def __repr__(self):
        state = "closed" if not self._h else f"{self.info.width}x{self.info.height} on {self.device.name}"
        return f"<lavin.Model {self.info.dit_path if self._h else ''} {state}>"
