"""`tui-chat config path|check|init`, and `tui-chat` alone still starting the app."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tui_chat import cli
from tui_chat.config.keys import forget_keys
from tui_chat.config.model import Config
from tui_chat.config.parse import example_config_text
from tui_chat.ui.render.probes import notifications

REPO = Path(__file__).resolve().parent.parent
GOOD = """\
default_provider = "a"
[providers.a]
base_url = "http://a/v1"
api_key_env = "A_KEY"
[providers.b]
base_url = "http://b/v1"
api_key_env = "B_KEY"
[providers.local]
base_url = "http://localhost:11434/v1"
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def user_config(tmp_path: Path) -> Path:
    """Where the config belongs under the test's XDG_CONFIG_HOME (see conftest)."""
    return tmp_path / "xdg-config" / "tui-chat" / "config.toml"


# -- path --------------------------------------------------------------------------------------


def test_config_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["config", "path"], capsys) == (0, f"{user_config(tmp_path)}\n", "")
    other = tmp_path / "other.toml"
    assert run(["--config", str(other), "config", "path"], capsys)[1] == f"{other}\n"
    assert run(["config", "path", "--config", str(other)], capsys)[1] == f"{other}\n"


def test_config_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["config"])
    assert info.value.code == 2
    assert "ACTION" in capsys.readouterr().err


# -- check -------------------------------------------------------------------------------------


def test_check_ok_with_masked_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(GOOD)
    monkeypatch.setenv("A_KEY", "sk-aaaa0123456789abcdefA1B2")
    code, out, err = run(["--config", str(path), "config", "check"], capsys)
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == f"OK: 3 providers (default: a) from {path}"
    assert "a      key found in $A_KEY: sk-…A1B2" in out
    assert "b      no key: B_KEY is not set" in out
    assert "local  no key needed" in out
    assert "0123456789abcdef" not in out


def test_check_runs_key_commands_and_masks_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forget_keys()
    script = tmp_path / "key.sh"
    script.write_text("#!/bin/sh\necho sk-cmdkey-0123456789Z9Z9\n")
    script.chmod(0o700)
    path = tmp_path / "c.toml"
    path.write_text(
        f"[providers.v]\nbase_url = 'http://v/v1'\napi_key_cmd = {shlex.quote(str(script))!r}\n"
        "[providers.w]\nbase_url = 'http://w/v1'\napi_key_cmd = 'exit 4'\n"
    )
    code, out, _err = run(["config", "check", "--config", str(path)], capsys)
    forget_keys()
    assert code == 0
    assert "sk-…Z9Z9" in out
    assert "0123456789" not in out
    assert "no key: api_key_cmd `exit 4` failed (exit status 4)" in out


def test_check_without_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(["config", "check"], capsys)
    assert code == 0
    assert out.startswith("OK: 9 providers (default: dashscope) from the built-in presets")
    assert f"No file at {user_config(tmp_path)}" in out
    assert not user_config(tmp_path).exists()


def test_check_prints_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.toml"
    path.write_text("colour = 'red'\n" + GOOD)
    code, out, err = run(["--config", str(path), "config", "check"], capsys)
    assert code == 0
    assert out.startswith("OK: 3 providers")
    assert f"warning: {path}:1: unknown key 'colour'" in err


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (GOOD + "[providers.c\n", 10, "invalid TOML"),
        (GOOD + '[providers.c]\nbase_url = "http://c/v1"\ndialect = "klingon"\n', 12, "klingon"),
        (GOOD + "[providers.c]\nmodels = ['x']\n", 10, "needs base_url"),
        (GOOD.replace('"a"', '"nope"', 1), 1, "nope"),
        (GOOD + "[defaults]\ntemperature = 9\n", 11, "temperature"),
    ],
)
def test_check_reports_an_invalid_file_and_leaves_it_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    os.chmod(path, 0o640)
    before = (path.read_bytes(), path.stat().st_mtime_ns, stat.S_IMODE(path.stat().st_mode))
    code, out, err = run(["--config", str(path), "config", "check"], capsys)
    assert code == 1
    assert out == ""
    assert err.startswith(f"{path}:{line}: ")
    assert fragment in err
    assert "Traceback" not in err
    assert (path.read_bytes(), path.stat().st_mtime_ns, stat.S_IMODE(path.stat().st_mode)) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["c.toml"]


MANY_MISTAKES = """\
default_provider = "a"
colour = "red"

[providers.a]
base_url = "http://a/v1"
timeout = -1
dialect = "klingon"
bogus = 1

[defaults]
temperature = 9
top_p = 5

[keymap]
"session.new" = "ctrl+r"
"no.such" = "f7"
"""


def test_check_reports_every_problem_in_line_order_at_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(MANY_MISTAKES)
    code, out, err = run(["--config", str(path), "config", "check"], capsys)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    located = [line.removeprefix("warning: ").split(": ", 1)[0] for line in lines[:-1]]
    assert located == [f"{path}:{n}" for n in (2, 6, 7, 8, 11, 12, 15, 16)]
    assert [line.startswith("warning: ") for line in lines[:-1]] == [
        True, False, False, True, False, False, True, True,
    ]  # fmt: skip
    assert "timeout" in lines[1] and "klingon" in lines[2] and "bogus" in lines[3]
    assert "temperature" in lines[4] and "top_p" in lines[5]
    assert "Traceback" not in err


async def test_check_says_keymap_problems_as_the_app_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app_harness import make_app, wait_until

    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'default_provider = "demo"\n[keymap]\n"session.new" = "ctrl+r"\n"no.such" = "f7"\n'
    )
    code, _out, err = run(["--config", str(config), "config", "check"], capsys)
    assert code == 0
    said = [line.removeprefix("warning: ") for line in err.splitlines()]
    assert len(said) == 2
    assert said[0].startswith(f"{config}:3: keymap: session.new")
    assert said[1].startswith(f"{config}:4: keymap: 'no.such'")
    app = make_app(tmp_path, None)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: len(notifications(app)) >= 2)
        shown = [str(n.message) for n in notifications(app)]
    # The same words as the app's; the check adds the line (and keeps the file's order).
    assert sorted(shown) == sorted([said[0].replace(":3:", ":", 1), said[1].replace(":4:", ":", 1)])


def test_check_a_missing_file_named_by_config_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.toml"
    code, out, err = run(["--config", str(missing), "config", "check"], capsys)
    assert code == 1
    assert out == ""
    assert err.startswith(f"{missing}: no such file")
    assert "built-in presets" not in err
    assert not missing.exists()


def test_check_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    """`tui-chat config check | head -1`: the reader goes away after one line."""
    path = tmp_path / "c.toml"
    path.write_text(
        "".join(f'[providers.p{n}]\nbase_url = "http://p{n}/v1"\n' for n in range(20000))
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "tui_chat", "--config", str(path), "config", "check"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # as `head -1` does once it has its line
        err = proc.stderr.read().decode()
        proc.wait(timeout=120)
    assert first.startswith(b"OK: 20000 providers")
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert err == ""


# -- init --------------------------------------------------------------------------------------


def test_init_writes_the_example_where_it_belongs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = user_config(tmp_path)
    code, out, _err = run(["config", "init"], capsys)
    assert code == 0
    assert str(target) in out
    assert target.read_text(encoding="utf-8") == example_config_text()
    assert target.read_bytes() == (REPO / "config.example.toml").read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert run(["config", "check"], capsys)[0] == 0


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mine.toml"
    target.write_text("# my own\n")
    code, out, err = run(["--config", str(target), "config", "init"], capsys)
    assert code == 1
    assert out == ""
    assert f"{target} already exists; it was not changed." in err
    assert target.read_text() == "# my own\n"


def test_init_never_follows_a_dangling_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(tmp_path / "elsewhere.toml")
    assert run(["--config", str(link), "config", "init"], capsys)[0] == 1
    assert not (tmp_path / "elsewhere.toml").exists()


def test_init_into_an_impossible_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _out, err = run(["--config", str(blocker / "config.toml"), "config", "init"], capsys)
    assert code == 1
    assert "Cannot create" in err


# -- the app and the real command ------------------------------------------------------------


def test_no_subcommand_starts_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    started: list[tuple[Path | None, Path | None]] = []

    class FakeApp:
        return_code = 0
        config = Config(path=tmp_path / "c.toml")
        graphics = None

        def run(self) -> None:
            pass

    def fake_build_app(config_file: Path | None, data_dir: Path | None) -> FakeApp:
        started.append((config_file, data_dir))
        return FakeApp()

    monkeypatch.setattr(cli, "build_app", fake_build_app)
    assert cli.main([]) == 0
    assert cli.main(["--config", str(tmp_path / "c.toml"), "--data-dir", str(tmp_path)]) == 0
    assert started == [(None, None), (tmp_path / "c.toml", tmp_path)]


def test_config_commands_from_the_shell(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "x")}
    target = tmp_path / "x" / "tui-chat" / "config.toml"

    def tui_chat(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui_chat", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=60,
            check=False,
        )

    assert tui_chat("config", "path").stdout == f"{target}\n"
    assert tui_chat("config", "init").returncode == 0
    assert target.exists()
    assert tui_chat("config", "init").returncode == 1
    check = tui_chat("config", "check")
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("OK: 9 providers")
