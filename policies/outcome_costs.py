"""What a case costs and where the outcomes report draws its failure lines: LLM prices per
million tokens, the support team's hourly rate and the minutes a person spends on work the
CRM records without a start time. Versioned data (`outcome_costs.json`), validated here."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

DEFAULT_OUTCOME_COSTS = Path(__file__).with_name("outcome_costs.json")


class LlmPrices(BaseModel):
    input_per_million_tokens: float = Field(ge=0)
    output_per_million_tokens: float = Field(ge=0)

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (
            input_tokens * self.input_per_million_tokens
            + output_tokens * self.output_per_million_tokens
        ) / 1_000_000


class HumanRates(BaseModel):
    per_hour: float = Field(ge=0)
    # An approval decision has no recorded start: a click in Slack or one API call.
    minutes_per_approval_decision: float = Field(ge=0)
    # A hand-off resolved without a claim (resolve claims implicitly) has no start either.
    minutes_per_unclaimed_handoff: float = Field(ge=0)


class FailureRules(BaseModel):
    # A sent draft changed at least this much (normalised edit distance) means the sources the
    # answer was drafted from did not fit the question.
    bad_retrieval_min_edit_distance: float = Field(ge=0, le=1)


class OutcomeCosts(BaseModel):
    version: str
    currency: str = Field(min_length=3, max_length=3)
    llm: LlmPrices
    human: HumanRates
    failure_rules: FailureRules


def load_outcome_costs(path: Path | None = None) -> OutcomeCosts:
    return OutcomeCosts.model_validate_json((path or DEFAULT_OUTCOME_COSTS).read_bytes())
