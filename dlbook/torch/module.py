"""Module and Sequential of the torch backend: torch.nn.Module plus a layer-by-layer backward.

Each layer's forward keeps its input (made to require grad) and its output;
backward(dy) runs autograd over that layer's own graph only, adds dL/dparameter
into `param.grad` and returns dL/dx. So a chapter can call model.backward(dy)
as with the NumPy reference, and loss.backward() through the whole model
still works (DistributedDataParallel relies on it).

Calling a layer checks its arguments (torch tensors, not lists or NumPy arrays, as torch.nn's layers
require); backward runs once per forward and takes dL/dy of the output's shape, with the NumPy
reference's messages (dlbook.core.errors).
"""

from collections.abc import Mapping

import numpy as np
import torch

from ..core.errors import (
    BACKWARD_DONE,
    NO_FORWARD,
    NO_GRAPH,
    REUSE_ADVICE,
    check_array,
    check_backward_ready,
    check_each_layer_once,
    check_grad_out,
)
from .tensor import asarray

Parameter = torch.nn.Parameter


def output_and_grad_out(layer, grad_out):
    """(layer's kept output, grad_out as a tensor of the output's dtype) for a backward once per forward and
    of the output's shape; the clear errors of check_backward_ready / check_grad_out otherwise. The ready case
    costs one attribute read and two comparisons: the checks run only when it is not that case."""
    output = layer.__dict__.get("_output")
    if output is None or not output.requires_grad:
        check_backward_ready(layer, layer._graph_state())
    grad_out = asarray(grad_out, dtype=output.dtype)
    if grad_out.shape != output.shape:
        check_grad_out(layer, grad_out, output.shape)
    return output, grad_out


class Module(torch.nn.Module):
    """Base class of every layer, loss and model of the torch backend."""

    def __init__(self):                            # torch.nn.Module takes (*args, **kwargs): keep the
        super().__init__()                         # NumPy backend's signature, Module()

    def __call__(self, *args, **kwargs):
        """torch.nn.Module's call, after checking that the arrays given are torch tensors; forgets the graph
        of the previous forward (a failed forward leaves none to backpropagate)."""
        for value in args:
            if type(value) is not torch.Tensor:
                check_array(self, value, torch.Tensor, "a torch.Tensor")
        self.__dict__.pop("_output", None)
        return super().__call__(*args, **kwargs)

    def _graph_state(self):
        """NO_FORWARD, BACKWARD_DONE, NO_GRAPH (forward under no_grad) or None: ready for backward."""
        output = self.__dict__.get("_output", NO_FORWARD)
        if output is None:
            return BACKWARD_DONE
        if isinstance(output, torch.Tensor) and not output.requires_grad:
            return NO_GRAPH
        return output if isinstance(output, str) else None

    def _track(self, x):
        """Make x a leaf that requires grad (unless it already carries a graph); keep it for backward."""
        if torch.is_grad_enabled() and x.is_floating_point() and not x.requires_grad:
            x = x.detach().requires_grad_()
        self.__dict__["_input"] = x                 # a plain attribute (torch.nn.Module.__setattr__ is slow)
        return x

    def _keep(self, y):
        """Keep this layer's output: backward starts from it."""
        self.__dict__["_output"] = y
        return y

    def backward(self, grad_out):
        """Given dL/d(output), add dL/d(parameters) into .grad and return dL/d(input)."""
        output, grad_out = output_and_grad_out(self, grad_out)
        params = [p for p in self.parameters() if p.requires_grad]
        try:
            grads = torch.autograd.grad(output, [self._input, *params], grad_out, allow_unused=True)
        except RuntimeError as error:              # the graph was freed by another layer's backward: reuse
            if "backward through the graph a second time" not in str(error):
                raise
            raise RuntimeError(f"{self.short_repr()}.backward() found its graph freed by an earlier backward: "
                               f"{REUSE_ADVICE}") from None
        for param, grad in zip(params, grads[1:]):
            if grad is None:
                continue
            if param.grad is None:
                param.grad = grad
            else:
                param.grad.add_(grad)
        self.__dict__["_output"] = None                       # the graph is freed: one backward per forward
        return torch.zeros_like(self._input) if grads[0] is None else grads[0]

    def _add_parameter(self, name, values):
        """The spec's hook (dlbook.core.specs): `values` (a NumPy array, or None) as Parameter `name`, a
        tensor on `device` in the default dtype; None registers the name without a value."""
        self.register_parameter(name, None if values is None else Parameter(asarray(values)))

    def _add_buffer(self, name, values):
        """The spec's hook: `values` (array-like, or None) as buffer `name` (floats in the default dtype)."""
        self.register_buffer(name, None if values is None else asarray(values))

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """As torch, and NumPy arrays (e.g. from the NumPy backend) and lists are accepted too; torch's
        errors name every missing, unexpected and mis-shaped key."""
        if isinstance(state_dict, Mapping):
            state_dict = {key: torch.as_tensor(value) if isinstance(value, (np.ndarray, np.generic, list)) else value
                          for key, value in state_dict.items()}
        return super().load_state_dict(state_dict, strict=strict, assign=assign)

    def short_repr(self):
        """The name error messages use: the class and its main arguments, e.g. Linear(64, 32)."""
        return f"{type(self).__name__}({self.extra_repr()})"


def shares_a_parameter(container):
    """Whether one Parameter belongs to two of the container's layers (tied weights). A plain walk of the
    registries (torch.nn.Module.modules() costs several microseconds more per backward)."""
    params, stack = [], [container]
    while stack:
        module = stack.pop()
        params.extend(module._parameters.values())
        stack.extend(child for child in module._modules.values() if child is not None)
    ids = [id(param) for param in params if param is not None]
    return len(set(ids)) != len(ids)


def graph_input(module):
    """The tensor a model's graph starts from: its first layer's tracked input (or that layer's first child's),
    None when that layer keeps none (an Embedding's integer ids)."""
    while True:
        attributes = module.__dict__
        if "_input" in attributes:
            return attributes["_input"]
        children = module._modules
        if not children:
            return None
        module = next(iter(children.values()))


class Sequential(torch.nn.Sequential, Module):
    """Modules applied in order: forward left to right, backward right to left (torch.nn.Sequential)."""

    def forward(self, input):
        return self._keep(super().forward(input))

    def backward(self, grad_out):                  # dL/dy flows back through every layer
        output = self.__dict__.get("_output")
        if output is None or not output.requires_grad:
            check_backward_ready(self, self._graph_state())
        if tuple(getattr(grad_out, "shape", ())) != tuple(output.shape):
            check_grad_out(self, grad_out, output.shape)
        check_each_layer_once(self, self._modules.values())
        if shares_a_parameter(self):
            return self._backward_over_whole_graph(output, grad_out)
        for module in reversed(self._modules.values()):
            grad_out = module.backward(grad_out)
        self.__dict__["_output"] = None             # one backward per forward, as every layer's
        return grad_out

    def _backward_over_whole_graph(self, output, grad_out):
        """Tied weights (a Parameter of two of its layers, lin2.weight = lin1.weight): layer by layer, autograd
        from the second use would run on through the first use's graph below it (and free it), so autograd runs
        once from the output over every layer's graph, as loss.backward() does: the shared Parameter's .grad is
        the sum over its uses, torch.nn's. Returns dL/d(input) (None for input without gradient, e.g. ids)."""
        x = graph_input(self)
        inputs = [x] if isinstance(x, torch.Tensor) and x.requires_grad else []
        params = [p for p in self.parameters() if p.requires_grad]
        grad_out = asarray(grad_out, dtype=output.dtype)
        grads = torch.autograd.grad(output, inputs + params, grad_out, allow_unused=True)
        for param, grad in zip(params, grads[len(inputs):]):
            if grad is not None:
                param.grad = grad if param.grad is None else param.grad.add_(grad)
        for module in self.modules():                # every layer's graph is consumed: one backward per forward
            if "_output" in module.__dict__:
                module.__dict__["_output"] = None
        if not inputs:
            return None
        return torch.zeros_like(x) if grads[0] is None else grads[0]

    def short_repr(self):
        return "Sequential"
