#!/usr/bin/python3.11
"""The PyTorch side of bench/train_vs_torch.sh: training steps of the reference twin
(tools/reference/qwen_ref.py, HF's numerics in plain torch) on a Hulu-Med checkpoint's
decoder, shaped like the `hulumed train` steps it is compared with: one sample of --tokens
tokens, the loss over its last --labels positions only (as hulumed, lm_head runs on labelled
positions only), gradient clipping at 1.0 and torch.optim.AdamW on the LLM's tensors (vision
tower and projector frozen, as in the benchmark's recipe), float32, --threads threads.

    /usr/bin/python3.11 bench/train_torch.py MODEL_DIR --tokens 258 --labels 200 --steps 5 --threads 2

Prints one JSON line: seconds per step (the first one, warm-up, reported apart) and tokens/s.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "reference"))
from qwen_ref import KvCache, LlmConfig, QwenRef, rms_norm, rope_cos_sin  # noqa: E402
from safetensors_io import read_checkpoint  # noqa: E402


def hidden_states(ref: QwenRef, x: torch.Tensor) -> torch.Tensor:
    """QwenRef.forward_embeds without its lm_head over every position."""
    c, cache = ref.cfg, KvCache(ref.cfg.num_layers)
    cos, sin = rope_cos_sin(torch.arange(x.shape[0]), c.head_dim, c.rope_theta, ref.dtype)
    for i in range(c.num_layers):
        p = "model.layers.%d." % i
        x = x + ref._attention(i, rms_norm(x, ref.w[p + "input_layernorm.weight"], c.rms_norm_eps), cos, sin, cache, 0)
        x = x + ref._mlp(i, rms_norm(x, ref.w[p + "post_attention_layernorm.weight"], c.rms_norm_eps))
    return rms_norm(x, ref.w["model.norm.weight"], c.rms_norm_eps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--tokens", type=int, required=True)
    ap.add_argument("--labels", type=int, required=True)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    with open(os.path.join(a.model_dir, "config.json")) as f:
        cfg = json.load(f)
    w = {k: v.float() for k, v in read_checkpoint(a.model_dir).items() if not k.startswith("model.vision_encoder.")
         and not k.startswith("model.mm_projector.")}
    for t in w.values():
        t.requires_grad_(True)
    ref = QwenRef(LlmConfig.from_json(cfg, w.keys()), w, torch.float32)
    params = list(w.values())
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.0)

    ids = torch.randint(0, 256, (a.tokens,))
    labelled = torch.arange(a.tokens - 1 - a.labels, a.tokens - 1)  # position t predicts ids[t + 1]
    times = []
    for _ in range(a.steps):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        h = hidden_states(ref, ref.w["model.embed_tokens.weight"][ids])
        logits = F.linear(h[labelled], ref.w["lm_head.weight"])
        loss = F.cross_entropy(logits, ids[labelled + 1], reduction="sum") / a.labels
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        times.append(time.perf_counter() - start)
    steady = statistics.median(times[1:]) if len(times) > 1 else times[0]
    print(json.dumps({"engine": "torch %s" % torch.__version__, "threads": a.threads, "tokens": a.tokens,
                      "labels": a.labels, "first_step_s": times[0], "step_s": steady,
                      "tokens_per_s": a.tokens / steady, "loss": float(loss)}))


if __name__ == "__main__":
    main()
