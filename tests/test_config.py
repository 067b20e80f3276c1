"""Config loading and validation: TOML on disk -> Config, with errors that name the line."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from config_parts import write

from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse import load_config, parse_config
from tui_chat.config.paths import Paths, default_config_path, default_data_dir
from tui_chat.config.presets import PRESETS
from tui_chat.config.provider import DEFAULT_TIMEOUT, DIALECTS, PLACEHOLDER_KEY, ProviderConfig

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config.example.toml"

GOOD_PROVIDER = """\
[providers.local]
base_url = "http://localhost:8000/v1"
models = ["m1", "m2"]
"""




def config_error(tmp_path: Path, text: str) -> ConfigError:
    """The ConfigError that loading `text` raises."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.path == path
    return info.value


# -- paths ---------------------------------------------------------------------------------


def test_default_paths_follow_xdg(tmp_path: Path) -> None:
    """The autouse fixture moved config and data under tmp_path (XDG on Linux)."""
    assert default_config_path() == tmp_path / "xdg-config" / "tui-chat" / "config.toml"
    assert default_data_dir() == tmp_path / "xdg-data" / "tui-chat"
    paths = Paths.resolve()
    assert paths.sessions_dir == tmp_path / "xdg-data" / "tui-chat" / "sessions"
    assert paths.session_index_file.parent == paths.data_dir


def test_paths_resolve_explicit(tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path / "c.toml", tmp_path / "d")
    assert paths.config_file == tmp_path / "c.toml"
    assert paths.sessions_dir == tmp_path / "d" / "sessions"


# -- defaults and the example file ----------------------------------------------------------


def test_missing_file_uses_presets(tmp_path: Path) -> None:
    path = tmp_path / "does-not-exist.toml"
    config = load_config(path)
    assert config.exists is False
    assert config.path == path
    assert dict(config.providers) == PRESETS
    assert config.default_provider in PRESETS
    assert config.warnings == ()
    assert config.system_prompt == ""
    assert config.theme is None


def test_example_config_matches_presets() -> None:
    """config.example.toml parses cleanly and mirrors PRESETS field by field."""
    config = load_config(EXAMPLE)
    assert config.exists is True
    assert config.warnings == ()
    assert list(config.providers) == list(PRESETS)
    for name, preset in PRESETS.items():
        got = config.providers[name]
        assert got.name == preset.name
        assert got.base_url == preset.base_url, name
        assert got.api_key_env == preset.api_key_env, name
        assert got.models == preset.models, name
        assert got.default_model == preset.default_model, name
        assert got.dialect == preset.dialect, name
        assert got.label == preset.label, name
        assert got.api_key is None
    assert dict(config.providers) == PRESETS
    assert config.default_provider == Config(path=EXAMPLE).default_provider


def test_example_config_documents_every_dialect() -> None:
    """The dialect list in the example's comments is the list the parser accepts."""
    text = EXAMPLE.read_text(encoding="utf-8")
    match = re.search(r"#\s+dialect\s+which provider quirks apply: (.*?)\n#\s+\(", text, re.S)
    assert match is not None
    documented = [w.strip(" #\n") for w in match.group(1).split(",")]
    assert documented == list(DIALECTS)


def test_valid_config_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'default_provider = "local"\n'
        'system_prompt = "Be brief."\n'
        'theme = "nord"\n'
        "[providers.local]\n"
        'base_url = "http://localhost:8000/v1/"\n'
        'models = ["m1", "m2"]\n'
        'dialect = "vllm"\n'
        "timeout = 5\n"
        'label = "Local"\n'
        'api_key_env = "LOCAL_KEY"\n'
        "extra_body = { enable_thinking = true }\n",
    )
    config = load_config(path)
    assert config.exists is True
    assert config.warnings == ()
    assert config.default_provider == "local"
    assert config.system_prompt == "Be brief."
    assert config.theme == "nord"
    assert list(config.providers) == ["local"]
    local = config.provider("local")
    assert local == ProviderConfig(
        name="local",
        base_url="http://localhost:8000/v1",  # trailing slash removed
        api_key_env="LOCAL_KEY",
        models=("m1", "m2"),
        dialect="vllm",
        timeout=5.0,
        extra_body={"enable_thinking": True},
        label="Local",
    )
    assert local.model == "m1"  # no default_model: the first model
    assert local.display_name == "Local"
    assert config.provider("nope") is None


def test_defaults_for_a_minimal_provider(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[providers.x]\nbase_url = "https://x.example/v1"\n'))
    x = config.providers["x"]
    assert config.default_provider == "x"  # the first table when not set
    assert (x.dialect, x.timeout, x.models, x.label) == ("generic", DEFAULT_TIMEOUT, (), None)
    assert x.model == "default"
    assert x.display_name == "x"
    assert x.needs_key is False


def test_default_model_wins_over_models(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD_PROVIDER + 'default_model = "m2"\n'))
    assert config.providers["local"].model == "m2"


def test_no_provider_tables_means_presets(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'default_provider = "deepseek"\n'))
    assert dict(config.providers) == PRESETS
    assert config.default_provider == "deepseek"
    assert config.exists is True


def test_demo_is_an_allowed_default_provider(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'default_provider = "demo"\n' + GOOD_PROVIDER))
    assert config.default_provider == "demo"


# -- errors -----------------------------------------------------------------------------------


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    error = config_error(tmp_path, 'default_provider = "local"\n\n[providers.local]\nbase_url = \n')
    assert error.line == 4
    assert "invalid TOML" in error.problem
    assert f"{error.path}:4:" in str(error)
    assert "line" not in error.problem  # the line is in .line, not repeated


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(path)


@pytest.mark.parametrize(
    ("body", "fragment", "line"),
    [
        ('base_url = "http://x/v1"\ndialect = "klingon"\n', "klingon", 9),
        ('models = ["m"]\n', "base_url", 7),  # missing: the table's line
        ('base_url = ""\n', "base_url", 8),
        ("base_url = 42\n", "base_url", 8),
        ('base_url = "ftp://x.example/v1"\n', "http://", 8),
        ('base_url = "api.openai.com/v1"\n', "http://", 8),
        ('base_url = "http://x/v1"\nmodels = "gpt-4"\n', "models", 9),
        ('base_url = "http://x/v1"\nmodels = [1, 2]\n', "models", 9),
        ('base_url = "http://x/v1"\nmodels = [""]\n', "models", 9),
        ('base_url = "http://x/v1"\ntimeout = -1\n', "timeout", 9),
        ('base_url = "http://x/v1"\ntimeout = true\n', "timeout", 9),
        ('base_url = "http://x/v1"\nextra_body = 3\n', "extra_body", 9),
        ('base_url = "http://x/v1"\napi_key_env = 5\n', "api_key_env", 9),
        ('base_url = "http://x/v1"\nlabel = ["a"]\n', "label", 9),
    ],
)
def test_bad_provider_names_the_line_of_its_key(
    tmp_path: Path, body: str, fragment: str, line: int
) -> None:
    text = '# comment\ndefault_provider = "ok"\n\n[providers.ok]\nbase_url = "http://ok/v1"\n\n'
    text += "[providers.bad]\n" + body
    error = config_error(tmp_path, text)
    assert error.line == line  # the bad key's line; the [providers.bad] header (7) if missing
    assert "[providers.bad]" in error.problem
    assert fragment in error.problem
    assert f"{error.path}:{line}:" in str(error)


def test_default_provider_must_exist(tmp_path: Path) -> None:
    error = config_error(tmp_path, "\n# x\ndefault_provider = 'nope'\n" + GOOD_PROVIDER)
    assert error.line == 3
    assert "nope" in error.problem
    assert "local" in error.problem  # lists what exists


def test_demo_table_is_reserved(tmp_path: Path) -> None:
    error = config_error(tmp_path, '[providers.demo]\nbase_url = "http://x/v1"\n')
    assert error.line == 1
    assert "reserved" in error.problem


def test_top_level_types_are_checked(tmp_path: Path) -> None:
    assert config_error(tmp_path, "providers = 3\n").line == 1
    error = config_error(tmp_path, GOOD_PROVIDER.replace("[", "system_prompt = 1\n[", 1))
    assert error.line == 1
    assert "system_prompt" in error.problem


# -- warnings ---------------------------------------------------------------------------------


def test_unknown_keys_are_warnings(tmp_path: Path) -> None:
    path = write(tmp_path, 'colour = "blue"\n' + GOOD_PROVIDER + "temprature = 0.5\n")
    config = load_config(path)
    assert config.providers["local"].models == ("m1", "m2")
    assert len(config.warnings) == 2
    top, provider = config.warnings
    assert top.startswith(f"{path}:1:")
    assert "'colour'" in top
    assert provider.startswith(f"{path}:5:")  # the key's line, not the table's
    assert "'temprature'" in provider
    assert "[providers.local]" in provider


def test_unknown_table_warning_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[general]\nfoo = 1\n\n[providers."my-local"]\nbase_url = "http://x/v1"\nbogus = 2\n',
    )
    warnings = load_config(path).warnings
    assert len(warnings) == 2
    assert not any("None" in w for w in warnings), warnings
    assert warnings[0].startswith(f"{path}:1:")
    assert warnings[1].startswith(f"{path}:6:")


def test_inline_key_in_world_readable_file_warns(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_PROVIDER + 'api_key = "sk-inline"\n', mode=0o644)
    config = load_config(path)
    assert config.providers["local"].api_key == "sk-inline"
    assert len(config.warnings) == 1
    assert "chmod 600" in config.warnings[0]
    assert str(path) in config.warnings[0]
    assert "sk-inline" not in config.warnings[0]


def test_inline_key_in_private_file_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_PROVIDER + 'api_key = "sk-inline"\n', mode=0o600)
    assert load_config(path).warnings == ()


def test_readable_file_without_inline_key_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_PROVIDER + 'api_key_env = "X_KEY"\n', mode=0o644)
    assert load_config(path).warnings == ()


# -- keys -------------------------------------------------------------------------------------


def provider(**kwargs: object) -> ProviderConfig:
    return ProviderConfig(name="p", base_url="http://x/v1", **kwargs)  # type: ignore[arg-type]


def test_resolve_key_from_environ() -> None:
    p = provider(api_key_env="MY_KEY")
    assert p.needs_key is True
    assert p.resolve_key({"MY_KEY": "sk-env"}) == "sk-env"
    assert p.resolve_key({"MY_KEY": "  sk-env\n"}) == "sk-env"
    assert p.resolve_key({}) is None
    assert p.resolve_key({"MY_KEY": ""}) is None
    assert p.resolve_key({"MY_KEY": "   "}) is None
    assert "MY_KEY" in p.missing_key_reason()


def test_resolve_key_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    p = provider(api_key_env="TUI_CHAT_TEST_KEY")
    monkeypatch.delenv("TUI_CHAT_TEST_KEY", raising=False)
    assert p.resolve_key() is None
    monkeypatch.setenv("TUI_CHAT_TEST_KEY", "sk-os")
    assert p.resolve_key() == "sk-os"


def test_resolve_key_inline_wins() -> None:
    p = provider(api_key="sk-inline", api_key_env="MY_KEY")
    assert p.resolve_key({"MY_KEY": "sk-env"}) == "sk-inline"
    assert p.resolve_key({}) == "sk-inline"


def test_resolve_key_without_any_key_is_placeholder() -> None:
    p = provider()
    assert p.needs_key is False
    assert p.resolve_key({}) == PLACEHOLDER_KEY
    assert p.resolve_key({"OPENAI_API_KEY": "sk-other"}) == PLACEHOLDER_KEY
    assert p.missing_key_reason() == "no API key configured"


def test_presets_use_their_key_variables() -> None:
    """Every preset except the local one needs a key, and none is set in the tests."""
    for name, preset in PRESETS.items():
        if name == "ollama":
            assert preset.resolve_key() == PLACEHOLDER_KEY
        else:
            assert preset.api_key_env and preset.resolve_key() is None, name
            assert preset.dialect in DIALECTS


# -- big files ----------------------------------------------------------------------------


def many_providers(count: int) -> str:
    return 'default_provider = "p0"\n' + "".join(
        f'[providers.p{n}]\nbase_url = "http://h{n}.example/v1"\nmodels = ["m{n}"]\n\n'
        for n in range(count)
    )


def python_calls(function: object, *args: object) -> int:
    """How many Python function calls `function(*args)` makes: a measure of work that,
    unlike time, is the same on every run."""
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        function(*args)  # type: ignore[operator]
    finally:
        sys.setprofile(None)
    return calls


def test_reading_a_config_is_linear_in_its_size() -> None:
    """Finding each key's line used to scan the file again: 10,000 providers took minutes."""
    path = Path("config.toml")
    small = python_calls(parse_config, many_providers(200), path)
    large = python_calls(parse_config, many_providers(400), path)
    assert large < 2.3 * small, (small, large)  # quadratic work would be about 4 times


def test_ten_thousand_providers_read_each_line_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui_chat.config import lines as config_lines

    built: list[config_lines.LineIndex] = []

    class CountedIndex(config_lines.LineIndex):
        def __init__(self, text: str) -> None:
            super().__init__(text)
            built.append(self)

    monkeypatch.setattr("tui_chat.config.parse.LineIndex", CountedIndex)
    text = many_providers(10_000)
    config = parse_config(text, Path("config.toml"))
    assert len(config.providers) == 10_000
    assert len(built) == 1
    assert built[0].lines_read == len(text.splitlines())
