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
from tallyfy_async.models.custom_fields import AppliesTo, CustomFieldKey, CustomFieldType, KeyType
from tallyfy_async.models.files import Asset, AssetSubject, FileSubject
from tallyfy_async.models.folders import Folder, FolderObject, FolderSubject, FolderType
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
from tallyfy_async.models.search import (
    BlueprintHit,
    CaptureHit,
    ProcessHit,
    SearchBlock,
    SearchResults,
    SearchType,
    SnippetHit,
    StepHit,
    TaskHit,
)
from tallyfy_async.models.steps import Step, StepDeadline, StepStart
from tallyfy_async.models.tags import Tag, TagAssociation, TagStatistics, TagSubject, TagType
from tallyfy_async.models.tasks import Task, TaskStatus, TaskType
from tallyfy_async.models.watchers import Watcher

__all__ = [
    "ActivityItem",
    "ApiDescription",
    "ApiOperation",
    "AppliesTo",
    "Asset",
    "AssetSubject",
    "Automation",
    "AutomationAction",
    "AutomationCondition",
    "Blueprint",
    "BlueprintFormFields",
    "BlueprintHit",
    "BlueprintType",
    "CaptureHit",
    "Comment",
    "CommentAuthor",
    "CommentLabel",
    "CommentState",
    "CustomFieldKey",
    "CustomFieldType",
    "DeletedBlueprint",
    "DeletedReference",
    "FieldColumn",
    "FieldOption",
    "FieldType",
    "FileSubject",
    "Folder",
    "FolderObject",
    "FolderSubject",
    "FolderType",
    "FormField",
    "Group",
    "Guest",
    "GuestDetails",
    "KeyType",
    "Member",
    "MemberRole",
    "MemberStatus",
    "Model",
    "OpenStrEnum",
    "Organization",
    "Owners",
    "Process",
    "ProcessFormFields",
    "ProcessHit",
    "ProcessStatus",
    "Progress",
    "SearchBlock",
    "SearchResults",
    "SearchType",
    "SnippetHit",
    "Step",
    "StepDeadline",
    "StepHit",
    "StepStart",
    "Tag",
    "TagAssociation",
    "TagStatistics",
    "TagSubject",
    "TagType",
    "Task",
    "TaskHit",
    "TaskStatus",
    "TaskType",
    "User",
    "Watcher",
]
