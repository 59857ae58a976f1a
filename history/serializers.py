"""Query-string filters (validated: a bad one is a 400 naming it) and the rows the API returns."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from econsim_project.fields import Int64Field, int64_from_text
from history.models import LOG_LEVELS
from history.postings import ACCOUNTS, KIND_ACCOUNTS, KINDS
from simulations.engine.vocabulary import AGENT_TYPE_CODES, AGENT_TYPES, MARKETS

AGENT_HELP = "An agent as <type>:<engine id>, e.g. household:12 (types: " + ", ".join(
    AGENT_TYPES) + ")."


@extend_schema_field({"type": "string", "pattern": r"^[a-z_]+:[0-9]{1,18}$"})
class AgentRefField(serializers.Field):
    default_error_messages = {"invalid": "Expected <type>:<engine id>, e.g. household:12."}

    def to_internal_value(self, data: object) -> tuple[int, int]:
        agent_type, _, engine_id = str(data).partition(":")
        number = int64_from_text(engine_id)
        if agent_type not in AGENT_TYPE_CODES or number is None or number < 0:
            self.fail("invalid")
        return (AGENT_TYPE_CODES[agent_type], number)

    def to_representation(self, value: tuple[int, int]) -> str:
        return f"{AGENT_TYPES[value[0]]}:{value[1]}"


class PageInputSerializer(serializers.Serializer):
    """Paging shared by every list: keyset `cursor` (fast at any depth) or `offset`."""

    limit = Int64Field(min_value=1, required=False,
                                     help_text="Rows per page (capped).")
    cursor = serializers.CharField(required=False, max_length=64,
                                   help_text="The `next` link's cursor.")
    offset = Int64Field(min_value=0, required=False,
                                      help_text="Rows to skip (compatibility; slow when deep).")
    format = serializers.ChoiceField(choices=["json", "csv"], required=False,
                                     help_text="csv: stream every matching row as CSV.")

    def validate_limit(self, value: int) -> int:
        cap = settings.HISTORY_PAGE_SIZE_MAX  # a setting: read per request, not at import
        if value > cap:
            raise serializers.ValidationError(f"Ensure this value is less than or equal to {cap}.",
                                              "max_value")
        return value

    def validate(self, attrs: dict) -> dict:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {key: ErrorDetail("Unknown filter.", "unknown_field") for key in sorted(unknown)})
        if "cursor" in attrs and "offset" in attrs:
            raise serializers.ValidationError(
                {"offset": ErrorDetail("Use either cursor or offset.", "exclusive")})
        for low, high in (("tick_from", "tick_to"), ("day_from", "day_to")):
            if attrs.get(low) is not None and attrs.get(high) is not None \
                    and attrs[low] > attrs[high]:
                raise serializers.ValidationError(
                    {low: ErrorDetail(f"Must be <= {high}.", "range")})
        attrs.setdefault("limit", settings.HISTORY_PAGE_SIZE)
        return attrs


class TickRangeInputSerializer(PageInputSerializer):
    tick_from = Int64Field(min_value=0, required=False)
    tick_to = Int64Field(min_value=0, required=False)


class TickLogFilterSerializer(TickRangeInputSerializer):
    day_from = Int64Field(min_value=0, required=False)
    day_to = Int64Field(min_value=0, required=False)
    message = serializers.CharField(required=False, max_length=200,
                                    help_text="Substring, case-insensitive.")
    level = serializers.ChoiceField(choices=LOG_LEVELS, required=False)


class TradeFilterSerializer(TickRangeInputSerializer):
    market = serializers.ChoiceField(choices=MARKETS, required=False)
    agent = AgentRefField(required=False, help_text=AGENT_HELP + " Buyer or seller.")


class LedgerFilterSerializer(TickRangeInputSerializer):
    kind = serializers.ChoiceField(choices=KINDS, required=False)
    account = serializers.ChoiceField(choices=ACCOUNTS, required=False,
                                      help_text="Entries debiting or crediting this account.")
    agent = AgentRefField(required=False, help_text=AGENT_HELP + " Either side.")


class SnapshotFilterSerializer(PageInputSerializer):
    day = Int64Field(min_value=0, required=False)
    day_from = Int64Field(min_value=0, required=False)
    day_to = Int64Field(min_value=0, required=False)
    agent = AgentRefField(required=False, help_text=AGENT_HELP)


class BalanceFilterSerializer(TickRangeInputSerializer):
    agent = AgentRefField(help_text=AGENT_HELP)


class AggregateFilterSerializer(TickRangeInputSerializer):
    fields = serializers.CharField(required=False, max_length=2000,
                                   help_text="Comma-separated series names (default: all).")

    def validate_fields(self, value: str) -> list[str]:
        names = [name.strip() for name in value.split(",") if name.strip()]
        if not names:
            raise serializers.ValidationError("Name at least one series.", "required")
        return names


class RecentLogsInputSerializer(serializers.Serializer):
    ticks = Int64Field(min_value=1, max_value=100_000, default=100,
                                     help_text="How many of the latest ticks.")


class PageOutputSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, null on the last.")


def _agent(type_code: int, engine_id: int) -> str:
    return f"{AGENT_TYPES[type_code]}:{engine_id}"


class TickLogOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tick = serializers.IntegerField()
    day = serializers.IntegerField()
    level = serializers.CharField()
    message = serializers.CharField()
    context = serializers.JSONField()
    recorded_at = serializers.DateTimeField()


class TradeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tick = serializers.IntegerField()
    market = serializers.SerializerMethodField()
    buyer = serializers.SerializerMethodField()
    seller = serializers.SerializerMethodField()
    quantity = serializers.IntegerField(allow_null=True)
    price = serializers.IntegerField(allow_null=True, help_text="Cents per unit.")
    value = serializers.IntegerField(help_text="Cents.")

    def get_market(self, trade: object) -> str:
        return MARKETS[trade.market]

    def get_buyer(self, trade: object) -> str:
        return _agent(trade.buyer_type, trade.buyer_id)

    def get_seller(self, trade: object) -> str:
        return _agent(trade.seller_type, trade.seller_id)


class LedgerEntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tick = serializers.IntegerField()
    phase = serializers.CharField()
    kind = serializers.CharField()
    debit_account = serializers.SerializerMethodField(help_text="Money leaves it.")
    debit_agent = serializers.SerializerMethodField()
    credit_account = serializers.SerializerMethodField(help_text="Money arrives in it.")
    credit_agent = serializers.SerializerMethodField()
    amount = serializers.IntegerField(help_text="Cents.")

    def get_debit_account(self, entry: object) -> str:
        return KIND_ACCOUNTS.get(entry.kind, ("", ""))[0]

    def get_credit_account(self, entry: object) -> str:
        return KIND_ACCOUNTS.get(entry.kind, ("", ""))[1]

    def get_debit_agent(self, entry: object) -> str:
        return _agent(entry.debit_type, entry.debit_id)

    def get_credit_agent(self, entry: object) -> str:
        return _agent(entry.credit_type, entry.credit_id)


class SnapshotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    day = serializers.IntegerField()
    tick = serializers.IntegerField()
    agent = serializers.SerializerMethodField()
    balance_sheet = serializers.JSONField()
    state = serializers.JSONField()

    def get_agent(self, snapshot: object) -> str:
        return _agent(snapshot.agent_type, snapshot.agent_id)


class BalanceOutputSerializer(serializers.Serializer):
    tick = serializers.IntegerField()
    day = serializers.IntegerField()
    source = serializers.ChoiceField(
        choices=["tick", "day_end"],
        help_text="tick: kept every tick while the agent had an owner; day_end: the day's "
                  "snapshot (before the claim, or for a free agent).")
    agent = serializers.SerializerMethodField()
    balance_sheet = serializers.JSONField(help_text="Money in cents.")

    def get_agent(self, row: object) -> str:
        return _agent(row.agent_type, row.agent_id)


class AggregateOutputSerializer(serializers.Serializer):
    tick = serializers.IntegerField()
    day = serializers.IntegerField()
    data = serializers.JSONField(help_text="Series name -> value (money in cents).")

    def to_representation(self, aggregate: object) -> dict:
        out = super().to_representation(aggregate)
        names = self.context.get("fields")
        if names:
            out["data"] = {name: out["data"].get(name) for name in names}
        return out


class AuditOutputSerializer(serializers.Serializer):
    tick = serializers.IntegerField()
    day = serializers.IntegerField()
    all_passed = serializers.BooleanField()
    invariants = serializers.JSONField()
    tfm = serializers.JSONField()
    sector_saving = serializers.JSONField()
    state_hash = serializers.CharField()
    rejected_decisions = serializers.IntegerField()


def page_serializer(name: str, row: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The envelope of a list: {results: [...], next}."""
    return type(name, (PageOutputSerializer,), {"results": row(many=True)})
