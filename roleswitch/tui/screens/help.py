"""The help screen on ``?``: every key binding (with the user's remapped keys) and how things work."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

HELP_TEXT = """\
Type / to filter: names, aliases, account ids, ARNs and tags all match; words narrow further.
On an empty filter, 1-9 jump to favorites (type a space first to search for digits).
Enter opens the assume dialog; MFA codes submit on the sixth digit.
Sessions show a live countdown: yellow under 15 minutes, red under 5.
Keys can be remapped in config.toml under [keymap], e.g.  assume = "ctrl+a".
"""


class HelpScreen(ModalScreen[None]):
    """Lists the app's bindings with their ids (for [keymap]) and the keys in use."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Label("[b]roleswitch[/b] — keys", id="help-title")
            with VerticalScroll():
                lines = [f"{keys:<16} {description:<28} {binding_id}" for keys, description, binding_id in self.rows]
                yield Static("\n".join([f"{'key':<16} {'action':<28} id (for [keymap])", *lines]),
                             id="help-keys", markup=False)
                yield Static(HELP_TEXT, id="help-text", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
