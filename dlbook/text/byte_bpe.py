"""Byte-level byte-pair encoding (BPE), trained from scratch, as GPT-2's tokenizer works.

The base vocabulary is the 256 byte values: text is encoded to UTF-8 first, so ANY text round-trips
(decode(encode(s)) == s), whatever script it is in and whatever the tokenizer was trained on (any str
UTF-8 can encode: all but lone surrogates, which encode refuses with UnicodeEncodeError).
Training then repeats one step vocab_size - 256 times: find the most frequent pair of adjacent tokens
and make it a new token (id 256, 257, ... in the order learned). Encoding replays the merges on new
text, earliest merge first.

Pre-tokenization (the rule chosen): before counting pairs, text is cut into chunks by PRETOKENIZE_PATTERN,
GPT-2's pattern written for Python's `re` (no third-party `regex`):

    's 't 're 've 'm 'll 'd        English contractions, on their own
    ␣?letters                      a word with the one space before it
    ␣?digits                       a number with the space before it
    ␣?other symbols                a run of punctuation (and '_') with the space before it
    whitespace not before a word   a run of whitespace but its last character when a non-space follows
                                   (that last one, a space, goes with the word: '   go' -> '  ', ' go')
    whitespace                     whatever is left (the lone '\\n' before a word: '\\n\\nAll' -> '\\n', '\\n', 'All')

(letters = `[^\\W\\d_]`, Unicode-aware; digits = `\\d`.) The alternatives cover every character, so the
chunks put back together are the text. Merges never cross a chunk, so a token never joins the end of one
word to the start of the next ("the" and " the" are tokens, "e t" is not).

Training counts each distinct chunk once with its frequency (Tiny Shakespeare: 1.1 M characters in
298 000 chunks, 15 000 of them distinct), keeps the pair counts up to date incrementally (a merge
changes only the chunks holding the pair: an index pair -> chunks says which) and finds the most
frequent pair with a heap whose stale entries are skipped. Ties go to the smallest pair (lowest ids),
so training is deterministic. On the full corpus, one core: about 0.4 s to vocab_size=512, 0.55 s to 1024; encoding
it takes about 0.3 s (each distinct chunk is encoded once per call).
"""

import heapq
import json
import re
from collections import Counter, defaultdict
from numbers import Integral
from pathlib import Path

from .checks import as_token_ids, check_count

PRETOKENIZE_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"""
PRETOKENIZER = re.compile(PRETOKENIZE_PATTERN)
FILE_FORMAT = "dlbook.text.ByteBPE"
FILE_VERSION = 1


class BadTokenizerFileError(ValueError):
    """A tokenizer file that cannot be loaded: the message names the file and what is wrong with it."""


def pretokenize(text):
    """Cut text into the chunks BPE merges within (see PRETOKENIZE_PATTERN): a list of str that join to text."""
    return PRETOKENIZER.findall(text)


def merge_pair(ids, pair, new_id):
    """ids with every occurrence of `pair` (left to right, not overlapping) replaced by new_id: a new list."""
    first, second = pair
    merged, i, last = [], 0, len(ids) - 1
    while i <= last:
        if i < last and ids[i] == first and ids[i + 1] == second:
            merged.append(new_id)
            i += 2
        else:
            merged.append(ids[i])
            i += 1
    return merged


class ByteBPE:
    """A byte-level BPE tokenizer: token ids 0..255 are the bytes, id 256 + i the i-th merge.

    merges: list of (left, right) id pairs, in the order learned; merge i joins `left` and `right` into
    token 256 + i (both must be < 256 + i). Build one with ByteBPE.train(text, vocab_size) or ByteBPE.load(path).
    encode(str) -> list[int] in [0, vocab_size); decode(ids) -> str (bytes that are not valid UTF-8, as a
    model may sample, become U+FFFD); vocab_size = 256 + len(merges);
    token_bytes[i]: the bytes token i stands for (to show what was learned).
    """

    def __init__(self, merges=()):
        merges = [tuple(pair) for pair in merges]
        problem = merges_problem(merges)
        if problem:
            raise ValueError(f"ByteBPE: {problem}")
        self.merges = merges
        self.ranks = {pair: 256 + i for i, pair in enumerate(merges)}      # pair -> the token it becomes
        self.token_bytes = [bytes([b]) for b in range(256)]                 # token id -> the bytes it stands for
        for left, right in merges:
            self.token_bytes.append(self.token_bytes[left] + self.token_bytes[right])

    @property
    def vocab_size(self):
        """256 bytes + one token per merge."""
        return 256 + len(self.merges)

    # ------------------------------------------------------------------ training

    @classmethod
    def train(cls, text, vocab_size):
        """Learn vocab_size - 256 merges from `text` (vocab_size >= 256). Stops early, with a smaller
        vocabulary, when no adjacent pair is left to merge (a short text)."""
        check_count("vocab_size", vocab_size, minimum=256)
        chunk_counts = Counter(pretokenize(text))
        words = [list(chunk.encode("utf-8")) for chunk in chunk_counts]    # each distinct chunk, as token ids
        frequencies = list(chunk_counts.values())
        pair_counts = defaultdict(int)                                      # (left, right) -> occurrences
        holders = defaultdict(set)                                          # (left, right) -> chunks holding it
        for w, (word, frequency) in enumerate(zip(words, frequencies)):
            for pair in zip(word, word[1:]):
                pair_counts[pair] += frequency
                holders[pair].add(w)
        heap = [(-count, pair) for pair, count in pair_counts.items()]
        heapq.heapify(heap)
        merges = []
        while len(merges) < vocab_size - 256 and heap:
            negative_count, pair = heapq.heappop(heap)
            if pair_counts.get(pair) != -negative_count:                    # stale: the count changed since
                continue
            new_id = 256 + len(merges)
            merges.append(pair)
            change = defaultdict(int)
            for w in holders.pop(pair):
                word, frequency = words[w], frequencies[w]
                merged = merge_pair(word, pair, new_id)
                if len(merged) == len(word):                                # the pair left this chunk earlier
                    continue
                for old in zip(word, word[1:]):
                    change[old] -= frequency
                for new in zip(merged, merged[1:]):
                    change[new] += frequency
                    holders[new].add(w)
                words[w] = merged
            for changed, delta in change.items():
                if delta:
                    count = pair_counts[changed] + delta
                    if count > 0:
                        pair_counts[changed] = count
                        heapq.heappush(heap, (-count, changed))
                    else:
                        del pair_counts[changed]
            pair_counts.pop(pair, None)
        return cls(merges)

    # ------------------------------------------------------------------ encoding

    def encode_chunk(self, data):
        """The token ids of one pre-tokenized chunk (bytes): its bytes, merged earliest merge first."""
        ids, ranks = list(data), self.ranks
        while len(ids) >= 2:
            pair = min(zip(ids, ids[1:]), key=lambda p: ranks.get(p, 1 << 62))
            if pair not in ranks:
                break
            ids = merge_pair(ids, pair, ranks[pair])
        return ids

    def encode(self, text):
        """str -> list of token ids. Each distinct chunk is encoded once per call (a corpus repeats its words)."""
        if not isinstance(text, str):
            raise TypeError(f"{self!r}.encode takes a str, got {type(text).__name__}")
        known, ids = {}, []
        for chunk in pretokenize(text):
            chunk_ids = known.get(chunk)
            if chunk_ids is None:
                chunk_ids = known[chunk] = self.encode_chunk(chunk.encode("utf-8"))
            ids.extend(chunk_ids)
        return ids

    def decode(self, ids):
        """Token ids (L,) -> str; an id outside [0, vocab_size) raises ValueError."""
        ids = as_token_ids(ids, self.vocab_size)
        token_bytes = self.token_bytes
        return b"".join([token_bytes[i] for i in ids.tolist()]).decode("utf-8", errors="replace")

    # ------------------------------------------------------------------ files

    def save(self, path):
        """Write the tokenizer to `path` as JSON: the format, its version, the pre-tokenizer and the merges."""
        document = {"format": FILE_FORMAT, "version": FILE_VERSION, "pretokenize_pattern": PRETOKENIZE_PATTERN,
                    "merges": [list(pair) for pair in self.merges]}
        Path(path).write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path):
        """The tokenizer saved at `path`. A file that is not one (not JSON, another format or version,
        another pre-tokenizer, malformed merges) raises BadTokenizerFileError naming the file and the problem."""
        path = Path(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BadTokenizerFileError(f"{path}: cannot read it as a JSON tokenizer file ({error})") from error
        problem = file_problem(document)
        if problem:
            raise BadTokenizerFileError(f"{path}: {problem}")
        return cls(document["merges"])

    def __eq__(self, other):
        return isinstance(other, ByteBPE) and other.merges == self.merges

    def __hash__(self):
        return hash(tuple(self.merges))

    def __repr__(self):
        return f"ByteBPE(vocab_size={self.vocab_size})"


def file_problem(document):
    """What is wrong with a decoded tokenizer file (a str), or None when it is fine."""
    if not isinstance(document, dict):
        return f"expected a JSON object, got a JSON {type(document).__name__}"
    if document.get("format") != FILE_FORMAT:
        return f"'format' must be {FILE_FORMAT!r}, got {document.get('format')!r}"
    if document.get("version") != FILE_VERSION:
        return f"'version' must be {FILE_VERSION} (the one this dlbook reads), got {document.get('version')!r}"
    if document.get("pretokenize_pattern") != PRETOKENIZE_PATTERN:
        return (f"'pretokenize_pattern' must be this dlbook's {PRETOKENIZE_PATTERN!r}, "
                f"got {document.get('pretokenize_pattern')!r}")
    merges = document.get("merges")
    if not isinstance(merges, list) or not all(isinstance(pair, list) for pair in merges):
        return "'merges' must be a list of [left, right] pairs"
    return merges_problem(merges)


def merges_problem(merges):
    """What is wrong with a list of merges (a str naming the merge), or None when it is fine."""
    seen = set()
    for i, pair in enumerate(merges):
        if len(pair) != 2 or not all(isinstance(t, Integral) and not isinstance(t, bool) for t in pair):
            return f"merge {i} must be a pair of integer token ids, got {list(pair)!r}"
        if not all(0 <= t < 256 + i for t in pair):
            return f"merge {i} (token {256 + i}) may join only tokens 0..{255 + i}, got {list(pair)!r}"
        if tuple(pair) in seen:
            return f"merge {i} repeats the pair {list(pair)!r}"
        seen.add(tuple(pair))
    return None
