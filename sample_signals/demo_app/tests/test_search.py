from demo_app import search


def test_first_page():
    page = search.paginate(list(range(45)), 1, 20)
    assert page["items"] == list(range(20))
    assert page["has_next"]


def test_last_partial_page():
    page = search.paginate(list(range(45)), 3, 20)
    assert page["items"] == list(range(40, 45))
    assert page["pages"] == 3


def test_search_finds_tasks_and_members():
    labels = [hit["label"] for hit in search.search("ada")]
    assert "Ada Lovelace" in labels


def test_page_args_default():
    assert search.parse_page_args({}) == (1, 20)
