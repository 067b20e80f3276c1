"""The config for `/image`: `image_model` / `image_api` in `[providers.NAME]`, the `[images]`
table (problems at their lines), the presets' image models, saving from the app keeping
both, the provider form's rows and `config check` naming each provider's image model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from config_parts import PROVIDER, problems_of, write

from tui_chat import cli
from tui_chat.config.images_config import ImagesConfig
from tui_chat.config.parse import example_config_text, load_config
from tui_chat.config.presets import PRESETS
from tui_chat.config.provider_fields import BLANK_PROVIDER, IMAGE_API_AUTO, PROVIDER_FIELDS
from tui_chat.config.writer import config_to_toml, save_config, update_provider

# -- [providers.NAME] image_model / image_api ---------------------------------------------------


def test_provider_image_keys_are_read(tmp_path: Path) -> None:
    text = PROVIDER + 'image_model = "Qwen/Qwen-Image"\nimage_api = "modelscope"\n'
    local = load_config(write(tmp_path, text)).providers["local"]
    assert local.image_model == "Qwen/Qwen-Image"
    assert local.image_api == "modelscope"
    assert local.image_api_name == "modelscope"


def test_without_image_keys_the_dialect_decides(tmp_path: Path) -> None:
    local = load_config(write(tmp_path, PROVIDER)).providers["local"]
    assert (local.image_model, local.image_api, local.image_api_name) == (None, None, "openai")


@pytest.mark.parametrize(
    ("lines", "line", "fragment"),
    [
        ('image_api = "midjourney"\n', 5, "image_api must be one of: openai, siliconflow"),
        ("image_model = 4\n", 4, "image_model must be a string"),
    ],
)
def test_provider_image_key_problems_name_their_line(
    tmp_path: Path, lines: str, line: int, fragment: str
) -> None:
    text = PROVIDER + ('image_model = "x"\n' if "image_api" in lines else "") + lines
    found = problems_of(tmp_path, text)
    assert [(at, warning) for at, said, warning in found if fragment in said] == [(line, False)]


def test_presets_carry_their_image_models() -> None:
    models = {name: p.image_model for name, p in PRESETS.items() if p.image_model}
    assert models == {
        "dashscope": "qwen-image",
        "siliconflow": "Kwai-Kolors/Kolors",
        "modelscope": "Qwen/Qwen-Image",
        "zhipu": "cogview-4",
        "openai": "gpt-image-1",
    }
    assert PRESETS["dashscope"].image_api_name == "dashscope"  # the native API
    assert PRESETS["zhipu"].image_api_name == "openai"


def test_example_documents_the_image_keys() -> None:
    text = example_config_text()
    assert "image_model" in text and "image_api" in text and "[images]" in text
    assert "native API" in text
    for mode in ("auto", "kitty", "sixel", "halfblock", "off"):
        assert f'"{mode}"' in text


# -- [images] -----------------------------------------------------------------------------------


def test_images_table_is_read(tmp_path: Path) -> None:
    text = PROVIDER + '[images]\ndisplay = "halfblock"\nsize = "768*1344"\ncount = 2\n'
    text += "timeout = 90\n"
    images = load_config(write(tmp_path, text)).images
    assert images == ImagesConfig(display="halfblock", size="768x1344", count=2, timeout=90.0)


def test_images_defaults_without_the_table(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, PROVIDER)).images == ImagesConfig()


def test_images_problems_name_their_lines(tmp_path: Path) -> None:
    text = PROVIDER + (
        "[images]\n"  # line 4
        'display = "ascii"\n'
        'size = "big"\n'
        "count = 9\n"
        "timeout = 0\n"
        "colour = true\n"
    )
    found = problems_of(tmp_path, text)
    assert found == [
        (5, "[images] display must be one of: auto, kitty, sixel, halfblock, off", False),
        (
            6,
            '[images] size must be "WIDTHxHEIGHT", each side 64 to 4096, like "1024x1024"',
            False,
        ),
        (7, "[images] count must be a whole number from 1 to 4", False),
        (8, "[images] timeout must be a positive number of seconds", False),
        (9, "unknown key 'colour' in [images] (ignored)", True),
    ]


def test_an_unknown_images_key_is_only_a_warning(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, PROVIDER + "[images]\ncount = 3\nshow = 1\n"))
    assert config.images.count == 3
    path = tmp_path / "config.toml"
    assert config.warnings == (f"{path}:6: unknown key 'show' in [images] (ignored)",)


def test_images_must_be_a_table(tmp_path: Path) -> None:
    found = problems_of(tmp_path, 'images = "yes"\n' + PROVIDER)
    assert found == [(1, "'images' must be a table ([images])", False)]


def test_config_check_lists_images_problems_and_image_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, PROVIDER + "[images]\ncount = 0\n")
    assert cli.main(["--config", str(bad), "config", "check"]) == 1
    assert f"{bad}:5: [images] count must be a whole number from 1 to 4" in capsys.readouterr().err
    good = write(tmp_path, PROVIDER + 'image_model = "cogview-4"\n')
    assert cli.main(["--config", str(good), "config", "check"]) == 0
    assert "local  no key needed; /image: cogview-4 (openai API)" in capsys.readouterr().out


# -- saving from the app ------------------------------------------------------------------------


def test_saving_keeps_images_and_the_provider_image_keys(tmp_path: Path) -> None:
    text = (
        PROVIDER
        + 'image_model = "Kwai-Kolors/Kolors"\nimage_api = "siliconflow"\n'
        + '[images]\ndisplay = "off"\nsize = "1024x1024"\ncount = 4\n'
    )
    config = load_config(write(tmp_path, text))
    changed = update_provider(config, "local", models=("m1", "m2"))
    saved = save_config(changed, force=True).config
    assert saved.images == ImagesConfig(display="off", size="1024x1024", count=4)
    local = saved.providers["local"]
    assert (local.image_model, local.image_api) == ("Kwai-Kolors/Kolors", "siliconflow")
    assert saved.providers["local"].models == ("m1", "m2")
    written = (tmp_path / "config.toml").read_text(encoding="utf-8")
    assert re.search(r'(?m)^\[images\]\ndisplay = "off"\nsize = "1024x1024"\ncount = 4$', written)
    assert "timeout" not in written  # the defaults are not written


def test_default_images_are_not_written(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, PROVIDER))
    assert "[images]" not in config_to_toml(config)


def test_presets_save_with_their_image_models(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, example_config_text()))
    saved = save_config(config, force=True).config
    assert dict(saved.providers) == PRESETS


# -- the provider form's rows -------------------------------------------------------------------


def test_provider_form_has_image_rows() -> None:
    fields = {f.name: f for f in PROVIDER_FIELDS}
    model, api = fields["image_model"], fields["image_api"]
    assert model.from_preset and api.from_preset
    assert model.show(PRESETS["zhipu"]) == "cogview-4"
    assert model.read("", None) is None
    assert api.choices[0] == IMAGE_API_AUTO
    assert api.show(BLANK_PROVIDER) == IMAGE_API_AUTO
    assert api.read(IMAGE_API_AUTO, None) is None
    assert api.read("modelscope", None) == "modelscope"
