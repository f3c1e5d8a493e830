"""tinygrad_edu.check: the autograd-vs-manual report, the diagnosis of a learner's wrong backward
pass (each classic mistake injected into a copy of model_backward), gradcheck, dimension_table."""

import copy
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor, manual
from tinygrad_edu.check import (
    CONVENTION,
    compare_gradients,
    dimension_table,
    gradcheck,
    gradcheck_parameters,
)
from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy


def data(dims, m, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.randn(dims[0], m)
    Y = (rs.rand(dims[-1], m) > 0.5).astype(float)
    return X, Y


# ----------------------------------------------------------------------------- a learner's buggy model_backward


def buggy_backward(mistake):
    """A copy of the course's model_backward, written out, with ``mistake`` injected."""

    def activation_backward(dA, Z, act):
        if mistake == "relu_sigmoid_swapped":
            act = {"relu": "sigmoid", "sigmoid": "relu"}[act]
        if act == "relu":
            dZ = np.array(dA, copy=True)
            dZ[Z <= 0] = 0
            return dZ
        s = 1 / (1 + np.exp(-Z))
        return dA * s * (1 - s)

    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        m = A_prev.shape[1]
        dW = 1 / m * dZ @ A_prev.T
        db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
        dA_prev = W.T @ dZ
        if mistake == "missing_1/m":
            dW = dZ @ A_prev.T
            db = np.sum(dZ, axis=1, keepdims=True)
        elif mistake == "extra_1/m":
            dA_prev = 1 / m * W.T @ dZ
        elif mistake == "wrong_sign_dW":
            dW = -dW
        elif mistake == "transposed_dW":
            dW = 1 / m * A_prev @ dZ.T
        elif mistake == "db_axis":
            db = 1 / m * np.sum(dZ, axis=0, keepdims=True)
        elif mistake == "db_keepdims":
            db = 1 / m * np.sum(dZ, axis=1)
        return dA_prev, dW, db

    def model_backward(AL, Y, caches):
        grads = {}
        L = len(caches)
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        if mistake == "wrong_sign_dAL":
            dAL = -dAL
        linear_cache, Z = caches[L - 1]
        dZ = activation_backward(dAL, Z, "sigmoid")
        grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZ, linear_cache)
        for l in reversed(range(L - 1)):
            current_cache = caches[l + 1] if mistake == "cache_off_by_one" else caches[l]
            linear_cache, Z = current_cache
            dZ = activation_backward(grads[f"dA{l + 1}"], Z, "relu")
            grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = linear_backward(dZ, linear_cache)
        return grads

    return model_backward


def test_the_correct_copy_passes():
    dims = [4, 5, 3, 1]
    params = manual.initialize_parameters_deep(dims, seed=1)
    X, Y = data(dims, 8)
    report = compare_gradients(params, X, Y, backward=buggy_backward(None))
    assert report.ok and report.diagnosis is None and report.findings == []
    assert report.against == "your backward"
    # dZ rows are not compared (model_backward does not return dZ); all others are
    assert {r.ok for r in report.rows if r.kind == "dZ"} == {None}
    assert all(r.ok for r in report.rows if r.kind != "dZ")


# (mistake, layer_dims, expected finding kind, the layers it must be found in, words of the right equation)
MISTAKES = [
    ("missing_1/m", [4, 5, 3, 1], "missing_1_over_m", {3, 2, 1}, "(1/m) dZ"),
    ("extra_1/m", [4, 5, 3, 1], "extra_1_over_m", {3, 2, 1}, "W[3]^T dZ[3]"),
    ("wrong_sign_dW", [4, 5, 3, 1], "dW_sign", {3, 2, 1}, "dW[3] = (1/m) dZ[3] A[2]^T"),
    ("wrong_sign_dAL", [4, 5, 3, 1], "dAL_sign", {3}, "dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))"),
    ("transposed_dW", [4, 5, 3, 1], "dW_transposed", {3, 2, 1}, "W[3]'s shape (n[3], n[2])"),
    ("db_axis", [4, 5, 3, 1], "db_wrong_axis", {3, 2, 1}, "axis=1, keepdims=True"),
    ("db_keepdims", [4, 5, 3, 1], "db_no_keepdims", {3, 2, 1}, "axis=1, keepdims=True"),
    ("relu_sigmoid_swapped", [4, 5, 3, 1], "activation_swapped", {3, 2, 1}, "g[3] = sigmoid"),
    # equal widths, n[L] = 4 as well, so that the wrong cache still fits and nothing raises
    ("cache_off_by_one", [3, 4, 4, 4], "cache_off_by_one", {2, 1}, "caches[l-1]"),
]


@pytest.mark.parametrize("mistake,dims,kind,layers,equation", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_classic_mistake_is_detected_and_named(mistake, dims, kind, layers, equation):
    params = manual.initialize_parameters_deep(dims, seed=5)
    X, Y = data(dims, 7, seed=4)
    # seed 5: Z[L] has positive and negative entries, so relu'(Z[L]) does not zero everything
    AL, caches = manual.model_forward(X, params)
    assert 0 < np.mean(caches[-1][1] > 0) < 1
    before = copy.deepcopy((params, X, Y))
    report = compare_gradients(params, X, Y, backward=buggy_backward(mistake))
    assert not report.ok
    L = len(dims) - 1
    assert report.first_bad_layer == max(layers) if mistake != "cache_off_by_one" else L - 1
    found = {f.layer for f in report.findings if f.kind == kind}
    assert found == layers, [str(f) for f in report.findings]
    # nothing else is blamed
    assert {f.kind for f in report.findings} == {kind}
    text = report.diagnosis
    assert f"Layer {report.first_bad_layer} is the first layer that disagrees" in text
    assert equation in text
    assert "WRONG" in str(report)
    # nothing passed in was changed
    for a, b in zip(before[0].values(), params.values()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(before[1], X)
    np.testing.assert_array_equal(before[2], Y)


def test_wrong_sign_in_dAL_is_blamed_on_dAL_not_on_each_quantity():
    dims = [4, 5, 3, 1]
    params = manual.initialize_parameters_deep(dims, seed=3)
    X, Y = data(dims, 7)
    report = compare_gradients(params, X, Y, backward=buggy_backward("wrong_sign_dAL"))
    (f,) = report.findings
    assert f.quantity == "dZ[3]" and "dA[L] has the wrong sign" in f.message
    # every layer disagrees (the sign propagates) but only layer 3's box is at fault
    assert {r.layer for r in report.rows if r.ok is False} == {1, 2, 3}


def test_a_backward_that_raises_is_reported_with_the_cache_it_read():
    """caches[l + 1] with n[L] != n[L-1]: the learner's own code fails; the order in which it read
    the caches still shows the off-by-one."""
    dims = [4, 5, 3, 1]
    params = manual.initialize_parameters_deep(dims, seed=3)
    X, Y = data(dims, 7)
    report = compare_gradients(params, X, Y, backward=buggy_backward("cache_off_by_one"))
    assert not report.ok
    assert report.error is not None and report.error.startswith("IndexError")
    assert "Your backward raised IndexError" in report.diagnosis
    assert {r.note for r in report.rows if r.kind != "dZ"} == {"your backward raised"}
    (f,) = report.findings
    assert (f.kind, f.layer) == ("cache_off_by_one", 2)
    assert "read caches[2]" in f.message and "instead of caches[1]" in f.message


def test_the_errata_of_the_summary_slide_and_a_wrongly_shaped_dW():
    """The source text's typos (docs/lecture.md, errata): dW[L] = (1/m) dZ[L] A[L]^T and dA[l-1] = W[l]^T Z[l];
    and a dW of an unrelated wrong shape."""
    dims = [4, 5, 3, 1]
    params = manual.initialize_parameters_deep(dims, seed=5)
    X, Y = data(dims, 7, seed=4)
    m = 7

    def errata(AL, Y, caches):
        g = manual.model_backward(AL, Y, caches)
        (A2, W3, b3), Z3 = caches[2]
        g["dW3"] = (AL - Y) @ AL.T / m  # A[L]^T instead of A[L-1]^T: shape (1, 1) instead of (1, 3)
        g["dA2"] = W3.T @ Z3  # Z instead of dZ
        g["dW1"] = g["dW1"][:, :2]
        return g

    report = compare_gradients(params, X, Y, backward=errata)
    kinds = {(f.kind, f.quantity) for f in report.findings}
    # layer 2 is right for the dA[2] it should have had (this learner fixed dA[2] after using it)
    assert kinds == {("dW_uses_A_l", "dW[3]"), ("dA_uses_Z", "dA[2]"), ("dW_shape", "dW[1]")}
    text = report.diagnosis
    assert "dW[3] used A[3] instead of A[2]" in text and "dW[1] has shape (5, 2) but must have shape (5, 4)" in text
    assert "dA[2] = W[3]^T dZ[3]" in text


def test_a_missing_key_and_an_unknown_mistake_are_reported():
    dims = [3, 4, 1]
    params = manual.initialize_parameters_deep(dims, seed=0)
    X, Y = data(dims, 5)

    def forgets_db1(AL, Y, caches):
        g = manual.model_backward(AL, Y, caches)
        del g["db1"]
        return g

    report = compare_gradients(params, X, Y, backward=forgets_db1)
    assert [(f.kind, f.quantity) for f in report.findings] == [("missing_key", "db[1]")]

    def noisy(AL, Y, caches):
        g = manual.model_backward(AL, Y, caches)
        g["dW2"] = g["dW2"] + np.arange(g["dW2"].size).reshape(g["dW2"].shape) * 1e-3
        return g

    report = compare_gradients(params, X, Y, backward=noisy)
    assert [(f.kind, f.layer) for f in report.findings] == [("wrong_values", 2)]
    assert "dW[2] = (1/m) dZ[2] A[1]^T" in report.diagnosis


def test_a_scaled_gradient_is_reported_with_its_factor():
    dims = [3, 4, 1]
    params = manual.initialize_parameters_deep(dims, seed=0)
    X, Y = data(dims, 5)

    def halves_db2(AL, Y, caches):
        g = manual.model_backward(AL, Y, caches)
        g["db2"] = g["db2"] / 2
        return g

    (f,) = compare_gradients(params, X, Y, backward=halves_db2).findings
    assert f.kind == "scaled" and "0.5 times" in f.message


# ----------------------------------------------------------------------------- the report itself


def test_report_against_the_equations_for_a_dict_and_a_network():
    dims = [5, 4, 3, 2]
    X, Y = data(dims, 9)
    params = manual.initialize_parameters_deep(dims, init="xavier", seed=2)
    report = compare_gradients(params, X, Y)
    assert report.ok and report.diagnosis is None and report.m == 9
    assert [r.quantity for r in report.rows[:4]] == ["dZ[3]", "dA[2]", "dW[3]", "db[3]"]
    assert len(report.rows) == 4 * 3
    shapes = {r.quantity: r.shape for r in report.rows}
    assert shapes["dW[1]"] == (4, 5) and shapes["db[2]"] == (3, 1) and shapes["dA[0]"] == (5, 9)
    assert all(r.max_abs_diff < 1e-14 for r in report.rows)
    text = str(report)
    assert CONVENTION in text and "m * dJ/dZ[l]" in text and "All gradients agree." in text
    for r in report.rows:
        assert r.quantity in text

    net = DeepNetwork(dims, init="xavier", seed=2)
    report2 = compare_gradients(net, X, Y)
    assert report2.ok
    for r1, r2 in zip(report.rows, report2.rows):
        assert (r1.quantity, r1.shape) == (r2.quantity, r2.shape)


def test_the_convention_is_applied_dz_is_m_times_autograds():
    """An independent check of the convention: the dZ[L] row is A[L] - Y (no 1/m) while autograd's
    Z[L].grad is (A[L] - Y)/m."""
    dims = [2, 3, 1]
    X, Y = data(dims, 6)
    net = DeepNetwork(dims, seed=5)
    AL, cache = net.forward_cache(X)
    binary_cross_entropy(AL, Y).backward()
    np.testing.assert_allclose(cache["Z[2]"].grad * 6, AL.data - Y, rtol=1e-14)
    report = compare_gradients(net, X, Y)
    assert report.ok  # would fail if the dZ rows compared autograd's dJ/dZ without the factor m


def test_a_saturated_output_is_explained():
    params = {"W1": np.array([[40.0, 0.0]]), "b1": np.zeros((1, 1))}
    X = np.array([[1.0, -0.5], [0.0, 0.0]])  # Z[1] = 40: A[1] rounds to 1.0
    Y = np.array([[0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no numpy warning escapes
        report = compare_gradients(params, X, Y)
    assert not report.ok
    assert "A[L] rounds to exactly 0 or 1" in report.diagnosis and "fused dZ[L] = A[L] - Y" in report.diagnosis


def test_other_activations_use_the_generalised_equations():
    dims = [3, 4, 4, 1]
    X, Y = data(dims, 6)
    net = DeepNetwork(dims, activations=["tanh", "linear", "sigmoid"], seed=1)
    assert compare_gradients(net, X, Y).ok
    with pytest.raises(ValueError, match="follows the course"):
        compare_gradients(net, X, Y, backward=manual.model_backward)
    with pytest.raises(ValueError, match="needs a sigmoid output"):
        compare_gradients(DeepNetwork(dims, output_activation="linear", seed=1), X, Y)


def test_bad_input_raises_clear_errors_and_changes_nothing():
    dims = [3, 4, 1]
    params = manual.initialize_parameters_deep(dims, seed=0)
    X, Y = data(dims, 5)
    saved = copy.deepcopy(params)
    with pytest.raises(ValueError, match=r"Y must be \(n\[L\], m\) = \(1, 5\).*got shape \(1, 4\)"):
        compare_gradients(params, X, Y[:, :4])
    with pytest.raises(ValueError, match=r"pass X\.T"):
        compare_gradients(params, X.T, Y)
    with pytest.raises(ValueError, match=r"labels in \[0, 1\].*2\.0"):
        compare_gradients(params, X, Y * 2 + 0.0 * Y + (Y == 0))  # values 1 and 2
    broken = dict(params)
    del broken["b2"]
    with pytest.raises(ValueError, match="missing 'b2'"):
        compare_gradients(broken, X, Y)
    wrong = dict(params, W2=np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"W2 has shape \(1, 3\) but must be \(n\[2\], n\[1\]\) = \(n\[2\], 4\)"):
        compare_gradients(wrong, X, Y)
    with pytest.raises(TypeError, match="course-style dict"):
        compare_gradients([params["W1"]], X, Y)
    with pytest.raises(ValueError, match=r"X has no examples.*\(3, 0\), m = 0"):  # not a 0/0 = NaN verdict
        compare_gradients(params, X[:, :0], Y[:, :0])
    for k in params:
        np.testing.assert_array_equal(params[k], saved[k])


def test_the_learner_gets_copies():
    dims = [3, 4, 1]
    params = manual.initialize_parameters_deep(dims, seed=0)
    X, Y = data(dims, 5)
    saved = copy.deepcopy((params, X, Y))

    def vandal(AL, Y, caches):
        grads = manual.model_backward(AL, Y, caches)
        for (A_prev, W, _b), Z in caches:
            A_prev[...] = 0
            W[...] = 0
            Z[...] = 0
        Y[...] = 7
        return grads

    assert compare_gradients(params, X, Y, backward=vandal).ok
    for k in params:
        np.testing.assert_array_equal(params[k], saved[0][k])
    np.testing.assert_array_equal(X, saved[1])
    np.testing.assert_array_equal(Y, saved[2])


# ----------------------------------------------------------------------------- gradcheck


def smooth_net(dims=(3, 4, 1), seed=0):
    """tanh hidden layers: no kinks, so centred differences are accurate everywhere."""
    return DeepNetwork(list(dims), hidden_activation="tanh", seed=seed)


def test_gradcheck_accepts_autograd_and_restores_everything():
    net = smooth_net()
    X, Y = data([3, 4, 1], 6)
    W1 = net.layers[0].W
    before_data, before_values = W1.data, W1.data.copy()
    result = gradcheck(lambda: binary_cross_entropy(net(X), Y), net)
    assert result.ok and result.difference < 1e-7
    assert result.n_checked == 3 * 4 + 4 + 4 + 1
    assert W1.data is before_data
    np.testing.assert_array_equal(W1.data, before_values)
    assert W1.grad is None  # it had no grad before, and has none after
    assert "relative error" in str(result) and "ε = 1e-07" in str(result)


def test_gradcheck_finds_a_wrong_entry_and_lists_it_first():
    net = smooth_net()
    X, Y = data([3, 4, 1], 6)
    J = binary_cross_entropy(net(X), Y)
    J.backward()
    grads = {name: p.grad.copy() for name, p in net.named_parameters()}
    grads["W[1]"][2, 1] += 0.05
    result = gradcheck(lambda: binary_cross_entropy(net(X), Y), net, grads=grads, worst=3)
    assert not result.ok and result.difference > 1e-3
    assert len(result.worst) == 3
    top = result.worst[0]
    assert (top.name, top.index) == ("W[1]", (2, 1))
    assert top.abs_diff == pytest.approx(0.05, rel=1e-5)
    assert "W[1][2, 1]" in str(result)


def test_gradcheck_relative_error_formula():
    """J = sum(w^2): the gradient is 2w; give g = 2w * 1.1, then ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) = 0.1/2.1."""
    w = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True, name="w")
    result = gradcheck(lambda: (w * w).sum(), [w], grads={"w": 2.2 * w.data})
    assert result.difference == pytest.approx(0.1 / 2.1, rel=1e-6)


def test_gradcheck_warns_for_float32():
    w = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True, name="w")
    with pytest.warns(UserWarning, match="float32"):
        result = gradcheck(lambda: (w * w).sum(), [w])
    assert result.warnings and "float32" in str(result)


def test_gradcheck_parameters_course_style():
    dims = [3, 4, 1]
    params = manual.initialize_parameters_deep(dims, seed=0)
    params["b1"] = params["b1"] + 0.5  # move Z[1] away from relu's kink
    X, Y = data(dims, 6)
    saved = copy.deepcopy(params)
    assert gradcheck_parameters(params, X, Y).difference < 1e-7
    AL, caches = manual.model_forward(X, params)
    grads = manual.model_backward(AL, Y, caches)
    grads = dict(grads, db2=grads["db2"] * 3)
    result = gradcheck_parameters(params, X, Y, grads)
    assert not result.ok and result.worst[0].name == "b2"
    for k in params:
        np.testing.assert_array_equal(params[k], saved[k])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="float32"):
            gradcheck_parameters({k: v.astype(np.float32) for k, v in params.items()}, X, Y)


# ----------------------------------------------------------------------------- dimension_table


def test_dimension_table_symbolic_and_numeric():
    t = dimension_table([3, 5, 5, 3, 1])
    assert t.m == "m"
    assert t.rows[0] == {"l": 0, "n": 3, "W": None, "b": None, "Z": None, "A": (3, "m")}
    assert t.rows[1]["W"] == (5, 3) and t.rows[1]["b"] == (5, 1) and t.rows[1]["Z"] == (5, "m")
    assert t.rows[4]["W"] == (1, 3) and t.rows[4]["A"] == (1, "m")
    text = str(t)
    assert "(5, 3)" in text and "(3, m)" in text and "dW[l]" in text and "L = 4" in text
    t10 = dimension_table([3, 5, 5, 3, 1], m=10)
    assert t10.rows[2]["Z"] == (5, 10) and "(1, 10)" in str(t10)
    # the table agrees with the arrays a network actually has
    net = DeepNetwork([3, 5, 5, 3, 1], seed=0)
    AL, cache = net.forward_cache(np.zeros((3, 10)))
    for l in range(1, 5):
        assert net.layers[l - 1].W.shape == t10.rows[l]["W"]
        assert cache[f"Z[{l}]"].shape == t10.rows[l]["Z"]


@pytest.mark.parametrize("bad", [[3], [3, 0, 1], [3, 2.5, 1], "35", None])
def test_dimension_table_rejects_bad_layer_dims(bad):
    with pytest.raises(ValueError, match=r"layer_dims must be a list \[n\[0\], n\[1\], \.\.\., n\[L\]\]"):
        dimension_table(bad)
    with pytest.raises(ValueError, match="m"):
        dimension_table([2, 1], m=0)


@settings(max_examples=100, deadline=None)
@given(
    L=st.integers(1, 4),
    widths=st.lists(st.integers(1, 8), min_size=5, max_size=5),
    m=st.integers(1, 20),
    seed=st.integers(0, 10_000),
    mistake=st.sampled_from([m[0] for m in MISTAKES]),
)
def test_whenever_a_mistake_shows_it_is_named(L, widths, m, seed, mistake):
    """On random networks: if the injected mistake changes anything, the report is not ok and the
    mistake is among the findings (a mistake can be invisible: no 1/m error with m = 1, no
    transposition of a 1x1 dW, no relu/sigmoid swap where every unit is dead)."""
    dims = widths[: L + 1]
    kind = {m_[0]: m_[2] for m_ in MISTAKES}[mistake]
    params = manual.initialize_parameters_deep(dims, seed=seed)
    X, Y = data(dims, m, seed=seed + 1)
    AL, caches = manual.model_forward(X, params)
    if np.any(AL == 1.0) or np.any(AL == 0.0):
        return  # the course's dA[L] divides by A[L] and 1 - A[L]
    right = manual.model_backward(AL, Y, caches)
    try:
        wrong = buggy_backward(mistake)(AL.copy(), Y.copy(), copy.deepcopy(caches))
        differs = any(
            np.shape(wrong[k]) != np.shape(right[k]) or not np.allclose(wrong[k], right[k], rtol=1e-9, atol=1e-12)
            for k in right
        )
    except (IndexError, ValueError):
        differs = True
    report = compare_gradients(params, X, Y, backward=buggy_backward(mistake))
    if not differs:
        assert report.ok
        return
    assert not report.ok
    assert kind in {f.kind for f in report.findings}, report.diagnosis


# ----------------------------------------------------------------------------- every row of the MISTAKES table


def _layer2(mutate):
    """A learner's model_backward for layer_dims [4, 5, 3, 1]: the course's, with layer 2's box
    (dW2, db2, dA1) replaced by ``mutate(dZ2, A1, W2, Z2, m)``, which returns some of them."""

    def backward(AL, Y, caches):
        grads = manual.model_backward(AL, Y, caches, keep_dZ=True)
        (A1, W2, _b2), Z2 = caches[1]
        grads.update(mutate(grads.pop("dZ2"), A1, W2, Z2, Y.shape[1]))
        for k in [k for k in grads if k.startswith("dZ") or k == "dA3"]:
            del grads[k]
        return grads

    return backward


def _reads_wrong_cache(AL, Y, caches):
    """Layer 3's step reads caches[0] (layer 1's, two away): the shapes do not fit and it raises."""
    linear_cache, Z = caches[0]
    return manual.linear_backward(AL - Y, linear_cache)


# (code, target) of MISTAKES -> a learner's backward with that mistake (layer 2 unless said otherwise)
MISTAKE_ROWS = {
    ("activation_swapped", "dZ"): buggy_backward("relu_sigmoid_swapped"),
    ("cache_off_by_one", "dZ"): None,  # tested above, on equal widths (test_each_classic_mistake...)
    ("dZ_sign", "dZ"): _layer2(lambda dZ, A1, W2, Z2, m: dict(zip(("dA1", "dW2", "db2"),
                                                           manual.linear_backward(-dZ, (A1, W2, None))))),
    ("extra_1_over_m", "dZ"): _layer2(lambda dZ, A1, W2, Z2, m: dict(zip(("dA1", "dW2", "db2"),
                                                                  manual.linear_backward(dZ / m, (A1, W2, None))))),
    ("missing_1_over_m", "dW"): _layer2(lambda dZ, A1, W2, Z2, m: {"dW2": dZ @ A1.T}),
    ("extra_1_over_m", "dW"): _layer2(lambda dZ, A1, W2, Z2, m: {"dW2": dZ @ A1.T / m / m}),
    ("dW_sign", "dW"): buggy_backward("wrong_sign_dW"),
    ("dW_transposed", "dW"): buggy_backward("transposed_dW"),
    ("dW_uses_A_l", "dW"): _layer2(lambda dZ, A1, W2, Z2, m: {"dW2": dZ @ np.maximum(Z2, 0).T / m}),
    ("missing_1_over_m", "db"): _layer2(lambda dZ, A1, W2, Z2, m: {"db2": np.sum(dZ, axis=1, keepdims=True)}),
    ("extra_1_over_m", "db"): _layer2(lambda dZ, A1, W2, Z2, m: {"db2": np.sum(dZ, axis=1, keepdims=True) / m / m}),
    ("db_sign", "db"): _layer2(lambda dZ, A1, W2, Z2, m: {"db2": -np.sum(dZ, axis=1, keepdims=True) / m}),
    ("db_no_keepdims", "db"): buggy_backward("db_keepdims"),
    ("db_wrong_axis", "db"): buggy_backward("db_axis"),
    ("extra_1_over_m", "dA"): buggy_backward("extra_1/m"),
    ("dA_sign", "dA"): _layer2(lambda dZ, A1, W2, Z2, m: {"dA1": -(W2.T @ dZ)}),
    ("dA_uses_Z", "dA"): _layer2(lambda dZ, A1, W2, Z2, m: {"dA1": W2.T @ Z2}),
    ("dA_no_transpose", "dA"): None,  # needs a square W: below
    ("missing_key", "any"): None,  # test_a_missing_key_and_an_unknown_mistake_are_reported
    ("dW_shape", "dW"): _layer2(lambda dZ, A1, W2, Z2, m: {"dW2": (dZ @ A1.T / m)[:, :2]}),
    ("db_shape", "db"): _layer2(lambda dZ, A1, W2, Z2, m: {"db2": np.zeros((2, 1))}),
    ("dA_shape", "dA"): _layer2(lambda dZ, A1, W2, Z2, m: {"dA1": (W2.T @ dZ)[:, :2]}),
    ("scaled", "any"): _layer2(lambda dZ, A1, W2, Z2, m: {"dW2": 0.25 * dZ @ A1.T / m}),
    ("wrong_values", "any"): _layer2(lambda dZ, A1, W2, Z2, m: {"dW2": dZ @ A1.T / m + 0.01}),
    ("wrong_cache", "any"): _reads_wrong_cache,
}


def test_every_row_of_the_mistakes_table_has_a_test_row():
    from tinygrad_edu.check import MISTAKES

    assert {(mk.code, mk.target) for mk in MISTAKES} == set(MISTAKE_ROWS)
    for mk in MISTAKES:  # and says what it is, how it reads, and the right equation
        assert mk.what and mk.sentence and mk.equation


@pytest.mark.parametrize("row", [r for r, fn in MISTAKE_ROWS.items() if fn is not None], ids=lambda r: "-".join(r))
def test_every_row_of_the_mistakes_table_is_recognised(row):
    code, target = row
    dims = [4, 5, 3, 1]
    params = manual.initialize_parameters_deep(dims, seed=5)
    X, Y = data(dims, 7, seed=4)
    report = compare_gradients(params, X, Y, backward=MISTAKE_ROWS[row])
    assert not report.ok
    found = [f for f in report.findings if f.kind == code]
    assert found, report.diagnosis
    f = found[0]
    if target in ("dW", "db", "dA"):
        assert f.quantity.startswith(target) and f.equation.startswith(target)
    assert "{" not in f.message and "{" not in f.equation  # every template field was filled in
    assert f.message in report.diagnosis and f.equation in report.diagnosis


def test_dA_used_without_the_transpose_is_named():
    dims = [3, 4, 4, 1]  # W[2] is square, so W[2] dZ[2] has dA[1]'s shape
    params = manual.initialize_parameters_deep(dims, seed=2)
    X, Y = data(dims, 6, seed=1)

    def no_transpose(AL, Y, caches):
        g = manual.model_backward(AL, Y, caches, keep_dZ=True)
        (_A1, W2, _b), _Z = caches[1]
        g["dA1"] = W2 @ g["dZ2"]
        return {k: v for k, v in g.items() if not k.startswith("dZ") and k != "dA3"}

    (f,) = [f for f in compare_gradients(params, X, Y, backward=no_transpose).findings if f.layer == 2]
    assert (f.kind, f.quantity) == ("dA_no_transpose", "dA[1]") and "W[2]^T" in f.message
