"""A partner's webhook is down (connections refused) while citizens report, then comes back."""

from __future__ import annotations

import time

from tests.faults.outcomes import assert_every_referral_delivered_once_per_event, assert_every_report_kept
from tests.faults.stack import ReportLoad


def test_it_keeps_accepting_reports_while_a_partner_is_down_and_delivers_them_all_when_it_is_back(lantern):
    service = lantern.start(partner_up=False)
    load = ReportLoad(service.base_url).start()
    time.sleep(8)
    accepted_while_down = len(load.accepted)
    assert lantern.query("SELECT count(*) FROM referrals_referralattempt WHERE outcome = 'temporary'")[0][0] > 0
    lantern.partner_up()
    time.sleep(4)
    load.stop()

    # Citizens saw nothing of it.
    assert accepted_while_down > 0
    assert set(load.statuses) == {"201"}
    assert_every_report_kept(lantern, load)
    assert_every_referral_delivered_once_per_event(lantern, load)
