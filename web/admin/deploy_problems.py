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
    # The domain's checks (workflows/deploy_checks.py), passed to the engine through its port.
    (re.compile(r"the form '(.+)' does not exist"), lambda m: _("Biểu mẫu “%(key)s” không tồn tại.", key=m[1])),
    (
        re.compile(r"the lane '(.+)' is not a role of the org chart"),
        lambda m: _("Làn “%(lane)s” không phải một vai trò của sơ đồ tổ chức.", lane=m[1]),
    ),
]

_HINTS: Final[list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]] = [
    (re.compile(r"split it or remove images$"), lambda m: _("Tách thành nhiều tệp hoặc bỏ hình ảnh nhúng.")),
    (
        re.compile(r"BPMN needs none; entities are never expanded$"),
        lambda m: _("BPMN không cần DOCTYPE; hãy xoá dòng <!DOCTYPE …>."),
    ),
    (
        re.compile(r"scripts see task data only$"),
        lambda m: _("Biểu thức chỉ thấy dữ liệu của hồ sơ và các hàm được phép."),
    ),
    (
        re.compile(r"set calledElement to a process id$"),
        lambda m: _("Điền calledElement bằng mã của quy trình được gọi."),
    ),
    (re.compile(r"deploy it first$"), lambda m: _("Triển khai quy trình được gọi trước, hoặc đưa nó vào cùng tệp.")),
    (re.compile(r"connect a flow into it or remove it$"), lambda m: _("Nối một luồng vào nó hoặc xoá nó.")),
    (re.compile(r"end the path with an end event$"), lambda m: _("Kết thúc nhánh này bằng một sự kiện kết thúc.")),
    (re.compile(r"give the loop a way out$"), lambda m: _("Cho vòng lặp một lối ra tới sự kiện kết thúc.")),
    (
        re.compile(r"name the lane after a role of the org chart: (.*)$"),
        lambda m: _("Đặt mã làn là một vai trò của sơ đồ tổ chức: %(roles)s.", roles=m[1]),
    ),
    (
        re.compile(r"use a form of the application or one designed under"),
        lambda m: _(
            "Dùng một biểu mẫu có sẵn của ứng dụng, hoặc biểu mẫu thiết kế ở mục Biểu mẫu (designed:<mã>:<phiên bản>)."
        ),
    ),
    (
        re.compile(r"a designed form is named designed:"),
        lambda m: _("Biểu mẫu thiết kế được gọi là designed:<mã>:<phiên bản>, ví dụ designed:format_check:2."),
    ),
    (
        re.compile(r"save the form under Biểu mẫu first"),
        lambda m: _("Lưu biểu mẫu ở mục Biểu mẫu trước, hoặc chọn một phiên bản đã có."),
    ),
]

# SpiffWorkflow's parser's messages, and what to do about each.
_SPIFF: Final[list[tuple[re.Pattern[str], Callable[[re.Match[str]], str], Callable[[], str]]]] = [
    (
        re.compile(r"Non-default exclusive outgoing sequence flow without condition"),
        lambda m: _("Luồng ra của cổng loại trừ không có điều kiện và không phải luồng mặc định."),
        lambda: _("Thêm điều kiện cho luồng, hoặc đặt nó làm luồng mặc định của cổng."),
    ),
    (
        re.compile(r"Multiple outgoing flows are not supported for tasks"),
        lambda m: _("Bước có nhiều luồng đi ra; bộ máy không rẽ nhánh ngay từ một bước."),
        lambda: _("Đặt một cổng (song song hoặc loại trừ) sau bước rồi rẽ nhánh từ cổng."),
    ),
    (
        re.compile(r"Exactly one start event is required in a SubWorkflow Task; found (\d+)"),
        lambda m: _("Quy trình con cần đúng một sự kiện bắt đầu; đang có %(count)s.", count=m[1]),
        lambda: _("Vẽ một sự kiện bắt đầu bên trong quy trình con."),
    ),
    (
        re.compile(r"Data Store with name (.+?) has no implementation", re.DOTALL),
        lambda m: _("Kho dữ liệu “%(name)s” không có cài đặt trong bộ máy.", name=" ".join(m[1].split())),
        lambda: _("Bỏ kho dữ liệu khỏi quy trình cần chạy; nó chỉ dùng để mô tả."),
    ),
]
_DATA_STORE: Final = re.compile(r"Data Store with name (.+?) has no implementation", re.DOTALL)

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


def _hint(hint: str) -> str:
    for pattern, words in _HINTS:
        match = pattern.search(hint)
        if match:
            return str(words(match))
    return hint


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
                    _hint(detail.hint),
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
    message = " ".join(str(cause.args[0] if cause.args else cause).split())
    element_id = getattr(cause, "id", "") or None
    store = _DATA_STORE.search(message)
    if element_id is None and store:
        # The parser names a data store by its name only: find the element that bears it.
        wanted = " ".join(store[1].split())
        element_id = next((i for i, (_t, name) in elements.items() if " ".join(name.split()) == wanted), None)
    element = elements.get(element_id or "", (str(getattr(cause, "tag", "")).rpartition(":")[2], ""))
    said, hint = _("Trình phân tích BPMN từ chối: %(reason)s", reason=message), ""
    for pattern, words, advice in _SPIFF:
        match = pattern.search(message)
        if match:
            said, hint = words(match), advice()
            break
    line = getattr(cause, "line_number", "")
    if line:
        hint = " ".join([hint, _("(dòng %(line)s của tệp)", line=line)]).strip()
    return Shown(said, element_id, getattr(cause, "name", "") or element[1] or None, element[0] or None, hint)


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
