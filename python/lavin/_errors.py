"""Exceptions: one class per family of the library's LAVIN_E* codes."""

from . import _native as N


class Error(Exception):
    """A call into liblavin failed. `code` is the negative LAVIN_E* value,
    `message` the library's one-line message (lavin_context_error())."""

    def __init__(self, code, message):
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self):
        return self.message

    @property
    def name(self):
        """The code's C name, e.g. "LAVIN_EINVAL"."""
        return _NAMES.get(self.code, f"LAVIN_E{-self.code}")


class InvalidInput(Error):
    """LAVIN_EINVAL, LAVIN_EFORMAT, LAVIN_EIO: a bad argument, value, name,
    or a file that is missing, unreadable or malformed."""


class OutOfMemory(Error):
    """LAVIN_ENOMEM, LAVIN_EDEVMEM: host or device memory (or memory_limit)."""


class DeviceError(Error):
    """LAVIN_EVULKAN, LAVIN_EDEVLOST, LAVIN_ENODEV: the Vulkan device."""


class Unsupported(Error):
    """LAVIN_EUNSUPPORTED: valid, but not supported here."""


class Canceled(Error):
    """LAVIN_ECANCELED: a progress callback asked to stop."""


_NAMES = {N.EINVAL: "LAVIN_EINVAL", N.ENOMEM: "LAVIN_ENOMEM", N.EDEVMEM: "LAVIN_EDEVMEM",
          N.EVULKAN: "LAVIN_EVULKAN", N.EDEVLOST: "LAVIN_EDEVLOST", N.ENODEV: "LAVIN_ENODEV",
          N.EIO: "LAVIN_EIO", N.EFORMAT: "LAVIN_EFORMAT", N.EUNSUPPORTED: "LAVIN_EUNSUPPORTED",
          N.ECANCELED: "LAVIN_ECANCELED"}

_CLASSES = {N.EINVAL: InvalidInput, N.EFORMAT: InvalidInput, N.EIO: InvalidInput, N.ENOMEM: OutOfMemory,
            N.EDEVMEM: OutOfMemory, N.EVULKAN: DeviceError, N.EDEVLOST: DeviceError, N.ENODEV: DeviceError,
            N.EUNSUPPORTED: Unsupported, N.ECANCELED: Canceled}


def error(code, message=None):
    """The exception for a negative code; message defaults to lavin_strerror()."""
    if not message:
        message = N.text(N.lib().lavin_strerror(code))
    return _CLASSES.get(code, Error)(code, message)


def check(ctx, rc):
    """Raises the error for rc < 0 with ctx's message; returns rc otherwise."""
    if rc < 0:
        raise error(rc, N.text(N.lib().lavin_context_error(ctx)) if ctx else None)
    return rc
