"""Out of office with the real org chart: who may name a substitute for whom, and a case whose steps a
substitute does, each step in services built afresh from the database (as separate processes would)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import ManualClock
from engine.errors import PermissionDenied
from engine.models import AuditEvent
from engine.worker import run_due_jobs
from tests.workflows import district_org as district
from tests.workflows.invented_org import invented_runtime
from tests.workflows.test_fresh_runtime import fresh_transactions
from web.core.composition import Runtime, build_services
from web.core.db import unit_of_work
from workflows.calendar import LOCAL_TZ
from workflows.directive import reference_case as case
from workflows.directive import scenario
from workflows.directive.document import compose_for_case
from workflows.directive.queries import case_reference
from workflows.directive.rehearsal import Rehearsal
from workflows.orgchart.directory import OrgDirectory
from workflows.orgchart.loader import LoadSummary
from workflows.orgchart.models import User
from workflows.orgchart.out_of_office import (
    SubstitutionNotFound,
    SubstitutionRefused,
    cancel_substitution,
    name_substitute,
)
from workflows.orgchart.substitutes import Substitution
from workflows.registers.models import OutgoingDocument

MONDAY = date(2023, 3, 6)
NOW = datetime(2023, 3, 6, 1, 0, tzinfo=UTC)


def _name(
    session: Session, by: str, absent: str, substitute: str, first: date, last: date, **extra: str
) -> Substitution:
    return name_substitute(
        session,
        by=by,
        absent=absent,
        substitute=substitute,
        from_date=first,
        to_date=last,
        reason=extra.get("reason", "Nghỉ phép"),
        at=NOW,
        today=MONDAY,
    )


def _refusal(
    session: Session, by: str, absent: str, substitute: str, first: date, last: date, **extra: str
) -> set[tuple[str, str]]:
    with pytest.raises(SubstitutionRefused) as refused:
        _name(session, by, absent, substitute, first, last, **extra)
    return {(p.field, p.code) for p in refused.value.problems}


def test_a_substitute_stands_in_only_on_the_days_named_until_cancelled(
    db_session: Session, org_chart: LoadSummary
) -> None:
    """Ms Mai stands in for Mr Đức from Tuesday to Thursday (both included); cancelled, she no longer does."""
    directory = OrgDirectory(db_session)
    row = _name(db_session, "cv.hvd", "cv.hvd", "cv.ntm", date(2023, 3, 7), date(2023, 3, 9))
    assert directory.stands_in_for("cv.ntm", MONDAY) == []
    assert directory.stands_in_for("cv.ntm", date(2023, 3, 7)) == ["cv.hvd"]
    assert directory.stands_in_for("cv.ntm", date(2023, 3, 9)) == ["cv.hvd"]
    assert directory.stands_in_for("cv.ntm", date(2023, 3, 10)) == []
    assert directory.stands_in_for("cv.hvd", date(2023, 3, 8)) == []
    with pytest.raises(SubstitutionNotFound):
        cancel_substitution(db_session, row.id, by="cv.ntm", at=NOW, today=MONDAY)  # the substitute cannot
    cancel_substitution(db_session, row.id, by="tp.qlvhgd", at=NOW, today=MONDAY)  # the division head can
    assert directory.stands_in_for("cv.ntm", date(2023, 3, 8)) == []
    tags = db_session.scalars(
        select(AuditEvent.tag).where(AuditEvent.tag.like("workflows:substitution:%")).order_by(AuditEvent.id)
    )
    assert list(tags) == ["workflows:substitution:named", "workflows:substitution:cancelled"]


def test_leaders_name_substitutes_for_the_officers_of_their_units_only(
    db_session: Session, org_chart: LoadSummary
) -> None:
    """The division head names one for his specialist; a colleague may not, nor a division head for the director."""
    _name(db_session, "tp.qlvhgd", "cv.hvd", "cv.ntm", MONDAY, MONDAY)
    _name(db_session, "giamdoc", "cb.btls", "pgd.hoa", MONDAY, MONDAY)  # a unit under the Sở
    assert _refusal(db_session, "cv.ntm", "cv.hvd", "tp.qlvhgd", date(2023, 3, 8), date(2023, 3, 8)) == {
        ("absent", "not_allowed")
    }
    assert _refusal(db_session, "tp.qlvhgd", "giamdoc", "pgd.hoa", MONDAY, MONDAY) == {("absent", "not_allowed")}


def test_every_bad_field_is_named_and_nothing_is_stored(db_session: Session, org_chart: LoadSummary) -> None:
    """Unknown, same or unrelated people, days in the past, out of order, too long, overlapping, a substitute away."""
    assert _refusal(db_session, "cv.hvd", "cv.hvd", "nobody", MONDAY, MONDAY) == {("substitute", "unknown")}
    assert _refusal(db_session, "cv.hvd", "cv.hvd", "cv.hvd", MONDAY, MONDAY) == {("substitute", "same_person")}
    # A museum officer neither works in nor leads the specialist's division.
    assert _refusal(db_session, "cv.hvd", "cv.hvd", "cb.btls", MONDAY, MONDAY) == {("substitute", "unrelated")}
    assert _refusal(db_session, "cv.hvd", "cv.hvd", "cv.ntm", date(2023, 3, 3), date(2023, 3, 2)) == {
        ("from_date", "past"),
        ("to_date", "before_start"),
    }
    assert _refusal(db_session, "cv.hvd", "cv.hvd", "cv.ntm", MONDAY, date(2024, 3, 6)) == {("to_date", "too_long")}
    assert _refusal(db_session, "cv.hvd", "cv.hvd", "cv.ntm", MONDAY, MONDAY, reason="x" * 501) == {
        ("reason", "too_long")
    }
    assert db_session.scalars(select(Substitution)).all() == []
    _name(db_session, "cv.hvd", "cv.hvd", "cv.ntm", date(2023, 3, 7), date(2023, 3, 9))
    assert _refusal(db_session, "cv.hvd", "cv.hvd", "tp.qlvhgd", date(2023, 3, 9), date(2023, 3, 10)) == {
        ("from_date", "overlap")
    }
    assert _refusal(db_session, "tp.qlvhgd", "tp.qlvhgd", "cv.hvd", date(2023, 3, 8), date(2023, 3, 8)) == {
        ("substitute", "away")
    }
    user = db_session.scalars(select(User).where(User.username == "cv.ntm")).one()
    user.active = False
    assert OrgDirectory(db_session).stands_in_for("cv.ntm", date(2023, 3, 8)) == []


def _substitute(runtime: Runtime, by: str, absent: str, substitute: str, first: str, last: str) -> None:
    with unit_of_work(runtime.sessions) as session:
        name_substitute(
            session,
            by=by,
            absent=absent,
            substitute=substitute,
            from_date=date.fromisoformat(first),
            to_date=date.fromisoformat(last),
            reason="Đi công tác",
            at=runtime.services.clock.now(),
            today=runtime.services.clock.now().astimezone(LOCAL_TZ).date(),
        )


def _completions(runtime: Runtime, case_id: int) -> list[tuple[str, str, str | None]]:
    with unit_of_work(runtime.sessions) as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id, AuditEvent.tag == "engine:task:completed")
            .order_by(AuditEvent.id)
        )
        return [(e.after["task"], e.actor, e.after.get("on_behalf_of")) for e in events]


def _fresh_rehearsal(runtime: Runtime, clock: ManualClock) -> Rehearsal:
    return Rehearsal(
        fresh_transactions(runtime, clock),
        clock,
        lambda: run_due_jobs(runtime.sessions, build_services(runtime.settings, clock)),
    )


def test_a_deputy_instructs_and_reviews_for_the_absent_director_and_head_in_fresh_services(
    runtime: Runtime, clock: ManualClock
) -> None:
    """The director is away on Monday and the head on Tuesday; a deputy director stands in for each, and
    from Wednesday the head's step is his own again. Every step runs in services that never saw the case."""
    r = _fresh_rehearsal(runtime, clock)
    r.at("2023-03-06 08:00")
    _substitute(runtime, "giamdoc", "giamdoc", "pgd.hoa", "2023-03-06", "2023-03-06")
    _substitute(runtime, "giamdoc", "tp.qlvhgd", "pgd.lan", "2023-03-07", "2023-03-07")
    r.start("directive_lifecycle", "vanthu")
    r.do("vanthu", "register_incoming", case.INCOMING)
    with pytest.raises(PermissionDenied):
        r.do("pgd.lan", "instruct", case.INSTRUCTION)  # she stands in for the head, not the director
    r.do("pgd.hoa", "instruct", case.INSTRUCTION)
    r.at("2023-03-07 09:00")
    r.do("cv.hvd", "draft", case.draft())
    r.do("pgd.lan", "review_content", {"decision": "return", "comment": "Bổ sung mục 4."})
    r.at("2023-03-08 08:30")
    r.do("cv.hvd", "draft", case.draft())
    with pytest.raises(PermissionDenied):
        r.do("pgd.lan", "review_content", {"decision": "approve", "comment": ""})
    r.do("tp.qlvhgd", "review_content", {"decision": "approve", "comment": ""})
    assert _completions(runtime, r.case_id or 0) == [
        ("register_incoming", "vanthu", None),
        ("instruct", "pgd.hoa", "giamdoc"),
        ("draft", "cv.hvd", None),
        ("review_content", "pgd.lan", "tp.qlvhgd"),
        ("draft", "cv.hvd", None),
        ("review_content", "tp.qlvhgd", None),
    ]


@pytest.fixture
def district_runtime(tmp_path: Path, clock: ManualClock) -> Iterator[Runtime]:
    """The runtime on the invented district's chart."""
    with invented_runtime(tmp_path, clock, district.CHART) as runtime:
        yield runtime


def test_in_the_district_the_deputy_chairman_instructs_for_the_absent_chairman(
    district_runtime: Runtime, clock: ManualClock
) -> None:
    """Another organisation, other roles: the chairman names his deputy; a division head may not name one for him."""
    runtime = district_runtime
    r = _fresh_rehearsal(runtime, clock)
    r.at("2023-03-06 08:00")
    with unit_of_work(runtime.sessions) as session, pytest.raises(SubstitutionRefused):
        _name(session, district.HEAD, district.CHAIRMAN, district.DEPUTY, MONDAY, MONDAY)
    _substitute(runtime, district.CHAIRMAN, district.CHAIRMAN, district.DEPUTY, "2023-03-06", "2023-03-10")
    r.start("directive_lifecycle", district.CLERK)
    r.do(district.CLERK, "register_incoming", district.LETTER)
    r.do(district.DEPUTY, "instruct", district.INSTRUCTION)
    assert _completions(runtime, r.case_id or 0)[-1] == ("instruct", district.DEPUTY, district.CHAIRMAN)


def test_the_deputy_who_signs_for_an_absent_signer_signs_with_her_own_name(
    runtime: Runtime, clock: ManualClock
) -> None:
    """The signer named at instruction is away on the day of signing; the other deputy signs for him.
    The register and the letter carry her signature ("KT. GIÁM ĐỐC", her title and name), never his."""
    r = _fresh_rehearsal(runtime, clock)
    r.at("2023-03-06 08:00")
    _substitute(runtime, "giamdoc", "pgd.hoa", "pgd.lan", "2023-03-08", "2023-03-08")
    scenario.register_and_instruct(r)
    r.at("2023-03-08 08:30")
    r.do("cv.hvd", "draft", case.draft())
    r.do("tp.qlvhgd", "review_content", {"decision": "approve", "comment": ""})
    r.at("2023-03-08 15:00")
    r.do("pgd.lan", "sign", {"decision": "sign", "comment": ""})
    scenario.issue(r)
    data = r.data()
    with unit_of_work(runtime.sessions) as session:
        issued = session.scalars(
            select(OutgoingDocument).where(OutgoingDocument.reference == case_reference(r.case_id or 0))
        ).one()
        assert (issued.signer_username, issued.signer_capacity) == ("pgd.lan", "KT.")
        letter = compose_for_case(session, data, "cv.hvd", issued)
    assert letter.signature_titles == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert letter.signer_name == "Trần Thị Lan"
    assert ("sign", "pgd.lan", "pgd.hoa") in _completions(runtime, r.case_id or 0)
