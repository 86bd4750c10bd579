"""Upsample of the NumPy reference: nearest-neighbour and bilinear interpolation as two small matrices.

Both modes are separable: every output row is a weighted sum of input rows, and every output column of
input columns. With A_H: (Ho, H) and A_W: (Wo, W) holding those weights, for each image x: (H, W)

    forward   y = A_H x A_W^T
    backward  dL/dx = A_H^T (dL/dy) A_W          (the same map, transposed: each input pixel collects
                                                  the gradient of every output pixel it was copied into)

Row p of A_H (as torch.nn.Upsample computes it, scale = H / Ho, or 1 / scale_factor when given):
    nearest:   one 1 at h = min(floor(p scale), H - 1)
    bilinear:  src = scale (p + 1/2) - 1/2 (clamped at 0), h0 = floor(src), lambda = src - h0:
               1 - lambda at h0 and lambda at min(h0 + 1, H - 1)
               (align_corners=True: src = p (H - 1) / (Ho - 1), the corner pixels kept exactly)
"""

import numpy as np

from ..core.errors import check_finite, check_floating, check_shape
from ..core.specs import UpsampleSpec
from .module import Module
from .tensor import is_finite


def interpolation_matrix(in_size, out_size, mode, align_corners=False, scale_factor=None):
    """A: (out_size, in_size), the weights of one axis: y = A x along that axis (see the module docstring).
    scale_factor: the factor given to Upsample (torch then uses 1 / scale_factor, not in_size / out_size)."""
    matrix = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    if mode == "nearest":
        scale = np.float32(1 / scale_factor if scale_factor else in_size / out_size)   # torch: float32 maths
        source = np.minimum(np.floor(rows.astype(np.float32) * scale).astype(np.int64), in_size - 1)
        matrix[rows, source] = 1.0                                   # y_p = x_{floor(p scale)}
        return matrix
    if align_corners:
        scale = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
        source = rows * scale                                        # src = p (H - 1) / (Ho - 1)
    else:
        scale = 1 / scale_factor if scale_factor else in_size / out_size
        source = np.maximum(scale * (rows + 0.5) - 0.5, 0.0)         # src = scale (p + 1/2) - 1/2, >= 0
    lower = np.floor(source).astype(np.int64)                        # h0
    upper = np.minimum(lower + 1, in_size - 1)                       # h1 = h0 + 1 (at most H - 1)
    weight_upper = source - lower                                    # lambda
    np.add.at(matrix, (rows, lower), 1.0 - weight_upper)             # (1 - lambda) x_h0
    np.add.at(matrix, (rows, upper), weight_upper)                   #   + lambda x_h1
    return matrix


class Upsample(UpsampleSpec, Module):
    """y = A_H x A_W^T per image and channel (see the module docstring): 'nearest' copies each pixel into an
    sh x sw block, 'bilinear' blends the two nearest rows and columns.

    x: (N, C, H, W) -> y: (N, C, Ho, Wo), (Ho, Wo) = size, or (H sh, W sw) -- as torch.nn.Upsample"""

    def forward(self, x):
        check_shape(self, x, (None, None, None, None))
        check_floating(self, x)
        check_finite(self, x, is_finite(x))
        (height, width), (out_height, out_width) = x.shape[2:], self.output_size(x)
        scale_h, scale_w = self.scale_pair or (None, None)
        self.rows = interpolation_matrix(height, out_height, self.mode, self.align_corners, scale_h).astype(x.dtype)
        self.cols = interpolation_matrix(width, out_width, self.mode, self.align_corners, scale_w).astype(x.dtype)
        return self.rows @ x @ self.cols.T                               # y = A_H x A_W^T

    def backward(self, grad_out):                                        # grad_out = dL/dy: (N, C, Ho, Wo)
        return self.rows.T @ grad_out @ self.cols                        # dL/dx = A_H^T dL/dy A_W
