"""Single neurons: the best any threshold unit can do on a set of points, and how one sigmoid neuron
learns under two losses.

    best_threshold_accuracy(X, y)                      # 0.75 on the XOR table: no line separates it
    run = train_sigmoid_neuron(dl, "mse")              # a = sigmoid(w x + b) by gradient descent
    run["output"]                                      # a before each step, and after the last

Imports no backend: the backend comes in as `dl`.
"""

import numpy as np

from ..train import train_step

NEURON_LOSSES = ("mse", "cross_entropy")


def best_threshold_accuracy(X, y, n_angles=720):
    """The largest accuracy of a threshold unit [w . x + b > 0] on points X: (N, 2), labels y: (N,) in {0, 1}.

    Scans n_angles directions w = (cos t, sin t) and, for each, every threshold b between two distinct
    projections w . x (and beyond all of them). A single neuron, sigmoid or step, classifies by such
    a line, so nothing it learns can beat this number."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y).astype(bool)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (len(X),):
        raise ValueError(f"best_threshold_accuracy expects X of shape (N, 2) and y of shape (N,), "
                         f"got {X.shape} and {y.shape}")
    angles = np.linspace(0, 2 * np.pi, n_angles, endpoint=False)
    projections = X @ np.stack([np.cos(angles), np.sin(angles)])            # (N, A): w . x per direction
    order = np.argsort(projections, axis=0, kind="stable")
    labels = y[order]                                                        # (N, A), sorted along w
    ones = np.vstack([np.zeros((1, n_angles)), np.cumsum(labels, axis=0)])  # (N + 1, A): 1s below cut k
    below = np.arange(len(X) + 1)[:, None]                                   # points below cut k
    correct = (below - ones) + (ones[-1] - ones)                             # 0s below + 1s above the cut
    sorted_projections = np.take_along_axis(projections, order, axis=0)
    gaps = np.diff(sorted_projections, axis=0) > 1e-12                       # a cut needs distinct neighbours
    can_cut = np.vstack([np.ones((1, n_angles), bool), gaps, np.ones((1, n_angles), bool)])
    return float(np.where(can_cut, correct, 0).max() / len(X))


def train_sigmoid_neuron(dl, loss, w=2.0, b=2.0, x=1.0, target=0.0, lr=0.15,
                         n_steps=300):
    """Gradient descent on one sigmoid neuron a = sigmoid(w x + b), one example.

    loss "mse": L = (a - target)^2 (dl.Sigmoid, then dl.MSELoss),
        dL/dz = 2 (a - t) a (1 - a);
    loss "cross_entropy": L = -t log a - (1 - t) log(1 - a), on the logit z
        (dl.BCEWithLogitsLoss), dL/dz = a - t.
    Plain SGD with learning rate lr for n_steps steps, from the same w and b.
    Returns {'output': a before each step and after the last (n_steps + 1,),
             'loss': (n_steps,)}."""
    if loss not in NEURON_LOSSES:
        raise ValueError(f"loss must be one of {NEURON_LOSSES}, got {loss!r}")
    neuron = dl.Linear(1, 1)
    neuron.load_state_dict({"weight": np.array([[w]]), "bias": np.array([b])})
    if loss == "mse":                          # the model outputs a
        model, loss_fn = dl.Sequential(neuron, dl.Sigmoid()), dl.MSELoss()
    else:                                      # the model outputs the logit z
        model, loss_fn = neuron, dl.BCEWithLogitsLoss()
    optimizer = dl.SGD(model.parameters(), lr=lr)
    inputs, targets = dl.asarray([[x]]), dl.asarray([[target]])
    outputs, losses = [], []
    for _ in range(n_steps):
        loss_value, prediction = train_step(model, loss_fn, optimizer, inputs, targets)
        outputs.append(float(dl.to_numpy(prediction).reshape(())))
        losses.append(loss_value)
    with dl.no_grad():
        outputs.append(float(dl.to_numpy(model(inputs)).reshape(())))
    outputs = np.array(outputs)
    if loss == "cross_entropy":
        outputs = 1 / (1 + np.exp(-outputs))   # a = sigmoid(z)
    return {"output": outputs, "loss": np.array(losses)}
