"""Universal approximation, the shallow-network picture: a 1-hidden-layer ReLU network of width w
fitted to a 1-D target on [-1, 1].

    fit = fit_shallow_network(dl, "wave", width=8)   # {'x', 'target', 'prediction', 'rmse', 'kinks', 'model'}
    rmse_by_width(dl, "wave", WIDTHS)                 # {width: rmse}

The fit is honest but not gradient descent: hidden unit j computes a_j = ReLU(x - c_j) with its kink
c_j = -1 + 2 j / w evenly spaced over [-1, 1) (first layer fixed), and only the output layer
y_hat = a W_2^T + b_2 is fitted, by least squares. Such a network is a continuous piecewise-linear
function with kinks at the c_j; least squares picks the best one. For widths that are powers of two
the kinks of width w are among those of width 2w, so the error on the fitted points can only fall
as the network widens. Imports no backend: the backend comes in as `dl`.
"""

import numpy as np

TARGETS = {
    "bump": lambda x: np.exp(-(x / 0.3) ** 2),                 # a smooth bump
    "wave": lambda x: np.sin(3 * np.pi * x),                   # one and a half periods
    "step": lambda x: (x > 0.1).astype(np.float64),            # a jump: continuous fits only approach it
}
WIDTHS = (1, 2, 4, 8, 16, 32)
N_POINTS = 201                                                 # points x on [-1, 1], fitted and measured


def kinks(width):
    """The hidden units' kinks c_j = -1 + 2 j / width, j = 0 .. width - 1."""
    if int(width) != width or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    return -1 + 2 * np.arange(width) / width


def fit_shallow_network(dl, target, width, n_points=N_POINTS):
    """A dl.Sequential(Linear(1, width), ReLU(), Linear(width, 1)) whose hidden units have kinks at
    kinks(width) and whose output layer is the least-squares fit to TARGETS[target] on n_points points.

    Returns {'x': (n,), 'target': (n,), 'prediction': (n,), 'rmse': float, 'kinks': (width,), 'model'}."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {sorted(TARGETS)}")
    x = np.linspace(-1, 1, n_points)
    y = TARGETS[target](x)
    c = kinks(width)
    hidden, output = dl.Linear(1, width), dl.Linear(width, 1)
    hidden.load_state_dict({"weight": np.ones((width, 1)), "bias": -c})   # z_j = x - c_j
    model = dl.Sequential(hidden, dl.ReLU(), output)
    inputs = dl.asarray(x[:, None])
    a = np.asarray(dl.to_numpy(model[1](hidden(inputs))), dtype=np.float64)   # (n, width) hidden activations
    design = np.hstack([a, np.ones((n_points, 1))])                           # the bias as a column of ones
    coefficients = np.linalg.lstsq(design, y, rcond=None)[0]                  # least squares: W_2, b_2
    output.load_state_dict({"weight": coefficients[None, :width], "bias": coefficients[width:]})
    prediction = np.asarray(dl.to_numpy(model(inputs)), dtype=np.float64)[:, 0]
    rmse = float(np.sqrt(np.mean((prediction - y) ** 2)))
    return {"x": x, "target": y, "prediction": prediction, "rmse": rmse, "kinks": c, "model": model}


def rmse_by_width(dl, target, widths=WIDTHS, n_points=N_POINTS):
    """{width: root-mean-square error of the fitted network} for each width."""
    return {width: fit_shallow_network(dl, target, width, n_points)["rmse"] for width in widths}
