"""Scores of 1,000 units × 36 points (issue 10 acceptance): the query count does not grow with the units, and the
time as a ratio to the progress page's rows computed over the same units in the same run.

Builds a throw-away instance in a temporary data directory (SQLite, the embedded default) with the demo, then
adds units to its finished, scored campaign with a review of every point (a realistic mix of verdicts and
deductions), first up to --small units, then up to --units. At each size it counts the queries of
`reviews.selectors.unit_scores` (what `GET …/scores`, scores.xlsx and the reports read) and of the progress rows
(`oversight.progress.rows`, what the progress page and API read), and times both (median of --repeat).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["PINGGU_DATA_DIR"] = tempfile.mkdtemp(prefix="pinggu-bench-scores-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinggu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from pinggu.accounts.models import User
    from pinggu.campaigns.models import Campaign, Enrollment, EnrollmentState, Unit
    from pinggu.frameworks.models import Checkpoint, UnitKind
    from pinggu.oversight import progress
    from pinggu.reviews import selectors
    from pinggu.reviews.models import Deduction, Review
    from pinggu.site import demo_results

    call_command("migrate", verbosity=0)
    call_command("demo", password="Bench-Passw0rd!", stdout=open(os.devnull, "w"))
    campaign = Campaign.objects.get(title=demo_results.FINISHED_TITLE)
    organizer = User.objects.get(username="admin")
    evaluator = User.objects.get(username="evaluator")
    county = UnitKind.objects.get(code="county")
    framework = campaign.framework_links.get(unit_kind=county).framework
    checkpoints = list(Checkpoint.objects.filter(framework=framework).order_by("position"))
    rng = random.Random(1)
    now = timezone.now()

    def grow_to(n):
        need = n - campaign.enrollments.count()
        if need <= 0:
            return
        start = Unit.objects.count()
        units = Unit.objects.bulk_create([Unit(name=f"基准单位{start + i:05d}", code=f"b{start + i:05d}", kind=county)
                                          for i in range(need)])
        enrollments = Enrollment.objects.bulk_create([
            Enrollment(campaign=campaign, unit=u, framework=framework, state=EnrollmentState.SUBMITTED, submitted_at=now)
            for u in units])
        reviews, partial = [], []
        for e in enrollments:
            for cp in checkpoints:
                verdict = rng.choices(["pass", "partial", "fail", "not_applicable"], [80, 14, 3, 3])[0]
                score = {"pass": cp.points, "fail": 0, "not_applicable": None}.get(verdict, cp.points - 1)
                review = Review(enrollment=e, checkpoint=cp, verdict=verdict, score=score, evaluator=evaluator,
                                reason="" if verdict in ("pass", "not_applicable") else "基准")
                reviews.append(review)
                if verdict == "partial":
                    partial.append(review)
        Review.objects.bulk_create(reviews, batch_size=5000)
        Deduction.objects.bulk_create([Deduction(review=r, rule=0, text=demo_results.RULE_EACH, count=1, points=1)
                                       for r in partial], batch_size=5000)

    def measure(work):
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                result = work()
                times.append(time.perf_counter() - start)
        return len(ctx.captured_queries), statistics.median(times), result

    seen = {}
    for n in (args.small, args.units):
        grow_to(n)
        total = campaign.enrollments.count()
        scores_q, scores_t, scored = measure(lambda: selectors.unit_scores(campaign))
        progress_q, progress_t, _ = measure(lambda: progress.rows(progress.visible_enrollments(organizer, campaign)))
        ranked = sum(1 for u in scored["units"] if u["rank"] is not None)
        print(f"{total:5d} units x {len(checkpoints)} points: scores {scores_q:3d} queries {scores_t * 1000:8.1f} ms"
              f"  | progress rows {progress_q:3d} queries {progress_t * 1000:8.1f} ms"
              f"  | ratio scores / progress {scores_t / progress_t:5.2f}  ({ranked} ranked)")
        seen[n] = scores_q
    assert seen[args.small] == seen[args.units], f"the scores' queries grow with the units: {seen}"
    print(f"scores: {seen[args.units]} queries whatever the number of units")


if __name__ == "__main__":
    main()
