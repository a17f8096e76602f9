"""The catalogue list: a filter input and the list of roles it narrows."""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from roleswitch.core.fuzzy import FuzzyIndex
from roleswitch.core.model import Role
from roleswitch.tui.forms import environment_of, search_text

# Enough rows for any screen; the count line says how many more matched. Keeps each keystroke cheap
# even for 10,000 roles.
MAX_SHOWN = 100

ENVIRONMENT_VARIABLES = {"prod": "$rs-prod", "production": "$rs-prod", "staging": "$rs-staging",
                         "stage": "$rs-staging", "dev": "$rs-dev", "development": "$rs-dev", "test": "$rs-dev"}


def redirect_typeahead(widget: Widget, event: events.Key) -> bool:
    """Hand on a key that reached ``widget`` after the focus moved away from it; True when handed on.

    Keys typed in one burst are all forwarded to the widget focused when they were read; when an earlier
    key (Enter) opened a dialog or moved the focus, the rest belong to the new focus, in order. A dialog not
    mounted yet keeps them in its ``_typeahead`` list and replays them into its first field."""
    screen = widget.app.screen
    focused = screen.focused
    if focused is widget:
        return False
    event.stop()
    event.prevent_default()
    buffer = getattr(screen, "_typeahead", None)
    if buffer is not None:
        buffer.append(event)
    elif focused is not None:
        focused.post_message(events.Key(event.key, event.character))
    return True


class FilterInput(Input):
    """The filter box. On an empty filter the keys 1-9 jump to favorites instead of typing."""

    BINDINGS = [
        Binding("down", "list_down", "Next", show=False),
        Binding("up", "list_up", "Previous", show=False),
        Binding("escape", "leave", "Back to list", show=False),
    ]

    class JumpFavorite(Message):
        """Digit ``number`` (1-9) pressed on an empty filter."""

        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    class Move(Message):
        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    class Leave(Message):
        """Escape: clear the filter (if any) and give the list the focus."""

    async def _on_key(self, event: events.Key) -> None:
        if redirect_typeahead(self, event):
            return
        if event.key == "enter":
            # As the key is read, not when Submitted comes back after the keys typed behind it: the dialog
            # opens first, and text typed right after Enter (paste, tmux send-keys) goes to the dialog.
            event.stop()
            event.prevent_default()
            await self.run_action("app.submit_filter")
            return
        if not self.value and event.character in tuple("123456789"):
            event.stop()
            event.prevent_default()
            self.post_message(self.JumpFavorite(int(event.character)))
            return
        await super()._on_key(event)

    def action_list_down(self) -> None:
        self.post_message(self.Move(1))

    def action_list_up(self) -> None:
        self.post_message(self.Move(-1))

    def action_leave(self) -> None:
        self.post_message(self.Leave())


NAME_WIDTH_CAP = 32
CHAINED_MARK = "↳ chained"  # plain arrow + word: renders in every monospace font (⛓ did not)


def fit_name(name: str, width: int) -> str:
    """``name`` padded to ``width`` cells, or cut to ``width`` with an ellipsis when longer (0: as is)."""
    if width <= 0:
        return name
    if len(name) > width:
        return name[:width - 1] + "…"
    return name.ljust(width)


def name_column_width(roles: Sequence[Role], cap: int = NAME_WIDTH_CAP) -> int:
    """The name column's width: the longest name, capped (longer names get an ellipsis)."""
    return min(max((len(r.name) for r in roles), default=0), cap)


def role_prompt(role: Role, favorite_number: int | None, recent: bool, name_width: int = 0) -> Content:
    """One list line: favorite number or recent mark, name, account alias and id, environment."""
    mark = f"{favorite_number}" if favorite_number is not None else ("•" if recent else " ")
    parts: list[Content | str | tuple[str, str]] = [(f"{mark:>2} ", "$accent" if favorite_number else "dim")]
    # The gap after the name belongs to the name's own segment: a column never starts with a space (some
    # SVG renderers drop a leading space, gluing "identity-proxy" to its account).
    parts.append((fit_name(role.name, name_width) + "  ", "bold"))
    account = role.account
    where = ""
    if account is not None:
        where = f"{account.alias} ({account.id})" if account.alias else account.id
    elif role.account_id:
        where = role.account_id
    env = environment_of(role)
    # Each gap ends the run before it (a run never starts with spaces; see the name above).
    if where:
        parts.append((where + ("  " if env or role.chained else ""), "dim"))
    if env:
        style = ENVIRONMENT_VARIABLES.get(env, "$secondary")
        parts.append((env, f"bold {style}"))
        if role.chained:
            parts.append("  ")
    if role.chained:
        parts.append((CHAINED_MARK, "dim"))
    return Content.assemble(*parts)


class RoleList(OptionList):
    """The roles matching the filter, favorites and recents first. Option ids are role names."""

    def __init__(self, roles: Sequence[Role], favorites: Sequence[str], recents: Sequence[str],
                 *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self.reorder(roles, favorites, recents)
        self.matched = len(self.roles)
        # Names line up in a column (capped so a very long name does not push everything off screen).
        self.name_width = name_column_width(self.roles)
        self.query = ""
        # The unfiltered list is there from the start (not set on mount): the first frame is painted with
        # it instead of being laid out once empty and again filled.
        self._show(range(len(self.roles)), None, "")

    @staticmethod
    def _order(roles: Sequence[Role], favorites: Sequence[str], recents: Sequence[str]) -> list[Role]:
        by_name = {role.name: role for role in roles}
        first = [by_name[n] for n in favorites if n in by_name]
        first += [by_name[n] for n in recents if n in by_name and n not in favorites]
        seen = {role.name for role in first}
        return first + [role for role in roles if role.name not in seen]

    def reorder(self, roles: Sequence[Role], favorites: Sequence[str], recents: Sequence[str]) -> None:
        """Set the roles and their order (favorites, recents, the rest); call apply_filter to show them."""
        self.roles: list[Role] = self._order(roles, favorites, recents)
        self.favorite_numbers = {name: n for n, name in enumerate(favorites[:9], start=1)}
        self.recents = set(recents)
        self._index: FuzzyIndex | None = None  # built on the first keystroke: the first frame does not wait
        self._prompts: dict[str, Content] = {}  # each role's line is built once, when first shown

    @property
    def index(self) -> FuzzyIndex:
        if self._index is None:
            self._index = FuzzyIndex([r.name for r in self.roles], [search_text(r) for r in self.roles])
        return self._index

    async def _on_key(self, event: events.Key) -> None:
        if redirect_typeahead(self, event):
            return
        if event.key == "enter":  # as in FilterInput: open the dialog before the keys typed behind Enter
            event.stop()
            event.prevent_default()
            await self.run_action("app.assume")

    def apply_filter(self, query: str) -> None:
        """Show the roles matching ``query`` (best first), keeping the highlighted role when still shown."""
        current = self.highlighted_option.id if self.highlighted_option is not None else None
        self.query = query
        if self._index is None and not query.strip():
            indexes: list[int] | range = range(len(self.roles))
        else:
            indexes = self.index.search(query)
        self._show(indexes, current, query)

    def _show(self, indexes: Sequence[int], current: str | None, query: str) -> None:
        self.matched = len(indexes)
        shown = [self.roles[i] for i in indexes[:MAX_SHOWN]]
        self.set_options(Option(self._prompt(role), id=role.name) for role in shown)
        if shown:
            names = [role.name for role in shown]
            # A new query puts the best match first; an unchanged one keeps the user's place.
            self.highlighted = names.index(current) if (current in names and not query) else 0

    def _prompt(self, role: Role) -> Content:
        prompt = self._prompts.get(role.name)
        if prompt is None:
            prompt = role_prompt(role, self.favorite_numbers.get(role.name), role.name in self.recents,
                                 self.name_width)
            self._prompts[role.name] = prompt
        return prompt

    def select_name(self, name: str) -> bool:
        """Highlight the role ``name`` if shown; False otherwise."""
        try:
            self.highlighted = self.get_option_index(name)
        except Exception:  # OptionDoesNotExist
            return False
        return True

    @property
    def selected_name(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None
