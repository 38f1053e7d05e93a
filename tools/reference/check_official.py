#!/usr/bin/python3
"""Checks lavin's J-DiT reference (jdit_reference.py) against the official
LaVin-DiT modules on a tiny random model.

    /usr/bin/python3 tools/reference/check_official.py PATH/TO/LaVin-DiT

The official code imports apex, flash_attn, timm and einops, which Debian
does not package; this script puts small stand-ins for the four names it uses
in sys.modules before importing it. It contains none of the official code.
"""
import math
import os
import re
import sys
import types

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jdit_reference as ref  # noqa: E402


def rearrange(x, pattern, **sizes):
    """The subset of einops.rearrange the model uses: groups split on the
    left, axes permuted, groups merged on the right."""
    lhs, rhs = (side.strip() for side in pattern.split("->"))
    lgroups, rgroups = (re.findall(r"\([^)]*\)|\S+", side) for side in (lhs, rhs))
    known = dict(sizes)
    axes = []
    for g, n in zip(lgroups, x.shape):
        names = g.strip("()").split()
        missing = [a for a in names if a not in known]
        prod = math.prod(known[a] for a in names if a in known)
        if missing:
            known[missing[0]] = n // prod
        axes += names
    x = x.reshape([known[a] for a in axes])
    order = [a for g in rgroups for a in g.strip("()").split()]
    x = x.permute([axes.index(a) for a in order])
    return x.reshape([math.prod(known[a] for a in g.strip("()").split()) for g in rgroups])


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6, elementwise_affine=True):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim)) if elementwise_affine else None

    def forward(self, x):
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return y * self.weight if self.weight is not None else y


def flash_attn_func(q, k, v, dropout_p=0.0, softmax_scale=None, causal=False):
    g = q.shape[2] // k.shape[2]
    k, v = k.repeat_interleave(g, 2), v.repeat_interleave(g, 2)
    s = torch.einsum("blhd,bmhd->bhlm", q, k) * softmax_scale
    return torch.einsum("bhlm,bmhd->blhd", s.softmax(-1), v)


def install_stand_ins():
    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
    module("apex")
    module("apex.normalization")
    module("apex.normalization.fused_layer_norm", FusedRMSNorm=RMSNorm,
           FusedLayerNorm=lambda d, eps=1e-5: nn.LayerNorm(d, eps=eps))
    module("einops", rearrange=rearrange)
    module("flash_attn", flash_attn_func=flash_attn_func)
    module("timm")
    module("timm.models")
    module("timm.models.layers", DropPath=lambda p: nn.Identity())


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    install_stand_ins()
    sys.path.insert(0, sys.argv[1])
    from lib.model.dit import LaVinDiT

    torch.set_grad_enabled(False)
    cfg = {"hidden_size": 72, "depth": 2, "num_heads": 2, "kv_group": 2, "in_channels": 16, "patch_size": 2}
    model = LaVinDiT(patch_size=[2, 2], in_channels=16, hidden_size=72, depth=2, num_heads=2, kv_group=2)
    gen = torch.Generator().manual_seed(7)
    w = ref.random_weights(cfg, gen)
    names = set(model.state_dict())
    if names != set(w):
        sys.exit(f"manifest differs: only official {sorted(names - set(w))}, only lavin {sorted(set(w) - names)}")
    for n, p in model.state_dict().items():
        if tuple(p.shape) != tuple(w[n].shape):
            sys.exit(f"{n}: official {tuple(p.shape)}, lavin {tuple(w[n].shape)}")
    model.load_state_dict(w)
    model.eval()
    x = torch.randn(2, 16, 2, 4, 6, generator=gen)
    cond = torch.randn(2, 16, 3, 4, 6, generator=gen)
    t = torch.tensor([0.3, 0.8])
    tok = lambda z: rearrange(z, "B C F (H pH) (W pW) -> B F H W (pH pW C)", pH=2, pW=2)
    official = model.forward(tok(x), t, tok(cond))
    mine = ref.forward(w, cfg, x, t, cond)
    err = ((official - mine).norm() / official.norm()).item()
    print(f"manifest: {len(names)} tensors match; forward normalised error {err:.3g}")
    sys.exit(0 if err < 1e-5 else 1)


if __name__ == "__main__":
    main()
