"""render_backward_steps: one picture laid out once and one frame per step of the engine's own
backward schedule; the page grows linearly with the number of steps; in a real browser (headless
Chromium from Debian's packages, driven by Selenium) the buttons, keys and zoom work."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

pytest.importorskip("graphviz", reason="the viz extra is not installed: pip install -e '.[viz]'")

from browser import new_browser  # noqa: E402

from tinygrad_edu import Tensor  # noqa: E402
from tinygrad_edu.graph import run_backward  # noqa: E402
from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy  # noqa: E402
from tinygrad_edu.viz import render_backward_steps  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
pytestmark = needs_dot


def network_cost(L: int = 2, m: int = 3):
    dims = [3] + [4] * (L - 1) + [1]
    net = DeepNetwork(dims, seed=1)
    rng = np.random.RandomState(0)
    J = binary_cross_entropy(net(Tensor(rng.randn(3, m), name="A[0]")), (rng.rand(1, m) > 0.5).astype(float))
    J.named("J").backward()
    return net, J


def page_data(html: str) -> dict:
    return json.loads(re.search(r"const data = (\{.*?\});\n", html).group(1).replace("<\\/", "</"))


def test_frames_follow_the_engines_visits_and_nothing_changes(tmp_path):
    net, J = network_cost()
    grads = {name: p.grad.copy() for name, p in net.named_parameters()}
    visits: list = []
    run_backward(J, np.ones(()), visits=visits)  # the engine's own order (a second, recorded, pass)
    for p in net.parameters():
        p.grad = grads[p.name]
    page = render_backward_steps(J, tmp_path / "steps")
    html = page.read_text()
    assert (tmp_path / "steps" / "backward.svg").is_file() and html.count("<svg") == 1  # one layout
    data = page_data(html)
    ops = [t for t in visits if t.op is not None]
    assert len(data["frames"]) == len(data["captions"]) == len(ops)
    names = [re.match(r"step \d+ of \d+: (.+?)( \(\d| is complete)", c).group(1) for c in data["captions"]]
    # the engine's order, with the names the picture gives (A[2] is not visited: the cost is fused)
    assert names == ["dJ", "dZ[2]", "d(W[2] A[1])", "dA[1]", "dZ[1]", "d(W[1] A[0])"]
    assert [t.name for t in ops if t.name] == ["J", "Z[2]", "A[1]", "Z[1]"]
    assert "add backward sends it on, completing db[2]" in data["captions"][1]
    assert "matmul backward sends it on, completing dW[2]" in data["captions"][2]
    for name, p in net.named_parameters():
        np.testing.assert_array_equal(p.grad, grads[name])


def test_frames_on_branches_created_in_either_order(tmp_path):
    x = Tensor([0.1, 0.2], requires_grad=True, name="x")
    y = Tensor([0.3, -0.4], requires_grad=True, name="y")
    b = (y * 3).named("a").tanh().named("b")
    d = (x * 2).named("c").exp().named("d")
    J = (b + d).named("s").sum().named("J")
    visits: list = []
    run_backward(J, np.ones(()), visits=visits)
    data = page_data(render_backward_steps(J, tmp_path / "steps").read_text())
    caps = [re.match(r"step \d+ of \d+: d(\w+)", c).group(1) for c in data["captions"]]
    assert caps == [t.name for t in visits] == ["J", "s", "d", "c", "b", "a"]


def test_the_page_grows_linearly_with_the_number_of_steps(tmp_path):
    sizes = {}
    for L in (10, 20, 40):
        _, J = network_cost(L=L)
        folder = tmp_path / f"L{L}"
        render_backward_steps(J, folder)
        sizes[L] = sum(p.stat().st_size for p in folder.iterdir())
    assert sizes[40] < 20 * 2**20
    assert sizes[40] / sizes[20] < 2.3 and sizes[20] / sizes[10] < 2.3  # twice the steps, about twice the bytes


def test_hostile_names_cannot_break_the_pages_script(tmp_path):
    W = Tensor(np.ones((2, 3)), requires_grad=True, name="</script><script>alert(1)</script>")
    J = (W @ np.ones((3, 4))).sum().named("a\x00b\n\"'\\")
    J.backward()
    html = render_backward_steps(J, tmp_path / "steps").read_text()
    script = html[html.index("<script>"):]
    assert script.count("</script>") == 1  # only the page's own
    assert "alert(1)" in json.dumps(page_data(html))


# ----------------------------------------------------------------------------- in a real browser


def test_the_step_page_in_headless_chromium(tmp_path):
    _, J = network_cost()
    page = render_backward_steps(J, tmp_path / "steps")
    data = page_data(page.read_text())
    browser = new_browser()
    try:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        browser.get(page.as_uri())
        cap = browser.find_element(By.ID, "cap")
        body = browser.find_element(By.TAG_NAME, "body")
        n = len(data["frames"])

        def classes(node_id):
            return browser.find_element(By.ID, node_id).get_attribute("class")

        def svg_width():
            return browser.execute_script("return document.querySelector('#view svg').getBoundingClientRect().width")

        # the first frame: the seed, highlighted; the last gradients faded
        assert cap.text.startswith(f"step 1 of {n}: dJ")
        assert all("now" in classes(i) for i in data["frames"][0])
        assert "later" in classes(data["frames"][-1][0])
        # the picture fits the window at first
        assert 0 < svg_width() <= browser.execute_script("return window.innerWidth")
        # keys and buttons step through the frames
        body.send_keys(Keys.ARROW_RIGHT)
        assert cap.text.startswith(f"step 2 of {n}")
        assert all("now" in classes(i) for i in data["frames"][1])
        assert "now" not in classes(data["frames"][0][0]) and "later" not in classes(data["frames"][0][0])
        browser.find_element(By.ID, "next").click()
        assert cap.text.startswith(f"step 3 of {n}")
        browser.find_element(By.ID, "prev").click()
        body.send_keys(Keys.ARROW_LEFT)
        assert cap.text.startswith(f"step 1 of {n}")
        body.send_keys(Keys.ARROW_LEFT)  # and no further than the first
        assert cap.text.startswith(f"step 1 of {n}")
        # zoom: buttons and keys, and back to fitting the window
        fit = svg_width()
        browser.find_element(By.ID, "zoomin").click()
        assert svg_width() == pytest.approx(1.25 * fit, rel=0.02)
        body.send_keys("+")
        assert svg_width() == pytest.approx(1.25**2 * fit, rel=0.02)
        body.send_keys("-")
        browser.find_element(By.ID, "zoomout").click()
        body.send_keys("-")
        assert svg_width() == pytest.approx(fit / 1.25, rel=0.02)
        body.send_keys("0")
        assert svg_width() == pytest.approx(fit, rel=0.02)
        browser.find_element(By.ID, "zoomin").click()
        browser.find_element(By.ID, "fit").click()
        assert svg_width() == pytest.approx(fit, rel=0.02)
    finally:
        browser.quit()
