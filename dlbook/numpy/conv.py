"""Conv2d of the NumPy reference: im2col, then the dense layer's matrix product, forward and backward.

A convolution (as in torch, a cross-correlation) of x: (N, C, H, W) with weight w: (C_out, C, kh, kw)
gives, for output pixel (i, j) of channel o,

    y_ij = sum_{c, u, v} w[o, c, u, v] x[c, i*sh + u, j*sw + v] + b[o]        (x zero-padded)

im2col copies every receptive field into one row of a matrix `cols` (N*Ho*Wo rows, K = C*kh*kw
columns). The convolution is then the dense layer's product, and so is its backward:

    forward   Y = cols W^T + b             Y: (N*Ho*Wo, C_out), W = w as a (C_out, K) matrix
    backward  dL/dW = delta^T cols,  dL/db = sum of delta over the rows,  dL/dcols = delta W,
              dL/dx = col2im(dL/dcols): each row added back onto the pixels it was copied from.

With stride 1, dL/dx is also a convolution: of delta, zero-padded by (kh - 1 - ph, kw - 1 - pw), with
the kernel flipped and its input and output channels swapped (the "full" convolution). Conv2d takes
that way where it was measured faster; the numbers are the same.

How im2col and col2im run without a Python loop over pixels (one strided view and one copy, in the
memory layout that copies the longer runs; buffers kept between calls) is in kernels.Im2col.
"""

from ..core.errors import check_finite, check_floating, check_shape
from ..core.specs import Conv2dSpec
from ..core.windows import check_window_fits
from .kernels import Im2col, pixel_rows, workspace
from .module import Module
from .tensor import is_finite


class Conv2d(Conv2dSpec, Module):
    """2-D convolution: y_ij = sum w x + b over each receptive field (see the module docstring).

    x: (N, C_in, H, W) -> y: (N, C_out, Ho, Wo), Ho = (H + 2 ph - kh) // sh + 1 (Wo alike)
    weight: (C_out, C_in, kh, kw), bias: (C_out,)  -- as torch.nn.Conv2d
    kernel_size, stride, padding: an int or a pair (height, width); zero padding."""

    def forward(self, x):
        check_shape(self, x, (None, self.in_channels, None, None))
        check_window_fits(self, x, self.kernel_size, self.padding)
        check_floating(self, x, dtype=self.weight.dtype)
        check_finite(self, x, is_finite(x))
        self.im2col = Im2col(x.shape, self.kernel_size, self.stride, self.padding, workspace(self))
        self.cols = self.im2col.cols(x)                                  # (N*Ho*Wo, K): one receptive field per row
        self.weight_matrix = self.im2col.weight_matrix(self.weight.data)  # W: (C_out, K)
        y = self.cols @ self.weight_matrix.T                              # y_ij = sum_{c, u, v} w x
        if self.bias is not None:
            y += self.bias.data                                           #        + b
        return self.im2col.images(y)                                      # (N*Ho*Wo, C_out) -> (N, C_out, Ho, Wo)

    def backward(self, grad_out):                            # grad_out = delta = dL/dy: (N, C_out, Ho, Wo)
        delta = pixel_rows(grad_out)                         # (N*Ho*Wo, C_out), one row per output pixel
        grad_weight = self.im2col.weight(delta.T @ self.cols, self.weight.shape)
        self.weight.accumulate_grad(grad_weight)                          # dL/dW = delta^T cols
        if self.bias is not None:
            self.bias.accumulate_grad(delta.sum(axis=0))                  # dL/db = sum of delta over the rows
        if self.im2col.full_convolution_pays(self.out_channels):         # stride 1: dL/dx as a convolution
            return self.im2col.input_grad_by_full_convolution(grad_out, self.weight.data)
        grad_cols = self.im2col.grad_cols(delta, self.weight_matrix)     # dL/dcols = delta W
        return self.im2col.col2im(grad_cols)                              # dL/dx = col2im(dL/dcols)
