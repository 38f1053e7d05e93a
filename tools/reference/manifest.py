#!/usr/bin/python3
"""Prints the state-dict manifest (name and shape per line, in state-dict
order) of the reference LaVinDiT and AutoencoderKLSTVAE for a given config,
by instantiating the modules of the authors' repository with Debian's
python3-torch. The packages the reference imports but Debian lacks (apex,
einops, timm, flash_attn, diffusers) get stand-ins that register the same
parameters; none of their compute is needed to build a state dict.

Parameters are created on the meta device, so the released 3.4B config
needs no memory.

usage: tools/reference/manifest.py REPO jdit|stvae CONFIG_JSON
  REPO: a checkout or bare clone of DerrickWang005/LaVin-DiT
  e.g. manifest.py /work/.mirror/DerrickWang005+LaVin-DiT/repo jdit \
       '{"hidden_size": 144, "depth": 2, "num_heads": 2, "kv_group": 2, "in_channels": 4}'
"""
import json
import os
import subprocess
import sys
import tempfile
import types

import torch
import torch.nn as nn


def stub_modules():
    class FusedRMSNorm(nn.Module):
        def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True):
            super().__init__()
            if elementwise_affine:
                self.weight = nn.Parameter(torch.empty(normalized_shape))

    class DropPath(nn.Module):
        def __init__(self, p=0.0):
            super().__init__()

    def mod(name, **attrs):
        m = types.ModuleType(name)
        for k, v in attrs.items():
            setattr(m, k, v)
        sys.modules[name] = m

    mod("apex")
    mod("apex.normalization")
    mod("apex.normalization.fused_layer_norm", FusedLayerNorm=nn.LayerNorm,
        FusedRMSNorm=FusedRMSNorm)
    mod("einops", rearrange=None)
    mod("timm")
    mod("timm.models")
    mod("timm.models.layers", DropPath=DropPath)
    mod("flash_attn", flash_attn_func=None)
    mod("diffusers")
    mod("diffusers.models")
    mod("diffusers.models.activations", get_activation=lambda name: nn.SiLU())


def on_meta():
    """Every parameterised layer the reference uses, built on the meta device."""
    for cls in (nn.Linear, nn.Conv2d, nn.Conv3d, nn.GroupNorm, nn.LayerNorm):
        init = cls.__init__

        def meta_init(self, *args, _init=init, **kwargs):
            kwargs["device"] = "meta"
            _init(self, *args, **kwargs)

        cls.__init__ = meta_init
    real_empty = torch.empty
    torch.empty = lambda *a, **k: real_empty(*a, **{**k, "device": "meta"})
    real_randn = torch.randn
    torch.randn = lambda *a, **k: real_randn(*a, **{**k, "device": "meta"})


def extract(repo, dest):
    for path in ("lib/__init__.py", "lib/model/__init__.py"):
        os.makedirs(os.path.join(dest, os.path.dirname(path)), exist_ok=True)
        open(os.path.join(dest, path), "w").close()
    for name in ("dit.py", "blocks.py", "vae3d.py"):
        src = subprocess.run(["git", "-C", repo, "show", "HEAD:lib/model/" + name],
                             check=True, capture_output=True).stdout
        with open(os.path.join(dest, "lib/model", name), "wb") as f:
            f.write(src)


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("jdit", "stvae"):
        sys.exit(__doc__)
    repo, kind, cfg = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    stub_modules()
    on_meta()
    with tempfile.TemporaryDirectory() as tmp:
        extract(repo, tmp)
        sys.path.insert(0, tmp)
        if kind == "jdit":
            from lib.model.dit import LaVinDiT
            if "patch_size" in cfg:
                cfg["patch_size"] = list(cfg["patch_size"])
            model = LaVinDiT(**cfg)
        else:
            from lib.model.vae3d import AutoencoderKLSTVAE
            if "block_out_channels" in cfg:
                cfg["block_out_channels"] = tuple(cfg["block_out_channels"])
                n = len(cfg["block_out_channels"])
                cfg["down_block_types"] = ("STVAEDownBlock3D",) * n
                cfg["up_block_types"] = ("STVAEUpBlock3D",) * n
            model = AutoencoderKLSTVAE(**cfg)
    for name, t in model.state_dict().items():
        print(name, ",".join(str(d) for d in t.shape))


if __name__ == "__main__":
    main()
