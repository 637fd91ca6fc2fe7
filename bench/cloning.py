"""Cloning a case the engine drove: its rows re-made with new ids, numbers, texts and dates.

Each serialized state is compiled once into pieces around what varies — task ids, child instance
ids, recipient unit codes, subject, numbers, issuer, urgency — and re-joined per clone, so a clone
costs string joins, not JSON parsing. A clone's task ids keep the template's last 28 hex digits
and get their own first 8, alike in task rows, `parent_task_id`, timer jobs and inside the states.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine.text import extend
from workflows.registers.outgoing import document_notation
from workflows.urgency import PRIORITY

OWN, DISTRICT, CENTRE = "don_vi_truc_thuoc_so", "phong_vhtt", "trung_tam_vhtt"
GROUP_OF_KIND = {"public_unit": OWN, "district_culture_office": DISTRICT, "district_culture_centre": CENTRE}
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
URGENCIES = {"thuong": 70, "khan": 20, "thuong_khan": 7, "hoa_toc": 3}
ISSUERS = {
    "Ban Tuyên giáo Tỉnh ủy": "CV/BTGTU",
    "Ủy ban nhân dân tỉnh Lạng Sơn": "UBND-KGVX",
    "Bộ Văn hóa, Thể thao và Du lịch": "BVHTTDL-VHCS",
    "Văn phòng Tỉnh ủy": "CV/VPTU",
}
TOPICS = (
    "Đẩy mạnh thông tin, tuyên truyền về công tác phòng, chống tham nhũng, tiêu cực",
    "Triển khai thực hiện Kế hoạch phòng, chống tham nhũng, tiêu cực năm {year}",
    "Tổ chức các hoạt động kỷ niệm Ngày thành lập Đảng Cộng sản Việt Nam",
    "Tăng cường quản lý hoạt động lễ hội đầu xuân năm {year}",
    "Tuyên truyền phòng, chống bạo lực gia đình trên địa bàn tỉnh",
    "Báo cáo kết quả thực hiện phong trào Toàn dân đoàn kết xây dựng đời sống văn hóa",
    "Tăng cường công tác bảo đảm an toàn phòng cháy, chữa cháy tại các di tích",
    "Triển khai Tháng hành động vì trẻ em năm {year}",
    "Tổ chức Ngày hội Văn hóa, Thể thao các dân tộc tỉnh Lạng Sơn lần thứ {n}",
    "Rà soát, thống kê di tích lịch sử - văn hóa cần tu bổ, tôn tạo",
    "Tăng cường quản lý hoạt động kinh doanh dịch vụ karaoke, vũ trường",
    "Thực hiện Chỉ thị về tiết kiệm, chống lãng phí trong cơ quan, đơn vị",
    "Hưởng ứng Ngày Sách và Văn hóa đọc Việt Nam năm {year}",
    "Quảng bá, xúc tiến du lịch Lạng Sơn tại Hội chợ Du lịch quốc tế",
    "Tổ chức Giải Việt dã truyền thống tỉnh Lạng Sơn năm {year}",
    "Báo cáo công tác gia đình 6 tháng đầu năm {year}",
    "Thực hiện quy tắc ứng xử nơi công cộng trên địa bàn tỉnh",
    "Tuyên truyền kỷ niệm Ngày Quốc khánh nước Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Kiểm tra công tác cải cách hành chính năm {year}",
    "Công khai, minh bạch tài sản, thu nhập để phòng ngừa tham nhũng",
)


@dataclass(frozen=True)
class Compiled:
    """A text cut around what varies: `segments[i]` joined by a task-id prefix, then slot i."""

    segments: tuple[tuple[str, ...], ...]
    slots: tuple[tuple[str, str], ...]

    def render(self, prefix: str, fill: Callable[[str, str], str]) -> str:
        """The text with every task id given `prefix` and every slot filled."""
        out = []
        for segment, (kind, found) in zip(self.segments[:-1], self.slots, strict=True):
            out.append(prefix.join(segment))
            out.append(fill(kind, found))
        out.append(prefix.join(self.segments[-1]))
        return "".join(out)


def compile_text(text: str, pattern: re.Pattern[str]) -> Compiled:
    """Cut `text` at the task ids (their first 8 digits removed) and at the other matches of `pattern`."""
    segments: list[tuple[str, ...]] = []
    slots: list[tuple[str, str]] = []
    pieces: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(text[position : match.start()])
        if match.lastgroup == "uuid":
            position = match.start() + 8
            continue
        segments.append(tuple(pieces))
        slots.append((str(match.lastgroup), match.group()))
        pieces, position = [], match.end()
    pieces.append(text[position:])
    segments.append(tuple(pieces))
    return Compiled(tuple(segments), tuple(slots))


def _escaped(text: str) -> str:
    # How the serializer writes a string inside JSON (ASCII, \\u escapes).
    return json.dumps(text)[1:-1]


def _replace_number(found: str, number: int) -> str:
    return found.rstrip("0123456789") + str(number)


@dataclass
class Template:
    """A case the engine drove to its shape, read back and compiled for cloning."""

    name: str
    max_age: int
    case_id: int
    ended: datetime
    instances: list[dict[str, Any]]
    states: list[Compiled]
    tasks: list[dict[str, Any]]
    jobs: list[dict[str, Any]]
    registers: dict[str, list[dict[str, Any]]]
    units_by_group: dict[str, list[str]]
    prefixes: set[str]


@dataclass(frozen=True)
class Org:
    """What cloning needs from the org chart."""

    group_of: dict[str, str]
    units: dict[str, list[str]]
    holders: dict[tuple[str, str], list[str]]
    notation: dict[str, str]

    def officer(self, unit: str) -> str:
        """The first officer of a recipient unit."""
        return self.holders[("unit_officer", unit)][0]


def read_org(db: sqlite3.Connection) -> Org:
    """Units by recipient group, holders of each (role, unit), unit notations."""
    group_of: dict[str, str] = {}
    units: dict[str, list[str]] = {}
    notation: dict[str, str] = {}
    for code, kind, note in db.execute("SELECT code, kind, notation FROM org_unit ORDER BY position, code"):
        notation[code] = note
        if kind in GROUP_OF_KIND:
            group_of[code] = GROUP_OF_KIND[kind]
            units.setdefault(GROUP_OF_KIND[kind], []).append(code)
    holders: dict[tuple[str, str], list[str]] = {}
    for username, role, unit in db.execute("SELECT username, role, unit_code FROM role_assignment ORDER BY username"):
        holders.setdefault((role, unit), []).append(username)
    return Org(group_of, units, holders, notation)


def _rows(db: sqlite3.Connection, sql: str, *params: Any) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def read_template(db: sqlite3.Connection, name: str, max_age: int, case_id: int, ended: datetime, org: Org) -> Template:
    """The rows of a driven case, with its states compiled around what clones change."""
    instances = _rows(db, "SELECT * FROM process_instance WHERE case_id = ? ORDER BY id", case_id)
    ids = ",".join(str(row["id"]) for row in instances)
    reference = f"case:{case_id}"
    registers = {
        table: _rows(db, f"SELECT * FROM {table} WHERE reference = ? ORDER BY id", reference)
        for table in ("incoming_document", "issued_number", "outgoing_document")
    }
    incoming = registers["incoming_document"][0]
    literals = {"subject": incoming["subject"], "issuer": incoming["issuer"], "incoming": incoming["number_code"]}
    for doc in registers["outgoing_document"]:
        literals["notation"] = doc["notation"]
    pattern = re.compile(
        "|".join(
            [
                f"(?P<uuid>{UUID})",
                r'(?P<child>"child_instance_id": \d+)',
                r'(?P<arrival>"arrival(?:_number|": \{"number)": \d+)',
                r'(?P<directive>"directive": \{"number": \d+)',
                r'(?P<urgency>"urgency": "\w+")',
                '(?P<unit>"(?:' + "|".join(map(re.escape, sorted(org.group_of, key=len, reverse=True))) + ')")',
                *(f"(?P<{kind}>{re.escape(_escaped(text))})" for kind, text in literals.items()),
            ]
        )
    )
    prefixes = {found[:8] for row in instances for found in re.findall(UUID, row["state"])}
    states = [compile_text(row.pop("state"), pattern) for row in instances]
    found = Counter(kind for compiled in states for kind, _ in compiled.slots)
    assert all(found[kind] for kind in literals), (name, found)
    units_by_group: dict[str, list[str]] = {}
    for unit in dict.fromkeys(text[1:-1] for kind, text in states[0].slots if kind == "unit"):
        units_by_group.setdefault(org.group_of[unit], []).append(unit)
    return Template(
        name,
        max_age,
        case_id,
        ended,
        instances,
        states,
        _rows(db, "SELECT * FROM task WHERE case_id = ? ORDER BY created_at, id", case_id),
        _rows(db, f"SELECT * FROM job WHERE instance_id IN ({ids}) ORDER BY id"),
        registers,
        units_by_group,
        prefixes,
    )


# -- the clones ---------------------------------------------------------------------------------


@dataclass
class Clone:
    """What one clone of a template draws; numbered once every clone is drawn."""

    template: Template
    days: int
    subject: str
    issuer: str
    incoming: str
    urgency: str
    units: dict[str, str]
    case_id: int = 0
    prefix: str = ""
    arrival: int = 0
    directive: int = 0
    notation: str | None = None

    def moved(self, value: str | None) -> str | None:
        """A stored date or UTC moment of the template, moved by the clone's age."""
        return None if value is None else _moved(value, self.days)

    def year_of(self, value: str) -> int:
        """The year of a moved date."""
        return int(_moved(value, self.days)[:4])

    def arrived(self) -> str:
        """When the clone's letter arrived (moved)."""
        return _moved(self.template.registers["incoming_document"][0]["arrival_date"], self.days)

    def issued(self) -> str:
        """When the clone's directive was issued (moved)."""
        return _moved(self.template.registers["outgoing_document"][0]["issued_date"], self.days)


_MOVED: dict[tuple[str, int], str] = {}


def _moved(value: str, days: int) -> str:
    key = (value, days)
    if key not in _MOVED:
        _MOVED[key] = (date.fromisoformat(value[:10]) + timedelta(days=days)).isoformat() + value[10:]
    return _MOVED[key]


def draw(template: Template, org: Org, rng: random.Random, now: datetime) -> Clone:
    """A clone of `template` with its own subject, numbers, urgency, recipient units and age."""
    days = (now.date() - template.ended.date()).days - rng.randint(0, template.max_age)
    if template.ended + timedelta(days=days) > now:
        days -= 1
    year = (template.ended + timedelta(days=days)).year
    issuer = rng.choice(list(ISSUERS))
    code = ISSUERS[issuer]
    number = rng.randint(100, 5999)
    units: dict[str, str] = {}
    for group, members in template.units_by_group.items():
        units.update(zip(members, rng.sample(org.units[group], len(members)), strict=True))
    return Clone(
        template,
        days,
        rng.choice(TOPICS).format(year=year, n=rng.randint(2, 12)),
        issuer,
        f"{number}-{code}" if code.startswith("CV/") else f"{number}/{code}",
        rng.choices(list(URGENCIES), weights=list(URGENCIES.values()))[0],
        units,
    )


def number(clones: list[Clone], counters: Mapping[tuple[str, int], int], org: Org) -> None:
    """Arrival and outgoing numbers in date order, continuing the registers' counters."""
    last = dict(counters)
    for clone in sorted(clones, key=Clone.arrived):
        key = ("arrival", clone.year_of(clone.template.registers["incoming_document"][0]["arrival_date"]))
        last[key] = clone.arrival = last.get(key, 0) + 1
    issued = [c for c in clones if c.template.registers["outgoing_document"]]
    for clone in sorted(issued, key=Clone.issued):
        doc = clone.template.registers["outgoing_document"][0]
        key = ("outgoing", clone.year_of(doc["issued_date"]))
        last[key] = clone.directive = last.get(key, 0) + 1
        unit = doc["drafting_unit"] if doc["document_type"] == "CV" else None
        clone.notation = document_notation(
            clone.directive, doc["document_type"], org.notation[doc["agency_code"]], unit
        )


TABLES = ("process_instance", "task", "job", "incoming_document", "issued_number", "outgoing_document")
CLAIMED = 0.2  # share of ready group tasks a colleague has claimed


@dataclass(frozen=True)
class Rules:
    """What cloning reads once: the org chart and which steps take the case's urgency as priority."""

    org: Org
    prioritised: frozenset[str]


def rows_of(clone: Clone, first_id: int, rules: Rules, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """The rows of one clone, its instances numbered from `first_id`."""
    template, org = clone.template, rules.org
    ids = {row["id"]: first_id + index for index, row in enumerate(template.instances)}
    clone.case_id = ids[template.case_id]
    prefix, units = clone.prefix, clone.units
    officers = {org.officer(old): org.officer(new) for old, new in units.items()}
    texts = {kind: _escaped(text) for kind, text in clone_texts(clone).items()}

    def fill(kind: str, found: str) -> str:
        if kind == "child":
            return _replace_number(found, ids[int(found.rsplit(" ", 1)[1])])
        if kind == "unit":
            return '"' + units.get(found[1:-1], found[1:-1]) + '"'
        if kind in ("arrival", "directive"):
            return _replace_number(found, clone.arrival if kind == "arrival" else clone.directive)
        if kind == "urgency":
            return f'"urgency": "{clone.urgency}"'
        return texts[kind]

    # Children know the case by its subject and directive number; the case also by the letter's number.
    child_search = extend(None, clone.subject, clone.notation)
    case_search = extend(extend(None, clone.subject, clone.incoming), clone.notation)
    out: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
    for row, compiled in zip(template.instances, template.states, strict=True):
        is_case = row["id"] == template.case_id
        out["process_instance"].append(
            row
            | {
                "id": ids[row["id"]],
                "case_id": clone.case_id,
                "parent_id": ids.get(row["parent_id"]),
                "parent_task_id": row["parent_task_id"] and prefix + row["parent_task_id"][8:],
                "business_key": clone.notation or clone.incoming,
                "title": clone.subject,
                "search_text": case_search if is_case else child_search,
                "state": compiled.render(prefix, fill),
                "started_at": clone.moved(row["started_at"]),
                "ended_at": clone.moved(row["ended_at"]),
            }
        )
    for row in template.tasks:
        task = row | {
            "id": prefix + row["id"][8:],
            "instance_id": ids[row["instance_id"]],
            "case_id": clone.case_id,
            "candidate_unit": units.get(row["candidate_unit"], row["candidate_unit"]),
            "detail": units.get(row["detail"], row["detail"]),
            "assignee": officers.get(row["assignee"], row["assignee"]),
            "completed_by": officers.get(row["completed_by"], row["completed_by"]),
            "priority": PRIORITY[clone.urgency] if row["spec_name"] in rules.prioritised else row["priority"],
            "created_at": clone.moved(row["created_at"]),
            "due_at": clone.moved(row["due_at"]),
            "completed_at": clone.moved(row["completed_at"]),
            # The engine gives a task its case's search text (task_rows.keep_search_text): the clone's.
            "search_text": row["search_text"] and case_search,
        }
        colleagues = org.holders.get((task["role"], task["candidate_unit"]), [])
        if task["state"] == "ready" and task["assignee"] is None and colleagues and rng.random() < CLAIMED:
            task["assignee"] = rng.choice(colleagues)
        out["task"].append(task)
    for row in template.jobs:
        target = row["target"]
        moved = str(ids[int(target)]) if row["kind"] == "resume_parent" else prefix + target[8:]
        out["job"].append(
            {k: v for k, v in row.items() if k != "id"}
            | {
                "instance_id": ids[row["instance_id"]],
                "target": moved,
                "due_at": clone.moved(row["due_at"]),
                "created_at": clone.moved(row["created_at"]),
                "finished_at": clone.moved(row["finished_at"]),
            }
        )
    out.update(register_rows(clone))
    return out


def clone_texts(clone: Clone) -> dict[str, str]:
    """The clone's values of the texts the template's states are cut at."""
    texts = {"subject": clone.subject, "issuer": clone.issuer, "incoming": clone.incoming}
    if clone.notation:
        texts["notation"] = clone.notation
    return texts


def register_rows(clone: Clone) -> dict[str, list[dict[str, Any]]]:
    """The clone's lines in the register of arrivals, the ledger of numbers and the outgoing register."""
    reference, registers = f"case:{clone.case_id}", clone.template.registers
    incoming = registers["incoming_document"][0]
    common = {"reference": reference, "subject": clone.subject}
    out: dict[str, list[dict[str, Any]]] = {
        "incoming_document": [
            {k: v for k, v in incoming.items() if k != "id"}
            | common
            | {
                "year": clone.year_of(incoming["arrival_date"]),
                "arrival_number": clone.arrival,
                "arrival_date": clone.moved(incoming["arrival_date"]),
                "issuer": clone.issuer,
                "number_code": clone.incoming,
                "doc_date": clone.moved(incoming["doc_date"]),
                "urgency": clone.urgency,
                "handling_deadline": clone.moved(incoming["handling_deadline"]),
            }
        ],
        "issued_number": [],
        "outgoing_document": [],
    }
    for row in registers["issued_number"]:
        arrival = row["sequence_key"] == "arrival"
        out["issued_number"].append(
            {k: v for k, v in row.items() if k != "id"}
            | common
            | {
                "year": clone.year_of(row["issued_on"]),
                "number": clone.arrival if arrival else clone.directive,
                "notation": clone.incoming if arrival else clone.notation,
                "issued_on": clone.moved(row["issued_on"]),
            }
        )
    for row in registers["outgoing_document"]:
        out["outgoing_document"].append(
            {k: v for k, v in row.items() if k != "id"}
            | common
            | {
                "year": clone.year_of(row["issued_date"]),
                "number": clone.directive,
                "notation": clone.notation,
                "issued_date": clone.moved(row["issued_date"]),
            }
        )
    return out


def fresh_prefixes(taken: set[str]) -> Iterator[str]:
    """Task-id prefixes (8 hex digits) no template id starts with."""
    return (prefix for prefix in (f"{n:08x}" for n in range(1, 16**8)) if prefix not in taken)


def prioritised_steps(db: sqlite3.Connection) -> frozenset[str]:
    """User tasks whose priority is the case's urgency (a `priority` property in the BPMN)."""
    names = set()
    for (metadata,) in db.execute("SELECT metadata FROM process_definition"):
        for bpmn_id, info in json.loads(metadata).get("user_tasks", {}).items():
            if info.get("properties", {}).get("priority"):
                names.add(bpmn_id)
    return frozenset(names)
