"""Who may see and do what with cases and instructions (CONTRACTS §8, docs/cases.md).

- centre users (operator, supervisor, admin): every case, every action; they instruct any
  office or patrol boat;
- office users: their office's cases only (403 on another's); they create cases for their
  office, assign its boats, instruct its own patrol boats, acknowledge instructions to the
  office or its boats, report, close, cancel and reopen;
- patrol users: the cases assigned to their boat or holding an instruction to it; they
  report on them and acknowledge their boat's instructions, nothing else.
"""

from __future__ import annotations

from fastapi import HTTPException

from services.cases.config import CasePolicy
from services.cases.model import Case, Instruction, patrol_of
from services.web.auth import Role, User


def may_see(user: User, case: Case) -> bool:
    if user.is_centre:
        return True
    if user.role == Role.OFFICE:
        # another office instructed to help (an emergency) sees the case too
        return case.office == user.office or (user.office or "") in case.instructed
    if user.role == Role.PATROL and user.mmsi is not None:
        return case.patrol_mmsi == user.mmsi or f"patrol:{user.mmsi}" in case.instructed
    return False


def check_see(user: User, case: Case) -> None:
    if not may_see(user, case):
        if user.role == Role.PATROL:
            raise HTTPException(403, f"case {case.id} is not assigned to your boat")
        raise HTTPException(403, f"case {case.id} belongs to office {case.office}")


def check_manage(user: User, case: Case) -> None:
    """Assign, start, update, close, cancel, reopen, link: the centre and the case's office."""
    check_see(user, case)
    if user.role == Role.PATROL:
        raise HTTPException(403, "a patrol crew may only report and acknowledge instructions")
    if user.role == Role.OFFICE and case.office != user.office:
        raise HTTPException(403, f"case {case.id} belongs to office {case.office}")


def check_create(user: User, office: str | None) -> str | None:
    """The office a user creates a case for (None: decided by the alert or position)."""
    if user.is_centre:
        return office
    if user.role == Role.OFFICE:
        if office is not None and office != user.office:
            raise HTTPException(403, f"you may only open cases for office {user.office}")
        return user.office
    raise HTTPException(403, f"role {user.role} may not open cases")


def check_instruct(user: User, case: Case, to: str, policy: CasePolicy) -> None:
    """The centre instructs an office or any boat; an office only its own boats."""
    check_manage(user, case)
    if user.is_centre:
        return
    mmsi = patrol_of(to)
    boat = policy.patrol(mmsi) if mmsi is not None else None
    if boat is None or boat.office != user.office:
        raise HTTPException(403, f"office {user.office} instructs only its own patrol boats")


def may_ack(user: User, instruction: Instruction, case: Case, policy: CasePolicy) -> bool:
    """The receiver acknowledges: the crew of the boat, or the office (for itself or for
    one of its boats, e.g. acknowledged by radio)."""
    mmsi = instruction.patrol_mmsi
    if user.role == Role.PATROL:
        return mmsi is not None and mmsi == user.mmsi
    if user.role == Role.OFFICE:
        if instruction.to == user.office:
            return True
        boat = policy.patrol(mmsi) if mmsi is not None else None
        return boat is not None and boat.office == user.office and case.office == user.office
    return False


def may_see_instruction(user: User, instruction: Instruction, case: Case) -> bool:
    if user.is_centre:
        return True
    if user.role == Role.PATROL:
        return instruction.to == f"patrol:{user.mmsi}"
    return case.office == user.office or instruction.to == user.office
