"""Clear errors for bad input, shared by both backends.

Every check names the layer, what it expected and what it was given:
`Linear(64, 32) expected input of shape (N, 64), got (128, 63)`.
The checks only read `.ndim`, `.shape` and `.dtype` (and reduce with `.min()`,
`.max()`), so NumPy arrays and torch tensors go through the same code.
"""

import math


class ShapeError(ValueError, RuntimeError):
    """An input whose rank or size does not fit the layer.

    A ValueError, and a RuntimeError as torch raises for the same mistake, so
    code written against either catches it."""


class TargetError(ValueError, IndexError):
    """A loss target of the wrong kind or out of range (torch raises IndexError)."""


class NonFiniteError(FloatingPointError, ValueError):
    """An input or loss that holds NaN or inf."""


class IndexRangeError(ValueError, IndexError):
    """An index (an Embedding's token id) outside the table: an IndexError, as torch raises, and a ValueError."""


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


def dtype_name(dtype):
    """'float32' for np.float32 and torch.float32 alike."""
    return str(dtype).removeprefix("torch.")


_IS_FLOATING = {}          # dtype -> whether it is a floating dtype (str(dtype) is slow: read once per dtype)


def is_floating_dtype(dtype):
    """True for NumPy's and torch's float16, float32, float64 (and bfloat16)."""
    floating = _IS_FLOATING.get(dtype)
    if floating is None:
        floating = _IS_FLOATING[dtype] = "float" in str(dtype)
    return floating


def check_floating(layer, x, what="input", dtype=None, whose="its parameters'"):
    """Raise TypeError unless x holds floating-point numbers (an integer or boolean input would be
    silently truncated or promoted by NumPy, refused by torch; complex numbers too), and, when `dtype` is
    given (a layer's parameters' dtype, or `whose` else: "the query's"), unless x has that dtype, as torch's
    kernels require."""
    x_dtype = x.dtype
    if x_dtype is dtype or (dtype is None and is_floating_dtype(x_dtype)):     # the common cases, fast
        return
    if dtype is not None and x_dtype == dtype:
        return
    if not is_floating_dtype(x_dtype):
        raise TypeError(f"{layer_name(layer)} expected a floating-point {what}, got dtype {dtype_name(x.dtype)} "
                        f"(convert with dl.asarray(x.astype('float32')))")
    if dtype is not None:
        raise TypeError(f"{layer_name(layer)} expected {what} of dtype {dtype_name(dtype)} ({whose}), "
                        f"got {dtype_name(x.dtype)}: convert the input (dl.asarray(x, dtype=...)) or the layer "
                        f"(.float(), .double())")


def type_name(value):
    """'list', 'numpy.ndarray', 'torch.Tensor': the kind of value, as the messages name it."""
    cls = type(value)
    package = cls.__module__.split(".")[0]
    return cls.__name__ if package == "builtins" else f"{package}.{cls.__name__}"


ARGUMENT_FLAGS = (bool, str, type(None))       # positional arguments that are settings, not arrays


def check_array(layer, value, array_type, array_name, what="input"):
    """Raise TypeError unless `value` is a backend array (array_type: np.ndarray or torch.Tensor, named
    array_name in the message), a tuple of them (a recurrent layer's (out, h_n), an LSTM's (h_0, c_0)),
    or a setting (bool, str, None). A list, a number or the other backend's array is refused, as
    torch.nn's layers refuse them: `Linear(4, 3) expected input as a NumPy array, got torch.Tensor:
    use dl.asarray(x)`."""
    if isinstance(value, (array_type, *ARGUMENT_FLAGS)):
        return
    if isinstance(value, tuple):
        for item in value:
            check_array(layer, item, array_type, array_name, what)
        return
    raise TypeError(f"{layer_name(layer)} expected {what} as {array_name}, got {type_name(value)}: "
                    f"use dl.asarray(x)")


# --- backward once per forward ------------------------------------------------------------------

NO_FORWARD = "no forward"              # a layer's graph state: no forward since construction
BACKWARD_DONE = "backward done"        # its backward already ran for the last forward
NO_GRAPH = "no graph"                  # (torch) the last forward ran without gradients (no_grad)


def check_backward_ready(layer, state):
    """Raise RuntimeError unless `state` says a forward ran whose backward has not run yet: one backward
    per forward, on both backends, as torch frees a graph after its backward. A second backward would
    add the parameter gradients twice (NumPy) or find the graph freed (torch); a layer applied twice in
    one forward (`Sequential(lin, Tanh(), lin)`) is caught here too, at its second backward."""
    if state == NO_FORWARD:
        raise RuntimeError(f"{layer_name(layer)}.backward() called before any forward: run the forward pass "
                           f"first, then one backward")
    if state == NO_GRAPH:
        raise RuntimeError(f"{layer_name(layer)}.backward() needs a forward pass with gradients, "
                           f"not one under no_grad()")
    if state == BACKWARD_DONE:
        raise RuntimeError(f"{layer_name(layer)}.backward() called twice after one forward: each forward "
                           f"allows one backward (its gradients would be added twice); {REUSE_ADVICE}")


REUSE_ADVICE = ("a layer applied twice in one forward, as Sequential(lin, Tanh(), lin), is not supported by the "
                "layer-by-layer backward: use two layers sharing one Parameter, lin2.weight = lin1.weight, in one "
                "Sequential (its backward sums the shared gradient on both backends; on the torch backend, layers "
                "sharing a Parameter outside a Sequential need autograd over the whole model, loss.backward())")


def check_each_layer_once(container, layers):
    """Raise RuntimeError when one layer object appears twice among a container's layers (tied weights by
    reuse): its backward keeps one forward's values, so the second use's gradient would be lost."""
    layers = tuple(layers)
    if len(set(map(id, layers))) == len(layers):                        # the common case, fast
        return
    seen = set()
    for layer in layers:
        if id(layer) in seen:
            raise RuntimeError(f"{layer_name(layer)} appears twice in {layer_name(container)}: {REUSE_ADVICE}")
        seen.add(id(layer))


def check_grad_out(layer, grad_out, output_shape):
    """Raise ShapeError unless dL/d(output) has the output's shape (no silent broadcasting in backward).
    A number stands for a scalar output's gradient."""
    shape = tuple(getattr(grad_out, "shape", ()))
    if shape != tuple(output_shape):
        raise ShapeError(f"{layer_name(layer)}.backward() expected grad_out of the output's shape "
                         f"{tuple(output_shape)}, got {shape}")


def check_broadcastable(layer, value, shape, what):
    """Raise ShapeError unless `value` (e.g. a loss's weight) broadcasts to `shape` without changing it."""
    own = tuple(value.shape)
    fits = len(own) <= len(shape) and all(a in (1, b) for a, b in zip(reversed(own), reversed(shape)))
    if not fits:
        raise ShapeError(f"{layer_name(layer)} expected {what} broadcastable to the input's shape {tuple(shape)}, "
                         f"got {own}")


def check_class_weight(layer, weight, n_classes):
    """Raise ShapeError unless the class weights are one number per class, (C,)."""
    if tuple(weight.shape) != (n_classes,):
        raise ShapeError(f"{layer_name(layer)} expected weight of shape ({n_classes},), one per class of the "
                         f"input, got {tuple(weight.shape)}")


def check_something_to_average(layer, count, why="an empty batch"):
    """Raise ValueError when a 'mean' reduction would average no element at all (count == 0): torch returns
    nan there, and a NaN loss says nothing of why. (A batch whose every target is ignored still gives
    torch's nan: its elements exist, their weights sum to 0.)"""
    if not count:
        raise ValueError(f"{layer_name(layer)} has nothing to average with reduction='mean': {why} "
                         f"(torch returns nan); use reduction='sum', or skip the batch")


def check_dim(layer, x, dim):
    """Raise ShapeError unless `dim` is an axis of x (negative: from the end); return it as non-negative."""
    if not -max(x.ndim, 1) <= dim < max(x.ndim, 1):
        raise ShapeError(f"{layer_name(layer)} expected an input with axis dim={dim} "
                         f"(in [-{max(x.ndim, 1)}, {max(x.ndim, 1) - 1}]), got shape {tuple(x.shape)}")
    return dim % max(x.ndim, 1)


def check_real(layer, x, what="target"):
    """Raise TypeError unless x holds real numbers: floating, integer or boolean (not complex)."""
    if not any(kind in str(x.dtype) for kind in ("float", "int", "bool")):
        raise TypeError(f"{layer_name(layer)} expected a real-valued {what} (floating, integer or boolean), "
                        f"got dtype {dtype_name(x.dtype)}")


def check_finite(layer, x, is_finite, what="input"):
    """Raise NonFiniteError when `is_finite` (a bool the backend computed) is False."""
    if not is_finite:
        article = "an" if what[:1] in "aeiou" else "a"
        raise NonFiniteError(
            f"{layer_name(layer)} got {article} {what} holding NaN or inf (shape {tuple(x.shape)})")


def is_integer_dtype(x):
    """True for int8..int64 and uint arrays of NumPy or torch."""
    return "int" in str(x.dtype)


def check_class_target(layer, input, target, ignore_index=-100, need_one=False):
    """Class-index targets for a loss over input (N, C, *): target (N, *) of integers in [0, C).

    ignore_index marks targets that are left out, as in torch (all of them left out: torch's nan for
    'mean'); need_one (reduction='mean'): the batch must not be empty."""
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise ShapeError(
            f"{layer_name(layer)} expected class-index target of shape {expected} for input of shape "
            f"{tuple(input.shape)}, got {tuple(target.shape)}"
        )
    if not is_integer_dtype(target):
        raise TargetError(f"{layer_name(layer)} expected integer class indices, got dtype {target.dtype}")
    if math.prod(target.shape) == 0:
        if need_one:
            check_something_to_average(layer, 0, "an empty batch")
        return
    n_classes = input.shape[1]
    lowest, highest = int(target.min()), int(target.max())
    if 0 <= lowest and highest < n_classes:                            # the common case: one pass each
        return
    kept = target[target != ignore_index]
    if kept.shape[0] and (int(kept.min()) < 0 or int(kept.max()) >= n_classes):
        bad = int(kept.min()) if int(kept.min()) < 0 else int(kept.max())
        raise TargetError(
            f"{layer_name(layer)} got target {bad}, out of range for {n_classes} classes "
            f"(expected 0 <= target < {n_classes}, or ignore_index={ignore_index})"
        )


def check_batch_statistics(layer, x, training):
    """Raise ShapeError unless batch normalization has more than one value per channel to take a mean and
    a variance from (as torch; training, or track_running_stats=False, normalizes with the batch's)."""
    if math.prod(x.shape) // max(x.shape[1], 1) <= 1:
        when = "when training" if training else "when normalizing with batch statistics (track_running_stats=False)"
        raise ShapeError(f"{layer_name(layer)} expected more than 1 value per channel {when}, "
                         f"got input of shape {tuple(x.shape)}")


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
    check_time_steps(layer, x, batch_first, what)


def check_time_steps(layer, x, batch_first=True, what="input"):
    """Raise ShapeError unless a batch of sequences has at least one time step (T > 0), as torch."""
    if x.shape[1 if batch_first else 0] == 0:
        raise ShapeError(f"{layer_name(layer)} expected {what} with at least one time step (T > 0) on axis "
                         f"{1 if batch_first else 0}, got shape {tuple(x.shape)}")


def check_exact_shape(layer, x, expected, what="input", meaning=""):
    """Raise ShapeError unless tuple(x.shape) == expected; meaning names the axes, e.g.
    '(num_layers, N, hidden_size)'."""
    if tuple(x.shape) != tuple(expected):
        hint = f" {meaning}" if meaning else ""
        raise ShapeError(f"{layer_name(layer)} expected {what} of shape {tuple(expected)}{hint}, "
                         f"got {tuple(x.shape)}")
