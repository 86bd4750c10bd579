"""The backpropagation explorer: its frames (pure, from dlbook.autograd), live slider and static HTML."""

import math

import numpy as np
import pytest

from dlbook.autograd import Value, graph
from dlbook.widgets import BackpropExplorer
from dlbook.widgets.backprop import NEURON, backprop_frames, chain_rule_terms, neuron_graph

N_NODES = len(graph(NEURON)[0])


def test_the_first_step_shows_one_forward_value_and_no_gradient():
    result = BackpropExplorer().compute(step=1)
    assert np.isfinite(result["data"]).sum() == 1 and np.isnan(result["grad"]).all()
    assert result["phase"] == "forward" and result["explanation"] == "w = -0.8 (given)"


def test_every_step_reveals_exactly_one_more_number():
    explorer = BackpropExplorer()
    results = [explorer.compute(step=step) for step in BackpropExplorer.GRID["step"]]
    known = [np.isfinite(result["data"]).sum() + np.isfinite(result["grad"]).sum() for result in results]
    assert known == list(range(1, 2 * N_NODES + 1))


def test_forward_values_come_in_topological_order_before_any_gradient():
    frames = backprop_frames(neuron_graph())
    nodes, edges = graph(neuron_graph())
    shown_at = {frame["current"]: step for step, frame in enumerate(frames[:N_NODES])}
    assert all(frame["phase"] == "forward" for frame in frames[:N_NODES])
    assert all(shown_at[parent] < shown_at[child] for parent, child in edges)       # inputs before outputs


def test_gradients_come_from_the_loss_back_to_the_leaves():
    frames = backprop_frames(neuron_graph())[N_NODES:]
    _, edges = graph(neuron_graph())
    shown_at = {frame["current"]: step for step, frame in enumerate(frames)}
    assert frames[0]["grad"][frames[0]["current"]] == 1.0                           # dL/dL = 1
    assert all(shown_at[child] < shown_at[parent] for parent, child in edges)       # outputs before inputs


def test_the_last_step_shows_every_value_and_the_gradients_of_autograd():
    result = BackpropExplorer().compute(step=BackpropExplorer.GRID["step"][-1])
    loss = neuron_graph()
    loss.backward()
    nodes, _ = graph(loss)
    np.testing.assert_array_equal(result["data"], [node.data for node in nodes])
    np.testing.assert_array_equal(result["grad"], [node.grad for node in nodes])


def test_the_neuron_gradients_equal_the_hand_derived_chain_rule():
    w, x, b, y = -0.8, 1.5, 0.5, 0.4
    h = math.tanh(w * x + b)
    upstream = 2 * (h - y) * (1 - h * h)                       # dL/dz = 2 (h - y) (1 - h^2)
    result = BackpropExplorer().compute(step=BackpropExplorer.GRID["step"][-1])
    nodes, _ = graph(NEURON)
    grads = {node.label: result["grad"][i] for i, node in enumerate(nodes) if node.label}
    assert grads["w"] == pytest.approx(upstream * x) and grads["x"] == pytest.approx(upstream * w)
    assert grads["b"] == pytest.approx(upstream) and grads["y"] == pytest.approx(-2 * (h - y))


def test_the_neuron_gradients_equal_torch_autograd():
    torch = pytest.importorskip("torch")
    leaves = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
              for name, value in dict(w=-0.8, x=1.5, b=0.5, y=0.4).items()}
    loss = (torch.tanh(leaves["w"] * leaves["x"] + leaves["b"]) - leaves["y"]) ** 2
    loss.backward()
    result = BackpropExplorer().compute(step=BackpropExplorer.GRID["step"][-1])
    nodes, _ = graph(NEURON)
    for i, node in enumerate(nodes):
        if node.label in leaves:
            assert result["grad"][i] == pytest.approx(leaves[node.label].grad.item(), rel=1e-12)


def test_a_backward_step_explains_the_chain_rule_with_its_numbers():
    frames = backprop_frames(neuron_graph())
    nodes, _ = graph(neuron_graph())
    z_step = next(frame for frame in frames if frame["phase"] == "backward" and nodes[frame["current"]].label == "z")
    assert z_step["explanation"].startswith("dL/dz = ∂ŷ/∂z · dL/dŷ = ")
    assert z_step["explanation"].endswith(f"= {z_step['grad'][z_step['current']]:.3g}")


def test_a_node_used_twice_has_one_chain_rule_term_per_use():
    a = Value(3.0, label="a")
    loss = a * a + a                                           # dL/da = a + a + 1
    nodes, edges = graph(loss)
    loss.backward()
    terms = chain_rule_terms(nodes, edges, nodes.index(a))
    assert len(terms) == 3 and sum(local * upstream for _, local, upstream in terms) == a.grad == 7.0


def test_render_draws_one_box_per_node_and_marks_the_current_one():
    explorer = BackpropExplorer()
    figure = explorer.figure(step=5)
    axes = figure.axes[0]
    assert len(axes.patches) == N_NODES
    assert sum(patch.get_edgecolor()[:3] != (0.3, 0.3, 0.3) for patch in axes.patches) == 1
    assert axes.get_title().startswith("step 5/")
