#!/usr/bin/python3.11
"""Writes testdata/dicom/corpus_goldens.json: what pydicom makes of every file of its own test data.

Run by hand with Debian's python (python3-pydicom 2.3.1, python3-numpy, python3-gdcm):
    /usr/bin/python3.11 tools/reference/dicom_corpus.py

The corpus is what Debian installs under pydicom/data and `dpkg -L python3-pydicom | grep -i
'\\.dcm$\\|test_files'` lists: test_files/ (recursively), charset_files/*.dcm, palettes/*.dcm.
Keys are paths relative to pydicom/data. For each file either

  {"pydicom_error": "..."}  pydicom.dcmread + pixel_array failed (message shortened), or
  a pixel summary of pydicom's pixel_array after the modality rescale (apply_modality_lut,
  grayscale only) with YBR_FULL/YBR_FULL_422 colour converted to RGB (convert_color_space),
  shaped [frames, rows, columns, samples]:
    shape, dtype, transfer_syntax, photometric (as read), bits_allocated,
    min, max, mean           over every value,
    hash                     hex of the 64-bit sum over i of q[i] * (2 * i + 1) * K  (mod 2^64),
                             q = round(value * 256) as int64, K = 0x9E3779B97F4A7C15: equal
                             hashes mean equal values in the same places (corpus_test.cc),
    lossy                    true for lossy transfer syntaxes, whose decoders may round apart,
    probes                   [frame, row, column, sample, value] at 16 seeded places plus the
                             first darkest and brightest value.
"""
import json
import os
import warnings

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, convert_color_space

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "testdata", "dicom", "corpus_goldens.json")
DATA = os.path.join(os.path.dirname(pydicom.__file__), "data")
LOSSY = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81",
         "1.2.840.10008.1.2.4.91"}
HASH_K = np.uint64(0x9E3779B97F4A7C15)


def corpus_files():
    out = []
    for dirpath, _, names in os.walk(DATA):
        rel_dir = os.path.relpath(dirpath, DATA)
        for name in names:
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel.startswith("test_files" + os.sep) or name.lower().endswith(".dcm"):
                out.append(rel)
    return sorted(out)


def value_hash(values):
    q = np.round(values.astype(np.float64).ravel() * 256).astype(np.int64).view(np.uint64)
    weights = (np.arange(q.size, dtype=np.uint64) * np.uint64(2) + np.uint64(1)) * HASH_K
    with np.errstate(over="ignore"):
        return "%016x" % int(np.sum(q * weights, dtype=np.uint64))


def summary(path, rng):
    ds = pydicom.dcmread(path)
    pi_read = str(ds.get("PhotometricInterpretation", ""))
    arr = ds.pixel_array
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    spp = int(ds.get("SamplesPerPixel", 1))
    arr = arr.reshape(frames, int(ds.Rows), int(ds.Columns), spp)
    pi = str(ds.PhotometricInterpretation)  # a handler may have changed it to RGB
    if spp == 1:
        arr = apply_modality_lut(arr, ds)
    elif pi in ("YBR_FULL", "YBR_FULL_422") and ds.BitsAllocated == 8:
        arr = np.stack([convert_color_space(f, pi, "RGB") for f in arr])
    probes = []
    for _ in range(16):
        f, y, x, c = (int(rng.integers(0, n)) for n in arr.shape)
        probes.append([f, y, x, c, float(arr[f, y, x, c])])
    for idx in (np.argmin(arr), np.argmax(arr)):
        f, y, x, c = (int(v) for v in np.unravel_index(idx, arr.shape))
        probes.append([f, y, x, c, float(arr[f, y, x, c])])
    ts = str(ds.file_meta.TransferSyntaxUID)
    return {
        "shape": [int(n) for n in arr.shape],
        "dtype": str(arr.dtype.newbyteorder("=")),
        "transfer_syntax": ts,
        "photometric": pi_read,
        "bits_allocated": int(ds.BitsAllocated),
        "min": float(arr.min()),
        "max": float(arr.max()),
        "mean": float(arr.astype(np.float64).mean()),
        "hash": value_hash(arr),
        "lossy": ts in LOSSY,
        "probes": probes,
    }


def main():
    rng = np.random.default_rng(0)
    out = {}
    for rel in corpus_files():
        try:
            out[rel] = summary(os.path.join(DATA, rel), rng)
            # A decoder that fails without raising (GDCM on a corrupt JPEG 2000 header) hands
            # pydicom its uninitialised buffer: a second read then gives other values.
            if summary(os.path.join(DATA, rel), np.random.default_rng(0))["hash"] != out[rel]["hash"]:
                out[rel] = {"pydicom_error": "values differ between two reads: the decoder "
                                            "failed and pydicom returned its uninitialised buffer"}
        except Exception as e:  # pydicom's own failure is the golden
            out[rel] = {"pydicom_error": f"{type(e).__name__}: {str(e).splitlines()[0][:160]}"}
    with open(OUT, "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)
        f.write("\n")
    ok = sum("hash" in v for v in out.values())
    print(f"{len(out)} files: {ok} decoded by pydicom, {len(out) - ok} refused by pydicom")


if __name__ == "__main__":
    main()
