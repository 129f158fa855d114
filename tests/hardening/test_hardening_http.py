"""Issue 10, items 5, 7 and 10: `askintl report` shows readers' text inertly, client addresses
come from X-Forwarded-For only through configured proxies, HEAD works on /healthz and /widget.js.
In-process client, tiny data, hashing embedder."""
from __future__ import annotations

import pytest
from web_servers import service_settings

from askintl.cli import main as cli_main
from askintl.api.feedback import FeedbackStore, default_db_path

ALPHA_QUESTION = "How many international students are at Alpha University?"





# ---- item 10: HEAD -------------------------------------------------------------------------------
@pytest.mark.parametrize("path,content_type", [("/healthz", "application/json"), ("/widget.js", "text/javascript")])
def test_head_answers_200_without_a_body(make_client, path, content_type):
    client = make_client()
    r = client.head(path)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-type"].startswith(content_type)
    assert client.get(path).status_code == 200 and client.get(path).content  # GET unchanged


# ---- item 5: report ------------------------------------------------------------------------------
def test_report_shows_control_characters_escaped_and_forges_no_rows(make_client, hash_settings, capsys):
    client = make_client()
    forged = "Where is the office?\x1b[2J\x1b]0;pwned\x07\n     99x  a forged row   (last 2099-01-01T00:00:00Z)"
    answer_id = client.post("/v1/ask", json={"question": "Who won the world cup?"}).json()["id"]
    # Text stored by an older server (or written to the database directly) is rendered inertly too.
    store = FeedbackStore(default_db_path(service_settings(hash_settings)))
    store._db.execute("UPDATE answers SET question = ? WHERE id = ?", (forged, answer_id))
    store._db.commit()
    store.record_feedback(answer_id, False, "bad\x1b[31m red\r\n          comment: forged\u202eevil")
    store.close()
    for extra in ([], ["--json"]):
        assert cli_main(["report", "--db", str(default_db_path(hash_settings)), *extra]) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out and "\r" not in out and "\u202e" not in out
        assert "a forged row" in out and "forged" in out  # still shown, as text
        lines = out.splitlines()
        assert not any(line.lstrip().startswith("99x") for line in lines)
        assert not any(line.strip().startswith("comment: forged") for line in lines)
        if not extra:
            assert "\\x1b[2J" in out and "\\n" in out and "\\u202e" in out


def test_escape_untrusted():
    from askintl.textcheck import escape_untrusted

    assert escape_untrusted("a\x1b[2Jb\nc\td\x00\x9b\udc00\u2028") == "a\\x1b[2Jb\\nc\\td\\x00\\x9b\\udc00\\u2028"
    assert escape_untrusted("北京 Ünïcode عربي 🙂") == "北京 Ünïcode عربي 🙂"


# ---- item 7: forwarded client addresses ----------------------------------------------------------
def _limited(client, n=4, **headers) -> list[int]:
    return [client.post("/v1/ask", json={"question": "students?"}, headers=headers).status_code for _ in range(n)]


def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(make_client):
    # An untrusted peer cannot pick its own address: rotating the header does not reset its bucket.
    client = make_client(client_addr=("203.0.113.7", 40000), rate_limit_per_minute=6, rate_limit_burst=2)
    codes = [client.post("/v1/ask", json={"question": "students?"},
                         headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(4)]
    assert 429 in codes
    # Nor can a loopback peer (a same-host proxy passing the header through) when none is configured.
    client = make_client(client_addr=("127.0.0.1", 40000), rate_limit_per_minute=6, rate_limit_burst=2,
                         rate_limit_loopback=True)
    codes = [client.post("/v1/ask", json={"question": "students?"},
                         headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(4)]
    assert 429 in codes


def test_a_trusted_proxy_forwards_real_client_addresses(make_client):
    client = make_client(client_addr=("10.0.0.5", 40000), rate_limit_per_minute=6, rate_limit_burst=2,
                         trusted_proxies=["10.0.0.0/24"])
    # each reader has its own bucket
    assert all(_limited(client, 2, **{"X-Forwarded-For": f"198.51.100.{i}"}) == [200, 200] for i in range(3))
    # ... and one reader is limited whatever it prepends: the proxy appends the real address
    codes = [client.post("/v1/ask", json={"question": "students?"},
                         headers={"X-Forwarded-For": f"1.2.3.{i}, 192.0.2.9"}).status_code for i in range(4)]
    assert 429 in codes


@pytest.mark.parametrize("header", ["not-an-ip", "1.2.3.4.5", "999.1.1.1", "1.2.3.4:80", "::1%eth0 x", "", " , ",
                                    "1.2.3.4, garbage"])
def test_invalid_forwarded_addresses_are_ignored(make_client, header):
    from askintl.api.middleware import client_address

    trusted = ["10.0.0.0/8"]
    assert client_address(("10.0.0.5", 1), [(b"x-forwarded-for", header.encode())], trusted) == "10.0.0.5"
    # a proxy's own address in the chain is skipped; the first untrusted one from the right is the client
    assert client_address(("10.0.0.5", 1), [(b"x-forwarded-for", b"garbage, 198.51.100.1, 10.0.0.9")],
                          trusted) == "198.51.100.1"
    assert client_address(("10.0.0.5", 1), [(b"x-forwarded-for", b"2001:db8::1")], trusted) == "2001:db8::1"
    assert client_address(("203.0.113.1", 1), [(b"x-forwarded-for", b"198.51.100.1")], trusted) == "203.0.113.1"


def test_trusted_proxies_setting_is_parsed_strictly(monkeypatch):
    from pydantic import ValidationError

    from askintl.config import Settings

    monkeypatch.setenv("ASKINTL_TRUSTED_PROXIES", "10.0.0.5, 192.168.0.0/16,::1")
    assert Settings().trusted_proxies == ["10.0.0.5", "192.168.0.0/16", "::1"]
    monkeypatch.setenv("ASKINTL_TRUSTED_PROXIES", "proxy.example")
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.delenv("ASKINTL_TRUSTED_PROXIES")
    assert Settings().trusted_proxies == []
