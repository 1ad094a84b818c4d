"""What the chart's message strip says about safety, in words a doctor reads at a glance.

`core.safety` decides each caution (lung risk by region, muscle, depth and build; both
sides of the thorax; sited precautions) and words it point by point. Those full
messages go into each banner's tooltip and "+N more"; the banner itself says the news
in three lines that fit a 1366x768 laptop at 125 % (issue 14), most important first:

- ``refusal``: no point can be marked (a red flag waits for a decision, or the
  patient was referred);
- ``warning``: both sides of the thorax (asks to be acknowledged, once per session) and
  points deeper than the pleura may lie for this patient's build;
- ``site``: a point on the site of a sited precaution, the point marked last first;
- ``caution``: the points over the lung still without a recorded precaution;
- ``done``: what was done about a risk, a calm line.

No Qt here: the chart panel posts these to its `NoticeStrip`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tpchart.core.lung import Build, pleura_text
from tpchart.core.patient import Patient
from tpchart.core.safety import (
    Caution,
    Concern,
    Level,
    lung_cautions,
    site_cautions,
)
from tpchart.core.session import Session
from tpchart.core.trigger_point import TriggerPoint

# The both-sides warning as the banner says it, beside its Acknowledge button: whole in
# three lines at 125 % on a 1366x768 laptop. Its tooltip has the full wording.
BOTH_SIDES_BANNER = (
    "Points over the lung on both sides of the thorax: a bilateral pneumothorax would be "
    "an emergency. Needle shallow and angled away, or treat one side today."
)


@dataclass(frozen=True)
class Notice:
    """One banner's message (empty: nothing to say), its tooltip (rich text), and
    whether it asks for its button (the both-sides acknowledgement)."""

    text: str = ""
    details: str = ""
    ask: bool = False


@dataclass(frozen=True)
class ChartNotices:
    """The safety banners of the chart, most important first."""

    refusal: Notice
    warning: Notice
    site: Notice
    caution: Notice
    done: Notice


def chart_notices(
    points: Iterable[TriggerPoint],
    session: Session | None,
    patient: Patient | None,
    editable: bool,
) -> ChartNotices:
    """The banners for ``points`` of ``session`` (``editable``: points may be marked)."""
    points = list(points)
    build = patient.build if patient is not None else None
    acknowledged = session is not None and session.both_sides_acknowledged
    refused = session.needling_refused() if session is not None and editable else ""

    lung = lung_cautions(points, build, acknowledged)
    warnings = [c for c in lung if c.level is Level.WARNING]
    deep = [c for c in warnings if c.concern is not Concern.BOTH_SIDES]
    # Points over the lung on both sides, not yet acknowledged: the one warning that
    # is not a point's (`needs_both_sides_acknowledgement`, without a second pass).
    both_sides = len(deep) < len(warnings)
    said = [BOTH_SIDES_BANNER] if both_sides else []
    if deep:
        said.append(_depth_summary(deep, points, build))
    warning = Notice(
        "⚠ " + " ".join(said) if said else "",
        _details(warnings),
        ask=editable and both_sides,
    )

    # A signed session shows the sites it recorded, not ones learnt later; while
    # charting, a standing site recorded in the patient's file today counts at once.
    sites = session.precaution_sites if session else ()
    if patient is not None and session is not None and session.editable:
        sites += tuple(s for s in patient.precaution_sites if s not in sites)
    # The point marked last first: its precaution is the news.
    sited = sorted(site_cautions(points, sites), key=lambda c: -c.points[0])
    cautions = [c for c in lung if c.level is Level.CAUTION]
    done = [c for c in lung if c.level is Level.DONE]
    return ChartNotices(
        refusal=Notice(f"⚠ {refused}" if refused else ""),
        warning=warning,
        site=Notice(_on_a_site(sited), _details(sited)),
        caution=Notice(_over_the_lung(cautions, build), _details(cautions)),
        done=Notice("✓ " + " ".join(c.message for c in done) if done else "", _details(done)),
    )


def _details(cautions: list[Caution]) -> str:
    """Each caution in full on its own line, for a banner's tooltip and "+N more"."""
    return "<br>".join(_escape(c.message) for c in cautions)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _numbers(cautions: list[Caution]) -> list[int]:
    return sorted(n for c in cautions for n in c.points)


def _on_a_site(sited: list[Caution]) -> str:
    """The precaution at the point marked last, in full (the news), and the numbers of
    the other points on a sited precaution (each in full in the tooltip)."""
    if not sited:
        return ""
    others = sorted({n for c in sited[1:] for n in c.points} - set(sited[0].points))
    also = f" Also point{'s' if len(others) > 1 else ''} {', '.join(map(str, others))}."
    return f"⚠ {sited[0].message}{also if others else ''}"


def _over_the_lung(cautions: list[Caution], build: Build | None) -> str:
    """The points over the lung with no precaution recorded yet, how deep the pleura
    may lie, and what to do."""
    numbers = _numbers(cautions)
    if not numbers:
        return ""
    s = "s" if len(numbers) > 1 else ""
    return (
        f"⚠ Over the lung: point{s} {', '.join(map(str, numbers))}; {pleura_text(build)}. "
        "Needle shallow and angled away, and tick the precaution taken in the Point tab."
    )


def _depth_summary(cautions: list[Caution], points: list[TriggerPoint], build: Build | None) -> str:
    """The points needled as deep as the pleura may lie, with their depths: the depth
    first, where a point-by-point message would cut it off."""
    depths = {p.number: p.depth_mm for p in points}
    numbers = _numbers(cautions)
    listed = ", ".join(f"{n} ({depths[n]:g} mm)" for n in numbers if depths.get(n) is not None)
    s = "s" if len(numbers) > 1 else ""
    return (
        f"Over the lung, as deep as the pleura: point{s} {listed}; {pleura_text(build)}. "
        "Needle shallower, or tick the precaution that keeps the needle off the lung "
        "(onto a rib, pincer grip, ultrasound) in the Point tab."
    )
