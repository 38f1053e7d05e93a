#!/usr/bin/env python3
"""The PyTorch side of the GPU check (tools/gpu_check.sh), and its table.

usage: bench/gpu_torch.py filter ops|sampler [--smoke]
       bench/gpu_torch.py run OUTDIR [--smoke] [--device cuda|cpu]
       bench/gpu_torch.py table OUTDIR [--peak TFLOPS] [--smoke]

The cases are lavin's own (bench/matmul.c, attention.c, sampler.c), named as
`lavin-bench ops` names them; this file is where the check lists them:

- filter prints the --filter that makes lavin-bench run exactly these cases;
- run times them in PyTorch and writes OUTDIR/torch.json after each case (so
  a step cut short keeps what it measured): torch.nn.functional.linear and
  scaled_dot_product_attention (GQA) in bf16, and the J-DiT sampler step
  (conditional and null pass, guidance 1.5) of lavin's PyTorch reference
  (tools/reference/jdit_reference.py) with random bf16 weights under bf16
  autocast, as a PyTorch user runs a model; CUDA events after warm-up. On a
  machine without CUDA it runs the same on the CPU in f32 (a trial of the
  script, not a figure);
- table reads lavin-bench's output (OUTDIR/lavin_bench.txt) and torch.json
  and writes OUTDIR/gpu_check.md: per case and lavin precision, lavin's
  time, TFLOP/s and share of the device's dense f16 peak, PyTorch's time and
  the ratio of the two.

FLOPs are lavin's counts for both sides (bench/README.md): matmul 2MNK,
attention 4·H·L²·hd, the sampler step its GEMMs and attention.
"""
import argparse
import contextlib
import json
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HD = 72  # the released J-DiT's head width
RELEASED = ("released 3.4B (2304/22)", (2304, 22, 32, 4))
TINY = ("tiny (72/2)", (72, 2, 2, 2))


def cases(smoke):
    """(kind, lavin's case name, shape) in the order the check runs them."""
    if smoke:
        mm = [(320, 144, 144), (320, 144, 384)]
        attn = [(384, 2, 1)]
        steps = [(TINY, 256)]
    else:
        mm = [(M, K, N) for M in (2560, 10240) for K, N in ((2304, 2304), (2304, 6144), (2304, 576), (6144, 2304))]
        attn = [(2560, 32, 8), (10240, 32, 8)]
        steps = [(RELEASED, 512)]
    out = [("matmul", f"matmul {M}x{K}x{N} w:f16", (M, K, N)) for M, K, N in mm]
    out += [("attention", f"attention L={L} {H}/{Hkv} heads hd {HD}", (L, H, Hkv)) for L, H, Hkv in attn]
    out += [("sampler", f"sampler step {label} {size}x{size}, 4 pairs", (dims, size)) for (label, dims), size in steps]
    return out


def mlp_width(d):
    return int((4 * d * 2 / 3) / 64) * 64


def pass_flops(dims, Lc, Lx):
    """One J-DiT pass over Lc condition and Lx target tokens: bench/sampler.c's pass_flops."""
    D, depth, H, g = dims
    hd, C, p = D // H, 16, 2
    qw, kw, pc, Lj = H * hd, (H // g) * hd, p * p * C, Lc + Lx
    per_token = 2 * D * (2 * qw + 2 * kw) + 2 * 3 * D * mlp_width(D)
    block = Lj * per_token + 4.0 * H * Lj * Lj * hd
    return depth * block - Lc * 2 * 3 * D * mlp_width(D) + 2 * Lj * pc * D + 2 * Lx * D * pc


def flops(kind, shape):
    if kind == "matmul":
        M, K, N = shape
        return 2.0 * M * N * K
    if kind == "attention":
        L, H, _ = shape
        return 4.0 * H * L * L * HD
    dims, size = shape
    tok = (size // 16) ** 2  # latent size/8, patch 2
    return pass_flops(dims, 9 * tok, tok) + pass_flops(dims, 2 * tok, tok)


# --- run ---------------------------------------------------------------------

def run(args):
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
    import jdit_reference as ref

    cuda = args.device == "cuda" or (args.device is None and torch.cuda.is_available())
    dev = torch.device("cuda" if cuda else "cpu")
    dtype = torch.bfloat16 if cuda else torch.float32
    if cuda and hasattr(torch, "set_default_device"):
        # The reference makes its positions and frequencies with torch.arange.
        torch.set_default_device(dev)
    name = torch.cuda.get_device_name(dev) if cuda else "CPU"
    result = {"device": name, "torch": torch.__version__, "dtype": "bf16" if cuda else "f32", "cases": []}
    path = os.path.join(args.outdir, "torch.json")
    print(f"PyTorch {torch.__version__} on {name}, {result['dtype']}", flush=True)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def timed(fn, warm, seconds=0.25):
        """ms per call: batches of 1, 2, 4, ... calls until `seconds` have
        passed (at most 1000 calls), as lavin-bench times its cases."""
        for _ in range(warm):
            fn()
        sync()
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
        count, n, t0 = 0, 1, time.perf_counter()
        while time.perf_counter() - t0 < seconds and count < 1000:
            for _ in range(min(n, 1000 - count)):
                fn()
                count += 1
            sync()
            n *= 2
        if cuda:
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / count
        return (time.perf_counter() - t0) * 1e3 / count

    def randn(*shape):
        return torch.randn(*shape, device=dev, dtype=dtype)

    def sdpa(q, k, v, g):
        """jdit_reference's attention hook: q [B, L, H, hd], k/v [B, L, H/g, hd]."""
        if not hasattr(F, "scaled_dot_product_attention"):  # torch 1.x: the CPU trial here
            return ref.attention_bhld(q, k, v, g)
        q, k, v = (a.transpose(1, 2).to(dtype) for a in (q, k, v))
        return gqa(q, k, v, g).transpose(1, 2)

    def gqa(q, k, v, g):
        """q [B, H, L, hd], k/v [B, H/g, L, hd]."""
        try:
            return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
        except TypeError:  # before torch 2.5
            return F.scaled_dot_product_attention(q, k.repeat_interleave(g, 1), v.repeat_interleave(g, 1))

    def model(dims):
        D, depth, H, g = dims
        cfg = {"hidden_size": D, "depth": depth, "num_heads": H, "kv_group": g, "in_channels": 16, "patch_size": 2}
        w = {}
        for pname, shape in ref.manifest(cfg).items():
            t = randn(*shape)
            norm = pname.endswith("norm.weight") or pname.endswith("embedder.1.weight")
            w[pname] = 1.0 + 0.2 * t if norm else 0.02 * t
        return cfg, w

    def time_case(kind, shape):
        """(ms, how) for one case."""
        if kind == "matmul":
            M, K, N = shape
            x, w = randn(M, K), randn(N, K)
            return timed(lambda: F.linear(x, w), 3), "F.linear"
        if kind == "attention":
            L, H, Hkv = shape
            if not hasattr(F, "scaled_dot_product_attention"):
                q, k, v = randn(1, L, H, HD), randn(1, L, Hkv, HD), randn(1, L, Hkv, HD)
                return timed(lambda: ref.attention_bhld(q, k, v, H // Hkv), 2), "attention_bhld"
            # Native GQA, and k/v repeated to every head beforehand (another
            # kernel may serve it): the faster counts.
            q, k, v = randn(1, H, L, HD), randn(1, Hkv, L, HD), randn(1, Hkv, L, HD)
            kr, vr = k.repeat_interleave(H // Hkv, 1), v.repeat_interleave(H // Hkv, 1)
            return min((timed(lambda: gqa(q, k, v, H // Hkv), 2), "SDPA, enable_gqa"),
                       (timed(lambda: F.scaled_dot_product_attention(q, kr, vr), 2), "SDPA, k/v repeated"))
        dims, size = shape
        cfg, w = model(dims)
        h = size // 8
        f32 = {"device": dev, "dtype": torch.float32}
        x, cond = torch.randn(1, 16, 1, h, h, **f32), torch.randn(1, 16, 9, h, h, **f32)
        cond_null, t = ref.null_condition(cond), torch.full((1,), 0.5, **f32)

        def step():
            # ref.guided with its attention through SDPA (flash attention on
            # CUDA), as a PyTorch user would run the model.
            with torch.autocast("cuda", dtype=dtype) if cuda else contextlib.nullcontext():
                return x + 0.05 * ref.guided(w, cfg, x, t, cond, cond_null, 1.5, attn=sdpa)
        return timed(step, 1, 0.5), "jdit_reference.guided, SDPA, autocast" if cuda else "jdit_reference.guided"


    with torch.inference_mode():
        for kind, cname, shape in cases(args.smoke):
            t0 = time.perf_counter()
            try:
                ms, how = time_case(kind, shape)
                row = {"name": cname, "ms": ms, "flops": flops(kind, shape), "how": how}
                print(f"{cname:<44} {ms:10.3f} ms {row['flops'] / ms * 1e-9:9.2f} TFLOP/s  {how}"
                      f" ({time.perf_counter() - t0:.1f} s)", flush=True)
            except Exception as e:  # one failing case must not cost the others
                row = {"name": cname, "error": f"{type(e).__name__}: {e}"}
                print(f"{cname:<44} failed: {row['error']}", flush=True)
            result["cases"].append(row)
            if cuda:
                torch.cuda.empty_cache()
            with open(path, "w") as f:
                json.dump(result, f, indent=1)
        if cuda:
            # The practical ceiling: PyTorch's own square bf16 product.
            a = randn(8192, 8192)
            ms = timed(lambda: a @ a, 3)
            result["ceiling"] = {"name": "bf16 matmul 8192x8192x8192", "ms": ms, "tflops": 2 * 8192**3 / ms * 1e-9}
            print(f"{result['ceiling']['name']:<44} {ms:10.3f} ms {result['ceiling']['tflops']:9.2f} TFLOP/s")
            with open(path, "w") as f:
                json.dump(result, f, indent=1)


# --- table -------------------------------------------------------------------

def read_lavin(path):
    """lavin-bench's runs in one file: {(case, precision): (ms, TFLOP/s)}, the
    runs' device lines, and the cases a run skipped."""
    rows, devices, skipped = {}, [], {}
    precision, unit = "?", 1.0
    if not os.path.exists(path):
        return rows, devices, skipped
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("device: "):
            m = re.search(r"precision (f16 on [^)]*|f32)", line)
            precision = m.group(1) if m else "?"
            if "f16 asked for" in line:
                precision += " (f16 asked for)"
            if line[len("device: "):] not in devices:
                devices.append(line[len("device: "):])
            continue
        if line.startswith("case "):
            unit = 1.0 if "TFLOP/s" in line else 1e-3
            continue
        m = re.match(r"(.*?)\s+skipped: (.*)", line)
        if m:
            skipped[(m.group(1), precision)] = m.group(2)
            continue
        parts = line.rsplit(None, 5)
        try:
            ms, rate = float(parts[1]), float(parts[2]) * unit
            [float(p) for p in parts[3:]]
        except (IndexError, ValueError):
            continue
        rows[(parts[0].strip(), precision)] = (ms, rate)
    return rows, devices, skipped


def table(args):
    rows, devices, skipped = read_lavin(os.path.join(args.outdir, "lavin_bench.txt"))
    torch_path = os.path.join(args.outdir, "torch.json")
    tr = json.load(open(torch_path)) if os.path.exists(torch_path) else {"cases": []}
    theirs = {c["name"]: c for c in tr["cases"]}
    order = [n for _, n, _ in cases(args.smoke)]
    names = order + sorted({k[0] for k in rows} - set(order))
    precisions = sorted({k[1] for k in rows} | {k[1] for k in skipped}, key=lambda p: (not p.startswith("f16"), p))
    big = any(r[1] >= 1.0 for r in rows.values())
    unit, scale = ("TFLOP/s", 1.0) if big else ("GFLOP/s", 1e3)
    tdtype = tr.get("dtype", "bf16")
    out = ["# lavin against PyTorch", ""]
    for d in devices:
        out.append(f"- lavin: {d}")
    if "device" in tr:
        out.append(f"- PyTorch {tr.get('torch', '?')} on {tr['device']}, {tdtype}")
    out.append(f"- peak: {args.peak:g} TFLOP/s dense f16/bf16 (the default is the H100/H200 SXM datasheet's "
               "989; --peak sets another); \"of peak\" is lavin's FLOP/s over it")
    if "ceiling" in tr:
        c = tr["ceiling"]
        out.append(f"- PyTorch's own {c['name']}: {c['tflops']:.0f} TFLOP/s ({c['tflops'] / args.peak:.0%} of peak)")
    out += ["- FLOPs: lavin's counts for both (bench/README.md); ratio > 1: lavin is slower", "",
            f"| case | lavin precision | lavin ms | {unit} | of peak | PyTorch {tdtype} ms | PyTorch {unit} "
            "| lavin / PyTorch |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n in names:
        t = theirs.get(n, {})
        tms = t.get("ms")
        tcol = f"{tms:.3f}" if tms else ("failed" if "error" in t else "—")
        trate = f"{t['flops'] / tms * 1e-9 * scale:.2f}" if tms else "—"
        for p in precisions:
            if (n, p) in rows:
                ms, rate = rows[(n, p)]
                ratio = f"{ms / tms:.2f}" if tms else "—"
                out.append(f"| {n} | {p} | {ms:.3f} | {rate * scale:.2f} | {rate / args.peak:.1%} | {tcol} | "
                           f"{trate} | {ratio} |")
            elif (n, p) in skipped:
                out.append(f"| {n} | {p} | skipped: {skipped[(n, p)]} | | | {tcol} | {trate} | |")
        if not any((n, p) in rows or (n, p) in skipped for p in precisions) and n in order:
            out.append(f"| {n} | (no lavin figure) | | | | {tcol} | {trate} | |")
    log = os.path.join(args.outdir, "gpu_check.log")
    steps = [ln.rstrip("\n")[len("== step "):] for ln in open(log, errors="replace")
             if ln.startswith("== step ")] if os.path.exists(log) else []
    if steps:
        out += ["", "Steps (tools/gpu_check.sh; details in gpu_check.log):", ""]
        out += [f"- {s}" for s in steps]
    text = "\n".join(out) + "\n"
    with open(os.path.join(args.outdir, "gpu_check.md"), "w") as f:
        f.write(text)
    print(text, end="")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("filter")
    f.add_argument("kind", choices=("ops", "sampler"))
    f.add_argument("--smoke", action="store_true")
    r = sub.add_parser("run")
    r.add_argument("outdir")
    r.add_argument("--smoke", action="store_true")
    r.add_argument("--device", choices=("cuda", "cpu"))
    t = sub.add_parser("table")
    t.add_argument("outdir")
    t.add_argument("--peak", type=float, default=989.0)
    t.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.cmd == "filter":
        kinds = ("sampler",) if args.kind == "sampler" else ("matmul", "attention")
        print("|".join(n for k, n, _ in cases(args.smoke) if k in kinds))
    elif args.cmd == "run":
        os.makedirs(args.outdir, exist_ok=True)
        run(args)
    else:
        table(args)


if __name__ == "__main__":
    main()
