"""Clear errors for bad input, shared by both backends.

Every check names the layer, what it expected and what it was given:
`Linear(64, 32) expected input of shape (N, 64), got (128, 63)`.
The checks only read `.ndim`, `.shape` and `.dtype` (and reduce with `.min()`,
`.max()`), so NumPy arrays and torch tensors go through the same code.
"""


class ShapeError(ValueError, RuntimeError):
    """An input whose rank or size does not fit the layer.

    A ValueError, and a RuntimeError as torch raises for the same mistake, so
    code written against either catches it."""


class TargetError(ValueError, IndexError):
    """A loss target of the wrong kind or out of range (torch raises IndexError)."""


class NonFiniteError(FloatingPointError, ValueError):
    """An input or loss that holds NaN or inf."""


_AXIS_NAMES = ("N", "C", "H", "W")


def layer_name(layer):
    """The short name errors use: `Linear(64, 32)` (a module's short_repr) or its repr."""
    short_repr = getattr(layer, "short_repr", None)
    return short_repr() if callable(short_repr) else repr(layer)


def fmt_shape(expected):
    """(None, 64) -> '(N, 64)': None stands for any size, named by its usual axis letter;
    a leading Ellipsis stands for any number of leading axes, '*'."""
    names = []
    for axis, size in enumerate(expected):
        if size is Ellipsis:
            names.append("*")
        elif size is None:
            names.append(_AXIS_NAMES[axis] if axis < len(_AXIS_NAMES) else "*")
        else:
            names.append(str(size))
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


def check_shape(layer, x, expected, what="input"):
    """Raise ShapeError unless x matches `expected` (a tuple; None = any size)."""
    if x.ndim != len(expected) or any(e is not None and e != s for e, s in zip(expected, x.shape)):
        raise ShapeError(
            f"{layer_name(layer)} expected {what} of shape {fmt_shape(expected)}, got {tuple(x.shape)}"
        )


def check_last_dim(layer, x, size, what="input"):
    """Raise ShapeError unless x has at least one axis and x.shape[-1] == size.
    The message shows (N, size) for the usual 2-D case, (*, size) otherwise."""
    if x.ndim >= 1 and x.shape[-1] == size:
        return
    expected = (None, size) if x.ndim <= 2 else (Ellipsis, size)
    raise ShapeError(f"{layer_name(layer)} expected {what} of shape {fmt_shape(expected)}, got {tuple(x.shape)}")


def check_ndim(layer, x, allowed, what="input", layout=None):
    """Raise ShapeError unless x.ndim is one of `allowed` (ints). layout: e.g. '(N, C) or (N, C, L)'."""
    if x.ndim not in allowed:
        ranks = " or ".join(f"{n}-D" for n in allowed)
        hint = f" {layout}" if layout else ""
        raise ShapeError(f"{layer_name(layer)} expected a {ranks} {what}{hint}, got shape {tuple(x.shape)}")


def check_axis_range(layer, x, start_dim, end_dim, what="input"):
    """Raise ShapeError unless start_dim..end_dim (negative: from the end) are axes of x, in order;
    return them as non-negative (start, end). For Flatten."""
    start = start_dim + x.ndim if start_dim < 0 else start_dim
    end = end_dim + x.ndim if end_dim < 0 else end_dim
    if not 0 <= start <= end < max(x.ndim, 1):
        raise ShapeError(f"{layer_name(layer)} expected {what} with axes {start_dim}..{end_dim}, "
                         f"got shape {tuple(x.shape)}")
    return start, end


def check_size(layer, x, axis, size, what="input", name="size"):
    """Raise ShapeError unless x.shape[axis] == size (e.g. the channel count)."""
    if x.shape[axis] != size:
        raise ShapeError(
            f"{layer_name(layer)} expected {what} with {name} {size} on axis {axis}, "
            f"got shape {tuple(x.shape)}"
        )


def check_same_shape(layer, input, target):
    """Raise ShapeError unless input and target have one shape (no silent broadcasting)."""
    if tuple(input.shape) != tuple(target.shape):
        raise ShapeError(
            f"{layer_name(layer)} expected a target of the input's shape {tuple(input.shape)}, "
            f"got {tuple(target.shape)}"
        )


def check_floating(layer, x, what="input"):
    """Raise TypeError unless x holds floating-point numbers (an integer input would be silently
    promoted by NumPy and refused by torch's matmul)."""
    if "float" not in str(x.dtype):
        raise TypeError(f"{layer_name(layer)} expected a floating-point {what}, got dtype {x.dtype} "
                        f"(convert with dl.asarray(x.astype('float32')))")


def check_finite(layer, x, is_finite, what="input"):
    """Raise NonFiniteError when `is_finite` (a bool the backend computed) is False."""
    if not is_finite:
        article = "an" if what[:1] in "aeiou" else "a"
        raise NonFiniteError(
            f"{layer_name(layer)} got {article} {what} holding NaN or inf (shape {tuple(x.shape)})")


def is_integer_dtype(x):
    """True for int8..int64 and uint arrays of NumPy or torch."""
    return "int" in str(x.dtype)


def check_class_target(layer, input, target, ignore_index=-100):
    """Class-index targets for a loss over input (N, C, *): target (N, *) of integers in [0, C).

    ignore_index marks targets that are left out, as in torch."""
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise ShapeError(
            f"{layer_name(layer)} expected class-index target of shape {expected} for input of shape "
            f"{tuple(input.shape)}, got {tuple(target.shape)}"
        )
    if not is_integer_dtype(target):
        raise TargetError(f"{layer_name(layer)} expected integer class indices, got dtype {target.dtype}")
    if target.shape[0] == 0:
        return
    n_classes = input.shape[1]
    if 0 <= int(target.min()) and int(target.max()) < n_classes:       # the common case: one pass each
        return
    kept = target[target != ignore_index]
    if kept.shape[0] and (int(kept.min()) < 0 or int(kept.max()) >= n_classes):
        bad = int(kept.min()) if int(kept.min()) < 0 else int(kept.max())
        raise TargetError(
            f"{layer_name(layer)} got target {bad}, out of range for {n_classes} classes "
            f"(expected 0 <= target < {n_classes}, or ignore_index={ignore_index})"
        )


def sequence_layout(size, batch_first=True):
    """'(N, T, size)' or '(T, N, size)': the layout of a batch of sequences."""
    return f"(N, T, {size})" if batch_first else f"(T, N, {size})"


def check_sequence(layer, x, size, batch_first=True, what="input"):
    """Raise ShapeError unless x is a batch of sequences: 3-D, (N, T, size), or (T, N, size) when
    batch_first is False."""
    layout = sequence_layout(size, batch_first)
    if x.ndim != 3:
        raise ShapeError(f"{layer_name(layer)} expected a 3-D {what} {layout} (batch_first={batch_first}), "
                         f"got shape {tuple(x.shape)}")
    if x.shape[-1] != size:
        raise ShapeError(f"{layer_name(layer)} expected {what} of shape {layout}, got {tuple(x.shape)}")


def check_exact_shape(layer, x, expected, what="input", meaning=""):
    """Raise ShapeError unless tuple(x.shape) == expected; meaning names the axes, e.g.
    '(num_layers, N, hidden_size)'."""
    if tuple(x.shape) != tuple(expected):
        hint = f" {meaning}" if meaning else ""
        raise ShapeError(f"{layer_name(layer)} expected {what} of shape {tuple(expected)}{hint}, "
                         f"got {tuple(x.shape)}")
