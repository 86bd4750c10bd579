"""TransformerEncoderLayer of the NumPy reference: self-attention and a position-wise feed-forward block,
each inside a residual connection with layer normalization (Vaswani et al., 2017), forward and backward.

    post-norm (norm_first=False, the original):   h = norm1(x + SA(x)),        y = norm2(h + FF(h))
    pre-norm  (norm_first=True, GPT-2's):         h = x + SA(norm1(x)),        y = h + FF(norm2(h))

    SA(x) = dropout1(self_attn(x, x, x)),   FF(x) = dropout2(linear2(dropout(activation(linear1(x)))))

Backward runs the same blocks in reverse; at each residual connection the gradient splits into the
identity path and the block's path, and adds up again at the block's input. Self-attention reads x three
times (query, key, value): dL/dx gets the sum of the three gradients.
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

    src (N, T, d_model) (batch_first=False: (T, N, d_model)) -> (N, T, d_model); src_mask (T, T) or
    (N * nhead, T, T) and src_key_padding_mask (N, T) as MultiheadAttention's attn_mask and key_padding_mask;
    is_causal=True (without src_mask) makes it a decoder-only (GPT) block: position t sees positions <= t.
    backward(dL/dy) returns dL/dsrc."""

    sublayers = {"MultiheadAttention": MultiheadAttention, "Linear": Linear, "Dropout": Dropout,
                 "LayerNorm": LayerNorm, "relu": ReLU, "gelu": GELU}

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        check_floating(self, src, dtype=self.linear1.weight.dtype)     # its parameters' dtype, as torch
        x = src
        if self.norm_first:
            x = x + self.self_attention_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)  # h
            return x + self.feed_forward_block(self.norm2(x))                                           # y
        x = self.norm1(x + self.self_attention_block(x, src_mask, src_key_padding_mask, is_causal))       # h
        return self.norm2(x + self.feed_forward_block(x))                                                # y

    def self_attention_block(self, x, attn_mask, key_padding_mask, is_causal):
        """SA(x) = dropout1(self_attn(x, x, x))."""
        out, _ = self.self_attn(x, x, x, key_padding_mask=key_padding_mask, need_weights=False, attn_mask=attn_mask,
                                is_causal=is_causal)
        return self.dropout1(out)

    def feed_forward_block(self, x):
        """FF(x) = dropout2(linear2(dropout(activation(linear1(x)))))."""
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def self_attention_backward(self, grad_out):
        """dL/dx of SA(x) = dropout1(self_attn(x, x, x)): the sum over query, key and value."""
        grad_query, grad_key, grad_value = self.self_attn.backward(self.dropout1.backward(grad_out))
        return grad_query + grad_key + grad_value

    def feed_forward_backward(self, grad_out):
        """dL/dx of FF(x), layer by layer in reverse."""
        grad = self.linear2.backward(self.dropout2.backward(grad_out))
        return self.linear1.backward(self.activation.backward(self.dropout.backward(grad)))

    def backward(self, grad_out):                          # grad_out = dL/dy
        if self.norm_first:
            grad_h = grad_out + self.norm2.backward(self.feed_forward_backward(grad_out))   # y = h + FF(norm2(h))
            return grad_h + self.norm1.backward(self.self_attention_backward(grad_h))       # h = x + SA(norm1(x))
        grad_h_sum = self.norm2.backward(grad_out)                                  # y = norm2(h + FF(h))
        grad_h = grad_h_sum + self.feed_forward_backward(grad_h_sum)
        grad_x_sum = self.norm1.backward(grad_h)                                    # h = norm1(x + SA(x))
        return grad_x_sum + self.self_attention_backward(grad_x_sum)
