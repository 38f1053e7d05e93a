#!/usr/bin/python3
"""lavin's own float32 PyTorch reference of the J-DiT (docs/computation.md section 2) and
its flow-matching sampler (section 1, steps 4-6).

It is written from the specification, parameter names are the released
checkpoint's, and it runs on the CPU with Debian's python3-torch. It exists
to write small fixtures for the C tests; the tests themselves never need torch.
"""
import math

import torch
import torch.nn.functional as F

# The reference integrator's 20-point grid (docs/computation.md section 1.6).
GRID_20 = [0.0, 0.0056, 0.0111, 0.0167, 0.0222, 0.0278, 0.0333, 0.0389, 0.0444, 0.0500,
           0.0524, 0.0730, 0.1148, 0.1777, 0.2618, 0.3671, 0.4936, 0.6412, 0.8100, 1.0]


def mlp_width(d):
    return int((4 * d * 2 / 3) / 64) * 64


def manifest(cfg):
    """Every parameter of a J-DiT config: name -> shape."""
    D, p, C = cfg["hidden_size"], cfg["patch_size"], cfg["in_channels"]
    H, g = cfg["num_heads"], cfg["kv_group"]
    hd = D // H
    kv = (H // g) * hd
    inner = mlp_width(D)
    pc = p * p * C
    m = {
        "cond_embedder.0.weight": (D, pc), "cond_embedder.0.bias": (D,),
        "cond_embedder.1.weight": (D,), "cond_embedder.1.bias": (D,),
        "x_embedder.0.weight": (D, pc), "x_embedder.0.bias": (D,),
        "x_embedder.1.weight": (D,), "x_embedder.1.bias": (D,),
        "prompt_embed": (1, D), "answer_embed": (1, D),
        "t_embedder.mlp.0.weight": (D, 256), "t_embedder.mlp.0.bias": (D,),
        "t_embedder.mlp.2.weight": (D, D), "t_embedder.mlp.2.bias": (D,),
        "final_layer.linear.weight": (pc, D), "final_layer.linear.bias": (pc,),
        "final_layer.adaLN_modulation.1.weight": (D, D), "final_layer.adaLN_modulation.1.bias": (D,),
    }
    for i in range(cfg["depth"]):
        b = f"blocks.{i}."
        for s in ("cond", "x"):
            m[b + f"joint_attn.{s}_q.weight"] = (H * hd, D)
            m[b + f"joint_attn.{s}_k.weight"] = (kv, D)
            m[b + f"joint_attn.{s}_v.weight"] = (kv, D)
            m[b + f"joint_attn.{s}_qnorm.weight"] = (H * hd,)
            m[b + f"joint_attn.{s}_knorm.weight"] = (kv,)
            m[b + f"joint_attn.{s}_proj.weight"] = (D, H * hd)
            m[b + f"{s}_mlp.gate_proj.weight"] = (inner, D)
            m[b + f"{s}_mlp.up_proj.weight"] = (inner, D)
            m[b + f"{s}_mlp.down_proj.weight"] = (D, inner)
            m[b + f"{s}_modulation.1.weight"] = (4 * D, D)
            m[b + f"{s}_modulation.1.bias"] = (4 * D,)
    return m


def random_weights(cfg, gen):
    """Random, non-zero weights of a sensible scale (not the released init,
    which zeroes the modulation and output layers and would hide errors)."""
    w = {}
    for name, shape in manifest(cfg).items():
        fan_in = shape[-1] if len(shape) > 1 else 1
        t = torch.randn(shape, generator=gen, dtype=torch.float64)
        if name.endswith("norm.weight") or name.endswith("embedder.1.weight"):
            t = 1.0 + 0.2 * t
        elif len(shape) > 1 and not name.endswith("_embed"):
            t = t / math.sqrt(fan_in)
        else:
            t = 0.1 * t
        w[name] = t.float()
    return w


def patchify(z, p):
    """[B, C, T, H, W] -> [B, T*h*w, p*p*C], feature order (ph, pw, c)."""
    B, C, T, H, W = z.shape
    z = z.reshape(B, C, T, H // p, p, W // p, p)
    z = z.permute(0, 2, 3, 5, 4, 6, 1)  # B T h w ph pw C
    return z.reshape(B, T * (H // p) * (W // p), p * p * C)


def unpatchify(tokens, C, T, h, w, p):
    B = tokens.shape[0]
    z = tokens.reshape(B, T, h, w, p, p, C).permute(0, 6, 1, 2, 4, 3, 5)  # B C T h ph w pw
    return z.reshape(B, C, T, h * p, w * p)


def rms(x, weight=None, eps=1e-6):
    y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return y * weight if weight is not None else y


def timestep_embedding(t, dim=256):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def rope_axis(x, pos, d):
    """Rotates pairs (j, j + d/2) of x [..., L, nh, d] by pos * 10000^(-2j/d)."""
    inv = 1.0 / (10000.0 ** (torch.arange(0, d, 2)[: d // 2].float() / d))
    ang = pos.float()[:, None] * inv[None, :]  # L, d/2
    cos = torch.cat([ang.cos(), ang.cos()], -1)[:, None, :]
    sin = torch.cat([ang.sin(), ang.sin()], -1)[:, None, :]
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def rope3d(x, T, H, W):
    """x: [B, L, nh, hd], L = T*H*W, positions unravel(n, (T, H, W))."""
    hd = x.shape[-1]
    d = hd // 3
    n = torch.arange(T * H * W)
    pos = (n // (H * W), (n // W) % H, n % W)
    parts = [rope_axis(x[..., i * d:(i + 1) * d], pos[i], d) for i in range(3)]
    return torch.cat(parts, -1)


def attention(q, k, v, g):
    """q [B, L, H, hd], k/v [B, L, Hkv, hd]; head j reads kv head j // g."""
    k = k.repeat_interleave(g, dim=2)
    v = v.repeat_interleave(g, dim=2)
    s = torch.einsum("blhd,bmhd->bhlm", q, k) / math.sqrt(q.shape[-1])
    return torch.einsum("bhlm,bmhd->blhd", s.softmax(-1), v)


def linear(w, x, name, bias=True):
    return F.linear(x, w[name + ".weight"], w.get(name + ".bias") if bias else None)


def attention_bhld(q, k, v, g):
    """attention() with heads ahead of tokens for batched matrix products:
    the same values to float rounding, several times faster on the CPU."""
    q, k, v = (a.transpose(1, 2) for a in (q, k, v))
    k = k.repeat_interleave(g, dim=1)
    v = v.repeat_interleave(g, dim=1)
    s = torch.matmul(q * (1.0 / math.sqrt(q.shape[-1])), k.transpose(-1, -2))
    return torch.matmul(s.softmax(-1), v).transpose(1, 2)


def forward(w, cfg, x, t, cond, attn=attention):
    """v(x, t, cond): x [B, C, Tx, H, W], t [B], cond [B, C, Tc, H, W]."""
    D, p, C = cfg["hidden_size"], cfg["patch_size"], cfg["in_channels"]
    H, g = cfg["num_heads"], cfg["kv_group"]
    hd = D // H
    B, _, Tx, Hl, Wl = x.shape
    Tc = cond.shape[2]
    h, wd = Hl // p, Wl // p
    c = linear(w, patchify(cond, p), "cond_embedder.0")
    c = F.layer_norm(c, (D,), w["cond_embedder.1.weight"], w["cond_embedder.1.bias"], 1e-5)
    s = linear(w, patchify(x, p), "x_embedder.0")
    s = F.layer_norm(s, (D,), w["x_embedder.1.weight"], w["x_embedder.1.bias"], 1e-5)
    temb = linear(w, F.silu(linear(w, timestep_embedding(t), "t_embedder.mlp.0")), "t_embedder.mlp.2")
    tc, tx = temb + w["prompt_embed"], temb + w["answer_embed"]
    Lc = c.shape[1]
    for i in range(cfg["depth"]):
        b = f"blocks.{i}."
        mc = linear(w, F.silu(tc), b + "cond_modulation.1").reshape(B, 4, 1, D)
        mx = linear(w, F.silu(tx), b + "x_modulation.1").reshape(B, 4, 1, D)
        qs, ks, vs = [], [], []
        for st, mod in ((c, mc), (s, mx)):
            pre = b + "joint_attn." + ("cond" if st is c else "x")
            a = (1 + mod[:, 0]) * rms(st)
            q = rms(linear(w, a, pre + "_q", False), w[pre + "_qnorm.weight"])
            k = rms(linear(w, a, pre + "_k", False), w[pre + "_knorm.weight"])
            v = linear(w, a, pre + "_v", False)
            qs.append(q.reshape(B, -1, H, hd))
            ks.append(k.reshape(B, -1, H // g, hd))
            vs.append(v.reshape(B, -1, H // g, hd))
        q = rope3d(torch.cat(qs, 1), Tc + Tx, h, wd)
        k = rope3d(torch.cat(ks, 1), Tc + Tx, h, wd)
        o = attn(q, k, torch.cat(vs, 1), g).reshape(B, -1, H * hd)
        oc = linear(w, o[:, :Lc], b + "joint_attn.cond_proj", False)
        ox = linear(w, o[:, Lc:], b + "joint_attn.x_proj", False)
        c = c + mc[:, 1].tanh() * rms(oc)
        s = s + mx[:, 1].tanh() * rms(ox)
        for name, mod in (("cond", mc), ("x", mx)):
            st = c if name == "cond" else s
            bb = (1 + mod[:, 2]) * rms(st)
            pre = b + name + "_mlp."
            y = linear(w, F.silu(linear(w, bb, pre + "gate_proj", False)) * linear(w, bb, pre + "up_proj", False),
                       pre + "down_proj", False)
            st = st + mod[:, 3].tanh() * rms(y)
            if name == "cond":
                c = st
            else:
                s = st
    scale = linear(w, F.silu(tx), "final_layer.adaLN_modulation.1")[:, None]
    out = linear(w, (1 + scale) * rms(s), "final_layer.linear")
    return unpatchify(out, C, Tx, h, wd, p)


def null_condition(cond):
    """[zeros, query]: the unconditional pass's two frames."""
    return torch.cat([torch.zeros_like(cond[:, :, :1]), cond[:, :, -1:]], 2)


def guided(w, cfg, x, t, cond, cond_null, scale, attn=attention):
    v_cond = forward(w, cfg, x, t, cond, attn)
    v_null = forward(w, cfg, x, t, cond_null, attn)
    return v_null + scale * (v_cond - v_null)


def sample(w, cfg, noise, cond, grid, scale):
    """Euler from t = grid[0] to grid[-1]; grid and dt in float32."""
    grid = torch.tensor(grid, dtype=torch.float32)
    x = noise.clone()
    cond_null = null_condition(cond)
    B = x.shape[0]
    for k in range(len(grid) - 1):
        t = grid[k].repeat(B)
        x = x + (grid[k + 1] - grid[k]) * guided(w, cfg, x, t, cond, cond_null, scale)
    return x
