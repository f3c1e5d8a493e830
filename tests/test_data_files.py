"""tinygrad_edu.data and files (issue 12): what a file declares is checked before anything is read
(.npz headers, HDF5 datasets, a .csv's size, against each other and a size limit); HDF5 data kept
in other files are refused; a CSV's byte-order mark is not data; a saved network's sidecar must
describe its parameters; save_network replaces only the package's own files unless forced."""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import threading
import tracemalloc
import zipfile

import numpy as np
import pytest
from test_data import write_cat_file, write_npz

from tinygrad_edu import ShapeError
from tinygrad_edu.data import (
    load_cat_dataset,
    load_data,
    load_data_file,
    load_network,
    load_parameters,
    make_xor,
    save_network,
)
from tinygrad_edu.nn import DeepNetwork


@pytest.fixture
def h5py():
    return pytest.importorskip("h5py")



def npz_of_zeros(path, data=True, **shapes):
    """A compressed .npz of float64 zeros of the given shapes, written in chunks (never held in
    memory): a small file that declares a lot. Without ``data``, only the arrays' headers."""
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, shape in shapes.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
                np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": shape})
                left = math.prod(shape) * 8 if data else 0
                while left > 0:
                    f.write(chunk[:left])
                    left -= len(chunk)
    return path


def peak_memory(fn, exc):
    """The peak of memory traced while ``fn()`` raises ``exc``, and the exception."""
    tracemalloc.start()
    try:
        with pytest.raises(exc) as e:
            fn()
        return tracemalloc.get_traced_memory()[1], e.value
    finally:
        tracemalloc.stop()


def test_npz_whose_x_and_y_disagree_is_refused_from_its_headers(tmp_path):
    path = npz_of_zeros(tmp_path / "bomb.npz", X=(2, 2_500_000), Y=(1, 10))  # 40 MB of X in a small file
    assert path.stat().st_size < 300_000
    peak, e = peak_memory(lambda: load_data_file(path), ShapeError)
    assert peak < 5_000_000, peak  # before: X was read (40 MB) and only then compared with Y
    assert "bomb.npz" in str(e) and "X has m = 2500000 examples (columns) but Y has 10" in str(e)


def test_npz_declaring_more_than_the_limit_is_refused_before_reading(tmp_path):
    huge = npz_of_zeros(tmp_path / "huge.npz", data=False, X=(2, 500_000_000), Y=(1, 500_000_000))
    with pytest.raises(ValueError) as e:
        load_data_file(huge)  # the default limit, 1000 MB
    assert "huge.npz' declares X (2, 500000000), Y (1, 500000000)" in str(e.value)
    assert "12,000.0 MB, more than the limit of 1000 MB" in str(e.value) and "--max-data-mb" in str(e.value)
    small = npz_of_zeros(tmp_path / "small.npz", X=(2, 300_000), Y=(1, 300_000))  # 7.2 MB as float64
    peak, e = peak_memory(lambda: load_data_file(small, max_data_mb=2), ValueError)
    assert peak < 2_000_000 and "limit of 2 MB" in str(e)
    assert load_data_file(small, max_data_mb=None).m_train == 240_000  # no limit: read


def test_csv_larger_than_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("".join(f"{i},{i % 7},{i % 2}\n" for i in range(200_000)))
    with pytest.raises(ValueError, match=r"the CSV file '.*d\.csv' is large: 2\.\d MB, more than the limit of 1 MB"):
        load_data_file(path, max_data_mb=1)
    assert load_data_file(path, max_data_mb=10).n_x == 2


def test_parameter_files_are_checked_from_their_headers_before_reading(tmp_path):
    big = npz_of_zeros(tmp_path / "big.npz", data=False, W1=(20_000, 20_000), b1=(20_000, 1))
    with pytest.raises(ValueError, match=r"big\.npz' declares W1 \(20000, 20000\), b1 \(20000, 1\).*limit of 1000 MB"):
        load_parameters(big)
    with pytest.raises(ValueError, match="limit of 1000 MB"):
        load_network(big)
    # shapes that do not fit are found from the headers alone (this file holds no data to read)
    hollow = npz_of_zeros(tmp_path / "hollow.npz", data=False, W1=(4, 3), b1=(4, 1), W2=(1, 5), b2=(1, 1))
    with pytest.raises(ShapeError, match=r"'W1' in '.*hollow\.npz' has shape \(4, 3\), expected \(2, 3\)"):
        load_parameters(hollow, [3, 2, 1])
    with pytest.raises(ShapeError, match=r"W2 has shape \(1, 5\) but must be"):
        load_network(hollow)


@pytest.fixture
def classes_only(h5py):
    def write(path, role, **datasets):
        with h5py.File(path, "w") as f:
            f["list_classes"] = np.array([b"non-cat", b"cat"])
            for name, make in datasets.items():
                make(f, f"{role}_set_{name}")
        return path
    return write


def test_h5_declaring_many_images_is_refused_before_reading(h5py, tmp_path, classes_only):
    files = [classes_only(tmp_path / f"{role}.h5", role,  # declared, never written: a file of a few KB
                          x=lambda f, n, m=m: f.create_dataset(n, shape=(m, 64, 64, 3), dtype=np.uint8),
                          y=lambda f, n, m=m: f.create_dataset(n, shape=(m,), dtype=np.int64))
             for role, m in (("train", 200_000), ("test", 10))]
    assert files[0].stat().st_size < 100_000
    peak, e = peak_memory(lambda: load_cat_dataset(*files), ValueError)
    assert peak < 5_000_000, peak  # before: 2.4 GB of pixels were read
    assert "train_set_x (200000, 64, 64, 3)" in str(e) and "limit of 1000 MB" in str(e)


def test_h5_class_names_declared_huge_are_refused_before_reading(h5py, tmp_path):
    good = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    train = tmp_path / "train.h5"
    with h5py.File(train, "w") as f:  # two names of 1.5 GB each, compressed to a few KB
        f["train_set_x"], f["train_set_y"] = good, np.array([0, 1])
        f.create_dataset("list_classes", shape=(2,), dtype="S1500000000", compression="gzip")
    test = write_cat_file(h5py, tmp_path / "test.h5", "test", good, np.array([0, 1]))
    assert train.stat().st_size < 100_000
    peak, e = peak_memory(lambda: load_cat_dataset(train, test), ValueError)
    assert peak < 5_000_000, peak  # before: 4.4 GB
    assert "1,500,000,000 bytes per name" in str(e) and "at most 1024 bytes" in str(e)


def _cat_pair(h5py, tmp_path, x_train):
    good = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    train = tmp_path / "train.h5"
    with h5py.File(train, "w") as f:
        x_train(f)
        f["train_set_y"] = np.array([0, 1])
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    test = write_cat_file(h5py, tmp_path / "test.h5", "test", good, np.array([0, 1]))
    return train, test


def _load_within(seconds, fn):
    """Run ``fn`` in a thread: its exception, or a failure if it does not end in ``seconds`` (a hang)."""
    out = {}

    def target():
        try:
            fn()
        except Exception as e:  # noqa: BLE001 (handed to the test)
            out["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "hung"
    return out.get("error")


def test_h5_data_kept_in_other_files_are_refused(h5py, tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(bytes(range(96)))  # "any local file": its bytes must not become pixels
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    other = write_cat_file(h5py, tmp_path / "other.h5", "train", np.zeros((2, 4, 4, 3), np.uint8), np.array([0, 1]))
    layout = h5py.VirtualLayout(shape=(2, 4, 4, 3), dtype=np.uint8)
    layout[:] = h5py.VirtualSource(str(other), "train_set_x", shape=(2, 4, 4, 3))
    ways = {
        "HDF5 external storage": lambda f: f.create_dataset("train_set_x", shape=(2, 4, 4, 3), dtype=np.uint8,
                                                             external=[(str(secret), 0, 96)]),
        "external storage in a FIFO": lambda f: f.create_dataset("train_set_x", shape=(2, 4, 4, 3), dtype=np.uint8,
                                                                  external=[(str(fifo), 0, 96)]),
        "a virtual dataset": lambda f: f.create_virtual_dataset("train_set_x", layout),
        "a link to another file": lambda f: f.__setitem__("train_set_x", h5py.ExternalLink(str(other), "train_set_x")),
    }
    for way, make in ways.items():
        train, test = _cat_pair(h5py, tmp_path, make)
        e = _load_within(10, functools.partial(load_cat_dataset, train, test))
        assert isinstance(e, ValueError), (way, e)
        assert "train.h5" in str(e) and "'train_set_x'" in str(e) and "store the data in the file itself" in str(e)
        assert ("virtual" in str(e)) == (way == "a virtual dataset"), str(e)


def test_h5_non_numeric_data_and_nan_pixels_are_refused(h5py, tmp_path):
    train, test = _cat_pair(h5py, tmp_path, lambda f: f.__setitem__("train_set_x", np.full((2, 4, 4, 3), b"ab")))
    with pytest.raises(ValueError, match=r"'train_set_x' has dtype \|S2; expected numbers"):
        load_cat_dataset(train, test)
    x = np.zeros((2, 4, 4, 3))
    x[1, 2, 3, 0] = np.nan
    train, test = _cat_pair(h5py, tmp_path, lambda f: f.__setitem__("train_set_x", x))
    with pytest.raises(ValueError, match=r"train file '.*train\.h5'.*'train_set_x' contains NaN or infinite"):
        load_cat_dataset(train, test)


def test_a_path_merely_containing_h5_is_not_taken_for_hdf5_files(tmp_path):
    folder = tmp_path / "my.h5files"
    folder.mkdir()
    X, Y = make_xor(m=20, seed=1)
    path = write_npz(folder / "d.npz", X=X, Y=Y)
    assert load_data(str(path)).n_x == 2  # before: "the course's HDF5 data needs both files"
    with pytest.raises(FileNotFoundError, match=r"data file '.*data\.h5\.npz' does not exist"):
        load_data(str(tmp_path / "data.h5.npz"))


# ============================================================================ csv, sidecars, own files (issue 12)


def test_csv_with_a_byte_order_mark_and_no_header_keeps_its_first_example(tmp_path):
    rows = "".join(f"{i},{i % 3},{i % 2}\n" for i in range(10))
    path = tmp_path / "bom.csv"
    path.write_text("\ufeff" + rows, encoding="utf-8")  # as Excel writes "CSV UTF-8"
    d = load_data_file(path)
    assert d.m_train + d.m_test == 10  # before: 9, the first example taken for a header
    assert 0.0 in np.concatenate([d.X_train, d.X_test], axis=1)[0]  # the first example, x1 = 0, is there
    path.write_text("\ufeffa,b,label\n" + rows, encoding="utf-8")  # with a header: still 10
    assert load_data_file(path).m_train + load_data_file(path).m_test == 10


def test_a_stale_or_contradicting_sidecar_is_an_error_naming_both_files(tmp_path):
    a = save_network(tmp_path / "a.npz", DeepNetwork([3, 4, 1], hidden_activation="tanh", seed=0), {"dataset": "xor"})
    b = save_network(tmp_path / "b.npz", DeepNetwork([3, 4, 1], seed=1), {"dataset": "xor"})
    assert load_network(b[0])[0].activations == ("relu", "sigmoid")
    shutil.copy(a[1], b[1])  # another run's params.json beside b.npz: tanh would be used silently
    with pytest.raises(ValueError) as e:
        load_network(b[0])
    assert f"{str(b[1])!r} does not describe {str(b[0])!r}" in str(e.value) and "SHA-256" in str(e.value)
    b[1].write_text(json.dumps({"layer_dims": [3, 5, 1], "activations": ["relu", "sigmoid"]}))  # by hand, wrong
    with pytest.raises(ValueError, match=r"b\.json' says layer_dims = \[3, 5, 1\], but the parameters in '.*b\.npz' "
                                         r"have layer_dims = \[3, 4, 1\]"):
        load_network(b[0])
    b[1].write_text(json.dumps({"activations": ["tanh", "sigmoid"]}))  # by hand and consistent: used
    assert load_network(b[0])[0].activations == ("tanh", "sigmoid")


@pytest.mark.parametrize("edit", ["activations", "params_sha256 removed"])
def test_a_sidecar_edited_since_it_was_written_is_an_error_unless_activations_are_given(tmp_path, edit):
    path, side = save_network(tmp_path / "p.npz", DeepNetwork([3, 4, 1], seed=0), {"dataset": "xor"})
    meta = json.loads(side.read_text())
    if edit == "activations":
        meta["activations"] = ["tanh", "sigmoid"]  # the network trained with relu would be run with tanh
    else:
        del meta["params_sha256"]
    side.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"p\.json' was edited since save_network wrote it.*--activations"):
        load_network(path)
    assert load_network(path, activations=["relu", "sigmoid"])[0].activations == ("relu", "sigmoid")


def test_save_network_replaces_only_its_own_files_unless_forced(tmp_path):
    net = DeepNetwork([2, 3, 1], seed=0)
    notes = tmp_path / "notes.json"
    notes.write_text('{"my": "notes"}')
    with pytest.raises(FileExistsError) as e:
        save_network(tmp_path / "notes.npz", net, {})
    assert f"the network's sidecar {str(notes)!r}" in str(e.value) and "force=True replaces it" in str(e.value)
    assert notes.read_text() == '{"my": "notes"}' and not (tmp_path / "notes.npz").exists()
    save_network(tmp_path / "notes.npz", net, {}, force=True)
    assert json.loads(notes.read_text())["written_by"] == "tinygrad-edu"
    save_network(tmp_path / "notes.npz", net, {"again": True})  # its own, unchanged files: replaced
    (tmp_path / "notes.npz").write_bytes((tmp_path / "notes.npz").read_bytes() + b" ")  # changed since
    with pytest.raises(FileExistsError, match=r"the parameters file '.*notes\.npz': refusing to replace"):
        save_network(tmp_path / "notes.npz", net, {})
