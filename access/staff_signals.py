"""What the staff directory tells the rest of access management when people change.

``staff_changed`` is sent after every save of the directory has been committed: a person added
or edited by hand, or a CSV import confirmed (web or command line). Account mappings, which
match accounts to people by email, subscribe to it and recompute; so does anything that judges
an account by its person's status or org role. Bulk writes send no ``post_save``, so this is
the one signal to listen to.

Keyword arguments: ``staff_ids`` (the ids of the people created or changed, a list) and
``reason`` (a short sentence for logs and check history, e.g. "after a staff import").
"""

from __future__ import annotations

from django.dispatch import Signal

staff_changed = Signal()
