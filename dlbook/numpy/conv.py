"""Conv2d of the NumPy reference: im2col through stride tricks, then one matrix product.

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
that way when it copies less (see Conv2d._full_convolution_is_cheaper); the numbers are the same.

No Python loop runs over pixels or samples: im2col is one strided view (np.lib.stride_tricks.as_strided)
and one copy; col2im loops over the kh*kw kernel offsets at most, or adds everything in one np.add.at.

Memory layout (speed only; every array a caller sees is (N, C, H, W)): Y's rows are pixels and its
columns channels, so the output is returned as an (N, C_out, Ho, Wo) view of "channels last" memory,
without a copy. NumPy copies fastest in long contiguous runs, so im2col picks one of two layouts:
channels first (x padded as (N, C, Hp, Wp), K ordered (c, u, v), each run one window row of Wo pixels)
or channels last (x padded as (N, Hp, Wp, C), K ordered (u, v, c), each run kw*C numbers), whichever
copies the longer runs. The maths is the same in both.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..core.errors import check_finite, check_floating, check_shape
from ..core.specs import ConvDescription
from ..core.windows import check_window_fits, output_size
from .module import Module
from .tensor import is_finite

SHORT_RUN = 16      # col2im: below this many contiguous numbers per slice, one np.add.at beats the offset loop


def receptive_fields(x_padded, kernel_size, stride, out_size, channels_last, writeable=False):
    """Every receptive field of x_padded as a strided view (no copy).

    channels_last:  x_padded (N, Hp, Wp, C) -> (N, Ho, Wo, kh, kw, C)   rows (n, i, j), K = (u, v, c)
    channels first: x_padded (N, C, Hp, Wp) -> (C, kh, kw, N, Ho, Wo)   K = (c, u, v), rows (n, i, j)
    Element [.., i, j, .., u, v, ..] is x_padded at pixel (i*sh + u, j*sw + v)."""
    (kh, kw), (sh, sw), (ho, wo) = kernel_size, stride, out_size
    if channels_last:
        n, _, _, c = x_padded.shape
        s_n, s_h, s_w, s_c = x_padded.strides
        shape, strides = (n, ho, wo, kh, kw, c), (s_n, s_h * sh, s_w * sw, s_h, s_w, s_c)
    else:
        n, c, _, _ = x_padded.shape
        s_n, s_c, s_h, s_w = x_padded.strides
        shape, strides = (c, kh, kw, n, ho, wo), (s_c, s_h, s_w, s_n, s_h * sh, s_w * sw)
    return as_strided(x_padded, shape, strides, writeable=writeable)


def im2col(x_padded, kernel_size, stride, out_size, channels_last, out=None):
    """cols: (N*Ho*Wo, K), one receptive field per row (copied into `out` when given).

    channels_last: x_padded (N, Hp, Wp, C), K ordered (u, v, c), cols stored row by row;
    channels first: x_padded (N, C, Hp, Wp), K ordered (c, u, v), cols stored column by column
    (out: a (K, N*Ho*Wo) array, returned transposed)."""
    fields = receptive_fields(x_padded, kernel_size, stride, out_size, channels_last)
    size = fields.shape[0] * fields.shape[1] * fields.shape[2]             # n*ho*wo or c*kh*kw
    if out is None:
        out = np.empty((size, fields.size // size), x_padded.dtype)
    np.copyto(out.reshape(fields.shape), fields)
    return out if channels_last else out.T


def col2im(grad_cols, padded_shape, kernel_size, stride, out_size, channels_last, scatter_index=None):
    """dL/dx_padded from dL/dcols: every entry of row (n, i, j), column (.., u, v, ..) is added onto
    pixel (i*sh + u, j*sw + v) of sample n, the pixel im2col copied it from.

    grad_cols: (N*Ho*Wo, K) in im2col's layout; padded_shape: x_padded's shape in that layout.
    Overlapping windows add up. One slice per kernel offset (u, v) touches each pixel at most once, so
    `+=` per offset is exact; when those slices are short runs, scatter_index (the flat position of
    every entry of grad_cols, see scatter_indices) does it in one np.add.at instead."""
    grad_padded = np.zeros(padded_shape, grad_cols.dtype)
    fields_shape = receptive_fields(grad_padded, kernel_size, stride, out_size, channels_last).shape
    grad_fields = grad_cols.reshape(fields_shape) if channels_last else grad_cols.T.reshape(fields_shape)
    if scatter_index is not None:
        np.add.at(grad_padded.reshape(-1), scatter_index, grad_fields.reshape(-1))
        return grad_padded
    target = receptive_fields(grad_padded, kernel_size, stride, out_size, channels_last, writeable=True)
    for u in range(kernel_size[0]):
        for v in range(kernel_size[1]):
            if channels_last:
                target[:, :, :, u, v] += grad_fields[:, :, :, u, v]
            else:
                target[:, u, v] += grad_fields[:, u, v]
    return grad_padded


def scatter_indices(padded_shape, kernel_size, stride, out_size, channels_last):
    """The flat index into x_padded of every entry of cols, in cols' memory order (for np.add.at)."""
    positions = np.arange(np.prod(padded_shape), dtype=np.intp).reshape(padded_shape)
    return receptive_fields(positions, kernel_size, stride, out_size, channels_last).reshape(-1)


def pixel_rows(a):
    """(N, C, H, W) -> (N*H*W, C), one row per pixel: a view when `a` is stored channels last (as
    Conv2d's output and its gradient are), else a copy made in runs of H*W and read transposed."""
    n, c, h, w = a.shape
    channels_last = a.transpose(0, 2, 3, 1)
    if channels_last.flags.c_contiguous:
        return channels_last.reshape(n * h * w, c)
    return a.transpose(1, 0, 2, 3).reshape(c, n * h * w).T


class Conv2d(ConvDescription, Module):
    """2-D convolution: y_ij = sum w x + b over each receptive field (see the module docstring).

    x: (N, C_in, H, W) -> y: (N, C_out, Ho, Wo), Ho = (H + 2 ph - kh) // sh + 1 (Wo alike)
    weight: (C_out, C_in, kh, kw), bias: (C_out,)  -- as torch.nn.Conv2d
    kernel_size, stride, padding: an int or a pair (height, width); zero padding."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, *, bias=True, seed=None):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self._set_window(kernel_size, stride, padding)
        self._init_weight_and_bias((out_channels, in_channels, *self.kernel_size), bias, seed)
        self._workspace = {}        # buffers reused between calls (padded input, cols) and scatter indices

    def forward(self, x):
        check_shape(self, x, (None, self.in_channels, None, None))
        check_window_fits(self, x, self.kernel_size, self.padding)
        check_floating(self, x)
        check_finite(self, x, is_finite(x))
        n, c, height, width = x.shape
        self.input_shape = x.shape
        self.out_size = output_size((height, width), self.kernel_size, self.stride, self.padding)
        # the layout whose im2col copies longer runs: kw*C numbers (channels last) or Wo pixels
        self.channels_last = self.kernel_size[1] * c > self.out_size[1]
        x_padded = self._padded(x, self.padding, self.channels_last)
        cols_shape = (n * self.out_size[0] * self.out_size[1], c * self.kernel_size[0] * self.kernel_size[1])
        self.cols = im2col(x_padded, self.kernel_size, self.stride, self.out_size, self.channels_last,
                           out=self._buffer("cols", cols_shape if self.channels_last else cols_shape[::-1], x.dtype))
        self.weight_matrix = self._as_matrix(self.weight.data)            # W: (C_out, K)
        y = self.cols @ self.weight_matrix.T                               # y_ij = sum w x
        if self.bias is not None:
            y += self.bias.data                                            #      + b
        return y.reshape(n, *self.out_size, self.out_channels).transpose(0, 3, 1, 2)

    def backward(self, grad_out):                            # grad_out = delta = dL/dy: (N, C_out, Ho, Wo)
        delta = pixel_rows(grad_out)                         # (N*Ho*Wo, C_out)
        self.weight.accumulate_grad(self._as_weight(delta.T @ self.cols))     # dL/dW = delta^T cols
        if self.bias is not None:
            self.bias.accumulate_grad(delta.sum(axis=0))                       # dL/db = sum of delta
        if self._full_convolution_is_cheaper():
            return self._input_grad_by_full_convolution(grad_out)
        if self.channels_last:
            grad_cols = np.matmul(delta, self.weight_matrix,                   # dL/dcols = delta W
                                  out=self._buffer("grad_cols", self.cols.shape, delta.dtype))
        else:                                                                  # the same, stored by column
            grad_cols = np.matmul(self.weight_matrix.T, delta.T,
                                  out=self._buffer("grad_cols", self.cols.shape[::-1], delta.dtype)).T
        grad_padded = col2im(grad_cols, self._padded_shape(self.padding, self.channels_last), self.kernel_size,
                             self.stride, self.out_size, self.channels_last, self._scatter_index())
        (ph, pw), (_, _, height, width) = self.padding, self.input_shape
        if self.channels_last:                                                 # crop the padding: dL/dx
            return grad_padded[:, ph:ph + height, pw:pw + width, :].transpose(0, 3, 1, 2)
        return grad_padded[:, :, ph:ph + height, pw:pw + width]

    # --- dL/dx as a full convolution (stride 1) -------------------------------------------------

    def _full_convolution_is_cheaper(self):
        """With stride 1, dL/dx is itself a convolution (below). Its im2col copies C_out/C_in times more
        numbers than col2im adds, but in runs of kw*C_out, where col2im adds runs of C_in or Wo: measured
        faster when the input is stored channels last and C_out <= 4 C_in (e.g. 16 -> 32 channels)."""
        kh, kw = self.kernel_size
        return (self.stride == (1, 1) and self.padding[0] < kh and self.padding[1] < kw
                and self.channels_last and self.out_channels <= 4 * self.in_channels)

    def _input_grad_by_full_convolution(self, grad_out):
        """dL/dx[c, h, w] = sum_{o, u, v} delta[o, h + ph - u, w + pw - v] w[o, c, u, v]: the convolution of
        delta, zero-padded by (kh - 1 - ph, kw - 1 - pw), with the kernel flipped (u -> kh - 1 - u,
        v -> kw - 1 - v) and its channels swapped (C_out in, C_in out). Summed one kernel row at a
        time: each row's im2col is kh times smaller, so it stays in the cache for its product."""
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        n, _, height, width = self.input_shape
        delta_padded = self._padded(grad_out, (kh - 1 - ph, kw - 1 - pw), channels_last=True, name="padded_delta")
        flipped = self.weight.data[:, :, ::-1, ::-1]                          # (C_out, C_in, kh, kw)
        flipped_rows = flipped.transpose(2, 3, 0, 1).reshape(kh, kw * self.out_channels, self.in_channels)
        row_cols = self._buffer("delta_row_cols", (n * height * width, kw * self.out_channels), grad_out.dtype)
        grad_x = None
        for u in range(kh):                                  # kernel row u: windows of height 1 starting at row u
            im2col(delta_padded[:, u:u + height], (1, kw), (1, 1), (height, width), channels_last=True,
                   out=row_cols)
            term = row_cols @ flipped_rows[u]                                  # (N*H*W, C_in)
            grad_x = term if grad_x is None else np.add(grad_x, term, out=grad_x)
        return grad_x.reshape(n, height, width, self.in_channels).transpose(0, 3, 1, 2)

    # --- layouts and buffers ------------------------------------------------------------------

    def _as_matrix(self, weight):
        """w: (C_out, C, kh, kw) -> W: (C_out, K), K in im2col's order."""
        if self.channels_last:
            return weight.transpose(0, 2, 3, 1).reshape(self.out_channels, -1)
        return weight.reshape(self.out_channels, -1)

    def _as_weight(self, matrix):
        """The inverse of _as_matrix, as a contiguous (C_out, C, kh, kw) array."""
        kh, kw = self.kernel_size
        if self.channels_last:
            matrix = matrix.reshape(self.out_channels, kh, kw, self.in_channels).transpose(0, 3, 1, 2)
        return np.ascontiguousarray(matrix.reshape(self.weight.shape))

    def _padded_shape(self, padding, channels_last, image_shape=None):
        n, c, height, width = self.input_shape if image_shape is None else image_shape
        (ph, pw) = padding
        if channels_last:
            return (n, height + 2 * ph, width + 2 * pw, c)
        return (n, c, height + 2 * ph, width + 2 * pw)

    def _padded(self, x, padding, channels_last, name="padded_input"):
        """x: (N, C, H, W) copied into a zero-bordered buffer in the given layout (the buffer is kept
        between calls: only its interior is written, the zero border stays)."""
        x_padded = self._buffer(name, self._padded_shape(padding, channels_last, x.shape), x.dtype, zeros=True)
        (ph, pw), (_, _, height, width) = padding, x.shape
        if channels_last:
            x_padded[:, ph:ph + height, pw:pw + width, :] = x.transpose(0, 2, 3, 1)
        else:
            x_padded[:, :, ph:ph + height, pw:pw + width] = x
        return x_padded

    def _buffer(self, name, shape, dtype, zeros=False):
        """A work array kept between calls (allocating megabytes anew each step costs page faults)."""
        key = (name, tuple(shape), np.dtype(dtype))
        if key not in self._workspace:
            if len(self._workspace) > 16:                  # e.g. after many batch sizes: start afresh
                self._workspace.clear()
            self._workspace[key] = np.zeros(shape, dtype) if zeros else np.empty(shape, dtype)
        return self._workspace[key]

    def _scatter_index(self):
        """Cached np.add.at indices for col2im when its per-offset slices would be short runs, else None."""
        run = self.in_channels if self.channels_last else self.out_size[1]
        if run >= SHORT_RUN:
            return None
        shape = self._padded_shape(self.padding, self.channels_last)
        key = ("scatter_index", shape, self.channels_last)
        if key not in self._workspace:
            self._workspace[key] = scatter_indices(shape, self.kernel_size, self.stride, self.out_size,
                                                   self.channels_last)
        return self._workspace[key]
