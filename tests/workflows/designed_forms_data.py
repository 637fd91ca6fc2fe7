"""A designed form (form-js JSON) and a one-step process that uses it, shared by the designed forms' tests."""

from __future__ import annotations

import copy
from typing import Any

#: A format check as an office might design it: every supported component type, with rules.
FORMAT_CHECK: dict[str, Any] = {
    "type": "default",
    "id": "Form_format_check",
    "schemaVersion": 16,
    "components": [
        {
            "type": "textfield",
            "key": "so_hieu",
            "label": "Số, ký hiệu",
            "description": "Ví dụ: 57/SNN-VP",
            "properties": {"label_en": "Number and notation"},
            "validate": {"required": True, "minLength": 4, "maxLength": 30, "pattern": "[0-9]+/[A-Z0-9-]+"},
        },
        {"type": "textarea", "key": "nhan_xet", "label": "Nhận xét", "validate": {"maxLength": 300}},
        {"type": "number", "key": "so_trang", "label": "Số trang", "validate": {"required": True, "min": 1, "max": 40}},
        {
            "type": "number",
            "key": "ty_le_loi",
            "label": "Tỷ lệ trang có lỗi (%)",
            "decimalDigits": 1,
            "validate": {"min": 0, "max": 100},
        },
        {"type": "checkbox", "key": "dung_the_thuc", "label": "Đúng thể thức", "validate": {"required": True}},
        {
            "type": "select",
            "key": "ket_luan",
            "label": "Kết luận",
            "values": [{"label": "Đạt", "value": "dat"}, {"label": "Phải sửa", "value": "sua"}],
            "validate": {"required": True},
        },
        {
            "type": "radio",
            "key": "muc_do",
            "label": "Mức độ sai sót",
            "values": [{"label": "Nhẹ", "value": "nhe"}, {"label": "Nặng", "value": "nang"}],
        },
        {
            "type": "checklist",
            "key": "loi",
            "label": "Lỗi gặp",
            "values": [{"label": "Chính tả", "value": "chinh_ta"}, {"label": "Thể thức", "value": "the_thuc"}],
        },
        {
            "type": "datetime",
            "subtype": "date",
            "key": "han_sua",
            "dateLabel": "Hạn sửa",
            "disallowPassedDates": True,
        },
    ],
}

#: Good answers to FORMAT_CHECK as the task page posts them (the date is far enough ahead of any test clock).
GOOD_POST = {
    "so_hieu": "57/SNN-VP",
    "nhan_xet": "",
    "so_trang": "2",
    "ty_le_loi": "12,5",
    "dung_the_thuc": "true",
    "ket_luan": "dat",
    "loi": "the_thuc",
    "han_sua": "2099-01-05",
}


def format_check_v2() -> dict[str, Any]:
    """FORMAT_CHECK with one more required field: what a newer version of the form asks."""
    design = copy.deepcopy(FORMAT_CHECK)
    design["components"].append(
        {"type": "textfield", "key": "nguoi_kiem_tra", "label": "Người kiểm tra", "validate": {"required": True}}
    )
    return design


def one_step_process(process_id: str, form_key: str, *, lane: str = "specialist", unit_variable: str = "unit") -> bytes:
    """A process whose one user task (in `lane`, offered to the unit in the data's `unit_variable`) uses `form_key`."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs_{process_id}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="collab">
    <bpmn:participant id="p" name="Kiểm tra thể thức" processRef="{process_id}"/>
  </bpmn:collaboration>
  <bpmn:process id="{process_id}" name="Kiểm tra thể thức văn bản" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="{lane}" name="Làn">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>check</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="Bắt đầu"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="check" name="Kiểm tra thể thức">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="{form_key}"/>
        <spiffworkflow:property name="candidateUnit" value="{unit_variable}"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="Xong"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
""".encode()
