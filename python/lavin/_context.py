"""The lavin_context a Model (or the media functions) holds, its log, and
progress callbacks."""

import ctypes
import logging
import threading

from . import _native as N
from ._errors import check, error

logger = logging.getLogger("lavin")
logger.addHandler(logging.NullHandler())  # a library's logger: silent until the program configures logging
_PY_LEVELS = (logging.ERROR, logging.WARNING, logging.INFO, logging.DEBUG)


def _to_logging(level, message):
    logger.log(_PY_LEVELS[N.LOG_LEVELS.index(level)] if level in N.LOG_LEVELS else logging.INFO, "%s", message)


def _level_index(level):
    if level not in N.LOG_LEVELS:
        raise ValueError(f"lavin: log_level is one of {', '.join(N.LOG_LEVELS)}, not {level!r}")
    return N.LOG_LEVELS.index(level)


class Closing:
    """close() on leaving a with block and when collected; errors at
    collection are dropped, as the interpreter may be shutting down."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Context(Closing):
    """A lavin_context: the device, the log, the last error. Calls on it (and
    on the models and sessions made from it) hold `lock`, so threads take
    turns as the library requires."""

    def __init__(self, *, device=None, memory_limit=0, cache_dir=None, log=None, log_level=None,
                 validation=False, profile=False, contexts_dir=None, precision="auto"):
        self.h = None
        self.lock = threading.RLock()
        lib = N.lib()
        p = N.ContextParams()
        lib.lavin_context_params_default(ctypes.byref(p))
        if device is not None:
            p.device = str(device).encode()
        p.validation, p.profile = int(bool(validation)), int(bool(profile))
        p.memory_limit = int(memory_limit or 0)
        p.cache_dir = N.path_bytes(cache_dir)
        p.contexts_dir = N.path_bytes(contexts_dir)
        if precision not in N.PRECISIONS:
            raise ValueError(f"precision {precision!r} is not one of {', '.join(N.PRECISIONS)}")
        p.precision = N.PRECISIONS[precision]
        if log is None:  # the "lavin" logger, as verbose as it is enabled for now
            log = _to_logging
            if log_level is None:
                enabled = [lv for lv, py in zip(N.LOG_LEVELS, _PY_LEVELS) if logger.isEnabledFor(py)]
                log_level = enabled[-1] if enabled else "error"
        if log is not False:
            def call(user, level, message, fn=log):
                fn(N.LOG_LEVELS[level] if 0 <= level < len(N.LOG_LEVELS) else str(level), N.text(message))
            self._log = N.LOG_FN(call)  # referenced as long as the context lives
            p.log = self._log
            p.log_level = _level_index(log_level or "info")
        self._params = p  # the strings it points to stay alive too
        h = ctypes.c_void_p()
        rc = lib.lavin_context_create(ctypes.byref(h), ctypes.byref(p))
        if rc < 0:
            raise error(rc)
        self.h = h

    def check(self, rc):
        return check(self.h, rc)

    def close(self):
        if self.h:
            with self.lock:
                N.lib().lavin_context_destroy(ctypes.byref(self.h))
                self.h = None


class Progress:
    """A progress callable behind the C callback. The callable gets (stage,
    step, steps) and cancels with a truthy result; an exception it raises
    (KeyboardInterrupt included, which arrives here during long calls)
    cancels the call too and is raised again once the call has returned."""

    def __init__(self, fn=None):
        self.fn = fn
        self.exc = None
        self.cfunc = N.PROGRESS_FN(self._call)

    def _call(self, user, p):
        try:
            fn = self.fn
            if fn is None:
                return 0
            p = p.contents
            stage = N.STAGES[p.stage] if 0 <= p.stage < len(N.STAGES) else str(p.stage)
            return 1 if fn(stage, p.step, p.steps) else 0
        except BaseException as e:  # noqa: B036 - handed back after the C call returns
            self.exc = e
            return 1

    def check(self, ctx, rc, undo=None):
        """After a call with this callback: raise what the callable raised
        (after undo(), which drops what a call that went on to succeed
        made), or the call's error."""
        exc, self.exc = self.exc, None
        if exc is not None:
            if rc >= 0 and undo is not None:
                undo()
            raise exc
        return ctx.check(rc)


def progress_property():
    """The progress callable of an object holding a Progress in _progress,
    settable at any time."""
    return property(lambda self: self._progress.fn, lambda self, fn: setattr(self._progress, "fn", fn),
                    doc="Called with (stage, step, steps); a truthy result cancels the call.")


_media_ctx = None
_media_lock = threading.Lock()


def media_context():
    """A context for the media functions called without a model: it starts no
    device; its log goes to the "lavin" logger."""
    global _media_ctx
    with _media_lock:
        if _media_ctx is None:
            _media_ctx = Context()
        return _media_ctx
