"""Screens: the chat screen and the modals it opens."""
