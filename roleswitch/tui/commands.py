"""Command palette provider: assume a role by name, export, sessions, switch theme."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from roleswitch.tui.app import RoleswitchApp

MAX_ROLE_HITS = 50


class RoleswitchCommands(Provider):
    """Commands built from the app's state (catalogue, current session, themes)."""

    @property
    def rs_app(self) -> RoleswitchApp:
        return self.app  # type: ignore[return-value]

    def _commands(self) -> list[tuple[str, object, str]]:
        app = self.rs_app
        commands: list[tuple[str, object, str]] = [
            ("Export current session", app.action_export, "export dialog for the selected session"),
            ("Show sessions", app.action_sessions, "focus the sessions panel"),
            ("Refresh session", app.action_refresh, "re-assume the selected session"),
            ("Forget session", app.action_forget, "remove the selected session from the cache"),
            ("Help", app.action_help, "keys and how things work"),
        ]
        for theme in sorted(app.available_themes):
            commands.append((f"Theme: {theme}", partial(app.switch_theme, theme), "switch the colour theme"))
        return commands

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            yield DiscoveryHit(text, command, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app = self.rs_app
        role_hits = 0
        for role in app.roles:
            if role_hits >= MAX_ROLE_HITS:
                break
            text = f"Assume {role.name}"
            score = matcher.match(text)
            if score > 0:
                role_hits += 1
                yield Hit(score, matcher.highlight(text), partial(app.open_assume, role.name),
                          text=text, help=role.role_arn or role.kind.value)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)  # type: ignore[arg-type]
