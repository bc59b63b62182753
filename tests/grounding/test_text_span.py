"""grounding/text_span.py: the press and release points of a text selection."""

from __future__ import annotations

from grounding.ocr import OcrWord
from grounding.text_match import normalize
from grounding.text_span import phrase_texts, span_edges


def line(y: int, text: str, x: int = 10, char: int = 8, height: int = 12) -> list[OcrWord]:
    """Words of one line laid out like a monospace editor: `char` pixels a character."""
    words, pos = [], x
    for word in text.split():
        words.append(OcrWord(word, (pos, y, char * len(word), height), 0.95, normalize(word)))
        pos += char * (len(word) + 1)
    return words


TEXT = line(100, "Once upon a time there was a tiny robot") + line(130, "who loved reading tiny books.")


def test_edges_are_the_outer_edges_of_the_first_and_last_words():
    edges = span_edges(TEXT, "upon a", "tiny robot")
    upon = next(w for w in TEXT if w.text == "upon")
    robot = next(w for w in TEXT if w.text == "robot")
    assert edges.start == (upon.box[0], 106)  # left edge of "upon"
    assert edges.end == (robot.box[0] + robot.box[2], 106)  # right edge of "robot"
    assert edges.how == "phrase .. phrase"


def test_the_end_comes_after_the_start_and_the_grounders_point_picks_among_look_alikes():
    books = next(w for w in TEXT if w.text == "books.")
    # "tiny" is on both lines; the grounder pointed at the second one.
    edges = span_edges(TEXT, "who loved", "tiny books", end_hint=(books.box[0] - 20, 136))
    assert edges.end == (books.box[0] + books.box[2], 136)
    first_tiny = span_edges(TEXT, "Once", "tiny")
    assert first_tiny.end[1] == 106  # nearest after the start: line 1
    later = span_edges(TEXT, "who", "tiny")
    assert later.end[1] == 136  # never before the start


def test_a_phrase_ocr_cannot_read_falls_back_to_the_word_under_the_point():
    time_word = next(w for w in TEXT if w.text == "time")
    edges = span_edges(TEXT, "zzqx", "robot", start_hint=(time_word.box[0] + 5, 104))
    assert edges.start == (time_word.box[0], 106) and edges.how == "word at the point .. phrase"
    assert span_edges(TEXT, "zzqx", "robot") is None  # no text, no point: not placed


def test_quoted_text_is_the_phrase():
    assert phrase_texts('the words "tiny robot"') == ["tiny robot"]
    assert phrase_texts("upon a") == ["upon a"]
    assert phrase_texts("robot's book") == ["robot's book"]
