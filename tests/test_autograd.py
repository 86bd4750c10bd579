"""dlbook.autograd, the scalar engine, against torch autograd on random expressions."""

import math
import random

import pytest

from dlbook.autograd import Value, backprop_steps, graph, topological_order

UNARY = ["tanh", "sigmoid", "relu", "exp"]
BINARY = ["+", "-", "*", "/"]


def random_expression(rng, leaves, depth, torch, root=True):
    """A random expression tree over `leaves`, as a function applying it to any leaf values (Values or torch
    tensors). Its root is always an operation, never a bare leaf (whose only gradient would be dL/dL = 1)."""
    if not root and (depth == 0 or rng.random() < 0.2):
        index = rng.randrange(len(leaves))
        return lambda values: values[index]
    if rng.random() < 0.35:
        op, inner = rng.choice(UNARY), random_expression(rng, leaves, depth - 1, torch, root=False)

        def unary(values):
            x = inner(values)
            if op == "exp":
                x = x * 0.3                          # keep exp's values moderate
            return getattr(x, op)() if isinstance(x, Value) else getattr(torch, op)(x)
        return unary
    op = rng.choice(BINARY)
    left = random_expression(rng, leaves, depth - 1, torch, root=False)
    right = random_expression(rng, leaves, depth - 1, torch, root=False)

    def binary(values):
        a, b = left(values), right(values)
        if op == "/":
            return a / (b * b + 1.0)                 # never divide by zero
        return {"+": a + b, "-": a - b, "*": a * b}[op]
    return binary


@pytest.mark.parametrize("seed", range(40))
def test_gradients_match_torch_autograd_on_random_expressions(torch, seed):
    rng = random.Random(seed)
    data = [rng.uniform(-2, 2) for _ in range(4)]
    expression = random_expression(rng, data, depth=5, torch=torch)
    values = [Value(x) for x in data]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in data]
    ours, theirs = expression(values), expression(tensors)
    assert all(ours is not value for value in values) and ours.parents    # an operation, not a bare leaf
    ours.backward()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), rel=1e-12, abs=1e-12)
    for value, tensor in zip(values, tensors):
        expected = 0.0 if tensor.grad is None else tensor.grad.item()
        assert value.grad == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_a_reused_node_sums_the_gradients_of_every_path():
    a = Value(3.0)
    loss = a * a + a                                 # dL/da = 2a + 1
    loss.backward()
    assert a.grad == 7.0


def test_backward_twice_gives_the_same_gradients():
    a, b = Value(0.5), Value(-1.5)
    loss = (a * b).tanh() + b.exp()
    loss.backward()
    first = (a.grad, b.grad)
    loss.backward()
    assert (a.grad, b.grad) == first


def test_topological_order_puts_parents_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    loss = c + a
    order = topological_order(loss)
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert order[-1] is loss and len(order) == 4


def test_a_deep_chain_does_not_hit_the_recursion_limit():
    x = Value(0.1)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_backprop_steps_lists_forward_values_then_gradients():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    loss = a * b
    nodes, edges = graph(loss)
    steps = backprop_steps(loss)
    assert [phase for phase, _, _ in steps] == ["forward"] * 3 + ["backward"] * 3
    assert steps[2] == ("forward", 2, -6.0)
    grads = {nodes[i].label: value for phase, i, value in steps if phase == "backward" and nodes[i].label}
    assert grads == {"a": -3.0, "b": 2.0}
    assert sorted(edges) == [(0, 2), (1, 2)]


def test_log_and_power_have_their_derivatives():
    x = Value(2.0)
    loss = x.log() + x**3
    loss.backward()
    assert x.grad == pytest.approx(1 / 2 + 3 * 4)
    assert math.isclose(loss.data, math.log(2) + 8)


def test_log_of_a_non_positive_value_is_refused():
    with pytest.raises(ValueError, match="non-positive"):
        Value(0.0).log()
