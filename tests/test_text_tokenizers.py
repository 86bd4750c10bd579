"""Tokenizers: characters and byte-level BPE. Any text round-trips (hypothesis, any script for BPE),
training equals a naive BPE written from the definition, merges shorten the text, saved files load back
and bad ones are refused naming the file; on Tiny Shakespeare the training is fast and compresses."""

import json
import time
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.data import load_tiny_shakespeare, tiny_shakespeare_split
from dlbook.text import (
    PRETOKENIZE_PATTERN,
    BadTokenizerFileError,
    ByteBPE,
    CharTokenizer,
    compression_ratio,
    pretokenize,
)

ROUND_TRIPS = settings(max_examples=200, deadline=None, derandomize=True, database=None)

SAMPLE = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
          "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n\n"
          "First Citizen:\nFirst, you know Caius Marcius is chief enemy to the people.\n\n"
          "All:\nWe know't, we know't.\n\nFirst Citizen:\nLet us kill him, and we'll have corn at our own price.\n")


@pytest.fixture(scope="module")
def small_bpe():
    return ByteBPE.train(SAMPLE, vocab_size=330)


@pytest.fixture(scope="module")
def corpus():
    """Tiny Shakespeare and its 90/10 split, loaded once."""
    return load_tiny_shakespeare(), tiny_shakespeare_split()


@pytest.fixture(scope="module")
def shakespeare_bpe(corpus):
    """BPE trained on the training split to vocab_size=512, and how long training took (seconds)."""
    _, (train, _) = corpus
    start = time.perf_counter()
    tokenizer = ByteBPE.train(train, vocab_size=512)
    return tokenizer, time.perf_counter() - start


# ---------------------------------------------------------------- characters


def test_char_vocabulary_is_the_sorted_distinct_characters():
    tokenizer = CharTokenizer("hello world")
    assert tokenizer.vocabulary == " dehlorw" and tokenizer.vocab_size == 8
    assert tokenizer.encode("held") == [3, 2, 4, 1]
    assert CharTokenizer.from_text("hello world") == tokenizer


def test_char_tokenizer_on_tiny_shakespeare(corpus):
    text, _ = corpus
    tokenizer = CharTokenizer(text)
    assert tokenizer.vocab_size == 65
    assert tokenizer.encode("\n") == [0] and tokenizer.encode(" ") == [1] and tokenizer.encode("z") == [64]
    assert tokenizer.decode(tokenizer.encode(text[:5000])) == text[:5000]


@ROUND_TRIPS
@given(st.text(alphabet="abc XYZ\n!é", min_size=1), st.text(alphabet="abc XYZ\n!é"))
def test_char_round_trip(vocabulary_text, text):
    tokenizer = CharTokenizer(vocabulary_text + "abc XYZ\n!é")
    ids = tokenizer.encode(text)
    assert len(ids) == len(text) and all(0 <= i < tokenizer.vocab_size for i in ids)
    assert tokenizer.decode(ids) == text


def test_char_tokenizer_names_an_unknown_character():
    tokenizer = CharTokenizer("abc")
    with pytest.raises(ValueError, match=r"'é' \(U\+00E9\) at position 2"):
        tokenizer.encode("abé")


@pytest.mark.parametrize("ids", [[0, 3], [-1], [0.5]])
def test_char_decode_refuses_ids_outside_the_vocabulary(ids):
    with pytest.raises(ValueError, match="ids"):
        CharTokenizer("abc").decode(ids)


@pytest.mark.parametrize("text", ["", None, ["a"]])
def test_char_tokenizer_needs_a_non_empty_str(text):
    with pytest.raises(ValueError, match="non-empty str"):
        CharTokenizer(text)


# ---------------------------------------------------------------- pre-tokenization


@ROUND_TRIPS
@given(st.text())
def test_pretokenize_covers_every_character(text):
    assert "".join(pretokenize(text)) == text


def test_pretokenize_keeps_the_space_with_the_word_after_it():
    assert pretokenize("We know't,  we'll   go\n\n2 ships_") == [
        "We", " know", "'t", ",", " ", " we", "'ll", "  ", " go", "\n", "\n", "2", " ships", "_"]


# ---------------------------------------------------------------- byte-level BPE


def naive_bpe_merges(text, vocab_size):
    """BPE from its definition: count every adjacent pair in every chunk, merge the most frequent
    (ties: the smallest pair), repeat. Slow and obviously right: the oracle for ByteBPE.train."""
    words = [list(chunk.encode("utf-8")) for chunk in pretokenize(text)]
    merges = []
    while len(merges) < vocab_size - 256:
        counts = Counter(pair for word in words for pair in zip(word, word[1:]))
        if not counts:
            break
        pair = min(counts, key=lambda p: (-counts[p], p))
        new_id = 256 + len(merges)
        merges.append(pair)
        for w, word in enumerate(words):
            merged, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
                    merged.append(new_id)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            words[w] = merged
    return merges


@pytest.mark.parametrize(("text", "vocab_size"), [(SAMPLE, 330), ("aaaaaaa abab aaab ba " * 3, 270),
                                                  ("ünï ünï cödé 日本語 日本", 280)])
def test_training_equals_the_naive_definition(text, vocab_size):
    assert ByteBPE.train(text, vocab_size).merges == naive_bpe_merges(text, vocab_size)


def test_the_first_merges_of_english_are_frequent_pairs(small_bpe):
    learned = [small_bpe.token_bytes[256 + i] for i in range(len(small_bpe.merges))]
    assert b" Citizen" in learned                   # said 4 times in SAMPLE: one token by vocab 330
    assert all(len(token) >= 2 for token in learned)


@ROUND_TRIPS
@given(st.text())
def test_any_text_round_trips_through_bpe(small_bpe, text):
    ids = small_bpe.encode(text)
    assert all(0 <= i < small_bpe.vocab_size for i in ids)
    assert small_bpe.decode(ids) == text


@pytest.mark.parametrize("text", ["日本語のテキスト", "Ελληνικά και русский", "emoji 🙂🎭 and \u200d joins",
                                  "tab\tand\r\nCRLF", "\x00\x7f", "naïve façade"])
def test_scripts_never_trained_on_round_trip(small_bpe, text):
    assert small_bpe.decode(small_bpe.encode(text)) == text


def test_vocab_256_is_the_utf8_bytes():
    tokenizer = ByteBPE.train(SAMPLE, vocab_size=256)
    assert tokenizer.merges == [] and tokenizer.vocab_size == 256
    assert tokenizer.encode("né") == list("né".encode()) == [110, 195, 169]


def test_more_merges_give_fewer_tokens():
    lengths = [len(ByteBPE.train(SAMPLE, vocab_size).encode(SAMPLE)) for vocab_size in (256, 270, 300, 340)]
    assert lengths[0] == len(SAMPLE.encode("utf-8"))
    assert all(later < earlier for earlier, later in zip(lengths, lengths[1:])), lengths


def test_training_stops_when_no_pair_is_left():
    tokenizer = ByteBPE.train("ab ab", vocab_size=1000)
    assert tokenizer.merges == [(97, 98), (32, 256)] and tokenizer.vocab_size == 258
    assert tokenizer.encode("ab ab") == [256, 257]


@pytest.mark.parametrize("vocab_size", [255, 0, 300.0, True])
def test_training_refuses_a_vocabulary_smaller_than_the_bytes(vocab_size):
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 256"):
        ByteBPE.train(SAMPLE, vocab_size)


def test_decode_of_bytes_that_are_not_utf8_gives_replacement_characters(small_bpe):
    assert small_bpe.decode([104, 0xC3]) == "h\ufffd"          # a sampled sequence may cut a character
    with pytest.raises(ValueError, match=r"\[0, 330\)"):
        small_bpe.decode([small_bpe.vocab_size])


def test_save_and_load_round_trip(small_bpe, tmp_path):
    path = tmp_path / "bpe.json"
    small_bpe.save(path)
    loaded = ByteBPE.load(path)
    assert loaded == small_bpe and loaded.merges == small_bpe.merges and loaded.vocab_size == 330
    assert loaded.encode(SAMPLE) == small_bpe.encode(SAMPLE)
    document = json.loads(path.read_text())
    assert document["format"] == "dlbook.text.ByteBPE" and document["pretokenize_pattern"] == PRETOKENIZE_PATTERN


def good_document():
    return {"format": "dlbook.text.ByteBPE", "version": 1, "pretokenize_pattern": PRETOKENIZE_PATTERN,
            "merges": [[97, 98], [256, 99]]}


def replaced(**changes):
    return {**good_document(), **changes}


BAD_FILES = [
    ("not json {", "cannot read it as a JSON"),
    (json.dumps([1, 2]), "expected a JSON object, got a JSON list"),
    (json.dumps(replaced(format="tiktoken")), "'format' must be 'dlbook.text.ByteBPE'"),
    (json.dumps(replaced(version=2)), "'version' must be 1"),
    (json.dumps(replaced(pretokenize_pattern=r"\S+")), "'pretokenize_pattern' must be"),
    (json.dumps(replaced(merges={"a": 1})), "'merges' must be a list"),
    (json.dumps(replaced(merges=[[97, 98], [258, 99]])), r"merge 1 \(token 257\) may join only tokens 0..256"),
    (json.dumps(replaced(merges=[[97, -1]])), "merge 0"),
    (json.dumps(replaced(merges=[[97, 98, 99]])), "merge 0 must be a pair"),
    (json.dumps(replaced(merges=[[97, True]])), "merge 0 must be a pair of integer"),
    (json.dumps(replaced(merges=[[97, 98.0]])), "merge 0 must be a pair of integer"),
    (json.dumps(replaced(merges=[[97, 98], [97, 98]])), "merge 1 repeats the pair"),
]


@pytest.mark.parametrize(("content", "problem"), BAD_FILES)
def test_load_refuses_bad_files_naming_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "tokenizer.json"
    path.write_text(content)
    with pytest.raises(BadTokenizerFileError, match=problem) as error:
        ByteBPE.load(path)
    assert str(error.value).startswith(str(path))


def test_the_good_document_of_the_bad_file_tests_loads(tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(good_document()))
    assert ByteBPE.load(path).token_bytes[257] == b"abc"


def test_load_refuses_a_missing_file(tmp_path):
    with pytest.raises(BadTokenizerFileError, match="missing.json"):
        ByteBPE.load(tmp_path / "missing.json")


# ---------------------------------------------------------------- compression


def test_compression_ratio_counts_utf8_bytes_per_token(small_bpe):
    assert compression_ratio("héllo", CharTokenizer("hélo")) == 6 / 5
    assert compression_ratio(SAMPLE, ByteBPE()) == 1.0
    assert compression_ratio(SAMPLE, small_bpe) > 2
    with pytest.raises(ValueError, match="non-empty str"):
        compression_ratio("", small_bpe)


def test_bpe_on_tiny_shakespeare_trains_fast_and_compresses(corpus, shakespeare_bpe):
    _, (train, val) = corpus
    tokenizer, seconds = shakespeare_bpe
    assert tokenizer.vocab_size == 512
    assert seconds < 10, f"training to vocab 512 took {seconds:.1f} s"
    start = time.perf_counter()
    ids = tokenizer.encode(train)
    encode_seconds = time.perf_counter() - start
    assert encode_seconds < 5, f"encoding the training split took {encode_seconds:.1f} s"
    assert tokenizer.decode(ids) == train
    train_ratio, val_ratio = len(train) / len(ids), compression_ratio(val, tokenizer)
    assert train_ratio > 1.5 and val_ratio > 1.5, (train_ratio, val_ratio)      # measured: 1.94 and 1.88
    assert compression_ratio(val, CharTokenizer(train)) == 1.0                  # ASCII: a byte per character
