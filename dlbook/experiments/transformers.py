"""Attention and transformers, measured: why scores are scaled by 1 / sqrt(d), permutation equivariance,
a GPT trained on token ids against the bigram and MLP baselines, induction heads, and what a block costs.

- score_statistics(d): q.k for q, k ~ N(0, I_d) has variance d; softmax over such scores saturates (the
  largest weight tends to 1) unless they are divided by sqrt(d), which brings the variance back to 1.
- permutation_gap(forward, x, permutation): how far forward(x[:, perm]) is from forward(x)[:, perm].
- train_language_model(model, ids, ...): AdamW on random next-token windows (a GPT: ids (N, T) -> (N, T, V)),
  next_token_nll(model, ids, ...): its mean NLL per token on a text, in nats.
- train_mlp_language_model and mlp_nll: the same budget for the previous chapter's MLP language model
  (dlbook.models.mlp_language_model, Bengio et al.'s fixed window of embeddings).
- attention_maps(model, ids): every layer's per-head attention weights of a dlbook.language_models.gpt.
- repeated_random_sequences, induction_experiment: the induction-head result of Olsson et al. (2022).
- block_parameter_count(layer) and transformer_parameter_estimate(d_model, num_layers): about 12 d^2 per block.

Functions that build take the backend `dl`; those given a model read it off with backend_of. No backend here.
"""

import functools
import math
import os

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import backend_of
from ..language_models import gpt
from ..schedules import LRScheduler, warmup_cosine_lr
from ..text import mean_nll, next_token_batches

try:
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - tqdm is in requirements.txt
    tqdm = None


def progress_bar(iterable, progress, **options):
    """iterable in a tqdm.auto bar when progress is true, tqdm is installed and TQDM_DISABLE is not set (the book
    build sets it: tqdm's notebook bar ignores the variable and would leave its '0%' text in the static page)."""
    disabled = os.environ.get("TQDM_DISABLE", "").lower() not in ("", "0", "false")
    if not progress or disabled or tqdm is None:
        return iterable
    return tqdm(iterable, leave=False, **options)


# --- scaled scores -----------------------------------------------------------------------------------------

def score_statistics(d, num_keys=16, num_samples=2000, seed=0):
    """Scores of one query against num_keys keys, q and k with independent N(0, 1) entries in d dimensions,
    num_samples times: {'variance': var(q.k) (d in theory), 'scaled_variance': var(q.k / sqrt(d)) (1),
    'max_weight': the mean over samples of the largest softmax weight of the raw scores,
    'scaled_max_weight': the same for the scaled scores}."""
    rng = np.random.default_rng(seed)
    queries = rng.standard_normal((num_samples, 1, d))
    keys = rng.standard_normal((num_samples, num_keys, d))
    scores = (queries * keys).sum(axis=-1)                             # (samples, keys): q . k_j
    scaled = scores / math.sqrt(d)
    return {"variance": float(scores.var()), "scaled_variance": float(scaled.var()),
            "max_weight": float(softmax(scores).max(axis=-1).mean()),
            "scaled_max_weight": float(softmax(scaled).max(axis=-1).mean())}


def softmax(scores):
    """softmax along the last axis (max subtracted first)."""
    exp = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


# --- permutation equivariance -------------------------------------------------------------------------------

def permutation_gap(layer, x, permutation):
    """max |f(x[:, perm]) - f(x)[:, perm]| for a sequence layer f = layer: (N, T, ...) -> (N, T, ...) (a
    layer returning a tuple, as MultiheadAttention, is read by its first element, given x as query, key and
    value); 0 up to rounding when the layer is permutation-equivariant."""
    dl = backend_of(layer)
    permutation = np.asarray(permutation)

    def forward(inputs):
        inputs = dl.asarray(inputs)
        with dl.no_grad():
            out = layer(inputs, inputs, inputs) if isinstance(layer, dl.MultiheadAttention) else layer(inputs)
        return dl.to_numpy(out[0] if isinstance(out, tuple) else out)

    x = np.asarray(x)
    return float(np.abs(forward(x[:, permutation]) - forward(x)[:, permutation]).max())


@functools.cache
def positional_layer_class(dl):
    """The module class of positional_encoder_layer on backend dl."""

    class PositionalEncoderLayer(dl.Module):
        """x (N, T, d_model) -> layer(x + E_position[0..T-1]): a TransformerEncoderLayer that sees positions.
        Forward only (for the permutation check)."""

        def __init__(self, d_model, nhead, max_length, seed):
            super().__init__()
            self.position_embedding = dl.Embedding(max_length, d_model, seed=seed)
            self.layer = dl.TransformerEncoderLayer(d_model, nhead, 4 * d_model, dropout=0.0, seed=seed + 1)

        def forward(self, x):
            return self.layer(x + self.position_embedding(dl.asarray(np.arange(x.shape[1]))))

    return PositionalEncoderLayer


def positional_encoder_layer(dl, d_model, nhead, max_length, *, seed=0):
    """A TransformerEncoderLayer(d_model, nhead) whose input gets a learned position embedding added first."""
    return positional_layer_class(dl)(d_model, nhead, max_length, seed)


# --- training a language model on token ids -----------------------------------------------------------------

def learning_rate_schedule(optimizer, steps, warmup_steps):
    """None for a constant learning rate (warmup_steps=None); else an LRScheduler that warms the optimizer's lr
    up linearly over warmup_steps and then anneals it along a cosine to 0 at the last of `steps` steps."""
    if warmup_steps is None:
        return None
    return LRScheduler(optimizer, warmup_cosine_lr, warmup_steps=warmup_steps, T_max=steps)


def train_language_model(model, ids, context_length, batch_size=32, steps=300, lr=3e-3, weight_decay=0.01,
                         seed=0, progress=True, warmup_steps=None, betas=(0.9, 0.999)):
    """AdamW(lr, weight_decay) on `steps` random (context, target) windows of ids (dlbook.text.next_token_batches,
    seeded), cross-entropy of model(context) (N, T, V) against target (N, T); lr constant, or warmed up over
    warmup_steps and then annealed to 0 (learning_rate_schedule). Returns the loss of every step (a list of
    floats, nats per token)."""
    dl = backend_of(model)
    loss_fn = dl.CrossEntropyLoss()
    optimizer = dl.AdamW(model.parameters(), lr=lr, betas=betas, weight_decay=weight_decay)
    scheduler = learning_rate_schedule(optimizer, steps, warmup_steps)
    batches = next_token_batches(ids, context_length, batch_size, seed=seed, num_batches=steps)
    batches = progress_bar(batches, progress, total=steps, desc="steps")
    losses = []
    model.train()
    for context, target in batches:
        logits = model(dl.asarray(context))
        vocab_size = logits.shape[-1]
        loss = loss_fn(logits.reshape(-1, vocab_size), dl.asarray(target.reshape(-1)))
        optimizer.zero_grad()
        model.backward(loss_fn.backward().reshape(logits.shape))
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(float(dl.to_numpy(loss)))
    model.eval()
    return losses


def next_token_nll(model, ids, context_length, max_windows=None):
    """Mean NLL (nats per token) of model, ids (N, T) -> logits (N, T, V), on the non-overlapping windows of
    ids (the first max_windows of them): every token of a window predicted from those before it in the window."""
    dl = backend_of(model)
    ids = np.asarray(ids, dtype=np.int64)
    count = (len(ids) - 1) // context_length
    count = count if max_windows is None else min(count, max_windows)
    context = ids[:count * context_length].reshape(count, context_length)
    target = ids[1:count * context_length + 1].reshape(count, context_length)
    model.eval()
    with dl.no_grad():
        logits = dl.to_numpy(model(dl.asarray(context)))
    return mean_nll(logits, target)


# --- the MLP baseline ----------------------------------------------------------------------------------------

def fixed_windows(ids, context_length):
    """Every position of ids with context_length ids before it: (contexts (L - c, c), targets (L - c,))."""
    ids = np.asarray(ids, dtype=np.int64)
    return sliding_window_view(ids[:-1], context_length), ids[context_length:]


def train_mlp_language_model(model, ids, context_length, batch_size=128, steps=300, lr=3e-3, weight_decay=0.01,
                             seed=0, progress=False, warmup_steps=None, betas=(0.9, 0.999)):
    """AdamW(lr, weight_decay) on `steps` random mini-batches of (last context_length ids, next id) from ids, the
    learning rate as train_language_model's. Returns the losses."""
    dl = backend_of(model)
    contexts, targets = fixed_windows(ids, context_length)
    rng = np.random.default_rng(seed)
    loss_fn = dl.CrossEntropyLoss()
    optimizer = dl.AdamW(model.parameters(), lr=lr, betas=betas, weight_decay=weight_decay)
    scheduler = learning_rate_schedule(optimizer, steps, warmup_steps)
    rows = progress_bar(range(steps), progress, desc="steps")
    losses = []
    model.train()
    for _ in rows:
        pick = rng.integers(0, len(targets), batch_size)
        loss = loss_fn(model(dl.asarray(contexts[pick])), dl.asarray(targets[pick]))
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(float(dl.to_numpy(loss)))
    model.eval()
    return losses


def mlp_nll(model, ids, context_length):
    """Mean NLL (nats per token) of the MLP language model on every position of ids after the first context_length."""
    dl = backend_of(model)
    contexts, targets = fixed_windows(ids, context_length)
    model.eval()
    with dl.no_grad():
        logits = dl.to_numpy(model(dl.asarray(np.array(contexts))))        # a copy: the windows are a view
    return mean_nll(logits, targets)


# --- looking inside a GPT ------------------------------------------------------------------------------------

def attention_maps(model, ids):
    """The attention weights of every head of every block of a dlbook.language_models.gpt on ids (T,):
    (num_layers, nhead, T, T) NumPy array, row i the weights of query position i over positions 0..i."""
    dl = backend_of(model)
    ids = np.asarray(ids, dtype=np.int64)[None]
    maps = []
    model.eval()
    with dl.no_grad():
        x = model.token_embedding(dl.asarray(ids)) + model.position_embedding(dl.asarray(np.arange(ids.shape[1])))
        for block in model.blocks:
            normed = block.norm1(x)
            _, weights = block.self_attn(normed, normed, normed, need_weights=True, average_attn_weights=False,
                                         attn_mask=dl.asarray(causal_bool_mask(ids.shape[1])))
            maps.append(dl.to_numpy(weights)[0])
            x = block(x, is_causal=True)
    return np.stack(maps)


def causal_bool_mask(length):
    """(T, T) boolean, True above the diagonal: MultiheadAttention's 'may NOT attend' (the future)."""
    return np.triu(np.ones((length, length), dtype=bool), k=1)


# --- induction heads -----------------------------------------------------------------------------------------

def repeated_random_sequences(num_sequences, length, vocab_size, min_repeat=4, seed=0):
    """Uniform random tokens in which a segment comes twice in a row: (sequences (num_sequences, length) int64,
    starts, repeats (num_sequences,)): the first copy covers starts .. starts + repeats - 1, the second the
    next `repeats` positions; repeats is uniform in min_repeat .. length // 2, starts uniform where both copies
    fit. The copy's distance and place vary, so that neither can be learned from positions alone. A token of
    the first copy cannot be predicted (loss log V); one of the second copy can, by finding the same token
    earlier and copying the token that followed it there."""
    rng = np.random.default_rng(seed)
    sequences = rng.integers(0, vocab_size, (num_sequences, length))
    repeats = rng.integers(min_repeat, length // 2 + 1, num_sequences)
    starts = rng.integers(0, length - 2 * repeats + 1)
    for row, (start, repeat) in enumerate(zip(starts, repeats)):
        sequences[row, start + repeat:start + 2 * repeat] = sequences[row, start:start + repeat]
    return sequences, starts, repeats


def induction_experiment(dl, num_layers, vocab_size=16, length=16, d_model=32, nhead=2, steps=200,
                         batch_size=64, lr=1e-2, seed=0, progress=False):
    """Train gpt(dl, ..., num_layers) on fresh repeated random sequences at each step (next-token loss at every
    position), then measure on 512 new ones. Returns {'model', 'losses' (per step), 'first_half': the mean NLL
    of the tokens 2 .. of the first copy (unpredictable: log V), 'second_half': of the same tokens in the second
    copy (predictable by copying once the copy has begun)}."""
    model = gpt(dl, vocab_size=vocab_size, block_size=length - 1, d_model=d_model, num_layers=num_layers,
                nhead=nhead, seed=seed)
    loss_fn = dl.CrossEntropyLoss()
    optimizer = dl.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    rng = np.random.default_rng(seed)
    rows = progress_bar(range(steps), progress, desc=f"{num_layers} layer(s)")
    losses = []
    for _ in rows:
        sequences, _, _ = repeated_random_sequences(batch_size, length, vocab_size, seed=rng)
        logits = model(dl.asarray(sequences[:, :-1]))
        loss = loss_fn(logits.reshape(-1, vocab_size), dl.asarray(sequences[:, 1:].reshape(-1)))
        optimizer.zero_grad()
        model.backward(loss_fn.backward().reshape(logits.shape))
        optimizer.step()
        losses.append(float(dl.to_numpy(loss)))
    sequences, starts, repeats = repeated_random_sequences(512, length, vocab_size, seed=seed + 10_000)
    token_loss = token_nll(model, sequences)             # (N, T - 1): column t predicts token t + 1
    first, second = [], []
    for row, (start, repeat) in enumerate(zip(starts, repeats)):
        first.append(token_loss[row, start:start + repeat - 1])                       # tokens 2 .. of copy 1
        second.append(token_loss[row, start + repeat:start + 2 * repeat - 1])        # the same, of copy 2
    return {"model": model, "losses": losses, "first_half": float(np.concatenate(first).mean()),
            "second_half": float(np.concatenate(second).mean())}


def token_nll(model, sequences):
    """(N, T - 1): -log p(sequences[:, t + 1] | sequences[:, :t + 1]) for t = 0 .. T - 2, in nats."""
    dl = backend_of(model)
    model.eval()
    with dl.no_grad():
        logits = dl.to_numpy(model(dl.asarray(sequences[:, :-1]))).astype(np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_probabilities, sequences[:, 1:, None], axis=-1)[..., 0]


# --- parameter counts ----------------------------------------------------------------------------------------

def block_parameter_count(layer):
    """The parameters of a TransformerEncoderLayer by part: {'attention': in_proj and out_proj,
    'feed_forward': linear1 and linear2, 'norms': norm1 and norm2, 'total'} (weights and biases)."""
    counts = {"attention": 0, "feed_forward": 0, "norms": 0}
    for name, parameter in layer.named_parameters():
        size = int(np.prod(parameter.shape))
        part = ("attention" if name.startswith("self_attn") else "feed_forward" if name.startswith("linear")
                else "norms")
        counts[part] += size
    counts["total"] = sum(counts.values())
    return counts


def transformer_parameter_estimate(d_model, num_layers):
    """12 d^2 per block (4 d^2 attention: W_q, W_k, W_v, W_o; 8 d^2 feed-forward: d -> 4d -> d), biases,
    norms and embeddings left out: 12 d_model^2 num_layers."""
    return 12 * d_model ** 2 * num_layers


@functools.cache
def induction_heads(dl, num_layers):
    """induction_experiment(dl, num_layers) with its defaults, run once per backend and depth and kept for the
    session (the chapter and the attention explorer share the 2-layer model on the NumPy backend)."""
    return induction_experiment(dl, num_layers)


def trained_induction_model(dl, num_layers):
    """The model of induction_heads(dl, num_layers): a GPT trained on repeated random sequences."""
    return induction_heads(dl, num_layers)["model"]
