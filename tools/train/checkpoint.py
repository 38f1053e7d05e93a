"""Exact, atomic training checkpoints: weights, optimizer, step, time spent
and every random generator's state, so that --resume continues the run as
if it had never stopped."""
import os
import random

import numpy as np
import torch


def save(path, **state):
    state["rng"] = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    tmp = path + ".tmp"
    torch.save(state, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path):
    state = torch.load(path)
    torch.set_rng_state(state["rng"]["torch"])
    np.random.set_state(state["rng"]["numpy"])
    random.setstate(state["rng"]["python"])
    return state
