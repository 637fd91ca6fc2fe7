"""The timeline's list of moments as HTML, written in Python rather than in the page's template.

A case's trail runs to 500 events and more, each a line of the page; written with f-strings, every
value passed through `escape` where it is written, a line costs a fraction of what the same markup
costs in Jinja (or with `Markup.format`), which keeps the page within its time (bench/timeline.py).
The rare parts (what a submission changed) are still drawn by their template, shared with the
comparison of two drafts.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from web.audit.timeline_page import ADMINISTRATIVE, PageLabels
from web.core.i18n import local_date
from workflows.audit.timeline import SUBSTITUTIONS, Moment, Timeline
from workflows.audit.timeline_diff import as_text


def render_moments(found: Timeline, labels: PageLabels, upto: int | None, version_name: Callable[..., str]) -> Markup:
    """Every moment of the timeline as one `<li>` each, oldest first."""
    words = {
        "admin": _("Thao tác quản trị"),
        "to": _("Chuyển cho"),
        "file": _("Tệp"),
        "decision": _("Quyết định"),
        "comment": _("Ý kiến, lý do"),
        "submitted": _("Dữ liệu biểu mẫu đã gửi"),
        "pick": _("Xem sơ đồ ngay sau bước này"),
        "version": _("phiên bản"),
        "instead": _("thay"),
        "absent": _("Người vắng"),
        "substitute": _("Người làm thay"),
        "period": _("Thời gian"),
    }
    words = {key: str(escape(value)) for key, value in words.items()}
    pick = str(escape(url_for("audit_timeline.show", case_id=found.case_id) + "?upto="))
    lines = [_moment(m, found, labels, words, pick, upto, version_name) for m in found.moments]
    # Every value above went through escape(): the joined text is markup.
    return Markup("".join(lines))  # noqa: S704


def _who(labels: PageLabels, username: str, behalf: str | None, instead: str) -> str:
    shown = str(labels.who.get(username) or escape(username))
    if behalf:
        name = labels.people.get(behalf, (behalf, ""))[0]
        shown += f'<span class="on-behalf"> ({instead} {escape(name)})</span>'
    return shown


def _substitution(after: dict[str, object], labels: PageLabels, words: dict[str, str]) -> str:
    """Who stood in for whom, and when, in words rather than as the event's raw fields."""
    absent = _who(labels, str(after.get("absent", "")), None, "")
    substitute = _who(labels, str(after.get("substitute", "")), None, "")
    period = f"{escape(local_date(str(after.get('from', ''))))} – {escape(local_date(str(after.get('to', ''))))}"
    return (
        f'<dl class="fields"><div><dt>{words["absent"]}</dt><dd>{absent}</dd></div>'
        f"<div><dt>{words['substitute']}</dt><dd>{substitute}</dd></div>"
        f"<div><dt>{words['period']}</dt><dd>{period}</dd></div></dl>"
    )


def _moment(
    m: Moment,
    found: Timeline,
    labels: PageLabels,
    words: dict[str, str],
    pick: str,
    upto: int | None,
    version_name: Callable[..., str],
) -> str:
    """One moment as HTML; each value is escaped where it is written."""
    admin = m.tag in ADMINISTRATIVE
    classes = "moment" + (" administrative" if admin else "") + (" chosen" if m.event_id and m.event_id == upto else "")
    title = f": {escape(labels.steps[m.title])}" if m.title else ""
    part = found.instance_units.get(m.instance_id or 0)
    if part and m.tag.startswith("engine:instance:"):
        title += f" · {escape(found.units.get(part, part))}"
    badge = f' <span class="badge">{words["admin"]}</span>' if admin else ""
    parts = [
        f'<p class="moment-head"><time datetime="{m.at.isoformat()}">{escape(labels.times[m.at])}</time> '
        f"<strong>{escape(labels.actions[m.tag])}</strong>{title}{badge}</p>"
    ]
    who = "" if m.tag == "engine:task:started" else _who(labels, m.actor, m.on_behalf_of, words["instead"])
    lane = f'<span class="lane">{escape(labels.lanes[(m.role, m.unit or "")])}</span>' if m.role else ""
    parts.append(f'<p class="moment-who">{who} {lane}</p>')
    after = m.after if isinstance(m.after, dict) else {}
    if m.tag == "engine:task:reassigned":
        parts.append(f"<p>{words['to']}: {_who(labels, str(after.get('assignee', '')), None, '')}</p>")
    elif m.tag == "engine:definition:deployed":
        filename, key, version = (escape(after.get(name, "")) for name in ("filename", "key", "version"))
        parts.append(f"<p>{filename} · {key} · {words['version']} {version}</p>")
    elif m.tag == "web:attachment:uploaded":
        parts.append(f"<p>{words['file']}: {escape(after.get('filename', ''))}</p>")
    elif m.tag in SUBSTITUTIONS and after:
        parts.append(_substitution(after, labels, words))
    elif after and not m.tag.startswith("engine:"):
        # What another part of the product recorded (numbering, reminder rounds): its facts as written.
        facts = "; ".join(f"{escape(key)}: {escape(as_text(value))}" for key, value in after.items())
        parts.append(f'<p class="muted">{facts}</p>')
    if m.decision:
        parts.append(f"<p>{words['decision']}: <strong>{escape(labels.decisions[m.decision])}</strong></p>")
    if m.comment:
        parts.append(f'<p class="prose">{words["comment"]}: {escape(m.comment)}</p>')
    if m.version:
        link = escape(url_for("audit_timeline.version", case_id=found.case_id, event_id=m.event_id))
        name = escape(_("Mở %(name)s như khi gửi", name=version_name(m.version)))
        parts.append(f'<p><a href="{link}" target="_blank" rel="noopener">{name}</a></p>')
    if m.changes:
        changed = escape(_("Thay đổi so với lần gửi trước (%(n)d trường)", n=len(m.changes)))
        # The template escapes what it writes: its output is markup already.
        table = render_template("audit/_timeline_changes.html", changes=m.changes, labels=labels, as_text=as_text)
        parts.append(f'<details class="changes" open><summary>{changed}</summary>{table}</details>')
    if m.submitted:
        fields = "".join(
            f'<div><dt>{escape(labels.fields[name])}</dt><dd class="prose">{escape(as_text(value))}</dd></div>'
            for name, value in m.submitted.items()
        )
        sent = words["submitted"]
        parts.append(f'<details class="submitted"><summary>{sent}</summary><dl class="fields">{fields}</dl></details>')
    if m.event_id and m.instance_id:
        parts.append(f'<p><a class="pick-step" href="{pick}{m.event_id}#diagram">{words["pick"]}</a></p>')
    anchor = escape(m.event_id or m.task_id)
    return f'<li class="{classes}" id="moment-{anchor}" data-tag="{escape(m.tag)}">{"".join(parts)}</li>\n'
