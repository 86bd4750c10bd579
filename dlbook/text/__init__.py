"""Text as data: tokenizers, next-token windows, the n-gram baseline, likelihoods and sampling.
NumPy and the standard library only: this package loads no backend (a model's logits come in as arrays).

One module per concept; every public name is also here, as dlbook.text.<name>:
  characters             CharTokenizer: one token per character, the sorted distinct characters of a text
  byte_bpe               ByteBPE: byte-level BPE trained from scratch (GPT-2's pre-split, any UTF-8 text
                         round-trips), saved and loaded as JSON; pretokenize, PRETOKENIZE_PATTERN
  tokenizer_compression  compression_ratio: UTF-8 bytes per token of a tokenizer on a text
  windows                next_token_batches (random, seeded) and next_token_windows (all, in order):
                         (context, target) int64 (N, T), the target being the context shifted by one
  ngram                  NGramModel: add-k smoothed counts, probabilities, log_prob, loss in nats
  likelihood             log_softmax, mean_nll(logits (N, T, V), targets (N, T)), perplexity = exp(nll)
  sampling               next_token_distribution (temperature, top-k) and sample_next
  checks                 the argument checks the modules share

    from dlbook.data import tiny_shakespeare_split
    from dlbook.text import ByteBPE, next_token_batches
    train_text, val_text = tiny_shakespeare_split()
    tokenizer = ByteBPE.train(train_text, vocab_size=512)
    train_ids = tokenizer.encode(train_text)
    for context, target in next_token_batches(train_ids, context_length=64, batch_size=32, seed=0):
        ...                                   # logits = model(context); loss against target
"""

from .byte_bpe import PRETOKENIZE_PATTERN, BadTokenizerFileError, ByteBPE, pretokenize
from .characters import CharTokenizer
from .likelihood import log_softmax, mean_nll, perplexity
from .ngram import NGramModel
from .sampling import next_token_distribution, sample_next
from .tokenizer_compression import compression_ratio
from .windows import next_token_batches, next_token_windows

__all__ = [
    # characters
    "CharTokenizer",
    # byte_bpe
    "ByteBPE", "BadTokenizerFileError", "pretokenize", "PRETOKENIZE_PATTERN",
    # tokenizer_compression
    "compression_ratio",
    # windows
    "next_token_batches", "next_token_windows",
    # ngram
    "NGramModel",
    # likelihood
    "log_softmax", "mean_nll", "perplexity",
    # sampling
    "next_token_distribution", "sample_next",
]
