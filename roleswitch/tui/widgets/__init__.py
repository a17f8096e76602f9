"""Widgets of the roleswitch app."""
