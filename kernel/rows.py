"""New rows of one model in one INSERT whose text is built once per shape.

``Model.objects.create`` and ``bulk_create`` compile the same statement anew on every call: for intake's report
and referrals that was about a third of their CPU. Here each field still prepares its own value (``pre_save``,
``get_db_prep_save`` and, for a geometry in another reference system, its placeholder), as the ORM's do; only
the statement's text is kept, per model and shape of placeholders. Save signals are not sent (nothing listens
to those of the models that use this: a receiver added later would not fire).

It sits in the kernel: the parts that use it (the report's intake and referrals) import nothing of each
other's for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

_STATEMENTS: dict[tuple[type[Model], tuple[str, ...]], str] = {}


def rows_insert(*, instances: Sequence[Model]) -> None:
    """Insert the new ``instances`` (all of one model, primary keys already set) and mark them saved."""
    if not instances:
        return
    model = type(instances[0])
    fields = model._meta.local_concrete_fields
    placeholders: list[str] = []
    params: list[object] = []
    for instance in instances:
        for field in fields:
            value = field.get_db_prep_save(field.pre_save(instance, True), connection)
            if hasattr(field, "get_placeholder_sql"):  # a transformed geometry, a cast array: as the ORM asks
                placeholder, value_params = field.get_placeholder_sql(value, None, connection)
                placeholders.append(placeholder)
                params.extend(value_params)
            else:
                placeholders.append("%s")
                params.append(value)
    key = (model, tuple(placeholders))
    sql = _STATEMENTS.get(key)
    if sql is None:
        quote, width = connection.ops.quote_name, len(fields)
        rows = ", ".join(
            f"({', '.join(placeholders[start:start + width])})" for start in range(0, len(placeholders), width)
        )
        columns = ", ".join(quote(field.column) for field in fields)
        # Names come from the model, values go as parameters.
        sql = _STATEMENTS[key] = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {rows}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    for instance in instances:
        instance._state.adding, instance._state.db = False, connection.alias
