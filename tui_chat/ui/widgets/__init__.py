"""Widgets: they display domain objects and post messages; they never save anything."""
