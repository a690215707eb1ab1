"""The Department's plan activities from 2021 to 2026, so that the dashboard shows real progress: some
indicators achieved, some on track, some behind (the people are made up)."""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.auth.policy import Actor
from registry.plan.activities import create_activity

TRAINEES = [
    "CTN-KT",
    "PLX-KT",
    "BVDK-KT",
    "CHO-KT",
    "CF-DAKUY",
    "CS-KT",
    "VLXD-KT",
    "THUYDIEN-PK",
    "NUOC-NH",
    "TTKT-KT",
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Minh", "Nga", "Phúc", "Quân"]


def _people(count: int, offset: int) -> list[dict[str, str]]:
    return [
        {
            "name": f"{SURNAMES[(n + offset) % len(SURNAMES)]} Văn {GIVEN[(n * 5 + offset) % len(GIVEN)]}",
            "organisation": TRAINEES[(n + offset) % len(TRAINEES)],
            "role": "kỹ thuật viên" if n % 3 else "cán bộ quản lý",
        }
        for n in range(count)
    ]


ACTIVITIES: list[dict[str, Any]] = [
    {
        "kind": "article",
        "held_on": date(2021, 5, 20),
        "title": "Ngày Đo lường Việt Nam 20/5",
        "outlet": "Báo Kon Tum",
    },
    {
        "kind": "article",
        "held_on": date(2022, 3, 10),
        "title": "Quản lý cân tại chợ",
        "outlet": "Đài PT-TH Kon Tum",
    },
    {
        "kind": "article",
        "held_on": date(2022, 9, 5),
        "title": "Kiểm định cột đo xăng dầu",
        "outlet": "Báo Kon Tum",
    },
    {
        "kind": "article",
        "held_on": date(2023, 5, 20),
        "title": "Đo lường hỗ trợ doanh nghiệp",
        "outlet": "Báo Kon Tum",
    },
    {
        "kind": "article",
        "held_on": date(2024, 11, 2),
        "title": "Công tơ điện và người tiêu dùng",
        "outlet": "Cổng TTĐT tỉnh",
    },
    {
        "kind": "article",
        "held_on": date(2026, 5, 20),
        "title": "Kế hoạch đo lường giai đoạn 2",
        "outlet": "Báo Quảng Ngãi",
    },
    {
        "kind": "coordination",
        "held_on": date(2022, 6, 14),
        "title": "Phối hợp kiểm tra cân tại chợ",
        "organisations": ["CHO-KT", "CHO-DH"],
    },
    {
        "kind": "coordination",
        "held_on": date(2024, 4, 9),
        "title": "Phối hợp với QUATEST 3",
        "organisations": ["QUATEST3"],
    },
    {
        "kind": "coordination",
        "held_on": date(2025, 8, 21),
        "title": "Phối hợp với Điện lực Kon Tum",
        "organisations": ["PC-KT"],
    },
    {
        "kind": "coordination",
        "held_on": date(2026, 3, 3),
        "title": "Phối hợp sau hợp nhất tỉnh",
        "organisations": ["TTKT-KT"],
    },
    {
        "kind": "coordination",
        "held_on": date(2026, 9, 15),
        "title": "Phối hợp kiểm tra xăng dầu",
        "organisations": ["PLX-KT"],
    },
    *(
        {"kind": "policy_review", "held_on": date(year, 11, 30), "title": f"Rà soát văn bản năm {year}"}
        for year in range(2021, 2026)
    ),
    {
        "kind": "training",
        "held_on": date(2022, 8, 18),
        "title": "Tập huấn đo lường cho doanh nghiệp",
        "participants": _people(8, 0),
    },
    {
        "kind": "training",
        "held_on": date(2024, 7, 25),
        "title": "Bồi dưỡng kiểm định viên",
        "participants": _people(10, 3),
    },
    {
        "kind": "training",
        "held_on": date(2026, 6, 12),
        "title": "Tập huấn Chương trình đảm bảo đo lường",
        "participants": _people(6, 7),
    },
    {
        "kind": "map_survey",
        "held_on": date(2022, 10, 4),
        "title": "Khảo sát doanh nghiệp áp dụng CTĐBĐL",
        "organisations": ["CTN-KT", "PLX-KT", "CF-DAKUY"],
    },
    {
        "kind": "map_survey",
        "held_on": date(2024, 3, 14),
        "title": "Khảo sát đợt 2",
        "organisations": ["CS-KT", "DUONG-KT", "THUYDIEN-PK"],
    },
    {
        "kind": "map_enrolment",
        "held_on": date(2023, 2, 1),
        "title": "CTĐBĐL năm 2023",
        "organisations": ["CTN-KT", "PLX-KT"],
    },
    {
        "kind": "map_enrolment",
        "held_on": date(2024, 2, 1),
        "title": "CTĐBĐL năm 2024",
        "organisations": ["CTN-KT", "CF-DAKUY"],
    },
    {
        "kind": "map_enrolment",
        "held_on": date(2026, 2, 2),
        "title": "CTĐBĐL năm 2026",
        "organisations": ["DUONG-KT"],
    },
    {
        "kind": "method_development",
        "held_on": date(2023, 6, 6),
        "title": "Phương pháp đo lưu lượng nước",
        "organisations": ["CTN-KT"],
    },
    {
        "kind": "method_development",
        "held_on": date(2024, 6, 6),
        "title": "Phương pháp cân cà phê",
        "organisations": ["CF-DAKUY"],
    },
    {
        "kind": "method_development",
        "held_on": date(2026, 7, 7),
        "title": "Phương pháp đo độ đường",
        "organisations": ["DUONG-KT"],
    },
    {
        "kind": "criteria_assessment",
        "held_on": date(2024, 3, 20),
        "title": "Đánh giá theo TCVN 13187:2020",
        "organisations": ["TTKT-KT"],
    },
    {
        "kind": "criteria_support",
        "held_on": date(2025, 5, 12),
        "title": "Hỗ trợ đáp ứng Bộ tiêu chí",
        "organisations": ["KDTN"],
    },
    {
        "kind": "provider_support",
        "held_on": date(2024, 9, 9),
        "title": "Hỗ trợ nâng cao năng lực",
        "organisations": ["TTKT-KT", "KDTN"],
    },
    {
        "kind": "lab_upgrade",
        "held_on": date(2025, 10, 1),
        "title": "Nâng cấp phòng thí nghiệm khối lượng",
        "organisations": ["TTKT-KT"],
    },
    *(
        {
            "kind": "plan_inspection",
            "held_on": date(year, 10, 15),
            "title": f"Kiểm tra thực hiện Kế hoạch {year}",
        }
        for year in (2022, 2023, 2024, 2025)
    ),
    *(
        {"kind": "report", "held_on": date(year, 12, 15), "title": f"Báo cáo thực hiện Kế hoạch năm {year}"}
        for year in range(2021, 2026)
    ),
    {"kind": "phase_review", "held_on": date(2024, 1, 18), "title": "Sơ kết 3 năm thực hiện Kế hoạch"},
]


def load_activities(actor: Actor) -> int:
    for values in ACTIVITIES:
        create_activity(actor, **values)
    return len(ACTIVITIES)
