"""Generate the Vietnamese toy corpus with planted word groups: ``data/toy_vi_corpus.txt``,
``data/toy_vi_groups.json`` and the second domain ``data/toy_vi_shift_corpus.txt`` with
``data/toy_vi_shift_words.json``.

Run ``python data/make_toy_vi_corpus.py``; a test checks that the committed files equal a fresh
generation.

The twin of ``make_toy_corpus.py`` through the same generator (``data/toy_planting.py``, which
says how the groups are planted), written
in Vietnamese and already segmented into words: a word of several syllables is joined by "_"
(*hoàng_hậu*, *đàn_ông*), as VLSP data writes it, so the tokenizer keeps it whole. The people
carry two independent directions: gender (male words beside *anh ấy*, female beside *cô ấy*)
and rank (royals beside *ngai_vàng, vương_miện, cung_điện, triều_đình*, common people beside
*ngôi nhà, làng, nông_trại, phố*), plus a role shared by each pair (*vua* and *hoàng_hậu* rule
the *vương_quốc*), so vua − đàn_ông + phụ_nữ ≈ hoàng_hậu can emerge. Vietnamese puts the
adjective after the noun and has no articles; the phrases are written that way. No context word
is also a planted word (*vàng*, yellow, is a colour, so the throne is *ngai_vàng*, one word).

The second domain moves four planted words to new company, as the English one does: *táo*
(apple) goes with technology, *xanh_lá* (green) with politics, *vua* with chess, *sư_tử* (lion)
with football.
"""

from __future__ import annotations

from pathlib import Path

SEED = 20240611
N_SENTENCES = 6500
DATA_DIR = Path(__file__).resolve().parent

ROYAL_PAIRS = [
    ("vua", "hoàng_hậu", "ruler"),
    ("hoàng_tử", "công_chúa", "heir"),
    ("hoàng_đế", "nữ_hoàng", "empire"),
    ("công_tước", "nữ_công_tước", "estate"),
]
COMMON_PAIRS = [
    ("đàn_ông", "phụ_nữ", "adult"),
    ("cậu_bé", "cô_bé", "child"),
    ("bố", "mẹ", "parent"),
    ("con_trai", "con_gái", "offspring"),
    ("anh_trai", "chị_gái", "sibling"),
]

GROUPS = {
    "royalty": [w for pair in ROYAL_PAIRS for w in pair[:2]],
    "people": [w for pair in COMMON_PAIRS for w in pair[:2]],
    "animals": ["chó", "mèo", "ngựa", "bò", "cừu", "sư_tử", "sói", "thỏ"],
    "food": ["bánh_mì", "phô_mai", "táo", "súp", "cơm", "bánh_ngọt", "thịt", "sữa"],
    "colours": ["đỏ", "xanh_dương", "xanh_lá", "vàng", "trắng", "đen", "tím", "nâu"],
    "places": ["rừng", "sông", "núi", "đảo", "thung_lũng", "sa_mạc", "hồ", "bãi_biển"],
    "verbs": ["chạy", "đi_bộ", "nhảy", "bơi", "hát", "múa", "đọc", "viết"],
}

PRONOUNS = {"male": {"he": "anh ấy"}, "female": {"he": "cô ấy"}}

RANK_PHRASES = {
    "royal": [
        "ngồi trên ngai_vàng",
        "đội vương_miện hoàng_gia",
        "sống trong cung_điện",
        "thiết_triều trong đại_sảnh của cung_điện",
        "tiếp các quý_tộc ở triều_đình",
        "đăng_quang trong cung_điện",
        "ra lệnh cho đội cận_vệ hoàng_gia",
        "ngồi xe_ngựa hoàng_gia về cung_điện",
        "đội vương_miện bằng ngọc ở triều_đình",
        "nghe các quý_tộc tâu từ ngai_vàng",
    ],
    "common": [
        "sống trong một ngôi nhà nhỏ ở làng",
        "làm_việc ở nông_trại cả ngày",
        "đi dọc phố về ngôi nhà của {he}",
        "nấu bữa tối ở nhà",
        "trò_chuyện với hàng_xóm trong làng",
        "sửa mái của ngôi nhà cũ",
        "gánh nước từ giếng về nông_trại",
        "bán trứng ở phiên chợ làng",
        "quét sàn của ngôi nhà nhỏ",
        "tán_gẫu với bạn_bè trên phố",
    ],
}

ROLE_PHRASES = {
    "ruler": ["cai_trị cả vương_quốc", "ban_hành luật mới cho vương_quốc", "trị_vì vương_quốc"],
    "heir": ["sẽ kế_vị ngai_vàng", "là người thừa_kế ngai_vàng", "là người kế_vị tiếp_theo"],
    "empire": ["cai_quản đế_quốc rộng_lớn", "chỉ_huy quân_đội của đế_quốc", "trị_vì đế_quốc"],
    "estate": ["sở_hữu một điền_trang lớn", "quản_lý điền_trang và đất_đai", "săn_bắn trong điền_trang"],
    "adult": ["đi làm từ sớm", "kiếm tiền bằng một công_việc", "trả các hóa_đơn"],
    "child": ["chơi với đồ_chơi", "đi học", "học bài ở trường"],
    "parent": ["chăm_sóc con_cái", "nuôi_dạy con_cái", "lo cho cả gia_đình"],
    "offspring": ["vâng_lời cha_mẹ", "sinh vào mùa xuân", "giúp_đỡ cha_mẹ"],
    "sibling": ["ở chung phòng với người em sinh_đôi", "cãi nhau với người em sinh_đôi", "lớn lên cùng anh_chị_em"],
}

GENDER_PHRASES = [
    "{he} rất vui",
    "{he} mỉm_cười với bạn của {he}",
    "{he} nói rằng {he} mệt",
    "{he} cảm_ơn bạn của {he}",
    "mọi người gọi {he} bằng tên",
    "{he} cười và {he} vẫy tay",
    "giọng của {he} rất hiền",
    "chúng_tôi tặng {he} một món quà",
]
PERSON_ADJECTIVES = [
    "già",
    "trẻ",
    "thông_thái",
    "tốt_bụng",
    "dũng_cảm",
    "kiêu_hãnh",
    "cao",
    "trầm_lặng",
    "hiền_lành",
    "thông_minh",
]

ANIMAL_PHRASES = [
    "con {a} có bộ lông mềm và cái đuôi dài",
    "con {a} ngủ trong chuồng",
    "người nông_dân cho con {a} ăn trong chuồng",
    "một con {a} {adj} có bốn chân",
    "con {a} liếm móng",
    "con {a} gặm cỏ gần chuồng",
    "con {a} {adj} rũ bộ lông",
]
ANIMAL_ADJECTIVES = ["hoang_dã", "thuần", "đói", "to"]

FOOD_PHRASES = [
    "chúng_tôi ăn {f} vào bữa tối",
    "món {f} trên đĩa rất ngon",
    "họ nấu {f} trong bếp",
    "món {f} {adj} có vị rất ngon",
    "có {f} trên bàn bếp",
    "một đĩa {f} {adj} được dọn ra",
]
FOOD_ADJECTIVES = ["tươi", "ngọt", "nóng", "thơm"]

COLOUR_PHRASES = [
    "bức tường được sơn màu {c}",
    "màu {c} là một màu tươi_sáng",
    "họ chọn màu {c} cho cánh cửa",
    "người thợ pha sơn màu {c}",
    "một lớp sơn màu {c} phủ hàng_rào",
    "lá cờ có màu {c} và màu {c2}",
    "chúng_tôi sơn hàng_rào màu {c}",
]

PLACE_PHRASES = [
    "họ du_lịch đến {p} ở nơi xa",
    "con đường đến {p} rất dài",
    "chúng_tôi ghé thăm {p} trong chuyến đi",
    "tấm bản_đồ vẽ {p} ở phía bắc",
    "những người lữ_khách cắm_trại gần {p}",
    "chuyến đi qua {p} mất nhiều ngày",
]

VERB_PHRASES = [
    "họ thích {v} mỗi sáng",
    "các em_nhỏ có_thể {v} rất giỏi",
    "chúng_tôi học {v} cùng nhau",
    "bạn nên {v} nhiều hơn",
    "thật vui khi được {v} và {v2}",
    "họ cố_gắng {v} mỗi tối",
]

MIXED_PHRASES = [
    "{x} và con {a} đến {p}",
    "{x} ăn {f} bên {p}",
    "gần {p} {x} thấy một con {a} màu {c}",
    "con {a} theo {x} đến {p}",
    "{x} thích {v} gần {p}",
]

SHIFT_SEED = 20240616

SHIFTED = {
    "táo": [
        "chiếc điện_thoại {w} mới có con chip nhanh",
        "cô ấy cài bản cập_nhật phần_mềm {w} cho máy_tính xách_tay",
        "máy_tính xách_tay {w} chạy hệ_điều_hành mới",
        "các kỹ_sư viết mã cho máy_tính {w}",
        "cửa_hàng {w} bán điện_thoại và máy_tính xách_tay trên mạng",
    ],
    "xanh_lá": [
        "đảng {w} giành được ghế trong cuộc bầu_cử",
        "cử_tri ủng_hộ chính_sách năng_lượng {w}",
        "ứng_cử_viên của đảng {w} phát_biểu trước cử_tri",
        "quốc_hội tranh_luận về dự_luật khí_hậu {w}",
        "phong_trào {w} tổ_chức biểu_tình vì khí_hậu",
    ],
    "vua": [
        "quân {w} bị chiếu trên bàn cờ",
        "cô ấy đưa quân {w} đến ô an_toàn trên bàn cờ",
        "tượng và xe tấn_công quân {w} trong tàn_cuộc",
        "nước chiếu_hết dồn quân {w} vào góc bàn cờ",
        "quân tốt bảo_vệ quân {w} trong ván cờ",
    ],
    "sư_tử": [
        "đội {w} ghi bàn trong trận bóng_đá",
        "cổ_động_viên cổ_vũ đội {w} trên sân_vận_động",
        "đội {w} vô_địch giải sau trận chung_kết",
        "huấn_luyện_viên của đội {w} chọn cầu_thủ cho trận đấu",
        "đội {w} đá trận sân nhà trên sân_vận_động",
    ],
}


# How a person opens a sentence, and the conjunction between two of its phrases.
SUBJECT = "{w}"
SUBJECT_WITH_ADJECTIVE = "{w} {adj}"
AND = "và"


def main() -> None:
    import sys

    sys.path.insert(0, str(DATA_DIR))
    import toy_planting

    toy_planting.write(sys.modules[__name__], "toy_vi")


if __name__ == "__main__":
    main()
