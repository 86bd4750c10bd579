"""How well a language model predicts the next token: the mean negative log-likelihood (NLL) of the targets
in nats, from logits, and the perplexity exp(NLL) - the number of tokens it is, on average, as unsure
between as a uniform guess would be (a uniform guess over V tokens: NLL = log V, perplexity = V).
"""

import math
from numbers import Real

import numpy as np


def log_softmax(logits, axis=-1):
    """log softmax(logits) along `axis`, stably: z - max(z) - log(sum(exp(z - max(z)))). Same shape as logits."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def mean_nll(logits, targets):
    """Mean negative log-likelihood of the targets, in nats: -mean over positions of log softmax(logits)[target].

    logits: (N, T, V) float (any leading shape (..., V)), targets: (N, T) ints in [0, V), the leading shape
    of logits. The same number as torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1)).
    """
    logits, targets = np.asarray(logits), np.asarray(targets)
    if logits.ndim < 1 or logits.shape[:-1] != targets.shape:
        raise ValueError(f"mean_nll expects logits (N, T, V) and targets (N, T), got logits {logits.shape} "
                         f"and targets {targets.shape}")
    if targets.size == 0:
        raise ValueError("mean_nll needs at least one target, got none")
    if not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(f"targets must be integer token ids, got {targets.dtype}")
    vocab_size = logits.shape[-1]
    if targets.min() < 0 or targets.max() >= vocab_size:
        raise ValueError(f"targets must lie in [0, {vocab_size}) (logits' last axis), "
                         f"got ids from {targets.min()} to {targets.max()}")
    log_probabilities = log_softmax(logits)
    picked = np.take_along_axis(log_probabilities, targets[..., None], axis=-1)
    return float(-picked.mean())


def perplexity(nll):
    """exp(nll): the perplexity of a mean negative log-likelihood `nll` in nats (>= 0; inf gives inf)."""
    if isinstance(nll, bool) or not isinstance(nll, Real) or not nll >= 0:
        raise ValueError(f"perplexity takes a mean negative log-likelihood in nats (a number >= 0), got {nll!r}")
    return math.exp(nll) if nll < 709 else math.inf                       # exp(709.8) overflows float64
