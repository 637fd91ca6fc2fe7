"""Incoming and outgoing registers (ND30 Đ16, Đ22; Phụ lục I, IV, VI) and the outbox."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from workflows.notifications import (
    Notification,
    pending_notifications,
    queue_notification,
)
from workflows.registers import ArrivalClosed, ArrivalNotFound
from workflows.registers.incoming import (
    assign_handling,
    close_arrival,
    find_duplicates,
    incoming_register,
    register_arrival,
)
from workflows.registers.models import IncomingDocument, OutgoingDocument
from workflows.registers.outgoing import (
    document_notation,
    issue_outgoing,
    outgoing_register,
)

AGENCY = "SVHTTDL-LS"
ICT = timezone(timedelta(hours=7))


# --- notation (ND30 Phụ lục I) ---------------------------------------------------------


def test_cong_van_notation_is_agency_then_drafting_unit() -> None:
    assert document_notation(57, "CV", "SVHTTDL", "QLVHGĐ") == "57/SVHTTDL-QLVHGĐ"


def test_notation_pads_numbers_below_ten() -> None:
    assert document_notation(1, "CV", "SVHTTDL", "QLVHGĐ") == "01/SVHTTDL-QLVHGĐ"


def test_report_notation_is_type_then_agency() -> None:
    assert document_notation(58, "BC", "SVHTTDL", None) == "58/BC-SVHTTDL"


def test_other_types_may_carry_the_unit_as_suffix() -> None:
    assert document_notation(3, "KH", "SVHTTDL", "VP") == "03/KH-SVHTTDL-VP"


def test_cong_van_needs_a_drafting_unit() -> None:
    with pytest.raises(ValueError):
        document_notation(1, "CV", "SVHTTDL", None)


@pytest.mark.parametrize("agency", ["", "SVH TTDL", "SVHTTDL/", "S-VHTTDL"])
def test_notation_refuses_malformed_codes(agency: str) -> None:
    with pytest.raises(ValueError):
        document_notation(1, "BC", agency, None)


# --- outgoing register -------------------------------------------------------------------


def _issue(
    session: Session,
    document_type: str,
    issued: date,
    *,
    mapping: dict[str, str] | None = None,
    agency: str = AGENCY,
) -> OutgoingDocument:
    return issue_outgoing(
        session,
        agency_code=agency,
        agency_notation="SVHTTDL",
        document_type=document_type,
        drafting_unit_notation="QLVHGĐ",
        subject="V/v tuyên truyền kỷ niệm các ngày lễ lớn",
        issued_date=issued,
        signer_username="hoa.pv",
        signer_capacity="KT.",
        reference="instance-7",
        sequence_for_type=mapping,
    )


def test_issue_outgoing_numbers_a_cong_van_and_a_report(db_session: Session) -> None:
    letter = _issue(db_session, "CV", date(2023, 3, 10))
    report = _issue(db_session, "BC", date(2023, 4, 28))
    assert (letter.number, letter.notation) == (1, "01/SVHTTDL-QLVHGĐ")
    assert (report.number, report.notation) == (2, "02/BC-SVHTTDL")
    assert (letter.year, letter.signer_capacity, letter.drafting_unit) == (
        2023,
        "KT.",
        "QLVHGĐ",
    )


def test_per_type_sequences_number_each_type_from_one(db_session: Session) -> None:
    mapping = {"QĐ": "qd"}
    first_letter = _issue(db_session, "CV", date(2023, 3, 1), mapping=mapping)
    decision = _issue(db_session, "QĐ", date(2023, 3, 2), mapping=mapping)
    second_letter = _issue(db_session, "CV", date(2023, 3, 3), mapping=mapping)
    assert decision.notation == "01/QĐ-SVHTTDL"
    assert decision.sequence_key == "qd"
    assert [first_letter.number, second_letter.number] == [1, 2]


def test_outgoing_numbers_restart_with_the_issue_year(db_session: Session) -> None:
    december = _issue(db_session, "CV", date(2023, 12, 31))
    _issue(db_session, "CV", date(2023, 12, 31))
    january = _issue(db_session, "CV", date(2024, 1, 1))
    assert (december.number, december.year) == (1, 2023)
    assert (january.number, january.year, january.notation) == (
        1,
        2024,
        "01/SVHTTDL-QLVHGĐ",
    )


def test_outgoing_register_lists_one_agency_year_in_number_order(
    db_session: Session,
) -> None:
    _issue(db_session, "CV", date(2023, 3, 1))
    _issue(db_session, "BC", date(2023, 3, 2))
    _issue(db_session, "CV", date(2024, 1, 5))
    _issue(db_session, "CV", date(2023, 3, 3), agency="UBND-LS")
    _issue(db_session, "TB", date(2023, 3, 4))
    rows = outgoing_register(db_session, AGENCY, 2023)
    assert [row.notation for row in rows] == [
        "01/SVHTTDL-QLVHGĐ",
        "02/BC-SVHTTDL",
        "03/TB-SVHTTDL",
    ]
    reports = outgoing_register(db_session, AGENCY, 2023, document_type="BC")
    assert [row.number for row in reports] == [2]


def test_unknown_signer_capacity_is_refused_before_a_number_is_taken(
    db_session: Session,
) -> None:
    with pytest.raises(ValueError):
        issue_outgoing(
            db_session,
            agency_code=AGENCY,
            agency_notation="SVHTTDL",
            document_type="CV",
            drafting_unit_notation="QLVHGĐ",
            subject="V/v thử",
            issued_date=date(2023, 3, 1),
            signer_username="hoa.pv",
            signer_capacity="PGĐ",
        )
    assert _issue(db_session, "CV", date(2023, 3, 1)).number == 1


# --- incoming register -------------------------------------------------------------------


def _arrive(
    session: Session,
    arrival: date,
    *,
    number_code: str = "2104-CV/BTGTU",
    issuer: str = "Ban Tuyên giáo Tỉnh ủy Lạng Sơn",
    doc_date: date = date(2023, 3, 3),
) -> IncomingDocument:
    return register_arrival(
        session,
        agency_code=AGENCY,
        arrival_date=arrival,
        issuer=issuer,
        number_code=number_code,
        doc_date=doc_date,
        subject="Hướng dẫn tuyên truyền các ngày lễ lớn",
        urgency="thuong",
        reference="case-1",
    )


def test_register_arrival_gives_consecutive_arrival_numbers(
    db_session: Session,
) -> None:
    first = _arrive(db_session, date(2023, 3, 6))
    second = _arrive(db_session, date(2023, 3, 7), number_code="15-CV/TU", doc_date=date(2023, 3, 6))
    assert (first.year, first.arrival_number, first.status) == (2023, 1, "open")
    assert second.arrival_number == 2
    assert first.lead_unit is None and first.closed_at is None


def test_arrival_numbers_restart_on_first_january(db_session: Session) -> None:
    late = _arrive(db_session, date(2023, 12, 31), doc_date=date(2023, 12, 29))
    early = _arrive(db_session, date(2024, 1, 1), number_code="1-CV/TU", doc_date=date(2023, 12, 30))
    assert (late.year, late.arrival_number) == (2023, 1)
    assert (early.year, early.arrival_number) == (2024, 1)


def test_arrival_and_outgoing_sequences_do_not_share_numbers(
    db_session: Session,
) -> None:
    _issue(db_session, "CV", date(2023, 3, 1))
    _issue(db_session, "CV", date(2023, 3, 2))
    assert _arrive(db_session, date(2023, 3, 6)).arrival_number == 1


def test_unknown_urgency_is_refused(db_session: Session) -> None:
    with pytest.raises(ValueError):
        register_arrival(
            db_session,
            agency_code=AGENCY,
            arrival_date=date(2023, 3, 6),
            issuer="Tỉnh ủy",
            number_code="1-CV/TU",
            doc_date=date(2023, 3, 3),
            subject="Thử",
            urgency="very-urgent",
        )


def test_find_duplicates_warns_on_same_issuer_and_number_code(
    db_session: Session,
) -> None:
    original = _arrive(db_session, date(2023, 3, 6))
    _arrive(
        db_session,
        date(2023, 3, 6),
        number_code="2105-CV/BTGTU",
        doc_date=date(2023, 3, 4),
    )
    found = find_duplicates(
        db_session,
        AGENCY,
        "Ban Tuyên giáo  Tỉnh ủy Lạng Sơn ",
        " 2104-CV/BTGTU",
        date(2023, 3, 3),
    )
    assert [doc.id for doc in found] == [original.id]


def test_find_duplicates_matches_decomposed_vietnamese_text(
    db_session: Session,
) -> None:
    original = _arrive(db_session, date(2023, 3, 6))
    # Some keyboards send "ê", "á"... as a base letter plus a combining mark (NFD).
    issuer = unicodedata.normalize("NFD", "Ban Tuyên giáo Tỉnh ủy Lạng Sơn")
    assert issuer != "Ban Tuyên giáo Tỉnh ủy Lạng Sơn"
    found = find_duplicates(db_session, AGENCY, issuer, "2104-CV/BTGTU", date(2023, 3, 3))
    assert found == [original]


def test_find_duplicates_ignores_other_issuers_years_and_agencies(
    db_session: Session,
) -> None:
    _arrive(db_session, date(2023, 3, 6))
    issuer = "Ban Tuyên giáo Tỉnh ủy Lạng Sơn"
    assert find_duplicates(db_session, AGENCY, "Tỉnh ủy", "2104-CV/BTGTU", date(2023, 3, 3)) == []
    assert find_duplicates(db_session, AGENCY, issuer, "2104-CV/BTGTU", date(2022, 3, 3)) == []
    assert find_duplicates(db_session, "UBND-LS", issuer, "2104-CV/BTGTU", date(2023, 3, 3)) == []


def test_find_duplicates_catches_a_mistyped_day_in_the_same_year(
    db_session: Session,
) -> None:
    original = _arrive(db_session, date(2023, 3, 6))
    found = find_duplicates(
        db_session,
        AGENCY,
        "Ban Tuyên giáo Tỉnh ủy Lạng Sơn",
        "2104-CV/BTGTU",
        date(2023, 3, 30),
    )
    assert found == [original]


def test_assign_handling_records_lead_unit_and_deadline(db_session: Session) -> None:
    doc = _arrive(db_session, date(2023, 3, 6))
    assign_handling(db_session, doc, "QLVHGĐ", date(2023, 3, 20))
    db_session.expire_all()
    stored = db_session.get(IncomingDocument, doc.id)
    assert stored is not None
    assert (stored.lead_unit, stored.handling_deadline) == ("QLVHGĐ", date(2023, 3, 20))


def test_assign_handling_refuses_a_deadline_before_arrival(
    db_session: Session,
) -> None:
    doc = _arrive(db_session, date(2023, 3, 6))
    with pytest.raises(ValueError):
        assign_handling(db_session, doc, "QLVHGĐ", date(2023, 3, 5))


def test_close_arrival_records_the_reply(db_session: Session) -> None:
    doc = _arrive(db_session, date(2023, 3, 6))
    closed_at = datetime(2023, 4, 28, 15, 30, tzinfo=ICT)
    close_arrival(db_session, AGENCY, 2023, doc.arrival_number, "02/BC-SVHTTDL", closed_at)
    db_session.expire_all()
    stored = db_session.get(IncomingDocument, doc.id)
    assert stored is not None
    assert (stored.status, stored.reply_notation) == ("closed", "02/BC-SVHTTDL")
    assert stored.closed_at == closed_at
    assert stored.closed_at is not None and stored.closed_at.tzinfo is not None


def test_close_arrival_twice_with_the_same_reply_keeps_the_first_close(
    db_session: Session,
) -> None:
    doc = _arrive(db_session, date(2023, 3, 6))
    first = datetime(2023, 4, 28, 8, 0, tzinfo=UTC)
    close_arrival(db_session, AGENCY, 2023, 1, "02/BC-SVHTTDL", first)
    again = close_arrival(db_session, AGENCY, 2023, 1, "02/BC-SVHTTDL", first + timedelta(days=1))
    assert again.id == doc.id and again.closed_at == first
    with pytest.raises(ArrivalClosed) as caught:
        close_arrival(db_session, AGENCY, 2023, 1, "03/BC-SVHTTDL", first)
    assert caught.value.reply_notation == "02/BC-SVHTTDL"
    with pytest.raises(ArrivalClosed):
        assign_handling(db_session, doc, "VP", None)


def test_close_arrival_of_an_unknown_number(db_session: Session) -> None:
    _arrive(db_session, date(2023, 3, 6))
    with pytest.raises(ArrivalNotFound):
        close_arrival(
            db_session,
            AGENCY,
            2024,
            1,
            "02/BC-SVHTTDL",
            datetime(2024, 1, 2, tzinfo=UTC),
        )


def test_close_arrival_refuses_a_naive_datetime(db_session: Session) -> None:
    _arrive(db_session, date(2023, 3, 6))
    with pytest.raises(ValueError):
        close_arrival(db_session, AGENCY, 2023, 1, "02/BC-SVHTTDL", datetime(2023, 4, 28))


def test_incoming_register_lists_one_year_in_arrival_order(
    db_session: Session,
) -> None:
    _arrive(db_session, date(2023, 3, 6))
    _arrive(db_session, date(2023, 3, 7), number_code="9-CV/TU")
    _arrive(db_session, date(2024, 1, 2), number_code="1-CV/TU", doc_date=date(2024, 1, 2))
    rows = incoming_register(db_session, AGENCY, 2023)
    assert [(row.arrival_number, row.number_code) for row in rows] == [
        (1, "2104-CV/BTGTU"),
        (2, "9-CV/TU"),
    ]


# --- outbox ------------------------------------------------------------------------------


def _queue(session: Session, created_at: datetime, recipient: str) -> Notification:
    return queue_notification(
        session,
        created_at=created_at,
        channel="internal",
        recipient_kind="unit",
        recipient=recipient,
        kind="reminder",
        subject="Nhắc hạn báo cáo",
        body="Đề nghị gửi báo cáo trước ngày 25/4/2023.",
        reference="instance-7",
    )


def test_queued_notifications_are_pending_oldest_first(db_session: Session) -> None:
    late = _queue(db_session, datetime(2023, 4, 20, 9, 0, tzinfo=ICT), "TTVH-CL")
    early = _queue(db_session, datetime(2023, 4, 20, 1, 0, tzinfo=UTC), "TTVH-LB")
    sent = _queue(db_session, datetime(2023, 4, 19, tzinfo=UTC), "TTVH-BS")
    sent.sent_at = datetime(2023, 4, 19, 1, 0, tzinfo=UTC)
    db_session.flush()
    db_session.expire_all()
    pending = pending_notifications(db_session)
    # 09:00 in Hà Nội is 02:00 UTC: queued first, but later than the 01:00 UTC one.
    assert [row.id for row in pending] == [early.id, late.id]
    assert pending[1].created_at == datetime(2023, 4, 20, 2, 0, tzinfo=UTC)
    assert pending[0].attempts == 0 and pending[0].last_error is None
    assert [row.id for row in pending_notifications(db_session, limit=1)] == [early.id]


@pytest.mark.parametrize(
    ("field", "value"),
    [("channel", "sms"), ("recipient_kind", "group")],
)
def test_queue_notification_refuses_unknown_codes(db_session: Session, field: str, value: str) -> None:
    arguments = {"channel": "email", "recipient_kind": "user", field: value}
    with pytest.raises(ValueError):
        queue_notification(
            db_session,
            created_at=datetime(2023, 4, 20, tzinfo=UTC),
            recipient="hoa.pv",
            kind="escalation",
            subject="Quá hạn",
            body="",
            **arguments,
        )


def test_queue_notification_refuses_a_naive_datetime(db_session: Session) -> None:
    with pytest.raises(ValueError):
        _queue(db_session, datetime(2023, 4, 20, 9, 0), "TTVH-CL")
