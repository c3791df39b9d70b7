"""Vision goldens: from preprocessed pixel rows to final logits, for each tiny checkpoint.

Two inputs, built from deterministic uint8 frames with the processor's rescale / normalize /
patch layout (SPEC section 3):
- `image`: a still image, m = 1, grid (1, 4, 6): 24 visual tokens;
- `volume`: a 4-slice volume run as the reference runs 3D (modal "video"), m = 2, grid
  (4, 6, 4): 6 tokens per slice. Its slices are built so token reduction drops and keeps
  tokens for known reasons, and one token sits on the threshold so that the bf16 mask (what
  the reference computes: it casts pixels to bf16) and the float32 mask differ.
"""
import os
from typing import List

import numpy as np
import torch

from patch_rows import pixel_rows
from qwen_ref import LlmConfig, QwenRef
from safetensors_io import read_checkpoint
from vision_ref import VisionRef, compression_mask

N_NEW = 8
MIN_MARGIN = 2e-2

CASES = {
    "image": {"modal": "image", "merge": 1, "grid": (1, 4, 6), "question": "What is shown in this image?"},
    "volume": {"modal": "video", "merge": 2, "grid": (4, 6, 4), "question": "Describe this CT volume."},
}


def case_frames(name: str, patch: int) -> np.ndarray:
    """uint8 [t, H, W, 3]."""
    c = CASES[name]
    t, gh, gw = c["grid"]
    H, W = gh * patch, gw * patch
    rng = np.random.RandomState({"image": 11, "volume": 12}[name])
    if name == "image":
        return rng.randint(0, 256, size=(1, H, W, 3)).astype(np.uint8)
    m = c["merge"]
    tok = patch * m  # one visual token covers tok x tok pixels
    f0 = rng.randint(30, 226, size=(H, W, 3))
    f1 = f0.copy()

    def region(i):  # token i of a frame, tokens row-major over (gh/m, gw/m)
        r, q = divmod(i, gw // m)
        return slice(r * tok, (r + 1) * tok), slice(q * tok, (q + 1) * tok)
    # token 0: unchanged (dropped); 1: new content (kept); 2: +13 everywhere, mean |diff|
    # 26/255 = 0.102 (kept); 3: +12, 0.094 (dropped); 4: mean uint8 diff 30000/2352 = 12.755,
    # i.e. 0.10004 > 0.1 in float32 but not after bf16 rounding; 5: unchanged.
    f1[region(1)] = rng.randint(30, 226, size=(tok, tok, 3))
    f1[region(2)] += 13
    f1[region(3)] += 12
    n = tok * tok * 3
    bump = np.full(n, 12)
    bump[:30000 - 12 * n] = 13
    f1[region(4)] += rng.permutation(bump).reshape(tok, tok, 3)
    f2 = f1.copy()  # identical slice: nothing kept but its first token
    f3 = rng.randint(30, 226, size=(H, W, 3))  # all new: all kept
    return np.stack([f0, f1, f2, f3]).astype(np.uint8)


def prompt_text(case: dict) -> str:
    """The Hulu-Med chat template for one user turn: [image or volume, text]."""
    t = case["grid"][0]
    visual = "<image>\n" if case["modal"] == "image" else "<image>," * (t - 1) + "<image>\n"
    return "<|im_start|>user\n%s%s<|im_end|>\n<|im_start|>assistant\n" % (visual, case["question"])


def save(golden_dir: str, name: str, array: np.ndarray) -> dict:
    np.save(os.path.join(golden_dir, name), array)
    return {"file": name, "shape": list(array.shape)}


def write_vision_goldens(model_name: str, model_dir: str, golden_dir: str, tok, cfg: dict, gen: dict,
                         preprocessor: dict, bf16_weights: bool, write_json) -> List[str]:
    w = read_checkpoint(model_dir)
    llm = LlmConfig.from_json(cfg, w.keys())
    eos = gen["eos_token_id"]
    image_id = cfg["image_token_index"]
    patch = cfg["vision_encoder_config"]["patch_size"]
    os.makedirs(golden_dir, exist_ok=True)
    for f in os.listdir(golden_dir):
        os.remove(os.path.join(golden_dir, f))
    # Activation dtypes: the checkpoint's own (what HF runs) and, for bf16 checkpoints, float32
    # over the upcast weights (what this engine runs).
    acts = {"f32": torch.float32} if not bf16_weights else {"bf16": torch.bfloat16, "f32": torch.float32}
    report = []
    for name, case in CASES.items():
        t, gh, gw = case["grid"]
        m = case["merge"]
        per_frame = (gh // m) * (gw // m)
        frames = case_frames(name, patch)
        rows = pixel_rows(frames, patch, m, preprocessor["image_mean"], preprocessor["image_std"])
        text = prompt_text(case)
        expanded = text.replace("<image>", "<image>" * per_frame)
        ids = tok.encode(expanded)
        assert ids.count(image_id) == t * per_frame
        g = {"model": model_name, "case": name, "modal": case["modal"], "merge_size": m,
             "grid": list(case["grid"]), "use_token_compression": cfg["use_token_compression"],
             "pixels": save(golden_dir, name + ".pixels.npy", rows),
             "prompt_text": text, "prompt_ids": ids, "image_token_id": image_id,
             "n_new": N_NEW, "eos_ids": eos}
        pixels = torch.from_numpy(rows)
        masks = {mode: compression_mask(pixels.to(dt), case["grid"], m, case["modal"])
                 for mode, dt in (("bf16", torch.bfloat16), ("f32", torch.float32))}
        g["kept_mask"] = {mode: mk.int().tolist() for mode, mk in masks.items()}
        if name == "volume":
            assert masks["bf16"].sum() == masks["f32"].sum() - 1, "the threshold token must differ"
        stages, runs = {}, []
        for act, dtype in acts.items():
            vis = VisionRef(cfg, w, dtype)
            full, feats = vis.encode(pixels, [case["grid"]], [m])
            proj = vis.project(feats)
            stages[act] = {k: save(golden_dir, "%s.%s.%s.npy" % (name, act, k), v.float().numpy())
                           for k, v in (("encoder_full", full), ("encoder", feats), ("projector", proj))}
            ref = QwenRef(llm, w, dtype)
            # The reference casts pixels to bf16 before generate(), so its mask is the bf16 one;
            # float32 checkpoints also get the float32-mask run (a run-time option).
            differ = bool((masks["bf16"] != masks["f32"]).any())
            for mode in (["bf16", "f32"] if act == "f32" and not bf16_weights and differ else ["bf16"]):
                keep = masks[mode]
                text_keep = torch.ones(len(ids), dtype=torch.bool)
                is_image = torch.tensor(ids) == image_id
                text_keep[is_image] = keep
                final_ids = torch.tensor(ids)[text_keep].tolist()
                embeds = ref.embed(final_ids)
                sel = torch.tensor(final_ids) == image_id
                embeds[sel] = embeds[sel] * 0.0 + proj[keep].to(dtype)
                logits, new_ids, margins = ref.generate_greedy(embeds, N_NEW, eos)
                run = {"activations": act, "mask_mode": mode, "input_ids": final_ids,
                       "visual_rows": torch.nonzero(keep)[:, 0].tolist(),
                       "logits": save(golden_dir, "%s.%s.mask-%s.logits.npy" % (name, act, mode),
                                      logits.numpy()),
                       "greedy_ids": new_ids, "margins": margins, "min_margin": min(margins)}
                runs.append(run)
                if act == "f32":
                    assert min(margins) > MIN_MARGIN, (model_name, name, mode, margins)
                report.append("%s/vision/%s: %s activations, %s mask: %d of %d visual tokens kept, "
                              "%d positions, min greedy margin %.4f"
                              % (model_name, name, act, mode, int(keep.sum()), len(keep),
                                 len(final_ids), min(margins)))
        g["stages"] = stages
        g["runs"] = runs
        if bf16_weights:
            diffs = {}
            for k in ("encoder_full", "encoder", "projector"):
                a, b = (np.load(os.path.join(golden_dir, stages[x][k]["file"])) for x in ("bf16", "f32"))
                diffs[k] = float(np.abs(a - b).max())
            a, b = (np.load(os.path.join(golden_dir, r["logits"]["file"])) for r in runs)
            diffs["logits"] = float(np.abs(a - b).max())
            g["max_abs_diff_bf16_vs_f32_activations"] = diffs
            report.append("%s/vision/%s: bf16 vs f32 activations, max |diff| %s" % (
                model_name, name, ", ".join("%s %.4f" % kv for kv in diffs.items())))
        write_json(os.path.join(golden_dir, name + ".json"), g)
    return report
