"""Session tags editor: key=value rows with a transitive flag and live validation beside each row."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label

from roleswitch.core.limits import tag_problems


class TagRow(Horizontal):
    """One tag: key, value, transitive flag, remove button, and its problem (if any) beside it."""

    def __init__(self, key: str = "", value: str = "", transitive: bool = False) -> None:
        super().__init__(classes="tag-row")
        self._initial = (key, value, transitive)

    def compose(self) -> ComposeResult:
        key, value, transitive = self._initial
        yield Input(key, placeholder="key", classes="tag-key", compact=True)
        yield Input(value, placeholder="value", classes="tag-value", compact=True)
        yield Checkbox("transitive", transitive, classes="tag-transitive", compact=True)
        yield Button("✕", classes="tag-remove", compact=True, tooltip="remove this tag")
        yield Label("", classes="tag-problem")

    @property
    def key(self) -> str:
        return self.query_one(".tag-key", Input).value.strip()

    @property
    def value(self) -> str:
        return self.query_one(".tag-value", Input).value

    @property
    def transitive(self) -> bool:
        return self.query_one(".tag-transitive", Checkbox).value

    def show_problem(self, message: str) -> None:
        label = self.query_one(".tag-problem", Label)
        label.update(message)
        self.set_class(bool(message), "-invalid")


class TagsEditor(Vertical):
    """Rows of session tags; ``problems`` holds the live validation result (empty means valid)."""

    def __init__(self, tags: Sequence[tuple[str, str]] = (), transitive: Sequence[str] = (),
                 *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._initial = [(k, v, k in transitive) for k, v in tags]
        self.problems: list[tuple[int | None, str]] = []

    def compose(self) -> ComposeResult:
        for key, value, transitive in self._initial:
            yield TagRow(key, value, transitive)
        yield Label("", id="tags-problem", classes="tag-problem")
        yield Button("+ tag", id="tag-add", compact=True)

    @property
    def rows(self) -> list[TagRow]:
        return list(self.query(TagRow))

    def tags(self) -> list[tuple[str, str]]:
        """Rows with a key or value (a blank row is ignored)."""
        return [(row.key, row.value) for row in self.rows if row.key or row.value]

    def transitive_keys(self) -> list[str]:
        return [row.key for row in self.rows if (row.key or row.value) and row.transitive]

    def validate_now(self) -> list[tuple[int | None, str]]:
        """Validate against AWS limits and show each message beside its row."""
        filled = [row for row in self.rows if row.key or row.value]
        self.problems = tag_problems([(r.key, r.value) for r in filled], [r.key for r in filled if r.transitive])
        by_row: dict[int, str] = {}
        general: list[str] = []
        for index, message in self.problems:
            if index is None:
                general.append(message)
            else:
                by_row.setdefault(index, message)
        for row in self.rows:
            row.show_problem("")
        for index, row in enumerate(filled):
            row.show_problem(by_row.get(index, ""))
        self.query_one("#tags-problem", Label).update("; ".join(general))
        return self.problems

    async def add_row(self, key: str = "", value: str = "", transitive: bool = False) -> TagRow:
        row = TagRow(key, value, transitive)
        await self.mount(row, before=self.query_one("#tags-problem"))
        return row

    @on(Button.Pressed, "#tag-add")
    async def _add(self, event: Button.Pressed) -> None:
        event.stop()
        row = await self.add_row()
        row.query_one(".tag-key", Input).focus()

    @on(Button.Pressed, ".tag-remove")
    async def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        row = event.button.parent
        if isinstance(row, TagRow):
            await row.remove()
            self.validate_now()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self.validate_now()
