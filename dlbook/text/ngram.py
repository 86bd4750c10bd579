"""The count-based n-gram language model: the baseline a neural language model must beat.

An n-gram model predicts token x_t from the n - 1 tokens before it alone, by counting, with add-k
(Laplace for k = 1) smoothing so that a pair never seen keeps a small, finite probability:

    p(x_t = v | context) = (count(context, v) + k) / (count(context) + k V)

n = 1 is the unigram model (token frequencies, no context), n = 2 the bigram model, and so on.
Counts are kept sparse (only the n-grams seen), each n-gram written as one integer in base V, so a
trigram model over a 1024-token vocabulary costs memory for the trigrams of the text, not V^3.
"""

from numbers import Real

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .checks import as_token_ids, check_count


class NGramModel:
    """Add-k smoothed n-gram model over token ids in [0, vocab_size).

    fit(ids): count every n-gram of ids (L,) (replacing earlier counts); returns the model.
    counts(context), probabilities(context): (V,) for the next token after `context` (its last n - 1 ids).
    log_prob(ids): (L - n + 1,) log p(ids[t] | ids[t - n + 1 : t]) for t = n - 1 .. L - 1, in nats.
    loss(ids): the mean of -log_prob(ids): the model's mean negative log-likelihood per token.
    """

    def __init__(self, n, vocab_size, smoothing=1.0):
        check_count("n", n)
        check_count("vocab_size", vocab_size)
        if isinstance(smoothing, bool) or not isinstance(smoothing, Real) or not 0 < smoothing < np.inf:
            raise ValueError(f"smoothing (the k of add-k) must be a number > 0, so unseen n-grams keep a finite "
                             f"probability; got {smoothing!r}")
        if vocab_size ** n >= 2 ** 63:
            raise ValueError(f"NGramModel writes an n-gram as one int64 in base vocab_size: vocab_size ** n "
                             f"must stay below 2**63, got {vocab_size} ** {n}")
        self.n, self.vocab_size, self.smoothing = n, vocab_size, float(smoothing)
        self.place_values = vocab_size ** np.arange(n - 1, -1, -1, dtype=np.int64)   # (n,) V^(n-1) ... V^0
        empty = np.zeros(0, dtype=np.int64)
        self.ngram_keys, self.ngram_counts = empty, empty                   # sorted n-grams seen, how often
        self.context_keys, self.context_counts = empty, empty               # sorted (n-1)-grams before a token

    def ngram_windows(self, ids):
        """ids (L,) -> (L - n + 1, n): every n-gram of ids, one per row (a view)."""
        if len(ids) < self.n:
            raise ValueError(f"{self!r} needs at least {self.n} token ids (one context and its next token), "
                             f"got {len(ids)}")
        return sliding_window_view(ids, self.n)

    def fit(self, ids):
        """Count the n-grams of ids (L,) and their contexts. Returns self."""
        windows = self.ngram_windows(as_token_ids(ids, self.vocab_size))
        ngrams = windows @ self.place_values                                # (L - n + 1,) one key per n-gram
        self.ngram_keys, self.ngram_counts = np.unique(ngrams, return_counts=True)
        self.context_keys, self.context_counts = np.unique(ngrams // self.vocab_size, return_counts=True)
        return self

    def context_key(self, context):
        """The base-V key of the last n - 1 ids of `context` (0 for the unigram model)."""
        context = as_token_ids(context, self.vocab_size, name="context")
        if len(context) < self.n - 1:
            raise ValueError(f"{self!r} predicts from the last {self.n - 1} tokens, got a context of {len(context)}")
        last = context[len(context) - (self.n - 1):]
        return int(last @ self.place_values[1:])                          # V^(n-2) ... V^0

    def counts(self, context):
        """(V,) int64: how often each token followed the last n - 1 ids of `context` in the fitted text."""
        keys = self.context_key(context) * self.vocab_size + np.arange(self.vocab_size)
        return lookup(self.ngram_keys, self.ngram_counts, keys)

    def probabilities(self, context):
        """(V,) float64 summing to 1: p(next token | the last n - 1 ids of `context`), add-k smoothed."""
        counts = self.counts(context)
        return (counts + self.smoothing) / (counts.sum() + self.smoothing * self.vocab_size)

    def log_prob(self, ids):
        """(L - n + 1,) float64: log p(ids[t] | ids[t - n + 1 : t]) in nats, for t = n - 1 .. L - 1."""
        ngrams = self.ngram_windows(as_token_ids(ids, self.vocab_size)) @ self.place_values
        joint = lookup(self.ngram_keys, self.ngram_counts, ngrams)
        context = lookup(self.context_keys, self.context_counts, ngrams // self.vocab_size)
        k = self.smoothing
        return np.log(joint + k) - np.log(context + k * self.vocab_size)

    def loss(self, ids):
        """Mean negative log-likelihood of the next token, in nats, over every token of ids with n - 1
        tokens before it (perplexity = exp(loss); a uniform guess scores log V)."""
        return float(-self.log_prob(ids).mean())

    def __repr__(self):
        return f"NGramModel(n={self.n}, vocab_size={self.vocab_size}, smoothing={self.smoothing:g})"


def lookup(sorted_keys, counts, queries):
    """counts[i] where sorted_keys[i] == query, 0 for a query not among the keys: int64, shape of queries."""
    if len(sorted_keys) == 0:
        return np.zeros(np.shape(queries), dtype=np.int64)
    at = np.searchsorted(sorted_keys, queries).clip(max=len(sorted_keys) - 1)
    return np.where(sorted_keys[at] == queries, counts[at], 0)
