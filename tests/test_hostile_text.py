"""Escape sequences in data never reach the terminal (issue 20, item 7).

Every string that enters from outside (a server's answers, session files, the indexes
beside them, the trash, the config, a ChatGPT export) is cleaned where it enters. The Pilot
test fills every field of a session file and every server answer with sequences a terminal
acts on and checks the bytes the app writes to the terminal; the others check each
boundary on its own.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from app_harness import make_app, type_and_send, wait_for_replies, wait_until
from sse_server import Script
from textual.widgets import OptionList

from tui_chat.config.model import ConfigError
from tui_chat.config.parse import load_config
from tui_chat.config.provider import ProviderConfig
from tui_chat.core.context.embeddings import EmbeddingsUnavailable
from tui_chat.core.import_chatgpt import import_file
from tui_chat.core.sanitize import clean_tree, single_line
from tui_chat.core.search import INDEX_VERSION as SEARCH_INDEX_VERSION
from tui_chat.core.session import Session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.providers.events import ChatRequest, Failed, Finished, ReasoningDelta, TextDelta
from tui_chat.providers.models import fetch_models
from tui_chat.providers.openai_compat import NO_RETRY, OpenAICompatibleProvider
from tui_chat.ui.render.probes import capture_terminal_output
from tui_chat.ui.screens.inspector import InspectorScreen
from tui_chat.ui.screens.model_picker import ModelPickerScreen
from tui_chat.ui.screens.session_dialogs import TrashScreen
from tui_chat.ui.widgets.session_search import SearchResults

# What a terminal acts on: OSC (title) with BEL, CSI erase, a DCS string with ST, an 8-bit
# C1 CSI, a carriage return, a lone BEL.
PAYLOAD = "\x1b]0;pwned\x07\x1b[2J\x1bPqpwned\x1b\\\x9b\r\x07"
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters a clean string must not hold (tab and newline are fine)."""

# What Textual itself writes between the app's text: colours (SGR), cursor moves, private
# modes (synchronized output), the mouse pointer shape (OSC 22) and links (OSC 8).
TEXTUAL_SEQUENCES = re.compile(
    r"\x1b\[[0-9;:]*m|\x1b\[\d+;\d+H|\x1b\[\?\d+[hl]|\x1b\]22;[a-z-]*\x07"
    r"|\x1b\]8;[^\x07\x1b]*\x1b\\"
)


def hostile(text: str) -> str:
    """`text` with the payload on both sides."""
    return f"{PAYLOAD}{text}{PAYLOAD}"


@pytest.fixture
def terminal() -> Iterator[list[str]]:
    """What the app writes to the terminal in `run_test` (see `capture_terminal_output`)."""
    with capture_terminal_output() as written:
        yield written


def unexpected_controls(output: str) -> list[str]:
    """Control characters and sequences in `output` that Textual would not write itself."""
    rest = TEXTUAL_SEQUENCES.sub("", output)
    return sorted({rest[max(0, m.start() - 12) : m.end() + 12] for m in UNSAFE.finditer(rest)})


# -- the whole app: what reaches the terminal ------------------------------------------------

SESSION_ID = "hostile00001"


def hostile_session(now: float) -> dict[str, Any]:
    """A session file with the payload in every string field."""
    return {
        "version": 3,
        "id": SESSION_ID,
        "title": hostile("Hostile title"),
        "title_is_custom": True,
        "created_at": now - 60,
        "updated_at": now,
        "provider": hostile("local"),
        "model": hostile("test-model"),
        "system_prompt": hostile("Be brief."),
        "settings": {
            "summary_model": hostile("summary-model"),
            "extra_body": {hostile("hint"): [hostile("value")]},
            "context_strategy": hostile("full"),
            "thinking": hostile("on"),
            "reasoning_effort": hostile("low"),
        },
        "messages": [
            {
                "id": "u1",
                "role": "user",
                "content": hostile("First question"),
                "created_at": now - 50,
                "parent_id": None,
                "attachments": [hostile("/nowhere/cat.png")],
            },
            {
                "id": "a1",
                "role": "assistant",
                "content": hostile("First answer")
                # What the app draws itself: a table, maths, a code block's label.
                + f"\n\n| 表{PAYLOAD} | $x{PAYLOAD}^2$ |\n|---|---|\n| 中 | 文{PAYLOAD} |\n\n"
                + f"$$\\frac{{1}}{{{PAYLOAD}2}}$$\n\n```py{PAYLOAD}\nx = 1\n```\n",
                "reasoning": hostile("First thoughts"),
                "created_at": now - 40,
                "parent_id": "u1",
                "model": hostile("old-model"),
                "provider": hostile("local"),
                "finish_reason": hostile("odd-reason"),
                "status": "complete",
                "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
                "tool_rounds": [
                    {
                        "content": hostile("Round text"),
                        "reasoning": hostile("Round thoughts"),
                        "calls": [
                            {
                                "id": hostile("call_1"),
                                "name": hostile("docs__lookup"),
                                "arguments": hostile('{"word": "tui"}'),
                                "label": hostile("Hostile label"),
                                "server": hostile("docs"),
                                "status": "denied",
                                "result": hostile("Tool result"),
                                "denial_reason": hostile("Denial reason"),
                            }
                        ],
                    }
                ],
            },
            {
                "id": "u2",
                "role": "user",
                "content": hostile("Second question"),
                "created_at": now - 30,
                "parent_id": "a1",
            },
            {
                "id": "a2",
                "role": "assistant",
                "content": hostile("Half an answer"),
                "reasoning": "",
                "created_at": now - 20,
                "parent_id": "u2",
                "model": hostile("old-model"),
                "provider": hostile("local"),
                "status": "error",
                "error": hostile("local: Server error (500)."),
            },
        ],
        "current": "a2",
        "branches": {},
        "summaries": [
            {
                "id": "s1",
                "text": hostile("A summary"),
                "covers": ["u1", "a1"],
                "created_at": now,
                "model": hostile("summary-model"),
            }
        ],
    }


def write_hostile_data(tmp_path: Path, base_url: str) -> None:
    """A config, a session, the two indexes beside it and a trashed session, all with the
    payload in their strings."""
    esc = "\\u001b]0;pwned\\u0007\\u001b[2J\\u009b"  # TOML escapes
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'default_provider = "local"\n'
        "[providers.local]\n"
        f'label = "{esc}Local test{esc}"\n'
        f'base_url = "{base_url}"\n'
        f'models = ["test-model", "{esc}other-model"]\n'
        "timeout = 5\n"
        "[personas]\n"
        f'"{esc}Pirate" = "Talk like a pirate.{esc}"\n',
        encoding="utf-8",
    )
    data = tmp_path / "data"
    sessions = data / "sessions"
    sessions.mkdir(parents=True)
    now = time.time()
    session_file = sessions / f"{SESSION_ID}.json"
    session_file.write_text(json.dumps(hostile_session(now)), encoding="utf-8")
    info = session_file.stat()
    # Indexes that match the file (so they are believed) and hold hostile text themselves.
    summary = {
        "id": SESSION_ID,
        "title": hostile("Indexed title"),
        "model": hostile("test-model"),
        "provider": hostile("local"),
        "updated_at": now,
        "message_count": 4,
        "pinned": False,
    }
    head = {"version": 2, "count": 1, "head": [summary]}
    entries = {
        "entries": {
            SESSION_ID: {"summary": summary, "mtime_ns": info.st_mtime_ns, "size": info.st_size}
        }
    }
    (data / "session-index.json").write_text(
        json.dumps(head) + "\n" + json.dumps(entries) + "\n", encoding="utf-8"
    )
    line = {
        "id": SESSION_ID,
        "title": hostile("Searchable title"),
        "updated_at": now,
        "mtime_ns": info.st_mtime_ns,
        "size": info.st_size,
        "m": [["u1", hostile("first question")]],
    }
    (data / "search-index.jsonl").write_text(
        json.dumps({"version": SEARCH_INDEX_VERSION}) + "\n" + json.dumps(line) + "\n",
        encoding="utf-8",
    )
    trash = data / "trash"
    trash.mkdir()
    trashed = hostile_session(now) | {"id": "hostile00002", "title": hostile("Trashed title")}
    (trash / "hostile00002.json").write_text(json.dumps(trashed), encoding="utf-8")


async def test_hostile_data_and_server_never_reach_the_terminal(
    tmp_path: Path, server, terminal: list[str]
) -> None:
    write_hostile_data(tmp_path, server.base_url)
    server.models = [hostile("alpha-model"), hostile("beta-model")]
    server.enqueue(
        Script(
            content=[hostile("Hello"), " world"],
            reasoning=[hostile("Thinking")],
            model=hostile("served-model"),
            finish_reason=hostile("odd-reason"),
        )
    )
    error = {"error": {"message": hostile("Internal trouble"), "code": hostile("oops")}}
    server.enqueue(Script(status=500, error_body=error))
    server.enqueue(Script(content=["Partial"], inband_error={"message": hostile("Mid-stream")}))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "session", None) is not None)
        assert app.screen.session.id == SESSION_ID
        assert app.screen.session.model == "test-model"
        await pilot.pause()
        # The model list from GET /models, in the picker.
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelPickerScreen))
        options = app.screen.query_one(OptionList)
        await wait_until(pilot, lambda: options.option_count >= 4)
        await pilot.pause()
        await pilot.press("escape")
        # The provider picker (labels) and the session settings (personas, extra_body).
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        # The context inspector (a turn's tool calls are rows of it).
        await pilot.press("alt+i")
        await wait_until(pilot, lambda: isinstance(app.screen, InspectorScreen))
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        # Search results (titles from the search index) and the trash.
        await pilot.press("alt+s", *"searchable")
        results = app.screen.query_one(SearchResults)
        await wait_until(pilot, lambda: results.display and results.option_count > 0)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("shift+f8")
        await wait_until(pilot, lambda: isinstance(app.screen, TrashScreen))
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        # A streamed reply, an HTTP error and an error inside the stream.
        for text in ("One", "Two", "Three"):
            await type_and_send(pilot, text)
            await wait_for_replies(pilot, app)
        chats = [r for r in server.requests if r["path"].endswith("/chat/completions")]
        assert len(chats) == 3
    output = "".join(terminal)
    # The data was drawn (so this checks something) ...
    drawn = (
        "Hostile title",
        "alpha-model",
        "Hello",
        "Internal trouble",
        "Mid-stream",
        "py · 1",
        "x²",
    )
    # (A search hit shows the session's title as the sidebar lists it, not the index's:
    # the index's title is checked in test_index_files_and_trash_are_cleaned.)
    for shown in (*drawn, "Trashed title", "odd-reason", "⚙ Hostile label"):
        assert shown in output, shown
    # ... and nothing of the payload reached the terminal.
    assert unexpected_controls(output) == []
    assert "pwned" not in output


# -- each boundary on its own ---------------------------------------------------------------


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a JSON-like document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def assert_clean(*values: Any) -> None:
    for text in strings_in(list(values)):
        assert not UNSAFE.search(text), repr(text)
        assert "pwned" not in text, repr(text)


def test_sanitize_single_line_and_clean_tree() -> None:
    assert single_line(hostile("gpt-4o")) == "gpt-4o"
    assert single_line("two\nlines\tand a tab") == "two lines and a tab"
    assert single_line("  kept as is  ") == "  kept as is  "
    tree = clean_tree({hostile("key\nname"): [hostile("a\nb"), 3, {"x": hostile("y")}], "n": 1.5})
    assert tree == {"key name": ["a\nb", 3, {"x": "y"}], "n": 1.5}


def test_session_file_every_field_is_cleaned_when_loaded() -> None:
    session = Session.from_dict(hostile_session(time.time()))
    assert_clean(session.to_dict())
    assert (session.provider, session.model) == ("local", "test-model")
    assert session.title == "Hostile title"
    assert session.settings.summary_model == "summary-model"
    assert session.settings.extra_body == {"hint": ["value"]}
    reply = session.messages[1]
    assert (reply.model, reply.provider, reply.finish_reason) == (
        "old-model",
        "local",
        "odd-reason",
    )
    assert session.summaries[0].model == "summary-model"
    assert session.messages[0].attachments == ["/nowhere/cat.png"]
    # Single-line fields stay on one line.
    data = {"id": "s", "model": "a\nb", "messages": [{"role": "assistant", "model": "c\rd\ne"}]}
    loaded = Session.from_dict(data)
    assert loaded.model == "a b"
    assert loaded.messages[0].model == "cd e"


def test_index_files_and_trash_are_cleaned(tmp_path: Path) -> None:
    write_hostile_data(tmp_path, "http://127.0.0.1:9/v1")
    data = tmp_path / "data"
    store = SessionStore(data / "sessions", data / "session-index.json")
    head, count = store.index_head()
    assert count == 1
    assert_clean([asdict(s) for s in head])
    assert head[0].title == "Indexed title"
    summaries, problems = store.list_sessions()
    assert problems == []
    assert_clean([asdict(s) for s in summaries])
    assert (summaries[0].model, summaries[0].provider) == ("test-model", "local")
    store.search.load()
    hits = store.search.search("searchable")
    assert [hit.title for hit in hits] == ["Searchable title"]
    assert_clean([asdict(hit) for hit in hits])
    trashed = store.trash.list()
    assert [t.title for t in trashed] == ["Trashed title"]
    store.close()


def test_file_names_with_control_characters_are_not_listed(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    good = Session(id="goodgoodgood", title="Good")
    (sessions / "goodgoodgood.json").write_text(json.dumps(good.to_dict()), encoding="utf-8")
    bad = Session(id="bad", title="Bad")
    (sessions / "\x1b]0;pwned\x07.json").write_text(json.dumps(bad.to_dict()), encoding="utf-8")
    (sessions / "\x1b[2J.json").write_text("not json", encoding="utf-8")
    store = SessionStore(sessions, tmp_path / "index.json")
    summaries, problems = store.list_sessions()
    assert [s.id for s in summaries] == ["goodgoodgood"]
    assert problems == []
    store.close()


def test_config_values_are_cleaned(tmp_path: Path) -> None:
    write_hostile_data(tmp_path, "http://127.0.0.1:9/v1")
    config = load_config(tmp_path / "config" / "config.toml")
    provider = config.providers["local"]
    assert provider.display_name == "Local test"
    assert provider.models == ("test-model", "other-model")
    assert list(config.personas) == ["Pirate"]
    assert config.personas["Pirate"] == "Talk like a pirate."
    assert_clean(provider.display_name, provider.models, dict(config.personas))


def test_config_error_messages_are_clean(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'default_provider = "\\u001b]0;pwned\\u0007x"\n'
        '[providers.a]\nbase_url = "http://127.0.0.1:9/v1"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert_clean(str(raised.value))
    assert "default_provider 'x'" in str(raised.value)


async def test_server_answers_are_cleaned_by_the_provider(server) -> None:
    server.enqueue(
        Script(
            content=[hostile("Hello")],
            reasoning=[hostile("Thinking")],
            model=hostile("served-model"),
            finish_reason=hostile("odd-reason"),
        )
    )
    server.enqueue(Script(status=500, error_body={"error": {"message": hostile("Trouble")}}))
    server.enqueue(Script(content=["Partial"], inband_error={"message": hostile("Mid-stream")}))
    provider = OpenAICompatibleProvider(
        ProviderConfig(name="t", base_url=server.base_url, timeout=5.0), "sk-test", NO_RETRY
    )
    request = ChatRequest(model="test-model", messages=[{"role": "user", "content": "Hi"}])
    try:
        replies = [[event async for event in provider.stream(request)] for _ in range(3)]
    finally:
        await provider.aclose()
    first = replies[0]
    assert "".join(e.text for e in first if isinstance(e, TextDelta)) == "Hello"
    assert "".join(e.text for e in first if isinstance(e, ReasoningDelta)) == "Thinking"
    finished = next(e for e in first if isinstance(e, Finished))
    assert (finished.finish_reason, finished.model) == ("odd-reason", "served-model")
    assert_clean(finished.description)
    for events in replies[1:]:
        failed = next(e for e in events if isinstance(e, Failed))
        assert_clean(failed.error.title, failed.error.message)
    assert "Trouble" in next(e for e in replies[1] if isinstance(e, Failed)).error.message


async def test_model_ids_from_the_server_are_cleaned(server, tmp_path: Path) -> None:
    server.models = [hostile("alpha-model"), "beta\nmodel", PAYLOAD]
    provider = ProviderConfig(name="t", base_url=server.base_url, timeout=5.0)
    listed = await fetch_models(provider, "sk-test")
    assert listed.ids == ("alpha-model", "beta model")


def test_embeddings_errors_are_cleaned() -> None:
    assert EmbeddingsUnavailable(f"embeddings failed: {hostile('boom')}").problem == (
        "embeddings failed: boom"
    )


def test_chatgpt_import_is_cleaned(tmp_path: Path) -> None:
    export = [
        {
            "id": "conv-1",
            "title": hostile("Imported"),
            "current_node": "n2",
            "mapping": {
                "n1": {
                    "parent": None,
                    "message": {
                        "id": "m1",
                        "author": {"role": "user"},
                        "content": {"content_type": "text", "parts": [hostile("Question")]},
                    },
                },
                "n2": {
                    "parent": "n1",
                    "message": {
                        "id": "m2",
                        "author": {"role": "assistant"},
                        "content": {"content_type": "text", "parts": [hostile("Answer")]},
                        "metadata": {"model_slug": hostile("gpt-4o")},
                    },
                },
            },
        },
        {
            "id": "conv-2",
            "title": "Broken",
            "mapping": {hostile("x"): "not a node"},
            "current_node": hostile("x"),
        },
    ]
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    store = SessionStore(tmp_path / "sessions", tmp_path / "index.json")
    result = import_file(path, store)
    store.close()
    assert len(result.imported) == 1
    assert_clean(result.summary_lines())
    session = SessionStore(tmp_path / "sessions", tmp_path / "index.json").load(
        result.imported[0][0]
    )
    assert_clean(session.to_dict())
    assert session.messages[1].model == "gpt-4o"
