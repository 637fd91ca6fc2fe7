"""The words of the modeler page's script: the panel's labels and the messages, in the page's language.

The script (web/static/js/modeler/) carries no text of its own; the page hands it these through a
JSON block, so that the catalogue translates them like any other page's words.
"""

from __future__ import annotations

from flask_babel import gettext as _


def ui_words() -> dict[str, str]:
    """The words of the diagram editor and the panel's standard groups, keyed by their English in bpmn-js."""
    return {
        "Activate hand tool": _("Công cụ kéo sơ đồ"),
        "Activate lasso tool": _("Công cụ chọn vùng"),
        "Activate create/remove space tool": _("Công cụ thêm/bớt khoảng trống"),
        "Activate global connect tool": _("Công cụ nối"),
        "Create start event": _("Thêm sự kiện bắt đầu"),
        "Create intermediate/boundary event": _("Thêm sự kiện trung gian/biên"),
        "Create end event": _("Thêm sự kiện kết thúc"),
        "Create gateway": _("Thêm cổng rẽ nhánh"),
        "Create task": _("Thêm bước"),
        "Create expanded sub-process": _("Thêm quy trình con"),
        "Create data object reference": _("Thêm dữ liệu"),
        "Create data store reference": _("Thêm kho dữ liệu"),
        "Create pool/participant": _("Thêm bể (pool)"),
        "Create group": _("Thêm nhóm"),
        "Append task": _("Nối thêm bước"),
        "Append end event": _("Nối sự kiện kết thúc"),
        "Append gateway": _("Nối cổng rẽ nhánh"),
        "Append intermediate/boundary event": _("Nối sự kiện trung gian"),
        "Add lane above": _("Thêm làn phía trên"),
        "Add lane below": _("Thêm làn phía dưới"),
        "Divide into two lanes": _("Chia thành hai làn"),
        "Divide into three lanes": _("Chia thành ba làn"),
        "Add text annotation": _("Thêm ghi chú"),
        "Change element": _("Đổi loại phần tử"),
        "Connect to other element": _("Nối tới phần tử khác"),
        "Delete": _("Xóa"),
        "General": _("Chung"),
        "Name": _("Tên"),
        "ID": _("Mã (ID)"),
        "Documentation": _("Mô tả"),
        "Element documentation": _("Mô tả phần tử"),
        "Process documentation": _("Mô tả quy trình"),
        "Executable": _("Chạy được"),
        "Version tag": _("Nhãn phiên bản"),
    }


def page_labels() -> dict[str, object]:
    """Every label and message the modeler's script shows, keyed by what it is for."""
    return {
        "ui": ui_words(),
        "group_settings": _("Thiết lập của bước"),
        "group_names": _("Tên hiển thị"),
        "name_en": _("Tên tiếng Anh"),
        "name_en_hint": _("Hiện khi trang hiển thị bằng tiếng Anh."),
        "lane_role": _("Vai trò của làn"),
        "lane_role_hint": _("Ai nhận các bước trong làn này: một vai trò của sơ đồ tổ chức."),
        "role_taken": _("(đã có làn khác)"),
        "form": _("Biểu mẫu"),
        "form_hint": _("Biểu mẫu người xử lý điền ở bước này."),
        "form_designer": _("Thiết kế biểu mẫu"),
        "none": _("(chưa chọn)"),
        "unknown": _("(không có trong danh sách)"),
        "due": _("Hạn xử lý (biểu thức)"),
        "due_hint": _("Ví dụ: next_working_day(arrival_date)"),
        "priority": _("Độ khẩn (biểu thức)"),
        "candidate_unit": _("Đơn vị xử lý (biểu thức)"),
        "timer_kind": _("Loại hẹn giờ"),
        "timer_duration": _("Sau một khoảng thời gian (timeDuration)"),
        "timer_date": _("Vào một thời điểm (timeDate)"),
        "timer_cycle": _("Lặp lại (timeCycle)"),
        "timer_value": _("Giá trị hẹn giờ (biểu thức)"),
        "condition": _("Điều kiện của nhánh (biểu thức Python)"),
        "condition_hint": _("Để trống cho nhánh mặc định."),
        "called": _("Quy trình được gọi"),
        "save": _("Lưu bản nháp"),
        "save_new": _("Lưu thành bản nháp mới"),
        "validate": _("Kiểm tra lỗi"),
        "deploy": _("Triển khai…"),
        "note": _("Ghi chú"),
        "saving": _("Đang lưu…"),
        "checking": _("Đang kiểm tra…"),
        "valid": _("Không có lỗi: quy trình có thể triển khai."),
        "problems": _("Các lỗi cần sửa (bấm để chọn phần tử trên sơ đồ):"),
        "failed": _("Không gửi được yêu cầu; thử lại sau."),
        "load_failed": _("Không mở được sơ đồ."),
        "whole_file": _("Cả tệp"),
    }
