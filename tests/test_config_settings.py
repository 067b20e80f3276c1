"""The newer config keys: [defaults], [personas], per-model settings, and the example file
shipped inside the package."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from config_parts import PROVIDER, write

from tui_chat.config.model import ConfigError
from tui_chat.config.parse import example_config_text, load_config
from tui_chat.config.provider import ModelSettings, ProviderConfig
from tui_chat.core.settings import (
    DEFAULTS_FIELDS,
    EFFORTS,
    FIELDS,
    THINKING_MODES,
    ChatSettings,
)

REPO = Path(__file__).resolve().parent.parent




def error_for(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return info.value


# -- the example file -----------------------------------------------------------------------


def test_packaged_example_is_the_root_example() -> None:
    """`tui-chat config init` writes the copy inside the package; the root copy is the one
    people read on the web. They must be the same bytes."""
    packaged = REPO / "tui_chat" / "config.example.toml"
    root = REPO / "config.example.toml"
    assert packaged.read_bytes() == root.read_bytes(), (
        "config.example.toml and tui_chat/config.example.toml differ: copy one over the other"
    )
    assert example_config_text() == root.read_text(encoding="utf-8")


def test_example_documents_the_choices_the_parser_accepts() -> None:
    text = example_config_text()
    match = re.search(r"# reasoning_effort = .*?# (none, .*?) \(each", text, re.S)
    assert match is not None
    words = re.split(r",\s*(?:or\s+)?|\s+or\s+", match.group(1))
    assert words == list(EFFORTS)
    thinking = re.search(r'# thinking = "default" +# (.*)', text)
    assert thinking is not None
    assert re.findall(r'"(\w+)"', thinking.group(1)) == list(THINKING_MODES)


def test_example_commented_settings_are_valid(tmp_path: Path) -> None:
    """Uncommenting the example [defaults], [personas] and model_settings lines gives a
    valid file (with persona and system_prompt not both set)."""
    text = example_config_text()
    text = re.sub(r"(?m)^# (\w+ = .*)$", r"\1", text)  # `# key = value` lines
    text = re.sub(r'(?m)^# ("""|Translate|\[providers\.|\[mcp_servers\.)', r"\1", text)
    text = text.replace('system_prompt = ""\n', "")
    config = load_config(write(tmp_path, text))
    assert config.warnings == ()
    assert config.defaults.persona == "terse"
    assert config.system_prompt == "Answer in as few words as possible."
    assert config.defaults.thinking == "default"
    assert config.defaults.reasoning_effort == "high"
    assert "translator" in config.personas
    qwen = config.providers["dashscope"].model_settings["qwen3-max"]
    assert qwen.context_window == 262144
    assert qwen.extra_body == {"enable_thinking": True, "thinking_budget": 8192}


# -- [defaults] ---------------------------------------------------------------------------


def test_defaults_table(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            "[defaults]\n"
            'system_prompt = "Be brief."\n'
            "temperature = 1\n"
            "top_p = 0.5\n"
            "max_tokens = 2048\n"
            'thinking = "off"\n'
            "thinking_budget = 1024\n"
            'reasoning_effort = "low"\n'
            "json_mode = true\n"
            "context_free = true\n" + PROVIDER,
        )
    )
    assert config.warnings == ()
    assert config.defaults == ChatSettings(
        system_prompt="Be brief.",
        temperature=1.0,
        top_p=0.5,
        max_tokens=2048,
        thinking="off",
        thinking_budget=1024,
        reasoning_effort="low",
        json_mode=True,
        context_free=True,
    )
    assert isinstance(config.defaults.temperature, float)
    assert config.system_prompt == "Be brief."


def test_no_defaults_means_provider_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, PROVIDER))
    assert config.defaults == ChatSettings()
    assert config.defaults.thinking == "default"
    assert config.defaults.temperature is None
    assert config.personas == {}


def test_thinking_accepts_true_and_false(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "[defaults]\nthinking = true\n")).defaults.thinking == "on"
    assert load_config(write(tmp_path, "[defaults]\nthinking = false\n")).defaults.thinking == "off"


def test_top_level_system_prompt_still_works(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'system_prompt = "Old style."\n' + PROVIDER))
    assert config.system_prompt == "Old style."
    assert config.defaults.system_prompt == "Old style."
    assert config.warnings == ()
    # An empty [defaults] system_prompt (as in the example) does not hide it.
    text = 'system_prompt = "Old style."\n[defaults]\nsystem_prompt = ""\n' + PROVIDER
    assert load_config(write(tmp_path, text)).system_prompt == "Old style."


def test_system_prompt_in_both_places_warns(tmp_path: Path) -> None:
    path = write(tmp_path, 'system_prompt = "Top."\n[defaults]\nsystem_prompt = "Table."\n')
    config = load_config(path)
    assert config.system_prompt == "Table."
    assert len(config.warnings) == 1
    assert config.warnings[0].startswith(f"{path}:1:")


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("temperature = 3", "from 0 to 2"),
        ("temperature = -0.1", "from 0 to 2"),
        ('temperature = "warm"', "from 0 to 2"),
        ("temperature = true", "from 0 to 2"),
        ("top_p = 0", "above 0"),
        ("top_p = 1.5", "above 0"),
        ("max_tokens = 0", "positive whole number"),
        ("max_tokens = 1.5", "positive whole number"),
        ("thinking_budget = -1", "positive whole number"),
        ('thinking = "maybe"', "default, on, off"),
        ('reasoning_effort = "extreme"', "none, minimal"),
        ("json_mode = 1", "true or false"),
        ('context_free = "yes"', "true or false"),
        ("system_prompt = 3", "must be a string"),
        ('persona = "nobody"', "'nobody' is not in [personas]"),
    ],
)
def test_bad_default_names_its_line(tmp_path: Path, line: str, fragment: str) -> None:
    key = line.split(" ", 1)[0]
    error = error_for(tmp_path, f"# settings\n\n[defaults]\n# the bad line:\n{line}\n" + PROVIDER)
    assert error.line == 5, error
    assert f"[defaults] {key}" in error.problem
    assert fragment in error.problem
    assert f"{error.path}:5:" in str(error)


def test_defaults_must_be_a_table(tmp_path: Path) -> None:
    error = error_for(tmp_path, "defaults = 3\n")
    assert error.line == 1
    assert "defaults" in error.problem


def test_unknown_default_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "[defaults]\ntemprature = 0.5\n" + PROVIDER)
    config = load_config(path)
    assert len(config.warnings) == 1
    assert config.warnings[0].startswith(f"{path}:2:")
    assert "'temprature' in [defaults]" in config.warnings[0]


# -- [personas] ---------------------------------------------------------------------------


def test_personas_and_default_persona(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[defaults]\npersona = "poet"\n'
            '[personas]\nterse = "Be terse."\npoet = """\nAnswer in verse.\nRhyme."""\n' + PROVIDER,
        )
    )
    assert config.personas == {"terse": "Be terse.", "poet": "Answer in verse.\nRhyme."}
    assert config.defaults.persona == "poet"
    assert config.system_prompt == "Answer in verse.\nRhyme."


def test_persona_and_system_prompt_together_is_an_error(tmp_path: Path) -> None:
    error = error_for(
        tmp_path,
        '[defaults]\nsystem_prompt = "x"\npersona = "terse"\n[personas]\nterse = "Be terse."\n',
    )
    assert error.line == 3
    assert "keep one" in error.problem


@pytest.mark.parametrize("value", ['""', "3", "[]"])
def test_bad_persona_names_its_line(tmp_path: Path, value: str) -> None:
    error = error_for(tmp_path, f'[personas]\nok = "fine"\nbad = {value}\n')
    assert error.line == 3
    assert "[personas] bad" in error.problem


def test_personas_must_be_a_table(tmp_path: Path) -> None:
    assert error_for(tmp_path, 'personas = "x"\n').line == 1


# -- per-model settings ---------------------------------------------------------------------


def test_model_settings(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            PROVIDER
            + "extra_body = { enable_thinking = false, thinking = { type = 'enabled', x = 1 } }\n"
            '[providers.local.model_settings."Qwen/Qwen3-235B"]\n'
            "context_window = 131072\n"
            "extra_body = { enable_thinking = true, thinking = { x = 2 } }\n"
            '[providers.local.model_settings."glm-4.5-air"]\n'
            "context_window = 128000\n",
        )
    )
    assert config.warnings == ()
    local = config.providers["local"]
    assert local.model_settings == {
        "Qwen/Qwen3-235B": ModelSettings(
            extra_body={"enable_thinking": True, "thinking": {"x": 2}}, context_window=131072
        ),
        "glm-4.5-air": ModelSettings(context_window=128000),
    }
    assert local.extra_body_for("Qwen/Qwen3-235B") == {
        "enable_thinking": True,
        "thinking": {"type": "enabled", "x": 2},  # nested tables merge key by key
    }
    assert local.extra_body_for("m1") == {
        "enable_thinking": False,
        "thinking": {"type": "enabled", "x": 1},
    }
    assert local.extra_body == {"enable_thinking": False, "thinking": {"type": "enabled", "x": 1}}
    assert local.context_window_for("glm-4.5-air") == 128000
    assert local.context_window_for("m1") is None


def test_extra_body_for_does_not_share_the_config_dict() -> None:
    p = ProviderConfig(name="p", base_url="http://x/v1", extra_body={"a": 1})
    body = p.extra_body_for("m")
    body["b"] = 2
    assert p.extra_body == {"a": 1}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("context_window = 0", "context_window"),
        ('context_window = "big"', "context_window"),
        ("extra_body = 3", "extra_body"),
    ],
)
def test_bad_model_setting_names_its_line(tmp_path: Path, body: str, fragment: str) -> None:
    error = error_for(
        tmp_path, PROVIDER + f'\n[providers.local.model_settings."a/b-1.5"]\n{body}\n'
    )
    assert error.line == 6  # the bad key's line
    assert '[providers.local.model_settings."a/b-1.5"]' in error.problem
    assert fragment in error.problem


def test_model_settings_must_be_tables(tmp_path: Path) -> None:
    error = error_for(tmp_path, PROVIDER + "model_settings = 3\n")
    assert error.line == 4
    assert "model_settings" in error.problem
    error = error_for(tmp_path, PROVIDER + 'model_settings = { m1 = "x" }\n')
    assert error.line == 4
    assert "must be a table" in error.problem


def test_unknown_model_setting_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, PROVIDER + "[providers.local.model_settings.m1]\ncolour = 1\n")
    config = load_config(path)
    assert len(config.warnings) == 1
    assert config.warnings[0].startswith(f"{path}:5:")
    assert "'colour'" in config.warnings[0]


def test_session_settings_come_from_defaults_with_the_persona_resolved(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[defaults]\npersona = "terse"\ntemperature = 0.3\nmax_tokens = 500\n'
            'thinking = "on"\nthinking_budget = 800\nreasoning_effort = "high"\n'
            "json_mode = true\ncontext_free = true\n"
            '[personas]\nterse = "Be terse."\n' + PROVIDER,
        )
    )
    settings = config.session_settings()
    assert settings == ChatSettings(
        system_prompt="Be terse.",
        temperature=0.3,
        max_tokens=500,
        thinking="on",
        thinking_budget=800,
        reasoning_effort="high",
        json_mode=True,
        # context_free is the "last_turns" strategy with no earlier turns.
        context_strategy="last_turns",
        context_turns=0,
    )
    # Every [defaults] setting but the persona (resolved), context_free (a strategy) and
    # auto_title (app behaviour, not a request setting) is one a session keeps.
    names = {f.name for f in DEFAULTS_FIELDS} - {
        "persona",
        "context_free",
        "auto_title",
    }
    assert names <= {f.name for f in FIELDS if f.stored}


def test_session_settings_without_defaults_leave_everything_to_the_provider(
    tmp_path: Path,
) -> None:
    settings = load_config(write(tmp_path, PROVIDER)).session_settings()
    assert settings == ChatSettings(system_prompt="")
    assert settings.to_dict() == {"system_prompt": ""}
