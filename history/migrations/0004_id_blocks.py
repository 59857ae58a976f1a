"""Ledger entries and trades move to id blocks (history.blocks): batch and per-agent index
tables replace the per-row secondary indexes. Existing rows are indexed here: a batch is each
run of consecutive ids sharing (simulation, tick, batch fields); an agent tick lists the ids
of the rows the agent is on, either side. PostgreSQL also gets the id-reserving function and
BRIN indexes for resets."""

import struct

import django.db.models.deletion
from django.db import migrations, models

# One caller at a time takes nextval and moves the sequence past its block; a session lock
# released at once, so concurrent simulations wait for two calls, not for a tick's commit.
RESERVE_IDS = """
CREATE OR REPLACE FUNCTION history_reserve_ids(seq regclass, n bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE first_id bigint;
BEGIN
    IF n < 1 THEN
        RAISE EXCEPTION 'history_reserve_ids: n must be >= 1, got %', n;
    END IF;
    PERFORM pg_advisory_lock(1162364228, 0);  -- "EHID"
    BEGIN
        first_id := nextval(seq);
        IF n > 1 THEN
            PERFORM setval(seq, first_id + n - 1);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        PERFORM pg_advisory_unlock(1162364228, 0);
        RAISE;
    END;
    PERFORM pg_advisory_unlock(1162364228, 0);
    RETURN first_id;
END $$;
"""
# Agent-tick entries are ids: pglz gains little on them and costs ingestion CPU, so they are
# stored uncompressed, inline up to 8 KB (a bucket of 16 households is ~2 KB; firms' buckets
# are larger and go to TOAST). Measured: a third less time copying the agent-tick rows.
ENTRIES_STORAGE = [
    f"ALTER TABLE {table} ALTER COLUMN entries SET STORAGE EXTERNAL, "
    f"SET (toast_tuple_target = 8160)"
    for table in ("history_ledgeragenttick", "history_tradeagenttick")
]
POSTGRES_UP = [
    RESERVE_IDS,
    *ENTRIES_STORAGE,
    "CREATE INDEX IF NOT EXISTS hist_lagent_tick_brin ON history_ledgeragenttick "
    "USING brin (simulation_id, tick)",
    "CREATE INDEX IF NOT EXISTS hist_tagent_tick_brin ON history_tradeagenttick "
    "USING brin (simulation_id, tick)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS hist_lagent_tick_brin",
    "DROP INDEX IF EXISTS hist_tagent_tick_brin",
    "DROP FUNCTION IF EXISTS history_reserve_ids(regclass, bigint)",
]

# (rows table, batch table, batch fields, the two sides, agent-tick table)
ARCHIVES = [
    ("history_ledgerentry", "history_ledgerbatch", ("phase", "kind"), ("debit", "credit"),
     "history_ledgeragenttick"),
    ("history_trade", "history_tradebatch", ("market",), ("buyer", "seller"),
     "history_tradeagenttick"),
]


def postgres_up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_UP:
            schema_editor.execute(sql, params=None)


def postgres_down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_DOWN:
            schema_editor.execute(sql, params=None)


def backfill(apps, schema_editor):
    rebuild(schema_editor.connection)


def rebuild(connection):
    """Fill the batch and agent-tick tables from the rows (they must be empty)."""

    def execute(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    for rows, batches, fields, sides, agent_ticks in ARCHIVES:
        key = ", ".join(("simulation_id", "tick", *fields))
        # Consecutive ids of one key: id - row_number() is constant along each run.
        execute(
            f"INSERT INTO {batches} ({key}, first_id, count) "
            f"SELECT {key}, min(id), count(*) FROM (SELECT id, {key}, "
            f"id - row_number() OVER (PARTITION BY {key} ORDER BY id) AS run FROM {rows}) r "
            f"GROUP BY {key}, run")
        union = " UNION ".join(
            f"SELECT simulation_id, tick, {side}_type AS agent_type, {side}_id AS agent_id, id "
            f"FROM {rows}" for side in sides)
        columns = "simulation_id, tick, agent_type, agent_id / 16"
        if connection.vendor == "postgresql":
            # history.blocks: ids (int8send, by agent then id), then each id's agent % 16.
            order = "ORDER BY agent_id, id"
            execute(
                f"INSERT INTO {agent_ticks} (simulation_id, tick, agent_type, bucket, entries) "
                f"SELECT {columns}, string_agg(int8send(id), ''::bytea {order}) "
                f"|| string_agg(set_byte(decode('00', 'hex'), 0, agent_id % 16), ''::bytea "
                f"{order}) FROM ({union}) s GROUP BY {columns}")
            continue
        # SQLite (embedded mode, small archives): packed in Python.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns}, agent_id % 16, id FROM ({union}) s "
                           f"ORDER BY {columns}, agent_id, id")
            grouped = {}
            for *bucket_key, member, row_id in cursor.fetchall():
                grouped.setdefault(tuple(bucket_key), []).append((row_id, member))
            cursor.executemany(
                f"INSERT INTO {agent_ticks} (simulation_id, tick, agent_type, bucket, entries) "
                f"VALUES (%s, %s, %s, %s, %s)",
                [(*k, struct.pack(f">{len(v)}q{len(v)}B", *[i for i, _ in v],
                                  *[m for _, m in v])) for k, v in grouped.items()])


class Migration(migrations.Migration):

    dependencies = [
        ('history', '0003_agentsnapshot_sim_day_index'),
        ('simulations', '0002_orchestrator'),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerAgentTick',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tick', models.BigIntegerField()),
                ('agent_type', models.SmallIntegerField(choices=[(0, 'household'), (1, 'firm'), (2, 'bank'), (3, 'central_bank'), (4, 'government')])),
                ('bucket', models.IntegerField(help_text='Engine id // 16.')),
                ('entries', models.BinaryField()),
            ],
        ),
        migrations.CreateModel(
            name='LedgerBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tick', models.BigIntegerField()),
                ('first_id', models.BigIntegerField()),
                ('count', models.IntegerField()),
                ('phase', models.CharField(max_length=4)),
                ('kind', models.CharField(max_length=24)),
            ],
            options={
                'verbose_name_plural': 'ledger batches',
            },
        ),
        migrations.CreateModel(
            name='TradeAgentTick',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tick', models.BigIntegerField()),
                ('agent_type', models.SmallIntegerField(choices=[(0, 'household'), (1, 'firm'), (2, 'bank'), (3, 'central_bank'), (4, 'government')])),
                ('bucket', models.IntegerField(help_text='Engine id // 16.')),
                ('entries', models.BinaryField()),
            ],
        ),
        migrations.CreateModel(
            name='TradeBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tick', models.BigIntegerField()),
                ('first_id', models.BigIntegerField()),
                ('count', models.IntegerField()),
                ('market', models.SmallIntegerField(choices=[(0, 'goods'), (1, 'labour'), (2, 'credit')])),
            ],
            options={
                'verbose_name_plural': 'trade batches',
            },
        ),
        migrations.RemoveIndex(
            model_name='ledgerentry',
            name='hist_ledger_sim_tick',
        ),
        migrations.RemoveIndex(
            model_name='ledgerentry',
            name='hist_ledger_debit',
        ),
        migrations.RemoveIndex(
            model_name='ledgerentry',
            name='hist_ledger_credit',
        ),
        migrations.RemoveIndex(
            model_name='ledgerentry',
            name='hist_ledger_kind',
        ),
        migrations.RemoveIndex(
            model_name='trade',
            name='hist_trade_sim_tick',
        ),
        migrations.RemoveIndex(
            model_name='trade',
            name='hist_trade_buyer',
        ),
        migrations.RemoveIndex(
            model_name='trade',
            name='hist_trade_seller',
        ),
        migrations.AddField(
            model_name='ledgeragenttick',
            name='simulation',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='simulations.simulation'),
        ),
        migrations.AddField(
            model_name='ledgerbatch',
            name='simulation',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='simulations.simulation'),
        ),
        migrations.AddField(
            model_name='tradeagenttick',
            name='simulation',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='simulations.simulation'),
        ),
        migrations.AddField(
            model_name='tradebatch',
            name='simulation',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='simulations.simulation'),
        ),
        migrations.AddConstraint(
            model_name='ledgeragenttick',
            constraint=models.UniqueConstraint(fields=('simulation', 'agent_type', 'bucket', 'tick'), name='hist_lagent_unique'),
        ),
        migrations.AddIndex(
            model_name='ledgerbatch',
            index=models.Index(fields=['simulation', 'tick', 'first_id'], name='hist_lbatch_tick'),
        ),
        migrations.AddIndex(
            model_name='ledgerbatch',
            index=models.Index(fields=['simulation', 'kind', 'tick', 'first_id'], name='hist_lbatch_kind'),
        ),
        migrations.AddConstraint(
            model_name='tradeagenttick',
            constraint=models.UniqueConstraint(fields=('simulation', 'agent_type', 'bucket', 'tick'), name='hist_tagent_unique'),
        ),
        migrations.AddIndex(
            model_name='tradebatch',
            index=models.Index(fields=['simulation', 'tick', 'first_id'], name='hist_tbatch_tick'),
        ),
        migrations.AddIndex(
            model_name='tradebatch',
            index=models.Index(fields=['simulation', 'market', 'tick', 'first_id'], name='hist_tbatch_market'),
        ),
        migrations.RunPython(postgres_up, postgres_down, elidable=False),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
