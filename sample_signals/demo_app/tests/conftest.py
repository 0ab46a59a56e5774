import pytest

from demo_app import dashboard, settings


@pytest.fixture(autouse=True)
def fresh_state():
    settings.load(path=None)
    dashboard.CACHE.clear()
    dashboard.CACHED_AT.clear()
    dashboard.warm_all()
    yield
