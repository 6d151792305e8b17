"""Resource clients, one module per API area, reached through ``OrgClient``.

A resource that lives under a record of another hangs from that resource
(``org.processes.tasks``, ``org.tasks.comments``, ``org.blueprints.automations``), and
is built with the path it hangs from, so one class serves every parent.

Every method follows one argument order: positional arguments are ids, the parents'
first, then the record's own; everything else is keyword-only, and an option not given
is :data:`~tallyfy_async.UNSET` (left out of what is sent). A method acting on one
record also takes the record's model in place of its ids, since a model carries its
parents' ids: ``org.processes.tasks.complete(task)`` is
``org.processes.tasks.complete(task.run_id, task.id)``; a parent's model stands for the
parent in the resources under it (``org.processes.tasks.list(run)``).
"""

from tallyfy_async.resources.applications import Applications
from tallyfy_async.resources.automations import Automations
from tallyfy_async.resources.blueprints import Blueprints
from tallyfy_async.resources.comments import Comments, TaskComments
from tallyfy_async.resources.custom_fields import CustomFields, CustomFieldValues
from tallyfy_async.resources.files import Files, FileStream
from tallyfy_async.resources.folders import Folders
from tallyfy_async.resources.form_fields import FormFields
from tallyfy_async.resources.groups import Groups
from tallyfy_async.resources.guests import Guests
from tallyfy_async.resources.members import Members
from tallyfy_async.resources.organizations import Activity, Details, Me
from tallyfy_async.resources.process_tasks import ProcessTasks
from tallyfy_async.resources.processes import Processes
from tallyfy_async.resources.search import Search
from tallyfy_async.resources.steps import Steps
from tallyfy_async.resources.tags import Tags
from tallyfy_async.resources.tasks import Tasks
from tallyfy_async.resources.watchers import Watchers

__all__ = [
    "Activity",
    "Applications",
    "Automations",
    "Blueprints",
    "Comments",
    "CustomFieldValues",
    "CustomFields",
    "Details",
    "FileStream",
    "Files",
    "Folders",
    "FormFields",
    "Groups",
    "Guests",
    "Me",
    "Members",
    "ProcessTasks",
    "Processes",
    "Search",
    "Steps",
    "Tags",
    "TaskComments",
    "Tasks",
    "Watchers",
]
