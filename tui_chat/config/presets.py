"""The built-in providers: what a config without `[providers.*]` tables offers, and what the
providers screen can add a provider from."""

from __future__ import annotations

from tui_chat.config.provider import ProviderConfig


def _preset(
    name: str,
    label: str,
    base_url: str,
    env: str | None,
    models: tuple[str, ...],
    dialect: str,
    image_model: str | None = None,
) -> ProviderConfig:
    return ProviderConfig(
        name=name,
        label=label,
        base_url=base_url,
        api_key_env=env,
        models=models,
        default_model=models[0],
        dialect=dialect,
        image_model=image_model,
    )


# `image_model` is what `/image` uses (DashScope's through its native API: image_api_name).
# Mirrored, with comments, by config.example.toml (a test keeps the two in step).
PRESETS: dict[str, ProviderConfig] = {
    p.name: p
    for p in (
        _preset(
            "dashscope",
            "DashScope (Qwen)",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
            "DASHSCOPE_API_KEY",
            ("qwen-plus", "qwen3-max", "qwen-flash", "qwq-plus"),
            "dashscope",
            "qwen-image",
        ),
        _preset(
            "deepseek",
            "DeepSeek",
            "https://api.deepseek.com",
            "DEEPSEEK_API_KEY",
            ("deepseek-v4-flash", "deepseek-v4-pro"),
            "deepseek",
        ),
        _preset(
            "siliconflow",
            "SiliconFlow",
            "https://api.siliconflow.cn/v1",
            "SILICONFLOW_API_KEY",
            ("deepseek-ai/DeepSeek-V3.2", "Qwen/Qwen3-235B-A22B-Instruct-2507"),
            "siliconflow",
            "Kwai-Kolors/Kolors",
        ),
        _preset(
            "modelscope",
            "ModelScope",
            "https://api-inference.modelscope.cn/v1",
            "MODELSCOPE_API_KEY",
            ("Qwen/Qwen3-235B-A22B-Instruct-2507",),
            "modelscope",
            "Qwen/Qwen-Image",
        ),
        _preset(
            "zhipu",
            "Zhipu GLM",
            "https://open.bigmodel.cn/api/paas/v4",
            "ZHIPUAI_API_KEY",
            ("glm-4.6", "glm-4.5-air"),
            "zhipu",
            "cogview-4",
        ),
        _preset(
            "lkeap",
            "Tencent LKEAP",
            "https://api.lkeap.cloud.tencent.com/v1",
            "LKEAP_API_KEY",
            ("deepseek-v3.1", "deepseek-r1"),
            "lkeap",
        ),
        _preset(
            "openai",
            "OpenAI",
            "https://api.openai.com/v1",
            "OPENAI_API_KEY",
            ("gpt-4.1-mini", "gpt-4.1"),
            "openai",
            "gpt-image-1",
        ),
        _preset(
            "openrouter",
            "OpenRouter",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            ("openai/gpt-4.1-mini", "deepseek/deepseek-r1"),
            "openrouter",
        ),
        _preset(
            "ollama",
            "Ollama (local)",
            "http://localhost:11434/v1",
            None,
            ("qwen3:8b", "llama3.2"),
            "ollama",
        ),
    )
}
