#!/usr/bin/python3
"""Writes testdata/dicom/: pixel goldens for pydicom's DICOM corpus and a small shuffled series.

Run by hand with Debian's python3 (python3-pydicom, python3-numpy, python3-gdcm for JPEG-LS and
12-bit JPEG): /usr/bin/python3 tools/reference/dicom_fixtures.py

pydicom_goldens.json: for every corpus file pydicom can decode, the frame count and a few
(frame, row, column, sample, stored value) probes taken from pydicom's pixel_array, with YBR
converted to RGB the way DICOM defines it. dicom_test.cc compares DicomFile::DecodeFrame with
them, within `tolerance` (lossy codecs may round differently between decoder builds).

series/: five 32x32 CT slices cropped from pydicom's CT_small.dcm, positions along a tilted normal,
file names shuffled against the anatomical order, and an InstanceNumber that disagrees with
the position (the loader must trust the position).
"""
import copy
import json
import os
import warnings

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.pixel_data_handlers.util import convert_color_space

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "testdata", "dicom")
CORPUS = os.path.dirname(get_testdata_file("CT_small.dcm"))
LOSSY = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81",
         "1.2.840.10008.1.2.4.91"}


def goldens():
    out = {}
    rng = np.random.default_rng(0)
    for dirpath, _, names in sorted(os.walk(CORPUS)):
        for name in sorted(names):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, CORPUS)
            try:
                ds = pydicom.dcmread(path)
                arr = ds.pixel_array
            except Exception:
                continue
            if ds.get("BitsAllocated") == 1:
                continue  # masks: our loader rejects them (see expected failures)
            frames = int(ds.get("NumberOfFrames", 1) or 1)
            spp = int(ds.SamplesPerPixel)
            arr = arr.reshape(frames, ds.Rows, ds.Columns, spp)
            pi = str(ds.PhotometricInterpretation)
            if pi in ("YBR_FULL", "YBR_FULL_422") and ds.BitsAllocated == 8:
                arr = np.stack([convert_color_space(f, pi, "RGB") for f in arr])
            ts = str(ds.file_meta.TransferSyntaxUID)
            probes = []
            for _ in range(8):
                f, y, x, c = (int(rng.integers(0, n)) for n in (frames, ds.Rows, ds.Columns, spp))
                probes.append([f, y, x, c, int(arr[f, y, x, c])])
            # The darkest and brightest sample catch range and sign errors.
            for idx in (np.argmin(arr), np.argmax(arr)):
                f, y, x, c = (int(v) for v in np.unravel_index(idx, arr.shape))
                probes.append([f, y, x, c, int(arr[f, y, x, c])])
            out[rel] = {
                "transfer_syntax": ts,
                "photometric": pi,
                "frames": frames,
                "rows": int(ds.Rows),
                "columns": int(ds.Columns),
                "samples_per_pixel": spp,
                "tolerance": 3 if ts in LOSSY else (1 if pi.startswith("YBR") else 0),
                "probes": probes,
            }
    return out


def series():
    folder = os.path.join(OUT, "series")
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.remove(os.path.join(folder, old))
    base = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    # A gantry-tilted stack: rows along x, columns along y tilted by 10 degrees, so the slice
    # normal is not the z axis and sorting by z alone would still work but by x would not.
    t = np.deg2rad(10)
    row, col = np.array([1.0, 0, 0]), np.array([0, np.cos(t), np.sin(t)])
    normal = np.cross(row, col)
    names = ["c.dcm", "e.dcm", "a.dcm", "d.dcm", "b.dcm"]  # slice k is stored as names[k]
    pixels = base.pixel_array[:32, :32]
    base.Rows, base.Columns = pixels.shape
    for k, name in enumerate(names):
        ds = copy.deepcopy(base)
        # Slice k is the base image plus 100 * k so the order is visible in every pixel.
        ds.PixelData = (pixels + 100 * k).astype(pixels.dtype).tobytes()
        ds.ImageOrientationPatient = [float(v) for v in np.concatenate([row, col])]
        pos = np.array([-50.0, 30.0, 7.0]) + normal * (2.5 * k) + row * 0.3 * k
        ds.ImagePositionPatient = [round(float(v), 4) for v in pos]
        ds.InstanceNumber = 5 - k  # disagrees on purpose
        ds.SOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=["hulumed", str(k)])
        ds.save_as(os.path.join(folder, name), write_like_original=False)


def monochrome():
    # The same 16x16 MR crop stored as MONOCHROME2 and as MONOCHROME1: loaded, one must be
    # the other's negative.
    base = pydicom.dcmread(get_testdata_file("MR_small.dcm"))
    pixels = base.pixel_array[24:40, 24:40]
    base.Rows, base.Columns = pixels.shape
    base.PixelData = pixels.tobytes()
    for pi in ("MONOCHROME1", "MONOCHROME2"):
        ds = copy.deepcopy(base)
        ds.PhotometricInterpretation = pi
        ds.save_as(os.path.join(OUT, pi.lower() + ".dcm"), write_like_original=False)


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "pydicom_goldens.json"), "w") as f:
        json.dump(goldens(), f, indent=1, sort_keys=True)
        f.write("\n")
    series()
    monochrome()


if __name__ == "__main__":
    main()
