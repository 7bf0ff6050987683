"""Operations can follow what happened from one key=value line per request."""

import logging


def test_every_request_is_logged_on_one_line_with_status_and_time(client, caplog):
    with caplog.at_level(logging.INFO, logger="coordinator.requests"):
        client.get("/healthz")
        client.get("/login")
    lines = [r.getMessage() for r in caplog.records if r.name == "coordinator.requests"]
    assert any("path=/healthz" in line and "status=200" in line and "ms=" in line for line in lines)
    assert any("method=GET path=/login" in line for line in lines)
