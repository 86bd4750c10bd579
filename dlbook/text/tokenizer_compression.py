"""How much a tokenizer compresses text: UTF-8 bytes per token (1 for raw bytes, higher is shorter)."""


def compression_ratio(text, tokenizer):
    """len(text encoded as UTF-8) / len(tokenizer.encode(text)): the bytes one token stands for, on average.

    tokenizer: anything with encode(str) -> list[int] (CharTokenizer, ByteBPE). A longer token sequence
    means a longer context for the same text, so a higher ratio lets a model of fixed context see more.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"compression_ratio needs a non-empty str, got {text!r:.40}")
    return len(text.encode("utf-8")) / len(tokenizer.encode(text))
