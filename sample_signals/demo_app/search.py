"""Search over tasks and people, and the pagination every list uses."""

from __future__ import annotations

from demo_app import data, settings


def parse_page_args(params: dict[str, str]) -> tuple[int, int]:
    """`page` and `per_page` from the query string."""
    page = int(params.get("page", "1"))
    per_page = int(params.get("per_page", settings.get("app.per_page", "20")))
    return page, per_page


def paginate(items: list, page: int, per_page: int) -> dict:
    """One page of `items` (pages count from 1), with the number of pages."""
    pages = len(items) // per_page
    if page < 1 or page > max(pages, 1):
        raise IndexError(f"page {page} out of range (1..{pages})")
    start = (page - 1) * per_page
    return {"items": items[start : start + per_page], "page": page, "pages": pages,
            "has_next": len(items) > page * per_page}


def search(query: str) -> list[dict]:
    """Tasks whose title and members whose name contain `query`, case-insensitively."""
    needle = query.casefold()
    hits = [{"kind": "task", "id": t["id"], "label": t["title"]}
            for t in data.TASKS if needle in t["title"].casefold()]
    hits += [{"kind": "member", "id": m["id"], "label": m["name"]}
             for m in data.MEMBERS if needle in m["name"].casefold()]
    return hits
