"""TransformerEncoderLayer of the torch backend: the blocks of dlbook/numpy/transformer.py with torch ops,
backward by autograd over the whole layer.

    post-norm: h = norm1(x + SA(x)), y = norm2(h + FF(h));   pre-norm: h = x + SA(norm1(x)), y = h + FF(norm2(h))
"""

from ..core.errors import check_floating
from ..core.specs import TransformerEncoderLayerSpec
from .activations import GELU, ReLU
from .attention import MultiheadAttention
from .layers import Dropout, Linear
from .module import Module
from .normalization import LayerNorm


class TransformerEncoderLayer(TransformerEncoderLayerSpec, Module):
    """One transformer encoder block, as torch.nn.TransformerEncoderLayer (post-norm by default).
    src (N, T, d_model) -> (N, T, d_model); backward(dL/dy) returns dL/dsrc."""

    sublayers = {"MultiheadAttention": MultiheadAttention, "Linear": Linear, "Dropout": Dropout,
                 "LayerNorm": LayerNorm, "relu": ReLU, "gelu": GELU}

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        check_floating(self, src, dtype=self.linear1.weight.dtype)     # its parameters' dtype, as torch
        x = self._track(src)
        if self.norm_first:
            x = x + self.self_attention_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return self._keep(x + self.feed_forward_block(self.norm2(x)))
        x = self.norm1(x + self.self_attention_block(x, src_mask, src_key_padding_mask, is_causal))
        return self._keep(self.norm2(x + self.feed_forward_block(x)))

    def self_attention_block(self, x, attn_mask, key_padding_mask, is_causal):
        out, _ = self.self_attn(x, x, x, key_padding_mask=key_padding_mask, need_weights=False, attn_mask=attn_mask,
                                is_causal=is_causal)
        return self.dropout1(out)

    def feed_forward_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))
