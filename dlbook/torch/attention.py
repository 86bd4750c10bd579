"""Attention in the torch backend: scaled dot-product attention (function and module form) and
MultiheadAttention, computed with torch ops; backward runs autograd over the layer's own graph.

The equations are the NumPy reference's (dlbook/numpy/attention.py): S = Q K^T / sqrt(E) + M,
P = softmax(S), O = P V. A query whose keys are all masked gets weights 0 and output 0, as
torch.nn.functional.scaled_dot_product_attention gives. Dropout masks are drawn from a NumPy Generator,
so both backends drop the same attention weights.
"""

import math

import torch
import torch.nn.functional as F

from ..core.errors import check_finite, check_floating
from ..core.specs import MultiheadAttentionSpec, OutProjectionSpec, ScaledDotProductAttentionSpec
from .layers import Linear
from .module import Module, output_and_grad_out
from .tensor import asarray, is_finite


def additive_mask(mask, masked_value, dtype):
    """A boolean mask as the float mask added to the scores: -inf where mask == masked_value, else 0."""
    if mask is None:
        return None
    if mask.dtype != torch.bool:
        return mask.to(dtype)
    return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill_(mask == masked_value, float("-inf"))


def causal_mask(length, source, dtype, device):
    """(L, S) float: 0 where key j <= query i, -inf after it."""
    allowed = torch.ones(length, source, dtype=torch.bool, device=device).tril()
    return additive_mask(allowed, False, dtype)


def masked_softmax(scores):
    """softmax along the last axis; a row of -inf only (no key left) gives 0 (torch's softmax: NaN)."""
    no_key = torch.isneginf(scores).all(dim=-1, keepdim=True)
    return torch.softmax(scores.masked_fill(no_key, 0.0), dim=-1).masked_fill(no_key, 0.0)


def differentiable_inputs(*inputs):
    """Each input as its own node of the graph, so that backward returns one gradient per argument even when
    the same array is passed twice (self-attention): a new leaf that requires grad, or a view of an input
    that carries a graph already (loss.backward() still reaches it)."""
    tracked = []
    for x in inputs:
        if not torch.is_grad_enabled() or not x.is_floating_point():
            tracked.append(x)
        elif x.requires_grad:
            tracked.append(x.view_as(x))
        else:
            tracked.append(x.detach().requires_grad_())
    return tracked


def backward_to_inputs(layer, grad_out):
    """Autograd from layer's output back to each of its inputs and the parameters: adds dL/dparameter into
    .grad, returns (dL/d input_1, dL/d input_2, ...). Once per forward, for dL/dy of the output's shape (the
    checks of Module.backward, run only when it is not the ready case)."""
    attributes = layer.__dict__
    output, grad_out = output_and_grad_out(layer, grad_out)
    params = [p for p in layer.parameters() if p.requires_grad]
    inputs = list(attributes["_inputs"])
    grads = torch.autograd.grad(output, inputs + params, grad_out, allow_unused=True)
    for param, grad in zip(params, grads[len(inputs):]):
        if grad is not None:
            param.grad = grad if param.grad is None else param.grad.add_(grad)
    attributes["_output"] = None                          # the graph is freed: one backward per forward
    return tuple(torch.zeros_like(x) if g is None else g for x, g in zip(inputs, grads[:len(inputs)]))


def dropout_mask(generator, shape, p, like):
    """m / (1 - p), m ~ Bernoulli(1 - p), drawn from the NumPy generator (as dlbook.numpy's)."""
    keep = 1.0 - p
    kept = torch.from_numpy(generator.random(tuple(shape)) < keep).to(device=like.device, dtype=like.dtype)
    return kept / keep if keep > 0 else kept


class ScaledDotProductAttention(ScaledDotProductAttentionSpec, Module):
    """Attention(Q, K, V) = softmax(Q K^T * scale + M) V: query (..., L, E), key (..., S, E), value (..., S, Ev)
    -> (..., L, Ev). attn_mask bool (True = may attend) or float (added), broadcastable to (..., L, S);
    is_causal: query i attends to keys j <= i. Dropout on the weights in training (NumPy-drawn masks).
    Keeps attn_weights; backward(dL/dO) returns (dL/dQ, dL/dK, dL/dV)."""

    def forward(self, query, key, value, attn_mask=None, is_causal=False, scale=None):
        self.check_inputs(query, key, value, attn_mask, is_causal)
        check_floating(self, query, what="query")
        for name, x in (("query", query), ("key", key), ("value", value)):
            check_floating(self, x, what=name, dtype=query.dtype, whose="the query's")   # one dtype, as torch
            check_finite(self, x, is_finite(x), what=name)
        inputs = self.__dict__["_inputs"] = differentiable_inputs(query, key, value)
        return self._keep(self.attend(*inputs, attn_mask, is_causal, scale))

    def attend(self, query, key, value, attn_mask=None, is_causal=False, scale=None):
        """The attention itself, on tensors already checked; attn_mask float (added) or bool (True = may attend)."""
        length, source = query.shape[-2], key.shape[-2]
        if is_causal:
            mask = causal_mask(length, source, query.dtype, query.device)
        else:
            mask = additive_mask(attn_mask, False, query.dtype)
        scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
        scores = query @ key.transpose(-2, -1) * scale                      # S = Q K^T / sqrt(E)
        if mask is not None:
            scores = scores + mask                                          #   + M
        weights = masked_softmax(scores)                                    # P = softmax(S)
        if self.training and self.dropout_p > 0.0:
            weights = weights * dropout_mask(self.generator, weights.shape, self.dropout_p, weights)
        self.attn_weights = weights
        return weights @ value                                              # O = P V

    def backward(self, grad_out):
        return backward_to_inputs(self, grad_out)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """softmax(Q K^T * scale + M) V, as torch.nn.functional.scaled_dot_product_attention (which it calls when
    dropout_p is 0); with dropout_p > 0 the weights are dropped whatever the mode, masks from fresh NumPy
    randomness (the module form ScaledDotProductAttention takes a seed)."""
    attention = ScaledDotProductAttention(dropout_p)
    if dropout_p == 0.0:
        attention.check_inputs(query, key, value, attn_mask, is_causal)
        check_floating(attention, query, what="query")
        for name, x in (("query", query), ("key", key), ("value", value)):
            check_floating(attention, x, what=name, dtype=query.dtype, whose="the query's")
            check_finite(attention, x, is_finite(x), what=name)
        return F.scaled_dot_product_attention(query, key, value, attn_mask=attn_mask, is_causal=is_causal,
                                              scale=scale)
    return attention(query, key, value, attn_mask=attn_mask, is_causal=is_causal, scale=scale)


class NonDynamicallyQuantizableLinear(OutProjectionSpec, Linear):
    """MultiheadAttention's out_proj: a Linear(E, E) whose bias starts at zero, under the name torch gives it."""


def split_heads(x, num_heads):
    """(N, L, E) -> (N, num_heads, L, E / num_heads)."""
    n, length, features = x.shape
    return x.reshape(n, length, num_heads, features // num_heads).transpose(1, 2)


def merge_heads(x):
    """(N, num_heads, L, d) -> (N, L, num_heads * d)."""
    n, heads, length, head_dim = x.shape
    return x.transpose(1, 2).reshape(n, length, heads * head_dim)


class MultiheadAttention(MultiheadAttentionSpec, Module):
    """concat(head_1, ..., head_h) W_o^T + b_o, head_i = Attention(Q W_qi^T, K W_ki^T, V W_vi^T), as
    torch.nn.MultiheadAttention (its parameters, masks and outputs; see dlbook/numpy/attention.py).
    backward(dL/d attn_output) returns (dL/dquery, dL/dkey, dL/dvalue)."""

    sublayers = {"out_proj": NonDynamicallyQuantizableLinear, "attention": ScaledDotProductAttention}

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        batch_size, length, source = self.check_inputs(query, key, value, key_padding_mask, attn_mask)
        dtype = self.in_proj_weight.dtype
        for name, x in (("query", query), ("key", key), ("value", value)):
            check_floating(self, x, what=name, dtype=dtype)                # its parameters' dtype, as torch
            check_finite(self, x, is_finite(x), what=name)
        self.check_batch(batch_size, key_padding_mask, need_weights)
        inputs = self.__dict__["_inputs"] = differentiable_inputs(query, key, value)
        query, key, value = (x if self.batch_first else x.transpose(0, 1) for x in inputs)
        weight_q, weight_k, weight_v = self.in_proj_weight.chunk(3)
        bias_q, bias_k, bias_v = (None,) * 3 if self.in_proj_bias is None else self.in_proj_bias.chunk(3)
        q, k, v = F.linear(query, weight_q, bias_q), F.linear(key, weight_k, bias_k), F.linear(value, weight_v, bias_v)
        mask = self.merged_mask(query, batch_size, length, source, key_padding_mask, attn_mask, is_causal)
        self.attention.train(self.training)
        heads = self.attention.attend(split_heads(q, self.num_heads), split_heads(k, self.num_heads),
                                      split_heads(v, self.num_heads), attn_mask=mask)
        out = self.out_proj(merge_heads(heads))
        out = self._keep(out if self.batch_first else out.transpose(0, 1))
        if not need_weights:
            return out, None
        weights = self.attention.attn_weights
        return out, weights.mean(dim=1) if average_attn_weights else weights

    def merged_mask(self, query, batch_size, length, source, key_padding_mask, attn_mask, is_causal):
        """The attention (or causal) mask plus the key padding mask: one float mask (N or 1, h or 1, L, S)."""
        dtype, device = query.dtype, query.device
        if attn_mask is None and is_causal:
            mask = causal_mask(length, source, dtype, device)[None, None]
        elif attn_mask is not None:
            mask = additive_mask(asarray(attn_mask), True, dtype)
            mask = mask[None, None] if mask.ndim == 2 else mask.reshape(batch_size, self.num_heads, length, source)
        else:
            mask = None
        if key_padding_mask is not None:
            padding = additive_mask(asarray(key_padding_mask), True, dtype)[:, None, None, :]
            mask = padding if mask is None else mask + padding
        return mask

    def backward(self, grad_out):
        return backward_to_inputs(self, grad_out)
