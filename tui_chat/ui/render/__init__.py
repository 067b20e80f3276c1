"""The streaming engine: how a reply gets from streamed text to the screen quickly.

- `stream_markdown`: the Markdown widget a reply streams into (with `stream_blocks`,
  `stream_fence`, `stream_lists`: the blocks that take new text in place; `deferred`: blocks
  that wait while the view follows).
- `folding`: what scrolled far above leaves the layout; the runway a reply grows into.
- `lean_screen`: a screen that lays out and repaints less than Textual's own.
- `footer`: Textual's footer, rebuilt only when its keys change.
- `bindings_access`: the chat keys' reach into Textual's binding tables.
- `line_breaks`: lines of CJK text break between characters (Content and the prompt).
- `probes`: what the tests read of Textual's internals.

This is the one folder that uses Textual's private names: `private_names` lists each, and
`stock` (`TUI_CHAT_STOCK_RENDER=1`) falls back to stock Textual rendering.
"""
