"""ConvTranspose2d of the NumPy reference: the convolution's backward run forward, and its forward run backward.

A transposed convolution of x: (N, C_in, H, W) with weight w: (C_in, C_out, kh, kw) spreads every input
pixel over a kh x kw patch of the output, the patches stride (sh, sw) apart:

    y[o, i*sh + u - ph, j*sw + v - pw] += sum_c x[c, i, j] w[c, o, u, v]  + b[o]
    Ho = (H - 1) sh - 2 ph + kh + oph     (Wo alike; output_padding oph only picks among the sizes)

It is the adjoint of Conv2d(C_out, C_in, kernel_size, stride, padding) on an (Ho, Wo) image: that
convolution's dL/dx is this layer's forward, and its forward is this layer's dL/dx. So the same im2col
machinery (kernels.Im2col, set up for the *output's* shape) serves both, with the roles swapped:

    forward   cols = X W              X: (N*H*W, C_in), one row per input pixel; W = w as a (C_in, K) matrix
              y = col2im(cols) + b    each row's K = C_out kh kw numbers added onto its patch of y
    backward  dL/dcols = im2col(delta)          delta = dL/dy, zero-padded; one patch per input pixel
              dL/dX = dL/dcols W^T,  dL/dW = X^T dL/dcols,  dL/db = sum of delta over N, Ho, Wo
"""

from ..core.errors import check_finite, check_floating, check_shape
from ..core.specs import ConvTranspose2dSpec
from .kernels import Im2col, pixel_rows, workspace
from .module import Module
from .tensor import is_finite


class ConvTranspose2d(ConvTranspose2dSpec, Module):
    """Transposed 2-D convolution (see the module docstring): each input pixel adds w-weighted copies of
    its kernel onto the output, stride apart.

    x: (N, C_in, H, W) -> y: (N, C_out, Ho, Wo), Ho = (H - 1) sh - 2 ph + kh + oph (Wo alike)
    weight: (C_in, C_out, kh, kw), bias: (C_out,)  -- as torch.nn.ConvTranspose2d"""

    def forward(self, x):
        check_shape(self, x, (None, self.in_channels, None, None))
        check_floating(self, x, dtype=self.weight.dtype)              # its parameters' dtype, as torch
        check_finite(self, x, is_finite(x))
        out_size = self.output_size(x)
        self.im2col = Im2col((x.shape[0], self.out_channels, *out_size), self.kernel_size, self.stride,
                             self.padding, workspace(self))          # the adjoint convolution, on y's shape
        self.x_rows = pixel_rows(x)                                       # X: (N*H*W, C_in), one row per pixel
        self.weight_matrix = self.im2col.weight_matrix(self.weight.data)  # W: (C_in, K), K = C_out kh kw
        cols = self.im2col.grad_cols(self.x_rows, self.weight_matrix)     # cols = X W: each pixel's patch
        y = self.im2col.col2im(cols)                                      # y = patches added up, padding cropped
        if self.bias is not None:
            y = y + self.bias.data[:, None, None]                         #     + b
        return y

    def backward(self, grad_out):                            # grad_out = delta = dL/dy: (N, C_out, Ho, Wo)
        grad_cols = self.im2col.cols(grad_out)               # dL/dcols: the patch of delta each pixel wrote to
        grad_weight = self.im2col.weight(self.x_rows.T @ grad_cols, self.weight.shape)
        self.weight.accumulate_grad(grad_weight)                          # dL/dW = X^T dL/dcols
        if self.bias is not None:
            self.bias.accumulate_grad(grad_out.sum(axis=(0, 2, 3)))       # dL/db = sum of delta
        return self.im2col.images(grad_cols @ self.weight_matrix.T)      # dL/dX = dL/dcols W^T
