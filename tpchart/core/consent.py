"""The consent wording: what the patient is told before dry needling, by version.

A session records which version of this wording was explained to the patient
(``Session.consent_text_version``), and the consent form prints that version, so a
session signed under an older wording reprints the very words the patient read.
That only holds if a text is never edited in place: **a change of wording, even a
comma, is a new version** added to ``VERSIONS`` and made ``CURRENT_VERSION``; the old
version stays. tests/core/test_consent.py pins a sha256 of every version's text and
fails when a published text changes.

The wording is for the patient: everyday words, short sentences, aimed at the same
reader as the aftercare sheet (Flesch reading ease 70 or more, grade 7 or less,
``tpchart.report.readability``). The facts come from shared/clinical.md: the
procedure ("The consultation the app must follow"); the common mild effects
(soreness, bruising, tiredness, fainting) and the rarer ones (infection, nerve
irritation, a broken needle) from "Adverse events" (Brady et al., J Man Manip Ther
2014;22:134); pneumothorax as rare but the most serious, able to show hours later,
with urgent care at once for shortness of breath or chest pain ("Lung risk",
"Pneumothorax can show hours later"). The lung section is printed only when a
planned site lies over the lung; which sites those are is the report's job
(``tpchart.core.lung``), not this module's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from tpchart.core.errors import ValidationError


@dataclass(frozen=True)
class ConsentSection:
    """One headed part of the wording. ``over_lung_only`` parts are printed only when
    a planned site lies over the lung (the patient is not alarmed by a risk their
    treatment does not carry); under a ``lists_sites`` part the form prints the
    session's planned sites (they belong to the session, not to the wording)."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()  # a bulleted list after the paragraphs
    over_lung_only: bool = False
    lists_sites: bool = False


@dataclass(frozen=True)
class ConsentText:
    """One issued version of the consent wording: the sections, the lines the patient
    signs under (``agreement``), the line the practitioner signs under (``explained``),
    and the lines printed instead of sites when no point
    is marked yet (``sites_not_marked``: a line with "{area}" names the complaint area,
    and is left out when none was recorded)."""

    version: str
    title: str
    sections: tuple[ConsentSection, ...]
    agreement: tuple[str, ...]
    explained: str
    sites_not_marked: tuple[str, ...]

    def sections_for(self, *, over_lung: bool) -> tuple[ConsentSection, ...]:
        """The sections printed for a session: the lung section only when a planned
        site lies over the lung."""
        return tuple(s for s in self.sections if over_lung or not s.over_lung_only)

    def fingerprint(self) -> str:
        """A sha256 of every word of this version, so a test can pin it: a changed
        text must be a new version (see the module docstring)."""
        parts = [self.version, self.title]
        for s in self.sections:
            parts += [s.heading, str(s.over_lung_only), str(s.lists_sites)]
            parts += [*s.paragraphs, "items:", *s.items]
        parts += [*self.agreement, self.explained, *self.sites_not_marked]
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


_V2026_11 = ConsentText(
    version="2026-11",
    title="Consent to dry needling",
    sections=(
        ConsentSection(
            "What dry needling is",
            (
                "Dry needling treats tight, sore knots in a muscle. Your doctor puts a "
                "very thin needle through the skin into each knot. The needle is clean "
                "and is used only once. No medicine goes in. That is why it is called "
                "dry.",
                "First your skin is cleaned. You may feel a small prick, a dull ache, "
                "or a quick jump of the muscle. The jump is normal. It often means the "
                "knot is letting go. The doctor may move the needle up and down a "
                "little, or leave it in for a few minutes.",
            ),
        ),
        ConsentSection(
            "Where the needles will go",
            ("Your doctor plans to put needles in:",),
            lists_sites=True,
        ),
        ConsentSection(
            "Common effects",
            ("Most people have no problems, or only mild ones that pass on their own:",),
            (
                "sore, heavy muscles for a day or two",
                "a bruise, or a drop of blood where a needle went in",
                "feeling tired after the session",
                "feeling faint or dizzy. If you do, tell your doctor at once. You will "
                "lie down until it passes.",
            ),
        ),
        ConsentSection(
            "Rare effects",
            ("These do not happen often, but you should know about them:",),
            (
                "an infection where a needle went in",
                "a nerve that a needle has upset. This can cause tingling or numbness. "
                "It most often goes away on its own.",
                "a needle that breaks under the skin. It may need to be taken out.",
            ),
        ),
        ConsentSection(
            "A rare but serious risk: a collapsed lung",
            (
                "Some of the places above lie over a lung, which is close under the "
                "muscle there. Very rarely, a needle can reach the lung and let air "
                "leak out. Then the lung cannot fill up as it should. This is called a "
                "collapsed lung (pneumothorax). Your doctor takes special care in these "
                "places.",
                "It can start hours after the session, even at home. If you are short "
                "of breath or have chest pain, get help right away. Call an ambulance "
                "or go to an emergency department. Do not wait to see if it gets "
                "better. Tell them you had needle treatment, and where.",
            ),
            over_lung_only=True,
        ),
        ConsentSection(
            "Your choice",
            (
                "You do not have to have dry needling. You can say no now. You can also "
                "ask your doctor to stop at any time, even once it has started. Saying "
                "no will not change the rest of your care.",
                "Please ask about anything that is not clear. Your doctor will answer "
                "your questions before any needle is used.",
            ),
        ),
    ),
    agreement=(
        "I have read this form, or it was read to me.",
        "My questions were answered.",
        "I agree to dry needling in the places named on this form.",
    ),
    explained=(
        "I explained dry needling, where the needles will go, its risks and the right to "
        "say no or stop, and I answered the questions asked."
    ),
    sites_not_marked=(
        "The exact spots are not chosen yet.",
        "You told us your pain is in {area}.",
        "The sites will be explained before needling.",
    ),
)

#: Every version ever issued, oldest first. Never edit or remove one: add a new one.
VERSIONS: Mapping[str, ConsentText] = MappingProxyType({_V2026_11.version: _V2026_11})

#: The version explained to a patient from now on.
CURRENT_VERSION = "2026-11"


def consent_text(version: str) -> ConsentText:
    """The consent wording of ``version``; ValidationError for one never issued."""
    try:
        return VERSIONS[version]
    except KeyError:
        raise ValidationError(f"No consent wording has version {version!r}") from None
