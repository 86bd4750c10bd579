"""Choosing the next token from a model's logits: temperature, top-k, and the draw itself.

    p = softmax(keep_top_k(logits) / temperature)

temperature < 1 sharpens the distribution toward the likeliest tokens, > 1 flattens it toward uniform;
temperature 0 is the limit, greedy decoding: all the probability on the argmax (the first, on a tie).
top_k keeps the k largest logits and gives every other token probability 0; as the usual torch recipe
`logits[logits < torch.topk(logits, k).values[..., -1:]] = -inf` does, a tie with the k-th largest logit
is kept too (so more than k tokens remain only when logits tie exactly at the cut).
"""

from numbers import Integral, Real

import numpy as np

from .likelihood import log_softmax


def checked_logits(logits):
    """logits (V,) or (N, V) as float64, refusing NaN, +inf and rows without a finite logit
    (-inf is fine: a token the model rules out)."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim not in (1, 2) or logits.shape[-1] == 0:
        raise ValueError(f"logits must have shape (V,) or (N, V) with V >= 1, got {logits.shape}")
    if np.isnan(logits).any():
        raise ValueError(f"logits hold NaN at {tuple(int(i) for i in np.argwhere(np.isnan(logits))[0])}: "
                         "the model's output is broken (a diverged training run?)")
    if np.isposinf(logits).any():
        raise ValueError(f"logits hold +inf at {tuple(int(i) for i in np.argwhere(np.isposinf(logits))[0])}: "
                         "no distribution follows from it")
    if not np.isfinite(logits).any(axis=-1).all():
        raise ValueError("a row of logits is -inf everywhere: no token is left to choose")
    return logits


def check_temperature(temperature):
    if isinstance(temperature, bool) or not isinstance(temperature, Real) or not 0 <= temperature < np.inf:
        raise ValueError(f"temperature must be a finite number >= 0 (0 = greedy), got {temperature!r}")


def check_top_k(top_k, vocab_size):
    if top_k is None:
        return
    if isinstance(top_k, bool) or not isinstance(top_k, Integral) or not 1 <= top_k <= vocab_size:
        raise ValueError(f"top_k must be None or an integer in [1, {vocab_size}] (the vocabulary size), "
                         f"got {top_k!r}")


def keep_top_k(logits, top_k):
    """logits (..., V) with every logit below the top_k-th largest of its row set to -inf (top_k None: all kept)."""
    if top_k is None:
        return logits
    kth_largest = np.partition(logits, -top_k, axis=-1)[..., -top_k:-top_k + 1 or None]   # (..., 1)
    return np.where(logits < kth_largest, -np.inf, logits)


def next_token_distribution(logits, temperature=1.0, top_k=None):
    """The probabilities the next token is drawn from: softmax(keep_top_k(logits) / temperature).

    logits: (V,) or (N, V) float -> float64 of the same shape, each row summing to 1. temperature 0
    gives one-hot rows at the argmax. Refuses temperature < 0, top_k outside [1, V] and NaN logits.
    """
    logits = checked_logits(logits)
    check_temperature(temperature)
    check_top_k(top_k, logits.shape[-1])
    if temperature == 0:
        greedy = np.zeros_like(logits)
        np.put_along_axis(greedy, logits.argmax(axis=-1)[..., None], 1.0, axis=-1)
        return greedy
    kept = keep_top_k(logits, top_k)
    scaled = (kept - kept.max(axis=-1, keepdims=True)) / temperature      # <= 0: no overflow however small T
    return np.exp(log_softmax(scaled))


def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    """Draw the next token from next_token_distribution(logits, temperature, top_k).

    logits: (V,) -> an int; (N, V) -> int64 (N,), one draw per row. generator: a NumPy Generator, an int
    seed or None (fresh randomness): the same seed gives the same tokens. Never returns a token of
    probability 0 (outside the top k, or a -inf logit).
    """
    probabilities = next_token_distribution(logits, temperature, top_k)
    rng = np.random.default_rng(generator)
    rows = np.atleast_2d(probabilities)
    cumulative = np.cumsum(rows, axis=-1)                                  # (N, V)
    u = rng.random(len(rows))[:, None] * cumulative[:, -1:]                # uniform in [0, total)
    tokens = (cumulative <= u).sum(axis=-1)                                # the first token whose cdf exceeds u
    return int(tokens[0]) if probabilities.ndim == 1 else tokens.astype(np.int64)
