"""Screens of the roleswitch app."""
