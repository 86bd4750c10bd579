"""Numerical vs analytic gradients: central differences in float64, for any layer or loss of
either backend.

    err = gradcheck(dl.Linear(4, 3, seed=0), input_shape=(5, 4))      # < 1e-6 when backward is right

A layer is checked through the scalar f(x, theta) = sum(layer(x) * dy) for a random dy: its
analytic gradients are layer.backward(dy) (w.r.t. x) and each param.grad; a loss through
f(x) = loss(x, target) (times a random dy for reduction='none'); a layer with several outputs (RNN, LSTM,
GRU) through each output in turn. Each numerical gradient is
(f(v + eps) - f(v - eps)) / (2 eps), element by element. The error of one tensor is
||analytic - numerical|| / max(||analytic|| + ||numerical||, 1e-12); gradcheck returns the largest.
"""

import contextlib

import numpy as np

from . import backend_of


def numerical_gradient(f, values, eps=1e-6):
    """df/dvalues by central differences, for a scalar function f() that reads `values` (an array or
    tensor, changed in place and restored). Returns a float64 NumPy array of values' shape."""
    flat = values.reshape(-1)
    grad = np.zeros(flat.shape[0], dtype=np.float64)
    for index in range(flat.shape[0]):
        original = float(flat[index])
        flat[index] = original + eps
        f_plus = f()
        flat[index] = original - eps
        f_minus = f()
        flat[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad.reshape(tuple(values.shape))


def relative_error(analytic, numerical):
    """||a - n|| / max(||a|| + ||n||, 1e-12): 0 when equal, about 1 when unrelated."""
    analytic, numerical = np.asarray(analytic, np.float64), np.asarray(numerical, np.float64)
    scale = max(np.linalg.norm(analytic) + np.linalg.norm(numerical), 1e-12)
    return float(np.linalg.norm(analytic - numerical) / scale)


@contextlib.contextmanager
def _frozen_randomness(module):
    """Every forward inside sees the same random draws (e.g. one dropout mask)."""
    generators = [m.generator for m in module.modules() if isinstance(getattr(m, "generator", None),
                                                                      np.random.Generator)]
    states = [g.bit_generator.state for g in generators]

    def rewind():
        for generator, state in zip(generators, states):
            generator.bit_generator.state = state

    yield rewind


def _outputs(y):
    """A module's outputs as a flat list: [y], or [out, h_n] / [out, h_n, c_n] for a recurrent layer
    ((out, (h_n, c_n)) flattened, in the order its backward takes their gradients)."""
    if isinstance(y, tuple):
        return [output for item in y for output in _outputs(item)]
    return [y]


def gradcheck_report(module, input=None, target=None, *, input_shape=None, seed=0, eps=1e-6):
    """Relative error of each gradient: {'input': err, '<param name>': err, ...}.

    module: a layer or loss of either backend (cast to float64 in place);
    input: an array (any backend or NumPy), or input_shape for a standard-normal one;
    target: the loss target (makes `module` be treated as a loss).

    A module with several outputs (RNN: (out, h_n); LSTM: (out, (h_n, c_n))) is checked through each
    output in turn, its backward given dL/dy for that output and zeros for the others (backward takes one
    gradient per output, in order): the keys are then 'input via output 0', '<param name> via output 1', ..."""
    dl = backend_of(module)
    rng = np.random.default_rng(seed)
    module.double()
    x = dl.asarray(rng.standard_normal(input_shape) if input is None else dl.to_numpy(input), dtype="float64")
    if target is not None and "float" in str(dl.to_numpy(target).dtype):
        target = dl.asarray(dl.to_numpy(target), dtype="float64")
    params = dict(module.named_parameters())

    def forward():
        return module(x) if target is None else module(x, target)

    with _frozen_randomness(module) as rewind:
        shapes = [None if y is None else tuple(y.shape) for y in _outputs(forward())]
        is_scalar = shapes == [()]
        dys = [None if shape is None else np.ones(()) if is_scalar else rng.standard_normal(shape) for shape in shapes]
        report = {}
        for k, dy in enumerate(dys):
            if dy is None:
                continue
            suffix = "" if len(dys) == 1 else f" via output {k}"
            grads = [None if shape is None else dl.asarray(dy if j == k else np.zeros(shape), dtype="float64")
                     for j, shape in enumerate(shapes)]
            rewind()
            forward()
            module.zero_grad()
            grad_input = module.backward(1.0) if is_scalar else module.backward(*grads)
            weight = grads[k]

            def f(k=k, weight=weight):
                rewind()
                with dl.no_grad():
                    y = _outputs(forward())[k]
                return float(dl.to_numpy(y * weight).sum())

            report["input" + suffix] = relative_error(dl.to_numpy(grad_input), numerical_gradient(f, x, eps))
            for name, param in params.items():
                analytic = np.zeros(tuple(param.shape)) if param.grad is None else dl.to_numpy(param.grad)
                report[name + suffix] = relative_error(analytic, numerical_gradient(f, param.data, eps))
    return report


def gradcheck(module, input=None, target=None, *, input_shape=None, seed=0, eps=1e-6):
    """The largest relative error between analytic and numerical gradients (see gradcheck_report)."""
    report = gradcheck_report(module, input, target, input_shape=input_shape, seed=seed, eps=eps)
    return max(report.values())
