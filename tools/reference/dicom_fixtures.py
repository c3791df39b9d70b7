#!/usr/bin/python3
"""Writes testdata/dicom/: a small shuffled series, MONOCHROME1/2 twins and two cine loops.

Run by hand with Debian's python (python3-pydicom, python3-numpy):
    /usr/bin/python3.11 tools/reference/dicom_fixtures.py
(The pydicom corpus goldens come from dicom_corpus.py.)

series/: five 32x32 CT slices cropped from pydicom's CT_small.dcm, positions along a tilted normal,
file names shuffled against the anatomical order, and an InstanceNumber that disagrees with
the position (the loader must trust the position).

cine_us.dcm, cine_xa.dcm: multi-frame loops with frame timing (an RGB ultrasound clip with
FrameTime, a grayscale XA run with CineRate) whose frame k shows a bar at column 4k; read as
video by dicom_cine.cc.
"""
import copy
import os
import warnings

import numpy as np
import pydicom
from pydicom.data import get_testdata_file

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "testdata", "dicom")


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


def cine(name, sop_class, pixels, photometric, timing):
    # A multi-frame cine loop written from scratch: frame k shows a bright bar at column 4k.
    meta = pydicom.dataset.FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=["hulumed", name])
    meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds = pydicom.dataset.FileDataset(name, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, meta.MediaStorageSOPInstanceUID
    ds.Modality = "US" if photometric == "RGB" else "XA"
    frames, rows, columns = pixels.shape[:3]
    ds.NumberOfFrames, ds.Rows, ds.Columns = frames, rows, columns
    ds.SamplesPerPixel = 3 if photometric == "RGB" else 1
    ds.PhotometricInterpretation = photometric
    if photometric == "RGB":
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    for key, value in timing.items():
        setattr(ds, key, value)
    ds.PixelData = pixels.astype(np.uint8).tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(os.path.join(OUT, name), write_like_original=False)


def cines():
    # Ultrasound: 6 RGB frames of 24x32 at 25 frames/s (FrameTime 40 ms), red bars on grey.
    us = np.full((6, 24, 32, 3), 40, np.uint8)
    for k in range(6):
        us[k, :, 4 * k:4 * k + 4] = (250, 20, 10)
    cine("cine_us.dcm", "1.2.840.10008.5.1.4.1.1.3.1", us, "RGB", {"FrameTime": "40"})
    # XA angiography: 8 grayscale frames of 16x32 at CineRate 15 (no FrameTime).
    xa = np.full((8, 16, 32), 100, np.uint8)
    for k in range(8):
        xa[k, :, 4 * k:4 * k + 4] = 200
    cine("cine_xa.dcm", "1.2.840.10008.5.1.4.1.1.12.1", xa, "MONOCHROME2", {"CineRate": 15})


def main():
    os.makedirs(OUT, exist_ok=True)
    series()
    monochrome()
    cines()


if __name__ == "__main__":
    main()
