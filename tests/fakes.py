"""Stand-ins for parts that cannot run here. Only one: no LLM endpoint is reachable from this machine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field


class ScriptedToolCallingModel(BaseChatModel):
    """A FAKE chat model: each call answers with the next scripted tool call (arguments as given),
    through LangChain's real structured-output machinery (bind_tools + the pydantic tools parser).
    A script entry that is an Exception is raised instead, like an endpoint that fails."""

    script: list[Any]
    calls: list[Sequence[BaseMessage]] = Field(default_factory=list)
    tool_name: str | None = None

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedToolCallingModel:  # type: ignore[override]
        name = convert_to_openai_tool(tools[0])["function"]["name"]
        return self.model_copy(update={"tool_name": name})  # shares the script and the calls

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.calls.append(messages)
        answer = self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        message = AIMessage(
            content="",
            tool_calls=[{"name": self.tool_name or "", "args": answer, "id": f"call_{len(self.calls)}"}],
            usage_metadata={"input_tokens": 812, "output_tokens": 64, "total_tokens": 876},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
