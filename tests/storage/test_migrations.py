"""One linear migration history whose head has the tables and columns the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.migrate import alembic_config
from storage.models import Base


def test_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


def test_migrated_tables_and_columns_match_the_models(engine: Engine) -> None:
    # Some read indexes exist only in migrations (expression and partial indexes); tables and columns must agree.
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    shape = [d for d in diff if isinstance(d, tuple) and d[0] in ("add_table", "remove_table", "add_column",
                                                                    "remove_column")]
    assert shape == []
