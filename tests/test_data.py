"""tinygrad_edu.data: the column convention, seeded splits, train-only standardisation, the
course's HDF5 layout and flower, parity labels, data files (.npz, .csv) and any set by one string,
networks saved with their sidecar, and errors that name the file and the entry."""

from __future__ import annotations

import functools
import operator
import statistics
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import ShapeError, Tensor
from tinygrad_edu.data import (
    DATASET_NAMES,
    Dataset,
    dataset_ref,
    load_breast_cancer,
    load_cat_dataset,
    load_data,
    load_data_file,
    load_dataset,
    load_digits_binary,
    load_network,
    load_parameters,
    make_flower,
    make_parity,
    make_xor,
    parameter_shapes,
    save_network,
    save_parameters,
    sidecar_path,
    standardize,
    train_test_split,
)
from tinygrad_edu.nn import DeepNetwork


def sorted_columns(A: np.ndarray) -> np.ndarray:
    """The columns of A in lexicographic order: compares two sets of examples as multisets."""
    return A[:, np.lexsort(A[::-1])]


def assert_column_convention(X: np.ndarray, Y: np.ndarray, n_x: int, m: int) -> None:
    assert X.shape == (n_x, m) and Y.shape == (1, m)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert set(np.unique(Y)) <= {0.0, 1.0}


# ============================================================================ scikit-learn sets


@pytest.fixture(scope="module")
def sk():
    return pytest.importorskip("sklearn.datasets")


def test_breast_cancer_shapes_split_and_labels(sk):
    raw = sk.load_breast_cancer()
    d = load_breast_cancer(standardise=False)
    # 357 benign (1), 212 malignant (0): round(0.2*357) = 71 and round(0.2*212) = 42 go to test
    assert_column_convention(d.X_train, d.Y_train, 30, 569 - 113)
    assert_column_convention(d.X_test, d.Y_test, 30, 113)
    assert d.Y_test.sum() == 71 and d.Y_train.sum() == 357 - 71
    assert d.class_names == ("malignant", "benign")
    assert d.feature_names[0] == "mean radius" and len(d.feature_names) == 30
    assert (d.n_x, d.m_train, d.m_test) == (30, 456, 113)
    # train + test are exactly the original (example, label) pairs, each once, as columns
    ours = np.hstack([np.vstack([d.X_train, d.Y_train]), np.vstack([d.X_test, d.Y_test])])
    theirs = np.vstack([raw.data.T, raw.target.reshape(1, -1)])
    np.testing.assert_array_equal(sorted_columns(ours), sorted_columns(theirs))


def test_breast_cancer_standardised_with_train_statistics_only(sk):
    raw = load_breast_cancer(standardise=False)
    d = load_breast_cancer()
    np.testing.assert_allclose(d.X_train.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(d.X_train.std(axis=1), 1.0, rtol=1e-12)
    assert not np.allclose(d.X_test.mean(axis=1), 0.0, atol=1e-3)  # the test set keeps its own offset
    np.testing.assert_array_equal(d.Y_train, raw.Y_train)  # same split either way
    for feature in (0, 7, 29):  # by hand, with the standard library, from the raw TRAIN values
        train_values = [float(v) for v in raw.X_train[feature]]
        mu, sigma = statistics.fmean(train_values), statistics.pstdev(train_values)
        for e in (0, 5, raw.m_test - 1):
            assert d.X_test[feature, e] == pytest.approx((raw.X_test[feature, e] - mu) / sigma, rel=1e-10)
        assert d.mean[feature, 0] == pytest.approx(mu, rel=1e-12)
        assert d.std[feature, 0] == pytest.approx(sigma, rel=1e-12)
    np.testing.assert_allclose(d.transform(raw.X_test), d.X_test, rtol=1e-12)


def test_split_seed_determinism(sk):
    a, b, c = load_breast_cancer(seed=3), load_breast_cancer(seed=3), load_breast_cancer(seed=4)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.Y_test, b.Y_test)
    assert a.X_test.shape == c.X_test.shape
    assert not np.array_equal(a.X_test, c.X_test)


def test_digits_odd_vs_even(sk):
    raw = sk.load_digits()
    d = load_digits_binary(standardise=False)
    assert_column_convention(d.X_train, d.Y_train, 64, d.m_train)
    assert d.m_train + d.m_test == 1797
    assert d.class_names == ("even", "odd")
    assert d.feature_names[8 * 3 + 5] == "pixel(3,5)"
    ours = np.hstack([np.vstack([d.X_train, d.Y_train]), np.vstack([d.X_test, d.Y_test])])
    theirs = np.vstack([raw.data.T, (raw.target % 2).reshape(1, -1)])
    np.testing.assert_array_equal(sorted_columns(ours), sorted_columns(theirs))
    # pixel (3, 5) is row 29: the 8x8 image read row by row
    e = 0
    match = np.flatnonzero((raw.data == d.X_train[:, e]).all(axis=1))
    assert raw.images[match[0]][3, 5] == d.X_train[29, e]


def test_digit_vs_rest_and_constant_pixels(sk):
    raw = sk.load_digits()
    d = load_digits_binary(digit=3)
    assert d.class_names == ("not 3", "3")
    assert d.Y_train.sum() + d.Y_test.sum() == (raw.target == 3).sum()
    # pixel (0, 0) is 0 in every image: std 0 is replaced by 1, so it stays 0 instead of NaN
    assert np.all(raw.data[:, 0] == 0)
    assert d.std[0, 0] == 1.0 and d.mean[0, 0] == 0.0
    assert np.all(d.X_train[0] == 0) and np.all(d.X_test[0] == 0)
    assert np.all(np.isfinite(d.X_train)) and np.all(np.isfinite(d.X_test))


@pytest.mark.parametrize("digit", [10, -1, True, 2.5])
def test_digits_bad_digit(digit):
    with pytest.raises(ValueError, match=r"load_digits_binary: digit must be None .* 0\.\.9"):
        load_digits_binary(digit=digit)


@pytest.mark.parametrize("loader", [load_breast_cancer, load_digits_binary])
def test_missing_sklearn_says_which_extra(monkeypatch, loader):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # what `import sklearn` sees when it is not installed
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"scikit-learn.*pip install \"tinygrad-edu\[data\]\""):
        loader()


# ============================================================================ split and standardise


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.integers(0, 1), min_size=4, max_size=60),
    test_fraction=st.floats(0.1, 0.9),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_is_a_stratified_partition(labels, test_fraction, seed):
    m = len(labels)
    X = np.vstack([np.arange(m), -np.arange(m)]).astype(float)  # column j identifies example j
    Y = np.array([labels], dtype=float)
    X0, Y0 = X.copy(), Y.copy()
    n_test = sum(round(test_fraction * labels.count(c)) for c in set(labels))
    if n_test in (0, m):
        with pytest.raises(ValueError, match="train_test_split: .* leaves"):
            train_test_split(X, Y, test_fraction, seed)
        return
    X_tr, Y_tr, X_te, Y_te = train_test_split(X, Y, test_fraction, seed)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    ids = np.concatenate([X_tr[0], X_te[0]]).astype(int)
    assert sorted(ids) == list(range(m))  # every example once
    np.testing.assert_array_equal(np.concatenate([Y_tr[0], Y_te[0]]), Y[0, ids])  # labels travel with X
    for c in set(labels):
        assert (Y_te == c).sum() == round(test_fraction * labels.count(c))


def test_split_without_stratify_and_errors():
    X, Y = np.arange(20.0).reshape(2, 10), np.array([[0.0] * 9 + [1.0]])
    X_tr, Y_tr, X_te, Y_te = train_test_split(X, Y, 0.3, seed=0, stratify=False)
    assert X_te.shape == (2, 3) and X_tr.shape == (2, 7)
    with pytest.raises(ValueError, match="test_fraction must be between 0 and 1"):
        train_test_split(X, Y, 1.0)
    with pytest.raises(ShapeError, match=r"\(2, 10\), Y must be \(n\[L\], m\) = \(n\[L\], 10\), got shape \(10, 1\)"):
        train_test_split(X, Y.T)
    with pytest.raises(ShapeError, match=r"X = A\[0\] must be \(n\[0\], m\)"):
        train_test_split(np.arange(10.0), Y)


def test_standardize_by_hand_and_leaves_input_alone():
    X_train = np.array([[1.0, 2.0, 3.0, 6.0], [5.0, 5.0, 5.0, 5.0]])
    X_test = np.array([[4.0, 0.0], [5.0, 7.0]])
    before = X_train.copy(), X_test.copy()
    Xs, Ts, mean, std = standardize(X_train, X_test)
    # row 0: mean 3, population variance (4+1+0+9)/4 = 3.5; row 1: constant 5, std replaced by 1
    s = np.sqrt(3.5)
    np.testing.assert_allclose(mean, [[3.0], [5.0]])
    np.testing.assert_allclose(std, [[s], [1.0]])
    np.testing.assert_allclose(Xs, [[-2 / s, -1 / s, 0.0, 3 / s], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(Ts, [[1 / s, -3 / s], [0.0, 2.0]])
    np.testing.assert_array_equal(X_train, before[0])
    np.testing.assert_array_equal(X_test, before[1])
    with pytest.raises(ShapeError, match=r"standardize \(X_test\): X = A\[0\] must be \(n\[0\], m\) = \(2, m\).*X\.T"):
        standardize(X_train, np.ones((3, 2)))


# ============================================================================ the course's cat files


@pytest.fixture
def h5py():
    return pytest.importorskip("h5py")


def write_cat_file(h5py, path, role, x, y, classes=(b"non-cat", b"cat"), drop=()):
    with h5py.File(path, "w") as f:
        for name, value in {f"{role}_set_x": x, f"{role}_set_y": y, "list_classes": np.array(classes)}.items():
            if name not in drop:
                f.create_dataset(name, data=value)
    return path


@pytest.fixture
def cat_files(h5py, tmp_path):
    rng = np.random.default_rng(7)
    x_train = rng.integers(0, 256, size=(5, 4, 6, 3), dtype=np.uint8)  # (m, h, w, c) as the course stores it
    x_test = rng.integers(0, 256, size=(2, 4, 6, 3), dtype=np.uint8)
    y_train, y_test = np.array([1, 0, 0, 1, 1]), np.array([0, 1])  # int64 (m,) as in the course's files
    train = write_cat_file(h5py, tmp_path / "train_catvnoncat.h5", "train", x_train, y_train)
    test = write_cat_file(h5py, tmp_path / "test_catvnoncat.h5", "test", x_test, y_test)
    return train, test, x_train, y_train, x_test, y_test


def test_cat_flattening_matches_hand_computed_pixels(cat_files):
    train, test, x_train, y_train, x_test, y_test = cat_files
    d = load_cat_dataset(train, test)
    assert isinstance(d, Dataset)
    assert_column_convention(d.X_train, d.Y_train, 4 * 6 * 3, 5)
    assert_column_convention(d.X_test, d.Y_test, 72, 2)
    np.testing.assert_array_equal(d.Y_train, [[1, 0, 0, 1, 1]])
    np.testing.assert_array_equal(d.Y_test, [[0, 1]])
    assert d.class_names == ("non-cat", "cat") and d.mean is None
    assert 0.0 <= d.X_train.min() and d.X_train.max() <= 1.0
    # row-major: pixel (i, j), channel k of an h x w x c = 4 x 6 x 3 image is row (i*6 + j)*3 + k
    for e, i, j, k in [(0, 0, 0, 0), (3, 2, 5, 1), (4, 3, 1, 2)]:
        row = (i * 6 + j) * 3 + k
        assert d.X_train[row, e] == x_train[e, i, j, k] / 255
        assert d.feature_names[row] == f"pixel({i},{j}) channel {k}"
    assert d.X_test[(1 * 6 + 4) * 3 + 2, 1] == x_test[1, 1, 4, 2] / 255
    # the whole first column by hand: image 0 read row by row, pixel by pixel, channel by channel
    column = [x_train[0, i, j, k] / 255 for i in range(4) for j in range(6) for k in range(3)]
    np.testing.assert_array_equal(d.X_train[:, 0], column)


def test_cat_full_size_course_layout(h5py, tmp_path):
    x = np.zeros((2, 64, 64, 3), dtype=np.uint8)
    x[1, 10, 20, 2] = 255
    train = write_cat_file(h5py, tmp_path / "train.h5", "train", x, np.array([0, 1]))
    test = write_cat_file(h5py, tmp_path / "test.h5", "test", x[:1], np.array([1]))
    d = load_cat_dataset(str(train), str(test))  # str paths work too
    assert d.X_train.shape == (12288, 2) and d.X_test.shape == (12288, 1)
    row = (10 * 64 + 20) * 3 + 2  # pixel (10, 20), channel 2
    rows, cols = np.nonzero(d.X_train)
    assert rows.tolist() == [row] and cols.tolist() == [1]
    assert d.X_train[row, 1] == 1.0 and not d.X_test.any()


def test_cat_accepts_labels_shaped_1_by_m_and_classes_from_train(h5py, tmp_path):
    x = np.full((3, 2, 2, 3), 51, dtype=np.uint8)
    train = write_cat_file(h5py, tmp_path / "a.h5", "train", x, np.array([[1, 0, 1]]))
    test = write_cat_file(h5py, tmp_path / "b.h5", "test", x, np.array([0, 0, 1]), drop=("list_classes",))
    d = load_cat_dataset(train, test)
    np.testing.assert_array_equal(d.Y_train, [[1.0, 0.0, 1.0]])
    np.testing.assert_allclose(d.X_test, 0.2)
    assert d.class_names == ("non-cat", "cat")


def test_cat_missing_file(cat_files, tmp_path):
    train, test, *_ = cat_files
    with pytest.raises(FileNotFoundError, match=r"test file '.*nope\.h5' does not exist"):
        load_cat_dataset(train, tmp_path / "nope.h5")


def test_cat_missing_dataset_names_file_and_entry(h5py, tmp_path):
    x = np.zeros((2, 2, 2, 3), dtype=np.uint8)
    train = write_cat_file(h5py, tmp_path / "train.h5", "train", x, np.array([0, 1]), drop=("train_set_y",))
    test = write_cat_file(h5py, tmp_path / "test.h5", "test", x, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"train file '.*train\.h5' has no dataset 'train_set_y' \(it has: "):
        load_cat_dataset(train, test)


def test_cat_missing_list_classes_everywhere(h5py, tmp_path):
    x = np.zeros((2, 2, 2, 3), dtype=np.uint8)
    train = write_cat_file(h5py, tmp_path / "train.h5", "train", x, np.array([0, 1]), drop=("list_classes",))
    test = write_cat_file(h5py, tmp_path / "test.h5", "test", x, np.array([0, 1]), drop=("list_classes",))
    with pytest.raises(ValueError, match=r"neither '.*test\.h5' nor '.*train\.h5' has a dataset 'list_classes'"):
        load_cat_dataset(train, test)


def test_cat_mismatched_label_count(h5py, tmp_path):
    x = np.zeros((3, 2, 2, 3), dtype=np.uint8)
    train = write_cat_file(h5py, tmp_path / "train.h5", "train", x, np.array([0, 1]))
    test = write_cat_file(h5py, tmp_path / "test.h5", "test", x, np.array([0, 1, 1]))
    with pytest.raises(ShapeError, match=r"train file .*'train_set_y' has shape \(2,\) but 'train_set_x' "
                                         r"\(3, 2, 2, 3\) holds m = 3 images"):
        load_cat_dataset(train, test)


def test_cat_images_not_4d(h5py, tmp_path):
    x = np.zeros((2, 2, 2, 3), dtype=np.uint8)
    train = write_cat_file(h5py, tmp_path / "train.h5", "train", x, np.array([0, 1]))
    test = write_cat_file(h5py, tmp_path / "test.h5", "test", x.reshape(2, -1), np.array([0, 1]))
    with pytest.raises(ShapeError, match=r"test file .*'test_set_x' has shape \(2, 12\).*\(m, 64, 64, 3\)"):
        load_cat_dataset(train, test)


def test_cat_train_and_test_image_sizes_differ(h5py, tmp_path):
    train = write_cat_file(h5py, tmp_path / "train.h5", "train", np.zeros((2, 2, 2, 3), np.uint8), np.array([0, 1]))
    test = write_cat_file(h5py, tmp_path / "test.h5", "test", np.zeros((2, 3, 2, 3), np.uint8), np.array([0, 1]))
    with pytest.raises(ShapeError, match=r"train_set_x' are \(2, 2, 3\) but in .*'test_set_x' are \(3, 2, 3\)"):
        load_cat_dataset(train, test)


def test_cat_bad_values(h5py, tmp_path):
    x = np.zeros((2, 2, 2, 3), dtype=np.float64)
    good = write_cat_file(h5py, tmp_path / "test.h5", "test", x, np.array([0, 1]))
    scaled = write_cat_file(h5py, tmp_path / "train1.h5", "train", x - 0.5, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"'train_set_x' has values in \[-0\.5, -0\.5\], expected pixels in 0\.\.255"):
        load_cat_dataset(scaled, good)
    labels = write_cat_file(h5py, tmp_path / "train2.h5", "train", x, np.array([0, 2]))
    with pytest.raises(ValueError, match=r"train file .*'train_set_y': Y must hold labels in \[0, 1\].* contains 2 "):
        load_cat_dataset(labels, good)


def test_cat_not_an_hdf5_file(cat_files, tmp_path):
    train, test, *_ = cat_files
    bogus = tmp_path / "train.h5"
    bogus.write_text("not hdf5")
    with pytest.raises(ValueError, match=r"train file '.*train\.h5' is not a readable HDF5 file"):
        load_cat_dataset(bogus, test)


def test_missing_h5py_says_which_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"load_cat_dataset: .*'h5py'.*pip install \"tinygrad-edu\[data\]\""):
        load_cat_dataset(tmp_path / "a.h5", tmp_path / "b.h5")


# ============================================================================ generated sets


def course_load_planar_dataset():
    """The course's load_planar_dataset, transcribed (global np.random.seed(1)), as the reference."""
    state = np.random.get_state()
    try:
        np.random.seed(1)
        m, a = 400, 4
        N = int(m / 2)
        X = np.zeros((m, 2))
        Y = np.zeros((m, 1), dtype="uint8")
        for j in range(2):
            ix = range(N * j, N * (j + 1))
            t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
            r = a * np.sin(4 * t) + np.random.randn(N) * 0.2
            X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
            Y[ix] = j
        return X.T, Y.T
    finally:
        np.random.set_state(state)


def test_flower_is_the_course_dataset():
    X_ref, Y_ref = course_load_planar_dataset()
    state = np.random.get_state()
    X, Y = make_flower()
    after = np.random.get_state()
    assert_column_convention(X, Y, 2, 400)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(Y, Y_ref)
    assert Y[0, :200].sum() == 0 and Y[0, 200:].sum() == 200
    assert np.array_equal(state[1], after[1]) and state[2] == after[2]  # global random state untouched


def test_flower_seed_and_options():
    X1, _ = make_flower(seed=5)
    X2, _ = make_flower(seed=5)
    X3, _ = make_flower(seed=6)
    np.testing.assert_array_equal(X1, X2)
    assert not np.allclose(X1, X3)
    X, Y = make_flower(m=10, noise=0.0, a=2.0)
    # without noise: theta = linspace(j*3.12, (j+1)*3.12, 5), r = 2 sin(4 theta), point = (r sin, r cos)
    theta = np.linspace(3.12, 6.24, 5)
    r = 2 * np.sin(4 * theta)
    np.testing.assert_allclose(X[:, 5:], [r * np.sin(theta), r * np.cos(theta)], atol=1e-15)
    with pytest.raises(ValueError, match="make_flower: m must be even"):
        make_flower(m=401)


def test_xor_without_noise_is_the_truth_table():
    X, Y = make_xor(m=10, noise=0.0, seed=1)
    assert_column_convention(X, Y, 2, 10)
    assert set(np.unique(X)) == {0.0, 1.0}
    for x1, x2, y in zip(X[0], X[1], Y[0]):
        assert y == (int(x1) ^ int(x2))
    corners = sorted(map(tuple, X.T.tolist()))
    assert [corners.count(c) for c in [(0, 0), (0, 1), (1, 0), (1, 1)]] == [3, 3, 2, 2]  # 10 = 3+3+2+2


def test_xor_noise_and_seeds():
    X, Y = make_xor(m=400, noise=0.05, seed=0)
    nearest = np.round(X).astype(int)
    np.testing.assert_array_equal(Y[0], nearest[0] ^ nearest[1])
    assert 0.02 < np.abs(X - nearest).std() < 0.08
    np.testing.assert_array_equal(make_xor(seed=3)[0], make_xor(seed=3)[0])
    assert not np.array_equal(make_xor(seed=3)[0], make_xor(seed=4)[0])
    with pytest.raises(ValueError, match="make_xor: noise must be a finite number >= 0"):
        make_xor(noise=-1)
    with pytest.raises(ValueError, match="make_xor: m must be an integer >= 1"):
        make_xor(m=0)


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_parity_all_patterns(n):
    X, Y = make_parity(n)
    assert_column_convention(X, Y, n, 2**n)
    for j in range(2**n):
        assert "".join(str(int(b)) for b in X[:, j]) == format(j, f"0{n}b")  # column j = j in binary
        assert Y[0, j] == bin(j).count("1") % 2


def test_parity_sampled():
    X, Y = make_parity(9, m=300, seed=2)
    assert_column_convention(X, Y, 9, 300)
    assert set(np.unique(X)) == {0.0, 1.0}
    for column, y in zip(X.T.astype(int), Y[0]):
        assert y == functools.reduce(operator.xor, column.tolist())
    np.testing.assert_array_equal(X, make_parity(9, m=300, seed=2)[0])
    assert not np.array_equal(X, make_parity(9, m=300, seed=3)[0])
    assert abs(Y.mean() - 0.5) < 0.1
    with pytest.raises(ValueError, match="pass m to sample"):
        make_parity(21)
    with pytest.raises(ValueError, match="n_bits must be an integer >= 1"):
        make_parity(0)


# ============================================================================ any set by name


@pytest.mark.parametrize("name, options, n_x", [("xor", {}, 2), ("flower", {}, 2), ("parity", {"n_bits": 5}, 5),
                                                ("breast_cancer", {}, 30), ("digits", {"digit": 0}, 64)])
def test_load_dataset_by_name(name, options, n_x):
    if name in ("breast_cancer", "digits"):
        pytest.importorskip("sklearn")
    d = load_dataset(name, seed=1, **options)
    assert name in DATASET_NAMES
    assert_column_convention(d.X_train, d.Y_train, n_x, d.m_train)
    assert_column_convention(d.X_test, d.Y_test, n_x, d.m_test)
    assert len(d.feature_names) == n_x
    assert f"X_train ({n_x}, {d.m_train})" in repr(d)


def test_load_dataset_flower_seed_1_is_the_course_set():
    d = load_dataset("flower", seed=1)
    X_ref, _ = course_load_planar_dataset()
    np.testing.assert_array_equal(sorted_columns(np.hstack([d.X_train, d.X_test])), sorted_columns(X_ref))


def test_load_dataset_errors():
    with pytest.raises(ValueError, match=r"unknown dataset 'flowers'.*did you mean 'flower'\?"):
        load_dataset("flowers")
    with pytest.raises(TypeError, match=r"load_dataset\('parity'\): .*n_bits"):
        load_dataset("parity")


# ============================================================================ parameters in .npz


def test_parameter_shapes_follow_lecture_4_4():
    assert parameter_shapes([3, 5, 5, 3, 1]) == {
        "W1": (5, 3), "b1": (5, 1), "W2": (5, 5), "b2": (5, 1),
        "W3": (3, 5), "b3": (3, 1), "W4": (1, 3), "b4": (1, 1),
    }
    with pytest.raises(ValueError, match="at least two positive integers"):
        parameter_shapes([3])


def test_parameters_round_trip_exactly(tmp_path):
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((4, 3)), "b1": np.zeros((4, 1)),
              "W2": Tensor(rng.standard_normal((1, 4)), requires_grad=True), "b2": np.full((1, 1), 0.5)}
    W1_before = params["W1"].copy()
    path = save_parameters(tmp_path / "model.params", params)
    assert path == tmp_path / "model.params" and path.is_file()  # no ".npz" appended behind the user's back
    np.testing.assert_array_equal(params["W1"], W1_before)
    for expected in (None, [3, 4, 1], parameter_shapes([3, 4, 1])):
        loaded = load_parameters(path, expected)
        assert list(loaded) == ["W1", "b1", "W2", "b2"]
        np.testing.assert_array_equal(loaded["W1"], params["W1"])  # bit for bit
        np.testing.assert_array_equal(loaded["W2"], params["W2"].data)
        assert loaded["b2"].dtype == np.float64


def test_load_parameters_names_missing_extra_and_misshaped(tmp_path):
    path = save_parameters(tmp_path / "p.npz", {"W1": np.ones((4, 3)), "b1": np.ones((4, 1))})
    with pytest.raises(ValueError, match=r"p\.npz' has no 'W2', 'b2' \(it has: W1, b1\)"):
        load_parameters(path, [3, 4, 1])
    with pytest.raises(ValueError, match=r"holds unexpected 'b1' \(expected only: W1\)"):
        load_parameters(path, {"W1": (4, 3)})
    misshaped = r"'W1' in '.*p\.npz' has shape \(4, 3\), expected \(3, 4\).*\(n\[l\], n\[l-1\]\)"
    with pytest.raises(ShapeError, match=misshaped):
        load_parameters(path, [4, 3])
    with pytest.raises(FileNotFoundError, match=r"load_parameters: file '.*q\.npz' does not exist"):
        load_parameters(tmp_path / "q.npz")


def test_parameters_never_pickle(tmp_path):
    with pytest.raises(TypeError, match="'W1' has dtype object"):
        save_parameters(tmp_path / "p.npz", {"W1": np.array([{"a": 1}], dtype=object)})
    np.savez(tmp_path / "pickled.npz", W1=np.array([{"a": 1}], dtype=object))  # needs pickle to load
    with pytest.raises(ValueError, match="readable without pickle"):
        load_parameters(tmp_path / "pickled.npz")
    np.save(tmp_path / "single.npy", np.ones(3))
    with pytest.raises(ValueError, match="holds a single array, not named parameters"):
        load_parameters(tmp_path / "single.npy")
    (tmp_path / "junk.npz").write_bytes(b"\x80\x04junk")
    with pytest.raises(ValueError, match=r"'.*junk\.npz' is not a \.npz file"):
        load_parameters(tmp_path / "junk.npz")


# ============================================================================ data files and any set by one string


def write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_data_file_npz_and_csv_give_the_same_examples(tmp_path):
    X, Y = make_xor(m=40, seed=2)  # X (2, m), Y (1, m)
    npz = write_npz(tmp_path / "d.npz", X=X, Y=Y[0])  # a 1-D Y is read as the row (1, m)
    csv = tmp_path / "d.csv"
    rows = [f"{float(X[0, j])!r},{float(X[1, j])!r},{int(Y[0, j])}" for j in range(40)]  # one example per ROW
    csv.write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    a, b = load_data_file(npz, split_seed=3), load_data_file(str(csv), split_seed=3)
    for d in (a, b):
        assert_column_convention(d.X_train, d.Y_train, 2, 32)
        assert d.mean is None and d.feature_names == ("x1", "x2") and "not standardised" in d.description
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.Y_test, b.Y_test)
    X_tr, Y_tr, X_te, Y_te = train_test_split(X, Y, 0.2, seed=3)  # the file's split is train_test_split's
    np.testing.assert_array_equal(a.X_test, X_te)
    np.testing.assert_array_equal(a.Y_train, Y_tr)


def test_data_file_with_its_own_test_set_and_probability_labels(tmp_path):
    X, X_test = np.arange(6.0).reshape(2, 3), np.ones((2, 2))
    Y, Y_test = np.array([[0.0, 0.25, 1.0]]), np.array([[1.0, 0.0]])  # labels in [0, 1]: the lecture's rule
    d = load_data_file(write_npz(tmp_path / "d.npz", X=X, Y=Y, X_test=X_test, Y_test=Y_test))
    np.testing.assert_array_equal(d.X_train, X)
    np.testing.assert_array_equal(d.Y_train, Y)
    np.testing.assert_array_equal(d.X_test, X_test)
    assert "3 train / 2 test as given" in d.description


def test_csv_without_header_and_with_inf_in_the_first_row(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("".join(f"{i},{i % 3},{i % 2}\n" for i in range(10)))
    assert load_data_file(plain).m_train + load_data_file(plain).m_test == 10  # no row taken for a header
    inf = tmp_path / "inf.csv"
    inf.write_text("inf,1,0\n" + plain.read_text())
    with pytest.raises(ValueError, match=r"inf\.csv'.*X contains NaN or infinite values"):
        load_data_file(inf)


@pytest.mark.parametrize("arrays, exc, words", [
    ({"X": np.zeros((10, 2)), "Y": np.zeros((1, 10))}, ShapeError, ["(10, 2)", "one example per column", "X.T"]),
    ({"X": np.zeros((2, 4)), "Y": [[0, 1, 2, 0.0]]}, ValueError, ["labels in [0, 1]", "2.0"]),
    ({"X": np.zeros((2, 4)), "Y": [[0, 1, 1, 0.0]], "X_test": np.zeros((3, 2)), "Y_test": [[0, 1.0]]}, ShapeError,
     ["X_test", "(3, 2)"]),
    ({"X": np.zeros((2, 4)), "Y": [[0, 1, 1, 0.0]], "X_test": np.zeros((2, 0)), "Y_test": np.zeros((1, 0))},
     ValueError, ["X_test has no examples"]),
    ({"X": np.zeros((2, 4)), "Y": [[0, 1, 1, 0.0]], "X_test": np.zeros((2, 2))}, ValueError, ["only one of"]),
    ({"features": np.zeros((2, 4))}, ValueError, ["must hold arrays 'X'", "features"]),
    ({"X": np.array([["a", "b"]]), "Y": [[0, 1.0]]}, ValueError, ["'X' is not numeric"]),
])
def test_data_file_errors_name_the_file(tmp_path, arrays, exc, words):
    path = write_npz(tmp_path / "bad_file.npz", **arrays)
    with pytest.raises(exc) as e:
        load_data_file(path)
    for w in ["bad_file.npz", *words]:
        assert w in str(e.value), (w, str(e.value))


def test_data_file_missing_folder_suffix_and_not_npz(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data file '.*nope\.npz' does not exist"):
        load_data_file(tmp_path / "nope.npz")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        load_data_file(tmp_path)
    (tmp_path / "d.txt").write_text("1,2,0\n")
    with pytest.raises(ValueError, match=r"'.*d\.txt': expected a \.npz or a \.csv file"):
        load_data_file(tmp_path / "d.txt")
    (tmp_path / "junk.npz").write_text("x")
    with pytest.raises(ValueError, match=r"'.*junk\.npz' is not a \.npz file"):
        load_data_file(tmp_path / "junk.npz")
    np.savez(tmp_path / "pickled.npz", X=np.array([{"a": 1}], dtype=object), Y=[[0.0]])
    with pytest.raises(ValueError, match="readable without pickle"):  # nothing is unpickled
        load_data_file(tmp_path / "pickled.npz")


def test_load_data_takes_a_name_a_file_or_the_cat_files(tmp_path):
    d = load_data("Parity")  # a name, in any case; parity gets n_bits=4 unless given
    assert d.n_x == 4 and d.m_train + d.m_test == 16
    assert load_data("parity", [("n_bits", 3)]).n_x == 3
    X, Y = make_xor(m=20, seed=1)
    path = write_npz(tmp_path / "d.npz", X=X, Y=Y)
    np.testing.assert_array_equal(load_data(str(path), split_seed=2).X_test, load_data_file(path, 2).X_test)
    with pytest.raises(ValueError, match=r"unknown dataset 'iris'.*breast_cancer.*TRAIN\.h5,TEST\.h5"):
        load_data("iris")
    with pytest.raises(ValueError, match=r"needs both files.*TRAIN\.h5,TEST\.h5"):
        load_data("train.h5")
    with pytest.raises(ValueError, match=r"options \['n_bits'\] apply to the named data sets"):
        load_data(str(path), [("n_bits", 3)])
    with pytest.raises(TypeError, match="n_bit"):
        load_data("parity", [("n_bit", 3)])


def test_dataset_ref_keeps_names_and_makes_paths_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dataset_ref("flower") == "flower" and dataset_ref("Breast-Cancer") == "Breast-Cancer"
    assert dataset_ref("d.npz") == str(tmp_path / "d.npz")
    assert dataset_ref("a.h5, b.h5") == f"{tmp_path / 'a.h5'},{tmp_path / 'b.h5'}"


# ============================================================================ networks with their sidecar


def test_network_round_trip_with_its_sidecar(tmp_path):
    net = DeepNetwork([3, 4, 2, 1], hidden_activation="tanh", seed=0)
    written = save_network(tmp_path / "sub" / "p.npz", net, {"dataset": "xor", "activations": list(net.activations)})
    assert written == [tmp_path / "sub" / "p.npz", sidecar_path(tmp_path / "sub" / "p.npz")]
    assert written[1].name == "p.json"
    loaded, meta = load_network(written[0])
    assert loaded.activations == ("tanh", "tanh", "sigmoid") and meta["layer_dims"] == [3, 4, 2, 1]
    assert meta["dataset"] == "xor"
    for k, v in net.to_parameters().items():
        np.testing.assert_array_equal(loaded.to_parameters()[k], v)
    relu, meta = load_network(written[0], activations=["relu", "relu", "sigmoid"])  # given beats the sidecar
    assert relu.activations == ("relu", "relu", "sigmoid") and meta["activations"] == ["relu", "relu", "sigmoid"]
    written[1].unlink()  # no sidecar: the course's relu hidden layers and sigmoid output
    assert load_network(written[0])[0].activations == ("relu", "relu", "sigmoid")


def test_network_files_errors(tmp_path):
    net = DeepNetwork([2, 1], seed=0)
    with pytest.raises(ValueError, match=r"must end in \.npz"):
        save_network(tmp_path / "p.json", net, {})
    path = save_network(tmp_path / "p.npz", net, {})[0]
    sidecar_path(path).write_text("{not json")
    with pytest.raises(ValueError, match=r"p\.json' is not valid JSON"):
        load_network(path)
    sidecar_path(path).write_text('{"activations": ["relu", "sigmoid"]}')
    with pytest.raises(ValueError, match=r"one activation per layer, L = 1"):
        load_network(path)
    save_parameters(tmp_path / "q.npz", {"W1": np.ones((1, 2)), "b1": np.ones((2, 1))})
    with pytest.raises(ShapeError, match=r"q\.npz'.*b1 must be \(n\[1\], 1\)"):
        load_network(tmp_path / "q.npz")
