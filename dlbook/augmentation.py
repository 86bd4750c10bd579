"""Image augmentation: new training images from old ones, changed in ways that keep their label.

Every function takes a batch of images (N, C, H, W) (NumPy, any float dtype, kept) and returns a new one;
random choices come from a seeded NumPy Generator, one per image, so a seed gives the same batch again:

    shift               whole pixels, zero fill: out[i, j] = x[i - dy, j - dx]
    rotate              small angles, bilinear, zero fill, about the image centre
    horizontal_flip     out[i, j] = x[i, W - 1 - j]; right for photos (a cat mirrored is a cat), WRONG for
                        digits and letters: a mirrored 2, 3, 4, 7 or 9 is no digit (and b and d trade places)
    add_gaussian_noise  x + N(0, std^2) per pixel
    augment             all of them, composed: rotate, shift, flip, noise, each drawn per image; with p < 1
                        only a share p of the images is changed, the others kept as they are

Each works on the whole batch at once (index arrays, no loop over pixels or images). At strength 0
(max_shift=0, max_angle=0, noise=0, flip=False) augment returns an exact copy.
"""

import numpy as np


def _check_images(images):
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"augmentation expects images of shape (N, C, H, W), got {images.shape}")
    return images


def _per_image(values, n, dtype):
    """One value per image: a number repeated n times, or an (n,) array."""
    values = np.asarray(values, dtype=dtype)
    return np.full(n, values, dtype=dtype) if values.ndim == 0 else values


def shift(images, dy, dx):
    """Shift each image by whole pixels, dy down and dx right (ints, or one per image), zero fill:
    out[n, c, i, j] = x[n, c, i - dy_n, j - dx_n] where that pixel exists, else 0."""
    images = _check_images(images)
    n, _, height, width = images.shape
    dy, dx = _per_image(dy, n, np.int64), _per_image(dx, n, np.int64)
    rows = np.arange(height)[None, :] - dy[:, None]                              # (N, H): source row i - dy
    cols = np.arange(width)[None, :] - dx[:, None]                               # (N, W): source column j - dx
    inside = ((rows >= 0) & (rows < height))[:, None, :, None] & ((cols >= 0) & (cols < width))[:, None, None, :]
    picked = images[np.arange(n)[:, None, None, None], np.arange(images.shape[1])[None, :, None, None],
                    np.clip(rows, 0, height - 1)[:, None, :, None], np.clip(cols, 0, width - 1)[:, None, None, :]]
    return np.where(inside, picked, 0).astype(images.dtype)


def rotate(images, angles):
    """Rotate each image by `angles` degrees (a number, or one per image) counter-clockwise as displayed
    (row 0 at the top), about its centre ((H - 1) / 2, (W - 1) / 2), keeping its size; bilinear
    interpolation with zeros outside (scipy.ndimage.rotate(x, angle, reshape=False, order=1,
    mode='grid-constant') per image computes the same).

    Output pixel p takes the input at the point that rotates onto it, s = R(-angle) p (about the
    centre), blended from its four neighbours (1 - a)(1 - b) x00 + (1 - a) b x01 + a (1 - b) x10 + a b x11."""
    images = _check_images(images)
    n, channels, height, width = images.shape
    theta = np.deg2rad(_per_image(angles, n, np.float64))[:, None, None]
    y = np.arange(height, dtype=np.float64)[None, :, None] - (height - 1) / 2           # p about the centre
    x = np.arange(width, dtype=np.float64)[None, None, :] - (width - 1) / 2
    source_y = np.cos(theta) * y + np.sin(theta) * x + (height - 1) / 2                # s = R(-angle) p, (N, H, W)
    source_x = -np.sin(theta) * y + np.cos(theta) * x + (width - 1) / 2
    top, left = np.floor(source_y).astype(np.int64), np.floor(source_x).astype(np.int64)
    a, b = source_y - top, source_x - left                                              # fractional parts
    out = np.zeros(images.shape, dtype=np.float64)
    sample = np.arange(n)[:, None, None, None]
    channel = np.arange(channels)[None, :, None, None]
    for row, col, weight in ((top, left, (1 - a) * (1 - b)), (top, left + 1, (1 - a) * b),
                             (top + 1, left, a * (1 - b)), (top + 1, left + 1, a * b)):
        inside = (row >= 0) & (row < height) & (col >= 0) & (col < width)              # outside: zero
        values = images[sample, channel, np.clip(row, 0, height - 1)[:, None], np.clip(col, 0, width - 1)[:, None]]
        out += np.where(inside, weight, 0.0)[:, None] * values
    return out.astype(images.dtype)


def horizontal_flip(images, flip=True):
    """Mirror the images left to right where `flip` (a bool, or one per image) is True:
    out[i, j] = x[i, W - 1 - j]. Not for digits or text (see the module docstring)."""
    images = _check_images(images)
    flip = _per_image(flip, len(images), bool)
    return np.where(flip[:, None, None, None], images[..., ::-1], images).astype(images.dtype)


def add_gaussian_noise(images, std, seed=None):
    """x + N(0, std^2), a new draw for every pixel (seed: an int, None or a Generator)."""
    images = _check_images(images)
    rng = np.random.default_rng(seed)
    return (images + rng.normal(0.0, std, images.shape)).astype(images.dtype)


def augment(images, *, max_shift=0, max_angle=0.0, noise=0.0, flip=False, p=1.0, seed=None):
    """Each image rotated by an angle ~ U(-max_angle, max_angle) degrees, shifted by whole pixels
    dy, dx ~ U{-max_shift .. max_shift}, mirrored with probability 1/2 when flip, and given Gaussian
    noise of std `noise`; every draw from one Generator (`seed`). Strength 0 returns an exact copy.
    p: the probability that an image is changed at all (drawn per image, as torchvision's RandomApply);
    the others are returned as they are, so the network also sees the images of the test's kind."""
    images = _check_images(images)
    if not 0 <= p <= 1:
        raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
    if isinstance(max_shift, bool) or not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(f"max_shift must be a whole number of pixels >= 0, got {max_shift!r}")
    if not max_angle >= 0 or not noise >= 0:
        raise ValueError(f"max_angle and noise must be >= 0, got {max_angle!r} and {noise!r}")
    rng = np.random.default_rng(seed)
    n = len(images)
    out = images.copy()
    if max_angle > 0:
        out = rotate(out, rng.uniform(-max_angle, max_angle, n))
    if max_shift > 0:
        out = shift(out, rng.integers(-max_shift, max_shift + 1, n), rng.integers(-max_shift, max_shift + 1, n))
    if flip:
        out = horizontal_flip(out, rng.random(n) < 0.5)
    if noise > 0:
        out = add_gaussian_noise(out, noise, rng)
    if p < 1:
        kept = rng.random(n) >= p                                  # these images stay as they are
        out[kept] = images[kept]
    return out
