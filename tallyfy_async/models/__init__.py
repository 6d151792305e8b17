"""Typed response models, one module per API area, all importable from here.

Every model is a frozen attrs class: it prints as one short line, keeps the keys it does
not declare in ``extra``, and turns into a dict with ``to_dict()`` (``to_json_dict()`` for a
JSON-ready one).
"""

from tallyfy_async._serde import OpenStrEnum
from tallyfy_async.models._base import Model
from tallyfy_async.models.blueprints import (
    Automation,
    AutomationAction,
    AutomationCondition,
    Blueprint,
    BlueprintFormFields,
    BlueprintType,
    DeletedBlueprint,
    DeletedReference,
)
from tallyfy_async.models.comments import Comment, CommentAuthor, CommentLabel, CommentState
from tallyfy_async.models.common import Owners, Progress
from tallyfy_async.models.form_fields import FieldColumn, FieldOption, FieldType, FormField
from tallyfy_async.models.meta import ApiDescription, ApiOperation
from tallyfy_async.models.organizations import ActivityItem, Organization
from tallyfy_async.models.people import (
    Group,
    Guest,
    GuestDetails,
    Member,
    MemberRole,
    MemberStatus,
    User,
)
from tallyfy_async.models.processes import Process, ProcessFormFields, ProcessStatus
from tallyfy_async.models.steps import Step, StepDeadline, StepStart
from tallyfy_async.models.tasks import Task, TaskStatus, TaskType

__all__ = [
    "ActivityItem",
    "ApiDescription",
    "ApiOperation",
    "Automation",
    "AutomationAction",
    "AutomationCondition",
    "Blueprint",
    "BlueprintFormFields",
    "BlueprintType",
    "Comment",
    "CommentAuthor",
    "CommentLabel",
    "CommentState",
    "DeletedBlueprint",
    "DeletedReference",
    "FieldColumn",
    "FieldOption",
    "FieldType",
    "FormField",
    "Group",
    "Guest",
    "GuestDetails",
    "Member",
    "MemberRole",
    "MemberStatus",
    "Model",
    "OpenStrEnum",
    "Organization",
    "Owners",
    "Process",
    "ProcessFormFields",
    "ProcessStatus",
    "Progress",
    "Step",
    "StepDeadline",
    "StepStart",
    "Task",
    "TaskStatus",
    "TaskType",
    "User",
]
