"""Độ khẩn (urgency) of a document, ND30 Đ4: hỏa tốc > thượng khẩn > khẩn > thường."""

from __future__ import annotations

LABELS = {
    "thuong": "Thường",
    "khan": "Khẩn",
    "thuong_khan": "Thượng khẩn",
    "hoa_toc": "Hỏa tốc",
}

# Inboxes sort by this: the more urgent, the higher.
PRIORITY = {"thuong": 0, "khan": 1, "thuong_khan": 2, "hoa_toc": 3}
