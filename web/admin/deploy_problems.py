"""The reasons a BPMN file is refused, in the page's words: each with its element's id, name and a hint.

The engine names its problems in English (engine/bpmn_checks.py, engine/definitions.py), some as
`Problem`s that carry the element, some as text that names it, and SpiffWorkflow's parser raises
its own exception with the element it stopped at. This module brings them to one shape, fills in
the element's name and type from the file, and says each in the catalogue's words, so that the
administrator reads "Bước 'Duyệt' không đến được từ sự kiện bắt đầu" rather than the engine's text.
A message this module does not know is shown as the engine gave it, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from flask_babel import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from engine.bpmn_checks import Problem
from engine.errors import DeploymentError

BPMN_NS: Final = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class Shown:
    """One problem as the page lists it: the element (None: the whole file), what is wrong, what to do."""

    message: str
    element_id: str | None = None
    element_name: str | None = None
    element_type: str | None = None
    hint: str = ""


def elements_of(xml: bytes) -> tuple[Any | None, dict[str, tuple[str, str]]]:
    """The file's root (None when it is not XML) and each element's (type, name) by id."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None, {}
    found: dict[str, tuple[str, str]] = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("id"):
            found.setdefault(element.get("id"), (str(element.tag).rpartition("}")[2], element.get("name") or ""))
    return root, found


def _what(text: str) -> str:
    """The thing an expression problem is about, in words."""
    known = {
        "the script": _("kịch bản"),
        "the pre-script": _("kịch bản trước bước"),
        "the post-script": _("kịch bản sau bước"),
        "the condition": _("điều kiện"),
        "the timer's timeDate": _("thời điểm của bộ hẹn giờ"),
        "the timer's timeDuration": _("thời lượng của bộ hẹn giờ"),
        "the timer's timeCycle": _("chu kỳ của bộ hẹn giờ"),
        "the loopCardinality": _("số lần lặp"),
        "the completionCondition": _("điều kiện kết thúc lặp"),
    }
    if text.startswith("the property "):
        return str(_("thuộc tính %(name)s", name=text.removeprefix("the property ")))
    return str(known.get(text, text))


# Each engine message (English) and its words for the page; groups of the pattern fill the words.
_MESSAGES: Final[list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]] = [
    (
        re.compile(r"the file has ([\d,]+) bytes, more than ([\d,]+)"),
        lambda m: _("Tệp có %(size)s byte, quá giới hạn %(limit)s byte.", size=m[1], limit=m[2]),
    ),
    (re.compile(r"a DOCTYPE is not allowed"), lambda m: _("Tệp có khai báo DOCTYPE, điều không được phép.")),
    (
        re.compile(r"the file has ([\d,]+) XML elements, more than ([\d,]+)"),
        lambda m: _("Tệp có %(count)s phần tử XML, quá giới hạn %(limit)s.", count=m[1], limit=m[2]),
    ),
    (
        re.compile(r"(.+?) does not compile in the sandbox: (.*)", re.DOTALL),
        lambda m: _(
            "%(what)s không dịch được trong môi trường chạy an toàn: %(reason)s", what=_what(m[1]), reason=m[2]
        ),
    ),
    (re.compile(r"names no called process"), lambda m: _("Bước gọi quy trình không nêu quy trình được gọi.")),
    (
        re.compile(r"calls the process '(.+)', which is neither in this file nor deployed"),
        lambda m: _("Gọi quy trình “%(key)s”, quy trình này không có trong tệp và chưa được triển khai.", key=m[1]),
    ),
    (re.compile(r"cannot be reached from a start event"), lambda m: _("Không đến được từ sự kiện bắt đầu nào.")),
    (
        re.compile(r"has no outgoing flow and is not an end event"),
        lambda m: _("Không có luồng đi ra và không phải sự kiện kết thúc."),
    ),
    (re.compile(r"never leads to an end event"), lambda m: _("Không bao giờ dẫn tới sự kiện kết thúc.")),
    (re.compile(r"user task '(.+)' is in no lane"), lambda m: _("Bước của người dùng không nằm trong làn nào.")),
    (
        re.compile(r"user task '(.+)' lacks the property '(.+)'"),
        lambda m: _("Bước của người dùng thiếu thuộc tính %(name)s.", name=m[2]),
    ),
    (
        re.compile(r"timer '(.+)': cycle timers are not supported"),
        lambda m: _("Bộ hẹn giờ lặp chu kỳ chưa được hỗ trợ."),
    ),
    (
        re.compile(r"not well-formed XML: (.*)", re.DOTALL),
        lambda m: _("Tệp không phải XML hợp lệ: %(reason)s", reason=m[1]),
    ),
]

_HINTS: Final[dict[str, Callable[[], str]]] = {
    "split it or remove images": lambda: _("Tách thành nhiều tệp hoặc bỏ hình ảnh nhúng."),
    "BPMN needs none; entities are never expanded": lambda: _("BPMN không cần DOCTYPE; hãy xoá dòng <!DOCTYPE …>."),
    "scripts see task data only": lambda: _("Biểu thức chỉ thấy dữ liệu của hồ sơ và các hàm được phép."),
    "set calledElement to a process id": lambda: _("Điền calledElement bằng mã của quy trình được gọi."),
    "deploy it first": lambda: _("Triển khai quy trình được gọi trước, hoặc đưa nó vào cùng tệp."),
    "connect a flow into it or remove it": lambda: _("Nối một luồng vào nó hoặc xoá nó."),
    "end the path with an end event": lambda: _("Kết thúc nhánh này bằng một sự kiện kết thúc."),
    "give the loop a way out": lambda: _("Cho vòng lặp một lối ra tới sự kiện kết thúc."),
}

# Hints for the problems the engine words as text (no Problem to carry a hint), by a phrase of the text.
_TEXT_HINTS: Final[dict[str, Callable[[], str]]] = {
    "is in no lane": lambda: _("Đặt bước vào làn của vai trò sẽ làm nó (mã làn là mã vai trò)."),
    "lacks the property": lambda: _("Thêm thuộc tính này trong phần mở rộng của bước (trình soạn quy trình)."),
    "cycle timers are not supported": lambda: _("Dùng timeDuration hoặc timeDate thay cho timeCycle."),
    "not well-formed XML": lambda: _("Tải lên tệp .bpmn xuất từ trình soạn BPMN."),
}

_NAMED_IN_TEXT: Final = re.compile(r"^(?:user task|timer) '([^']+)'")


def _say(message: str) -> str:
    for pattern, words in _MESSAGES:
        match = pattern.match(message)
        if match:
            return words(match)
    return message


def _text_hint(message: str) -> str:
    return next((hint() for key, hint in _TEXT_HINTS.items() if key in message), "")


def explain(error: DeploymentError, elements: dict[str, tuple[str, str]]) -> list[Shown]:
    """Every problem of a refused file, in the page's words, with its element's id, type and name."""
    cause = error.__cause__
    if isinstance(cause, ValidationException):
        # SpiffWorkflow's parser stops at its first problem; its exception names the element.
        return [_spiff(cause, elements)]
    shown = []
    for detail in error.details:
        if isinstance(detail, Problem):
            element = elements.get(detail.element_id or "", ("", ""))
            shown.append(
                Shown(
                    _say(detail.message),
                    detail.element_id,
                    detail.element_name or element[1] or None,
                    element[0] or None,
                    _HINTS[detail.hint]() if detail.hint in _HINTS else detail.hint,
                )
            )
            continue
        text = str(detail)
        named = _NAMED_IN_TEXT.match(text)
        element_id = named[1] if named else None
        element = elements.get(element_id or "", ("", ""))
        shown.append(Shown(_say(text), element_id, element[1] or None, element[0] or None, _text_hint(text)))
    return shown


def _spiff(cause: ValidationException, elements: dict[str, tuple[str, str]]) -> Shown:
    message = str(cause.args[0] if cause.args else cause).strip()
    element_id = getattr(cause, "id", "") or None
    element = elements.get(element_id or "", (str(getattr(cause, "tag", "")).rpartition(":")[2], ""))
    line = getattr(cause, "line_number", "")
    hint = _("Trình phân tích BPMN dừng ở dòng %(line)s của tệp.", line=line) if line else ""
    return Shown(
        _("Trình phân tích BPMN từ chối: %(reason)s", reason=message),
        element_id,
        getattr(cause, "name", "") or element[1] or None,
        element[0] or None,
        hint,
    )


def not_executable(root: Any | None) -> list[Shown]:
    """Why a file with no executable process deploys nothing: each process it has, or what it is instead."""
    if root is None:
        return [Shown(_("Tệp không phải XML hợp lệ."), hint=_("Tải lên tệp .bpmn xuất từ trình soạn BPMN."))]
    if root.tag != f"{{{BPMN_NS}}}definitions":
        return [
            Shown(
                _("Tệp là XML nhưng không phải BPMN 2.0: phần tử gốc là <%(root)s>.", root=etree.QName(root).localname),
                hint=_("Tệp BPMN bắt đầu bằng <bpmn:definitions> của không gian tên BPMN 2.0 (OMG)."),
            )
        ]
    processes = list(root.iterfind(f"{{{BPMN_NS}}}process"))
    if not processes:
        return [
            Shown(
                _("Tệp BPMN không có quy trình nào (bpmn:process)."),
                hint=_("Một tệp chỉ có sơ đồ hợp tác hay lựa chọn thì không có gì để chạy."),
            )
        ]
    return [
        Shown(
            _('Quy trình không được đánh dấu là thực thi được (isExecutable="true").'),
            process.get("id"),
            process.get("name") or None,
            "process",
            _('Đặt isExecutable="true" cho quy trình cần chạy; một mô hình chỉ để mô tả thì không triển khai.'),
        )
        for process in processes
    ]


def general(message: str, hint: str = "") -> Shown:
    """A problem of the whole file."""
    return Shown(message, hint=hint)
