"""The character tokenizer: one token per character, the vocabulary being the characters a text uses."""

from .checks import as_token_ids


class CharTokenizer:
    """Characters <-> token ids. The vocabulary is the sorted distinct characters of `text`:
    token i is `vocabulary[i]`, so that on Tiny Shakespeare '\\n' is 0, ' ' is 1 and 'z' is 64.

    encode(str) -> list[int] of len(str) ids in [0, vocab_size); decode(ids) -> str.
    A character outside the vocabulary cannot be encoded: encode raises ValueError naming it.
    """

    def __init__(self, text):
        if not isinstance(text, str) or not text:
            raise ValueError(f"CharTokenizer builds its vocabulary from a non-empty str, got {text!r:.40}")
        self.vocabulary = "".join(sorted(set(text)))
        self.index = {character: i for i, character in enumerate(self.vocabulary)}

    @classmethod
    def from_text(cls, text):
        """The tokenizer whose vocabulary is the sorted distinct characters of `text` (as CharTokenizer(text))."""
        return cls(text)

    @property
    def vocab_size(self):
        """How many distinct tokens there are: len(vocabulary)."""
        return len(self.vocabulary)

    def encode(self, text):
        """str of length L -> list of L token ids."""
        index = self.index
        try:
            return [index[character] for character in text]
        except KeyError:
            position, character = next((i, c) for i, c in enumerate(text) if c not in index)
            raise ValueError(f"{self!r} cannot encode {character!r} (U+{ord(character):04X}) at position "
                             f"{position}: it is not in the vocabulary") from None

    def decode(self, ids):
        """Token ids (L,) -> the str of their L characters; an id outside [0, vocab_size) raises ValueError."""
        ids = as_token_ids(ids, self.vocab_size)
        vocabulary = self.vocabulary
        return "".join([vocabulary[i] for i in ids.tolist()])

    def __eq__(self, other):
        return isinstance(other, CharTokenizer) and other.vocabulary == self.vocabulary

    def __hash__(self):
        return hash(self.vocabulary)

    def __repr__(self):
        return f"CharTokenizer(vocab_size={self.vocab_size})"
