"""The backpropagation explorer: step through one forward and one backward pass of a small graph.

The graph is a neuron with its loss, L = (tanh(w x + b) - y)^2, built with dlbook.autograd. The
steps are dlbook.autograd.backprop_steps: first each node's forward value, leaves first, in
topological order; then each node's gradient dL/d(node), from dL/dL = 1 back to the leaves, by the
chain rule dL/d(node) = sum over its consumers c of d c/d(node) * dL/dc.
"""

import re

import numpy as np

from ..autograd import Value, backprop_steps, graph
from ..viz import graph_figure
from .explorer import Explorer

FRAME_DPI = 90                 # sharper than the default 64: the nodes carry text


def neuron_graph(w=-0.8, x=1.5, b=0.5, y=0.4):
    """The root L of L = (tanh(w x + b) - y)^2 with every node named (w, x, b, y, w·x, z, ŷ, -y, e, L);
    the constant -1 that makes -y keeps no name."""
    w, x, b, y = Value(w, label="w"), Value(x, label="x"), Value(b, label="b"), Value(y, label="y")
    wx = w * x
    wx.label = "w·x"
    z = wx + b
    z.label = "z"
    y_hat = z.tanh()
    y_hat.label = "ŷ"
    e = y_hat - y                                      # ŷ + (-1) * y: two nodes, the product named -y
    e.label, e.parents[1].label = "e", "-y"
    loss = e**2
    loss.label = "L"
    return loss


def node_name(node):
    """How the explanations call a node: its label ('z', '(w·x)' in brackets unless a plain name),
    'const' for an unnamed number, its op for an unnamed operation."""
    name = node.label or ("const" if not node.parents else node.op)
    return name if re.fullmatch(r"[^\W\d]\w*", name) else f"({name})"     # a letter (ŷ too), then letters/digits


def number(value):
    """A number in an explanation: 3 significant digits, in brackets when negative."""
    return f"{value:.3g}" if value >= 0 else f"({value:.3g})"


def forward_formula(node):
    """A node's forward computation, in names and numbers: 'z = (w·x) + b = -0.7', 'w = -0.8 (given)'."""
    name, inputs = node_name(node), [node_name(parent) for parent in node.parents]
    if not node.parents:
        return f"{name} = {node.data:.3g}" + (" (given)" if node.label else "")
    if node.op in ("+", "*"):
        formula = (" + " if node.op == "+" else " · ").join(inputs)
    elif node.op.startswith("**"):
        formula = f"{inputs[0]}^{node.op[2:]}"
    else:
        formula = f"{node.op} {inputs[0]}"
    return f"{name} = {formula} = {node.data:.3g}"


def backward_formula(nodes, edges, index):
    """A node's gradient by the chain rule, in names and numbers:
    'dL/dz = ∂ŷ/∂z · dL/dŷ = 0.635 · (-2.01) = -1.28'; the root: 'dL/dL = 1'."""
    name, terms = node_name(nodes[index]), chain_rule_terms(nodes, edges, index)
    if not terms:
        return f"dL/d{name} = 1 (backpropagation starts here)"
    symbols = " + ".join(f"∂{node_name(nodes[c])}/∂{name} · dL/d{node_name(nodes[c])}" for c, _, _ in terms)
    numbers = " + ".join(f"{number(local)} · {number(upstream)}" for _, local, upstream in terms)
    return f"dL/d{name} = {symbols} = {numbers} = {nodes[index].grad:.3g}"


def chain_rule_terms(nodes, edges, index):
    """[(consumer index, d consumer/d node, dL/d consumer)] for nodes[index]: the terms of
    dL/d(node) = sum over consumers c of d c/d(node) * dL/dc (a node used twice by c: two terms)."""
    node, terms = nodes[index], []
    consumers = dict.fromkeys(child for parent, child in edges if parent == index)     # each once, in order
    for child in consumers:
        consumer = nodes[child]
        for parent, local_grad in zip(consumer.parents, consumer.local_grads):
            if parent is node:
                terms.append((child, local_grad, consumer.grad))
    return terms


def backprop_frames(root):
    """The state of the graph after each step of backprop_steps(root): a list of dicts
    {'phase', 'current' (node index), 'data' (n,), 'grad' (n,) with NaN where not known yet,
    'explanation' (the step in words and numbers)}. Pure: only dlbook.autograd."""
    nodes, edges = graph(root)
    steps = backprop_steps(root)                       # runs root.backward(): every node.grad is set
    data, grad = np.full(len(nodes), np.nan), np.full(len(nodes), np.nan)
    frames = []
    for phase, index, value in steps:
        if phase == "forward":
            data[index] = value
            explanation = forward_formula(nodes[index])
        else:
            grad[index] = value
            explanation = backward_formula(nodes, edges, index)
        frames.append({"phase": phase, "current": index, "data": data.copy(), "grad": grad.copy(),
                       "explanation": explanation})
    return frames


NEURON = neuron_graph()
NEURON_FRAMES = backprop_frames(NEURON)


class BackpropExplorer(Explorer):
    """Move the step: forward values fill the graph node by node (blue), then gradients flow back
    from L to the leaves (orange); the current node and the arrows it uses are red."""

    TITLE = "Backpropagation, step by step"
    GRID = {"step": list(range(1, len(NEURON_FRAMES) + 1))}
    LABELS = {"step": "step"}
    DPI = FRAME_DPI

    def compute(self, step):
        """The graph's state after `step` steps (1 = the first forward value): data, grad (NaN where
        unknown), current, phase and explanation, as backprop_frames."""
        return NEURON_FRAMES[step - 1]

    def render(self, result, step):
        title = (f"step {step}/{len(NEURON_FRAMES)}, {result['phase']}:  {result['explanation']}")
        figure = graph_figure(NEURON, data=result["data"], grad=result["grad"], current=result["current"],
                              title=title, size=(7.6, 3.4))
        figure.text(0.01, 0.01, "blue: value known   orange: gradient known too   red: this step",
                    fontsize=8, color="0.3")
        return figure
