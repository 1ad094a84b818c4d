"""Outcome measures, which way is better, and the change that matters (with sources).

Whether a change is *clinically meaningful* is judged against the minimal clinically
important difference (MCID) of each measure; the figures are the clinic's
(shared/clinical.md, "Outcome thresholds worth knowing" and "Change that counts can
be relative") and come from these studies:

- Pain NRS 0-10, about 1.3-2 points: 1.3 in mechanical neck pain [Cleland, Childs,
  Whitman, Arch Phys Med Rehabil 2008;89:69-74]; about 2 points *or about 30 %* in
  chronic pain [Farrar et al., Pain 2001;94:149-58; Salaffi et al., Eur J Pain
  2004;8:283-91]. The relative criterion lets a patient who starts at 3/10 improve
  meaningfully (3 → 2 is 33 %). It was derived from improvement, so worsening is
  judged by the absolute figure only: a rise from 2 to 3 is not called "worse".
- Neck Disability Index as a percentage, about 14-19 points: 7 of 50 (14 %) in
  cervical radiculopathy [Cleland et al., Spine 2006;31:598-602]; 9.5 of 50 (19 %)
  in mechanical neck pain [Cleland 2008, above].
- Oswestry Disability Index, about 12 points (percentage scale) [clinical.md;
  Ostelo et al., Spine 2008;33:90-4 put it near 10 points].
- Patient-Specific Functional Scale (mean 0-10), about 2 points [Cleland 2006].

Lower is better for pain, NDI and ODI; higher is better for PSFS and for the
pressure pain threshold. A change of at least the upper figure is "clinically
meaningful"; one between the lower and upper figures "possibly meaningful", because
the published values differ by population and a doctor should see that nuance. The
words about a trend (improving, stalled, worsening) use the upper figure only, so
they never claim more than the most cautious source.

Pressure pain threshold (algometer, kg/cm²): smallest detectable change about
0.45-0.62 kg/cm², measured on the trapezius [clinical.md, from algometry reliability
studies]; only a change beyond 0.62 is taken as real, and for any other muscle the
text says the figure was measured on the trapezius.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tpchart.core.session import Session

# Smallest detectable change of the pressure pain threshold, kg/cm² (module docstring).
PPT_SDC_LOW = 0.45
PPT_SDC = 0.62
PPT_SDC_TEXT = "smallest detectable change 0.45-0.62 kg/cm², measured on the trapezius"
# Pain at a single point uses the NRS MCID: it is the same 0-10 scale.
POINT_PAIN_MCID = 2.0
# Farrar et al., Pain 2001;94:149: a fall of about 30 % on the NRS is meaningful.
RELATIVE_MCID = 0.30
FARRAR = "Farrar et al., Pain 2001;94:149"
# A tiny epsilon so 8.0 - 6.0 counts as the full 2 points despite float noise.
EPSILON = 1e-9


@dataclass(frozen=True)
class Measure:
    """An outcome measure, its scale and the change that matters to a patient."""

    key: str  # the Session attribute (pain uses pain_before, see pain_trend)
    name: str  # as written in a sentence: "Pain", "NDI"
    title: str  # full name for headings and legends
    unit: str  # appended to values: "" or "%"
    scale_max: float
    mcid_low: float
    mcid: float  # the upper figure: at least this is clinically meaningful
    higher_is_better: bool
    mcid_text: str  # the MCID and its source, as written in the rules
    relative: float | None = None  # a fall of this share of the start is meaningful too

    def value(self, session: Session) -> float | None:
        """This measure's value recorded at ``session`` (pain: before needling)."""
        return getattr(session, "pain_before" if self.key == "pain" else self.key)

    @property
    def direction(self) -> str:
        """Which way is better, in words: "lower is better"."""
        return "higher is better" if self.higher_is_better else "lower is better"

    @property
    def threshold_text(self) -> str:
        """The MCID as a short phrase: "2 points or 30 %", "14-19 points"."""
        low = "" if self.mcid_low == self.mcid else f"{fmt(self.mcid_low)}-"
        text = f"{low}{fmt(self.mcid)} points"
        if self.relative:
            text += f" or {round(self.relative * 100)} %"
        return text


PAIN = Measure("pain", "Pain", "Pain (NRS 0-10)", "", 10, 2.0, 2.0, False,
               "Pain (NRS 0-10): about 2 points (1.3 in neck pain: Cleland et al., Arch Phys Med "
               f"Rehabil 2008;89:69) or about 30 % ({FARRAR})", relative=RELATIVE_MCID)  # fmt: skip
NDI = Measure("ndi", "NDI", "Neck Disability Index (%)", "%", 100, 14, 19, False,
              "NDI: about 14-19 points (Cleland et al., Spine 2006;31:598; "
              "Arch Phys Med Rehabil 2008;89:69)")  # fmt: skip
ODI = Measure("odi", "ODI", "Oswestry Disability Index (%)", "%", 100, 12, 12, False,
              "ODI: about 12 points (Ostelo et al., Spine 2008;33:90)")  # fmt: skip
PSFS = Measure("psfs", "PSFS", "Patient-Specific Functional Scale (0-10)", "", 10, 2, 2, True,
               "PSFS: about 2 points (Cleland et al., Spine 2006;31:598)")  # fmt: skip
OUTCOME_MEASURES = (NDI, ODI, PSFS)
MEASURES = (PAIN, *OUTCOME_MEASURES)


class Verdict(StrEnum):
    """What a change between two recorded values means for the patient."""

    IMPROVED = "improved"  # better by at least the MCID (absolute or relative)
    POSSIBLY_IMPROVED = "possibly_improved"  # within the MCID range
    NO_CLEAR_CHANGE = "no_clear_change"  # smaller than the MCID
    POSSIBLY_WORSE = "possibly_worse"
    WORSE = "worse"
    NOT_ENOUGH_DATA = "not_enough_data"  # fewer than two values


@dataclass(frozen=True)
class Reading:
    """A value recorded at a signed session."""

    number: int  # the session's number (1 for the patient's first session)
    at: datetime
    value: float

    @property
    def where(self) -> str:
        """ "session 3 (10 Mar 2025)"."""
        return f"session {self.number} ({day_text(self.at)})"


# The relative criterion (about 30 %) applies from a start of 3 on the 0-10 scale and
# to a change of at least 1 point: clinical.md's own example is a patient starting at
# 3/10; below that, 30 % is less than a point and a 2 -> 1 wobble would read as a
# meaningful improvement.
RELATIVE_FROM = 3.0
RELATIVE_AT_LEAST = 1.0


def judge(measure: Measure, start: float, end: float, relative: bool = True) -> Verdict:
    """The verdict on a move from ``start`` to ``end``: the absolute MCID both ways,
    and, with ``relative``, for a measure that has one, the relative criterion for
    improvement only (from ``RELATIVE_FROM``, by at least ``RELATIVE_AT_LEAST``). The
    trend words over the recent sessions pass ``relative=False``: they never claim
    more than the absolute figure."""
    gain = end - start if measure.higher_is_better else start - end
    size = abs(gain) + EPSILON
    if (
        relative
        and gain > 0
        and measure.relative
        and start >= RELATIVE_FROM
        and size >= max(RELATIVE_AT_LEAST, measure.relative * start)
    ):
        return Verdict.IMPROVED
    if size >= measure.mcid:
        return Verdict.IMPROVED if gain > 0 else Verdict.WORSE
    if size >= measure.mcid_low:
        return Verdict.POSSIBLY_IMPROVED if gain > 0 else Verdict.POSSIBLY_WORSE
    return Verdict.NO_CLEAR_CHANGE


def fmt(value: float) -> str:
    """A score as written: "8", "4.5", "0.62" (no trailing zeros)."""
    return f"{round(value, 2):g}"


def points_text(amount: float) -> str:
    """ "1 point", "2.5 points"."""
    return f"{fmt(amount)} point" + ("" if fmt(amount) == "1" else "s")


def day_text(at: datetime) -> str:
    """A session's date as written everywhere in progress: "3 Mar 2025"."""
    # Local time, as every other date on screen and in print (a session at 00:30
    # local time is on that local day, whatever offset it was stored with).
    return f"{at.astimezone():%-d %b %Y}"


def span_text(start: datetime, end: datetime) -> str:
    """A time span in the unit a clinician would say: "5 days", "7 weeks", "4 months"."""
    days = max(0, (end - start).days)
    if days < 14:
        return f"{days} day" + ("" if days == 1 else "s")
    if days < 92:
        return f"{round(days / 7)} weeks"
    months = round(days / 30.44)
    return f"{months} months" if months < 24 else f"{days / 365.25:.1f} years"
