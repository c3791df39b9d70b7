#!/usr/bin/python3
"""Writes testdata/goldens/adamw/adamw_10_steps.safetensors: 10 optimizer steps of
torch.optim.AdamW with per-module learning rates (one group frozen), decoupled weight decay on
matrices only, clip_grad_norm_ and transformers' cosine-with-warmup schedule, in the order
HF Trainer runs them (clip, optimizer.step, scheduler.step). The C++ optimizer test replays the
same gradients and compares.

    /usr/bin/python3.11 tools/reference/make_adamw_golden.py [--out testdata]

Tensors: NAME (initial value), NAME.grad.K (gradient fed at step K, before clipping),
NAME.after.K (value after step K), lr_factor [10], grad_norm [10] (norm before clipping).
The run's settings are in the file's metadata.
"""
import argparse
import json
import math
import os
import sys

import torch
from torch.optim.lr_scheduler import LambdaLR

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import TensorSpec, write_safetensors  # noqa: E402

STEPS = 10
SETTINGS = {"lr": {"llm": 1e-2, "projector": 5e-2}, "frozen": ["vision"], "weight_decay": 0.1,
            "betas": [0.9, 0.999], "eps": 1e-8, "max_grad_norm": 1.0, "warmup_ratio": 0.2, "steps": STEPS}
# name, shape, group, decay (matrices decay; biases and norms do not)
PARAMS = [("model.layers.0.mlp.up_proj.weight", (4, 3), "llm", True),
          ("model.layers.0.self_attn.q_proj.bias", (3,), "llm", False),
          ("model.mm_projector.readout.0.weight", (3, 2), "projector", True),
          ("model.vision_encoder.patch_embed.weight", (2, 2), "vision", True)]
# Gradient scale per step: some steps are clipped (global norm > 1), some are not.
GRAD_SCALE = [0.05, 2.0, 0.3, 5.0, 0.1, 1.0, 0.02, 3.0, 0.2, 0.5]


def cosine_with_warmup(num_warmup_steps, num_training_steps):
    """transformers.get_cosine_schedule_with_warmup's lambda (num_cycles=0.5); transformers is
    not installed here, so it is restated."""
    def factor(step):
        if step < num_warmup_steps:
            return float(step) / float(max(1, num_warmup_steps))
        progress = float(step - num_warmup_steps) / float(max(1, num_training_steps - num_warmup_steps))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))
    return factor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "testdata"))
    args = ap.parse_args()
    gen = torch.Generator().manual_seed(11)
    params = {name: torch.nn.Parameter(torch.randn(shape, generator=gen)) for name, shape, _, _ in PARAMS}
    tensors = {name: p.detach().clone() for name, p in params.items()}

    groups = []
    for name, _, group, decay in PARAMS:
        if group in SETTINGS["frozen"]:
            params[name].requires_grad_(False)
            continue
        groups.append({"params": [params[name]], "lr": SETTINGS["lr"][group],
                       "weight_decay": SETTINGS["weight_decay"] if decay else 0.0})
    opt = torch.optim.AdamW(groups, betas=tuple(SETTINGS["betas"]), eps=SETTINGS["eps"])
    warmup = math.ceil(STEPS * SETTINGS["warmup_ratio"])  # TrainingArguments.get_warmup_steps
    sched = LambdaLR(opt, cosine_with_warmup(warmup, STEPS))
    trainable = [params[n] for n, _, g, _ in PARAMS if g not in SETTINGS["frozen"]]

    factors, norms = [], []
    for k in range(STEPS):
        factors.append(sched.get_last_lr()[0] / SETTINGS["lr"]["llm"])
        for name, shape, group, _ in PARAMS:
            g = torch.randn(shape, generator=gen) * GRAD_SCALE[k]
            tensors[f"{name}.grad.{k}"] = g.clone()
            if params[name].requires_grad:
                params[name].grad = g
        norms.append(float(torch.nn.utils.clip_grad_norm_(trainable, SETTINGS["max_grad_norm"])))
        opt.step()
        sched.step()
        for name in params:
            tensors[f"{name}.after.{k}"] = params[name].detach().clone()
    tensors["lr_factor"] = torch.tensor(factors, dtype=torch.float32)
    tensors["grad_norm"] = torch.tensor(norms, dtype=torch.float32)

    out_dir = os.path.join(args.out, "goldens", "adamw")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "adamw_10_steps.safetensors")
    specs = [TensorSpec(n, torch.float32, tuple(t.shape), (lambda t=t: t)) for n, t in tensors.items()]
    write_safetensors(path, specs, {"settings": json.dumps(SETTINGS, sort_keys=True), "torch": torch.__version__})
    print(f"wrote {path}: {len(tensors)} tensors, clipped at steps "
          f"{[k for k, n in enumerate(norms) if n > SETTINGS['max_grad_norm']]}, factors {factors}")


if __name__ == "__main__":
    main()
