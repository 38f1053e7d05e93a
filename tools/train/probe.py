"""Measures how much a J-DiT run uses the query: the flow loss on held
batches of each task, with each item's own query and with the query of
another item of the batch (same noise, t, pairs and target). A model that
answers from the pairs alone scores the same on both; one that reads the
query loses clearly more when the query is swapped.

    /usr/bin/python3 -m tools.train.probe --run runs/jdit [--batches 4] [--raw]
"""
import argparse
import os
import sys

import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools import train  # noqa: E402
from tools.train import data, train_jdit  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True, help="a J-DiT run folder (state.pt and latents.pt)")
    ap.add_argument("--batches", type=int, default=4, help="batches of 12 per task")
    ap.add_argument("--raw", action="store_true", help="the last weights instead of their EMA")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    train.use_cpus()
    torch.set_grad_enabled(False)
    st = torch.load(os.path.join(a.run, "state.pt"))
    w = st["weights"] if a.raw else st["ema"]
    lat = torch.load(os.path.join(a.run, "latents.pt"))
    lat = (lat["mean"], lat["logvar"])
    gen = torch.Generator().manual_seed(a.seed)
    print(f"{a.run}: step {st['step']}, {'raw weights' if a.raw else 'EMA'}; mean flow loss per item")
    print("task          own query   swapped query")
    for task in data.TASKS:  # the picture tasks: a video item's query is a clip
        own = swapped = 0.0
        items = 0
        for _ in range(a.batches):
            cond, x1, _, _ = train_jdit.make_batch(lat, gen, 12, 0.0, task)
            other = cond.clone()
            other[:, :, -1] = cond.roll(1, 0)[:, :, -1]
            state = gen.get_state()
            own += train_jdit.flow_loss(w, st["config"], cond, x1, gen).item()
            gen.set_state(state)
            swapped += train_jdit.flow_loss(w, st["config"], other, x1, gen).item()
            items += len(x1)
        print(f"{task:12s}  {own / items:9.4f}   {swapped / items:13.4f}")


if __name__ == "__main__":
    main()
