"""Attention in the NumPy reference: scaled dot-product attention (function and module form) and
MultiheadAttention, every backward written out.

    S = Q K^T / sqrt(E) + M          scores (..., L, S): query i against key j, plus the mask M (0 or -inf)
    P = softmax(S) along the keys    attention weights, each row sums to 1
    O = P V                          each query's output: the weighted mean of the values

and back, for dL/dO:

    dV = P^T dO,   dP = dO V^T,   dS = P * (dP - rowsum(dP * P)),   dQ = dS K / sqrt(E),   dK = dS^T Q / sqrt(E)

A query whose keys are all masked attends to nothing: its row of P is 0, so its output is 0 (and so are
its gradients), as torch.nn.functional.scaled_dot_product_attention gives (torch's MultiheadAttention gives
NaN there when need_weights=True, 0 when need_weights=False; we give 0 in both).
"""

import math

import numpy as np

from ..core.errors import check_finite, check_floating
from ..core.specs import MultiheadAttentionSpec, OutProjectionSpec, ScaledDotProductAttentionSpec
from .layers import Linear
from .module import Module
from .tensor import is_finite


def additive_mask(mask, masked_value):
    """A boolean mask as the float mask added to the scores: -inf where mask == masked_value, else 0.
    A float mask is returned as it is."""
    if mask is None or mask.dtype != np.bool_:
        return mask
    return np.where(mask == masked_value, -np.inf, 0.0)


def causal_mask(length, source):
    """(L, S) float: 0 where key j <= query i (the past and the present), -inf after it."""
    return np.where(np.tril(np.ones((length, source), dtype=bool)), 0.0, -np.inf)


def masked_softmax(scores):
    """softmax along the last axis; a row of -inf only (a query with no key left) gives 0, not 0 / 0."""
    row_max = scores.max(axis=-1, keepdims=True)
    no_key = row_max == -np.inf
    exp = np.exp(scores - np.where(no_key, 0.0, row_max))            # subtract the max: exp never overflows
    total = exp.sum(axis=-1, keepdims=True)
    return exp / np.where(no_key, 1.0, total)


class ScaledDotProductAttention(ScaledDotProductAttentionSpec, Module):
    """Attention(Q, K, V) = softmax(Q K^T * scale + M) V, for every leading index (batch, head):

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); scale = 1 / sqrt(E) unless given.
    attn_mask: boolean (True = may attend, torch.nn.functional's meaning) or float (added to the scores),
    broadcastable to (..., L, S); is_causal=True: query i attends to keys j <= i only.
    In training, dropout_p zeroes attention weights (the rest scaled by 1 / (1 - p)), masks drawn from `seed`.
    Keeps attn_weights (..., L, S): the weights the values were averaged with (after dropout, as torch's
    MultiheadAttention returns them). backward(dL/dO) returns (dL/dQ, dL/dK, dL/dV)."""

    def forward(self, query, key, value, attn_mask=None, is_causal=False, scale=None):
        self.check_inputs(query, key, value, attn_mask, is_causal)
        check_floating(self, query, what="query")
        for name, x in (("query", query), ("key", key), ("value", value)):
            check_floating(self, x, what=name, dtype=query.dtype, whose="the query's")   # one dtype, as torch
            check_finite(self, x, is_finite(x), what=name)
        length, source = query.shape[-2], key.shape[-2]
        mask = causal_mask(length, source) if is_causal else additive_mask(attn_mask, False)
        self.scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
        self.query, self.key, self.value = query, key, value                    # kept for backward
        scores = query @ key.swapaxes(-1, -2) * query.dtype.type(self.scale)     # S = Q K^T / sqrt(E)
        if mask is not None:
            scores = scores + mask.astype(query.dtype)                           #   + M
        self.weights = masked_softmax(scores)                                    # P = softmax(S); no key: 0
        self.scaled_mask = None
        if self.training and self.dropout_p > 0.0:
            keep = 1.0 - self.dropout_p
            kept = (self.generator.random(self.weights.shape) < keep).astype(query.dtype)    # m ~ Bernoulli(1 - p)
            self.scaled_mask = kept / query.dtype.type(keep) if keep > 0 else kept           # m / (1 - p)
        self.attn_weights = self.weights if self.scaled_mask is None else self.weights * self.scaled_mask
        return self.attn_weights @ value                                         # O = P V

    def backward(self, grad_out):                                                # grad_out = dO: (..., L, Ev)
        P = self.weights
        grad_value = self.attn_weights.swapaxes(-1, -2) @ grad_out               # dV = P^T dO
        grad_weights = grad_out @ self.value.swapaxes(-1, -2)                    # dP = dO V^T
        if self.scaled_mask is not None:
            grad_weights = grad_weights * self.scaled_mask                       # through the dropout: dP * m/(1-p)
        grad_scores = P * (grad_weights - (grad_weights * P).sum(axis=-1, keepdims=True))   # dS = P (dP - rowsum)
        grad_scores *= grad_scores.dtype.type(self.scale)                        # S = scale Q K^T
        grad_query = grad_scores @ self.key                                      # dQ = dS K scale
        grad_key = grad_scores.swapaxes(-1, -2) @ self.query                     # dK = dS^T Q scale
        return grad_query, grad_key, grad_value


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """softmax(Q K^T * scale + M) V, as torch.nn.functional.scaled_dot_product_attention: query (..., L, E),
    key (..., S, E), value (..., S, Ev) -> (..., L, Ev); attn_mask bool (True = may attend) or float (added);
    dropout_p > 0 drops weights whatever the mode (as torch's function), masks from fresh randomness (the
    module form ScaledDotProductAttention takes a seed)."""
    attention = ScaledDotProductAttention(dropout_p)
    return attention(query, key, value, attn_mask=attn_mask, is_causal=is_causal, scale=scale)


class NonDynamicallyQuantizableLinear(OutProjectionSpec, Linear):
    """MultiheadAttention's out_proj: a Linear(E, E) whose bias starts at zero, under the name torch gives it."""


def split_heads(x, num_heads):
    """(N, L, E) -> (N, num_heads, L, E / num_heads): head h holds features h*d .. (h+1)*d - 1."""
    n, length, features = x.shape
    return x.reshape(n, length, num_heads, features // num_heads).transpose(0, 2, 1, 3)


def merge_heads(x):
    """(N, num_heads, L, d) -> (N, L, num_heads * d): the heads side by side (concat)."""
    n, heads, length, head_dim = x.shape
    return x.transpose(0, 2, 1, 3).reshape(n, length, heads * head_dim)


class MultiheadAttention(MultiheadAttentionSpec, Module):
    """MultiHead(Q, K, V) = concat(head_1, ..., head_h) W_o^T + b_o,  head_i = Attention(Q W_qi^T, K W_ki^T, V W_vi^T)

    query (N, L, E), key and value (N, S, E) (batch_first=False: time first) -> (attn_output (N, L, E),
    attn_weights (N, L, S) averaged over the heads, (N, num_heads, L, S) with average_attn_weights=False, None
    with need_weights=False). Masks as torch.nn.MultiheadAttention's: key_padding_mask (N, S) and attn_mask (L, S)
    or (N * num_heads, L, S), boolean (True = may NOT attend, the opposite of scaled_dot_product_attention's) or
    float (added to the scores); is_causal=True without attn_mask applies the causal mask (torch refuses that
    call and asks for the mask; given, attn_mask is used, torch's hint being that it is causal).

    backward(dL/d attn_output) returns (dL/dquery, dL/dkey, dL/dvalue), one per argument: for self-attention
    (query is key is value = x), dL/dx is their sum. The attention weights get no gradient of their own."""

    sublayers = {"out_proj": NonDynamicallyQuantizableLinear, "attention": ScaledDotProductAttention}

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        batch_size, length, source = self.check_inputs(query, key, value, key_padding_mask, attn_mask)
        dtype = self.in_proj_weight.dtype
        for name, x in (("query", query), ("key", key), ("value", value)):
            check_floating(self, x, what=name, dtype=dtype)                # its parameters' dtype, as torch
            check_finite(self, x, is_finite(x), what=name)
        self.check_batch(batch_size, key_padding_mask, need_weights)
        if not self.batch_first:                                       # (L, N, E) -> (N, L, E)
            query, key, value = (x.swapaxes(0, 1) for x in (query, key, value))
        self.inputs = query, key, value                                # kept for backward
        weight_q, weight_k, weight_v = np.split(self.in_proj_weight.data, 3)
        q, k, v = query @ weight_q.T, key @ weight_k.T, value @ weight_v.T      # Q W_q^T, K W_k^T, V W_v^T
        if self.in_proj_bias is not None:
            bias_q, bias_k, bias_v = np.split(self.in_proj_bias.data, 3)
            q, k, v = q + bias_q, k + bias_k, v + bias_v                        #   + b_q, b_k, b_v
        mask = self.merged_mask(query.dtype, batch_size, length, source, key_padding_mask, attn_mask, is_causal)
        self.attention.train(self.training)
        heads = self.attention(split_heads(q, self.num_heads), split_heads(k, self.num_heads),
                               split_heads(v, self.num_heads), attn_mask=mask)   # head_i, (N, h, L, d)
        out = self.out_proj(merge_heads(heads))                                 # concat(heads) W_o^T + b_o
        if not self.batch_first:
            out = out.swapaxes(0, 1)
        if not need_weights:
            return out, None
        weights = self.attention.attn_weights                                   # (N, h, L, S)
        return out, weights.mean(axis=1) if average_attn_weights else weights

    def merged_mask(self, dtype, batch_size, length, source, key_padding_mask, attn_mask, is_causal):
        """One float mask added to every head's scores, (N or 1, h or 1, L, S), or None: the attention
        mask (or the causal one) plus the key padding mask, each boolean one as -inf where True."""
        if attn_mask is None and is_causal:
            attn_mask = causal_mask(length, source)
        mask = None
        if attn_mask is not None:
            mask = additive_mask(attn_mask, True)
            mask = mask[None, None] if mask.ndim == 2 else mask.reshape(batch_size, self.num_heads, length, source)
        if key_padding_mask is not None:
            padding = additive_mask(key_padding_mask, True)[:, None, None, :]            # (N, 1, 1, S)
            mask = padding if mask is None else mask + padding
        return None if mask is None else mask.astype(dtype)

    def backward(self, grad_out):                                      # grad_out = dL/d(attn_output)
        query, key, value = self.inputs
        if not self.batch_first:
            grad_out = grad_out.swapaxes(0, 1)
        grad_heads = split_heads(self.out_proj.backward(grad_out), self.num_heads)   # dL/d concat(heads)
        grad_q, grad_k, grad_v = (merge_heads(g) for g in self.attention.backward(grad_heads))   # dL/dQ W_q^T ...
        grads = (grad_q, grad_k, grad_v)
        features = self.embed_dim
        self.in_proj_weight.accumulate_grad(np.concatenate([                   # dL/dW_q = dQ^T X_q, ...
            g.reshape(-1, features).T @ x.reshape(-1, features) for g, x in zip(grads, self.inputs)]))
        if self.in_proj_bias is not None:
            self.in_proj_bias.accumulate_grad(np.concatenate([g.reshape(-1, features).sum(axis=0) for g in grads]))
        weight_q, weight_k, weight_v = np.split(self.in_proj_weight.data, 3)
        grad_query, grad_key, grad_value = grad_q @ weight_q, grad_k @ weight_k, grad_v @ weight_v   # dX = dQ W_q
        if not self.batch_first:
            grad_query, grad_key, grad_value = (g.swapaxes(0, 1) for g in (grad_query, grad_key, grad_value))
        return grad_query, grad_key, grad_value
