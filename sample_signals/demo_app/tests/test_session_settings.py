from demo_app import settings
from demo_app.auth import session


def test_normal_session_is_live():
    session.create("t1", {"id": "u1"})
    assert session.current_user("t1") == {"id": "u1"}


def test_unknown_token_has_no_user():
    assert session.current_user("nope") is None


def test_setting_default_when_name_missing():
    assert settings.get("app.theme", "light") == "light"
    assert settings.get("notifications.digest_hour") == "7"
