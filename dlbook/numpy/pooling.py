"""Pooling layers of the NumPy reference: MaxPool2d and AvgPool2d.

A window of kernel_size (kh, kw) slides over each channel with `stride`; for output pixel (i, j)

    max pool:  y_ij = max_{u, v} x[i*sh + u, j*sw + v]            (padding: -inf, never the max)
    avg pool:  y_ij = 1/(kh kw) sum_{u, v} x[i*sh + u, j*sw + v]   (padding: zeros, counted, as torch)

Both are computed over the kh*kw kernel offsets (u, v): the offset's strided view x[u::sh, v::sw] holds
that element of every window at once, so the loop is over offsets, never over pixels or samples.
Backward sends dL/dy_ij back through the same views: to the first maximum of the window (row by
row, as torch, also on ties such as the zeros after a ReLU), or 1/(kh kw) of it to every element.
"""

import numpy as np

from ..core.errors import check_floating, check_shape
from ..core.specs import MaxPool2dSpec, Pool2dSpec
from ..core.windows import check_window_fits, output_size
from .kernels import offset_views, padded, workspace
from .module import Module


class _Pool2d(Module):
    """What both poolings share: checks, padding and the views of the kernel offsets. The arguments and
    window geometry (`window`: kernel_size, stride, padding as pairs) are Pool2dSpec's."""

    pad_value = 0.0

    def _prepare(self, x):
        """Check x, record the output size and return x padded with pad_value (x itself without padding)."""
        check_shape(self, x, (None, None, None, None))
        check_window_fits(self, x, self.window.kernel_size, self.window.padding)
        check_floating(self, x)
        self.input_shape = x.shape
        self.out_size = output_size(x.shape[2:], *self.window)
        if self.window.padding == (0, 0):
            return x
        return padded(x, self.window.padding, self.pad_value, workspace(self))

    def _offset_views(self, x_padded):
        """{(u, v): x_padded[:, :, u + i*sh, v + j*sw] for every output pixel (i, j)}: (N, C, Ho, Wo) views."""
        return offset_views(x_padded, self.window, self.out_size)

    def _overlapping(self):
        """Whether windows share pixels (stride < kernel): then their gradients add up."""
        return any(s < k for s, k in zip(self.window.stride, self.window.kernel_size))

    def _crop(self, grad_padded):
        (ph, pw), (_, _, height, width) = self.window.padding, self.input_shape
        return grad_padded[:, :, ph:ph + height, pw:pw + width]


class MaxPool2d(MaxPool2dSpec, _Pool2d):
    """y_ij = max of the window; dL/dx: dL/dy_ij to the window's first maximum (row by row), as torch.

    x: (N, C, H, W) -> y: (N, C, Ho, Wo), Ho = (H + 2 ph - kh) // sh + 1 (Wo alike); stride defaults to
    kernel_size; padding (at most half the kernel) never wins the max."""

    pad_value = -np.inf

    def forward(self, x):
        self.x_padded = self._prepare(x)
        views = iter(self._offset_views(self.x_padded).values())
        y = np.array(next(views))
        for view in views:
            np.maximum(y, view, out=y)                      # y_ij = max over the offsets (u, v)
        self.y = y
        return y

    def backward(self, grad_out):
        grad = np.empty_like(self.y)                        # dL/dy, in y's memory layout (faster passes)
        np.copyto(grad, grad_out)
        grad_padded = np.zeros_like(self.x_padded)
        grad_views = self._offset_views(grad_padded)
        overlapping = self._overlapping()
        unrouted = np.ones_like(self.y, dtype=bool)         # windows whose maximum has not been found yet
        is_first_max = np.empty_like(unrouted)
        for offset, view in self._offset_views(self.x_padded).items():   # row by row, as torch scans
            np.equal(view, self.y, out=is_first_max)
            np.logical_and(is_first_max, unrouted, out=is_first_max)      # the first maximum of its window
            np.logical_xor(unrouted, is_first_max, out=unrouted)
            if overlapping:                                 # dL/dx_max += dL/dy (windows share pixels)
                grad_views[offset] += grad * is_first_max
            else:                                           # dL/dx_max  = dL/dy (each pixel in one window)
                np.multiply(grad, is_first_max, out=grad_views[offset])
        if unrouted.any():                                  # a window whose maximum is NaN: its last NaN, as torch
            for offset, view in reversed(self._offset_views(self.x_padded).items()):
                is_nan = np.isnan(view) & unrouted
                unrouted ^= is_nan
                grad_views[offset] += grad * is_nan
        return self._crop(grad_padded)


class AvgPool2d(Pool2dSpec, _Pool2d):
    """y_ij = mean of the window (padding counts as zeros: count_include_pad=True, as torch);
    dL/dx: every element of a window gets dL/dy_ij / (kh kw).

    x: (N, C, H, W) -> y: (N, C, Ho, Wo); stride defaults to kernel_size."""

    def forward(self, x):
        x_padded = self._prepare(x)
        self.padded_shape = x_padded.shape
        views = iter(self._offset_views(x_padded).values())
        total = np.array(next(views))
        for view in views:
            total += view                                   # sum over the offsets (u, v)
        kh, kw = self.window.kernel_size
        return total / total.dtype.type(kh * kw)             # y_ij = 1/(kh kw) sum

    def backward(self, grad_out):
        kh, kw = self.window.kernel_size
        grad_share = grad_out / grad_out.dtype.type(kh * kw)                  # dL/dy / (kh kw)
        grad_padded = np.zeros(self.padded_shape, grad_out.dtype)
        overlapping = self._overlapping()
        for grad_view in self._offset_views(grad_padded).values():
            if overlapping:
                grad_view += grad_share
            else:
                grad_view[...] = grad_share
        return self._crop(grad_padded)
