"""Next-token windows: a token sequence cut into (context, target) pairs, the target being the context
shifted by one - what a language model learns from. Random windows to train, all of them in order to evaluate.

    ids      = [5, 9, 2, 7, 1, ...]
    context  = [5, 9, 2]       the model reads these T tokens ...
    target   = [9, 2, 7]       ... and at each position t predicts target[t] = ids[start + t + 1]
"""

import numpy as np

from .checks import as_token_ids, check_count


def checked_ids(ids, context_length):
    """ids as int64 (L,), after checking context_length and that ids hold at least one window (L > T)."""
    check_count("context_length", context_length)
    ids = as_token_ids(ids)
    if len(ids) <= context_length:
        raise ValueError(f"a window of context_length={context_length} needs at least {context_length + 1} "
                         f"token ids (the context and one more target), got {len(ids)}")
    return ids


def next_token_batches(ids, context_length, batch_size, seed=None, num_batches=None):
    """Random windows for training: yields (context, target), both int64 of shape (N, T) with
    N = batch_size, T = context_length and target[:, t] = the token after context[:, t].

    ids: token ids (L,), L > T. Each window starts at a position drawn uniformly from [0, L - T - 1] by
    np.random.default_rng(seed) (an int, a Generator, or None for fresh draws): the same seed gives the
    same batches. num_batches: how many to yield; by default one epoch's worth, (L - 1) // (N * T)
    (at least 1), so a loop over it sees about as many tokens as ids holds, as dlbook.data.batches does.
    """
    ids = checked_ids(ids, context_length)
    check_count("batch_size", batch_size)
    if num_batches is None:
        num_batches = max(1, (len(ids) - 1) // (batch_size * context_length))
    check_count("num_batches", num_batches)
    return _iterate_windows(ids, context_length, batch_size, np.random.default_rng(seed), num_batches)


def _iterate_windows(ids, context_length, batch_size, rng, num_batches):
    """The generator behind next_token_batches, so that bad arguments fail at the call, not at the first batch."""
    offsets = np.arange(context_length + 1)
    for _ in range(num_batches):
        starts = rng.integers(0, len(ids) - context_length, size=batch_size)
        windows = ids[starts[:, None] + offsets]                            # (N, T + 1)
        yield np.ascontiguousarray(windows[:, :-1]), np.ascontiguousarray(windows[:, 1:])


def next_token_windows(ids, context_length):
    """Every non-overlapping window, in order, for evaluation: (context, target), int64 (W, T) each, with
    W = (L - 1) // T windows, context[w] = ids[w*T : w*T + T] and target[w] = ids[w*T + 1 : w*T + T + 1].

    Every token after the first is a target exactly once, except the (L - 1) % T left over at the end.
    Batch them with dlbook.data.batches(context, target, batch_size, shuffle=False).
    """
    ids = checked_ids(ids, context_length)
    count = (len(ids) - 1) // context_length
    used = count * context_length
    return ids[:used].reshape(count, context_length), ids[1:used + 1].reshape(count, context_length)
