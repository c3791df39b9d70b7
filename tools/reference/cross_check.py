"""A second, independent decoder in float64 numpy, run over the written fixtures: per-head
loops, RoPE as complex rotation of (x_i, x_{i+d/2}), full recompute instead of a k/v cache.
It reads the checkpoints and goldens back from disk and checks that the float32 prompt logits
agree and that argmax over prompt + greedy_ids reproduces greedy_ids."""
import glob
import json
import math
import os

import numpy as np

from safetensors_io import read_checkpoint

F32_TOLERANCE = 1e-4


def decoder_logits(cfg: dict, w: dict, ids, visual: np.ndarray = None) -> np.ndarray:
    """visual: rows replacing, in order, the embeddings of the image tokens."""
    H, nh, nkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or H // nh
    eps, theta = cfg["rms_norm_eps"], cfg["rope_theta"]
    qwen3 = "model.layers.0.self_attn.q_norm.weight" in w
    n = len(ids)

    def norm(x, g):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g

    rot = np.exp(1j * np.arange(n)[:, None] / theta ** (np.arange(0, hd, 2) / hd)[None, :])

    x = w["model.embed_tokens.weight"][ids]
    if visual is not None:
        x[np.array(ids) == cfg["image_token_index"]] = visual
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
            s = rope_rows(qj, rot) @ rope_rows(kj, rot).T / np.sqrt(hd)
            s[np.triu_indices(n, 1)] = -np.inf
            s = np.exp(s - s.max(-1, keepdims=True))
            out[:, j * hd:(j + 1) * hd] = (s / s.sum(-1, keepdims=True)) @ vj
        x = x + out @ w[p + "self_attn.o_proj.weight"].T
        h = norm(x, w[p + "post_attention_layernorm.weight"])
        gate, up = h @ w[p + "mlp.gate_proj.weight"].T, h @ w[p + "mlp.up_proj.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w[p + "mlp.down_proj.weight"].T
    x = norm(x, w["model.norm.weight"])
    return x @ w.get("lm_head.weight", w["model.embed_tokens.weight"]).T


def _goldens(testdata: str, models, subdir: str = ""):
    """Yields (model, config, float64 weights, golden dir, golden json) for every golden."""
    for model in models:
        d = os.path.join(testdata, "models", model)
        with open(os.path.join(d, "config.json")) as f:
            cfg = json.load(f)
        w = {k: v.float().numpy().astype(np.float64) for k, v in read_checkpoint(d).items()}
        gdir = os.path.join(testdata, "goldens", model, subdir)
        for path in sorted(glob.glob(os.path.join(gdir, "*.json"))):
            with open(path) as f:
                yield model, cfg, w, gdir, json.load(f)


def check_text_goldens(testdata: str, models) -> list:
    """Returns report lines; raises AssertionError on a mismatch."""
    report = []
    for model, cfg, w, gdir, g in _goldens(testdata, models):
        path = os.path.join(gdir, g["case"])
        n = len(g["prompt_ids"])
        logits = decoder_logits(cfg, w, g["prompt_ids"] + g["greedy_ids"])
        f32 = np.load(os.path.join(gdir, g.get("logits_f32", g["logits"])["file"]))
        diff = float(np.abs(logits[:n] - f32).max())
        greedy = logits[n - 1:-1].argmax(-1).tolist()
        assert diff < F32_TOLERANCE, (path, diff)
        assert greedy == g["greedy_ids"], (path, greedy)
        report.append("%s/%s: float64 re-implementation within %.1e, same greedy ids"
                      % (model, g["case"], diff))
    return report


def _layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + eps) * g + b


def vision_tokens(cfg: dict, w: dict, rows: np.ndarray, grid, m: int):
    """(post_layernorm rows, downsampled tokens, projected tokens) in float64."""
    v = cfg["vision_encoder_config"]
    pre = "model.vision_encoder.vision_encoder." if any(
        k.startswith("model.vision_encoder.vision_encoder.") for k in w) else "model.vision_encoder."
    D, heads, eps = v["hidden_size"], v["num_attention_heads"], v["layer_norm_eps"]
    d = D // heads
    t, h, wd = grid
    x = rows @ w[pre + "embeddings.patch_embedding.weight"].reshape(D, -1).T + w[pre + "embeddings.patch_embedding.bias"]
    # grid position of each row: (frame, block row, block col, row in block, col in block)
    idx = np.arange(len(rows)) % (h * wd)
    block, inner = idx // (m * m), idx % (m * m)
    r = block // (wd // m) * m + inner // m
    c = block % (wd // m) * m + inner % m
    inv = 1.0 / 10000.0 ** (np.arange(0, d // 2, 2) / (d // 2))
    rot = np.exp(1j * np.concatenate([r[:, None] * inv, c[:, None] * inv], -1))  # [n, d/2]
    for j in range(v["num_hidden_layers"]):
        p = pre + "encoder.layers.%d." % j
        hn = _layer_norm(x, w[p + "layer_norm1.weight"], w[p + "layer_norm1.bias"], eps)
        q, k, vv = (hn @ w[p + "self_attn.%s_proj.weight" % n].T + w[p + "self_attn.%s_proj.bias" % n]
                    for n in ("q", "k", "v"))
        out = np.zeros_like(x)
        for f in range(t):
            fr = slice(f * h * wd, (f + 1) * h * wd)
            for hd in range(heads):
                cs = slice(hd * d, (hd + 1) * d)
                s = rope_rows(q[fr, cs], rot[fr]) @ rope_rows(k[fr, cs], rot[fr]).T / np.sqrt(d)
                s = np.exp(s - s.max(-1, keepdims=True))
                out[fr, cs] = s / s.sum(-1, keepdims=True) @ vv[fr, cs]
        x = x + out @ w[p + "self_attn.out_proj.weight"].T + w[p + "self_attn.out_proj.bias"]
        hn = _layer_norm(x, w[p + "layer_norm2.weight"], w[p + "layer_norm2.bias"], eps)
        a = hn @ w[p + "mlp.fc1.weight"].T + w[p + "mlp.fc1.bias"]
        a = 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))
        x = x + a @ w[p + "mlp.fc2.weight"].T + w[p + "mlp.fc2.bias"]
    full = _layer_norm(x, w[pre + "post_layernorm.weight"], w[pre + "post_layernorm.bias"], eps)
    tokens = full.reshape(-1, m * m, D).mean(1)  # a merge block's rows are consecutive
    a = tokens @ w["model.mm_projector.readout.0.weight"].T + w["model.mm_projector.readout.0.bias"]
    a = 0.5 * a * (1 + np.vectorize(math.erf)(a / math.sqrt(2)))
    proj = a @ w["model.mm_projector.readout.2.weight"].T + w["model.mm_projector.readout.2.bias"]
    return full, tokens, proj


def rope_rows(u, rot):
    """Rotates the pairs (u_i, u_{i+d/2}) by the angles of rot = exp(i * angle): [n, d/2]."""
    d = u.shape[1]
    z = (u[:, :d // 2] + 1j * u[:, d // 2:]) * rot
    return np.concatenate([z.real, z.imag], -1)


def reduction_mask(rows: np.ndarray, grid, m: int) -> np.ndarray:
    """float64, the reference's rule: keep a token of frame >= 1 iff mean |pixel diff| with
    the previous frame > 0.1; frame 0 keeps its first token only; an empty frame its first."""
    t, h, w = grid
    tok = rows.reshape(t, (h // m) * (w // m), -1)
    keep = np.zeros(tok.shape[:2], bool)
    keep[1:] = np.abs(tok[1:] - tok[:-1]).mean(-1) > 0.1
    keep[~keep.any(1), 0] = True
    return keep.flatten()


def check_vision_goldens(testdata: str, models) -> list:
    report = []
    for model, cfg, w, gdir, g in _goldens(testdata, models, "vision"):
        path = os.path.join(gdir, g["case"])
        load = lambda e: np.load(os.path.join(gdir, e["file"])).astype(np.float64)  # noqa: E731
        rows = load(g["pixels"])
        full, tokens, proj = vision_tokens(cfg, w, rows, g["grid"], g["merge_size"])
        worst = 0.0
        for name, ours in (("encoder_full", full), ("encoder", tokens), ("projector", proj)):
            diff = float(np.abs(load(g["stages"]["f32"][name]) - ours).max())
            assert diff < F32_TOLERANCE, (path, name, diff)
            worst = max(worst, diff)
        mask = reduction_mask(rows, g["grid"], g["merge_size"]) if g["modal"] != "image" \
            else np.ones(len(proj), bool)
        assert mask.astype(int).tolist() == g["kept_mask"]["f32"], path
        for run in g["runs"]:
            if run["activations"] != "f32":
                continue
            keep = np.array(g["kept_mask"][run["mask_mode"]], bool)
            assert run["visual_rows"] == np.nonzero(keep)[0].tolist(), path
            ids = run["input_ids"] + run["greedy_ids"]
            logits = decoder_logits(cfg, w, ids, proj[keep])
            n = len(run["input_ids"])
            diff = float(np.abs(logits[:n] - load(run["logits"])).max())
            assert diff < F32_TOLERANCE, (path, run["mask_mode"], diff)
            assert logits[n - 1:-1].argmax(-1).tolist() == run["greedy_ids"], (path, run["mask_mode"])
            worst = max(worst, diff)
        report.append("%s/vision/%s: float64 re-implementation within %.1e (encoder, 2x2-mean "
                      "downsample, projector, logits), same float32 mask and greedy ids"
                      % (model, g["case"], worst))
    return report
