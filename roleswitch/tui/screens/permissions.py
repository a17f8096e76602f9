"""Effective permissions of a role (and its live session): a summary by service and access level with a
drill-down, the original identity side by side (AssumeRole drops it), and a "can I?" query whose answer
uses the session's tags as aws:PrincipalTag/* (edit the tags to see an ABAC answer change).

IAM reads and the catalogue load run in a thread worker that posts :class:`PermissionsScreen.Loaded`; the
"can I?" evaluation is local and takes about a millisecond, so it runs on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, LoadingIndicator, Static, TabbedContent, TabPane

from roleswitch.core.model import Role, Session
from roleswitch.tui.screens._workers import engine_of, failure_line

_LEVEL_COLUMNS = (("List", "List"), ("Read", "Read"), ("Write", "Write"), ("Permissions management", "Perms"),
                  ("Tagging", "Tag"))


@dataclass
class PermissionsData:
    """Everything the screen shows, computed off the UI thread."""

    policies: Any                      # fetch.RolePolicies
    session_policies: list[Any]
    summary: Any                       # summary.PermissionSummary
    comparison: Any                    # summary.Comparison
    original_label: str
    problems: list[str] = field(default_factory=list)


def parse_tags(text: str) -> tuple[dict[str, str], str | None]:
    """``k=v, k2=v2`` -> dict; (tags, error) with a one-line error for a malformed pair."""
    tags: dict[str, str] = {}
    for part in (p.strip() for p in text.replace("\n", ",").split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            return tags, f"'{part}' is not KEY=VALUE (e.g. dept=platform)"
        tags[key.strip()] = value.strip()
    return tags, None


def parse_query(text: str) -> tuple[str, str, dict[str, list[str]]] | str:
    """``ACTION [RESOURCE] [key=value ...]`` -> (action, resource, context) or an error line."""
    words = text.split()
    if not words:
        return "type an action, e.g. s3:GetObject arn:aws:s3:::bucket/key"
    action = words[0]
    if action.count(":") != 1 or "*" in action or "?" in action:
        return f"'{action}' is not one action (service:Action, no wildcards)"
    resource = "*"
    rest = words[1:]
    if rest and ("=" not in rest[0] or rest[0].startswith("arn:")):
        resource = rest.pop(0)
    context: dict[str, list[str]] = {}
    for pair in rest:
        key, sep, value = pair.partition("=")
        if not sep or ":" not in key:
            return f"'{pair}' is not a context key=value (e.g. aws:ResourceTag/dept=platform)"
        context.setdefault(key, []).append(value)
    return action, resource, context


class PermissionsScreen(Screen[None]):
    """What ``role`` (with ``session``, when live) may do. Escape closes."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="permissions.close"),
        Binding("ctrl+r", "refresh", "Re-read IAM", id="permissions.refresh"),
        Binding("slash", "focus_query", "Can I?", id="permissions.query"),
    ]

    DEFAULT_CSS = """
    PermissionsScreen { layout: vertical; }
    PermissionsScreen #perm-title { padding: 0 1; text-style: bold; color: $text-accent; }
    PermissionsScreen #perm-status { padding: 0 1; color: $text-muted; height: auto; }
    PermissionsScreen #perm-problems { padding: 0 1; color: $warning; height: auto; }
    PermissionsScreen #perm-loading { height: 3; }
    PermissionsScreen TabbedContent { height: 1fr; }
    PermissionsScreen #perm-services { width: 1fr; }
    PermissionsScreen #perm-actions { width: 1fr; }
    PermissionsScreen #perm-compare-note { padding: 0 1; height: auto; }
    PermissionsScreen #perm-query-box { height: auto; padding: 0 1; }
    PermissionsScreen #perm-answer { height: auto; min-height: 1; }
    PermissionsScreen #perm-answer.-allowed { color: $success; }
    PermissionsScreen #perm-answer.-denied { color: $error; }
    """

    class Loaded(Message):
        """The worker finished reading IAM and summarising."""

        def __init__(self, data: PermissionsData) -> None:
            super().__init__()
            self.data = data

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    class Answered(Message):
        """A "can I?" answer was shown (for tests and the command palette)."""

        def __init__(self, decision: Any, text: str) -> None:
            super().__init__()
            self.decision = decision
            self.text = text

    def __init__(self, role: Role, session: Session | None = None, engine: Any = None, *,
                 policy_cache: Any = None, options: Any = None) -> None:
        """``options``: the AssumeOptions the session was obtained with (its session policy narrows what the
        session may do); without them the role's configured policy_file / policy_arns are used."""
        super().__init__()
        self.role = role
        self.options = options
        self.session = session
        self.engine = engine
        self.policy_cache = policy_cache
        self.data: PermissionsData | None = None
        self._service_rows: list[str] = []

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        title = f"Effective permissions · {self.role.name}"
        if self.role.role_arn:
            title += f"  {self.role.role_arn}"
        yield Static(title, id="perm-title", markup=False)
        yield Static(self._source_line(), id="perm-status", markup=False)
        yield Static("", id="perm-problems", markup=False)
        yield LoadingIndicator(id="perm-loading")
        with TabbedContent(id="perm-tabs"):
            with TabPane("Summary", id="perm-tab-summary"), Horizontal():
                yield DataTable(id="perm-services", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="perm-actions", cursor_type="row")
            with TabPane("Before / after AssumeRole", id="perm-tab-compare"), Vertical():
                yield Static("", id="perm-compare-note", markup=False)
                yield DataTable(id="perm-compare", cursor_type="row")
        with Vertical(id="perm-query-box"):
            yield Input(self._initial_tags(), id="perm-tags",
                        placeholder="session tags (aws:PrincipalTag/*): dept=platform, team=web")
            yield Input(id="perm-query", placeholder="can I?  ec2:StartInstances arn:aws:ec2:...:instance/i-1 "
                                                     "aws:ResourceTag/dept=platform")
            yield Static("", id="perm-answer", markup=False)
        yield Footer()

    def _source_line(self) -> str:
        if self.session is not None:
            tags = ", ".join(f"{k}={v}" for k, v in self.session.tags) or "none"
            return f"live session {self.session.assumed_arn or self.session.profile} · session tags: {tags}"
        return "no live session: reading IAM with the source profile; the tags below are the configured ones"

    def _initial_tags(self) -> str:
        pairs = self.session.tags if self.session is not None else self.role.session_tags
        return ", ".join(f"{k}={v}" for k, v in pairs)

    def on_mount(self) -> None:
        services = self.query_one("#perm-services", DataTable)
        services.add_columns("Service", "Actions", *(label for _, label in _LEVEL_COLUMNS), "Tags?")
        self.query_one("#perm-actions", DataTable).add_columns("Action", "Level", "Resources", "Conditions")
        self.query_one("#perm-compare", DataTable).add_columns("Service", "Before (you)", "Role session",
                                                               "Change")
        self.load()

    # ------------------------------------------------------------------ worker

    def _engine(self) -> Any:
        return engine_of(self, self.engine)

    @work(thread=True, exclusive=True, group="permissions-load", exit_on_error=False)
    def load(self, refresh: bool = False) -> None:
        """Read IAM (role session, then source profile), summarise, compare; post Loaded or Failed."""
        try:
            self.post_message(self.Loaded(self._compute(refresh)))
        except BaseException as exc:  # noqa: BLE001 - must reach the screen, never kill the app
            self.post_message(self.Failed(failure_line(exc)))

    def _compute(self, refresh: bool) -> PermissionsData:
        from roleswitch.core.policy.fetch import (
            RolePolicies,
            read_role_policies,
            role_readers,
            session_policies,
            source_identity_policies,
        )
        from roleswitch.core.policy.summary import compare, summarize

        role = self.role
        problems: list[str] = []
        if role.role_arn:
            policies, notes, used = read_role_policies(self._engine(), role, self.session, assume=True,
                                                       cache=self.policy_cache, refresh=refresh)
            if used is not None and self.session is None:
                self.session = used  # the worker obtained (or found cached) a session: answer with its tags
            problems += notes + policies.problems
            readers, _, _ = role_readers(None, role, self.session, assume=False)
            iam = readers[0][1] if readers else None
            policy_json = getattr(self.options, "policy_json", None)
            policy_arns = tuple(getattr(self.options, "policy_arns", ()) or ()) or role.policy_arns
            if policy_json is None and role.policy_file:
                try:
                    import os

                    with open(os.path.expanduser(role.policy_file), encoding="utf-8") as handle:
                        policy_json = handle.read()
                except OSError as exc:
                    problems.append(f"session policy file {role.policy_file}: {exc.strerror}")
            session_pols, more = session_policies(policy_json, policy_arns, iam,
                                                  label=readers[0][0] if readers else "nobody")
            problems += more
        else:
            policies = RolePolicies(role_arn="", problems=[f"{role.name} is not a role: nothing to read"])
            session_pols = []
            problems += policies.problems
        summary = summarize(policies.identity, boundary=policies.boundary, session_policies=session_pols)
        caller, original = source_identity_policies(role)
        original_summary = None
        label = "your source identity"
        if caller is not None and original is not None:
            label = caller.rsplit("/", 1)[-1]
            if original.problems:
                problems += original.problems
            original_summary = summarize(original.identity, boundary=original.boundary)
        comparison = compare(original_summary, summary, original_label=label)
        return PermissionsData(policies, session_pols, summary, comparison, label,
                               list(dict.fromkeys(problems)))

    # ------------------------------------------------------------------ results

    def on_permissions_screen_loaded(self, message: Loaded) -> None:
        self.data = message.data
        self.query_one("#perm-loading").display = False
        data = message.data
        summary = data.summary
        read_with = ", ".join(data.policies.read_with) or "nobody"
        status = (f"{summary.total} actions allowed in {len(summary.services)} services · read with {read_with}")
        if summary.notes:
            status += " · " + "; ".join(summary.notes)
        self.query_one("#perm-status", Static).update(status)
        self.query_one("#perm-problems", Static).update("\n".join(f"! {p}" for p in data.problems))
        table = self.query_one("#perm-services", DataTable)
        table.clear()
        self._service_rows = []
        for svc in sorted(summary.services, key=lambda s: (-s.total, s.prefix)):
            flag = f"⚑ {svc.tag_dependent}" if svc.tag_dependent else ""
            total = f"{svc.total}/{svc.available}" if svc.available else str(svc.total)
            table.add_row(svc.prefix, total, *(str(svc.counts.get(level, 0) or "") for level, _ in _LEVEL_COLUMNS),
                          flag, key=svc.prefix)
            self._service_rows.append(svc.prefix)
        if self._service_rows:
            self._show_actions(self._service_rows[0])
        cmp_table = self.query_one("#perm-compare", DataTable)
        cmp_table.clear()
        for row in data.comparison.rows:
            before = "?" if data.comparison.original_total is None else str(row.original)
            cmp_table.add_row(row.prefix, before, str(row.session),
                              "?" if data.comparison.original_total is None else row.change)
        self.query_one("#perm-compare-note", Static).update(data.comparison.note)
        query = self.query_one("#perm-query", Input)
        if query.value.strip():
            self.answer()

    def on_permissions_screen_failed(self, message: Failed) -> None:
        self.query_one("#perm-loading").display = False
        self.query_one("#perm-problems", Static).update(f"! {message.error}")

    def _show_actions(self, prefix: str) -> None:
        if self.data is None:
            return
        table = self.query_one("#perm-actions", DataTable)
        table.clear()
        for grant in self.data.summary.actions(prefix):
            resources = ", ".join(grant.resources[:3]) + (" …" if len(grant.resources) > 3 else "")
            conditions: list[str] = []
            if grant.tag_dependent:
                conditions.append("⚑ session tags")
            if grant.conditional:
                conditions.append("conditional")
            if grant.limited_by:
                conditions.append("limited: " + ", ".join(r.label() for r in grant.limited_by[:2]))
            table.add_row(grant.action.split(":", 1)[1], grant.access_level, resources, "; ".join(conditions))

    @on(DataTable.RowHighlighted, "#perm-services")
    def _service_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None and event.row_key.value:
            self._show_actions(str(event.row_key.value))

    # ------------------------------------------------------------------ can I?

    @on(Input.Submitted, "#perm-query")
    @on(Input.Submitted, "#perm-tags")
    def _submitted(self, _event: Input.Submitted) -> None:
        self.answer()

    def answer(self) -> None:
        """Evaluate the query with the current tags and show the decision."""
        out = self.query_one("#perm-answer", Static)
        out.remove_class("-allowed", "-denied")
        if self.data is None:
            out.update("still reading IAM…")
            return
        parsed = parse_query(self.query_one("#perm-query", Input).value)
        if isinstance(parsed, str):
            out.update(parsed)
            return
        tags, error = parse_tags(self.query_one("#perm-tags", Input).value)
        if error:
            out.update(f"tags: {error}")
            return
        action, resource, extra = parsed
        from roleswitch.core.errors import RoleswitchError
        from roleswitch.core.policy.evaluator import (
            Request,
            context_from_session,
            evaluate,
            normalize_context,
        )

        principal_tags = dict(self.data.policies.tags)
        principal_tags.update(tags)  # session tags override the role's tags with the same key
        session = self.session
        context = context_from_session(
            tags=principal_tags, source_identity=session.source_identity if session else None,
            principal_arn=self.role.role_arn, account_id=self.role.account_id,
            region=(session.region if session else None) or self.role.region)
        context.update(normalize_context({k: tuple(v) for k, v in extra.items()}))
        try:
            decision = evaluate(Request(action, resource, context), self.data.policies.identity,
                                boundary=self.data.policies.boundary, session_policies=self.data.session_policies)
        except RoleswitchError as exc:
            out.update(exc.one_line())
            return
        mark = "✔ allowed" if decision.allowed else ("✘ explicitly denied" if decision.decision == "explicitDeny"
                                                    else "✘ not allowed")
        lines = [f"{mark}: {action} on {resource}"]
        if decision.matched:
            lines.append("  by " + ", ".join(m.label() for m in decision.matched))
        elif decision.reason:
            lines.append(f"  {decision.reason}")
        if principal_tags:
            lines.append("  principal tags: " + ", ".join(f"{k}={v}" for k, v in principal_tags.items()))
        text = "\n".join(lines)
        out.update(text)
        out.add_class("-allowed" if decision.allowed else "-denied")
        self.post_message(self.Answered(decision, text))

    # ------------------------------------------------------------------ actions

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.query_one("#perm-loading").display = True
        self.load(True)

    def action_focus_query(self) -> None:
        self.query_one("#perm-query", Input).focus()
