"""Trains lavin-tiny's J-DiT on ST-VAE latents of the scene pool: flow
matching as the reference's transport (linear path x_t = t x1 + (1 - t) x0,
velocity x1 - x0, loss MSE + 0.1 L1, t logit-normal, with --low-t a share
of the items at t below LOW_T instead), AdamW, an EMA of the weights. Each
batch takes one task and 1 to 4 context pairs from distinct scenes; a share
of the items gets the null condition [zeros, query] that guidance contrasts
with. With --clips, the video tasks of clip_tasks.py
(clip depth, future frames) join the draw.

    /usr/bin/python3 -m tools.train.train_jdit --pool runs/pool.npz --vae runs/vae/state.pt \
        --run runs/jdit --minutes 60 [--resume]
"""
import argparse
import json
import math
import os
import sys
import time

import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools import train  # noqa: E402
from tools.train import checkpoint, clip_tasks, data, latents  # noqa: E402
from tools.train.train_vae_clips import temporal  # noqa: E402
from tools.train.train_vae_decoder import trained as decoder_weight  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
import jdit_reference as jref  # noqa: E402

CONFIG = {"hidden_size": 144, "depth": 4, "num_heads": 4, "kv_group": 2, "in_channels": 16, "patch_size": 2}
TASKS = list(data.TASKS) + list(clip_tasks.TASKS)
# Context lengths 1 to 4, short ones more often: the query-reading head forms
# faster with fewer frames to choose from, and they cost less.
PAIR_WEIGHTS = (0.5, 0.3, 0.1, 0.1)
# The reference's 20-point grid spends 10 of its 19 steps below t = 0.05,
# where the answer's layout is set, but a logit-normal t falls there for 0.2%
# of the items (below 0.1 for 1.4%): lavin-tiny's clip depth came out flat
# or misplaced while its flow loss fell. --low-t draws a share of the items
# uniformly below LOW_T.
LOW_T = 0.1


def init_weights(cfg, gen):
    """DiT's init: Xavier-uniform linears, N(0, 0.02) timestep MLP, zero
    modulations and output layer, so that every block starts as the identity."""
    w = {}
    for name, shape in jref.manifest(cfg).items():
        if len(shape) == 1:
            t = torch.ones(shape) if "norm" in name or name.endswith("embedder.1.weight") else torch.zeros(shape)
        elif "modulation" in name or name.startswith("final_layer"):
            t = torch.zeros(shape)
        elif name.startswith("t_embedder"):
            t = torch.randn(shape, generator=gen) * 0.02
        elif name.endswith("_embed"):
            t = torch.randn(shape, generator=gen) * 0.02
        else:
            bound = math.sqrt(6.0 / (shape[0] + shape[1]))
            t = (torch.rand(shape, generator=gen) * 2 - 1) * bound
        w[name] = t
    return w


def rope_unit(hd, lag):
    """A head-dim vector that RoPE turns into a same-place attention: its two
    fastest pairs on each axis, phased so that q . k peaks where the key is
    `lag` frames before the query and at the query's own (h, w)."""
    d = hd // 3
    u = torch.zeros(hd)
    for axis in range(3):
        for j in range(2):
            angle = -lag * 10000.0 ** (-2 * j / d) if axis == 0 else 0.0
            u[axis * d + j], u[axis * d + j + d // 2] = math.cos(angle), math.sin(angle)
    return u


def align_heads(w, cfg, gen, gain):
    """Starts head 0 of every block as a positional head: the target reads the
    query (one frame back) at its own place, and each condition frame reads
    itself. A query-reading head needs a constant direction in the stream and
    q/k weights aligned on it, which plain training reaches only after a long
    plateau (lavin-tiny's first runs answered from the pairs alone for 5000
    steps); training is free to change it. The constant direction is the
    embedders' LayerNorm bias."""
    D, H = cfg["hidden_size"], cfg["num_heads"]
    hd = D // H
    e = torch.randn(D, generator=gen)
    e /= e.norm()
    for s in ("cond", "x"):
        w[s + "_embedder.1.bias"] = e * math.sqrt(D)
    for i in range(cfg["depth"]):
        for s in ("cond", "x"):
            pre = f"blocks.{i}.joint_attn.{s}_"
            for name, lag in (("q", 1.0 if s == "x" else 0.0), ("k", 0.0)):
                u = rope_unit(hd, lag)
                wt, nw = w[pre + name + ".weight"], w[pre + name + "norm.weight"]
                wt[:hd] = 0.3 * wt[:hd] + torch.outer(u, e)
                nw[:hd][u != 0] = gain
    return w


def make_batch(lat, gen, size, null_rate, task):
    """(cond, x1, cond_null, x1_null): the task's pairs, 1 to 4 from
    distinct scenes."""
    mean, logvar = lat
    n = mean.shape[0]
    src, dst = (data.KINDS.index(k) for k in data.TASKS[task])
    pairs = 1 + torch.multinomial(torch.tensor(PAIR_WEIGHTS, dtype=torch.float), 1, generator=gen).item()
    conds, targets = [], []
    for _ in range(size):
        scenes = torch.randperm(n, generator=gen)[:pairs + 1]
        frames = []
        for s in scenes[:-1]:
            frames += [(s, src), (s, dst)]
        frames.append((scenes[-1], src))
        z = [latents.sample(mean[s, k], logvar[s, k], gen) for s, k in frames]
        conds.append(torch.stack(z, 1))
        targets.append(latents.sample(mean[scenes[-1], dst], logvar[scenes[-1], dst], gen)[:, None])
    cond, x1 = torch.stack(conds), torch.stack(targets)
    null = torch.rand(size, generator=gen) < null_rate
    cond_null = jref.null_condition(cond[null])
    return cond[~null], x1[~null], cond_null, x1[null]


def parse_task_weights(text):
    """The --task-weights JSON as a weight tensor over TASKS (unnamed tasks
    weigh 1), or None when it names other tasks or cannot be drawn from."""
    try:
        named = json.loads(text)
        weights = torch.tensor([float(named.pop(t, 1.0)) for t in TASKS])
    except (ValueError, TypeError, AttributeError):
        return None
    if named or not torch.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        return None
    return weights


def flow_loss(w, cfg, cond, x1, gen, low_t=0.0):
    """Sum over items of MSE + 0.1 L1 of the velocity, as the reference; a
    share low_t of the items at t uniform in [0, LOW_T)."""
    if not len(x1):
        return x1.new_zeros(())
    t = torch.sigmoid(torch.randn(len(x1), generator=gen))
    if low_t:
        low = torch.rand(len(x1), generator=gen) < low_t
        t = torch.where(low, torch.rand(len(x1), generator=gen) * LOW_T, t)
    x0 = torch.randn(x1.shape, generator=gen)
    tt = t[:, None, None, None, None]
    xt, ut = tt * x1 + (1 - tt) * x0, x1 - x0
    v = jref.forward(w, cfg, xt, t, cond, jref.attention_bhld)
    err = v - ut
    return (err.pow(2).flatten(1).mean(1) + 0.1 * err.abs().flatten(1).mean(1)).sum()


def prepare(a, gen):
    """The folded VAE and the pool's latents in its space, cached in the run."""
    vst = torch.load(a.vae)
    pics, first, size = data.load_pool(a.pool)
    mean, logvar = latents.encode_pool(vst["weights"], vst["config"], pics)
    scale = latents.rescale_factor(mean, logvar)
    mean = (mean.float() * scale).half()
    logvar = (logvar.float() + 2 * math.log(scale)).half()
    vae = {"weights": latents.fold(vst["weights"], scale), "config": vst["config"], "scale": scale,
           "step": vst["step"], "seconds": vst["seconds"]}
    torch.save({"mean": mean, "logvar": logvar, "first_seed": first, "size": size}, os.path.join(a.run, "latents.pt"))
    return vae


def swap_vae(vae, path):
    """The run's ST-VAE replaced by train_vae_clips' continuation of it, which
    must treat pictures exactly as the run's does (same weights, but for the
    zero-time-sum part of the causal kernels), so the image latents hold."""
    st = torch.load(path)
    new = st["weights"]
    for k, v in vae["weights"].items():
        same = v.sum(2) if temporal(k, v.shape) else v
        got = new[k].sum(2) if temporal(k, v.shape) else new[k]
        if not torch.allclose(same, got, rtol=1e-4, atol=1e-6):
            raise SystemExit(f"{path}: {k} differs from the run's ST-VAE on pictures; not its continuation")
    return {**vae, "weights": new, "clip_stage": path, "clip_steps": st["step"], "clip_seconds": st["seconds"]}


def swap_decoder(vae, path):
    """The run's ST-VAE with train_vae_decoder's decoder, after checking that
    the encoder is the run's, bit for bit, so the latents hold."""
    new = torch.load(path)["vae"]
    for k, v in vae["weights"].items():
        if not decoder_weight(k) and not torch.equal(v, new["weights"][k]):
            raise SystemExit(f"{path}: {k} differs from the run's ST-VAE; not a decoder stage of it")
    return {**vae, "weights": new["weights"], "decoder_stage": path, "decoder_steps": new["decoder_steps"],
            "decoder_seconds": new["decoder_seconds"]}


def save(path, w, ema, opt, gen, step, seconds, cfg, vae):
    checkpoint.save(path, weights={k: v.detach() for k, v in w.items()}, ema=ema, opt=opt.state_dict(),
                    gen=gen.get_state(), step=step, seconds=seconds, config=cfg, vae=vae)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pool", required=True)
    ap.add_argument("--vae", help="the ST-VAE run's state.pt (a new run only; a resumed one keeps its own)")
    ap.add_argument("--clips", help="the flythrough pool of tools.train.clips: adds the video tasks")
    ap.add_argument("--clip-count", type=int, default=192, help="flythroughs of the pool to encode and draw from")
    ap.add_argument("--vae-clips", help="train_vae_clips' state.pt: the run's ST-VAE continued on clips "
                    "(replaces the run's when resuming)")
    ap.add_argument("--vae-decoder", help="train_vae_decoder's state.pt: the run's ST-VAE with its decoder "
                    "trained on (replaces the run's decoder when resuming)")
    ap.add_argument("--run", required=True)
    ap.add_argument("--minutes", type=float, default=1e9, help="training time of this invocation")
    ap.add_argument("--steps", type=int, default=None, help="stop at this step count")
    ap.add_argument("--resume", action="store_true", help="continue RUN/state.pt")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--align-gain", type=float, default=1.5,
                    help="q/k norm gain of the positional head 0 at init (0: plain init; a new run only)")
    ap.add_argument("--task-weights", default="{}",
                    help='JSON of relative task frequencies, e.g. {"depth": 2}; unnamed tasks weigh 1')
    ap.add_argument("--anneal-steps", type=int, default=0,
                    help="decay the learning rate linearly to a tenth over the last N steps before --steps")
    ap.add_argument("--low-t", type=float, default=0.0,
                    help="share of the items drawn at t below %g instead of logit-normal" % LOW_T)
    ap.add_argument("--ema", type=float, default=0.998)
    ap.add_argument("--null-rate", type=float, default=0.1)
    ap.add_argument("--checkpoint-minutes", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--config", default="{}", help="JSON overriding CONFIG's keys (a new run only)")
    a = ap.parse_args()
    train.use_cpus()
    if not a.resume and not a.vae:
        ap.error("a new run needs --vae")
    if not 0.0 <= a.low_t <= 1.0:
        ap.error(f"--low-t: want a share in [0, 1], got {a.low_t}")
    if a.anneal_steps and a.steps is None:
        ap.error("--anneal-steps needs --steps")
    task_weights = parse_task_weights(a.task_weights)
    if task_weights is None:
        ap.error(f"--task-weights: want a JSON object of tasks ({', '.join(TASKS)}) to "
                 f"non-negative numbers, not all zero; got {a.task_weights}")
    if not a.clips:
        named = json.loads(a.task_weights)
        if any(t in named for t in clip_tasks.TASKS):
            ap.error("--task-weights names a video task but no --clips pool is given")
        for t in clip_tasks.TASKS:
            task_weights[TASKS.index(t)] = 0.0
    os.makedirs(a.run, exist_ok=True)
    path = os.path.join(a.run, "state.pt")
    gen = torch.Generator()
    if a.resume:
        st = checkpoint.load(path)
        w = {k: v.requires_grad_() for k, v in st["weights"].items()}
        ema, vae, step, spent, cfg = st["ema"], st["vae"], st["step"], st["seconds"], st["config"]
        gen.set_state(st["gen"])
        if a.vae_clips:
            vae = swap_vae(vae, a.vae_clips)
        if a.vae_decoder:
            vae = swap_decoder(vae, a.vae_decoder)
    else:
        gen.manual_seed(a.seed)
        vae = prepare(a, gen)
        cfg = {**CONFIG, **json.loads(a.config)}
        w = init_weights(cfg, gen)
        if a.align_gain:
            w = align_heads(w, cfg, gen, a.align_gain)
        w = {k: v.requires_grad_() for k, v in w.items()}
        ema = {k: v.detach().clone() for k, v in w.items()}
        step, spent = 0, 0.0
    lat_path = os.path.join(a.run, "latents.pt")
    if not os.path.exists(lat_path):
        # A state restored without its run folder (e.g. tools/train/checkpoints/):
        # the folded VAE encodes the pool again, equal to float rounding.
        pics, first, size = data.load_pool(a.pool)
        mean, logvar = latents.encode_pool(vae["weights"], vae["config"], pics)
        torch.save({"mean": mean, "logvar": logvar, "first_seed": first, "size": size}, lat_path)
    lat = torch.load(lat_path)
    lat = (lat["mean"], lat["logvar"])
    clip_lat = None
    if a.clips:
        clip_path = os.path.join(a.run, "clip-latents.pt")
        key = {"vae": vae.get("clip_stage"), "count": a.clip_count, "starts": clip_tasks.STARTS}
        clip_lat = torch.load(clip_path) if os.path.exists(clip_path) else None
        if clip_lat is None or clip_lat["key"] != key:
            clip_lat = {**clip_tasks.encode_pool(vae["weights"], vae["config"], a.clips, a.clip_count), "key": key}
            torch.save(clip_lat, clip_path)
    opt = torch.optim.AdamW(list(w.values()), lr=a.lr, betas=(0.9, 0.99), weight_decay=0.01)
    if a.resume:
        opt.load_state_dict(st["opt"])
    log = open(os.path.join(a.run, "log.jsonl"), "a")
    start = last_save = time.time()
    while time.time() - start < a.minutes * 60 and (a.steps is None or step < a.steps):
        lr = a.lr * min(1.0, (step + 1) / a.warmup)
        if a.anneal_steps:
            lr *= 1 - 0.9 * min(1.0, max(0, step + a.anneal_steps - a.steps) / a.anneal_steps)
        for group in opt.param_groups:
            group["lr"] = lr
        task = TASKS[torch.multinomial(task_weights, 1, generator=gen).item()]
        if task in clip_tasks.TASKS:
            # A depth-clip item is three to five times a picture item's tokens.
            size = a.batch // 2 if task == "depth-clip" else a.batch
            cond, x1, cond_null, x1_null = clip_tasks.make_batch(clip_lat, gen, size, a.null_rate, task)
        else:
            size = a.batch
            cond, x1, cond_null, x1_null = make_batch(lat, gen, size, a.null_rate, task)
        loss = (flow_loss(w, cfg, cond, x1, gen, a.low_t) + flow_loss(w, cfg, cond_null, x1_null, gen, a.low_t)) / size
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(w.values()), 1.0)
        opt.step()
        step += 1
        decay = min(a.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for k, v in w.items():
                ema[k].mul_(decay).add_(v.detach(), alpha=1 - decay)
        if step % 10 == 0:
            log.write(json.dumps({"step": step, "seconds": round(spent + time.time() - start),
                                  "loss": round(loss.item(), 5), "lr": round(lr, 6), "task": task,
                                  "frames": cond.shape[2]}) + "\n")
            log.flush()
        if time.time() - last_save > a.checkpoint_minutes * 60:
            save(path, w, ema, opt, gen, step, spent + time.time() - start, cfg, vae)
            last_save = time.time()
    save(path, w, ema, opt, gen, step, spent + time.time() - start, cfg, vae)
    print(f"{path}: step {step}, {(spent + time.time() - start) / 60:.1f} min in all")


if __name__ == "__main__":
    main()
