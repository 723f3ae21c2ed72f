"""The base of our NLU components that learn nothing: configured by their config alone."""

from __future__ import annotations

from typing import Any, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

Component = TypeVar("Component", bound="StatelessComponent")


class StatelessComponent(GraphComponent):
    """Nothing to train or persist; training data passes through unchanged."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.component_config = config

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls: type[Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
