"""lavin: LaVin-DiT inference on Vulkan compute, from Python.

ctypes bindings over liblavin.so.1 (the C API of include/lavin/); numpy is
the only dependency. The library is found by lavin.load(PATH), else the
LAVIN_LIBRARY environment variable, else liblavin.so.1 on the system
library path, on first use.

    import lavin
    model = lavin.Model()                          # the bundled lavin-tiny
    s = model.session("depth", pairs=2)            # a bundled context, or a folder of pairs
    depth = s.run(lavin.read_image("scene.png"))   # float32 H x W, near = 1
    answer = s.answer(image)                       # lavin.Answer: values, labels, palette, picture
    lavin.write_answer(answer, "scene.depth.png")

Errors raise lavin.Error (code, message) or a subclass: InvalidInput,
OutOfMemory, DeviceError, Unsupported, Canceled (a progress callable asked
to stop). Log lines go to the logging logger "lavin" unless Model(log=...)
says otherwise.
"""

from ._native import API_MAJOR, API_MINOR, LibraryError, load
from ._native import lib as _lib
from ._errors import Canceled, DeviceError, Error, InvalidInput, OutOfMemory, Unsupported
from ._pictures import Answer, align_answers
from ._model import DeviceInfo, Model, ModelInfo, devices, tasks
from ._session import Session, check_session
from .media import VideoReader, VideoWriter, answer_preview, check_format, read_image, write_answer, write_png

__all__ = ["load", "version", "api_version", "LibraryError", "Error", "InvalidInput", "OutOfMemory",
           "DeviceError", "Unsupported", "Canceled", "Answer", "Model", "ModelInfo", "Session", "DeviceInfo",
           "devices", "tasks", "check_session", "check_format", "read_image", "write_answer", "write_png",
           "align_answers", "answer_preview", "VideoReader", "VideoWriter", "API_MAJOR", "API_MINOR"]


def version():
    """The loaded library's release, e.g. "0.1.0"."""
    return _lib().lavin_version().decode()


def api_version():
    """The loaded library's API as (major, minor)."""
    v = _lib().lavin_api_version()
    return (v >> 16, v & 0xFFFF)
