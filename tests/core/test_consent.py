"""The consent wording (issue 16): versioned, never edited in place, plain words."""

from __future__ import annotations

import pytest

from tpchart.core.consent import CURRENT_VERSION, VERSIONS, ConsentText, consent_text
from tpchart.core.errors import ValidationError
from tpchart.report.readability import measure

# The sha256 of every issued wording, pinned. A session signed under a version reprints
# that version's words, so a published text is never changed: when this fails, put the
# old text back and add the new wording as a new version (and pin its hash here).
PINNED = {
    "2026-11": "06c3826b607b0bce5f88a7de478327a7ae67ec27ed2726e860913039517dde20",
}


def words(text: ConsentText) -> str:
    """Every line of a wording, as the readability check reads it."""
    lines = [text.title]
    for section in text.sections:
        lines += [section.heading, *section.paragraphs, *section.items]
    return "\n".join([*lines, *text.agreement, text.explained, *text.sites_not_marked])


def test_every_issued_wording_is_pinned_and_unchanged():
    assert set(VERSIONS) == set(PINNED), "a new version needs its hash pinned here"
    for version, text in VERSIONS.items():
        assert text.version == version
        assert text.fingerprint() == PINNED[version], (
            f"the consent wording {version} was edited in place: issue a new version"
        )


def test_the_fingerprint_sees_a_changed_comma():
    from dataclasses import replace

    text = consent_text(CURRENT_VERSION)
    first = text.sections[0]
    edited = replace(first, paragraphs=(first.paragraphs[0].replace(".", ",", 1),))
    assert replace(text, sections=(edited, *text.sections[1:])).fingerprint() != (
        text.fingerprint()
    )


def test_the_current_version_is_issued():
    assert consent_text(CURRENT_VERSION).version == CURRENT_VERSION
    assert list(VERSIONS)[-1] == CURRENT_VERSION  # the newest is the current one


def test_an_unknown_version_is_refused_in_plain_words():
    with pytest.raises(ValidationError, match="No consent wording has version '1999-01'"):
        consent_text("1999-01")
    with pytest.raises(ValidationError):
        consent_text("")


def test_the_wording_names_every_material_risk():
    text = words(consent_text(CURRENT_VERSION)).lower()
    risks = ["sore", "bruise", "tired", "faint", "infection", "nerve", "breaks"]
    lung = ["collapsed lung", "short of breath", "chest pain", "emergency department"]
    assert [r for r in risks + lung if r not in text] == []
    assert "say no" in text and "stop at any time" in text and "questions" in text


def test_the_lung_section_is_printed_only_over_the_lung():
    text = consent_text(CURRENT_VERSION)
    away = [s.heading for s in text.sections_for(over_lung=False)]
    over = [s.heading for s in text.sections_for(over_lung=True)]
    assert not any("lung" in h for h in away)
    assert any("collapsed lung" in h for h in over)
    assert len(over) == len(away) + 1
    assert sum(s.lists_sites for s in text.sections) == 1  # the form's sites go in one place


def test_every_version_reads_at_about_age_twelve():
    # The aftercare sheet's aim (Flesch 70 or more, grade 7 or less) for the same reader.
    for text in VERSIONS.values():
        score = measure(words(text))
        assert score.words > 300
        assert score.reading_ease >= 70, score
        assert score.grade <= 7, score
