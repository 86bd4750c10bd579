"""Embedding of the torch backend: y = W[input] with torch.nn.functional.embedding, backward by autograd."""

import torch
import torch.nn.functional as F

from ..core.errors import layer_name
from ..core.specs import EmbeddingSpec
from .module import Module


class Embedding(EmbeddingSpec, Module):
    """Row lookup y = W[input], as torch.nn.Embedding: integer ids (*) -> (*, embedding_dim). Repeated ids
    add up in weight.grad, the padding_idx row gets none; the indices get no gradient (backward returns None)."""

    def forward(self, input):
        self.check_indices(input)
        self._output = F.embedding(input, self.weight, self.padding_idx)
        return self._output

    def backward(self, grad_out):
        if getattr(self, "_output", None) is None:
            raise RuntimeError(f"{layer_name(self)}.backward() needs a forward pass first")
        if not self.weight.requires_grad:                     # frozen (e.g. pretrained): no gradient, as torch.nn
            self._output = None
            return None
        if not self._output.requires_grad:
            raise RuntimeError(f"{layer_name(self)}.backward() needs a forward pass with grad enabled")
        (grad_weight,) = torch.autograd.grad(self._output, [self.weight], grad_out.to(self._output.dtype))
        self.weight.grad = grad_weight if self.weight.grad is None else self.weight.grad.add_(grad_weight)
        self._output = None
        return None
