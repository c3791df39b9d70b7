#!/usr/bin/python3
"""Writes the media layer's fixtures and goldens into testdata/media/.

Run by hand with Debian's python3 (Pillow 9.4, numpy 1.24, nibabel 5.0):
    /usr/bin/python3 tools/reference/media_fixtures.py

What the goldens pin down, each as the reference computes it:
  - decoding: Image.open(path).convert('RGB') of small PNG/JPEG files made here;
  - resize: Image.resize((w, h), BICUBIC) on uint8 RGB;
  - NIfTI: nibabel get_fdata(), floor(linspace) slice indices, per-slice min-max to uint8;
  - preprocessing: the Hulu-Med image processor's target-size rules (with its PIL size swap),
    rescale/normalize and patch-row layout, re-derived here with numpy (no transformers).
Deterministic: fixed seeds, so rerunning rewrites identical files.
"""
import json
import math
import os
import struct
import zlib

import nibabel as nib
import numpy as np
from PIL import Image

import patch_rows

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata", "media")
rng = np.random.RandomState(1234)


def path(*parts):
    p = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def smooth_rgb(h, w, seed):
    """A gradient plus noise: resize goldens need structure, not just noise."""
    r = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255.0 / max(w - 1, 1), y * 255.0 / max(h - 1, 1),
                     (x + y) * 127.0 / max(h + w - 2, 1)], axis=-1)
    return np.clip(base + r.randint(-40, 41, (h, w, 3)), 0, 255).astype(np.uint8)


def write_png_raw(p, width, height, bit_depth, color_type, rows, plte=None, trns=None, interlace=0):
    """A PNG written by hand, for the layouts Pillow cannot save (16-bit RGB, 2-bit gray...).
    rows: list of raw scanline bytes (without filter byte); interlace must be 0 here."""
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    raw = b"".join(b"\x00" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if plte is not None:
        out += chunk(b"PLTE", plte)
    if trns is not None:
        out += chunk(b"tRNS", trns)
    out += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    with open(p, "wb") as f:
        f.write(out)


def pack_bits(values, bits):
    """Packs small ints MSB first into bytes, one scanline."""
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc = (acc << bits) | int(v)
        n += bits
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def make_images():
    """Small images in every layout the loader must handle, and Pillow's RGB decode of each."""
    names = []
    h, w = 23, 37
    rgb = smooth_rgb(h, w, 1)
    Image.fromarray(rgb).save(path("images", "rgb.png"))
    names.append("rgb.png")
    Image.fromarray(rgb).save(path("images", "rgb_interlaced.png"), interlace=1)
    names.append("rgb_interlaced.png")
    gray = rgb[:, :, 0]
    Image.fromarray(gray).save(path("images", "gray.png"))
    names.append("gray.png")
    Image.fromarray(np.dstack([gray, rgb[:, :, 1]]), "LA").save(path("images", "gray_alpha.png"))
    names.append("gray_alpha.png")
    Image.fromarray(np.dstack([rgb, rgb[:, :, 2]]), "RGBA").save(path("images", "rgba.png"))
    names.append("rgba.png")
    Image.fromarray(rgb).convert("P", palette=Image.ADAPTIVE, colors=50).save(
        path("images", "palette.png"), transparency=3)
    names.append("palette.png")
    Image.fromarray(gray > 128).save(path("images", "bilevel.png"))
    names.append("bilevel.png")
    # 16-bit gray: Pillow opens it as mode I and saturates at 255 when converting to RGB.
    g16 = (rng.randint(0, 1024, (h, w))).astype(">u2")
    g16[0, :4] = [0, 255, 256, 65535]
    write_png_raw(path("images", "gray16.png"), w, h, 16, 0, [r.tobytes() for r in g16])
    names.append("gray16.png")
    # 16-bit RGB and RGBA: Pillow keeps the high byte.
    rgb16 = rng.randint(0, 65536, (h, w, 3)).astype(">u2")
    write_png_raw(path("images", "rgb16.png"), w, h, 16, 2, [r.tobytes() for r in rgb16])
    names.append("rgb16.png")
    rgba16 = rng.randint(0, 65536, (h, w, 4)).astype(">u2")
    write_png_raw(path("images", "rgba16.png"), w, h, 16, 6, [r.tobytes() for r in rgba16])
    names.append("rgba16.png")
    la16 = rng.randint(0, 65536, (h, w, 2)).astype(">u2")
    write_png_raw(path("images", "gray_alpha16.png"), w, h, 16, 4, [r.tobytes() for r in la16])
    names.append("gray_alpha16.png")
    # Low bit depths: gray scaled up by bit replication, palette indices packed.
    g2 = rng.randint(0, 4, (h, w))
    write_png_raw(path("images", "gray2.png"), w, h, 2, 0, [pack_bits(r, 2) for r in g2])
    names.append("gray2.png")
    g4 = rng.randint(0, 16, (h, w))
    write_png_raw(path("images", "gray4.png"), w, h, 4, 0, [pack_bits(r, 4) for r in g4],
                  trns=struct.pack(">H", 5))
    names.append("gray4.png")
    p4 = rng.randint(0, 16, (h, w))
    plte = bytes(rng.randint(0, 256, 16 * 3).astype(np.uint8))
    write_png_raw(path("images", "palette4.png"), w, h, 4, 3, [pack_bits(r, 4) for r in p4],
                  plte=plte, trns=bytes([0, 128, 255]))
    names.append("palette4.png")
    # Indices past the PLTE: Pillow's palette starts as a gray ramp, so index i becomes (i, i, i).
    write_png_raw(path("images", "palette_short.png"), 6, 2, 8, 3,
                  [bytes([0, 1, 5, 200, 1, 0]), bytes([255, 2, 1, 0, 0, 1])],
                  plte=bytes([10, 20, 30, 40, 50, 60]))
    names.append("palette_short.png")
    # CRCs: Pillow ignores a bad IDAT CRC but rejects a bad one before the image data.
    with open(path("images", "rgb.png"), "rb") as f:
        png = bytearray(f.read())
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4:idat])[0]
    bad = bytearray(png)
    bad[idat + 4 + length] ^= 0xFF
    with open(path("images", "bad_idat_crc.png"), "wb") as f:
        f.write(bad)
    names.append("bad_idat_crc.png")
    text = struct.pack(">I", 5) + b"tEXtab\0cd" + b"\0\0\0\0"  # wrong CRC
    with open(path("images", "bad_text_crc.png"), "wb") as f:
        f.write(png[:idat - 4] + text + png[idat - 4:])
    # JPEG: 4:2:0 baseline, 4:4:4 progressive, gray, CMYK (Pillow writes Adobe-inverted CMYK).
    Image.fromarray(rgb).save(path("images", "rgb420.jpg"), quality=90)
    names.append("rgb420.jpg")
    Image.fromarray(rgb).save(path("images", "rgb444_progressive.jpg"), quality=85,
                              subsampling=0, progressive=True)
    names.append("rgb444_progressive.jpg")
    Image.fromarray(gray).save(path("images", "gray.jpg"), quality=90)
    names.append("gray.jpg")
    cmyk = np.dstack([rgb, 255 - rgb[:, :, 0]])
    Image.fromarray(cmyk, "CMYK").save(path("images", "cmyk.jpg"), quality=90)
    names.append("cmyk.jpg")
    for n in names:
        with Image.open(path("images", n)) as im:
            np.save(path("golden", "decode", n + ".npy"), np.asarray(im.convert("RGB")))
    try:
        Image.open(path("images", "bad_text_crc.png")).load()
        raise AssertionError("Pillow accepted a bad tEXt CRC")
    except OSError:  # UnidentifiedImageError
        pass
    return names


def make_resize():
    """Pillow BICUBIC resize of one source to sizes that shrink, grow and keep each axis."""
    src = smooth_rgb(23, 37, 2)
    np.save(path("golden", "resize", "source.npy"), src)
    sizes = [(14, 28), (56, 42), (37, 10), (100, 23), (5, 3), (1, 1), (37, 23), (200, 7)]
    for w, h in sizes:
        out = np.asarray(Image.fromarray(src).resize((w, h), Image.BICUBIC))
        np.save(path("golden", "resize", "%dx%d.npy" % (w, h)), out)
    return sizes


def make_nifti():
    """Small volumes in several datatypes and both NIfTI versions, and the reference's slices."""
    cases = []
    shape = (9, 6, 7)
    base = rng.randint(-500, 1500, shape)
    # int16 with scl_slope/inter, plus one constant slice along every axis.
    vol = base.astype(np.int16)
    vol[:, :, 3] = 40
    nib.save(nib.Nifti1Image(vol, np.eye(4)), path("nifti", "i16_scaled.nii"))
    # nibabel picks its own scaling on save, so set scl_slope/scl_inter in the header bytes.
    with open(path("nifti", "i16_scaled.nii"), "r+b") as f:
        f.seek(112)
        f.write(struct.pack("<ff", 2.5, -10.0))
    cases.append("i16_scaled.nii")
    img = nib.Nifti1Image(base.astype(np.float32) / 7.0, np.diag([2.0, 1.0, 3.0, 1.0]))
    nib.save(img, path("nifti", "f32.nii.gz"))
    cases.append("f32.nii.gz")
    img = nib.Nifti2Image((base % 256).astype(np.uint8), np.eye(4))
    nib.save(img, path("nifti", "u8_nifti2.nii"))
    cases.append("u8_nifti2.nii")
    # float64 with a fourth axis of length 1 and a NaN slice: raw cast, NaN -> 0.
    v4 = (base.astype(np.float64) * 0.37)[..., None]
    v4[:, :, 5, 0] = np.nan
    nib.save(nib.Nifti1Image(v4, np.eye(4)), path("nifti", "f64_4d.nii.gz"))
    cases.append("f64_4d.nii.gz")
    img = nib.Nifti1Image((base * 1000).astype(np.int32), np.eye(4))
    nib.save(img, path("nifti", "i32.nii"))
    cases.append("i32.nii")
    one = nib.Nifti1Image(base[:, :, :1].astype(np.int16), np.eye(4))
    nib.save(one, path("nifti", "one_slice.nii"))
    cases.append("one_slice.nii")

    golden = {}
    for name in cases:
        data = nib.load(path("nifti", name)).get_fdata()
        if data.ndim == 4:
            data = data[..., 0]
        for axis in (0, 1, 2):
            for count in (4, 11):
                slices = reference_slices(data, axis, count)
                key = "%s.axis%d.n%d" % (name, axis, count)
                np.save(path("golden", "nifti", key + ".npy"), slices)
                golden[key] = list(slices.shape)
    return golden


def reference_slices(data, axis, count):
    """The reference's NIfTI slicing, as a [count, h, w] uint8 array of gray planes."""
    out = []
    for k in np.linspace(0, data.shape[axis] - 1, count, dtype=int):
        s = np.take(data, k, axis=axis)
        if s.max() > s.min():
            s = (s - s.min()) / (s.max() - s.min()) * 255.0
        with np.errstate(invalid="ignore"):
            out.append(s.astype(np.uint8))
    return np.stack(out)


# ---- preprocessing twin -------------------------------------------------------------------

CONFIG = {
    "patch_size": 14,
    "min_tokens": 4,
    "max_tokens": 48,
    "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "rescale_factor": 0.00392156862745098,
    "do_resize": True,
    "do_rescale": True,
    "do_normalize": True,
    "resample": 3,
}


def target_sizes(items, swap):
    """items: list of (frames, merge). Follows the processor: one rule when all merge sizes
    agree (N-frame budget, per-image minimum), another when they differ."""
    p, mn, mx = CONFIG["patch_size"], CONFIG["min_tokens"], CONFIG["max_tokens"]
    sizes = []
    for frames, _ in items:
        h, w = frames[0].shape[:2]
        sizes.append((w, h) if swap else (h, w))
    merges = [m for _, m in items]
    if all(m == merges[0] for m in merges):
        f = p * merges[0]
        min_px, max_px = mn * f * f, mx * f * f
        n = sum(len(fr) for fr, _ in items)
        out = []
        for h, w in sizes:
            hb, wb = round(h / f) * f, round(w / f) * f
            if hb * wb > max_px // n:
                b = math.sqrt(h * w / (max_px // n))
                hb, wb = math.floor(h / b / f) * f, math.floor(w / b / f) * f
            if hb * wb < min_px:
                b = math.sqrt(min_px / (h * w))
                hb, wb = math.ceil(h * b / f) * f, math.ceil(w * b / f) * f
            out.append((hb, wb))
        return out
    total = sum(len(fr) * math.ceil(h / (p * m)) * math.ceil(w / (p * m))
                for (fr, m), (h, w) in zip(items, sizes))
    out = []
    for (_, m), (h, w) in zip(items, sizes):
        f = p * m
        if total > mx:
            b = math.sqrt(total / mx)
            out.append((math.floor(h / b / f) * f, math.floor(w / b / f) * f))
        else:
            out.append((round(h / f) * f, round(w / f) * f))
    return out


def pixel_rows(frames, size, merge):
    """Pillow bicubic to `size` (h, w), then the processor's patch rows; returns rows and grid."""
    p = CONFIG["patch_size"]
    th, tw = size
    resized = np.array([np.asarray(Image.fromarray(fr).resize((tw, th), Image.BICUBIC)) for fr in frames])
    rows = patch_rows.pixel_rows(resized, p, merge, CONFIG["image_mean"], CONFIG["image_std"],
                                 CONFIG["rescale_factor"])
    return rows, [len(frames), th // p, tw // p]


def load_rgb(name):
    with Image.open(path("images", name)) as im:
        return np.asarray(im.convert("RGB"))


REAL_CONFIG_DIR = os.path.join(ROOT, "..", "models", "tiny-qwen2")


def crc(a):
    return zlib.crc32(np.ascontiguousarray(a).tobytes())


def make_large():
    """Realistic sizes with the released processor settings (tiny-qwen2's config, which copies
    them): a 640x480 JPEG and a 180-slice volume. Too big to commit as arrays, so the goldens
    are CRC-32s of the exact bytes (uint8 resize, float32 rows) plus shapes."""
    global CONFIG
    saved = CONFIG
    with open(os.path.join(REAL_CONFIG_DIR, "preprocessor_config.json")) as f:
        CONFIG = json.load(f)
    y, x = np.mgrid[0:480, 0:640]
    photo = np.stack([128 + 100 * np.sin(x / 37.0) * np.cos(y / 23.0), x * 255.0 / 639,
                      255 - y * 255.0 / 479], axis=-1)
    photo = np.clip(photo + np.random.RandomState(5).randint(-6, 7, photo.shape), 0, 255)
    Image.fromarray(photo.astype(np.uint8)).save(path("images", "large.jpg"), quality=90)
    k, j, i = np.mgrid[0:30, 0:56, 0:48]
    vol = (1000 * np.sin(i / 9.0) * np.cos(j / 13.0) + 20 * k - 300).astype(np.int16) // 8 * 8
    vol = np.ascontiguousarray(vol.transpose(2, 1, 0))  # (48, 56, 30)
    nib.save(nib.Nifti1Image(vol, np.eye(4)), path("nifti", "large.nii.gz"))
    out = {}
    image = [load_rgb("large.jpg")]
    slices = [np.repeat(s[:, :, None], 3, axis=2) for s in reference_slices(
        nib.load(path("nifti", "large.nii.gz")).get_fdata(), 2, 180)]
    for name, items in {"large_image": [(image, 1)], "large_volume": [(slices, 2)],
                        "large_image_and_volume": [(image, 1), (slices, 2)],
                        # One budget for 181 frames: the image shrinks about 2x.
                        "large_image_in_volume_budget": [(image, 2), (slices, 2)]}.items():
        sizes = target_sizes(items, True)
        entry = []
        for (frames, m), size in zip(items, sizes):
            rows, grid = pixel_rows(frames, size, m)
            resized = np.asarray(Image.fromarray(frames[0]).resize((size[1], size[0]),
                                                                   Image.BICUBIC))
            entry.append({"grid": grid, "merge": m, "rows_crc": crc(rows.astype(np.float32)),
                          "first_resized_crc": crc(resized), "rows": list(rows.shape)})
        out[name] = entry
    CONFIG = saved
    return out


def make_preprocess():
    with open(path("preprocessor_config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    # Volume-like input: gray planes of a size that survives the mixed-merge rule.
    vol = [np.repeat(smooth_rgb(45, 60, 10 + i)[:, :, :1], 3, axis=2) for i in range(4)]
    small_vol = [np.repeat(reference_slices(
        nib.load(path("nifti", "i16_scaled.nii")).get_fdata(), 2, 4)[i][:, :, None], 3, axis=2)
        for i in range(4)]
    big = smooth_rgb(61, 150, 3)
    tiny = smooth_rgb(5, 9, 4)
    inputs = {"rgb": [load_rgb("rgb.png")], "gray": [load_rgb("gray.jpg")], "vol": vol,
              "small_vol": small_vol, "big": [big], "tiny": [tiny]}
    for k in ("big", "tiny", "vol"):
        np.save(path("golden", "preprocess", "input_%s.npy" % k), np.stack(inputs[k]))
    cases = {
        "image": ([("rgb", 1)], True),
        "image_true_aspect": ([("rgb", 1)], False),
        "two_images": ([("rgb", 1), ("gray", 1)], True),
        "big_over_budget": ([("big", 1)], True),
        "tiny_under_minimum": ([("tiny", 1)], True),
        "volume": ([("vol", 2)], True),
        "mixed_merge": ([("rgb", 1), ("vol", 2)], True),
        "mixed_merge_over_budget": ([("big", 1), ("vol", 2)], True),
        # The mixed rule has no minimum: a 9x6 volume rounds to 0 patches and Pillow raises.
        "mixed_merge_collapses": ([("rgb", 1), ("small_vol", 2)], True),
    }
    manifest = {}
    for name, (spec, swap) in cases.items():
        items = [(inputs[k], m) for k, m in spec]
        sizes = target_sizes(items, swap)
        if any(h <= 0 or w <= 0 for h, w in sizes):
            manifest[name] = {"true_aspect_ratio": not swap, "error": True,
                              "items": [{"input": k, "merge": m} for k, m in spec]}
            continue
        entry = []
        for i, ((frames, m), size) in enumerate(zip(items, sizes)):
            rows, grid = pixel_rows(frames, size, m)
            np.save(path("golden", "preprocess", "%s.%d.npy" % (name, i)), rows)
            entry.append({"input": spec[i][0], "merge": m, "grid": grid,
                          "size": list(size)})
        manifest[name] = {"true_aspect_ratio": not swap, "items": entry}
    return manifest


NIBABEL_DATA = "/usr/lib/python3/dist-packages/nibabel/tests/data"


def make_corpus():
    """The reference's 8 axial slices of the 3D files Debian's python3-nibabel ships (two are
    big-endian), so the C++ test can check them in place, not only that they load."""
    out = []
    for name in ("anatomical.nii", "reoriented_anat_moved.nii", "resampled_anat_moved.nii",
                 "standard.nii.gz"):
        data = nib.load(os.path.join(NIBABEL_DATA, name)).get_fdata()
        np.save(path("golden", "corpus", name + ".npy"), reference_slices(data, 2, 8))
        out.append(name)
    return out


def folder_indices(n, fps, max_frames, s, e):
    """The frame choice of the reference's load_video_from_ids for a directory (1 fps)."""
    if s is not None and e is not None:
        s, e = max(s, 0.0), max(e, 0.0)
        if s > e:
            s, e = e, s
        elif s == e:
            e = s + 1
    first = 0 if s is None else max(int(s) - 1, 0)
    last = n - 1 if e is None else min(int(e) - 1, n - 1)
    ids = list(range(first, last + 1))
    d = len(ids)
    if fps is not None and d < max_frames:
        step = min(1 // fps, d)
        picked = np.arange(step // 2, d, step, dtype=int)
    elif d <= max_frames:
        picked = np.arange(d)
    else:
        picked = np.linspace(0, d - 1, max_frames, dtype=int)
    return [ids[i] for i in picked]


def make_folder_cases():
    cases = []
    for n, fps, mx, s, e in [(10, 1.0, 768, None, None), (10, 0.5, 768, None, None),
                             (11, 0.3, 768, None, None), (25, 0.1, 768, None, None),
                             (7, 0.25, 768, None, None), (3, 0.01, 768, None, None),
                             (20, 1.0, 768, 3.7, 9.2), (20, 1.0, 768, 9.2, 3.7),
                             (20, 1.0, 768, 5.0, 5.0), (20, 0.5, 768, -4.0, 100.0),
                             (20, 1.0, 768, 2.0, None), (20, 1.0, 768, None, 6.9),
                             (20, 1.0, 5, None, None), (1000, 1.0, 768, None, None),
                             (50, None, 7, None, None), (5, None, 7, None, None),
                             (20, 1.0, 20, None, None)]:
        cases.append({"n": n, "fps": fps, "max_frames": mx, "start": s, "end": e,
                      "indices": [int(i) for i in folder_indices(n, fps, mx, s, e)]})
    return cases


def main():
    manifest = {"images": make_images(), "resize": make_resize(), "nifti": make_nifti(),
                "preprocess": make_preprocess(), "folder": make_folder_cases(),
                "corpus": make_corpus(), "large": make_large()}
    with open(path("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
