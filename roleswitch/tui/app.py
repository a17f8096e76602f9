"""The roleswitch Textual app: catalogue, detail, sessions, assume and export dialogs, command palette.

The app paints first; the engine (and with it boto3/botocore) loads afterwards in a thread worker, so
nothing in this package imports boto3 or the engine at module top. Every STS call runs in a thread worker
that posts a message back; widgets are only touched on the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Input, Label, OptionList

from roleswitch.core.errors import ConfigError, RoleswitchError
from roleswitch.core.model import Clock, Role, Session, utcnow
from roleswitch.tui.commands import RoleswitchCommands
from roleswitch.tui.messages import CachedSessions, EngineFailed, EngineReady
from roleswitch.tui.widgets.detail import RoleDetail, detail_content
from roleswitch.tui.widgets.role_list import FilterInput, RoleList
from roleswitch.tui.widgets.sessions import SessionsPanel

if TYPE_CHECKING:  # the dialogs are imported when first opened: not on the first frame's path
    from textual.content import Content

    from roleswitch.tui.screens.assume import AssumeForm

# Used when the themes module is missing; the themes engineer's THEME_VARIABLE_DEFAULTS win when present.
FALLBACK_THEME_VARIABLES = {
    "rs-expiry-warning": "#E8B341",
    "rs-expiry-critical": "#F2555A",
    "rs-prod": "#F2555A",
    "rs-staging": "#E8A23B",
    "rs-dev": "#4CC38A",
}

ENGINE_WAIT_SECONDS = 60.0


class RoleswitchApp(App[str | None]):
    """roleswitch's TUI. Returns (in pick mode) the export text of the picked session, else None.

    Everything external is injected: ``catalogue`` (``.roles``, ``.get(name)``, ``.settings``),
    ``engine_factory`` (called once in a worker thread, after the first paint), ``cache`` (a
    CredentialCache or None), ``now`` (the one clock; the countdowns read it).
    """

    CSS_PATH = "app.tcss"
    TITLE = "roleswitch"
    COMMANDS = App.COMMANDS | {RoleswitchCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        # Priority: the app handles "/" before forwarding the next keys, so fast typing lands in the filter.
        Binding("slash", "focus_filter", "Filter", id="filter", priority=True),
        Binding("enter", "assume", "Assume", id="assume", priority=False),
        Binding("e", "export", "Export", id="export"),
        Binding("s", "sessions", "Sessions", id="sessions"),
        Binding("f", "toggle_favorite", "Favorite", id="favorite"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("d", "forget", "Forget", id="forget"),
        Binding("p", "permissions", "Permissions", id="permissions"),
        Binding("t", "trust", "Trust", id="trust"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        *[Binding(str(n), f"favorite({n})", f"Favorite {n}", show=False, id=f"favorite-{n}")
          for n in range(1, 10)],
    ]

    def __init__(self, catalogue: Any, engine_factory: Callable[[], Any] | None = None, cache: Any = None,
                 now: Clock = utcnow, *, theme: str | None = None, pick_mode: bool = False,
                 export_format: str = "bash", recents_path: str | None = None,
                 keymap: dict[str, str] | None = None, subtitle: str | None = None,
                 identity: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.catalogue = catalogue
        self.settings = getattr(catalogue, "settings", None)
        self.engine_factory = engine_factory
        self.cache = cache
        self.now = now
        self.requested_theme = theme
        self.pick_mode = pick_mode
        self.export_format = export_format
        self.engine: Any = None
        self.engine_error: str | None = None
        self._engine_loaded = threading.Event()
        self.last_forms: dict[str, AssumeForm] = {}
        self.session_options: dict[str, Any] = {}
        self.current_session: Session | None = None
        if recents_path is None:
            from roleswitch.tui.recents import default_path

            recents_path = default_path()
        self.recents_path = recents_path
        from roleswitch.tui.recents import load_recents

        self.recents = load_recents(recents_path)
        self.favorite_names: tuple[str, ...] | None = None  # set when the user edits favorites here
        self.identity = identity  # (user, host) for default names; None = the local login and host
        self.user_keymap = dict(keymap if keymap is not None else getattr(self.settings, "keymap", {}) or {})
        self.theme_problems: list[Any] = []
        try:
            from roleswitch.tui.theming import install_themes
        except ImportError:
            if theme:
                self.theme = theme
        else:  # before the first CSS parse: choosing the theme later re-parses every stylesheet
            self.theme_problems = install_themes(self, theme, notify=False)
        if subtitle:
            self.sub_title = subtitle
        elif pick_mode:
            self.sub_title = "pick a role: Enter prints its export"

    # ------------------------------------------------------------------ catalogue access

    @property
    def roles(self) -> Sequence[Role]:
        return tuple(getattr(self.catalogue, "roles", ()))

    @property
    def favorites(self) -> list[str]:
        names = {role.name for role in self.roles}
        if self.favorite_names is not None:  # edited in this run: the saved list is the truth
            return [n for n in self.favorite_names if n in names]
        configured = list(getattr(self.settings, "favorites", ()) or ())
        flagged = [role.name for role in self.roles if role.favorite and role.name not in configured]
        return [n for n in configured if n in names] + flagged

    def role(self, name: str) -> Role:
        getter = getattr(self.catalogue, "get", None)
        if getter is not None:
            return getter(name)
        for role in self.roles:
            if role.name == name:
                return role
        raise ConfigError(f"no role named {name!r}")

    def default_session_name(self) -> str:
        from roleswitch.core.limits import default_session_name

        if self.identity is not None:
            return default_session_name(*self.identity)
        return default_session_name()

    def default_source_identity(self) -> str | None:
        defaults = getattr(self.settings, "defaults", None)
        if getattr(defaults, "source_identity", False):
            from roleswitch.core.limits import local_user, sanitise_session_name

            return sanitise_session_name(self.identity[0] if self.identity else local_user())
        return None

    # ------------------------------------------------------------------ theme

    def get_theme_variable_defaults(self) -> dict[str, str]:
        try:
            from roleswitch.tui.theming import THEME_VARIABLE_DEFAULTS
        except ImportError:
            return dict(FALLBACK_THEME_VARIABLES)
        return {**FALLBACK_THEME_VARIABLES, **THEME_VARIABLE_DEFAULTS}

    def switch_theme(self, name: str) -> None:
        self.theme = name

    def _theme_picked(self, theme: Any) -> None:
        name = getattr(theme, "name", None)
        # Only with a settings file to write (a catalogue without one, e.g. in tests, never touches ~).
        if name and getattr(self.settings, "path", None) and name != getattr(self.settings, "theme", None):
            self.save_theme(name, self.settings.path)

    @work(thread=True, exclusive=True, group="theme", exit_on_error=False)
    def save_theme(self, name: str, path: str) -> None:
        """Write ``theme = "NAME"`` to config.toml (one-line edit: the user's comments and layout stay)."""
        try:
            from roleswitch.core import settings as settingsmod

            settingsmod.set_theme(name, path)
        except Exception as exc:  # ConfigError, OSError: shown, the theme still applies for this run
            from roleswitch.tui.screens._workers import error_line

            self.call_from_thread(self.notify, error_line(exc), title="Theme not saved", severity="warning")

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        # The widget on_mount focuses is the one the screen focuses first: one focus change (one restyle of
        # the focus-dependent rules) before the first frame instead of the filter's and then the list's.
        self.screen.AUTO_FOCUS = "#filter" if self.pick_mode else "#roles"
        yield Header(icon="⇄")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield FilterInput(placeholder="/ filter: name, alias, account id, ARN, tag", id="filter")
                roles = RoleList(self.roles, self.favorites, self.recents, id="roles")
                yield roles
                # Count and detail get their text here, not on mount: no second layout before the first frame.
                yield Label(self._count_text(roles), id="count")
            with Vertical(id="right"):
                name = roles.selected_name
                yield RoleDetail(self._detail_content(name), id="detail")
                yield Label("Sessions", id="sessions-title")
                yield SessionsPanel(self.now, id="sessions")
        yield Footer()

    def on_mount(self) -> None:
        if self.theme_problems:
            from roleswitch.tui.theming import notify_theme_problems

            notify_theme_problems(self, self.theme_problems)
        catalogue_warnings = tuple(getattr(self.catalogue, "warnings", ()))
        if catalogue_warnings:  # one notification for all of them, like the theme problems
            self.notify("\n".join(catalogue_warnings), title="Configuration", severity="warning",
                        timeout=15, markup=False)
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        # From here on a theme change is the user's choice (palette): remember it in config.toml.
        self.theme_changed_signal.subscribe(self, self._theme_picked)
        roles = self.query_one(RoleList)
        if self.pick_mode:
            self.query_one(FilterInput).focus()
        else:
            roles.focus()
        # After the first paint: load boto3 + engine and read the cache off the UI thread.
        self.call_after_refresh(self.load_engine)

    # ------------------------------------------------------------------ engine

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False)
    def load_engine(self) -> None:
        try:
            if self.engine_factory is None:
                raise ConfigError("no engine configured", hint="start roleswitch from the command line")
            engine = self.engine_factory()
        except BaseException as exc:  # shown in the app; the catalogue stays usable
            from roleswitch.tui.screens._workers import error_line

            self.engine_error = error_line(exc)
            self._engine_loaded.set()
            self.post_message(EngineFailed(self.engine_error))
            return
        self.engine = engine
        self._engine_loaded.set()
        self.post_message(EngineReady(engine))
        self.read_cache()

    def wait_engine(self, timeout: float = ENGINE_WAIT_SECONDS) -> Any:
        """The engine, waiting (in a worker thread only) for it to load. Raises RoleswitchError if it failed."""
        if not self._engine_loaded.wait(timeout):
            raise RoleswitchError("the AWS engine is still loading", hint="try again in a moment")
        if self.engine is None:
            raise RoleswitchError(self.engine_error or "the AWS engine failed to load")
        return self.engine

    def read_cache(self) -> None:
        """Read the credential cache (runs in the engine worker); posts the live sessions."""
        if self.cache is None:
            return
        try:
            entries = self.cache.entries()
        except Exception:  # an unreadable cache must not break the app
            return
        now = self.now()
        newest: dict[str, tuple[str, Session]] = {}
        for entry in entries:
            session = entry.session
            if session.expiration is not None and session.expiration <= now:
                continue
            name = entry.name or session.profile
            kept = newest.get(name)
            if kept is None or (session.expiration or now) > (kept[1].expiration or now):
                newest[name] = (name, session)
        self.post_message(CachedSessions(list(newest.values())))

    def on_engine_ready(self, message: EngineReady) -> None:
        self._show_detail()

    def on_engine_failed(self, message: EngineFailed) -> None:
        self.notify(message.error, title="AWS engine unavailable", severity="error", timeout=10)

    def on_cached_sessions(self, message: CachedSessions) -> None:
        self.query_one(SessionsPanel).upsert_many(message.sessions)

    # ------------------------------------------------------------------ filter and list

    def _update_count(self) -> None:
        self.query_one("#count", Label).update(self._count_text(self.query_one(RoleList)))

    @staticmethod
    def _count_text(roles: RoleList) -> str:
        total = len(roles.roles)
        shown = min(roles.matched, roles.option_count)
        text = f"{roles.matched} of {total} roles"
        if roles.matched > shown:
            text += f" (first {shown} shown)"
        return text

    def _show_detail(self) -> None:
        self.query_one(RoleDetail).update(self._detail_content(self.query_one(RoleList).selected_name))

    def _detail_content(self, name: str | None) -> Content | str:
        if name is None:
            return detail_content(None)
        role = self.role(name)
        left = None
        if self.engine is not None and role.mfa_serial:
            try:
                left = self.engine.mfa_session_left(role.mfa_serial)
            except Exception:  # informative only
                left = None
        return detail_content(role, mfa_session_left=left)

    @on(FilterInput.Changed, "#filter")
    def _filter_changed(self, event: FilterInput.Changed) -> None:
        roles = self.query_one(RoleList)
        roles.apply_filter(event.value)
        self._update_count()
        self._show_detail()

    @on(FilterInput.Submitted, "#filter")
    def _filter_submitted(self, event: FilterInput.Submitted) -> None:
        event.stop()
        self.action_assume()

    @on(FilterInput.Move)
    def _filter_move(self, event: FilterInput.Move) -> None:
        roles = self.query_one(RoleList)
        if event.delta > 0:
            roles.action_cursor_down()
        else:
            roles.action_cursor_up()

    @on(FilterInput.Leave)
    def _filter_leave(self) -> None:
        filter_input = self.query_one(FilterInput)
        if self.pick_mode:
            # fzf-like: Escape clears the filter, a second Escape cancels the pick (nothing on stdout).
            if filter_input.value:
                filter_input.value = ""
            else:
                self.exit(None)
            return
        self.screen.set_focus(self.query_one(RoleList))

    @on(FilterInput.JumpFavorite)
    def _filter_favorite(self, event: FilterInput.JumpFavorite) -> None:
        self.action_favorite(event.number)

    @on(OptionList.OptionHighlighted, "#roles")
    def _role_highlighted(self) -> None:
        self._show_detail()

    @on(OptionList.OptionSelected, "#roles")
    def _role_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id:
            self.open_assume(event.option_id)

    # ------------------------------------------------------------------ actions

    def action_focus_filter(self) -> None:
        focused = self.focused
        if isinstance(focused, Input):
            focused.insert_text_at_cursor("/")  # a "/" typed in any input is just text (ARNs have them)
            return
        if self.screen is not self.screen_stack[0]:
            return
        # Focus now, not via call_later: keys typed right after "/" (fast typing, paste, tmux send-keys)
        # are already queued and must land in the filter.
        self.screen.set_focus(self.query_one(FilterInput))

    def action_submit_filter(self) -> None:
        """Enter in the filter: assume the best match of what is typed *now* (the Changed messages of the
        keys typed just before may not have been handled yet)."""
        value = self.query_one(FilterInput).value
        roles = self.query_one(RoleList)
        if roles.query != value:
            roles.apply_filter(value)
            self._update_count()
            self._show_detail()
        self.action_assume()

    def action_favorite(self, number: int) -> None:
        favorites = self.favorites
        if not 1 <= number <= len(favorites):
            self.notify(f"no favorite {number} (set favorites in config.toml)", severity="warning", timeout=3)
            return
        roles = self.query_one(RoleList)
        if not roles.select_name(favorites[number - 1]):
            self.query_one(FilterInput).value = ""
            roles.apply_filter("")
            roles.select_name(favorites[number - 1])
        self._show_detail()

    def action_assume(self) -> None:
        focused = self.focused
        if isinstance(focused, SessionsPanel):
            self.action_export()
            return
        name = self.query_one(RoleList).selected_name
        if name is None:
            self.notify("no role selected", severity="warning", timeout=3)
            return
        self.open_assume(name)

    def open_assume(self, name: str, *, auto_submit: bool | None = None, use_cache: bool = True) -> None:
        """Push the assume dialog for ``name`` (auto-submitting in pick mode when nothing needs typing)."""
        try:
            role = self.role(name)
        except RoleswitchError as exc:
            self.notify(exc.one_line(), severity="error")
            return
        previous = self.last_forms.get(name)
        if previous is not None:
            previous = type(previous)(**{**previous.__dict__, "mfa_code": None, "use_cache": use_cache})
        from roleswitch.tui.screens.assume import AssumeScreen

        screen = AssumeScreen(role, previous=previous,
                              auto_submit=self.pick_mode if auto_submit is None else auto_submit,
                              use_cache=use_cache)
        self.push_screen(screen, self._assumed)

    def _assumed(self, session: Session | None) -> None:
        if session is None:
            return
        if self.pick_mode:
            from roleswitch.core import export

            self.exit(export.render(self.export_format, session))
            return
        self.notify(f"{session.profile}: session ready — e to export", title="Assumed", timeout=4)
        # Back on the list, not in the filter the dialog was opened from: the next keys (e, s, r) are
        # commands, and typing them into the filter would hide every role. After the screen's own focus restore.
        self.call_after_refresh(self.query_one(RoleList).focus)

    def record_session(self, name: str, session: Session, options: Any, form: AssumeForm) -> None:
        """Called by the assume dialog on success: remember it, show it, add it to the recents."""
        self.last_forms[name] = form
        self.session_options[name] = options
        self.current_session = session
        self.query_one(SessionsPanel).upsert(name, session)
        self.save_recent(name)

    @work(thread=True, group="recents", exit_on_error=False)
    def save_recent(self, name: str) -> None:
        from roleswitch.tui.recents import record_recent

        self.recents = record_recent(self.recents_path, name)

    def action_toggle_favorite(self) -> None:
        name = self.query_one(RoleList).selected_name
        if name is not None:
            self.save_favorite(name, name not in self.favorites)

    @work(thread=True, group="favorites", exit_on_error=False)
    def save_favorite(self, name: str, add: bool) -> None:
        """Add or remove a favorite in config.toml (comments kept by the settings writer), then re-order."""
        try:
            from roleswitch.core import settings as settingsmod

            path = getattr(self.settings, "path", None) or None
            updated = (settingsmod.add_favorite if add else settingsmod.remove_favorite)(name, path)
        except Exception as exc:  # ConfigError, OSError: shown, the app goes on
            from roleswitch.tui.screens._workers import error_line

            self.call_from_thread(self.notify, error_line(exc), title="Favorites", severity="error")
            return
        self.call_from_thread(self._favorites_saved, name, add, tuple(updated.favorites))

    def _favorites_saved(self, name: str, add: bool, favorites: tuple[str, ...]) -> None:
        self.favorite_names = favorites
        roles = self.query_one(RoleList)
        roles.reorder(self.roles, self.favorites, self.recents)
        roles.apply_filter(self.query_one(FilterInput).value)
        roles.select_name(name)
        self._update_count()
        number = self.favorites.index(name) + 1 if add and name in self.favorites else None
        self.notify(f"{name} {'is favorite ' + str(number) if number and number <= 9 else 'added to favorites'}"
                    if add else f"{name} removed from favorites", timeout=3)

    def _selected_session(self) -> tuple[str, Session] | None:
        panel = self.query_one(SessionsPanel)
        if self.focused is panel and panel.selected_key is not None:
            key = panel.selected_key
            return key, panel.sessions[key]
        name = self.query_one(RoleList).selected_name
        if name is not None and name in panel.sessions:
            return name, panel.sessions[name]
        if self.current_session is not None:
            return self.current_session.profile, self.current_session
        key = panel.selected_key
        if key is not None:
            return key, panel.sessions[key]
        return None

    def action_export(self) -> None:
        selected = self._selected_session()
        if selected is None:
            self.notify("no session yet: assume a role first (Enter)", severity="warning", timeout=3)
            return
        from roleswitch.tui.screens.export import ExportScreen

        self.push_screen(ExportScreen(selected[1], fmt=self.export_format))

    def action_sessions(self) -> None:
        self.screen.set_focus(self.query_one(SessionsPanel))

    def action_refresh(self) -> None:
        selected = self._selected_session()
        if selected is None:
            self.notify("no session to refresh", severity="warning", timeout=3)
            return
        key, _session = selected
        if key.startswith("mfa:"):
            self.notify("MFA sessions refresh when a role needs them", timeout=3)
            return
        # Re-assume with the same options, bypassing the cache; the dialog only asks when it must (MFA).
        self.open_assume(key, auto_submit=True, use_cache=False)

    def action_forget(self) -> None:
        selected = self._selected_session()
        if selected is None:
            self.notify("no session to forget", severity="warning", timeout=3)
            return
        key, _session = selected
        self.query_one(SessionsPanel).remove(key)
        if self.current_session is not None and self.current_session.profile == key:
            self.current_session = None
        self.forget_cached(key)

    @work(thread=True, group="forget", exit_on_error=False)
    def forget_cached(self, key: str) -> None:
        removed = 0
        if self.cache is not None:
            try:
                removed = self.cache.forget(key)
            except Exception as exc:
                self.call_from_thread(self.notify, f"could not forget {key}: {exc}", severity="error")
                return
        self.call_from_thread(self.notify, f"forgot {key} ({removed} cached)", timeout=3)

    def action_help(self) -> None:
        from roleswitch.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.binding_rows()))

    def binding_rows(self) -> list[tuple[str, str, str]]:
        rows = []
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or binding.id is None or binding.id.startswith("favorite-"):
                continue
            keys = self.user_keymap.get(binding.id, binding.key)
            rows.append((keys, binding.description, binding.id))
        rows.append(("1-9", "Jump to favorite", "favorite-1 … favorite-9"))
        rows.append(("ctrl+p", "Command palette", "command_palette"))
        return rows

    def _selected_role(self) -> Role | None:
        name = self.query_one(RoleList).selected_name
        return self.role(name) if name else None

    def action_permissions(self) -> None:
        role = self._selected_role()
        if role is None:
            return
        try:
            from roleswitch.tui.screens.permissions import PermissionsScreen
        except ImportError:
            self.notify("effective permissions: not available in this build", severity="warning", timeout=3)
            return
        panel = self.query_one(SessionsPanel)
        session = panel.sessions.get(role.name)
        # The options the live session was obtained with: its session policy narrows what it may do.
        options = self.session_options.get(role.name) if session is not None else None
        self.push_screen(PermissionsScreen(role, session, self.engine, options=options))

    def action_trust(self) -> None:
        role = self._selected_role()
        if role is None:
            return
        try:
            from roleswitch.tui.screens.trust import TrustScreen
        except ImportError:
            self.notify("trust-policy lint: not available in this build", severity="warning", timeout=3)
            return
        session = self.query_one(SessionsPanel).sessions.get(role.name)
        try:
            screen = TrustScreen(role, self.engine, session=session)
        except TypeError:
            screen = TrustScreen(role, self.engine)
        self.push_screen(screen)

    @on(SessionsPanel.RowSelected)
    def _session_selected(self, event: SessionsPanel.RowSelected) -> None:
        """Enter on a session row: export it."""
        event.stop()
        key = event.row_key.value
        panel = self.query_one(SessionsPanel)
        if key in panel.sessions:
            from roleswitch.tui.screens.export import ExportScreen

            self.push_screen(ExportScreen(panel.sessions[key], fmt=self.export_format))

    @on(SessionsPanel.ExpiringSoon)
    def _expiring(self, event: SessionsPanel.ExpiringSoon) -> None:
        self.notify(f"{event.key}: session expires in under 5 minutes — r to refresh", title="Expiring",
                    severity="warning", timeout=10)
