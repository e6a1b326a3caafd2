"""A tiny real OPC UA server for the ingest tests, and helpers to look at what was stored."""

from __future__ import annotations

import asyncio
import datetime as dt

import psycopg
from asyncua import Server, ua

from ingest.service import run_service
from ingest.settings import IngestSettings

NAMESPACE = "urn:magnetline:test-plant"
CELSIUS = ua.EUInformation(
    NamespaceUri="http://www.opcfoundation.org/UA/units/un/cefact",
    UnitId=4408652,
    DisplayName=ua.LocalizedText("°C"),
)


class TinyPlant:
    """An OPC UA server with one furnace temperature, a lot id and a failing sensor."""

    def __init__(self, port: int) -> None:
        self.url = f"opc.tcp://127.0.0.1:{port}/"
        self.server = Server()
        self.written: dict[str, int] = {"temperature": 0, "lot": 0, "failing": 0}

    async def start(self) -> None:
        await self.server.init()
        self.server.set_endpoint(self.url)
        idx = await self.server.register_namespace(NAMESPACE)
        line = await self.server.nodes.objects.add_object(ua.NodeId("Line1", idx), "Line1")
        sinter = await line.add_object(ua.NodeId("Line1.Sintering", idx), "Sintering")
        furnace = await sinter.add_object(ua.NodeId("Line1.Sintering.Furnace1", idx), "Furnace1")
        self.temperature = await furnace.add_variable(
            ua.NodeId("Line1.Sintering.Furnace1.Zone1Temperature", idx), "Zone1Temperature", 20.0
        )
        await self.temperature.add_property(
            ua.NodeId("Line1.Sintering.Furnace1.Zone1Temperature.EU", idx),
            "EngineeringUnits",
            CELSIUS,
        )
        await self.temperature.add_property(
            ua.NodeId("Line1.Sintering.Furnace1.Zone1Temperature.Range", idx),
            "EURange",
            ua.Range(Low=0.0, High=1200.0),
        )
        self.lot = await furnace.add_variable(
            ua.NodeId("Line1.Sintering.Furnace1.LotId", idx), "LotId", ""
        )
        self.failing = await furnace.add_variable(
            ua.NodeId("Line1.Sintering.Furnace1.VacuumPressure", idx), "VacuumPressure", 1e-3
        )
        lots = await sinter.add_object(ua.NodeId("Line1.Sintering.Lots", idx), "Lots")
        self.last_lot = await lots.add_variable(
            ua.NodeId("Line1.Sintering.Lots.LastLot", idx), "LastLot", ""
        )
        trip_type = await self.server.create_custom_event_type(
            idx,
            "EquipmentTrip",
            ua.ObjectIds.BaseEventType,
            [("Equipment", ua.VariantType.String), ("Details", ua.VariantType.String)],
        )
        self.trips = await self.server.get_event_generator(trip_type, ua.ObjectIds.Server)
        await self.server.start()

    async def keep_history(self, *nodes) -> None:
        """Historize ``nodes`` as a real server does: kept, and their AccessLevel says so."""
        readable = ua.AccessLevel.CurrentRead.mask | ua.AccessLevel.HistoryRead.mask
        for node in nodes:
            await self.server.historize_node_data_change(node, period=None, count=0)
            await node.write_attribute(
                ua.AttributeIds.AccessLevel, ua.DataValue(ua.Variant(readable, ua.VariantType.Byte))
            )

    async def keep_event_history(self) -> None:
        """Historize the Server object's events; its EventNotifier says so."""
        server = self.server.get_node(ua.ObjectIds.Server)
        await self.server.historize_node_event(server, period=None)
        notifier = ua.EventNotifier.SubscribeToEvents.mask | ua.EventNotifier.HistoryRead.mask
        await server.write_attribute(
            ua.AttributeIds.EventNotifier, ua.DataValue(ua.Variant(notifier, ua.VariantType.Byte))
        )

    async def publish_lot(self, text: str) -> None:
        now = dt.datetime.now(dt.UTC)
        await self.server.write_attribute_value(
            self.last_lot.nodeid, ua.DataValue(ua.Variant(text), SourceTimestamp=now)
        )

    async def trip(self, equipment: str) -> None:
        event = self.trips.event
        event.SourceName, event.Severity = equipment, 700
        event.Equipment, event.Details = equipment, '{"cause": "vacuum leak"}'
        await self.trips.trigger(message=f"{equipment} tripped")

    async def publish(self, step: int) -> None:
        now = dt.datetime.now(dt.UTC)
        await self.server.write_attribute_value(
            self.temperature.nodeid, ua.DataValue(ua.Variant(20.0 + step), SourceTimestamp=now)
        )
        await self.server.write_attribute_value(
            self.lot.nodeid, ua.DataValue(ua.Variant(f"LOT-{step // 5:04d}"), SourceTimestamp=now)
        )
        status = ua.StatusCode(ua.StatusCodes.BadSensorFailure if step % 2 else ua.StatusCodes.Good)
        await self.server.write_attribute_value(
            self.failing.nodeid, ua.DataValue(ua.Variant(1e-3), status, SourceTimestamp=now)
        )


def settings_for(raw: dict) -> IngestSettings:
    """Settings for a test: no Prometheus port unless the test asks for one."""
    return IngestSettings.model_validate({"metrics_port": 0, **raw})


async def count_rows(dsn: str, sql: str) -> int:
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        cur = await conn.execute(sql)
        return (await cur.fetchone())[0]


async def wait_until_running(dsn: str, poll_s: float = 0.1) -> None:
    """Until the ingest service's health record says it records (bound it with a timeout)."""
    while await count_rows(dsn, "SELECT count(*) FROM ingest_health WHERE state = 'running'") < 1:
        await asyncio.sleep(poll_s)


async def run_service_until(
    dsn: str,
    settings: IngestSettings,
    ready_sql: str,
    minimum: int,
    during=None,
    timeout_s: float = 40,
) -> None:
    """Run the ingest service until ``ready_sql`` counts ``minimum``; ``during`` runs once it
    records (to publish values), then the service is stopped as an operator would."""
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(settings, dsn, stop))
    async with asyncio.timeout(timeout_s):
        await wait_until_running(dsn)
        if during is not None:
            await during()
        while await count_rows(dsn, ready_sql) < minimum:
            await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(service, 20)
