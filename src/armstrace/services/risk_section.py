"""The report's section on aiming end-use checks: both queues, the weights, the checks.

One ``SectionBuilder`` for ``services.reporting.SECTIONS`` (their pattern: a
function ``f(ctx) -> Section | None``). It needs the store (checks, custody,
recoveries), so a report built from a dataset alone leaves it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from armstrace.domain.red_flags import BY_CODE, CUSTODIAN, LICENCE
from armstrace.domain.vocabulary import CHECK_TYPES
from armstrace.services.checks import CheckService
from armstrace.services.ports import SystemClock
from armstrace.services.report_tables import Cell, TableData
from armstrace.services.risk import RiskReport, gather_facts, licence_names, risk_report

if TYPE_CHECKING:
    from armstrace.services.reporting import ReportContext, Section

__all__ = ["risk_section"]

REASONS_SHOWN = 3


def _queue_table(report: RiskReport, names: dict[str, str]) -> TableData:
    rows: list[tuple[Cell, ...]] = []
    for rank, s in enumerate(report.queue, 1):
        name = names.get(s.subject_id, "") if report.level == LICENCE else report.names.get(
            s.subject_id, "")
        top = sorted(s.points, key=lambda p: -p.points)[:REASONS_SHOWN]
        rows.append((rank, s.subject_id, name, round(s.score, 3),
                     CHECK_TYPES[report.suggested.get(s.subject_id, "post_shipment")].en,
                     " | ".join(p.reason() for p in top)))
    return TableData(f"risk-{report.level}", f"Check queue by {report.level}: the first "
                     f"{report.budget} check(s)",
                     ("rank", report.level, "name", "score", "check", "top reasons"), rows,
                     f"{report.version}: score = sum of weight x dose over the red flags that "
                     "fire; every reason names its rule version and the records behind it "
                     "(`armstrace risk --output` writes them all). Subjects with a check already "
                     "open are left out.")


def _weights_table(reports: list[RiskReport]) -> TableData:
    rows: list[tuple[Cell, ...]] = []
    for r in reports:
        for w in r.weights.values():
            rows.append((r.level, BY_CODE[w.flag].version, BY_CODE[w.flag].label, w.prior,
                         w.llr, w.weight, w.source))
    return TableData("risk-weights", "Red-flag weights (log-odds points)",
                     ("level", "rule", "red flag", "prior", "outcomes say", "weight", "from"), rows,
                     "weight = (20 x prior + n_eff x what the outcomes say) / (20 + n_eff); outcomes "
                     "are finished checks (each worth 10) and, for flags that do not read "
                     "recoveries, whether the subject has a traced recovered weapon.")


def risk_section(ctx: ReportContext) -> Section | None:
    """Both queues at the default budget (1 % of licences), the weights, and the checks."""
    from armstrace.services.reporting import Figure, Section

    if ctx.store is None or not ctx.ds.licences:
        return None
    gathered = gather_facts(ctx.store, ctx.ds)
    reports = [risk_report(ctx.store, level, gathered=gathered) for level in (LICENCE, CUSTODIAN)]
    names = licence_names(ctx.store)
    rows, causes = CheckService(ctx.store, SystemClock()).summary()
    checks = TableData("checks-summary", "End-use checks by fiscal year, type and outcome",
                       ("FY", "type", "favourable", "unfavourable", "pending", "total"),
                       [(r.fiscal_year, CHECK_TYPES[r.check_type].en, r.favourable,
                         r.unfavourable, r.pending, r.total) for r in rows],
                       "As the Blue Lantern annual reports count them; a check counts in the "
                       "fiscal year it was opened, with its latest finding. Unfavourable causes: "
                       + ("; ".join(f"FY{y}: " + ", ".join(f"{c} {n}" for c, n in cs.items())
                                    for y, cs in causes.items()) or "none recorded") + ".")
    lic = reports[0]
    figures = [
        Figure("licences scored", f"{len(lic.scores):,}",
               f"{sum(1 for s in lic.scores if s.score > 0):,} with at least one red flag"),
        Figure("checks in the budget", f"{lic.budget:,}", "1 % of licences, as the real programme "
               "(~705 checks for ~81,000 applications)"),
        Figure("checks recorded", f"{sum(r.total for r in rows):,}",
               f"{sum(r.unfavourable for r in rows):,} unfavourable, "
               f"{sum(r.pending for r in rows):,} pending"),
    ]
    return Section("risk", ctx.t("Aiming end-use checks"),
                   "Which licences and custodians to check first, and why: red flags (docs/"
                   "domain.md) each a versioned rule with its evidence, weighed by what outcomes "
                   "in the data show (finished checks, traced recoveries) and shrunk to stated "
                   "priors. Findings of checks recorded with `armstrace checks` feed the next "
                   "queue.", figures=figures,
                   tables=[_queue_table(lic, names), _queue_table(reports[1], names),
                           _weights_table(reports), checks])
