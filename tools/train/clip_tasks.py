"""The J-DiT's video items, laid out as lavin lays them out:

- depth-clip (`lavin video --clip`): condition [in_1, tg_1, ..., in_P, tg_P,
  query], each a nine-frame window encoded on its own by the ST-VAE (three
  latent frames); the target is the query's depth-clip window (T_x = 3).
- predict (`lavin predict`): condition = a nine-frame window with frames
  after it, encoded on its own (what lavin encodes of the past: a video's
  last nine frames); the target is the next T_x latent frames of the whole
  flythrough encoded as one sequence (what lavin decodes the answer as the
  continuation of). For a window after frame 0 the target's causal context
  reaches back before the window, as it does in a longer video.

The null condition is the reference's [zeros, last condition frame]."""
import os
import sys

import torch

from tools.render import depth_window
from tools.train import clips as clip_pool
from tools.train import data, latents

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
import jdit_reference as jref  # noqa: E402
import stvae_reference as vref  # noqa: E402

WINDOW = 9
# Window starts, multiples of the ST-VAE's temporal stride so that a window
# ends where a latent frame of the whole flythrough does; each window with
# frames after it is a past of `predict`. With starts 0 and 12 alone
# prediction learnt its 400 pasts by heart (held-out error at t = 0 twice
# the training error). Each window costs two 3-D encodings (RGB and depth;
# a flythrough's eight and its whole take about 4.5 s on one core).
STARTS = (0, 4, 8, 12)
PAIR_WEIGHTS = (0.6, 0.4)
TASKS = ("depth-clip", "predict")


@torch.no_grad()
def _encode(w, cfg, u8):
    """uint8 [T, H, W, 3] -> (mean, logvar) float16 [C, T', h, w]."""
    mean, logvar = vref.encode(w, cfg, data.to_unit(u8).movedim(0, 1)[None]).chunk(2, 1)
    return mean[0].half(), logvar[0].clamp(-30.0, 20.0).half()


def encode_pool(w, cfg, path, count):
    """The clip pool as the posteriors the items draw from, mean and logvar
    stacked first: per clip and window start, the RGB and depth windows
    [2, N, len(STARTS), 2, C, 3, h, w], and the whole RGB flythrough
    [2, N, C, T', h, w]."""
    pics, z = clip_pool.load(path)
    win, whole = [], []
    for n in range(min(count, len(pics))):
        row = []
        for s in STARTS:
            rgb = _encode(w, cfg, pics[n, 0, s:s + WINDOW])
            depth = _encode(w, cfg, depth_window(z[n, s:s + WINDOW]))
            row.append(torch.stack([torch.stack(rgb), torch.stack(depth)], 1))
        win.append(torch.stack(row, 1))
        whole.append(torch.stack(_encode(w, cfg, pics[n, 0])))
    return {"windows": torch.stack(win, 1), "whole": torch.stack(whole, 1)}


def _sample(pair, gen):
    return latents.sample(pair[0], pair[1], gen)


def make_batch(lat, gen, size, null_rate, task):
    """(cond, x1, cond_null, x1_null) of one video task, as train_jdit's
    make_batch for pictures."""
    win, whole = lat["windows"], lat["whole"]
    n = win.shape[1]
    conds, targets = [], []
    if task == "depth-clip":
        pairs = 1 + torch.multinomial(torch.tensor(PAIR_WEIGHTS), 1, generator=gen).item()
        for _ in range(size):
            picks = torch.randperm(n, generator=gen)[:pairs + 1].tolist()
            starts = torch.randint(0, len(STARTS), (pairs + 1,), generator=gen).tolist()
            frames = []
            for c, s in zip(picks[:-1], starts[:-1]):
                frames += [_sample(win[:, c, s, 0], gen), _sample(win[:, c, s, 1], gen)]
            frames.append(_sample(win[:, picks[-1], starts[-1], 0], gen))
            conds.append(torch.cat(frames, 1))
            targets.append(_sample(win[:, picks[-1], starts[-1], 1], gen))
    elif task == "predict":
        # The latent frame of the whole flythrough after each window: a
        # window from frame s ends at latent frame s / stride + T' - 1.
        t_win = win.shape[5]
        stride = (WINDOW - 1) // (t_win - 1)
        after = [s // stride + t_win for s in STARTS]
        tx = 1 + torch.randint(0, whole.shape[3] - after[0], (), generator=gen).item()
        room = sum(a + tx <= whole.shape[3] for a in after)
        for _ in range(size):
            c = torch.randint(0, n, (), generator=gen).item()
            s = torch.randint(0, room, (), generator=gen).item()
            conds.append(_sample(win[:, c, s, 0], gen))
            targets.append(_sample(whole[:, c], gen)[:, after[s]:after[s] + tx])
    else:
        raise ValueError(f"not a video task: {task}")
    cond, x1 = torch.stack(conds), torch.stack(targets)
    null = torch.rand(size, generator=gen) < null_rate
    return cond[~null], x1[~null], jref.null_condition(cond[null]), x1[null]

