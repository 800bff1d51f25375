"""What every fault test asserts once the fault is over: every 201 has its row (once), every referral reaches
the partner, and the partner accepts no event twice except as a resend under the same event id."""

from __future__ import annotations

from collections import defaultdict

from tests.faults.stack import Lantern, ReportLoad, wait_until

# A dead worker's delivery waits for its lease (5 s here) and the next minute's sweep.
DELIVERY_SECONDS = 100


def assert_every_report_kept(lantern: Lantern, load: ReportLoad) -> None:
    assert load.accepted, f"nothing was accepted: {load.statuses}"
    assert not load.pending, f"{len(load.pending)} reports never got an answer: {load.statuses}"
    assert not load.refused, f"refused: {load.refused}"
    assert "500" not in load.statuses, f"a 500 answered: {load.statuses}"
    ids = list(load.accepted.values())
    stored = lantern.query("SELECT count(*) FROM alerts_report WHERE id = ANY(%s::uuid[])", (ids,))[0][0]
    assert stored == len(ids), f"{len(ids) - stored} answered 201s have no row"
    twice = lantern.query(
        "SELECT substring(description from 'load-[0-9]+') AS marker, count(*) FROM alerts_report "
        "GROUP BY marker HAVING count(*) > 1"
    )
    assert not twice, f"reports stored twice: {twice}"


def assert_every_referral_delivered_once_per_event(lantern: Lantern, load: ReportLoad) -> None:
    ids = list(load.accepted.values())

    def undelivered() -> list[tuple[object, ...]]:
        return lantern.query(
            "SELECT r.id, r.state FROM referrals_referral r WHERE r.report_id = ANY(%s::uuid[]) "
            "AND r.state <> 'delivered'", (ids,))

    assert wait_until(lambda: not undelivered(), seconds=DELIVERY_SECONDS, every=1), (
        f"not delivered: {undelivered()[:10]}")
    referrals = {str(event): str(referral) for referral, event in lantern.query(
        "SELECT id, event_id FROM referrals_referral WHERE report_id = ANY(%s::uuid[])", (ids,))}
    assert len(referrals) == len(ids), "a report accepted with police consent has no referral, or several"

    accepted_by_event: dict[str, set[str]] = defaultdict(set)
    for receiver in lantern.receivers:
        for request in receiver.requests:
            if request.answered == 200:
                body = request.json()
                assert request.event_id == body["event_id"]
                accepted_by_event[body["event_id"]].add(body["referral_id"])
    assert set(accepted_by_event) == set(referrals), "the partner accepted events that are not these referrals"
    for event, referral_ids in accepted_by_event.items():
        # A resend carries the same event id: the partner sees one referral per event, however often it came.
        assert referral_ids == {referrals[event]}
