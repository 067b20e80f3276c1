"""Human-friendly times for the UI."""

from __future__ import annotations

import time


def relative_time(timestamp: float, now: float | None = None) -> str:
    """'just now', '5m ago', '3h ago', 'yesterday', '4d ago', or a date."""
    now = time.time() if now is None else now
    seconds = max(0.0, now - timestamp)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    if seconds < 2 * 86400:
        return "yesterday"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d ago"
    return time.strftime("%Y-%m-%d", time.localtime(timestamp))


def message_time(timestamp: float, now: float | None = None) -> str:
    """When a message was written, as precisely as needed: "14:05" today, "Mar 5 14:05"
    earlier this year, "2023-03-05 14:05" before (imported messages are years old)."""
    now = time.time() if now is None else now
    when, today = time.localtime(timestamp), time.localtime(now)
    clock = time.strftime("%H:%M", when)
    if when.tm_year != today.tm_year:
        return time.strftime("%Y-%m-%d ", when) + clock
    if when.tm_yday != today.tm_yday:
        return f"{MONTHS[when.tm_mon - 1]} {when.tm_mday} {clock}"
    return clock


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""Month names in English whatever the locale, like the rest of the UI."""


def short_count(value: int) -> str:
    """1234 -> '1.2k', 1234567 -> '1.2M'."""
    if value < 1000:
        return str(value)
    if value < 999_950:  # rounds below "1000.0k"
        return f"{value / 1000:.1f}k"
    return f"{value / 1_000_000:.1f}M"
