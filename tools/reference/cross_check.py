"""A second, independent decoder in float64 numpy, run over the written fixtures: per-head
loops, RoPE as complex rotation of (x_i, x_{i+d/2}), full recompute instead of a k/v cache.
It reads the checkpoints and goldens back from disk and checks that the float32 prompt logits
agree and that argmax over prompt + greedy_ids reproduces greedy_ids."""
import glob
import json
import os

import numpy as np

from safetensors_io import read_checkpoint

F32_TOLERANCE = 1e-4


def decoder_logits(cfg: dict, w: dict, ids) -> np.ndarray:
    H, nh, nkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or H // nh
    eps, theta = cfg["rms_norm_eps"], cfg["rope_theta"]
    qwen3 = "model.layers.0.self_attn.q_norm.weight" in w
    n = len(ids)

    def norm(x, g):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g

    rot = np.exp(1j * np.arange(n)[:, None] / theta ** (np.arange(0, hd, 2) / hd)[None, :])

    def rope(v):  # v: [n, hd]
        z = (v[:, :hd // 2] + 1j * v[:, hd // 2:]) * rot
        return np.concatenate([z.real, z.imag], -1)

    x = w["model.embed_tokens.weight"][ids]
    for layer in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % layer
        h = norm(x, w[p + "input_layernorm.weight"])

        def proj(name):
            y = h @ w[p + "self_attn.%s.weight" % name].T
            return y if qwen3 else y + w[p + "self_attn.%s.bias" % name]
        q, k, v = proj("q_proj"), proj("k_proj"), proj("v_proj")
        out = np.zeros((n, nh * hd))
        for j in range(nh):
            g = j * nkv // nh
            qj, kj, vj = q[:, j * hd:(j + 1) * hd], k[:, g * hd:(g + 1) * hd], v[:, g * hd:(g + 1) * hd]
            if qwen3:
                qj = norm(qj, w[p + "self_attn.q_norm.weight"])
                kj = norm(kj, w[p + "self_attn.k_norm.weight"])
            s = rope(qj) @ rope(kj).T / np.sqrt(hd)
            s[np.triu_indices(n, 1)] = -np.inf
            s = np.exp(s - s.max(-1, keepdims=True))
            out[:, j * hd:(j + 1) * hd] = (s / s.sum(-1, keepdims=True)) @ vj
        x = x + out @ w[p + "self_attn.o_proj.weight"].T
        h = norm(x, w[p + "post_attention_layernorm.weight"])
        gate, up = h @ w[p + "mlp.gate_proj.weight"].T, h @ w[p + "mlp.up_proj.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w[p + "mlp.down_proj.weight"].T
    x = norm(x, w["model.norm.weight"])
    return x @ w.get("lm_head.weight", w["model.embed_tokens.weight"]).T


def check_text_goldens(testdata: str, models) -> list:
    """Returns report lines; raises AssertionError on a mismatch."""
    report = []
    for model in models:
        d = os.path.join(testdata, "models", model)
        with open(os.path.join(d, "config.json")) as f:
            cfg = json.load(f)
        w = {k: v.float().numpy().astype(np.float64) for k, v in read_checkpoint(d).items()}
        for path in sorted(glob.glob(os.path.join(testdata, "goldens", model, "*.json"))):
            with open(path) as f:
                g = json.load(f)
            n = len(g["prompt_ids"])
            logits = decoder_logits(cfg, w, g["prompt_ids"] + g["greedy_ids"])
            f32 = np.load(os.path.join(os.path.dirname(path), g.get("logits_f32", g["logits"])["file"]))
            diff = float(np.abs(logits[:n] - f32).max())
            greedy = logits[n - 1:-1].argmax(-1).tolist()
            assert diff < F32_TOLERANCE, (path, diff)
            assert greedy == g["greedy_ids"], (path, greedy)
            report.append("%s/%s: float64 re-implementation within %.1e, same greedy ids"
                          % (model, g["case"], diff))
    return report
