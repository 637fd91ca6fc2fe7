"""The forms of the reminder round's steps (bpmn/reminder_round.bpmn), one per ``formKey``.

The clerk's issuing step uses the directive's own ``issue`` form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, validates_schema

from workflows.directive.forms import ReviewForm, SignForm
from workflows.forms.base import FormSchema, Text, dmy, nonblank
from workflows.forms.messages import Message

ROUND_DEADLINE_PASSED = Message(
    "round_deadline_passed",
    "The new deadline {deadline} set by this reminder has passed (today is {today}): start a new round.",
    "Hạn mới {deadline} của lần đôn đốc này đã qua (hôm nay {today}): hãy bắt đầu một lần đôn đốc mới.",
)


class RoundDraftForm(FormSchema):
    """Dự thảo công văn đôn đốc: the specialist checks and edits the letter the product drafted."""

    letter_subject = Text("Trích yếu", "Subject", required=True, validate=nonblank(500))
    letter_body = Text("Nội dung công văn", "Letter text", required=True, validate=nonblank(20_000))


class _DeadlineAhead:
    """Approving or signing a reminder whose new deadline has passed would ask for the impossible."""

    form_context: Mapping[str, Any]

    @validates_schema(skip_on_field_errors=False)
    def _round_deadline_ahead(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("decision") not in ("approve", "sign"):
            return
        task_data: Mapping[str, Any] = self.form_context.get("task_data") or {}
        today = self.form_context.get("today")
        try:
            deadline = dt.date.fromisoformat(str(task_data.get("new_deadline")))
        except ValueError:
            return
        if isinstance(today, dt.date) and deadline < today:
            message = ROUND_DEADLINE_PASSED.format(deadline=dmy(deadline), today=dmy(today))
            raise ValidationError(message, field_name="decision")


class RoundReviewForm(_DeadlineAhead, ReviewForm):
    """Kiểm tra công văn đôn đốc: the division head approves the letter or returns it."""


class RoundSignForm(_DeadlineAhead, SignForm):
    """Ký công văn đôn đốc: the leader signs the letter or returns it."""


ROUND_FORMS: dict[str, type[FormSchema]] = {
    "round_draft": RoundDraftForm,
    "round_review": RoundReviewForm,
    "round_sign": RoundSignForm,
}
