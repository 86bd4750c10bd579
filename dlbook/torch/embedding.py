"""Embedding of the torch backend: y = W[input] with torch.nn.functional.embedding, backward by autograd."""

import torch
import torch.nn.functional as F

from ..core.errors import check_backward_ready, check_grad_out
from ..core.specs import EmbeddingSpec
from .module import Module
from .tensor import asarray


class Embedding(EmbeddingSpec, Module):
    """Row lookup y = W[input], as torch.nn.Embedding: integer ids (*) -> (*, embedding_dim). Repeated ids
    add up in weight.grad, the padding_idx row gets none; the indices get no gradient (backward returns None)."""

    def forward(self, input):
        self.check_indices(input)
        return self._keep(F.embedding(input, self.weight, self.padding_idx))

    def backward(self, grad_out):
        """dL/dW for dL/dy (a tensor, or a NumPy array, of the output's shape), once per forward; None."""
        output = self.__dict__.get("_output")
        frozen = not self.weight.requires_grad                # e.g. pretrained: no gradient, as torch.nn
        if output is None or not (output.requires_grad or frozen):
            check_backward_ready(self, self._graph_state())
        grad_out = asarray(grad_out, dtype=output.dtype)
        if grad_out.shape != output.shape:
            check_grad_out(self, grad_out, output.shape)
        self.__dict__["_output"] = None                       # one backward per forward
        if frozen:
            return None
        (grad_weight,) = torch.autograd.grad(output, [self.weight], grad_out)
        self.weight.grad = grad_weight if self.weight.grad is None else self.weight.grad.add_(grad_weight)
        return None
