"""A small scalar reverse-mode automatic differentiation engine, for the computational-graph chapter.

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = (a * b + a).tanh()
    L.backward()                   # a.grad = dL/da, b.grad = dL/db

Every operation makes a node that remembers its inputs (parents) and its local derivatives
d(node)/d(parent). backward() visits the nodes from L back to the leaves in reverse topological
order and applies the chain rule: parent.grad += d(node)/d(parent) * node.grad.
"""

import math


class Value:
    """A scalar node: `data` (forward value), `grad` (dL/d this node, after backward), the parents
    it was computed from and, for each parent, the local derivative d(this)/d(parent)."""

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(self, data, parents=(), local_grads=(), op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.local_grads = tuple(local_grads)            # d(this)/d(parent), one per parent
        self.op, self.label = op, label

    # --- operations: value and local derivatives --------------------------------------------------

    def __add__(self, other):
        other = as_value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = as_value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)):
            raise TypeError("Value ** exponent takes a number exponent (a constant)")
        return Value(self.data**exponent, (self,), (exponent * self.data ** (exponent - 1),), f"**{exponent}")

    def exp(self):
        y = math.exp(self.data)
        return Value(y, (self,), (y,), "exp")                          # d e^x / dx = e^x

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log of a non-positive value {self.data}")
        return Value(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self):
        y = math.tanh(self.data)
        return Value(y, (self,), (1.0 - y * y,), "tanh")                # 1 - tanh^2

    def sigmoid(self):
        y = 1.0 / (1.0 + math.exp(-self.data)) if self.data >= 0 else math.exp(self.data) / (1 + math.exp(self.data))
        return Value(y, (self,), (y * (1.0 - y),), "sigmoid")           # sigma (1 - sigma)

    def relu(self):
        return Value(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,), "relu")

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-as_value(other))

    def __truediv__(self, other):
        return self * as_value(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return as_value(other) - self

    def __rtruediv__(self, other):
        return as_value(other) / self

    # --- the backward pass ------------------------------------------------------------------------

    def backward(self):
        """dL/d(node) for every node of the graph that ends here (L = self): grads start at 0,
        dL/dL = 1, then the chain rule node by node in reverse topological order."""
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local_grad in zip(node.parents, node.local_grads):
                parent.grad += local_grad * node.grad                   # chain rule, summed over paths

    def __repr__(self):
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.4g}, grad={self.grad:.4g})"


def as_value(x):
    """x as a Value (numbers become constants)."""
    return x if isinstance(x, Value) else Value(x)


def topological_order(root):
    """Every node of root's graph, each after all of its parents (leaves first, root last)."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:                                   # iterative depth-first search: deep graphs are fine
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        stack.extend((parent, False) for parent in reversed(node.parents) if id(parent) not in visited)
    return order


def graph(root):
    """(nodes, edges) of root's graph: nodes in topological order, edges (parent index, child index)."""
    nodes = topological_order(root)
    index = {id(node): i for i, node in enumerate(nodes)}
    edges = [(index[id(parent)], index[id(node)]) for node in nodes for parent in node.parents]
    return nodes, edges


def backprop_steps(root):
    """The steps of one forward and one backward pass, for stepping through a graph:
    a list of (phase, node index, value) — 'forward' with each node's data in topological order,
    then 'backward' with each node's grad in reverse order. Runs root.backward()."""
    nodes, _ = graph(root)
    root.backward()
    forward = [("forward", i, node.data) for i, node in enumerate(nodes)]
    backward = [("backward", i, nodes[i].grad) for i in reversed(range(len(nodes)))]
    return forward + backward
