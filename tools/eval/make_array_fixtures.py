"""Writes the array-published benchmark fixtures under ROOT with the publishers' own tools
(numpy's savez_compressed for MedMNIST's .npz, np.save for M3D's and 3D-RAD's volumes,
nibabel for CT-RATE's NIfTI).
Called by make_fixtures.mjs; Debian's python3-numpy and python3-nibabel suffice.

    /usr/bin/python3 tools/eval/make_array_fixtures.py testdata/eval/benchmarks
"""
import os
import sys

import nibabel
import numpy as np

root = sys.argv[1]
rng = np.random.default_rng(12)


def medmnist(name, shape, test_labels):
    """A MedMNIST .npz with the six arrays every published file holds, uint8 images."""
    n = len(test_labels)
    arrays = {}
    for split, count in (('train', 2), ('val', 1), ('test', n)):
        arrays[f'{split}_images'] = rng.integers(0, 256, size=(count, *shape), dtype=np.uint8)
        arrays[f'{split}_labels'] = np.zeros((count, 1), dtype=np.uint8)
    arrays['test_labels'] = np.array(test_labels, dtype=np.uint8).reshape(n, 1)
    os.makedirs(f'{root}/Medmnist', exist_ok=True)
    np.savez_compressed(f'{root}/Medmnist/{name}', **arrays)


medmnist('pathmnist.npz', (28, 28, 3), [2, 8])          # RGB, 9 tissue classes
medmnist('pneumoniamnist_64.npz', (64, 64), [1])         # gray, MedMNIST+ size 64

# 3D-RAD volumes: the Hugging Face release's preprocessed (1, D, H, W) float .npy in 0..1,
# and a CT-RATE NIfTI in Hounsfield units; six axial slices each.
os.makedirs(f'{root}/3DRad/volumes', exist_ok=True)
np.save(f'{root}/3DRad/volumes/test_2_a_1.npy', rng.random((1, 6, 16, 16), dtype=np.float32))
hu = (rng.random((16, 16, 6)) * 2000 - 1000).astype(np.int16)
nibabel.save(nibabel.Nifti1Image(hu, np.diag([1.0, 1.0, 2.5, 1.0])), f'{root}/3DRad/volumes/test_1_a_1.nii.gz')

# M3D-Cap's preprocessed volume (M3D-VQA's Image Path): a (1, D, H, W) float .npy in 0..1.
os.makedirs(f'{root}/M3D/ct_case/000006', exist_ok=True)
np.save(f'{root}/M3D/ct_case/000006/Axial_C__portal_venous_phase.npy', rng.random((1, 6, 16, 16), dtype=np.float32))
