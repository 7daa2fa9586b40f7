"""Schema migrations (Alembic), applied on open under a lock so that concurrent openers never race.

SQLite: the upgrade runs inside `BEGIN IMMEDIATE`, so a second process waits for the first and then
finds the schema current. PostgreSQL: inside a transaction holding an advisory lock (DDL is
transactional there too). A database made by release 0.1 (tables but no `alembic_version`) is
stamped as revision 0001 and upgraded from there; its data is kept.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

ADVISORY_LOCK_KEY = 0x636C61696D  # "claim": serialises migrations and ingest batches on PostgreSQL
BASELINE = "0001"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic config pointing at the packaged migrations (and at an open connection, if given)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("claimwatch.store").joinpath("migrations")))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision a database is at (None: new, or made before migrations existed)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision, safely when several processes open the database at once."""
    head = head_revision()
    with engine.connect() as probe:
        if current_revision(probe) == head:
            return  # the common case: no lock needed
    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE (see Store); PostgreSQL: lock below
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        revision = current_revision(conn)
        if revision == head:
            return
        cfg = alembic_config(conn)
        if revision is None and inspect(conn).has_table("articles"):
            command.stamp(cfg, BASELINE)  # release 0.1 created its tables without Alembic
        command.upgrade(cfg, "head")
