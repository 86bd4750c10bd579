"""Embedding of the NumPy reference: a lookup table of learned vectors, one row per token id.

    y[..., :] = W[i]              for each index i of the input
    dL/dW[i] = sum of dL/dy over every position that holds i     (repeated ids add up; padding_idx gets none)
"""

import numpy as np

from ..core.specs import EmbeddingSpec
from .module import Module


class Embedding(EmbeddingSpec, Module):
    """Row lookup y = W[input], as torch.nn.Embedding.

    input: integer token ids of any shape (*) -> y (*, embedding_dim); weight (num_embeddings, embedding_dim).
    Looking up row i is multiplying the one-hot vector of i by W, so dL/dW is the one-hot vectors' sum
    weighted by dL/dy: each position adds its dL/dy to the row it read. The indices get no gradient:
    backward returns None."""

    def forward(self, input):
        self.check_indices(input)
        self.indices = input                                   # kept for backward
        return self.weight.data[input]                         # y = W[i]

    def backward(self, grad_out):                              # grad_out = dL/dy: (*, embedding_dim)
        grad_weight = np.zeros_like(self.weight.data)
        np.add.at(grad_weight, self.indices.reshape(-1), grad_out.reshape(-1, self.embedding_dim))  # dL/dW[i] += dL/dy
        if self.padding_idx is not None:
            grad_weight[self.padding_idx] = 0.0                # the padding row is not learned
        self.weight.accumulate_grad(grad_weight)
        return None                                            # no gradient for integer indices
