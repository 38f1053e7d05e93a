#!/usr/bin/python3
"""Writes the GGUF reader fixtures under tests/data/io and the seeds of the
GGUF fuzzer under tests/data/fuzz/gguf, with a writer of its own (Python's
struct, from ggml's docs/gguf.md), so that the C reader is not only checked
against lavin's writer.

kinds.gguf: every metadata type (nested arrays too), the default alignment
(no general.alignment), and one tensor of each type lavin reads.
align64.gguf: general.alignment 64 and tensors listed out of data order.

usage: tools/reference/make_gguf_fixtures.py [SOURCE_ROOT]
"""
import os
import shutil
import struct
import sys

UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)
F32, F16, Q4_0, Q8_0, BF16 = 0, 1, 2, 8, 30
SCALAR = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
          FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d"}


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def value(t, v):
    if t == STRING:
        return gstr(v)
    if t == ARRAY:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(value(et, x) for x in items)
    return struct.pack(SCALAR[t], v)


def write_gguf(path, kvs, tensors, alignment=32):
    """kvs: [(key, type, value)]; tensors: [(name, ne fastest first, ggml
    type, data bytes)], their data in the order given; with an alignment
    other than 32 the infos are listed in reverse, out of data order."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for key, t, v in kvs:
        out += gstr(key) + struct.pack("<I", t) + value(t, v)
    offsets, off = [], 0
    for _, _, _, data in tensors:
        offsets.append(off)
        off += len(data) + (-len(data) % alignment)
    infos = list(zip(tensors, offsets))
    if alignment != 32:
        infos.reverse()
    for (name, ne, t, _), o in infos:
        out += gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
        out += struct.pack("<IQ", t, o)
    out += b"\0" * (-len(out) % alignment)
    for _, _, _, data in tensors:
        out += data + b"\0" * (-len(data) % alignment)
    with open(path, "wb") as f:
        f.write(out)


def tensors():
    f32 = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    f16 = struct.pack("<4H", 0x3C00, 0xC000, 0x7BFF, 0x0001)
    bf16 = struct.pack("<H", 0x3F80)
    # Q8_0: per block an f16 scale and 32 int8; w = d * q.
    q8 = struct.pack("<H", 0x3800) + bytes((i - 16) & 0xFF for i in range(32))
    q8 += struct.pack("<H", 0xB400) + bytes((3 * i - 40) & 0xFF for i in range(32))
    # Q4_0: an f16 scale and 16 bytes; element i < 16 is the low nibble of
    # byte i, element i + 16 its high nibble; w = d * (nibble - 8).
    q4 = struct.pack("<H", 0x3C00) + bytes((i & 15) | ((15 - i) << 4) for i in range(16))
    q4 += struct.pack("<H", 0x4000) + bytes(0x88 for _ in range(16))
    return [
        ("enc.weight", [3, 2], F32, f32),
        ("enc.bias", [4], F16, f16),
        ("scale", [], BF16, bf16),
        ("blocks.0.mlp.weight", [32, 2], Q8_0, q8),
        ("blocks.0.q4.weight", [64, 1], Q4_0, q4),
        ("empty", [3, 0], F32, b""),
    ]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    io = os.path.join(root, "tests", "data", "io")
    fuzz = os.path.join(root, "tests", "data", "fuzz", "gguf")
    os.makedirs(fuzz, exist_ok=True)
    kvs = [
        ("general.architecture", STRING, "lavin-dit"),
        ("general.name", STRING, "fixture \u00e9\u4e2d"),
        ("general.quantization_version", UINT32, 2),
        ("lavin-dit.hidden_size", UINT32, 144),
        ("lavin-dit.patch_size", ARRAY, (UINT32, [2, 2])),
        ("lavin.native_size", ARRAY, (UINT32, [128, 96])),
        ("lavin.kept.names", ARRAY, (STRING, ["enc.bias", "scale"])),
        ("lavin.kept.reasons", ARRAY, (STRING, ["a bias", "a scalar"])),
        ("test.u8", UINT8, 200), ("test.i8", INT8, -5), ("test.u16", UINT16, 60000),
        ("test.i16", INT16, -30000), ("test.i32", INT32, -2000000000), ("test.f32", FLOAT32, 0.5),
        ("test.bool", BOOL, True), ("test.u64", UINT64, 2 ** 63 + 1), ("test.i64", INT64, -(2 ** 62)),
        ("test.f64", FLOAT64, -1.25),
        ("test.nested", ARRAY, (ARRAY, [(INT16, [1, -2]), (STRING, ["x", ""]), (ARRAY, [])])),
        ("test.bools", ARRAY, (BOOL, [True, False])),
    ]
    write_gguf(os.path.join(io, "kinds.gguf"), kvs, tensors())
    write_gguf(os.path.join(io, "align64.gguf"), [("general.alignment", UINT32, 64),
                                                   ("general.quantization_version", UINT32, 2)],
               tensors(), alignment=64)
    for name in ("kinds.gguf", "align64.gguf"):
        shutil.copy(os.path.join(io, name), os.path.join(fuzz, name))


if __name__ == "__main__":
    main()
