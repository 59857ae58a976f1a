"""The append-only archive of everything a simulation did, tick by tick.

Rows are written once, by `history.services` inside the orchestrator's tick transaction, and
never updated; only retention deletes (tick logs). Agents are referred to by their engine
reference (type code, engine id), not by a foreign key to `simulations.Agent`: every
household and firm has rows here, claimed or not, and a join per row would cost the ingestion
path its speed.

The simulation foreign keys carry no database constraint (`db_constraint=False`): an FK check
is a trigger per copied row and would halve COPY throughput (docs/architecture.md). Deleting a
simulation still removes its history through Django's cascade (one DELETE per table).
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from simulations.engine.vocabulary import AGENT_TYPE_CODES, AGENT_TYPES, MARKET_CODES, MARKETS
from simulations.models import Simulation

LOG_LEVELS = ("debug", "info", "warning", "error")

# The engine's integer codes (`simulations.engine.vocabulary`) as Django choices, labelled with
# the engine's names ("central_bank" -> CENTRAL_BANK = 3, "central_bank").
AgentTypeCode = models.IntegerChoices(
    "AgentTypeCode", [(t.upper(), (AGENT_TYPE_CODES[t], t)) for t in AGENT_TYPES])
MarketCode = models.IntegerChoices(
    "MarketCode", [(m.upper(), (MARKET_CODES[m], m)) for m in MARKETS])


def _simulation_fk() -> models.ForeignKey:
    return models.ForeignKey(
        Simulation, on_delete=models.CASCADE, db_constraint=False, db_index=False,
        related_name="+",
    )  # every composite index below leads with the simulation


class TickLog(models.Model):
    """One log line of a tick: the engine's lines and the orchestrator's."""

    class Level(models.TextChoices):
        DEBUG = "debug", "Debug"
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    simulation = _simulation_fk()
    tick = models.BigIntegerField()
    day = models.IntegerField()
    level = models.CharField(max_length=8, choices=Level.choices)
    message = models.TextField()
    context = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(db_default=Now())

    class Meta:
        # Keyset order is (tick, id); the BRIN index on recorded_at (retention) is in 0002.
        indexes = [models.Index(fields=["simulation", "tick", "id"], name="hist_log_sim_tick")]

    def __str__(self) -> str:
        return f"{self.simulation_id}@{self.tick} {self.level}: {self.message[:60]}"


class Trade(models.Model):
    """One trade of a market. Quantity and price are null where the engine did not report
    them (goods trades of the engine's first, flat trade format carry only the value)."""

    simulation = _simulation_fk()
    tick = models.BigIntegerField()
    market = models.SmallIntegerField(choices=MarketCode.choices)
    buyer_type = models.SmallIntegerField(choices=AgentTypeCode.choices)
    buyer_id = models.IntegerField()
    seller_type = models.SmallIntegerField(choices=AgentTypeCode.choices)
    seller_id = models.IntegerField()
    quantity = models.BigIntegerField(null=True, blank=True)
    price = models.BigIntegerField(null=True, blank=True, help_text="Cents per unit.")
    value = models.BigIntegerField(help_text="Cents.")

    # No secondary index: lists find their rows by id through TradeBatch and TradeAgentTick.

    def __str__(self) -> str:
        return f"{self.simulation_id}@{self.tick} {self.get_market_display()} {self.value}"


class LedgerEntry(models.Model):
    """One posting. As in the engine's `ledger.post`, the debit side is the source account
    (money leaves it) and the credit side the destination; both accounts follow from `kind`
    (`simulations.engine.ledger.TransactionKind`), so they are not stored."""

    simulation = _simulation_fk()
    tick = models.BigIntegerField()
    phase = models.CharField(max_length=4)
    kind = models.CharField(max_length=24)
    debit_type = models.SmallIntegerField(choices=AgentTypeCode.choices)
    debit_id = models.IntegerField()
    credit_type = models.SmallIntegerField(choices=AgentTypeCode.choices)
    credit_id = models.IntegerField()
    amount = models.BigIntegerField(help_text="Cents.")

    class Meta:
        # No secondary index: lists find their rows by id through LedgerBatch (ticks, kinds)
        # and LedgerAgentTick (agents), see `Block` below.
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{self.simulation_id}@{self.tick} {self.kind} {self.amount}"


class Block(models.Model):
    """One engine batch of a tick (a posting batch, a market's trades): its rows are exactly
    the ids [first_id, first_id + count) of the archive table, reserved in one piece.

    Why not per-row indexes: a btree per agent side costs more per copied row than the row
    itself (random inserts all over the index), which capped ingestion near 60k rows/s. Ids
    reserved in blocks let a batch row stand for thousands of rows: tick and kind filters
    read these few rows and compute the ids, and the rows come by primary key.
    """

    simulation = _simulation_fk()
    tick = models.BigIntegerField()
    first_id = models.BigIntegerField()
    count = models.IntegerField()

    class Meta:
        abstract = True

    @property
    def last_id(self) -> int:
        return self.first_id + self.count - 1


class AgentTick(models.Model):
    """The per-agent index of one tick: for the agents `bucket * 16` to `bucket * 16 + 15` of
    one type, the ids of the rows each is on (either side). One row per 16 agents and tick,
    not two index entries per archived row: the btree over these is what ingestion pays
    per row, so it must stay small (`history.blocks.BUCKET_SIZE` has the figures)."""

    simulation = _simulation_fk()
    tick = models.BigIntegerField()
    agent_type = models.SmallIntegerField(choices=AgentTypeCode.choices)
    bucket = models.IntegerField(help_text="Engine id // 16.")
    # n ids (big-endian int64, ascending per agent) then n bytes: each id's agent (engine id
    # % 16); see `history.blocks.entries_unpack`. A bytea, so SQLite stores it too.
    entries = models.BinaryField()

    class Meta:
        abstract = True


class LedgerBatch(Block):
    phase = models.CharField(max_length=4)
    kind = models.CharField(max_length=24)

    class Meta:
        verbose_name_plural = "ledger batches"
        indexes = [
            models.Index(fields=["simulation", "tick", "first_id"], name="hist_lbatch_tick"),
            models.Index(fields=["simulation", "kind", "tick", "first_id"],
                         name="hist_lbatch_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.simulation_id}@{self.tick} {self.kind} ids {self.first_id}+{self.count}"


class LedgerAgentTick(AgentTick):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulation", "agent_type", "bucket", "tick"],
                                    name="hist_lagent_unique"),
        ]
        # A reset deletes the ticks after its target: a BRIN index on (simulation, tick)
        # finds them at no insert cost (PostgreSQL only, migration 0004).

    def __str__(self) -> str:
        return f"{self.simulation_id}@{self.tick} ledger of {self.agent_type}:{self.bucket}x16"


class TradeBatch(Block):
    market = models.SmallIntegerField(choices=MarketCode.choices)

    class Meta:
        verbose_name_plural = "trade batches"
        indexes = [
            models.Index(fields=["simulation", "tick", "first_id"], name="hist_tbatch_tick"),
            models.Index(fields=["simulation", "market", "tick", "first_id"],
                         name="hist_tbatch_market"),
        ]

    def __str__(self) -> str:
        return (f"{self.simulation_id}@{self.tick} {self.get_market_display()} "
                f"ids {self.first_id}+{self.count}")


class TradeAgentTick(AgentTick):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulation", "agent_type", "bucket", "tick"],
                                    name="hist_tagent_unique"),
        ]
        # BRIN on (simulation, tick) as for LedgerAgentTick (migration 0004).

    def __str__(self) -> str:
        return f"{self.simulation_id}@{self.tick} trades of {self.agent_type}:{self.bucket}x16"


class AgentSnapshot(models.Model):
    """An agent's balance sheet and state at the end of a day."""

    simulation = _simulation_fk()
    day = models.IntegerField()
    tick = models.BigIntegerField()
    agent_type = models.SmallIntegerField(choices=AgentTypeCode.choices)
    agent_id = models.IntegerField()
    balance_sheet = models.JSONField(default=dict)
    state = models.JSONField(default=dict)
    recorded_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulation", "day", "agent_type", "agent_id"],
                                    name="hist_snapshot_unique_day_agent"),
        ]
        indexes = [
            models.Index(fields=["simulation", "day", "id"], name="hist_snapshot_sim_day"),
            models.Index(fields=["simulation", "agent_type", "agent_id", "day", "id"],
                         name="hist_snapshot_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.simulation_id} day {self.day} {self.agent_type}:{self.agent_id}"


class AgentTickBalance(models.Model):
    """A claimed agent's balance sheet after one tick. Written in the tick's transaction for
    the agents that have an owner at that tick only (a few hundred, not the 10^4 households):
    day-end snapshots keep every agent once a day, this keeps an owner's agents every tick."""

    simulation = _simulation_fk()
    tick = models.BigIntegerField()
    day = models.IntegerField()
    agent_type = models.SmallIntegerField(choices=AgentTypeCode.choices)
    agent_id = models.IntegerField()
    balance_sheet = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulation", "agent_type", "agent_id", "tick"],
                                    name="hist_tickbal_unique"),
        ]
        indexes = [models.Index(fields=["simulation", "tick"], name="hist_tickbal_sim_tick")]

    def __str__(self) -> str:
        return f"{self.simulation_id}@{self.tick} {self.agent_type}:{self.agent_id} balance"


class TickAggregate(models.Model):
    """The macro series of one tick (the engine's published aggregates)."""

    simulation = _simulation_fk()
    tick = models.BigIntegerField()
    day = models.IntegerField()
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulation", "tick"], name="hist_aggregate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.simulation_id}@{self.tick} aggregates"


class TickAudit(models.Model):
    """The checks of one tick: each invariant's result and the transaction-flow matrix sums."""

    simulation = _simulation_fk()
    tick = models.BigIntegerField()
    day = models.IntegerField()
    all_passed = models.BooleanField()
    invariants = models.JSONField(help_text="Invariant name -> passed.")
    tfm = models.JSONField(help_text="Transaction kind -> sector -> cents.")
    sector_saving = models.JSONField(default=dict)
    state_hash = models.CharField(max_length=64, blank=True)
    rejected_decisions = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulation", "tick"], name="hist_audit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.simulation_id}@{self.tick} audit"


class DecisionRecord(models.Model):
    """What one scripted agent's script decided at one tick, as the engine received it.

    With the day-end checkpoints this makes every archived tick replayable without running
    any script again: the accepted decisions of a tick, passed to `World.step` on the world of
    the tick before, give back that tick's archived state (tested). Rejected decisions are kept
    with the engine's field and rule (the agent followed its baseline rule that tick); a call
    that failed in the sandbox keeps its failure kind as `rule`. `memory` is filled only at
    day ends: the script's memory after that tick, where a backtest from that day end's
    checkpoint starts. The script version and mount are plain ids: the archive sits beside
    the scripts app, not above it."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"
        EMPTY = "empty", "No decision"

    simulation = _simulation_fk()
    tick = models.BigIntegerField()
    day = models.IntegerField()
    agent_type = models.SmallIntegerField(choices=AgentTypeCode.choices)
    agent_id = models.IntegerField()
    version_id = models.BigIntegerField(help_text="The ScriptVersion that decided.")
    mount_id = models.BigIntegerField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    decision = models.JSONField(null=True, blank=True,
                                help_text="The decision as the script returned it, memory "
                                          "split off.")
    field = models.CharField(max_length=100, blank=True)
    rule = models.CharField(max_length=100, blank=True)
    cpu_ms = models.FloatField(default=0.0)
    memory = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulation", "tick", "agent_type", "agent_id"],
                                    name="hist_decision_unique"),
        ]
        indexes = [
            models.Index(fields=["simulation", "agent_type", "agent_id", "tick"],
                         name="hist_decision_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.simulation_id}@{self.tick} {self.agent_type}:{self.agent_id} {self.outcome}"

class AgentScore(models.Model):
    """One agent's score over one day (`simulations.engine.scores`), and its running total
    since day 1, so any window of days is two rows per agent: `total(d2) - total(d1 - 1)`.

    Written from the archive after the day ends (`history.scoring`), for every household,
    firm and bank, scripted or not (the baseline median needs them all). Households score a
    float (utility); firms and banks integer cents, kept exact in the `*_cents` columns (the
    float columns then hold the same numbers)."""

    simulation = _simulation_fk()
    day = models.IntegerField()
    tick = models.BigIntegerField(help_text="The day's last tick.")
    agent_type = models.SmallIntegerField(choices=AgentTypeCode.choices)
    agent_id = models.IntegerField()
    score = models.FloatField()
    total = models.FloatField(help_text="Sum of the scores of days 1 to this one.")
    score_cents = models.BigIntegerField(null=True, blank=True)
    total_cents = models.BigIntegerField(null=True, blank=True)
    failures = models.SmallIntegerField(default=0, help_text="Failures during the day.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulation", "day", "agent_type", "agent_id"],
                                    name="hist_score_unique_day_agent"),
        ]
        # The unique constraint's index serves the leaderboard: (simulation, day, type) ranges.

    def __str__(self) -> str:
        return f"{self.simulation_id} day {self.day} {self.agent_type}:{self.agent_id}"
