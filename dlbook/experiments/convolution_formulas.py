"""The multi-channel convolution and its backward, written as the chapter's sums (NumPy, float64).

Forward, with x zero-padded by p on each side, stride s, kernel k_h x k_w:

    z[n, o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] x[n, c, s i + u, s j + v]

(o: an output channel, c: an input channel). Backward, with delta = dL/dz of z's shape:

    dL/db[o]          = sum_{n, i, j} delta[n, o, i, j]
    dL/dW[o, c, u, v] = sum_{n, i, j} delta[n, o, i, j] x[n, c, s i + u, s j + v]
                        (a correlation of x with delta)
    dL/dx[n, c, q, r] = sum_{o, u, v} delta[n, o, i, j] W[o, c, u, v]   over q = s i + u, r = s j + v;
                        for s = 1, a "full" convolution: delta padded by k - 1, correlated with the
                        kernel flipped in both directions and with its channel axes swapped.

`conv2d_by_formula` is the forward as one einsum over a strided view; the backward functions reuse it,
so that the code says which correlation each gradient is. Slow but plain; the layers of dlbook.numpy
compute the same with im2col. No backend is imported here.
"""

import numpy as np


def _pad(x, padding):
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def conv2d_by_formula(x, weight, bias=None, stride=1, padding=0):
    """z = the formula above: x (N, C_in, H, W), weight (C_out, C_in, k_h, k_w), bias (C_out,) or None
    -> z (N, C_out, H_out, W_out), H_out = (H + 2p - k_h) // s + 1."""
    x, weight = np.asarray(x, np.float64), np.asarray(weight, np.float64)
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d_by_formula expects x (N, C_in, H, W) and weight (C_out, C_in, k_h, k_w), "
                         f"got {x.shape} and {weight.shape}")
    padded = _pad(x, padding)
    k_h, k_w = weight.shape[2:]
    h_out = (padded.shape[2] - k_h) // stride + 1
    w_out = (padded.shape[3] - k_w) // stride + 1
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k_h, k_w), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride][:, :, :h_out, :w_out]   # (N, C_in, H_out, W_out, k_h, k_w)
    z = np.einsum("ncijuv,ocuv->noij", windows, weight)                 # sum over c, u, v
    return z if bias is None else z + np.asarray(bias, np.float64)[None, :, None, None]


def conv2d_weight_grad(x, delta, kernel_size, padding=0):
    """dL/dW for stride 1: the correlation of the padded x with delta, (C_out, C_in, k_h, k_w).

    Read x as a batch of C_in images with N channels each, and delta as C_out kernels over those
    N channels: conv2d_by_formula(x^T, delta^T) sums over n, i, j exactly as dL/dW does."""
    x_t = _pad(np.asarray(x, np.float64), padding).transpose(1, 0, 2, 3)     # (C_in, N, H + 2p, W + 2p)
    delta_t = np.asarray(delta, np.float64).transpose(1, 0, 2, 3)           # (C_out, N, H_out, W_out)
    grad = conv2d_by_formula(x_t, delta_t)                                  # (C_in, C_out, k_h, k_w)
    assert grad.shape[2:] == tuple(kernel_size), (grad.shape, kernel_size)
    return grad.transpose(1, 0, 2, 3)


def conv2d_input_grad(delta, weight, padding=0):
    """dL/dx for stride 1: delta padded by k - 1 and correlated with the flipped kernel (channels swapped),
    a full convolution; then the padding's rows and columns cropped off. -> (N, C_in, H, W)."""
    weight = np.asarray(weight, np.float64)
    k_h, k_w = weight.shape[2:]
    assert k_h == k_w, "square kernels only"
    flipped = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)                # (C_in, C_out, k_h, k_w)
    grad_padded = conv2d_by_formula(delta, flipped, padding=k_h - 1)        # dL/d(padded x)
    if padding == 0:
        return grad_padded
    return grad_padded[:, :, padding:-padding, padding:-padding]
