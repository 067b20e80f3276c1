"""current_time: the date, time and time zone where the user is.

Models do not know the date; it is the question tools are first wanted for, and answering
it reads nothing private and changes nothing, so the tool is `safe` (runs without asking).
The result is JSON with the fields spelled out (weekday, offset), since models get
weekdays wrong when they work them out. The zone is the IANA name when one is known (`TZ`,
else the `/etc/localtime` link), which tells the model more than "CST" does."""

from __future__ import annotations

import json
import os
import time
import zoneinfo
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from tui_chat.tools.base import ToolDefaults, ToolOutcome, ToolSpec

SPEC = ToolSpec(
    name="current_time",
    label="current_time",
    description=(
        "The current local date, time, weekday and time zone of the user. Takes no arguments."
    ),
    parameters={"type": "object", "properties": {}, "additionalProperties": False},
    safe=True,
)

LOCALTIME = Path("/etc/localtime")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""In English whatever the locale (strftime's %A follows LC_TIME)."""


def zone_name(environ: Mapping[str, str] | None = None, localtime: Path = LOCALTIME) -> str | None:
    """The IANA name of the local zone ("Europe/Berlin"): from `TZ` when it is set (also
    ":Europe/Berlin" or a path into a zoneinfo folder), else from where `/etc/localtime`
    links to; None when neither names a zone this machine knows."""
    env = os.environ if environ is None else environ
    if "TZ" in env:
        return _known_zone(env["TZ"].lstrip(":"))
    try:
        target = os.path.realpath(localtime) if localtime.is_symlink() else ""
    except OSError:
        return None
    return _known_zone(target) if target else None


def _known_zone(text: str) -> str | None:
    name = text.split("zoneinfo/", 1)[1] if "zoneinfo/" in text else text
    if not name or name.startswith(("/", ".")):
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def describe_now(now: datetime | None = None, zone: str | None = None) -> dict[str, str]:
    """The fields the tool returns for `now` (default: this moment, local time; a `now`
    with a zone keeps it)."""
    if now is None or now.tzinfo is None:
        now = (now or datetime.now()).astimezone()
    moment = now.replace(microsecond=0)
    offset = moment.strftime("%z")
    return {
        "iso": moment.isoformat(),
        "date": moment.strftime("%Y-%m-%d"),
        "time": moment.strftime("%H:%M:%S"),
        "weekday": WEEKDAYS[moment.weekday()],
        "timezone": zone or moment.tzname() or time.tzname[0],
        "utc_offset": f"{offset[:3]}:{offset[3:]}" if offset else "+00:00",
    }


class CurrentTime(ToolDefaults):
    """The current_time tool."""

    spec = SPEC

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        return ToolOutcome(json.dumps(describe_now(zone=zone_name()), ensure_ascii=False))
