"""tui-chat: a full-screen terminal client for chatting with OpenAI-compatible LLM APIs."""

__version__ = "0.1.0"
