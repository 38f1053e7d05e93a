#!/usr/bin/python3
"""Writes the checkpoint-reader fixtures under tests/data/io with torch.save
(Debian's python3-torch, 1.13). Each NAME.pt comes with NAME.expect.safetensors
holding the same tensors, contiguous, so the C test can compare the readers.

usage: tools/reference/make_io_fixtures.py [OUT_DIR]
"""
import collections
import json
import os
import struct
import sys
import zipfile

import torch


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.float32:
        return t.numpy().tobytes()
    return t.view(torch.int16).numpy().tobytes()


ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def write_safetensors(path, tensors):
    """An independent writer, so the C reader is not only checked against
    its own writer."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = tensor_bytes(t)
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def save(out, name, obj, tensors, saved_as=None):
    """torch.save under saved_as (the archive's top folder takes that name),
    then renamed to NAME.pt."""
    tmp = os.path.join(out, saved_as or name + ".pt")
    torch.save(obj, tmp)
    os.replace(tmp, os.path.join(out, name + ".pt"))
    if tensors is not None:
        write_safetensors(os.path.join(out, name + ".expect.safetensors"), tensors)


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(2, 3, 3)
        self.norm = torch.nn.GroupNorm(1, 3)
        self.proj = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Linear(5, 2, bias=False))


def repack_zip64(src, dst):
    """Rewrites a torch zip with every size and offset in zip64 extra fields
    and a zip64 end record, as writers do for files over 4 GB; records stay
    64-byte aligned through padding in the local extra field."""
    with zipfile.ZipFile(src) as z:
        entries = [(i.filename, z.read(i.filename), i.CRC) for i in z.infolist()]
    body, central = bytearray(), bytearray()
    for name, data, crc in entries:
        nb = name.encode()
        offset = len(body)
        z64 = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        pad = -(offset + 30 + len(nb) + len(z64) + 4) % 64
        extra = z64 + struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc,
                            0xFFFFFFFF, 0xFFFFFFFF, len(nb), len(extra)) + nb + extra + data
        cz64 = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc,
                               0xFFFFFFFF, 0xFFFFFFFF, len(nb), len(cz64), 0, 0, 0, 0,
                               0xFFFFFFFF) + nb + cz64
    cd_offset, n = len(body), len(entries)
    eocd64_offset = cd_offset + len(central)
    tail = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(central), cd_offset)
    tail += struct.pack("<IIQI", 0x07064B50, 0, eocd64_offset, 1)
    tail += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(dst, "wb") as f:
        f.write(bytes(body) + bytes(central) + tail)


def pk_str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def pk_ints(vals):
    return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in vals) + b"t"


def pk_state_dict(entries):
    """A protocol-2 pickle of {name: tensor}, written opcode by opcode so
    that it can say things torch never would. entries: (name, storage type,
    key, numel, offset, size, stride)."""
    out = b"\x80\x02}("
    for name, st, key, numel, off, size, stride in entries:
        out += pk_str(name) + b"ctorch._utils\n_rebuild_tensor_v2\n(("
        out += pk_str("storage") + b"ctorch\n" + st.encode() + b"\n" + pk_str(key) + pk_str("cpu")
        out += b"J" + struct.pack("<i", numel) + b"tQ" + b"J" + struct.pack("<i", off)
        out += pk_ints(size) + pk_ints(stride) + b"\x89ccollections\nOrderedDict\n)RtR"
    return out + b"u."


def write_zip(path, files, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in files:
            # A fixed date keeps the committed bytes reproducible.
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, method)


def crafted(out):
    """Archives written with Python's zipfile (no data descriptors, no
    alignment) around hand-written pickles: one valid, the rest each
    breaking one rule."""
    five = struct.pack("<5f", 0.5, 1.5, -2.5, 3.5, 4.5)
    ok = [("w", "FloatStorage", "0", 5, 1, (2, 2), (2, 1))]
    good = [("t/data.pkl", pk_state_dict(ok)), ("t/data/0", five), ("t/version", b"3\n")]
    write_zip(os.path.join(out, "crafted.pt"), good)
    write_safetensors(os.path.join(out, "crafted.expect.safetensors"),
                      {"w": torch.tensor([[1.5, -2.5], [3.5, 4.5]])})
    bad = {
        "badview": [("w", "FloatStorage", "0", 5, 3, (2, 2), (2, 1))],
        "badsize": [("w", "FloatStorage", "0", 4, 0, (2, 2), (2, 1))],
        "norecord": [("w", "FloatStorage", "7", 5, 0, (2, 2), (2, 1))],
        "dupname": ok + ok,
        "sixdim": [("w", "FloatStorage", "0", 5, 0, (1, 1, 1, 1, 1, 1), (1, 1, 1, 1, 1, 1))],
        "expanded": [("w", "FloatStorage", "0", 5, 0, (4, 3), (0, 1))],
    }
    for name, entries in bad.items():
        write_zip(os.path.join(out, "bad_%s.pt" % name),
                  [("t/data.pkl", pk_state_dict(entries)), ("t/data/0", five)])
    write_zip(os.path.join(out, "bad_deflated.pt"), good, zipfile.ZIP_DEFLATED)
    write_zip(os.path.join(out, "bad_twotop.pt"), good + [("u/data.pkl", pk_state_dict(ok))])
    write_zip(os.path.join(out, "bad_bigendian.pt"), good + [("t/byteorder", b"big")])
    write_zip(os.path.join(out, "bad_notdict.pt"), [("t/data.pkl", b"\x80\x02]q\x00.")])
    write_zip(os.path.join(out, "bad_nopickle.pt"), [("t/data/0", five)])


class Hostile:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "io")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)

    m = Tiny()
    sd = m.state_dict()
    # The released stvae.pt layout: the tensors under "state_dict", and the
    # archive's top folder named after another file name.
    # Other keys beside it exercise the plain values a checkpoint carries.
    extra = {"lr": 1e-4, "betas": (0.9, 0.99), "flags": [True, None, -7, 2**40], "name": "tiny"}
    save(out, "nested", {"state_dict": sd, "epoch": 5, "config": extra}, sd, saved_as="archive_name.pt")
    repack_zip64(os.path.join(out, "nested.pt"), os.path.join(out, "zip64.pt"))

    # A bare OrderedDict with _metadata, in the 16-bit types.
    m16 = Tiny()
    m16.conv.half()
    m16.proj.to(torch.bfloat16)
    sd16 = m16.state_dict()
    save(out, "bare16", sd16, sd16)

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8 - 1
    h = torch.arange(10, dtype=torch.float16) - 3
    views = collections.OrderedDict()
    views["base"] = base
    views["transposed"] = base.t()
    views["offset_view"] = base[1:3]
    views["column"] = base[:, 2]
    views["strided"] = base[::2, 1::2]
    views["scalar"] = torch.tensor(7.5)
    views["empty"] = torch.zeros(0, 3)
    views["half_tail"] = h[4:]
    views["bf16_t"] = base.to(torch.bfloat16).t()[1:]
    views["five_d"] = torch.arange(32, dtype=torch.float32).reshape(1, 2, 2, 2, 4).permute(0, 4, 2, 3, 1)
    save(out, "views", views, views)

    crafted(out)
    save(out, "int64", collections.OrderedDict(w=torch.ones(2), steps=torch.tensor(3)), None)
    save(out, "hostile", {"state_dict": Hostile()}, None)
    torch.save({"w": torch.ones(2)}, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)


if __name__ == "__main__":
    main()
