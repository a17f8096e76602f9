"""The detail pane: everything about the highlighted role, including the warnings the core knows."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from roleswitch.core.model import Role
from roleswitch.tui.forms import environment_of, human_duration, mask
from roleswitch.tui.widgets.role_list import ENVIRONMENT_VARIABLES


def role_warnings(role: Role) -> list[str]:
    """Warnings about a role's configuration, from the core's limits (never raises)."""
    warnings: list[str] = []
    if role.chained:
        warnings.append("chained role: AWS caps the session at 1 hour")
    try:
        from roleswitch.core import limits

        if role.session_tags:
            for _row, message in limits.tag_problems(role.session_tags, role.transitive_tag_keys):
                warnings.append(message)
        if role.duration_seconds is not None:
            try:
                limits.validate_duration(role.duration_seconds, chained=role.chained)
            except Exception as exc:  # ValidationError: shown, not raised
                warnings.append(getattr(exc, "message", str(exc)))
        if role.role_arn:
            try:
                limits.validate_role_arn(role.role_arn)
            except Exception as exc:
                warnings.append(getattr(exc, "message", str(exc)))
    except ImportError:  # the limits module is optional for the pane
        pass
    return warnings


def account_label(alias: str | None, account_id: str) -> Content:
    """``acme-prod (111111111111)`` (the catalogue list's form), or just the id when there is no alias."""
    if not alias:
        return Content(account_id)
    return Content.assemble(alias + " ", (f"({account_id})", "dim"))


def role_detail(role: Role, *, mfa_session_left: float | None = None) -> Content:
    """The detail text of ``role``. Secrets (External ID) are masked."""
    rows: list[tuple[str, Content | str]] = []
    rows.append(("ARN", role.role_arn or f"({role.kind.value} profile, no role)"))
    account = role.account
    if account is not None:
        env = environment_of(role)
        label = account_label(account.alias, account.id)
        if env:
            # The gap is plain text of its own, never the leading space of a styled run.
            label = Content.assemble(label, "  ", (env, f"bold {ENVIRONMENT_VARIABLES.get(env, '$secondary')}"))
        rows.append(("Account", label))
    elif role.account_id:
        rows.append(("Account", role.account_id))
    rows.append(("Source", role.source_profile or role.credential_source or "—"))
    if role.mfa_serial:
        mfa = f"yes ({role.mfa_serial})"
        if mfa_session_left is not None and mfa_session_left > 0:
            mfa += f", MFA session valid {human_duration(mfa_session_left)}"
        rows.append(("MFA", mfa))
    else:
        rows.append(("MFA", "no"))
    rows.append(("External ID", mask(role.external_id) + (" (configured)" if role.external_id else "")))
    duration = human_duration(role.duration_seconds) if role.duration_seconds else "default (1h)"
    rows.append(("Duration", duration + ("  · chained: max 1h" if role.chained else "")))
    if role.session_tags:
        tags = ", ".join(f"{k}={v}" + (" (transitive)" if k in role.transitive_tag_keys else "")
                         for k, v in role.session_tags)
        rows.append(("Tags", tags))
    else:
        rows.append(("Tags", "—"))
    rows.append(("Chained", "yes" if role.chained else "no"))
    if role.reason_required:
        rows.append(("Reason", "required"))
    if role.region:
        rows.append(("Region", role.region))
    if role.description:
        rows.append(("About", role.description))
    lines: list[Content] = [Content.styled(role.name, "bold $accent"), Content("")]
    for label, value in rows:
        lines.append(Content.assemble((f"{label:<12}", "dim"), value))
    for warning in role_warnings(role):
        lines.append(Content.assemble(("⚠ ", "$warning"), (warning, "$warning")))
    return Content("\n").join(lines)


def detail_content(role: Role | None, *, mfa_session_left: float | None = None) -> Content | str:
    """What the detail pane shows for ``role`` (``None``: nothing matches the filter)."""
    if role is None:
        return "No role matches the filter."
    return role_detail(role, mfa_session_left=mfa_session_left)


class RoleDetail(Static):
    """Shows :func:`role_detail` of the highlighted role."""

    def show(self, role: Role | None, *, mfa_session_left: float | None = None) -> None:
        self.update(detail_content(role, mfa_session_left=mfa_session_left))
