"""The Replicate adapter: Z-Image Turbo, LaMa (a community model, run by version id),
Seedance and Veo videos — create a prediction, journal its id, poll it, download its outputs.

Never paid twice: a create whose answer was lost (dropped connection, timeout, 5xx,
unreadable answer) is reconciled by listing recent predictions and adopting the one with
the same model and the same input — as Replicate shows it back, re-serialised and with
file inputs as its own URLs (replicate_match.py); only when none exists is it sent again. The same
lookup resumes a create an earlier run sent but never heard back from. A prediction
cancelled in the app (or while its create is on the wire) is cancelled at Replicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx
from replicate.client import Client as ReplicateClient

from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.catalog import ModelSpec, PriceUnit, Task
from canvastoon_desktop.core.generation import GeneratedOutput, JobControl, ModelCall
from canvastoon_desktop.core.pricing import PriceTable

from .capped import capped_transport
from .clients import LoopLocal
from .errormap import REPLICATE
from .errors import (
    BadOutput,
    Cancelled,
    OutcomeUnknown,
    OutputsExpired,
    ProviderError,
    ProviderFailure,
    Rejected,
    provider_reason,
)
from .inputs import FileBytes, data_uri, read_image, scale_mask_to
from .landing import create_and_journal
from .polling import PollStatus, poll_until_done
from .replicate_match import SentInput
from .replicate_wire import (
    HeaderNotingTransport,
    Prediction,
    ReplicateWire,
    input_sha256,
    read_input,
)
from .retry import retry_transient, send_create
from .service import Service, charge_lost
from .setup import ProviderSetup

__all__ = ["ReplicateAdapter"]

log = logging.getLogger(__name__)

#: file inputs up to this size go inline as data URIs; larger ones are uploaded first
DATA_URI_MAX_BYTES = 256 * 1024
#: clock skew allowed between us and Replicate when matching a lost create
SKEW_S = 60.0
#: creates sent again after a lookup found that the previous one was never made
MAX_CREATE_ROUNDS = 3
#: how long a cancel at the provider may take when the node is cancelled
CANCEL_TIMEOUT_S = 5.0


class ReplicateAdapter:
    provider = "replicate"

    def __init__(self, setup: ProviderSetup, prices: PriceTable) -> None:
        self.service = Service(setup, prices, "replicate", REPLICATE)
        self._clients: LoopLocal[tuple[ReplicateWire, HeaderNotingTransport]] = LoopLocal(
            self._make_client, lambda pair: pair[1].aclose(), "replicate"
        )

    def _make_client(self, key: str) -> tuple[ReplicateWire, HeaderNotingTransport]:
        # answers read with a size cap; error answers' headers noted (Retry-After)
        transport = HeaderNotingTransport(capped_transport(httpx, REPLICATE))
        client = ReplicateClient(
            api_token=key,
            base_url=self.service.setup.replicate_base_url,
            timeout=httpx.Timeout(60.0, connect=15.0),
            transport=transport,
        )
        return ReplicateWire(client), transport

    async def aclose(self) -> None:
        await self._clients.aclose()
        await self.service.downloads.aclose()

    async def generate(self, call: ModelCall, job: JobControl) -> GeneratedOutput:
        wire = self._clients.get(self.service.key())[0]
        model = call.model
        version = model.replicate_version
        previous = job.previous
        prediction: Prediction | None = None
        prediction_id = previous.job_id if previous is not None else None
        if previous is not None and not prediction_id:
            # an earlier run sent a create and never heard back: did Replicate make it?
            wanted = _wanted(previous.info)
            if wanted is not None:
                try:
                    found = await self._lookup(wire, model, wanted, previous.created_at - SKEW_S)
                except OutcomeUnknown:
                    raise
                except ProviderError as exc:
                    raise OutcomeUnknown(
                        "an earlier run sent this prediction but never heard back, and "
                        f"Replicate could not be asked whether it was made ({exc}); nothing "
                        "was sent again. Run again to check again."
                    ) from exc
                if found is not None:
                    prediction_id = found.id
                    await self._journal(wire, call, job, found, previous.info)
        if prediction_id is None:
            prediction = await self._create(wire, call, job, version)
            prediction_id = prediction.id
        return await self._follow(wire, call, job, prediction_id, prediction)

    # -- create, with reconciliation ------------------------------------------------------
    async def _create(
        self, wire: ReplicateWire, call: ModelCall, job: JobControl, version: str | None
    ) -> Prediction:
        model = call.model
        inputs, files = await self._inputs(wire, call)
        digest = SentInput.of(inputs, files)
        info = {**digest.info(), "model": model.id, "version": version}
        await job.creating(info)
        since = time.time() - SKEW_S

        async def create() -> Prediction:
            prediction = await self._send(wire, model, version, inputs, digest, since)
            await job.submitted(prediction.id, info)
            return prediction

        # cancelled while the create is on the wire or its id is being journaled: let it
        # land, then cancel what it made
        return await create_and_journal(create, lambda made: self._cancel(wire, call, job, made.id))

    async def _journal(
        self,
        wire: ReplicateWire,
        call: ModelCall,
        job: JobControl,
        prediction: Prediction,
        info: Mapping[str, Any],
    ) -> None:
        """Journal an adopted prediction's id; cancelled meanwhile, cancel it at Replicate."""

        async def journal() -> Prediction:
            await job.submitted(prediction.id, info)
            return prediction

        await create_and_journal(journal, lambda made: self._cancel(wire, call, job, made.id))

    async def _send(
        self,
        wire: ReplicateWire,
        model: ModelSpec,
        version: str | None,
        inputs: dict[str, Any],
        digest: SentInput,
        since: float,
    ) -> Prediction:
        policy = self.service.policy
        cause: BaseException | None = None
        for _round in range(MAX_CREATE_ROUNDS):
            try:
                return await send_create(
                    lambda: wire.create(model.id, version, inputs), policy, service=REPLICATE
                )
            except (OutcomeUnknown, BadOutput) as exc:
                if not exc.maybe_processed:
                    raise
                cause = exc.__cause__ or exc
            try:
                found = await self._lookup(wire, model, digest, since)
            except OutcomeUnknown:
                raise
            except ProviderError as exc:
                raise OutcomeUnknown(
                    f"Replicate did not confirm the prediction ({cause}) and could not be "
                    f"asked whether it was made ({exc}); it may have been charged, so nothing "
                    "was sent again. Run again to check again."
                ) from exc
            if found is not None:
                log.info("adopted prediction %s after a lost create answer", found.id)
                return found
            log.info("the lost create made no prediction; sending it again")
        raise ProviderFailure(
            f"Replicate did not take the prediction after {MAX_CREATE_ROUNDS} "
            f"tries ({cause}); nothing was made"
        )

    async def _lookup(
        self,
        wire: ReplicateWire,
        model: ModelSpec,
        digest: SentInput | str,
        since: float,
    ) -> Prediction | None:
        """The newest prediction of ``model`` made by this create (a SentInput, or an older
        journal's exact input hash) after ``since``. OutcomeUnknown when one matches but
        its input files cannot be read back to be sure."""
        listed = await retry_transient(
            lambda: wire.list_since(since),
            self.service.policy,
            what="listing Replicate predictions",
        )
        unsure: list[str] = []
        for prediction in listed:  # newest first
            if prediction.model != model.id:
                continue
            if model.replicate_version and prediction.version not in (model.replicate_version, ""):
                continue
            if isinstance(digest, str):
                made: bool | None = input_sha256(prediction.input) == digest
            else:
                made = await digest.made(prediction.input, read_input)
            if made:
                return prediction
            if made is None:
                unsure.append(prediction.id)
        if unsure:
            raise OutcomeUnknown(
                f"Replicate shows a prediction with the same settings ({unsure[0]}) whose "
                "input files could not be read back to check it is this one; it may have "
                "been charged, so nothing was sent again. Run again to check again."
            )
        return None

    async def _inputs(
        self, wire: ReplicateWire, call: ModelCall
    ) -> tuple[dict[str, Any], dict[str, bytes]]:
        """The prediction's input, and the bytes of each file in it (to recognise it)."""
        model = call.model
        inputs: dict[str, Any] = {}
        if call.prompt or model.prompt_required:
            inputs["prompt"] = call.prompt
        for name, value in call.params.items():
            if value is None or value == "":
                continue
            inputs[name] = value
        files: dict[str, FileBytes] = {}
        for spec in model.files:
            assets = call.files.get(spec.name) or ()
            if assets:
                files[spec.name] = await asyncio.to_thread(read_image, assets[0], spec.name)
        if "mask" in files and "image" in files:  # LaMa needs them the same size
            image = files["image"]
            files["mask"] = await asyncio.to_thread(
                scale_mask_to, files["mask"], image.width, image.height
            )
        for name, file in files.items():
            inputs[name] = await self._file_value(wire, file)
        return inputs, {name: file.data for name, file in files.items()}

    async def _file_value(self, wire: ReplicateWire, file: FileBytes) -> str:
        if len(file.data) <= DATA_URI_MAX_BYTES:
            return data_uri(file.data, file.mime)
        return await retry_transient(
            lambda: wire.upload(file.data, file.name, file.mime),
            self.service.policy,
            what="uploading to Replicate",
        )

    # -- follow to the end ---------------------------------------------------------------
    async def _follow(
        self,
        wire: ReplicateWire,
        call: ModelCall,
        job: JobControl,
        prediction_id: str,
        first: Prediction | None,
    ) -> GeneratedOutput:
        service = self.service
        try:
            polled = await poll_until_done(
                lambda: wire.get(prediction_id),
                _status,
                job,
                schedule=service.schedule,
                policy=service.policy,
                timeout_s=service.setup.timeout_s,
                service=REPLICATE,
                first=first,
            )
        except asyncio.CancelledError:
            await self._cancel(wire, call, job, prediction_id)
            raise
        except Rejected as exc:
            if exc.status != 404:
                raise
            raise Rejected(
                f"Replicate does not know prediction {prediction_id} (404); it may "
                "belong to another account or token. Run again to start a new one.",
                status=404,
            ) from exc
        prediction = polled.state
        if prediction.status != "succeeded":
            raise _failure(prediction)
        cost, source, said = self._billed(call, prediction)
        try:
            assets = await self._download(prediction, call, job)
        except (ProviderError, asyncio.CancelledError) as exc:
            if isinstance(exc, ProviderError) and exc.transient:
                exc.retryable = True  # the outputs live an hour: the next run fetches them
                raise
            await asyncio.shield(charge_lost(job, cost, "outputs not delivered"))
            raise
        if cost is None and call.model.price_rule.unit is PriceUnit.OUTPUT_SECOND:
            # billed by the second and no length asked for: the delivered seconds
            seconds = sum(a.duration_s or 0.0 for a in assets)
            cost = service.prices.outputs_usd(call.model, call.params, 1, seconds)
            source, said = "provider_outputs", f"{seconds:.1f} s of output"
        return GeneratedOutput(
            assets,
            cost,
            source if cost is not None else None,
            job_id=prediction_id,
            usage={"predict_time": prediction.predict_time, "reported": said},
        )

    def _billed(
        self, call: ModelCall, prediction: Prediction
    ) -> tuple[float | None, str | None, str | None]:
        """What Replicate bills for a finished prediction, from what it reports: official
        models per output (how many it listed; per second of the length asked for), a
        community model by ``metrics.predict_time`` × its hardware's rate. (cost, how, what
        it said); cost None when the prediction does not tell."""
        model = call.model
        unit = model.price_rule.unit
        if unit is PriceUnit.GPU_SECOND:
            seconds = prediction.predict_time
            if seconds is None:
                return None, None, None
            usd = self.service.prices.gpu_time_usd(model.id, seconds)
            return usd, "gpu_time", f"metrics.predict_time={seconds!r}"
        count = len(_urls(prediction.output)) if prediction.output is not None else 0
        if unit in (PriceUnit.OUTPUT, PriceUnit.OUTPUT_SECOND) and count:
            if unit is PriceUnit.OUTPUT_SECOND and not model.price_rule.seconds:
                return None, None, None  # measured from the files once downloaded
            usd = self.service.prices.outputs_usd(model, call.params, count)
            return usd, "provider_outputs", f"{count} output(s)"
        return None, None, None

    async def _download(
        self, prediction: Prediction, call: ModelCall, job: JobControl
    ) -> list[Asset]:
        if prediction.data_removed or prediction.output is None:
            raise OutputsExpired("the outputs expired at Replicate before they could be downloaded")
        urls = _urls(prediction.output)
        if not urls:
            raise BadOutput("the prediction succeeded but Replicate listed no output file")
        kind = AssetKind.VIDEO if call.model.task is Task.VIDEO else AssetKind.IMAGE
        downloads = self.service.downloads
        got = await asyncio.gather(
            *(downloads.fetch(url, job, kind, service=REPLICATE) for url in urls)
        )
        return [d.asset for d in got]

    async def _cancel(
        self, wire: ReplicateWire, call: ModelCall, job: JobControl, prediction_id: str
    ) -> None:
        """Cancel at Replicate (shielded, briefly) and record what the run cost so far."""

        async def cancel() -> None:
            prediction = await wire.cancel(prediction_id)
            # a community model bills the GPU time it ran; an official model bills outputs,
            # and a cancelled prediction delivers none
            if call.model.price_rule.unit is PriceUnit.GPU_SECOND:
                cost, _source, _said = self._billed(call, prediction)
                await charge_lost(job, cost, "cancelled; billed for the time it ran")

        task = asyncio.ensure_future(cancel())
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), CANCEL_TIMEOUT_S)


def _wanted(info: Mapping[str, Any]) -> SentInput | str | None:
    """What a journaled create is looked up by: what it sent, or (older journals) the exact
    hash of its input."""
    sent = SentInput.from_info(info)
    if sent is not None:
        return sent
    exact = info.get("input_sha256")
    return exact if isinstance(exact, str) else None


def _status(prediction: Prediction) -> PollStatus:
    status = prediction.status
    if prediction.done:
        return PollStatus(
            status, status == "succeeded", True, 1.0 if status == "succeeded" else None
        )
    return PollStatus(status, status == "processing", False, prediction.fraction)


def _failure(prediction: Prediction) -> ProviderError:
    reason = provider_reason(prediction.error) or "no reason given"
    if prediction.status == "canceled":
        return Cancelled("the prediction was cancelled at Replicate")
    if prediction.status == "aborted":
        return ProviderFailure(
            "Replicate aborted the prediction before it started (its deadline passed)"
        )
    return ProviderFailure(f"the model failed at Replicate: {reason}")


def _urls(output: Any) -> list[str]:
    """Output URLs: plain strings, or FileOutput objects (``https:`` / ``data:`` only)."""
    items = output if isinstance(output, list | tuple) else [output]
    urls = []
    for item in items:
        url = getattr(item, "url", item)
        if isinstance(url, str) and url:
            urls.append(url)
    return urls
