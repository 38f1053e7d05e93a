#!/usr/bin/python3
"""Writes tests/data/models/stvae_tiny.pt: an ST-VAE state dict in the layout
of the released stvae.pt ({"state_dict": OrderedDict}, torch.save zip), with
the names and shapes of tests/data/models/stvae_tiny.manifest (which
manifest.py writes from the official modules) and random f16 values.

    /usr/bin/python3 tools/reference/make_stvae_pt.py
"""
import collections
import os

import torch

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "../../tests/data/models")
gen = torch.Generator().manual_seed(11)
sd = collections.OrderedDict()
with open(os.path.join(data, "stvae_tiny.manifest")) as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        name, shape = line.split()
        sd[name] = (0.05 * torch.randn([int(s) for s in shape.split(",")], generator=gen)).half()
torch.save({"state_dict": sd}, os.path.join(data, "stvae_tiny.pt"))
