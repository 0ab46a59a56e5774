from demo_app import dashboard


def test_render_team_layout():
    text = dashboard.render(1)
    assert text.splitlines() == ["Velocity: 5 points", "Open tasks: 2"]


def test_refresh_with_warm_cache():
    assert dashboard.refresh(1, timeout=0.1) == {"open": 2, "velocity": 5}


def test_evict_expired_drops_old_entries():
    dashboard.evict_expired(ttl=-1)
    assert dashboard.CACHE == {}
