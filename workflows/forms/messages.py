"""The bilingual (Vietnamese / English) catalogue of form error messages.

Design: a message is a :class:`Message`, a ``str`` subclass whose text is the English template and
which carries the Vietnamese template and a stable code beside it. marshmallow only ever calls
``.format(**kwargs)`` on a message and stores the result, so overriding ``format`` to fill *both*
templates lets each ``ValidationError`` travel through marshmallow (nested schemas, lists, error
merging) with both languages and the code intact. Nothing is translated after the fact from English
text, which would break whenever a value is interpolated or marshmallow rewords a message.

Our field classes take their default messages from :data:`MARSHMALLOW_MESSAGES`, which maps each
English template of marshmallow 3 and 4 (identical in both for the fields we use) to a bilingual
message. :func:`bilingual` is the safety net for a plain string that still reaches us (for example a
``ValidationError("…")`` raised by hand): it matches marshmallow's templates, else it keeps the
English text and gives a generic Vietnamese one.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from string import Formatter
from typing import Any, Self


class Message(str):
    """An English message template that also carries its Vietnamese template and a code."""

    code: str
    vi: str

    def __new__(cls, code: str, en: str, vi: str) -> Self:
        obj = super().__new__(cls, en)
        obj.code = code
        obj.vi = vi
        return obj

    @property
    def en(self) -> str:
        """The English text."""
        return str.__str__(self)

    def format(self, *args: object, **kwargs: object) -> Message:
        """Fill both templates with the same values, keeping the code."""
        return Message(self.code, self.en.format(*args, **kwargs), self.vi.format(*args, **kwargs))

    # Immutable: copies (marshmallow deep-copies declared fields) may share the instance.
    def __copy__(self) -> Message:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Message:
        return self

    def __getnewargs__(self) -> tuple[str, str, str]:  # type: ignore[override]
        return (self.code, self.en, self.vi)

    def __repr__(self) -> str:
        return f"Message({self.code!r}, {self.en!r}, {self.vi!r})"


# --- Generic messages -------------------------------------------------------------------------

REQUIRED = Message("required", "Required field.", "Trường bắt buộc.")
NULL = Message("null", "May not be null.", "Không được để giá trị rỗng (null).")
INVALID_VALUE = Message("invalid", "Invalid value.", "Giá trị không hợp lệ.")
NOT_A_STRING = Message("not_a_string", "Must be text.", "Phải là chuỗi ký tự.")
INVALID_UTF8 = Message("invalid_utf8", "Not a valid UTF-8 string.", "Chuỗi ký tự không hợp lệ (UTF-8).")
INVALID_DATE = Message(
    "invalid_date",
    "Not a valid date (format YYYY-MM-DD).",
    "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
)
DATE_OUT_OF_RANGE = Message(
    "date_out_of_range",
    "The date must be between {first} and {last}, the years the working calendar covers.",
    "Ngày phải trong khoảng từ {first} đến {last} (các năm lịch làm việc của hệ thống có dữ liệu).",
)
NOT_AN_INTEGER = Message("not_an_integer", "Must be a whole number.", "Phải là số nguyên.")
NUMBER_TOO_LARGE = Message("too_large", "Number too large.", "Số quá lớn.")
NOT_A_LIST = Message("not_a_list", "Must be a list.", "Phải là một danh sách.")
NOT_AN_OBJECT = Message("not_an_object", "Must be an object of named fields.", "Phải là một đối tượng gồm các trường.")
UNKNOWN_FIELD = Message("unknown_field", "Unknown field.", "Trường không có trong biểu mẫu.")

# --- Messages of our validators (see workflows/forms/base.py) ---------------------------------

BLANK = Message("blank", "Must not be blank.", "Không được để trống.")
TOO_LONG = Message("too_long", "At most {max} characters.", "Tối đa {max} ký tự.")
TOO_FEW_ITEMS = Message("too_few_items", "At least {min} item(s) required.", "Cần ít nhất {min} mục.")
NON_NEGATIVE = Message("non_negative", "Must be a non-negative whole number.", "Phải là số nguyên không âm.")
NOT_ALLOWED = Message(
    "not_allowed",
    'Value not allowed: "{input}". Allowed: {labels}.',
    'Giá trị không được phép: "{input}". Các giá trị được phép: {labels}.',
)

# --- Rules of the directive forms (see workflows/directive/forms.py) --------------------------

BAD_DOCUMENT_NUMBER = Message(
    "bad_document_number",
    "Not a valid number and notation (e.g. 15/UBND-VX or 12-CV/TU).",
    "Số ký hiệu không đúng dạng (ví dụ: 15/UBND-VX hoặc 12-CV/TU).",
)
DATE_AFTER_RECEIVED = Message(
    "date_after_received",
    "The document date may not be later than the date it was received.",
    "Ngày văn bản không được sau ngày nhận.",
)
LEAD_ALSO_SUPPORTING = Message(
    "lead_also_supporting",
    "The lead division may not also be a supporting division.",
    "Đơn vị chủ trì không được đồng thời là đơn vị phối hợp.",
)
COMMENT_REQUIRED_TO_RETURN = Message(
    "comment_required_to_return",
    "A comment is required to return the draft.",
    "Cần nhập ý kiến khi trả lại dự thảo.",
)
COMMENT_REQUIRED_FOR_MORE = Message(
    "comment_required_for_more",
    "Say what the report is missing when asking for more.",
    "Cần nêu nội dung cần bổ sung khi yêu cầu bổ sung báo cáo.",
)
RESUBMIT_BY_REQUIRED = Message(
    "resubmit_by_required",
    "A resubmission date is required when asking for more.",
    "Cần nhập hạn nộp lại khi yêu cầu bổ sung báo cáo.",
)
RECEIVED_IN_FUTURE = Message(
    "received_in_future",
    "The date received may not be later than today ({today}).",
    "Ngày đến không được sau ngày hôm nay ({today}).",
)
DEADLINE_PAST = Message(
    "deadline_past",
    "The deadline may not be before today ({today}).",
    "Thời hạn không được trước ngày hôm nay ({today}).",
)
DEADLINE_DAY_OFF = Message(
    "deadline_day_off",
    "{day} is not a working day ({why_en}): choose a working day, e.g. {suggestion_en}.",
    "Ngày {day} là ngày nghỉ ({why_vi}): chọn một ngày làm việc, ví dụ {suggestion_vi}.",
)
DRAFT_DEADLINE_PASSED = Message(
    "draft_deadline_passed",
    "The draft's report deadline ({deadline}) is before today ({today}), so before the date the letter "
    "will bear: return the draft for the report deadline to be changed.",
    "Hạn báo cáo trong dự thảo ({deadline}) đã trước ngày hôm nay ({today}), tức trước ngày của công văn: "
    "trả lại dự thảo để sửa hạn báo cáo.",
)
RESUBMIT_BY_PAST = Message(
    "resubmit_by_past",
    "The resubmission date may not be before today ({today}).",
    "Hạn nộp lại không được trước ngày hôm nay ({today}).",
)

REPORT_DEADLINE_REQUIRED = Message(
    "report_deadline_required",
    "A report deadline is required when units must report.",
    "Cần nhập hạn báo cáo khi yêu cầu đơn vị báo cáo.",
)
BAD_NAME = Message(
    "bad_name",
    "Use lower-case letters without diacritics, digits and _ , starting with a letter (e.g. so_buoi).",
    "Chỉ dùng chữ thường không dấu, chữ số và dấu _, bắt đầu bằng chữ (ví dụ: so_buoi).",
)
DUPLICATE_NAME = Message(
    "duplicate_name",
    'The name "{name}" is used twice: each figure and question needs its own.',
    'Tên "{name}" bị trùng: mỗi số liệu, câu hỏi cần một tên riêng.',
)
NAMED_GROUP_NOT_CHOSEN = Message(
    "named_group_not_chosen",
    "Only a recipient group the directive goes to can have its units named one by one.",
    "Chỉ ghi tên từng đơn vị cho nhóm nơi nhận đã chọn.",
)
NOT_OWN_DIVISION = Message(
    "not_own_division",
    "You can start a directive only for a division where you are its head or specialist.",
    "Chỉ được soạn công văn mới cho phòng mà mình là trưởng phòng hoặc chuyên viên.",
)


# --- marshmallow's own templates --------------------------------------------------------------


def _range_templates() -> dict[str, Message]:
    """Range's templates after it interpolates its bound words (``Must be greater than … {min}.``)."""
    lower = [("greater than or equal to", "lớn hơn hoặc bằng"), ("greater than", "lớn hơn")]
    upper = [("less than or equal to", "nhỏ hơn hoặc bằng"), ("less than", "nhỏ hơn")]
    found: dict[str, Message] = {}
    for en, vi in lower:
        found[f"Must be {en} {{min}}."] = Message("range", f"Must be {en} {{min}}.", f"Phải {vi} {{min}}.")
    for en, vi in upper:
        found[f"Must be {en} {{max}}."] = Message("range", f"Must be {en} {{max}}.", f"Phải {vi} {{max}}.")
    for (en_lo, vi_lo), (en_hi, vi_hi) in itertools.product(lower, upper):
        en = f"Must be {en_lo} {{min}} and {en_hi} {{max}}."
        found[en] = Message("range", en, f"Phải {vi_lo} {{min}} và {vi_hi} {{max}}.")
    return found


def _same(code: str, en: str, vi: str) -> tuple[str, Message]:
    """An entry whose English text is marshmallow's own."""
    return en, Message(code, en, vi)


#: marshmallow's English templates (fields' ``default_error_messages``, ``Schema`` and ``validate``)
#: mapped to our bilingual messages. Placeholders are kept so that :func:`bilingual` can re-read a
#: formatted message.
MARSHMALLOW_MESSAGES: Mapping[str, Message] = {
    "Missing data for required field.": REQUIRED,
    "Field may not be null.": NULL,
    "Invalid value.": INVALID_VALUE,
    "Not a valid string.": NOT_A_STRING,
    "Not a valid utf-8 string.": INVALID_UTF8,
    "Not a valid date.": INVALID_DATE,
    "Not a valid integer.": NOT_AN_INTEGER,
    "Number too large.": NUMBER_TOO_LARGE,
    "Not a valid list.": NOT_A_LIST,
    "Invalid type.": NOT_AN_OBJECT,
    "Invalid input type.": NOT_AN_OBJECT,
    "Unknown field.": UNKNOWN_FIELD,
    "Not a valid mapping type.": NOT_AN_OBJECT,
    **dict(
        [
            _same("invalid_number", "Not a valid number.", "Phải là số."),
            _same(
                "special_number",
                "Special numeric values (nan or infinity) are not permitted.",
                "Không chấp nhận giá trị số đặc biệt (nan, vô cực).",
            ),
            _same("invalid_boolean", "Not a valid boolean.", "Phải là giá trị đúng hoặc sai."),
            _same("invalid_tuple", "Not a valid tuple.", "Phải là một bộ giá trị."),
            _same(
                "invalid_temporal",
                "Not a valid {obj_type}.",
                "Giá trị thời gian không hợp lệ ({obj_type}).",
            ),
            _same(
                "invalid_awareness",
                "Not a valid {awareness} {obj_type}.",
                "Giá trị thời gian không hợp lệ ({awareness} {obj_type}).",
            ),
            _same(
                "format",
                '"{input}" cannot be formatted as a date.',
                '"{input}" không định dạng được thành ngày.',
            ),
            _same(
                "format",
                '"{input}" cannot be formatted as a {obj_type}.',
                '"{input}" không định dạng được thành {obj_type}.',
            ),
            _same("invalid_email", "Not a valid email address.", "Địa chỉ email không hợp lệ."),
            _same("invalid_url", "Not a valid URL.", "Địa chỉ URL không hợp lệ."),
            _same("invalid_uuid", "Not a valid UUID.", "UUID không hợp lệ."),
            _same("length", "Shorter than minimum length {min}.", "Độ dài tối thiểu là {min}."),
            _same("length", "Longer than maximum length {max}.", "Độ dài tối đa là {max}."),
            _same(
                "length",
                "Length must be between {min} and {max}.",
                "Độ dài phải từ {min} đến {max}.",
            ),
            _same("length", "Length must be {equal}.", "Độ dài phải bằng {equal}."),
            _same("one_of", "Must be one of: {choices}.", "Phải là một trong các giá trị: {choices}."),
            _same(
                "contains_only",
                "One or more of the choices you made was not in: {choices}.",
                "Có lựa chọn không thuộc: {choices}.",
            ),
            _same(
                "contains_none_of",
                "One or more of the choices you made was in: {values}.",
                "Có lựa chọn thuộc danh sách bị loại trừ: {values}.",
            ),
            _same("equal", "Must be equal to {other}.", "Phải bằng {other}."),
            _same(
                "pattern",
                "String does not match expected pattern.",
                "Chuỗi không đúng dạng yêu cầu.",
            ),
            _same("invalid_input", "Invalid input.", "Dữ liệu không hợp lệ."),
        ]
    ),
    **_range_templates(),
}


def _pattern(template: str) -> re.Pattern[str]:
    """A regex reading a message formatted from ``template`` back into its values."""
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, _spec, _conversion in Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
            seen.add(name)
    return re.compile("".join(parts), re.DOTALL)


def _literal_length(template: str) -> int:
    return sum(len(literal) for literal, *_ in Formatter().parse(template))


# Most specific first, so that "Must be … {min} and … {max}." is not read as "Must be … {min}.".
_PATTERNS = [
    (_pattern(template), message)
    for template, message in sorted(MARSHMALLOW_MESSAGES.items(), key=lambda item: -_literal_length(item[0]))
    if "{" in template
]


def bilingual(text: str) -> Message:
    """Return ``text`` as a bilingual :class:`Message`, recognising marshmallow's templates."""
    if isinstance(text, Message):
        return text
    known = MARSHMALLOW_MESSAGES.get(text)
    if known is not None:
        return known
    for pattern, message in _PATTERNS:
        matched = pattern.fullmatch(text)
        if matched:
            return message.format(**matched.groupdict())
    return Message("invalid", text, INVALID_VALUE.vi)


def bilingual_defaults(*field_classes: type, **overrides: Message) -> dict[str, Any]:
    """Default error messages of marshmallow field classes (and their bases), made bilingual."""
    collected: dict[str, str] = {}
    for field_class in field_classes:
        for klass in reversed(field_class.__mro__):
            collected.update(vars(klass).get("default_error_messages", {}))
    merged: dict[str, Any] = {key: bilingual(text) for key, text in collected.items()}
    merged.update(overrides)
    return merged
