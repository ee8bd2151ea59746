"""Alembic environment: migrations run on the engine sucre hands over (never a URL in a file).

On SQLite a migration that changes a column rebuilds its table (Alembic's batch mode: copy, drop,
rename), and dropping a table other rows refer to breaks their foreign keys. SQLite's own recipe
for such changes is followed: foreign keys off outside the transaction, the migration, then
``PRAGMA foreign_key_check`` inside it (any dangling reference undoes the whole migration), and
foreign keys on again.
"""

from __future__ import annotations

from alembic import context

from sucre.adapters.db.tables import metadata

engine = context.config.attributes["engine"]
sqlite = engine.dialect.name == "sqlite"
with engine.connect() as connection:
    # Through the driver: a statement through SQLAlchemy would begin the transaction, inside
    # which SQLite ignores this pragma.
    driver = connection.connection.driver_connection
    if sqlite:
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            context.configure(connection=connection, target_metadata=metadata,
                              render_as_batch=sqlite)
            context.run_migrations()
            if sqlite:
                dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if dangling:
                    raise RuntimeError(f"the migration left rows whose foreign key refers to "
                                       f"nothing (table, rowid, parent): {dangling[:5]}")
    finally:
        if sqlite:
            driver.execute("PRAGMA foreign_keys=ON")
