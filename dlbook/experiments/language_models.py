"""Language models of characters: the bigram table by counting and by gradient descent, an MLP over a
window of learned embeddings (Bengio et al., 2003), sampling from them, and what their embeddings learn.

    X, Y = context_windows(ids, context_length=1)           # X (M, k) the k ids before each target Y (M,)
    counts = bigram_counts(ids, V)                          # (V, V): how often b followed a
    model = bigram_network(dl, V)                           # an Embedding(V, V): row a holds the logits after a
    history = train_language_model(model, X[:, -1], Y, epochs=2, batch_size=8192, lr=0.1)
    language_model_loss(model, X[:, -1], Y)                 # mean -log p(y | x) in nats

A bigram network has one free logit per (previous, next) pair, so it can represent every table of
next-token probabilities; its training loss is smallest, at log-likelihood's maximum, for the table of
relative counts counts[a, b] / sum_b counts[a, b] (counting_loss). Gradient descent can only approach that
loss from above.

Backend-agnostic: the builders take `dl`, the rest reads the backend off the model (dlbook.backend_of).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import backend_of
from ..data import batches
from ..text import log_softmax, sample_next
from ..train import fit


def context_windows(ids, context_length):
    """Every target with the context_length ids before it: X (L - k, k) int64, Y (L - k,) int64 with
    X[i] = ids[i : i + k] and Y[i] = ids[i + k] (k = context_length)."""
    ids = np.asarray(ids, dtype=np.int64)
    if context_length < 1 or len(ids) <= context_length:
        raise ValueError(f"context_length must be in [1, {len(ids) - 1}] for {len(ids)} ids, got {context_length}")
    return np.array(sliding_window_view(ids[:-1], context_length)), ids[context_length:].copy()


def bigram_counts(ids, vocab_size):
    """(V, V) int64: counts[a, b] = how often token b follows token a in ids."""
    ids = np.asarray(ids, dtype=np.int64)
    counts = np.zeros((vocab_size, vocab_size), dtype=np.int64)
    np.add.at(counts, (ids[:-1], ids[1:]), 1)
    return counts


def counting_loss(counts, ids):
    """The mean -log p(ids[t] | ids[t - 1]) in nats under the unsmoothed table p = counts / row sums.
    On the text the counts came from every pair was seen, so every p > 0: this is the smallest training
    loss any bigram model can reach (the maximum-likelihood table)."""
    ids = np.asarray(ids, dtype=np.int64)
    probabilities = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    pair_probabilities = probabilities[ids[:-1], ids[1:]]
    if not (pair_probabilities > 0).all():
        raise ValueError("a pair of ids was never counted: use a smoothed model (dlbook.text.NGramModel) on new text")
    return float(-np.log(pair_probabilities).mean())


def bigram_network(dl, vocab_size, seed=0):
    """The bigram model as a one-layer network: dl.Embedding(V, V), ids (N,) -> logits (N, V), row a of its
    weight the logits of the token after a. Looking up row a is the one-hot vector of a times the weight.
    The weight starts at 0: every next token equally likely, a loss of log V."""
    network = dl.Embedding(vocab_size, vocab_size, seed=seed)
    dl.zeros(network.weight)
    return network


def train_language_model(model, X, Y, *, epochs=1, batch_size=512, lr=1e-2, max_examples=None, seed=0,
                         progress=False):
    """Adam on the mean cross-entropy of next tokens through dlbook.train.fit; returns its History.

    X: (M,) or (M, k) int ids the model reads, Y: (M,) the next ids. max_examples: train on that many
    examples drawn once (seeded) from the M, so the run fits a time budget."""
    dl = backend_of(model)
    if max_examples is not None and max_examples < len(Y):
        chosen = np.random.default_rng(seed).choice(len(Y), size=max_examples, replace=False)
        X, Y = X[chosen], Y[chosen]
    return fit(model, dl.CrossEntropyLoss(), dl.Adam(model.parameters(), lr=lr), X, Y, epochs=epochs,
               batch_size=batch_size, seed=seed, progress=progress)


def language_model_loss(model, X, Y, batch_size=8192):
    """The mean -log p(Y | X) of the model in nats (perplexity = exp of it), in eval mode, batch by batch
    (the logits of a whole text at once would take V floats per token)."""
    dl = backend_of(model)
    loss_fn, total = dl.CrossEntropyLoss(), 0.0
    was_training = model.training
    model.eval()
    with dl.no_grad():
        for x, y in batches(X, Y, batch_size=batch_size, shuffle=False):
            total += float(dl.to_numpy(loss_fn(model(dl.asarray(x)), dl.asarray(y)))) * len(y)
    model.train(was_training)
    return total / len(Y)


def table_loss(logits, counts):
    """The mean -log p(b | a) of a bigram table of logits (V, V) over a text with bigram_counts `counts`:
    sum over pairs of counts[a, b] * -log softmax(logits[a])[b], divided by the number of pairs. The same
    number as language_model_loss of the bigram network on that text, without a pass over it."""
    return float(-(counts * log_softmax(np.asarray(logits, dtype=np.float64), axis=1)).sum() / counts.sum())


def next_token_logits(model, context):
    """The model's logits (V,) float64 for the token after `context` (the ids it reads, (k,) or () )."""
    dl = backend_of(model)
    model.eval()
    with dl.no_grad():
        logits = model(dl.asarray(np.asarray(context, dtype=np.int64)[None]))
    return dl.to_numpy(logits)[0].astype(np.float64)


def generate(model, prompt_ids, num_tokens, context_length, temperature=1.0, top_k=None, seed=0):
    """prompt_ids followed by num_tokens ids drawn one at a time: the model reads the last context_length
    ids, dlbook.text.sample_next draws from softmax(top-k logits / temperature) with one seeded Generator,
    the draw is appended, and so on. The prompt needs at least context_length ids. Returns int64 ids."""
    ids = list(np.asarray(prompt_ids, dtype=np.int64))
    if len(ids) < context_length:
        raise ValueError(f"the prompt needs at least {context_length} ids, got {len(ids)}")
    rng = np.random.default_rng(seed)
    for _ in range(num_tokens):
        context = ids[-context_length:] if context_length > 1 else ids[-1]
        ids.append(sample_next(next_token_logits(model, context), temperature, top_k, generator=rng))
    return np.asarray(ids, dtype=np.int64)


def cosine_similarities(vectors):
    """(V, V): cos(u_i, u_j) = u_i . u_j / (|u_i| |u_j|) for the rows of vectors (V, E)."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit @ unit.T


def embedding_neighbours(vectors, k=3):
    """(V, k) int64: for each row of vectors (V, E), the k other rows of largest cosine similarity,
    the nearest first."""
    similarities = cosine_similarities(np.asarray(vectors, dtype=np.float64))
    np.fill_diagonal(similarities, -np.inf)                           # a row is not its own neighbour
    return np.argsort(-similarities, axis=1, kind="stable")[:, :k]


def pca_2d(x):
    """Principal component analysis by SVD: x (N, E) -> (projection (N, 2), explained (2,)).

    x - mean = U S V^T; the projection on the first two principal directions is (x - mean) V[:, :2]
    = U[:, :2] S[:2], and explained[i] = S_i^2 / sum S^2 is the share of the variance along direction i."""
    centred = np.asarray(x, dtype=np.float64) - np.mean(x, axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    return u[:, :2] * s[:2], s[:2] ** 2 / (s ** 2).sum()
