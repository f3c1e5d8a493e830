"""explain(J): the backward pass as the lecture's equations (names given or inferred), op by op for
other graphs, and every printed equation checked against the engine's gradients; each op's
symbolic rule against its numeric backward."""

import re

import numpy as np
import pytest

from tinygrad_edu import Tensor, concatenate, explain, maximum, minimum, nn, where
from tinygrad_edu.cli import main
from tinygrad_edu.ops import categorical_cross_entropy, cross_entropy
from tinygrad_edu.tensor import Function

README_LINES = [
    "dZ[2] = A[2] - Y",
    "dW[2] = (1/m) dZ[2] A[1]^T",
    "db[2] = (1/m) sum(dZ[2], axis=1, keepdims=True)",
    "dA[1] = W[2]^T dZ[2]",
    "dZ[1] = dA[1] * relu'(Z[1])",
    "dW[1] = (1/m) dZ[1] A[0]^T",
    "db[1] = (1/m) sum(dZ[1], axis=1, keepdims=True)",
]
HAND_WRITTEN_START = ["dA[2] = -(Y / A[2] - (1 - Y) / (1 - A[2]))", "dZ[2] = dA[2] * sigmoid'(Z[2])"]


def equations(e):
    """The equation lines of an explanation (after the header, before any note)."""
    text = str(e).split("\n\n")
    return [" ".join(line.split()) for line in text[1].splitlines()]


def readme_network(named, hand_written=False, dtype=np.float64, x_grad=False):
    """The README's two-layer network as tensor expressions (relu hidden layer, sigmoid output)."""
    rs = np.random.RandomState(1)
    X = Tensor(rs.randn(3, 4), dtype=dtype, requires_grad=x_grad, name="A[0]" if named else None)
    Y = (rs.rand(1, 4) > 0.5).astype(dtype)
    name = (lambda n: n) if named else (lambda n: None)
    W1 = Tensor(rs.randn(5, 3) * 0.5, dtype=dtype, requires_grad=True, name=name("W[1]"))
    b1 = Tensor(rs.randn(5, 1) * 0.1, dtype=dtype, requires_grad=True, name=name("b[1]"))
    W2 = Tensor(rs.randn(1, 5) * 0.5, dtype=dtype, requires_grad=True, name=name("W[2]"))
    b2 = Tensor(rs.randn(1, 1) * 0.1, dtype=dtype, requires_grad=True, name=name("b[2]"))
    A1 = (W1 @ X + b1).relu()
    A2 = (W2 @ A1 + b2).sigmoid()
    if hand_written:
        m = X.shape[1]
        J = -(Tensor(Y) * A2.log() + (1 - Tensor(Y)) * (1 - A2).log()).sum() / m
    else:
        J = nn.binary_cross_entropy(A2, Y)
    return J, (W1, b1, W2, b2)


@pytest.mark.parametrize("named", [True, False], ids=["names given", "names inferred"])
def test_the_readme_network_gives_the_lectures_equations(named):
    J, params = readme_network(named)
    e = explain(J)
    assert e.level == "lecture" and equations(e) == README_LINES
    assert "m times autograd's dJ/dZ[l]" in str(e)
    assert e.check().worst <= 1e-12
    assert [s.ops for s in e.steps][:2] == [("cross_entropy fused with sigmoid",), ("matmul",)]
    assert all(p.grad is None for p in params)  # explaining ran no backward() of the user's


@pytest.mark.parametrize("named", [True, False], ids=["names given", "names inferred"])
def test_a_hand_written_cost_shows_the_two_steps_the_engine_really_ran(named):
    J, _ = readme_network(named, hand_written=True)
    e = explain(J)
    assert equations(e) == HAND_WRITTEN_START + README_LINES[1:]
    assert "dZ[2] simplifies to A[2] - Y" in str(e)
    assert e.check().worst <= 1e-12


def test_expand_writes_the_derivatives_out_as_the_lecture_does():
    J, _ = readme_network(True, hand_written=True)
    lines = equations(explain(J, expand=True))
    assert "dZ[2] = dA[2] * A[2] * (1 - A[2])" in lines and "dZ[1] = dA[1] * (Z[1] > 0)" in lines
    net = nn.DeepNetwork([3, 4, 1], hidden_activation="tanh", seed=0)
    J = nn.binary_cross_entropy(net(np.ones((3, 2))), np.ones((1, 2)))
    e = explain(J, expand=True)
    assert "dZ[1] = dA[1] * (1 - A[1]^2)" in equations(e) and e.check().worst <= 1e-12


def test_a_3_layer_tanh_sigmoid_network():
    net = nn.DeepNetwork([4, 3, 2, 1], hidden_activation="tanh", seed=3)
    rs = np.random.RandomState(2)
    J = nn.binary_cross_entropy(net(rs.randn(4, 6)), (rs.rand(1, 6) > 0.5).astype(float))
    e = explain(J)
    lines = equations(e)
    assert lines[0] == "dZ[3] = A[3] - Y" and "dZ[2] = dA[2] * tanh'(Z[2])" in lines
    assert "dZ[1] = dA[1] * tanh'(Z[1])" in lines and len(lines) == 3 * 4 - 1  # no dA[0]
    assert e.check().worst <= 1e-12


def test_deep_network_and_tensor_expressions_give_the_same_text():
    dims = [4, 5, 4, 3, 3, 1]
    net = nn.DeepNetwork(dims, seed=2)
    rs = np.random.RandomState(5)
    X, Y = rs.randn(4, 7), (rs.rand(1, 7) > 0.5).astype(float)
    A = Tensor(X)
    for i, layer in enumerate(net.layers):
        Z = Tensor(layer.W.data, requires_grad=True) @ A + Tensor(layer.b.data, requires_grad=True)
        A = Z.sigmoid() if i == len(net.layers) - 1 else Z.relu()
    by_net, by_hand = explain(nn.binary_cross_entropy(net(X), Y)), explain(nn.binary_cross_entropy(A, Y))
    assert str(by_net) == str(by_hand) and by_net.level == "lecture"
    assert len(by_net.steps) == 5 * 4 - 1 and by_net.check().worst <= 1e-12


def test_dA0_only_when_X_requires_grad():
    J, _ = readme_network(True, x_grad=True)
    lines = equations(explain(J))
    assert lines[-1] == "dA[0] = W[1]^T dZ[1]" and explain(J).check().worst <= 1e-12


def test_float32():
    J, _ = readme_network(True, dtype=np.float32)
    e = explain(J)
    assert equations(e) == README_LINES and e.check().worst <= 1e-6


def test_shapes_as_comments():
    J, _ = readme_network(True)
    text = str(explain(J, shapes=True))
    assert "dW[2] = (1/m) dZ[2] A[1]^T" in text and "# (n[2], n[1]) = (1, 5)" in text
    assert "# (n[1], m) = (5, 4)" in text


def test_a_graph_with_reuse_adds_the_contributions_up():
    a = Tensor([1.0, 2.0], requires_grad=True, name="a")
    b = a + a
    b.name = "b"
    c = (b * b).sum()
    e = explain(c)
    lines = equations(e)
    assert e.level == "ops" and "not explained in the lecture's form" in str(e)
    assert "db₁ = d(b * b) * b" in lines and "db₂ = d(b * b) * b" in lines and "db = db₁ + db₂" in lines
    assert "da₁ = db" in lines and "da₂ = db" in lines and lines[-1] == "da = da₁ + da₂"
    assert e.check().worst <= 1e-12


def test_a_graph_that_is_no_network_is_explained_op_by_op():
    rs = np.random.RandomState(0)
    x = Tensor(rs.randn(3), requires_grad=True, name="x")
    y = Tensor(rs.randn(3), requires_grad=True, name="y")
    e = explain((x * y + x.exp()).sum())
    lines = equations(e)
    assert lines[0] == "d(sum(x * y + exp(x))) = 1"
    assert "dx₁ = d(exp(x)) * exp(x)" in lines and "dx₂ = d(x * y) * y" in lines and "dy = d(x * y) * x" in lines
    assert e.check().worst <= 1e-12
    assert explain(x.exp().sum(), level="lecture").level == "ops"


def test_a_parameter_used_twice_is_never_folded_into_a_wrong_lecture_equation():
    J, (W1, b1, W2, b2) = readme_network(True)
    reg = J + 0.1 * (W2 * W2).sum()  # L2 regularisation: dW[2] takes two paths
    e = explain(reg)
    assert e.level == "ops" and "dW[2] does not follow the lecture's equation" in str(e)
    assert e.check().worst <= 1e-12


def test_the_op_level_of_a_lecture_network():
    J, _ = readme_network(True)
    e = explain(J, level="ops")
    lines = equations(e)
    assert lines[0] == "dJ = 1" if J.name == "J" else lines[0].endswith("= 1")
    assert "dW[2] = d(W[2] A[1]) @ A[1]^T" in lines and "db[2] = sum(dZ[2], axis=1, keepdims=True)" in lines
    assert e.check().worst <= 1e-12


# every op's symbolic rule against its numeric backward, through explain's check
def _ops_cases():
    rs = np.random.RandomState(7)

    def t(*shape, positive=False):
        v = rs.rand(*shape) + 0.5 if positive else rs.randn(*shape)
        return Tensor(v, requires_grad=True)

    return {
        "add": lambda: (t(3, 4) + t(3, 1)).sum(),
        "sub": lambda: (1 - t(3, 4) - t(4)).sum(),
        "mul": lambda: (t(3, 4) * t(1, 4) * 0.5).sum(),
        "div": lambda: (t(3, 4) / t(3, 1, positive=True) + 2 / t(3, 4, positive=True)).sum(),
        "pow": lambda: (t(3, 4, positive=True) ** t(3, 4) + t(4, positive=True) ** 3).sum(),
        "matmul": lambda: ((t(3, 4) @ t(4, 2)).sum() + (t(4) @ t(4, 3)).sum() + (t(2, 3, 4) @ t(4)).sum()),
        "neg": lambda: (-t(3)).sum(),
        "exp": lambda: t(3).exp().sum(),
        "log": lambda: t(3, positive=True).log().sum(),
        "relu": lambda: t(3, 4).relu().sum(),
        "sigmoid": lambda: t(3, 4).sigmoid().sum(),
        "tanh": lambda: t(3, 4).tanh().sum(),
        "sum": lambda: (t(3, 4).sum(axis=1, keepdims=True) * t(3, 1)).sum() + t(2, 3).sum(axis=0).sum(),
        "mean": lambda: t(3, 4).mean(axis=1).sum() + t(2).mean(),
        "transpose": lambda: (t(3, 4).transpose() * t(4, 3)).sum() + (t(2, 3, 4).transpose(1, 0, 2) ** 2).sum(),
        "reshape": lambda: (t(3, 4).reshape(2, 6) * t(2, 6)).sum(),
        "cross_entropy": lambda: cross_entropy(t(1, 4).tanh() * 0.4 + 0.5, (rs.rand(1, 4) > 0.5).astype(float))
        + cross_entropy(t(1, 4).sigmoid(), (rs.rand(1, 4) > 0.5).astype(float)),
        "maximum": lambda: (maximum(t(3, 4), t(3, 1)) + maximum(t(4), 0.1)).sum(),
        "minimum": lambda: minimum(t(3, 4), t(4)).sum() + minimum(0.2, t(2)).sum(),
        "abs": lambda: t(3).abs().sum(),
        "sqrt": lambda: t(3, positive=True).sqrt().sum(),
        "leaky_relu": lambda: t(3, 4).leaky_relu(0.1).sum(),
        "softplus": lambda: t(3, 4).softplus().sum(),
        "max": lambda: t(3, 4).max(axis=1).sum() + t(2, 2).max(),
        "min": lambda: t(3, 4).min(axis=0, keepdims=True).sum(),
        "std": lambda: (t(3, 4).std(axis=1, ddof=1) * t(3)).sum() + t(2, 2).std(),
        "index": lambda: (t(3, 4)[np.array([0, 2, 2]), 1:] * 2).sum(),
        "concatenate": lambda: (concatenate([t(2, 3), t(2, 1)], axis=1) ** 2).sum(),
        "where": lambda: where(rs.rand(3, 4) > 0.5, t(3, 4), t(3, 1)).sum(),
        "softmax": lambda: (t(3, 4).softmax() * t(3, 4)).sum(),
        "log_softmax": lambda: (t(3, 4).log_softmax(axis=1) * t(3, 4)).sum(),
        "logsumexp": lambda: t(3, 4).logsumexp().sum() + t(3, 4).logsumexp(axis=1, keepdims=True).sum(),
        "categorical_cross_entropy": lambda: categorical_cross_entropy(t(3, 4).softmax(), np.eye(3)[:, [0, 1, 2, 1]])
        + categorical_cross_entropy(t(3, 4).exp() / 10, np.eye(3)[:, [2, 1, 0, 0]]),
    }


OP_CASES = _ops_cases()


def test_every_op_has_a_case():
    assert {cls.name for cls in Function.registry} == set(OP_CASES)


@pytest.mark.parametrize("op", sorted(OP_CASES))
def test_each_ops_rule_computes_what_its_backward_computes(op):
    J = OP_CASES[op]()
    e = explain(J, level="ops")
    assert any(op in " ".join(s.ops) or op == "neg" for s in e.steps)
    assert e.check().worst <= 1e-12, str(e.check())


def test_a_200000_op_chain_is_explained_without_recursion():
    x = Tensor(np.array(0.5), requires_grad=True, name="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0001 + 0.001
    e = explain(y)
    text = str(e)  # (its time is measured in benchmarks/explain.py, not asserted here)
    assert len(e.steps) == 200_001 and text.rstrip().splitlines()[-3] == "dx = dt1 * 1.0001"
    assert e.check().worst <= 1e-9


def test_a_tensor_used_100000_times_sums_its_gradient_in_one_flat_line():
    x = Tensor(np.array(1.5), requires_grad=True, name="x")
    y = x
    for _ in range(100_000):
        y = y + x
    y.backward()
    e = explain(y)
    last = str(e).rstrip().splitlines()
    total = next(line for line in last if line.startswith("dx = "))
    assert total.startswith("dx = dx₁ + dx₂ + dx₃") and total.endswith("dx₁₀₀₀₀₁")
    assert e.check().worst == 0.0  # the sum, evaluated left to right, is the engine's gradient: 100,001
    assert float(x.grad) == 100_001.0
    assert "more lines: print() the explanation" in e._repr_latex_()  # shown in part, no RecursionError


def test_jupyter_shows_maths():
    J, _ = readme_network(True)
    e = explain(J)
    md = e._repr_markdown_()
    assert md.startswith("The backward pass") and r"\begin{aligned}" in md
    assert r"dZ^{[2]} &= A^{[2]} - Y" in e._repr_latex_() and r"A^{[1]T}" in e._repr_latex_()


def test_a_graph_whose_parameters_were_updated_since_is_refused():
    from tinygrad_edu import optim

    J, params = readme_network(True)
    J.backward()
    optim.GradientDescent(params, 0.1).step()  # new values in W[1], b[1], W[2], b[2]
    with pytest.raises(ValueError, match="new values since J was computed.*compute J again"):
        explain(J)


def test_bad_input():
    with pytest.raises(TypeError, match="explain: J must be a Tensor"):
        explain(np.ones(3))
    with pytest.raises(ValueError, match="no recorded graph"):
        explain(Tensor([1.0]))
    J, _ = readme_network(True)
    with pytest.raises(ValueError, match="level must be 'lecture' or 'ops'"):
        explain(J, level="layers")


def test_the_command(capsys):
    assert main(["explain", "--layer-dims", "3,4,1", "--check", "--shapes"]) == 0
    out = capsys.readouterr().out
    assert "dZ[2] = A[2] - Y" in out and "# (n[1], n[0]) = (4, 3)" in out and "worst relative difference" in out
    assert main(["explain", "--layer-dims", "3,4,1", "--level", "ops"]) == 0
    assert "@ A[1]^T" in capsys.readouterr().out


def test_the_readme_example_prints_what_the_readme_shows():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## A two-layer network, by hand", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = re.search(r"```\n(dA\[2\].*?)```", section.split("### What `backward()` did", 1)[1], re.S).group(1)
    namespace: dict = {}
    exec(code.replace('print("dW[1] =\\n", W1.grad)', ""), namespace)
    e = explain(namespace["J"])
    assert equations(e) == [" ".join(line.split()) for line in shown.strip().splitlines()]
    assert f"worst relative difference is {e.check().worst:.1e}" in " ".join(readme.split())


def test_expand_and_the_records_write_what_the_text_writes():
    J, _ = readme_network(True)
    e = explain(J, expand=True)
    latex = e._repr_latex_()
    assert r"\left(Z^{[1]} > 0\right)" in latex and "relu'" not in latex and "relu" not in latex
    lines = str(e).splitlines()
    for step in e.steps:  # each record carries its line, as printed
        assert step.equation in lines and step.equation in repr(step)
    assert e.steps[4].equation == "dZ[1] = dA[1] * (Z[1] > 0)"
    plain = explain(J)
    assert plain.steps[4].equation == "dZ[1] = dA[1] * relu'(Z[1])" and r"\mathrm{relu}'" in plain._repr_latex_()


@pytest.mark.parametrize("cost", ["minus first", "all zeros labels"])
def test_the_cost_written_with_minus_y_is_still_the_lectures(cost):
    """-Y * log(A) - (1 - Y) * log(1 - A): numpy computes -Y and 1 - Y before they meet a tensor, so
    no leaf holds Y; Y is read back as minus the -Y leaf (and labels that are all 0 stay Y)."""
    from tinygrad_edu.recognise import recognise

    rs = np.random.RandomState(1)
    X = Tensor(rs.randn(3, 4))
    Y = np.array([[1.0, 0.0, 1.0, 1.0]]) if cost == "minus first" else np.zeros((1, 4))
    W1, b1 = Tensor(rs.randn(5, 3) * 0.5, requires_grad=True), Tensor(np.zeros((5, 1)), requires_grad=True)
    W2, b2 = Tensor(rs.randn(1, 5) * 0.5, requires_grad=True), Tensor(np.zeros((1, 1)), requires_grad=True)
    A = (W2 @ (W1 @ X + b1).relu() + b2).sigmoid()
    J = (-Y * A.log() - (1 - Y) * (1 - A).log()).sum() / 4
    J.backward()
    e = explain(J)
    assert e.level == "lecture" and e.check().worst <= 1e-12
    assert equations(e)[:2] == ["dA[2] = -(Y / A[2] - (1 - Y) / (1 - A[2]))", "dZ[2] = dA[2] * sigmoid'(Z[2])"]
    roles = sorted(r for r in recognise(J).role if r in ("Y", "-Y", "1-Y"))
    assert roles == (["-Y", "1-Y"] if cost == "minus first" else ["1-Y", "Y"])
