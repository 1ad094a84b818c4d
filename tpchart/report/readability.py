"""How easy a text is to read: the Flesch reading ease and Flesch-Kincaid grade.

Used to keep what a patient takes home (the aftercare sheet) in words a
12-year-old reads without help. The syllable count is a heuristic (vowel groups,
a silent final "e"), good to a syllable or so per word: enough to tell plain
advice from a clinician's sentence, which is all it is for. No dictionary, no
dependency.

Flesch reading ease = 206.835 - 1.015 (words / sentences) - 84.6 (syllables / words):
70-80 reads "fairly easily" at about age 12 (US grade 7), 60-70 is plain English.
Flesch-Kincaid grade = 0.39 (words / sentences) + 11.8 (syllables / words) - 15.59.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A word: letters, with apostrophes or hyphens inside ("don't", "out-of-hours").
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# A sentence ends at . ! ? or : followed by a space or the end, or at a line break
# (a heading or a list item is read as one sentence).
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)|\n+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class Readability:
    """The counts of a text and the two scores computed from them."""

    words: int
    sentences: int
    syllables: int

    @property
    def reading_ease(self) -> float:
        """Flesch reading ease: higher is easier (60 or more is plain English)."""
        if not self.words:
            return 100.0
        return 206.835 - 1.015 * self.words / self.sentences - 84.6 * self.syllables / self.words

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade level: the US school year that reads the text easily."""
        if not self.words:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59


def syllables(word: str) -> int:
    """The syllables of one English word, by vowel groups: at least one; a silent
    final "e" ("time") and "-es"/"-ed" after most letters ("makes", "helped") do
    not count; a final "-le" after a consonant does ("muscle")."""
    w = word.lower().strip("'’-")
    if not w:
        return 0
    count = len(_VOWEL_GROUPS.findall(w))
    if len(w) > 2 and w.endswith("e") and not w.endswith(("le", "ee", "ye")):
        count -= 1  # "time", "bruise", "made"
    elif len(w) > 3 and w.endswith("le") and w[-3] not in "aeiouy":
        pass  # "muscle", "little": the -le is its own syllable
    elif len(w) > 3 and w.endswith(("es", "ed")) and w[-3] not in "aeiouytdsxzc":
        count -= 1  # "helped", "makes"; but "needed", "boxes" keep it
    return max(count, 1)


def measure(text: str) -> Readability:
    """Count the words, sentences and syllables of ``text``. Numbers ("24", phone
    numbers) are not words here: they are read at a glance."""
    words = _WORD.findall(text)
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    return Readability(
        words=len(words),
        sentences=max(len(sentences), 1),
        syllables=sum(syllables(w) for w in words),
    )
