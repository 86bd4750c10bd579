"""Differential privacy for training: DP-SGD (Abadi et al., 2016) and what its noise costs and buys.

One step of DP-SGD on a batch drawn by Poisson sampling (each of the N examples joins with probability q):

    g_i   = grad of the loss on example i                      (per example, not averaged)
    g_i  <- g_i / max(1, ||g_i|| / C)                           (clip each to norm at most C)
    g     = (sum_i g_i + N(0, sigma^2 C^2 I)) / (q N)           (add Gaussian noise, average)
    w    <- w - lr g

Clipping bounds what any one example can change; the noise, scaled to that bound by the noise
multiplier sigma, hides whether the example was there at all. The privacy loss after T steps is
(epsilon, delta): computed here with the Renyi-DP accountant of the sampled Gaussian mechanism
(Mironov, 2017; Mironov, Talwar & Zhang, 2019), `epsilon`.

The model is softmax regression written out in NumPy, whose per-example gradients have a closed form
(dL_i/dW = (p_i - y_i) x_i^T): a whole batch of them costs one matrix product. For any dlbook model,
`per_example_gradients` computes them with a loop over batches of one (slower, any backend).
"""

import math

import numpy as np
from scipy.special import logsumexp, xlogy

from .. import backend_of
from ..data import one_hot

# ---------------------------------------------------------------- softmax regression by hand


def softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def softmax_per_example_gradients(W, b, x, y):
    """Gradients of the cross-entropy of each example: x (B, D), y (B,) ints, W (K, D), b (K,) ->
    (grad_W (B, K, D), grad_b (B, K)) with delta_i = p_i - onehot(y_i), dL_i/dW = delta_i x_i^T, dL_i/db = delta_i."""
    delta = softmax(x @ W.T + b) - one_hot(y, W.shape[0])      # (B, K)
    return delta[:, :, None] * x[:, None, :], delta


def clip_per_example(grad_W, grad_b, max_norm):
    """Scale each example's gradient (its W and b parts together) to norm at most max_norm."""
    norms = np.sqrt((grad_W**2).sum(axis=(1, 2)) + (grad_b**2).sum(axis=1))          # ||g_i||, (B,)
    factor = 1.0 / np.maximum(1.0, norms / max_norm)                                    # min(1, C / ||g_i||)
    return grad_W * factor[:, None, None], grad_b * factor[:, None]


def dp_sgd(X, y, *, noise_multiplier, max_norm=1.0, lr=0.5, sample_rate=0.05, steps=300, n_classes=10,
           seed=0, clip=True):
    """Train softmax regression with DP-SGD; returns (W, b). noise_multiplier sigma = 0 with clip=False
    is plain SGD on Poisson-sampled batches (the non-private baseline)."""
    rng = np.random.default_rng(seed)
    X = np.asarray(X, dtype=np.float64)
    n, dim = X.shape
    W, b = np.zeros((n_classes, dim)), np.zeros(n_classes)
    expected_batch = sample_rate * n                                   # q N
    for _ in range(steps):
        batch = rng.random(n) < sample_rate                             # Poisson sampling
        grad_W, grad_b = softmax_per_example_gradients(W, b, X[batch], y[batch])
        if clip:
            grad_W, grad_b = clip_per_example(grad_W, grad_b, max_norm)
        noise_scale = noise_multiplier * max_norm                       # sigma C
        W -= lr * (grad_W.sum(axis=0) + noise_scale * rng.standard_normal(W.shape)) / expected_batch
        b -= lr * (grad_b.sum(axis=0) + noise_scale * rng.standard_normal(b.shape)) / expected_batch
    return W, b


def accuracy(W, b, X, y):
    return float(((np.asarray(X) @ W.T + b).argmax(axis=1) == np.asarray(y)).mean())


# ---------------------------------------------------------------- privacy accounting


def rdp_sampled_gaussian(order, sample_rate, noise_multiplier):
    """Renyi DP of one step of the sampled Gaussian mechanism at an integer order alpha >= 2:
    eps(alpha) = log(A_alpha) / (alpha - 1) with
    A_alpha = sum_k binom(alpha, k) (1 - q)^(alpha - k) q^k exp((k^2 - k) / (2 sigma^2))
    (Mironov, Talwar & Zhang, 2019, Sec. 3.3). q = 1 gives the Gaussian mechanism's alpha / (2 sigma^2)."""
    if int(order) != order or order < 2:
        raise ValueError(f"order must be an integer >= 2, got {order}")
    if noise_multiplier <= 0:
        return math.inf
    q, alpha = sample_rate, int(order)
    k = np.arange(alpha + 1)
    log_binomial = np.array([math.lgamma(alpha + 1) - math.lgamma(j + 1) - math.lgamma(alpha - j + 1) for j in k])
    log_terms = (log_binomial + xlogy(alpha - k, 1 - q) + xlogy(k, q)     # xlogy(0, 0) = 0: q may be 0 or 1
                 + (k * k - k) / (2 * noise_multiplier**2))
    return float(logsumexp(log_terms)) / (alpha - 1)


ORDERS = tuple(range(2, 257))


def epsilon(noise_multiplier, sample_rate, steps, delta=1e-5, orders=ORDERS):
    """The epsilon of (epsilon, delta)-DP after `steps` steps of DP-SGD: Renyi DP adds up over steps,
    and converts as epsilon = min over alpha of T eps(alpha) + log(1 / delta) / (alpha - 1) (Mironov, 2017)."""
    return min(steps * rdp_sampled_gaussian(order, sample_rate, noise_multiplier) + math.log(1 / delta) / (order - 1)
               for order in orders)


# ---------------------------------------------------------------- any dlbook model


def per_example_gradients(model, loss_fn, X, y):
    """One gradient per example of any dlbook model, by backpropagating batches of one:
    {parameter name: (N, *shape)} as NumPy. The loss of a batch of one is that example's loss."""
    dl = backend_of(model)
    names = [name for name, _ in model.named_parameters()]
    grads = {name: [] for name in names}
    for index in range(len(X)):
        model.zero_grad()
        loss_fn(model(dl.asarray(X[index:index + 1])), dl.asarray(y[index:index + 1]))
        model.backward(loss_fn.backward())
        for name, param in model.named_parameters():
            grads[name].append(np.array(dl.to_numpy(param.grad)))
    model.zero_grad()
    return {name: np.stack(values) for name, values in grads.items()}
