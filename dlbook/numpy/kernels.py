"""Speed tricks of the NumPy reference, in one place, so that the layers read like the chapters' equations.

Nothing here changes a number the layers compute; it changes how the arrays are laid out in memory,
how often they are allocated, and in what order the same sums are added:

- Workspace: work arrays kept between calls of a layer (allocating megabytes anew each step costs
  page faults); padded copies keep their border, only the interior is written.
- Convolution (Im2col): im2col through a strided view (np.lib.stride_tricks.as_strided) and one copy,
  in the memory layout that copies the longer runs; col2im by kernel offsets, or in one np.add.at with
  cached indices where those runs are short; dL/dx as a "full" convolution where that is faster.
- Pooling: the kh*kw kernel offsets as strided views (a loop over offsets, never over pixels).
- Recurrent layers: each step's states as (K, N) columns, so that every gate is one contiguous block
  of rows; sums over steps as one matrix product; the LSTM's four gates in one tanh.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..core.windows import output_size

# --- work arrays kept between calls ---------------------------------------------------------------


class Workspace:
    """Arrays kept between calls of one layer, by (name, shape, dtype, fill)."""

    limit = 16                                  # more than this many (e.g. after many batch sizes): start afresh

    def __init__(self):
        self.arrays = {}

    def array(self, name, shape, dtype, fill=None):
        """An array of `shape` (uninitialized, or filled with `fill` when first made)."""
        key = (name, tuple(shape), np.dtype(dtype), fill)
        if key not in self.arrays:
            if len(self.arrays) > self.limit:
                self.arrays.clear()
            self.arrays[key] = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
        return self.arrays[key]

    def cached(self, key, make):
        """make(), computed once per key (e.g. index arrays that depend only on shapes)."""
        if key not in self.arrays:
            self.arrays[key] = make()
        return self.arrays[key]


def workspace(layer):
    """The layer's Workspace, made on first use."""
    return layer.__dict__.setdefault("workspace", Workspace())


def padded(x, padding, fill, workspace, channels_last=False, name="padded"):
    """x: (N, C, H, W) copied into a kept buffer bordered by `fill` (only the interior is written, the
    border stays): (N, C, H + 2 ph, W + 2 pw), or (N, H + 2 ph, W + 2 pw, C) when channels_last."""
    (ph, pw), (n, c, height, width) = padding, x.shape
    shape = (n, height + 2 * ph, width + 2 * pw, c) if channels_last else (n, c, height + 2 * ph, width + 2 * pw)
    x_padded = workspace.array(name, shape, x.dtype, fill)
    if channels_last:
        x_padded[:, ph:ph + height, pw:pw + width, :] = x.transpose(0, 2, 3, 1)
    else:
        x_padded[:, :, ph:ph + height, pw:pw + width] = x
    return x_padded


# --- convolution: im2col and col2im ---------------------------------------------------------------

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


class Im2col:
    """One convolution's im2col for an input of `input_shape` (N, C, H, W): sizes, memory layout, buffers.

    Every array a caller sees is (N, C, H, W) or a (rows, K) matrix; inside, NumPy copies fastest in long
    contiguous runs, so the input is stored in one of two layouts: channels first (x padded as
    (N, C, Hp, Wp), K ordered (c, u, v), each run one window row of Wo pixels) or channels last (x padded
    as (N, Hp, Wp, C), K ordered (u, v, c), each run kw*C numbers), whichever copies the longer runs.
    The output Y = cols W^T has one row per pixel and one column per channel, so it is returned as an
    (N, C_out, Ho, Wo) view of "channels last" memory, without a copy."""

    def __init__(self, input_shape, kernel_size, stride, padding, workspace):
        self.input_shape, self.kernel_size, self.stride, self.padding = tuple(input_shape), kernel_size, stride, padding
        self.out_size = output_size(self.input_shape[2:], kernel_size, stride, padding)      # (Ho, Wo)
        self.channels_last = kernel_size[1] * self.input_shape[1] > self.out_size[1]         # the longer runs
        self.workspace = workspace

    @property
    def padded_shape(self):
        """x_padded's shape in this layout."""
        (n, c, height, width), (ph, pw) = self.input_shape, self.padding
        if self.channels_last:
            return (n, height + 2 * ph, width + 2 * pw, c)
        return (n, c, height + 2 * ph, width + 2 * pw)

    def cols(self, x):
        """cols: (N*Ho*Wo, K), the receptive fields of x zero-padded, one per row (a kept buffer)."""
        n, c = self.input_shape[:2]
        x_padded = padded(x, self.padding, 0, self.workspace, self.channels_last, name="padded_input")
        shape = (n * self.out_size[0] * self.out_size[1], c * self.kernel_size[0] * self.kernel_size[1])
        out = self.workspace.array("cols", shape if self.channels_last else shape[::-1], x.dtype)
        return im2col(x_padded, self.kernel_size, self.stride, self.out_size, self.channels_last, out=out)

    def weight_matrix(self, weight):
        """w: (C_out, C, kh, kw) -> W: (C_out, K), K in the columns' order."""
        if self.channels_last:
            return weight.transpose(0, 2, 3, 1).reshape(weight.shape[0], -1)
        return weight.reshape(weight.shape[0], -1)

    def weight(self, matrix, weight_shape):
        """The inverse of weight_matrix, as a contiguous (C_out, C, kh, kw) array."""
        out_channels, in_channels, kh, kw = weight_shape
        if self.channels_last:
            matrix = matrix.reshape(out_channels, kh, kw, in_channels).transpose(0, 3, 1, 2)
        return np.ascontiguousarray(matrix.reshape(weight_shape))

    def images(self, rows):
        """(N*Ho*Wo, C_out), one row per output pixel -> (N, C_out, Ho, Wo), a view."""
        return rows.reshape(self.input_shape[0], *self.out_size, rows.shape[1]).transpose(0, 3, 1, 2)

    def grad_cols(self, delta, weight_matrix):
        """dL/dcols = delta W: (N*Ho*Wo, K), into a kept buffer stored as cols is."""
        rows, k = delta.shape[0], weight_matrix.shape[1]
        if self.channels_last:
            return np.matmul(delta, weight_matrix, out=self.workspace.array("grad_cols", (rows, k), delta.dtype))
        return np.matmul(weight_matrix.T, delta.T, out=self.workspace.array("grad_cols", (k, rows), delta.dtype)).T

    def col2im(self, grad_cols):
        """dL/dx (N, C, H, W): col2im of dL/dcols (by kernel offsets, or by np.add.at where those slices
        are short runs), with the padding cropped."""
        run = self.input_shape[1] if self.channels_last else self.out_size[1]
        index = None
        if run < SHORT_RUN:
            key = ("scatter_index", self.padded_shape, self.kernel_size, self.stride, self.channels_last)
            index = self.workspace.cached(key, lambda: scatter_indices(
                self.padded_shape, self.kernel_size, self.stride, self.out_size, self.channels_last))
        grad_padded = col2im(grad_cols, self.padded_shape, self.kernel_size, self.stride, self.out_size,
                             self.channels_last, index)
        (ph, pw), (_, _, height, width) = self.padding, self.input_shape
        if self.channels_last:
            return grad_padded[:, ph:ph + height, pw:pw + width, :].transpose(0, 3, 1, 2)
        return grad_padded[:, :, ph:ph + height, pw:pw + width]

    def full_convolution_pays(self, out_channels):
        """With stride 1, dL/dx is itself a convolution (input_grad_by_full_convolution). Its im2col copies
        C_out/C_in times more numbers than col2im adds, but in runs of kw*C_out, where col2im adds runs of
        C_in or Wo: measured faster when the input is stored channels last and C_out <= 4 C_in (e.g.
        16 -> 32 channels)."""
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        return (self.stride == (1, 1) and ph < kh and pw < kw and self.channels_last
                and out_channels <= 4 * self.input_shape[1])

    def input_grad_by_full_convolution(self, grad_out, weight):
        """dL/dx[c, h, w] = sum_{o, u, v} delta[o, h + ph - u, w + pw - v] w[o, c, u, v] (stride 1): the
        convolution of delta, zero-padded by (kh - 1 - ph, kw - 1 - pw), with the kernel flipped
        (u -> kh - 1 - u, v -> kw - 1 - v) and its channels swapped (C_out in, C_in out). Summed one
        kernel row at a time: each row's im2col is kh times smaller, so it stays in the cache for its
        product."""
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        n, in_channels, height, width = self.input_shape
        out_channels = weight.shape[0]
        delta_padded = padded(grad_out, (kh - 1 - ph, kw - 1 - pw), 0, self.workspace, channels_last=True,
                              name="padded_delta")
        flipped = weight[:, :, ::-1, ::-1]                                    # (C_out, C_in, kh, kw)
        flipped_rows = flipped.transpose(2, 3, 0, 1).reshape(kh, kw * out_channels, in_channels)
        row_cols = self.workspace.array("delta_row_cols", (n * height * width, kw * out_channels), grad_out.dtype)
        grad_x = None
        for u in range(kh):                                  # kernel row u: windows of height 1 starting at row u
            im2col(delta_padded[:, u:u + height], (1, kw), (1, 1), (height, width), channels_last=True,
                   out=row_cols)
            term = row_cols @ flipped_rows[u]                                  # (N*H*W, C_in)
            grad_x = term if grad_x is None else np.add(grad_x, term, out=grad_x)
        return grad_x.reshape(n, height, width, in_channels).transpose(0, 3, 1, 2)


# --- pooling: the kernel offsets as strided views -------------------------------------------------


def offset_views(x_padded, window, out_size):
    """{(u, v): x_padded[:, :, u + i*sh, v + j*sw] for every output pixel (i, j)}: (N, C, Ho, Wo) views,
    one per kernel offset, in row-by-row order."""
    (kh, kw), (sh, sw), (ho, wo) = window.kernel_size, window.stride, out_size
    return {(u, v): x_padded[:, :, u:u + sh * (ho - 1) + 1:sh, v:v + sw * (wo - 1) + 1:sw]
            for u in range(kh) for v in range(kw)}


# --- recurrent layers: one column per sequence ----------------------------------------------------


def to_columns(x, batch_first):
    """(N, T, K) (batch_first) or (T, N, K) -> (T, K, N): one column per sequence at each step (a view)."""
    return x.transpose(1, 2, 0) if batch_first else x.transpose(0, 2, 1)


def from_columns(x, batch_first):
    """(T, K, N) -> (N, T, K) (batch_first) or (T, N, K): the inverse of to_columns (a view)."""
    return x.transpose(2, 0, 1) if batch_first else x.transpose(0, 2, 1)


def columns_of(bias, batch_size):
    """A bias vector (K,) repeated as K x N columns: adding it is a contiguous pass (a (K, 1) broadcast is not)."""
    return np.repeat(bias[:, None], batch_size, axis=1)


def side_by_side(steps):
    """(T, K, N) -> (K, T N): the columns of all steps side by side, to sum over steps with one matrix product."""
    return np.ascontiguousarray(steps.transpose(1, 0, 2)).reshape(steps.shape[1], -1)


def sigmoid_(a):
    """a <- sigma(a) = (1 + tanh(a / 2)) / 2, in place (never overflows, unlike 1 / (1 + exp(-a)))."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


class LSTMGates:
    """The LSTM's four gates in one tanh: with the rows of i, f, o scaled by s = 1/2 before the tanh,
    s tanh(s z) + 1/2 = (1 + tanh(z / 2)) / 2 = sigma(z); the rows of g keep s = 1 and no shift,
    g = tanh(z). So the pre-activations are computed already scaled: s W_ih x_t + s b + s W_hh h_{t-1}."""

    def __init__(self, hidden_size, batch_size, dtype):
        H = hidden_size
        self.scale = np.full((4 * H, 1), 0.5, dtype)                 # s (4H, 1)
        self.scale[2 * H:3 * H] = 1.0
        self.scale_columns = np.repeat(self.scale, batch_size, axis=1)
        self.shift_columns = np.full((4 * H, batch_size), 0.5, dtype)
        self.shift_columns[2 * H:3 * H] = 0.0

    def activate_(self, scaled_z):
        """[i; f; g; o] = [sigma; sigma; tanh; sigma](z), in place, from s z: (4H, N)."""
        np.tanh(scaled_z, out=scaled_z)
        scaled_z *= self.scale_columns
        scaled_z += self.shift_columns
        return scaled_z


def lstm_local_derivatives(gates, previous_cells, tanh_cells):
    """What the LSTM's backward needs at every step that does not depend on the recursion, for all
    steps at once. gates (T, 4H, N) = [i; f; g; o]; previous_cells c_{t-1}, tanh_cells tanh(c_t): (T, H, N).

    Returns local (T, 4H, N), with delta_t = local_t * [dc_t; dc_t; dc_t; dh_t]:
        [g i (1 - i);  c_{t-1} f (1 - f);  i (1 - g^2);  tanh(c_t) o (1 - o)]
    and cell_slope (T, H, N) = o (1 - tanh^2(c_t)), the way from dh_t to dc_t."""
    H = gates.shape[1] // 4
    i, g, o = gates[:, :H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    local = np.subtract(1, gates)
    local *= gates                                            # sigma' = sigma (1 - sigma) for i, f, o
    local_g = local[:, 2 * H:3 * H]
    np.multiply(g, g, out=local_g)
    np.subtract(1, local_g, out=local_g)                      # tanh' = 1 - g^2 for g
    local[:, :H] *= g
    local[:, H:2 * H] *= previous_cells
    local_g *= i
    local[:, 3 * H:] *= tanh_cells
    cell_slope = np.multiply(tanh_cells, tanh_cells)
    np.subtract(1, cell_slope, out=cell_slope)
    cell_slope *= o
    return local, cell_slope
