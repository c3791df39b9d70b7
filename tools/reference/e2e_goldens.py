#!/usr/bin/python3
"""End-to-end goldens: real media files in, final logits out, every stage in between saved.

Run by hand with Debian's python3 (torch 1.13, numpy, Pillow, nibabel) and the ffmpeg CLI:
    /usr/bin/python3 tools/reference/e2e_goldens.py

Writes the small input files of testdata/e2e/ (a JPEG, a PNG, a NIfTI volume, an H.264 clip)
and, for each case, testdata/goldens/<model>/e2e/<case>.json plus .npy arrays. The pipeline is
the reference's, composed from the twins that already exist: media_fixtures.py for loading and
preprocessing (Pillow decode, nibabel slicing, target sizes with the PIL size quirk, bicubic
resize, rescale/normalize, merge-block rows), vision_ref.py for the encoder, projector and
token-reduction mask, qwen_ref.py for the decoder. Video frames are decoded by the ffmpeg CLI
to rgb24 (the conversion decord and the engine's libswscale path make), then sampled with
load_video's rule.

Deterministic: rerunning rewrites identical files (x264 runs single-threaded and bit-exact).
"""
import json
import os
import subprocess
import sys
import zlib
from typing import List

import nibabel as nib
import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import media_fixtures  # noqa: E402
from qwen_ref import LlmConfig, QwenRef  # noqa: E402
from safetensors_io import read_checkpoint  # noqa: E402
from make_fixtures import write_golden_json  # noqa: E402
from tiny_tokenizer import TinyTokenizer  # noqa: E402
from vision_goldens import save  # noqa: E402
from vision_ref import VisionRef, compression_mask  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
INPUTS = os.path.join(ROOT, "testdata", "e2e")
N_NEW = 8
# Logits are stored for the last prompt positions only: each of them attends to every visual
# token, and all positions of a 200-token prompt would cost 250 KB per run.
LOGIT_TAIL = 8
MIN_MARGIN = 2e-2
# The reference's bf16 mask rounds the mean difference, its x255 and its /255 to bf16, which
# moves a value near 0.1 by up to ~1.2e-3; the inputs keep every token further than this from
# the threshold, so the bf16 and float32 masks agree and summation order cannot flip a token.
MASK_CLEARANCE = 1.5e-3

VOLUME_SLICES = 12
VIDEO_FPS, VIDEO_SAMPLE_FPS = 10, 2.0


# ---- input files ----------------------------------------------------------------------------

def texture(h: int, w: int, seed: int) -> np.ndarray:
    """Smooth structure plus grain, float [h, w] in about [0, 1]."""
    r = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    base = 0.5 + 0.25 * np.sin(9 * x + 2 * np.cos(7 * y)) * np.cos(5 * y - 3 * x)
    return np.clip(base + r.normal(0, 0.06, (h, w)), 0, 1)


def ellipse(h: int, w: int, cy: float, cx: float, ry: float, rx: float) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1


def make_radiograph(path: str):
    """A non-square (150 x 100) chest-film-like RGB JPEG: a bright body with ribs, tinted."""
    h, w = 100, 150
    body = ellipse(h, w, 52, 75, 44, 60) * 0.55 + texture(h, w, 1) * 0.35
    ribs = (np.sin(np.mgrid[0:h, 0:w][0] / 3.2) > 0.6) & ellipse(h, w, 50, 75, 38, 52)
    g = np.clip(body + 0.25 * ribs, 0, 1)
    rgb = np.stack([g, g * 0.96, g * 0.9], axis=-1) * 255
    Image.fromarray(rgb.astype(np.uint8)).save(path, quality=90)


def make_photo(path: str):
    """A small (64 x 48) fundus-like RGB PNG: a red disc with a bright optic nerve head."""
    h, w = 48, 64
    t = texture(h, w, 2)
    disc = ellipse(h, w, 24, 32, 22, 29)
    nerve = ellipse(h, w, 20, 42, 6, 5)
    rgb = np.stack([disc * (0.55 + 0.4 * t) + nerve * 0.4, disc * 0.25 * t + nerve * 0.6,
                    disc * 0.1 + nerve * 0.3], axis=-1)
    Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)).save(path)


def make_volume(path: str):
    """int16 CT-like volume [56, 112, 20] (slices data[:, :, k] are 56 x 112): a body with a
    static part, an organ whose density drifts slowly along z, a dense lesion that grows and
    shrinks and a gas bubble that moves across. Every slice holds the same minimum (air) and
    maximum (a calibration voxel), so the reference's per-slice min-max scaling keeps static
    regions identical: token reduction drops them, and the slowly drifting ones, and keeps the
    tokens the lesion and the bubble pass through. Anatomy in steps of 25 HU and static
    regions keep the .nii.gz small."""
    X, Y, Z = 56, 112, 20
    inside = ellipse(X, Y, 28, 56, 25.3, 53.3)
    organ = ellipse(X, Y, 34, 78, 12, 22)
    anatomy = np.round((200 + 600 * texture(X, Y, 3)) / 25) * 25
    vol = np.empty((X, Y, Z))
    for z in range(Z):
        vol[:, :, z] = np.where(inside, anatomy + organ * 25 * np.round(np.sin(z / 3.0), 1), -1000)
        r = max(0.0, 13.3 * (1 - ((z - 9) / 8.0) ** 2))
        if r > 0:
            vol[ellipse(X, Y, 20, 33.3, r, r), z] = 1900
        vol[ellipse(X, Y, 38.7, (20 + 7 * z) / 1.5, 6, 7.3), z] = -900
    vol[0, 0, :] = -1000
    vol[X - 1, Y - 1, :] = 2000
    nib.save(nib.Nifti1Image(vol.astype(np.int16), np.diag([0.8, 0.8, 2.5, 1.0])), path)


def make_clip(path: str):
    """H.264 (yuv420p, the common case) 100 x 70 at 10 fps, 3 s: a static textured scene with
    an instrument tip sweeping across and a bleed appearing in the second half. The width is
    not a multiple of 8 on purpose (like 854 x 480): swscale's SIMD converters leave the last
    w % 8 pixels of each row unwritten when the destination stride has no room for a whole
    8-pixel block; FFmpeg's own frames (the CLI's, decord's) are padded and get every pixel."""
    h, w, n = 70, 100, 3 * VIDEO_FPS
    scene = np.stack([texture(h, w, 4) * 0.8 + 0.15, texture(h, w, 5) * 0.45, texture(h, w, 6) * 0.35],
                     axis=-1)
    frames = []
    for i in range(n):
        f = scene.copy()
        f[ellipse(h, w, 20 + i, 8 + 3 * i, 6, 10)] = (0.85, 0.85, 0.9)
        if i >= n // 2:
            f[ellipse(h, w, 50, 70, 4 + (i - n // 2), 6 + (i - n // 2))] = (0.5, 0.02, 0.02)
        frames.append((f * 255).astype(np.uint8))
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                    "-s", "%dx%d" % (w, h), "-r", str(VIDEO_FPS), "-i", "-", "-map_metadata", "-1",
                    "-fflags", "+bitexact", "-flags", "+bitexact", "-c:v", "libx264", "-threads", "1",
                    "-crf", "20", "-pix_fmt", "yuv420p", "-g", "10", path],
                   input=np.stack(frames).tobytes(), check=True)


def make_inputs():
    os.makedirs(INPUTS, exist_ok=True)
    make_radiograph(os.path.join(INPUTS, "radiograph.jpg"))
    make_photo(os.path.join(INPUTS, "fundus.png"))
    make_volume(os.path.join(INPUTS, "ct.nii.gz"))
    make_clip(os.path.join(INPUTS, "endoscopy.mp4"))


# ---- loading, as the reference loads ----------------------------------------------------------

def load_image(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def load_volume(path: str, slices: int) -> List[np.ndarray]:
    """slice_nifti_to_images, axial: gray slices as RGB."""
    planes = media_fixtures.reference_slices(nib.load(path).get_fdata(), 2, slices)
    return [np.repeat(p[:, :, None], 3, axis=2) for p in planes]


def load_video(path: str, fps: float) -> List[np.ndarray]:
    """load_video with fps and no max_frames: every int(video_fps / fps)-th frame from 0.
    decord converts to rgb24 through FFmpeg's scale filter; so does the ffmpeg CLI here."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height,avg_frame_rate", "-of", "json", path],
                           check=True, capture_output=True, text=True)
    s = json.loads(probe.stdout)["streams"][0]
    num, den = (int(v) for v in s["avg_frame_rate"].split("/"))
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, s["height"], s["width"], 3)
    step = max(1, int(num / den / fps))
    return list(frames[::step])


# ---- cases ----------------------------------------------------------------------------------

# Each media item: (kind, file under testdata/e2e, loader options). Kinds follow the engine's
# CLI: image (merge 1, PIL size quirk), volume (merge 2, quirk), video (merge 2, numpy frames,
# no quirk).
CASES = {
    "image": {"media": [("image", "radiograph.jpg", {})],
              "question": "What is seen on this radiograph?"},
    "two_images": {"media": [("image", "radiograph.jpg", {}), ("image", "fundus.png", {})],
                   "question": "Compare the two images."},
    "volume": {"media": [("volume", "ct.nii.gz", {"slices": VOLUME_SLICES})],
               "question": "Describe this CT volume."},
    "video": {"media": [("video", "endoscopy.mp4", {"fps": VIDEO_SAMPLE_FPS})],
              "question": "What happens in this video?"},
}
QWEN3_CASES = ["video"]


def load_item(kind: str, name: str, opts: dict):
    """(frames, merge, PIL size quirk applies)."""
    path = os.path.join(INPUTS, name)
    if kind == "image":
        return [load_image(path)], 1, True
    if kind == "volume":
        return load_volume(path, opts["slices"]), 2, True
    return load_video(path, opts["fps"]), 2, False


def prompt_text(media: List[tuple], frames: List[list], question: str) -> str:
    """One user turn of the Hulu-Med template: `<image>\\n` per image, `<image>,` between the
    frames of a video or volume and `<image>\\n` after its last, then the question."""
    parts = ""
    for (kind, _, _), fr in zip(media, frames):
        parts += "<image>\n" if kind == "image" else "<image>," * (len(fr) - 1) + "<image>\n"
    return "<|im_start|>user\n%s%s<|im_end|>\n<|im_start|>assistant\n" % (parts, question)


def crc(a: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(a).tobytes())


def run_case(model_name: str, name: str, golden_dir: str, report: List[str]):
    model_dir = os.path.join(ROOT, "testdata", "models", model_name)
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(model_dir, "generation_config.json")) as f:
        eos = json.load(f)["eos_token_id"]
    with open(os.path.join(model_dir, "preprocessor_config.json")) as f:
        media_fixtures.CONFIG = json.load(f)  # the twin reads its settings from this global
    assert cfg["use_token_compression"], "the reduction-on runs need a compressing config"
    w = read_checkpoint(model_dir)
    case = CASES[name]
    image_id = cfg["image_token_index"]

    loaded = [load_item(*m) for m in case["media"]]
    frames = [fr for fr, _, _ in loaded]
    merges = [m for _, m, _ in loaded]
    swap = {q for _, _, q in loaded}
    assert len(swap) == 1, "one request mixes PIL and numpy inputs: the twin takes one swap flag"
    sizes = media_fixtures.target_sizes([(fr, m) for fr, m, _ in loaded], swap.pop())

    vis = VisionRef(cfg, w, torch.float32)
    items, rows_all, grids = [], [], []
    for i, ((kind, file, opts), fr, m, size) in enumerate(zip(case["media"], frames, merges, sizes)):
        rows, grid = media_fixtures.pixel_rows(fr, size, m)
        rows = rows.astype(np.float32)
        rows_all.append(rows)
        grids.append(tuple(grid))
        modal = "image" if kind == "image" else "video"
        masks = {mode: compression_mask(torch.from_numpy(rows).to(dt), grid, m, modal)
                 for mode, dt in (("bf16", torch.bfloat16), ("f32", torch.float32))}
        assert torch.equal(masks["bf16"], masks["f32"]), (name, "masks differ: a token is on the threshold")
        items.append({"kind": kind, "file": "testdata/e2e/" + file, "options": opts, "modal": modal,
                      "merge_size": m, "frame_shape": list(fr[0].shape), "frames_crc": [crc(x) for x in fr],
                      "size": list(size), "grid": grid,
                      "pixels": {"shape": list(rows.shape), "crc32": crc(rows),
                                 "row_sums": save(golden_dir, "%s.%d.pixel_row_sums.npy" % (name, i),
                                                  rows.astype(np.float64).sum(axis=1))},
                      "kept_mask": {mode: mk.int().tolist() for mode, mk in masks.items()},
                      "tokens_per_frame": (grid[1] // m) * (grid[2] // m)})
        if modal == "video":
            check_mask_clearance(rows, grid, m, name)

    _, feats = vis.encode(torch.from_numpy(np.concatenate(rows_all)), grids, merges)
    proj = vis.project(feats)
    start = 0
    for i, item in enumerate(items):
        n = item["grid"][0] * item["tokens_per_frame"]
        item["encoder"] = save(golden_dir, "%s.%d.encoder.npy" % (name, i), feats[start:start + n].numpy())
        item["projector"] = save(golden_dir, "%s.%d.projector.npy" % (name, i), proj[start:start + n].numpy())
        start += n

    tok = TinyTokenizer()
    text = prompt_text(case["media"], frames, case["question"])
    ids = tok.encode(text)
    assert ids.count(image_id) == sum(len(fr) for fr in frames)
    # Each frame's placeholder becomes its visual tokens, in media order.
    per_frame = [it["tokens_per_frame"] for it in items for _ in range(it["grid"][0])]
    expanded, k = [], 0
    for t in ids:
        if t == image_id:
            expanded += [image_id] * per_frame[k]
            k += 1
        else:
            expanded.append(t)
    # The reference expands the text, not the ids; the same thing, as <image> is split out first.
    chunks = text.split("<image>")
    assert expanded == tok.encode(chunks[0] + "".join("<image>" * n + c for n, c in zip(per_frame, chunks[1:])))

    ref = QwenRef(LlmConfig.from_json(cfg, w.keys()), w, torch.float32)
    any_video = any(it["modal"] == "video" for it in items)
    runs = []
    for reduction in ([True, False] if any_video else [True]):
        keep = torch.cat([torch.tensor(it["kept_mask"]["bf16"], dtype=torch.bool) if reduction
                          else torch.ones(it["grid"][0] * it["tokens_per_frame"], dtype=torch.bool)
                          for it in items])
        is_image = torch.tensor(expanded) == image_id
        text_keep = torch.ones(len(expanded), dtype=torch.bool)
        text_keep[is_image] = keep
        final_ids = torch.tensor(expanded)[text_keep].tolist()
        embeds = ref.embed(final_ids)
        sel = torch.tensor(final_ids) == image_id
        embeds[sel] = embeds[sel] * 0.0 + proj[keep]
        logits, new_ids, margins = ref.generate_greedy(embeds, N_NEW, eos)
        assert min(margins) > MIN_MARGIN, (model_name, name, reduction, margins)
        tag = "reduction-on" if reduction else "reduction-off"
        runs.append({"token_reduction": reduction, "mask_mode": "bf16", "input_ids": final_ids,
                     "visual_tokens": len(keep), "visual_tokens_kept": int(keep.sum()),
                     "logits": save(golden_dir, "%s.%s.logits_tail.npy" % (name, tag),
                                    logits[-LOGIT_TAIL:].numpy()),
                     "greedy_ids": new_ids, "margins": margins, "min_margin": min(margins)})
        report.append("%s/e2e/%s %s: visual tokens %d -> %d, %d positions, greedy %s, min margin %.3f"
                      % (model_name, name, tag, len(keep), int(keep.sum()), len(final_ids), new_ids,
                         min(margins)))

    write_golden_json(os.path.join(golden_dir, name + ".json"), {
        "model": model_name, "case": name, "question": case["question"], "prompt_text": text,
        "prompt_ids": ids, "image_token_id": image_id, "n_new": N_NEW, "eos_ids": eos,
        "logit_tail": LOGIT_TAIL, "items": items, "runs": runs})


def check_mask_clearance(rows: np.ndarray, grid, m: int, name: str):
    """Every frame-to-frame token difference at least MASK_CLEARANCE away from 0.1."""
    t, gh, gw = grid
    x = rows.reshape(t, (gh // m) * (gw // m), -1).astype(np.float64)
    diff = np.abs(x[1:] - x[:-1]).mean(axis=-1)
    closest = float(np.abs(diff - 0.1).min())
    assert closest > MASK_CLEARANCE, (name, "a token is %.2g from the threshold" % closest)


def main():
    make_inputs()
    report = []
    for model_name, names in (("tiny-qwen2", list(CASES)), ("tiny-qwen3", QWEN3_CASES)):
        golden_dir = os.path.join(ROOT, "testdata", "goldens", model_name, "e2e")
        os.makedirs(golden_dir, exist_ok=True)
        for f in os.listdir(golden_dir):
            os.remove(os.path.join(golden_dir, f))
        for name in names:
            run_case(model_name, name, golden_dir, report)
    print("\n".join(report))


if __name__ == "__main__":
    main()
