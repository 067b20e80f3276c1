"""The tools that come with the app, one module each: current_time (safe, runs unasked),
read_file and fetch_url (asked, "always" may be given), run_shell (off unless
`[tools] run_shell = true`; every command asked). tui_chat.tools.registry builds them from
the config; nothing here imports a heavy library at import time."""
