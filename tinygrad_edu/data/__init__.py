"""Data for the lecture's networks, always in the lecture's column convention.

Every loader returns ``X`` of shape ``(n[0], m)`` -- one example per COLUMN, ``X = A[0]`` -- and
``Y`` of shape ``(1, m)``, float64, with labels in [0, 1] (0 or 1 for every bundled set), ready
for ``J = cross_entropy(A[L], Y)``. One module per concern:

* ``dataset``: the result type :class:`Dataset`, the seeded stratified :func:`train_test_split`,
  :func:`standardize` with the TRAIN set's statistics only, and :func:`split_and_standardize`.
* ``sklearn_sets``: real data bundled with scikit-learn (no network), :func:`load_breast_cancer`
  and :func:`load_digits_binary`; scikit-learn is an optional extra
  (``pip install "tinygrad-edu[data]"``).
* ``cat``: the course's cat-vs-non-cat HDF5 files, :func:`load_cat_dataset` (h5py, the same extra).
* ``generated``: sets for the lecture's ideas, numpy only: :func:`make_xor`, :func:`make_flower`
  (the course's ``load_planar_dataset``) and :func:`make_parity` (n-bit parity, lecture 4.5).
* ``registry``: any of the above by name, :data:`DATASET_NAMES` and :func:`load_dataset`.
* ``files``: data files (``.npz`` with X, Y in columns; ``.csv`` with examples in rows) with
  :func:`load_data_file`, and :func:`load_data`, which takes a name, a file or ``TRAIN.h5,TEST.h5``;
  :func:`dataset_ref`, :func:`dataset_files` and :func:`dataset_digest` (SHA-256) say which data a
  saved network was trained on.
* ``params``: :func:`parameter_shapes`, :func:`save_parameters` / :func:`load_parameters` (a
  ``.npz`` without pickle) and whole networks with their JSON sidecar, :func:`save_network` /
  :func:`load_network` (the sidecar checked against the parameters it describes).
* ``reading`` and ``extras``: the file reading and the optional imports those modules share.

Reading is bounded: what a file declares (array shapes in a ``.npz``'s headers or an HDF5 file's
datasets, a ``.csv``'s size) is checked against ``max_data_mb`` (:data:`DEFAULT_MAX_DATA_MB`, 1000
MB of float64 numbers) and against itself before any array is read. Writing is atomic, through
:mod:`tinygrad_edu.files`.

Nothing here modifies an array it is given, and every random choice goes through a generator
seeded by the ``seed`` argument: the same seed gives the same data, the global numpy random
state is never touched. The conventions (shapes, the label rule, ``W1``-style keys) come from
:mod:`tinygrad_edu.lecture`.
"""

from .cat import load_cat_dataset
from .dataset import Dataset, split_and_standardize, standardize, train_test_split
from .files import dataset_digest, dataset_files, dataset_ref, load_data, load_data_file
from .generated import make_flower, make_parity, make_xor
from .params import (
    load_network,
    load_parameters,
    network_paths,
    parameter_shapes,
    save_network,
    save_parameters,
    sidecar_path,
)
from .reading import DEFAULT_MAX_DATA_MB
from .registry import DATASET_NAMES, load_dataset
from .sklearn_sets import load_breast_cancer, load_digits, load_digits_binary

__all__ = [
    "Dataset",
    "DATASET_NAMES",
    "load_dataset",
    "train_test_split",
    "standardize",
    "split_and_standardize",
    "load_breast_cancer",
    "load_digits",
    "load_digits_binary",
    "load_cat_dataset",
    "make_xor",
    "make_flower",
    "make_parity",
    "load_data_file",
    "load_data",
    "dataset_ref",
    "dataset_files",
    "dataset_digest",
    "DEFAULT_MAX_DATA_MB",
    "parameter_shapes",
    "save_parameters",
    "load_parameters",
    "sidecar_path",
    "network_paths",
    "save_network",
    "load_network",
]
