from __future__ import annotations

from doithoai.agency_history import CITY_BODIES, COMMUNE_OFFICES, ROUTES, evaluate_generated_history, route
from nlp.fields import load_fields
from storage.analysis import PlainAnalyzer


def test_routes_name_existing_bodies_and_split_fields_by_scope() -> None:
    codes = {f.code for f in load_fields()}
    assert set(ROUTES) == codes - {"khac"}
    for default, wider, _ in ROUTES.values():
        assert {default, wider} <= set(COMMUNE_OFFICES) | set(CITY_BODIES)
    assert route("giao_thong", "Đường vào ấp 3 bị hư nặng") == "kinh_te"
    assert route("giao_thong", "Quốc lộ 61 đoạn qua xã có nhiều ổ gà") == "xay_dung"
    assert route("y_te", "benh vien huyen thieu thuoc") == "y_te"
    assert route("khac", "xin chào") is None


def test_generated_history_judges_each_assignment_on_the_ones_before() -> None:
    # The plain analyzer leaves every question for review, so organisers confirm the true field:
    # what is left to get wrong is the routing's split of a field between commune and city.
    result = evaluate_generated_history(PlainAnalyzer(), limit=160)
    assert result["source"] == "generated history"
    assert 140 <= int(result["assigned"]) <= 160
    assert int(result["assigned"]) - 20 <= int(result["judged"]) <= int(result["assigned"])
    assert 0.4 < float(result["top1"]) < 1.0
