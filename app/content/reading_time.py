"""Estimate a lesson's minutes from its text, for lessons whose front matter gives no `minutes`.

About 300 Chinese characters or 200 English words are read in a minute, and each question the
lesson shows takes about a minute more. Only what a learner reads counts: the Markdown markup,
link targets and HTML tags are left out, and so are quiz blocks, which the minute per question
already covers. Code in fences counts like prose: the learner reads it too, and it is slower
going than prose, so counting its words is, if anything, generous; only the fence lines
themselves (``` and the language name) are markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.content.model import Draw, QuestionSource, Segment, TextSegment
from app.content.quiz_blocks import FenceTracker

CHARACTERS_PER_MINUTE = 300
WORDS_PER_MINUTE = 200

# Han (with extension A, compatibility ideographs and the supplementary planes), kana and
# hangul: scripts read character by character, without spaces between words.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
CJK_RE = re.compile(f"[{CJK}]")
# A word of any other script: letters and digits, joined by an apostrophe or a hyphen
# ("don't", "e-mail"); punctuation and Markdown markup are no words.
WORD_RE = re.compile(rf"(?:(?![{CJK}])[^\W_])+(?:['’-](?:(?![{CJK}])[^\W_])+)*")
HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
HTML_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>")
# `[text](target "title")` and `![alt](target)`: the text is read, the target is not.
LINK_TARGET_RE = re.compile(r"(\]\s*)\([^()\n]*(?:\([^()\n]*\)[^()\n]*)*\)")
REF_DEFINITION_RE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
AUTOLINK_RE = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9+.-]*:|[^\s@<>]+@)[^\s<>]*>")


@dataclass(frozen=True)
class ReadingTime:
    """What a lesson shows a learner, counted, and the minutes that follow from it."""

    characters: int
    words: int
    questions: int

    @property
    def minutes(self) -> int:
        """Whole minutes, rounded up, at least 1."""
        # In 1/600 minute: a character is 2 of them (300 a minute), a word 3 (200 a minute).
        reading = -(-(2 * self.characters + 3 * self.words) // 600)
        return max(1, reading + self.questions)

    def explained(self) -> str:
        """`estimated 4 minutes from the text (1,150 characters, 2 questions)`."""
        counts = [_count(self.characters, "character")] if self.characters else []
        if self.words or not self.characters:
            counts.append(_count(self.words, "word"))
        counts.append(_count(self.questions, "question"))
        return f"estimated {_count(self.minutes, 'minute')} from the text ({', '.join(counts)})"


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"


def prose(markdown: str) -> str:
    """The text of a Markdown run that a learner reads, without markup, link targets or tags."""
    lines = []
    fence = FenceTracker()
    for number, line in enumerate(markdown.split("\n"), start=1):
        opened = fence.marker
        code = fence.feed(line, number)
        # The fence lines themselves are markup; the code between them is read.
        if code and (not opened or not fence.marker):
            continue
        lines.append(line)
    text = "\n".join(lines)
    text = HTML_COMMENT_RE.sub(" ", text)
    text = REF_DEFINITION_RE.sub(" ", text)
    text = AUTOLINK_RE.sub(" ", text)
    text = LINK_TARGET_RE.sub(r"\1", text)
    return HTML_TAG_RE.sub(" ", text)


def count_text(text: str) -> tuple[int, int]:
    """(CJK characters, words of other scripts) in `text`."""
    return len(CJK_RE.findall(text)), len(WORD_RE.findall(text))


def reading_time(
    body: Iterable[Segment], questions: Iterable[QuestionSource], draws: Iterable[Draw]
) -> ReadingTime:
    """The reading time of a lesson body, its own questions and those it draws from pools.

    Drawn questions count by how many are drawn, not by the size of the pool.
    """
    characters = words = 0
    for segment in body:
        if isinstance(segment, TextSegment):
            found_characters, found_words = count_text(prose(segment.text))
            characters += found_characters
            words += found_words
    shown = sum(1 for _ in questions) + sum(draw.count for draw in draws)
    return ReadingTime(characters, words, shown)
