"""Tools the model may call: the built-ins (tui_chat.tools.builtin), MCP servers'
(tui_chat.tools.mcp_manager), which ones a request offers (registry) and which may run
without asking (approval). Domain code: no Textual, no Rich."""
