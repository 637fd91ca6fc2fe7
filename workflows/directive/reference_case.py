"""The reference case as data: letter 2104-CV/BTGTU and the Sở's directive that answers it.

The texts are those of the reference document (Sở VHTTDL Lạng Sơn, March 2023). The demo, the
scenario tests and the benchmarks all use these values, so what they show is the real case.
"""

from __future__ import annotations

from typing import Any

SUBJECT = (
    "Đẩy mạnh thông tin, tuyên truyền, nắm bắt, định hướng dư luận xã hội về công tác phòng, chống tham nhũng, tiêu cực"
)

INCOMING: dict[str, Any] = {
    "incoming_issuer": "Ban Tuyên giáo Tỉnh ủy",
    "incoming_number": "2104-CV/BTGTU",
    "incoming_date": "2023-03-03",
    "incoming_subject": SUBJECT,
    "urgency": "thuong",
    "incoming_received_date": "2023-03-06",
}

BASIS = (
    "Thực hiện Công văn số 2104-CV/BTGTU, ngày 03/3/2023 của Ban Tuyên giáo Tỉnh uỷ về việc Đẩy mạnh "
    "thông tin, tuyên truyền nắm bắt, định hướng dư luận xã hội về công tác phòng, chống tham nhũng, "
    "tiêu cực."
)

INTRO = (
    "Nhằm đẩy mạnh công tác thông tin, tuyên truyền, nắm bắt dư luận xã hội về công tác phòng, chống "
    "tham nhũng, tiêu cực; kịp thời định hướng nhận thức tư tưởng, dư luận xã hội, tham mưu giúp cấp "
    "ủy xử lý, giải quyết những khó khăn, vướng mắc nảy sinh, Sở Văn hóa, Thể thao và Du lịch đề nghị "
    "các đơn vị trực thuộc Sở; Phòng Văn hóa và Thông tin; Trung tâm Văn hóa, Thể thao thành phố; "
    "Trung tâm Văn hóa, Thể thao và Truyền thông các huyện căn cứ chức năng, nhiệm vụ quan tâm phối "
    "hợp trong lãnh đạo, chỉ đạo, triển khai tổ chức thực hiện việc đẩy mạnh thông tin, tuyên truyền, "
    "nắm bắt, định hướng dư luận xã hội về công tác phòng, chống tham nhũng, tiêu cực trên địa bàn "
    "tỉnh, trong đó, tập trung vào một số vấn đề như sau:"
)

TASKS = [
    "Thường xuyên thông tin tuyên truyền đậm nét về mục đích của công tác phòng, chống tham nhũng, "
    "tiêu cực; bảo đảm tuyên truyền có trọng tâm, trọng điểm; tích cực cập nhật nội dung thông tin "
    "tuyên truyền, lồng ghép với tuyên truyền chủ trương, đường lối của Đảng, chính sách, pháp luật "
    "của Nhà nước, công tác xây dựng Đảng, xây dựng hệ thống chính trị...",
    "Thông tin tuyên truyền về việc phát huy vai trò chủ động, tích cực trong phối hợp công tác giữa "
    "các cơ quan, đơn vị trong triển khai tổ chức tuyên truyền theo tinh thần Quy chế phối hợp giữa "
    "ban tuyên giáo các cấp với cơ quan nhà nước cùng cấp trong việc thực thi pháp luật, triển khai kế "
    "hoạch phát triển kinh tế - xã hội, giải quyết các vấn đề nổi cộm, nhân dân quan tâm. Việc nâng "
    "cao ý thức trách nhiệm của các cấp ủy, chính quyền trong lãnh đạo, chỉ đạo công tác phòng, chống "
    "tham nhũng, tiêu cực; góp phần thực hiện thắng lợi các mục tiêu Nghị quyết Đại hội đại biểu toàn "
    "quốc lần thứ XIII của Đảng, nghị quyết đại hội đảng bộ các cấp, nhiệm kỳ 2020 - 2025.",
    "Tăng cường chỉ đạo chủ động trong công tác thông tin, tuyên truyền góp phần định hướng tư tưởng, "
    "ổn định dư luận xã hội. Thường xuyên theo dõi, kiểm tra, xử lý nghiêm các vi phạm trong việc "
    "đăng tải, phổ biến thông tin, quan điểm sai trái, xuyên tạc các nội dung công tác phòng, chống "
    "tham nhũng, tiêu cực.",
    "Tùy điều kiện, tình hình thực tế của các cơ quan, đơn vị, có thể tổ chức tuyên truyền bằng các "
    "hình thức phù hợp, như: Tuyên truyền trên hệ thống truyền thanh cơ sở xã, phường, thị trấn; "
    "trang thông tin điện tử của các cơ quan, đơn vị; trên internet, mạng xã hội (facebook, zalo, "
    "youtube,...); tuyên truyền thông qua hội nghị báo cáo viên, sinh hoạt chi bộ, sinh hoạt của các "
    "tổ chức chính trị - xã hội, tổ chức xã hội nghề nghiệp; các hoạt động văn hóa, văn nghệ, thể "
    "thao...",
    "Thường xuyên chú trọng việc nắm bắt tình hình, định hướng nhận thức dư luận xã hội, nhằm tạo sự "
    "đồng thuận cao trong cán bộ, đảng viên, công chức, viên chức, người lao động, đoàn viên, hội "
    "viên, các tầng lớp Nhân dân về sự lãnh đạo, chỉ đạo, tổ chức thực hiện công tác phòng, chống "
    "tham nhũng, tiêu cực.",
]

CLOSING = (
    "Nhận được công văn này, đề nghị các đơn vị trực thuộc Sở; Phòng Văn hóa và Thông tin; Trung tâm "
    "Văn hóa - Thể thao; Trung tâm Văn hóa, Thể thao và Truyền thông các huyện, thành phố triển khai "
    "các hoạt động tuyên truyền đạt hiệu quả./."
)

RECIPIENT_GROUPS = ["don_vi_truc_thuoc_so", "phong_vhtt", "trung_tam_vhtt"]

CC = [
    {"name": "Ban TG Tỉnh ủy LS", "tag": "B/c"},
    {"name": "GĐ, PGĐ Sở", "tag": ""},
    {"name": "Trang TTĐT Sở", "tag": ""},
]

INSTRUCTION: dict[str, Any] = {
    "lead_division": "QLVHGD",
    "supporting_divisions": [],
    "signer": "pgd.hoa",
    "handling_deadline": "2023-03-10",
    "instruction": "Giao Phòng QLVH&GĐ chủ trì tham mưu văn bản triển khai tới các đơn vị, báo cáo kết quả.",
}

REPORT_DEADLINE = "2023-03-24"

#: What the units report: the propaganda figures of the letter, each a count with its unit of measure.
REPORT_FIGURES: list[dict[str, str]] = [
    {"name": "articles", "label": "Số tin, bài", "unit": "tin, bài", "label_en": "Articles"},
    {
        "name": "banners",
        "label": "Số băng rôn, khẩu hiệu",
        "unit": "băng rôn, khẩu hiệu",
        "label_en": "Banners and slogans",
    },
    {"name": "sessions", "label": "Số buổi tuyên truyền", "unit": "buổi tuyên truyền", "label_en": "Sessions held"},
    {
        "name": "participants",
        "label": "Số lượt người tham dự",
        "unit": "lượt người tham dự",
        "label_en": "Participants",
    },
    {
        "name": "online_posts",
        "label": "Số bài đăng trên mạng",
        "unit": "bài đăng trên mạng xã hội, trang thông tin điện tử",
        "label_en": "Online posts",
    },
]


def draft(*, tasks: list[str] | None = None) -> dict[str, Any]:
    """The draft directive as the specialist enters it (all tasks unless told otherwise)."""
    return {
        "draft_subject": SUBJECT,
        "draft_basis": BASIS,
        "draft_intro": INTRO,
        "draft_tasks": list(TASKS if tasks is None else tasks),
        "draft_closing": CLOSING,
        "recipient_groups": list(RECIPIENT_GROUPS),
        "report_required": "yes",
        "report_deadline": REPORT_DEADLINE,
        "report_figures": [dict(item) for item in REPORT_FIGURES],
        "report_questions": [],
        "cc": [dict(item) for item in CC],
    }


def unit_report(index: int, report_date: str) -> dict[str, Any]:
    """A plausible report of the index-th unit: figures that differ per unit, a short narrative."""
    return {
        "report_number": f"{10 + index:02d}/BC",
        "report_date": report_date,
        "figures": {
            "articles": 2 + index % 5,
            "banners": 1 + index % 3,
            "sessions": 1 + index % 4,
            "participants": 40 + 15 * (index % 6),
            "online_posts": 3 + index % 7,
        },
        "narrative": (
            "Đơn vị đã quán triệt nội dung Công văn tới cán bộ, viên chức; đăng tin trên trang thông "
            "tin điện tử và mạng xã hội; lồng ghép tuyên truyền trong sinh hoạt chi bộ và các hoạt "
            "động văn hóa, văn nghệ."
        ),
    }
