from __future__ import annotations

from nlp.duplicate_eval import default_groups_path, evaluate_duplicates, load_groups
from nlp.grouping import PROBLEM_MIN, DuplicateHit, group
from nlp.signature import numbers_agree, places_differ, problem_overlap, signature
from nlp.similar import SUGGEST_MIN, SimilarIndex, find_similar, similar_all

ROAD = "Đường vào ấp 3 bị hư nặng, xin cho biết khi nào sửa?"


def test_signature_names_places_and_maps_synonyms() -> None:
    a = signature("Nắp cống trên đường Trần Phú bị vỡ")
    b = signature("nap cong duong tran phu be roi")
    assert ("duong", "tran") in a.places and a.places == b.places
    assert "hu" in a.words and "hu" in b.words  # vỡ / bể: one problem
    assert not numbers_agree(signature(ROAD), signature("Đường vào ấp 5 bị hư nặng"))
    assert not numbers_agree(signature("nước sạch ấp Phú Hòa"), signature("nước sạch ấp Tân Long"))


def test_suggestions_rank_the_same_concern_first() -> None:
    candidates = [
        (1, "Đường vào ấp 5 bị hư nặng"),
        (2, "duong vao ap 3 bi hu nang qua"),
        (3, "mất điện ở ấp 3"),
        (4, "Trạm y tế xã thiếu thuốc"),
    ]
    found = find_similar(ROAD, candidates)
    assert found[0][0] == 2 and 0.0 < found[0][1] <= 1.0
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert 4 not in [cid for cid, _ in found]
    assert find_similar("", candidates) == [] and find_similar("😀", candidates) == []


def test_suggestions_match_an_index_of_the_meeting_so_far() -> None:
    """Each labelled message arriving in turn is offered the same duplicates by `find_similar`
    (the intake path, whose candidates are compared again with every new question) as by an
    index of the messages before it; asked twice, it answers the same."""
    messages = [m for g in load_groups() for m in g.messages]
    index = SimilarIndex()
    earlier: list[tuple[int, str]] = []
    offered = 0
    for pos, text in enumerate(messages):
        expected = index.query(text, top=5, min_score=SUGGEST_MIN) if earlier else []
        assert find_similar(text, earlier) == expected
        assert find_similar(text, list(earlier)) == expected
        offered += bool(expected)
        index.add(pos, text)
        earlier.append((pos, text))
    assert offered >= len(messages) // 3


def test_similar_all_leaves_each_question_out_of_its_own_list() -> None:
    items = [("a", ROAD), ("b", "duong vao ap 3 bi hu"), ("c", "mất điện ở ấp 3"), ("d", "")]
    out = similar_all(items, top=2)
    assert out[0][0][0] == "b"
    assert all(cid != own for (own, _), found in zip(items, out, strict=True) for cid, _ in found)
    assert out[3] == [] and all(len(found) <= 2 for found in out)


def test_index_grows_and_answers() -> None:
    index = SimilarIndex()
    index.add(1, "mất điện ở xóm 4")
    assert index.query("cúp điện xóm 4 hoài")[0][0] == 1
    index.add(2, "đường xóm 4 bị hư")
    assert len(index) == 2
    assert index.query("cúp điện xóm 4 hoài")[0][0] == 1


def test_group_names_first_member_and_respects_numbers() -> None:
    items = [
        ("a", ROAD),
        ("b", "Đường vào ấp 5 bị hư nặng, xin cho biết khi nào sửa?"),
        ("c", "duong vao ap 3 bi hu nang, khi nao sua"),
        ("d", "Đường vào ấp bị hư nặng, xin cho biết khi nào sửa?"),  # names no hamlet
        ("e", "Trạm y tế xã thiếu thuốc điều trị tiểu đường"),
        ("f", ""),
        ("g", "duong vao ap 5 bi hu nang"),
    ]
    hits = group(items)
    assert [h.id for h in hits] == list("abcdefg")
    by_id = {h.id: h for h in hits}
    assert by_id["a"] == DuplicateHit("a", "a", 1.0)
    assert by_id["c"].group == "a"
    assert by_id["b"].group == "b" and by_id["g"].group == "b"
    # "d" may join either hamlet, but never bridges ấp 3 and ấp 5 into one group.
    assert by_id["a"].group != by_id["b"].group
    assert by_id["e"].group == "e" and by_id["f"].group == "f"
    assert group([]) == []


def test_held_out_groups_are_read() -> None:
    groups = load_groups(default_groups_path("test"))
    assert len(groups) >= 15 and {g.place for g in groups}.isdisjoint({g.place for g in load_groups()})


def test_labelled_groups_meet_the_tuned_figures() -> None:
    groups = load_groups()
    assert len(groups) >= 35 and all(len(g.messages) >= 1 for g in groups)
    report = evaluate_duplicates(groups)
    assert report["similar"]["first"] >= 0.88 and report["similar"]["top3"] >= 0.97
    assert report["grouping"]["f1"] >= 0.7 and report["grouping"]["lookalike_merged"] <= 0.05


def test_group_keeps_other_places_and_other_problems_apart() -> None:
    items = [
        ("a", "Trại heo ở xã Phước Lợi xả nước thải ra kênh, mùi hôi thối nồng nặc."),
        ("b", "trai heo xa phuoc loi xa nuoc thai ra kenh hoi thoi lam"),
        ("c", "Trại heo ở xã Phước Hưng xả nước thải ra kênh, mùi hôi thối nồng nặc."),
        ("d", "Kiệt 45 đường Hùng Vương mỗi lần mưa là ngập, nước tràn vào nhà dân."),
        ("e", "kiet 45 hung vuong co nha xay lan ra hem, bao phuong roi ma chua xu"),
        ("f", "Một hộ ở kiệt 45 đường Hùng Vương xây nhà lấn ra lối đi chung, phường chưa xử lý."),
    ]
    by_id = {h.id: h.group for h in group(items)}
    assert by_id["b"] == "a" and by_id["c"] == "c"
    assert by_id["f"] == "e" and by_id["d"] == "d"
    assert places_differ(signature(items[0][1]), signature(items[2][1]))
    assert problem_overlap(signature(items[3][1]), signature(items[5][1])) < PROBLEM_MIN


def test_suggestions_rank_other_places_and_other_problems_lower_but_keep_them() -> None:
    """A candidate naming another place, or raising another problem at the same place, is ranked
    below the same concern but still offered: suggestions favour recall."""
    query = "Trại heo ở xã Phước Lợi xả nước thải ra kênh, mùi hôi thối nồng nặc."
    candidates = [
        (1, "Trại heo ở xã Phước Hưng xả nước thải ra kênh, mùi hôi thối nồng nặc."),
        (2, "xa phuoc loi co duong hu nang"),
        (3, "trai heo xa phuoc loi xa nuoc thai hoi thoi lam"),
    ]
    found = find_similar(query, candidates, min_score=0.0)
    assert found[0][0] == 3 and {cid for cid, _ in found} == {1, 2, 3}
    assert all(0.0 < score <= 1.0 for _, score in found)
    index = SimilarIndex()
    for cid, text in candidates:
        index.add(cid, text)
    assert index.query(query, min_score=0.0) == found
